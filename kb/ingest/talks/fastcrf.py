"""crfsuite's Viterbi tagging, done here from the model file's own weights: the span tagger's labels, the same
to the last bit, at a fraction of crfsuite's cost on long windows.

crfsuite spends most of a tagging call turning each of a token's ~30 feature strings into an attribute id
(``Tagger.set``); its Viterbi pass over three labels is cheap. Here the ids are one ``dict.get`` each (in C,
through ``map``), the state scores are summed with numpy, and the Viterbi pass runs in Python.

Why the labels are crfsuite's (``crf1d_tag.c``):

* the weights are the model file's doubles (its ``FEAT`` chunk), not ``Tagger.info()``'s dump, which prints
  six decimals;
* a token's score of a label is crfsuite's sum, ``state[label] += weight * 1.0`` for each of the token's
  attributes in their order, starting from 0.0: here the rows of the token's attributes are added one after
  the other in the same order (an attribute the model does not know, or that has no weight for a label, adds
  0.0, which leaves every sum as it is, up to the sign of a zero, which no comparison or later sum sees);
* the Viterbi pass is crfsuite's: ``prev[i] + trans[i][j]`` for each previous label ``i`` in order, the first
  strictly greater kept, then ``+ state[j]``; the last label the first of the largest scores.

An attribute string crfsuite reads up to a NUL character, and a string that is not UTF-8 (a lone surrogate)
fails in pycrfsuite: :func:`plain` tells a text where neither can happen, the caller uses crfsuite otherwise.
``tests/test_talks_fastcrf.py`` compares the labels with crfsuite's on every window of the samples and of the
real corpus.
"""

from __future__ import annotations

import re
import struct
import threading
from itertools import chain, repeat
from pathlib import Path

from kb.ingest.talks.features import _EDGE_ROWS, TokenParts

# A post's windows with fewer tokens than this are tagged by crfsuite: a call here costs ~0.3 ms whatever its size
# (a few dozen numpy steps), crfsuite ~5 µs a token (the two meet at ~50 tokens).
FAST_FROM = 64
_MAX_MEMO = 200_000  # shared tuples read (token_parts shares ≤ 6 a cached token)
_STATE, _TRANSITION = 0, 1


def _strings(data: bytes, at: int) -> list[str]:
    """The strings of a CQDB chunk by id (its backward array: id → the offset of the record: id, size, key and
    its NUL)."""
    chunk, _size, _flag, _order, count, bwd = struct.unpack_from("<4s5I", data, at)
    if chunk != b"CQDB":
        raise ValueError("not a CQDB chunk")
    offsets = np.frombuffer(data, dtype="<u4", count=count, offset=at + bwd).astype(np.int64) + at
    raw = np.frombuffer(data, dtype=np.uint8)
    head = raw[offsets[:, None] + np.arange(8)].astype(np.int64)  # each record's id and key size, little-endian
    ids = head[:, 0] | head[:, 1] << 8 | head[:, 2] << 16 | head[:, 3] << 24
    sizes = head[:, 4] | head[:, 5] << 8 | head[:, 6] << 16 | head[:, 7] << 24
    if count and (ids != np.arange(count)).any():
        raise ValueError("CQDB record out of order")
    return [data[s : s + n - 1].decode("utf-8") for s, n in zip((offsets + 8).tolist(), sizes.tolist(), strict=True)]


np = (
    None  # numpy, imported by the first tagger as the reference parser imports it (one BLAS thread: kb.ingest.refparse)
)


def _numpy():
    """numpy (None without it: crfsuite tags then). Not imported with this module: ``import kb.ingest.pipeline`` does
    not import numpy, and when the tagger is a process's first numpy user OpenBLAS starts no thread pool."""
    global np
    if np is None:
        from kb.ingest.refparse.model import np as numpy

        np = numpy
    return np


_FEATURES = [("type", "<u4"), ("src", "<u4"), ("dst", "<u4"), ("weight", "<f8")]  # 20 bytes a feature, packed


def _path(backs: list, last: int, labels: list[str]) -> list[str]:
    """The labels of the best path that ends in ``last``, followed back through ``backs``."""
    path = [last]
    for back in reversed(backs):
        last = back[last]
        path.append(last)
    path.reverse()
    return [labels[i] for i in path]


