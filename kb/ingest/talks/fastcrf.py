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

import numpy as np

from kb.ingest.talks.features import _EDGE_ROWS, TokenParts

_MAX_MEMO = 200_000  # shared tuples read (token_parts shares ≤ 6 a cached token)
_FEATURE = struct.Struct("<3Id")  # type, source (attribute or label), destination label, weight
_STATE, _TRANSITION = 0, 1


def _strings(data: bytes, at: int) -> list[str]:
    """The strings of a CQDB chunk by id (its backward array: id → the record's offset)."""
    chunk, _size, _flag, _order, count, bwd = struct.unpack_from("<4s5I", data, at)
    if chunk != b"CQDB":
        raise ValueError("not a CQDB chunk")
    out = []
    for i, rec in enumerate(struct.unpack_from(f"<{count}I", data, at + bwd)):
        rid, size = struct.unpack_from("<iI", data, at + rec)
        if rid != i:
            raise ValueError("CQDB record out of order")
        out.append(data[at + rec + 8 : at + rec + 8 + size - 1].decode("utf-8"))
    return out


class SpanTagger:
    """Viterbi labels of item sequences (lists of attribute strings) from a crfsuite CRF1d model file."""

    def __init__(self, path: Path) -> None:
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
        weights = np.zeros((n_attrs + 1, size))  # one row per attribute, the last one zeros (unknown attributes)
        trans = [[0.0] * size for _ in range(size)]
        for kind_, src, dst, w in _FEATURE.iter_unpack(data[off_feat + 12 : off_feat + 12 + _FEATURE.size * count]):
            if kind_ == _STATE:
                weights[src, dst] = w
            elif kind_ == _TRANSITION:
                trans[src][dst] = w
        self.rows = {a: i for i, a in enumerate(attrs)}
        self.zero = n_attrs
        self.weights = weights
        self.trans = trans
        self._weight_rows = weights.tolist()
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
        kept per shared tuple (:meth:`_own`), and the four neighbour views' weights are added to it in their
        order, each view's attributes padded with the zero row to a common width (adding 0.0 leaves a sum as it
        is). Each shared tuple is read once: kept by its id, with the tuple itself, so the id is not reused."""
        if len(self._owns) > _MAX_MEMO or len(self._views) > _MAX_MEMO:
            self._clear()
        own, views = self._own, self._view_indices
        sums: list[tuple[float, ...]] = []
        seen: list[tuple[int, int, int, int]] = []
        firsts: list[int] = []  # per token: the first token of its line, and one past its last
        ends: list[int] = []
        lens: list[int] = []
        for rows, vs, spans in parts:
            at = len(sums)
            sums += map(own, rows)
            seen += map(views, vs)
            for first, end in spans:
                firsts += [at + first] * (end - first)
                ends += [at + end] * (end - first)
            lens.append(len(rows))
        count = len(sums)
        if not count:
            return [[] for _ in parts]
        acc = np.array(sums)
        seen_a = np.array(seen, dtype=np.intp)
        k = np.arange(count)
        first_a, end_a = np.array(firsts, dtype=np.intp), np.array(ends, dtype=np.intp)
        edges = [views(e) for e in _EDGE_ROWS]  # what stands for the line's edge at -2, -1, +1, +2
        weights, table = self.weights, self._table
        for slot, d in enumerate((-2, -1, 1, 2)):
            near = k + d
            inside = (near >= first_a) if d < 0 else (near < end_a)
            index = np.where(inside, seen_a[np.clip(near, 0, count - 1), slot], edges[slot])
            ids = table[index]  # (tokens, width): the view's attributes, padded with the zero row
            rows = weights[ids]
            for col in range(ids.shape[1]):
                acc += rows[:, col]
        flat = acc.tolist()
        out, at = [], 0
        for n in lens:
            out.append(self.viterbi(flat[at : at + n]))
            at += n
        return out

    def _clear(self) -> None:
        """Forget the tuples read (they are read again, the same, when next seen)."""
        self._owns: dict[int, tuple[tuple, tuple[float, ...]]] = {}  # id of a row's own part → (it, its sum)
        self._views: dict[int, tuple[tuple, int]] = {}  # id of a view or of a token's four → (it, index or indices)
        self._table = np.full((16, 1), self.zero, dtype=np.intp)  # view index → its attributes' rows, padded
        self._count = 0

    def _own(self, t: tuple) -> tuple[float, ...]:
        """crfsuite's sums after a row's first attributes, ``t``: from 0.0, each weight in turn."""
        got = self._owns.get(id(t))
        if got is None or got[0] is not t:
            acc = [0.0] * len(self.labels)
            weights, get = self._weight_rows, self.rows.get
            for a in t:
                r = get(a)
                if r is not None:
                    w = weights[r]
                    for j in range(len(acc)):
                        acc[j] += w[j]
            got = self._owns[id(t)] = (t, tuple(acc))
        return got[1]

    def _view_indices(self, t: tuple) -> int | tuple[int, ...]:
        """The index in the view table of a view (a tuple of strings), or the four indices of a token's four views
        (a tuple of tuples)."""
        got = self._views.get(id(t))
        if got is None or got[0] is not t:
            if t and isinstance(t[0], tuple):
                value = tuple(map(self._view_indices, t))
            else:
                ids = [self.rows.get(a, self.zero) for a in t]
                table, at = self._table, self._count
                if at >= table.shape[0] or len(ids) > table.shape[1]:
                    grown = np.full(
                        (max(2 * table.shape[0], at + 1), max(table.shape[1], len(ids))), self.zero, dtype=np.intp
                    )
                    grown[: table.shape[0], : table.shape[1]] = table
                    table = self._table = grown
                table[at, : len(ids)] = ids
                self._count = at + 1
                value = at
            got = self._views[id(t)] = (t, value)
        return got[1]

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
        path = [last]
        for back in reversed(backs):
            last = back[last]
            path.append(last)
        path.reverse()
        labels = self.labels
        return [labels[i] for i in path]

    def _viterbi3(self, state: list[list[float]]) -> list[str]:
        """:meth:`viterbi` written out for three labels (the span tagger's): the same sums and comparisons."""
        (t00, t01, t02), (t10, t11, t12), (t20, t21, t22) = self.trans
        p0, p1, p2 = state[0]
        backs = []
        add = backs.append
        for s0, s1, s2 in state[1:]:
            # to label j: from 0, then 1, then 2, the first strictly greater kept (crfsuite's ``max_score < score``)
            best, b0 = p0 + t00, 0
            score = p1 + t10
            if best < score:
                best, b0 = score, 1
            score = p2 + t20
            if best < score:
                best, b0 = score, 2
            c0 = best + s0
            best, b1 = p0 + t01, 0
            score = p1 + t11
            if best < score:
                best, b1 = score, 1
            score = p2 + t21
            if best < score:
                best, b1 = score, 2
            c1 = best + s1
            best, b2 = p0 + t02, 0
            score = p1 + t12
            if best < score:
                best, b2 = score, 1
            score = p2 + t22
            if best < score:
                best, b2 = score, 2
            p0, p1, p2 = c0, c1, best + s2
            add((b0, b1, b2))
        last = 0
        best = p0
        if best < p1:
            best, last = p1, 1
        if best < p2:
            last = 2
        path = [last]
        for back in reversed(backs):
            last = back[last]
            path.append(last)
        path.reverse()
        labels = self.labels
        return [labels[i] for i in path]

    def tag_many(self, seqs: list[list[list[str]]]) -> list[list[str]]:
        """The labels crfsuite's ``Tagger.tag`` gives each sequence (an empty sequence: none)."""
        return [self.viterbi(s) for s in self.state_scores(seqs)]


_NOT_PLAIN = re.compile("[\x00\ud800-\udfff]")


def plain(text: str) -> bool:
    """No NUL (crfsuite would cut an attribute there) and no lone surrogate (pycrfsuite fails to encode it)."""
    return _NOT_PLAIN.search(text) is None


_lock = threading.Lock()
_taggers: dict[Path, SpanTagger | None] = {}


def span_tagger(path: Path) -> SpanTagger | None:
    """The process-wide tagger over a model file; None when it is missing or not a CRF1d model file."""
    if path in _taggers:
        return _taggers[path]
    with _lock:
        if path not in _taggers:
            try:
                _taggers[path] = SpanTagger(path) if path.exists() else None
            except (ValueError, struct.error, UnicodeDecodeError):
                _taggers[path] = None
        return _taggers[path]