def _best3(p0: float, p1: float, p2: float, t0: float, t1: float, t2: float) -> tuple[float, int]:
    """The best way into one label from three: from 0, then 1, then 2, the first strictly greater kept
    (crfsuite's ``max_score < score``)."""
    best, arg = p0 + t0, 0
    score = p1 + t1
    if best < score:
        best, arg = score, 1
    score = p2 + t2
    if best < score:
        best, arg = score, 2
    return best, arg


class SpanTagger:
    """Viterbi labels of item sequences (lists of attribute strings) from a crfsuite CRF1d model file."""

    def __init__(self, path: Path) -> None:
        if _numpy() is None:
            raise ValueError("numpy is not installed")
        data = Path(path).read_bytes()
        magic, _size, kind, _version, _nf, n_labels, n_attrs, off_feat, off_labels, off_attrs = struct.unpack_from(
            "<4sI4s7I", data, 0
        )
        if magic != b"lCRF" or kind != b"FOMC":
            raise ValueError(f"{path}: not a crfsuite CRF1d model")
        self.labels = _strings(data, off_labels)
        attrs = _strings(data, off_attrs)
        if len(self.labels) != n_labels or len(attrs) != n_attrs:
            raise ValueError(f"{path}: label or attribute count does not match the header")
        chunk, _csize, count = struct.unpack_from("<4sII", data, off_feat)
        if chunk != b"FEAT":
            raise ValueError(f"{path}: no feature chunk")
        size = len(self.labels)
        feats = np.frombuffer(data, dtype=np.dtype(_FEATURES), count=count, offset=off_feat + 12)
        weights = np.zeros((n_attrs + 1, size))  # one row per attribute, the last one zeros (unknown attributes)
        state = feats[feats["type"] == _STATE]
        weights[state["src"], state["dst"]] = state["weight"]
        trans = [[0.0] * size for _ in range(size)]
        for src, dst, w in feats[feats["type"] == _TRANSITION][["src", "dst", "weight"]].tolist():
            trans[src][dst] = w
        self.rows = {a: i for i, a in enumerate(attrs)}
        self.zero = n_attrs
        self.weights = weights
        self.trans = trans
        self._lock = threading.Lock()
        self._clear()

    def state_scores(self, seqs: list[list[list[str]]]) -> list[list[list[float]]]:
        """Each sequence's per-item label scores, crfsuite's sums (see the module's docstring)."""
        items = list(chain.from_iterable(seqs))
        ids = list(map(self.rows.get, chain.from_iterable(items), repeat(self.zero)))
        return self._split(self._sums(ids, list(map(len, items))), seqs)

    def _sums(self, ids: list[int], sizes: list[int]) -> list[list[float]]:
        """The label scores of items whose attributes' rows are ``ids``, one item after the other, ``sizes`` each:
        each item's rows added one after the other, in order, from 0.0 (padded with the zero row)."""
        count, total, size = len(sizes), len(ids), len(self.labels)
        if not count:
            return []
        depth = max(sizes)
        sizes_a = np.array(sizes, dtype=np.intp)
        starts = np.cumsum(sizes_a) - sizes_a
        table = np.full((count, max(depth, 1)), self.zero, dtype=np.intp)  # (items, depth)
        table[np.repeat(np.arange(count), sizes_a), np.arange(total) - np.repeat(starts, sizes_a)] = ids
        rows = self.weights[table]  # (items, depth, labels)
        acc = np.zeros((count, size))
        for d in range(depth):
            acc += rows[:, d]
        return acc.tolist()

    @staticmethod
    def _split(flat: list, seqs: list) -> list:
        out, at = [], 0
        for seq in seqs:
            out.append(flat[at : at + len(seq)])
            at += len(seq)
        return out

    def tag_parts(self, parts: list[TokenParts]) -> list[list[str]]:
        """The labels crfsuite gives the rows :func:`~kb.ingest.talks.features.join_token_rows` makes of each
        :func:`~kb.ingest.talks.features.token_parts`, without joining them. A row is the token's own features,
        then what its neighbours -2, -1, +1, +2 on its line see (a line's edge past it); crfsuite adds a row's
        weights one after the other, so its sum after the token's own features is a function of those alone:
        kept per shared tuple (:meth:`_read_owns`: a call's new ones at once), and the four neighbour views'
        weights are added to it in their order, each view's attributes padded with the zero row to a common width
        (adding 0.0 leaves a sum as it is). Each shared tuple is read once: kept by its id, with the tuple itself,
        so the id is not reused."""
        with self._lock:  # one call at a time: the memos and the view table grow in place
            return self._tag_parts(parts)

    def _tag_parts(self, parts: list[TokenParts]) -> list[list[str]]:
        if len(self._owns) > _MAX_MEMO or len(self._views) > _MAX_MEMO:
            self._clear()
        rows = list(chain.from_iterable(p[0] for p in parts))
        fours = list(chain.from_iterable(p[1] for p in parts))
        count = len(rows)
        if not count:
            return [[] for _ in parts]
        owns, views = self._owns, self._views
        # the tuples not read yet (a memo holds each tuple it read: its id is its own while it is there)
        new_rows = {id(t): t for t in rows if id(t) not in owns}
        if new_rows:
            self._read_owns(list(new_rows.values()))
        new_fours = {id(t): t for t in fours if id(t) not in views}
        if new_fours:
            self._read_views(list(new_fours.values()))
        firsts: list[int] = []  # per token: the first token of its line, and one past its last
        ends: list[int] = []
        lens: list[int] = []
        at = 0
        for part in parts:
            for first, end in part[2]:
                firsts += [at + first] * (end - first)
                ends += [at + end] * (end - first)
            at += len(part[0])
            lens.append(len(part[0]))
        acc = np.array([owns[id(t)][1] for t in rows])
        seen_a = 4 * np.array([views[id(t)][1] for t in fours], dtype=np.intp)  # row of each token's view -2
        k = np.arange(count)
        first_a, end_a = np.array(firsts, dtype=np.intp), np.array(ends, dtype=np.intp)
        edge = 4 * views[id(_EDGE_ROWS)][1]  # the rows of what stands for a line's edge at -2, -1, +1, +2
        weights, table = self.weights, self._table
        for slot, d in enumerate((-2, -1, 1, 2)):
            near = k + d
            inside = (near >= first_a) if d < 0 else (near < end_a)
            index = np.where(inside, seen_a[np.clip(near, 0, count - 1)], edge) + slot
            ids = table[index]  # (tokens, width): the view's attributes, padded with the zero row
            rows_w = weights[ids]
            for col in range(ids.shape[1]):
                acc += rows_w[:, col]
        flat = acc.tolist()
        out, at = [], 0
        for n in lens:
            out.append(self.viterbi(flat[at : at + n]))
            at += n
        return out

    def _clear(self) -> None:
        """Forget the tuples read (they are read again, the same, when next seen)."""
        self._owns: dict[int, tuple[tuple, tuple[float, ...]]] = {}  # id of a row's own part → (it, its sums)
        self._views: dict[int, tuple[tuple, int]] = {}  # id of a token's four views → (them, j): rows 4j … 4j + 3
        self._table = np.full((1024, 8), self.zero, dtype=np.intp)  # view row → its attributes' rows, padded
        self._count = 0  # fours in the table
        self._read_views([_EDGE_ROWS])  # the edges -2, -1, +1, +2 are a four too

    def _ids(self, tuples: list[tuple]) -> tuple[np.ndarray, int]:
        """(tuples, longest) table of the rows of each tuple's attributes, padded with the zero row."""
        sizes = list(map(len, tuples))
        depth = max(max(sizes), 1)
        flat = list(map(self.rows.get, chain.from_iterable(tuples), repeat(self.zero)))
        table = np.full((len(tuples), depth), self.zero, dtype=np.intp)
        sizes_a = np.array(sizes, dtype=np.intp)
        starts = np.cumsum(sizes_a) - sizes_a
        total = len(flat)
        table[np.repeat(np.arange(len(tuples)), sizes_a), np.arange(total) - np.repeat(starts, sizes_a)] = flat
        return table, depth

    def _read_owns(self, tuples: list[tuple]) -> None:
        """crfsuite's sums after a row's first attributes, for each of these tuples: from 0.0, each attribute's
        weights added in turn (the zero row for one the model lacks, and for the padding)."""
        table, depth = self._ids(tuples)
        rows = self.weights[table]
        acc = np.zeros((len(tuples), len(self.labels)))
        for col in range(depth):
            acc += rows[:, col]
        self._owns.update((id(t), (t, tuple(s))) for t, s in zip(tuples, acc.tolist(), strict=True))

    def _read_views(self, fours: list[tuple]) -> None:
        """Each of these tokens' four views (what the neighbours -2, -1, +1, +2 see) as four new rows of the view
        table (a token's views are its own tuples: none is shared with another token's)."""
        ids, depth = self._ids([v for four in fours for v in four])
        table, at = self._table, self._count
        need = 4 * (at + len(fours))
        if need > table.shape[0] or depth > table.shape[1]:
            grown = np.full((max(2 * table.shape[0], need), max(table.shape[1], depth)), self.zero, dtype=np.intp)
            grown[: table.shape[0], : table.shape[1]] = table
            table = self._table = grown
        table[4 * at : need, :depth] = ids
        self._count = at + len(fours)
        self._views.update((id(four), (four, at + n)) for n, four in enumerate(fours))

    def viterbi(self, state: list[list[float]]) -> list[str]:
        """crfsuite's ``crf1dc_viterbi`` over these scores: the labels of the best path."""
        if not state:
            return []
        if len(self.labels) == 3:
            return self._viterbi3(state)
        size = len(self.labels)
        trans = self.trans
        order = range(size)
        prev = state[0]
        backs = []
        for t in range(1, len(state)):
            st = state[t]
            curr = [0.0] * size
            back = [0] * size
            for j in order:
                best = -1.7976931348623157e308  # -DBL_MAX
                arg = -1
                for i in order:
                    score = prev[i] + trans[i][j]
                    if best < score:
                        best = score
                        arg = i
                back[j] = arg
                curr[j] = best + st[j]
            backs.append(back)
            prev = curr
        best = -1.7976931348623157e308
        last = 0
        for i in order:
            if best < prev[i]:
                best = prev[i]
                last = i
        return _path(backs, last, self.labels)

    def _viterbi3(self, state: list[list[float]]) -> list[str]:
        """:meth:`viterbi` written out for three labels (the span tagger's): the same sums and comparisons."""
        (t00, t01, t02), (t10, t11, t12), (t20, t21, t22) = self.trans
        p0, p1, p2 = state[0]
        backs = []
        add = backs.append
        for s0, s1, s2 in state[1:]:
            c0, b0 = _best3(p0, p1, p2, t00, t10, t20)
            c1, b1 = _best3(p0, p1, p2, t01, t11, t21)
            c2, b2 = _best3(p0, p1, p2, t02, t12, t22)
            p0, p1, p2 = c0 + s0, c1 + s1, c2 + s2
            add((b0, b1, b2))
        last = 0
        best = p0
        if best < p1:
            best, last = p1, 1
        if best < p2:
            last = 2
        return _path(backs, last, self.labels)

    def tag_many(self, seqs: list[list[list[str]]]) -> list[list[str]]:
        """The labels crfsuite's ``Tagger.tag`` gives each sequence (an empty sequence: none)."""
        return [self.viterbi(s) for s in self.state_scores(seqs)]


_NOT_PLAIN = re.compile("[\x00\ud800-\udfff]")


def plain(text: str) -> bool:
    """No NUL (crfsuite would cut an attribute there) and no lone surrogate (pycrfsuite fails to encode it)."""
    return _NOT_PLAIN.search(text) is None


_lock = threading.Lock()
_taggers: dict[tuple[Path, int, int], SpanTagger | None] = {}  # (path, size, mtime) → tagger


def span_tagger(path: Path) -> SpanTagger | None:
    """The process-wide tagger over a model file; None when it is missing or not a CRF1d model file. A file
    written anew at the same path (training folds, ``kb train``) is read again: the key holds its size and
    modification time."""
    try:
        st = path.stat()
    except OSError:
        return None
    key = (path, st.st_size, st.st_mtime_ns)
    if key in _taggers:
        return _taggers[key]
    with _lock:
        if key not in _taggers:
            try:
                _taggers[key] = SpanTagger(path)
            except (ValueError, struct.error, UnicodeDecodeError):
                _taggers[key] = None
        return _taggers[key]
