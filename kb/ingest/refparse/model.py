"""The shipped CRF model: lazy loading, token tagging, fields from tags.

>>> [label for label, _ in label_tokens("He, K. Deep residual learning. 2016.")][:2]
['author', 'author']
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import operator
import os
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from kb.ingest.refparse.features import (
    OFFSETS,
    URL,
    Token,
    TokenInfo,
    cache_dir,
    sequence_features,
    token_contexts,
    token_features,
    tokenize,
)

if TYPE_CHECKING:
    import pycrfsuite


_OWN, _SHARED = operator.itemgetter(0), operator.itemgetter(1)  # of a TokenInfo
_TEXT = operator.itemgetter(0)  # of a Token
_token_features = token_features.__wrapped__  # (the fast tagger keeps each token's features itself)


def _import_numpy():
    """numpy, or None. The tagger does no linear algebra: when this is the process's first numpy import,
    OpenBLAS is loaded with one thread (its thread pool costs ~60 ms CPU to start on import, on every
    `kb refs parse`); the environment is left as it was for anything this process starts."""
    import sys

    first = "numpy" not in sys.modules and "OPENBLAS_NUM_THREADS" not in os.environ
    if first:
        os.environ["OPENBLAS_NUM_THREADS"] = "1"
    try:
        import numpy
    except ImportError:  # pragma: no cover - numpy is normally present
        return None
    finally:
        if first:
            del os.environ["OPENBLAS_NUM_THREADS"]
    return numpy


np = _import_numpy()  # numpy makes tagging ~3x faster; without it crfsuite's own tagger is used.

MODEL_PATH = Path(__file__).with_name("model.crfsuite")
_lock = threading.Lock()
_tagger: pycrfsuite.Tagger | None = None
_fast: FastTagger | None = None


class FastTagger:
    """Viterbi over the crfsuite model's weights, with per-token score caches.

    crfsuite spends most of its time turning feature strings into ids; here a
    token's own and neighbour-window feature weights are summed once per
    distinct token string and reused, so tagging is a few vector additions
    and one Viterbi pass. Gives the same labels as crfsuite's tagger.
    """

    def __init__(self, tagger: pycrfsuite.Tagger | None = None, tables: dict | None = None) -> None:
        """From a crfsuite ``tagger``, or from the ``tables`` :meth:`tables` made of one (the cache)."""
        if tables is None:
            assert tagger is not None
            tables = self.tables(tagger)
        self.labels = list(tables["labels"])
        self.rows = {attr: i for i, attr in enumerate(tables["attrs"])}
        self.window_rows = dict(zip(tables["window_keys"], map(tuple, tables["window_rows"]), strict=True))
        self.window_ids = {key: i for i, key in enumerate(self.window_rows)}  # -> its row of window_table
        zero = len(self.rows)
        self.window_table = np.array([*self.window_rows.values(), (zero,) * len(OFFSETS)], dtype=np.intp)
        self.matrix = tables["matrix"]
        self.trans = tables["trans"]
        size = len(self.labels)
        self.trans_t = np.ascontiguousarray(self.trans.T)
        self.rows_index = np.arange(size)
        self.zero_row = len(self.rows)  # the matrix's last row: zeros
        self._pool_lock = threading.Lock()
        self.clear_caches()

    @staticmethod
    def tables(tagger: pycrfsuite.Tagger) -> dict:
        """The model's weights as the tagger uses them: labels, attribute rows, window rows, matrix, transitions."""
        info = tagger.info()
        labels = [lab for lab, _ in sorted(info.labels.items(), key=lambda kv: int(kv[1]))]
        index = {lab: i for i, lab in enumerate(labels)}
        size = len(labels)
        # One row per attribute the model kept (L1 drops most); last row is zeros.
        rows: dict[str, int] = {}
        entries = []
        for (attr, label), w in info.state_features.items():
            row = rows.setdefault(attr, len(rows))
            entries.append((row, index[label], w))
        # Window features "-1:w=of" looked up by their base name, per offset, so
        # the prefixed strings never need building at tagging time.
        zero = len(rows)
        per_offset = [{a[len(off) + 1 :]: r for a, r in rows.items() if a.startswith(off + ":")} for off in OFFSETS]
        # base feature -> its rows as seen from each offset (zero row where the model has none)
        window = {f: tuple(d.get(f, zero) for d in per_offset) for f in set().union(*per_offset)}
        matrix = np.zeros((len(rows) + 1, size))
        for row, col, w in entries:
            matrix[row, col] = w
        trans = np.zeros((size, size))
        for (a, b), w in info.transitions.items():
            trans[index[a], index[b]] = w
        return {
            "labels": labels,
            "attrs": list(rows),  # in row order
            "window_keys": list(window),
            "window_rows": list(window.values()),
            "matrix": matrix,
            "trans": trans,
        }

    def clear_caches(self) -> None:
        """Forget every token's and context's weights (they are made again, the same, when next seen)."""
        size = len(self.labels)
        self._tok_ids: dict[str, int] = {}  # token text -> its row of _tok_pool
        self._tok_infos: list[TokenInfo] = []  # by row: the token's features
        self._tok_pool = np.empty((1024, 5, size))  # own weights, then as seen from -2, -1, +1, +2
        self._ctx_ids: dict[tuple[str, ...], int] = {}  # context features -> its row of _ctx_pool
        self._ctx_pool = np.empty((1024, size))

    def _rows_of(self, groups: list[tuple[str, ...]], index: dict[str, int]) -> tuple[np.ndarray, np.ndarray]:
        """The rows ``index`` has for each group's features, in order (features it lacks dropped), one group
        after the other, and how many each group has: the look-ups run in C (``map`` of ``dict.get``)."""
        counts = np.fromiter(map(len, groups), dtype=np.intp, count=len(groups))
        total = int(counts.sum())
        ids = np.fromiter(map(index.get, itertools.chain.from_iterable(groups), itertools.repeat(-1)), np.intp, total)
        found = ids >= 0
        owner = np.repeat(np.arange(len(groups)), counts)  # the group of each feature
        return ids[found], np.bincount(owner[found], minlength=len(groups))

    def _ordered_sums(self, flat: np.ndarray, sizes: np.ndarray, table: np.ndarray | None = None) -> np.ndarray:
        """The sum of each group's matrix rows, each added in the group's order, first row first: what
        ``matrix[rows].sum(axis=0)`` of one group gives, to the last bit (numpy adds the rows of an axis that is
        not the innermost one one after the other). The groups' rows are ``flat``, one group after the other,
        ``sizes`` long: (groups, labels); with a ``table``, ``flat`` holds indices of its rows of 4 matrix rows
        (a window feature as seen from each offset; its last row is the zero row's): (groups, 4, labels). An
        empty group sums to the zero row. Groups are taken longest first, so step ``d`` adds the ``d``-th row of
        the groups that have one."""
        matrix = self.matrix
        starts = np.cumsum(sizes) - sizes
        pad = self.zero_row if table is None else len(table) - 1
        ids = np.append(flat, pad)  # an empty group reads the pad once
        starts[sizes == 0] = len(flat)
        if table is not None:
            ids = table[ids]
        order = np.argsort(-sizes, kind="stable")
        firsts = starts[order]
        acc = matrix[ids[firsts]]
        ordered = sizes[order]
        depth = int(ordered[0]) if len(ordered) else 0
        live = np.searchsorted(-ordered, -np.arange(depth), side="left").tolist()  # groups longer than d
        for d in range(1, depth):
            c = live[d]
            acc[:c] += matrix[ids[firsts[:c] + d]]
        out = np.empty_like(acc)
        out[order] = acc
        return out

    def _store_tokens(self, new: dict[str, TokenInfo]) -> None:
        """Weights of tokens not seen yet: own, and as seen from each neighbour offset, into the token pool."""
        infos = list(new.values())
        start = len(self._tok_ids)
        stop = start + len(new)
        pool = self._tok_pool
        if stop > pool.shape[0]:
            pool = self._tok_pool = np.concatenate([pool[:start], np.empty((max(stop, 2 * start), *pool.shape[1:]))])
        pool[start:stop, 0] = self._ordered_sums(*self._rows_of(list(map(_OWN, infos)), self.rows))
        pool[start:stop, 1:] = self._ordered_sums(
            *self._rows_of(list(map(_SHARED, infos)), self.window_ids), self.window_table
        )
        self._tok_ids.update(zip(new, range(start, stop), strict=True))
        self._tok_infos += infos

    def _store_contexts(self, new: list[tuple[str, ...]]) -> None:
        start = len(self._ctx_ids)
        stop = start + len(new)
        pool = self._ctx_pool
        if stop > pool.shape[0]:
            pool = self._ctx_pool = np.concatenate([pool[:start], np.empty((max(stop, 2 * start), pool.shape[1]))])
        pool[start:stop] = self._ordered_sums(*self._rows_of(new, self.rows))
        self._ctx_ids.update(zip(new, range(start, stop), strict=True))

    def emissions_many(self, token_lists: list[list[Token]]) -> tuple[np.ndarray, list[list]]:
        """Per-token label scores of several token lists, one after the other (sum of lengths, labels), and each
        list's token infos. Each token text's weights and each context's are summed once (kept in pools, bounded),
        then every score is own + context, + the left neighbour's view, + the right one's, + the left second's,
        + the right second's: the additions of :meth:`emissions`, in its order. One thread at a time: the pools
        grow in place."""
        with self._pool_lock:
            return self._emissions_many(token_lists)

    def _emissions_many(self, token_lists: list[list[Token]]) -> tuple[np.ndarray, list[list]]:
        if len(self._tok_ids) > POOL_LIMIT or len(self._ctx_ids) > POOL_LIMIT:
            self.clear_caches()  # bound memory on endless input
        tok_ids, ctx_ids = self._tok_ids, self._ctx_ids
        texts = list(map(_TEXT, itertools.chain.from_iterable(token_lists)))
        lens = list(map(len, token_lists))
        ids = list(map(tok_ids.get, texts))
        if None in ids:
            fresh = dict.fromkeys(text for text, got in zip(texts, ids, strict=True) if got is None)
            self._store_tokens({text: _token_features(text) for text in fresh})
            ids = list(map(tok_ids.__getitem__, texts))
        infos = list(map(self._tok_infos.__getitem__, ids))
        all_infos, contexts = [], []
        at = 0
        for n in lens:
            all_infos.append(infos[at : at + n])
            contexts += token_contexts(texts[at : at + n], all_infos[-1])
            at += n
        cids = [ctx_ids.get(c) for c in contexts]
        if None in cids:
            self._store_contexts(list(dict.fromkeys(c for c, got in zip(contexts, cids, strict=True) if got is None)))
            cids = [ctx_ids[c] for c in contexts]
        win = self._tok_pool[ids]  # (tokens, 5, labels)
        scores = win[:, 0] + self._ctx_pool[cids]
        if len(token_lists) == 1:
            n = lens[0]
            if n > 1:
                scores[1:] += win[:-1, 2]
                scores[:-1] += win[1:, 3]
                if n > 2:
                    scores[2:] += win[:-2, 1]
                    scores[:-2] += win[2:, 4]
            return scores, all_infos
        # Several lists: each neighbour term only where the neighbour is in the same list.
        lens_arr = np.array(lens)
        starts = np.cumsum(lens_arr) - lens_arr
        pos = np.arange(len(texts)) - np.repeat(starts, lens_arr)  # index within its list
        rest = np.repeat(lens_arr - 1, lens_arr) - pos  # tokens after it in its list
        for mask, shift, col in ((pos >= 1, -1, 2), (rest >= 1, 1, 3), (pos >= 2, -2, 1), (rest >= 2, 2, 4)):
            at = np.flatnonzero(mask)
            scores[at] += win[at + shift, col]
        return scores, all_infos

    def emissions(self, tokens: list[Token]) -> tuple[np.ndarray, list]:
        """Per-token label scores (n, labels), and the tokens' infos."""
        scores, infos = self.emissions_many([tokens])
        return scores, infos[0]

    def viterbi(self, scores: np.ndarray) -> tuple[list[str], float]:
        """Best label path and its score."""
        delta = scores[0]
        back = []
        rows = self.rows_index
        trans_t = self.trans_t  # (to, from), so the reductions run over contiguous rows
        for t in range(1, scores.shape[0]):
            cand = trans_t + delta
            b = cand.argmax(axis=1)
            back.append(b)
            delta = cand[rows, b] + scores[t]
        best = int(delta.argmax())
        path = [best]
        for b in reversed(back):
            best = int(b[best])
            path.append(best)
        path.reverse()
        return [self.labels[i] for i in path], float(delta.max())

    def log_partition(self, scores: np.ndarray) -> float:
        """log Z by the forward algorithm (for the path's probability). The same operations in the same order
        as ``m = a.max(0); alpha = m + log(exp(a - m).sum(0)) + scores[t]``, into buffers made once."""
        alpha = scores[0]
        size = scores.shape[1]
        a = np.empty((size, size))
        m = np.empty(size)
        s = np.empty(size)
        trans = self.trans
        add, exp, log, maximum, subtract = np.add, np.exp, np.log, np.maximum, np.subtract
        col = alpha[:, None]
        for t in range(1, scores.shape[0]):
            add(col, trans, out=a)
            maximum.reduce(a, axis=0, out=m)
            subtract(a, m, out=a)
            exp(a, out=a)
            add.reduce(a, axis=0, out=s)
            log(s, out=s)
            alpha = m + s
            alpha += scores[t]
            col = alpha[:, None]
        top = alpha.max()
        return float(top + np.log(np.exp(alpha - top).sum()))

    def decode_many(self, scores: list[np.ndarray], confidence: bool) -> list[tuple[list[str], float, float]]:
        """:meth:`decode_flat` of separate score arrays."""
        lens = [sc.shape[0] for sc in scores]
        return self.decode_flat(np.concatenate(scores), lens, confidence)

    def decode_flat(
        self, scores: np.ndarray, lens: list[int], confidence: bool
    ) -> list[tuple[list[str], float, float]]:
        """:meth:`viterbi` and :meth:`log_partition` of several sequences at once, their scores one after the
        other in ``scores`` (each at least one token): (labels, best score, log Z or 0.0) each.

        The sequences run longest first, so those still running at a step are a prefix of the batch, and each
        step computes only them, with the same element-wise operations and the same reductions over the previous
        label, in the same order, as the one-sequence methods: each result is theirs to the last bit
        (tests/test_refparse_speed.py). The Viterbi pass keeps each step's best scores (a max, not an argmax);
        the best previous label is found again only along the best path, from the same sums."""
        count, size = len(lens), len(self.labels)
        order = sorted(range(count), key=lambda i: -lens[i])
        slens = np.array([lens[i] for i in order])
        steps = int(slens[0])
        firsts = np.cumsum(lens) - np.array(lens)
        # Label-major scores, (steps, labels, sequence): every operation below runs along the sequences, a
        # stretch of memory, with one (previous label, label) pair at a time. A finished sequence reads the
        # zero row past the end of ``scores``.
        at = np.arange(steps)[:, None]
        index = np.where(at < slens, firsts[order] + at, scores.shape[0])
        padded = np.concatenate([scores, np.zeros((1, size))])[index].transpose(0, 2, 1).copy()
        live = [int(c) for c in np.searchsorted(-slens, -np.arange(steps), side="left")]  # sequences longer than t
        trans = self.trans[:, :, None]  # (from, to, 1)
        hist = np.empty((steps, size, count))  # Viterbi's best scores at each step
        hist[0] = padded[0]
        alpha = padded[0].copy()
        add, exp, log = np.add, np.exp, np.log
        for t in range(1, steps):
            c = live[t]
            cand = hist[t - 1, :, None, :c] + trans  # (from, to, sequence)
            add(cand.max(axis=0), padded[t, :, :c], out=hist[t, :, :c])
            if confidence:
                a = alpha[:, None, :c] + trans  # (from, to, sequence)
                m = a.max(axis=0)
                np.subtract(a, m, out=a)
                exp(a, out=a)
                alpha[:, :c] = m + log(a.sum(axis=0)) + padded[t, :, :c]
        everyone = np.arange(count)
        last = hist[slens - 1, :, everyone]  # (sequence, labels): each one's scores at its last token
        cur = last.argmax(axis=1)
        bests = last.max(axis=1).tolist()
        paths = np.empty((count, steps), dtype=np.intp)
        paths[everyone, slens - 1] = cur
        for t in range(steps - 1, 0, -1):  # back along the best path: the argmax of the sums the max was of
            c = live[t]
            prev = (self.trans[:, cur[:c]] + hist[t - 1, :, :c]).argmax(axis=0)
            cur[:c] = prev
            paths[:c, t - 1] = prev
        zs = [0.0] * count
        if confidence:
            final = alpha.T.copy()  # (sequence, labels), as log_partition sums a sequence's last scores
            top = final.max(axis=1)
            zs = (top + log(exp(final - top[:, None]).sum(axis=1))).tolist()
        labels = self.labels
        out: list = [None] * count
        for k, (i, row, n) in enumerate(zip(order, paths.tolist(), slens.tolist(), strict=True)):
            out[i] = ([labels[j] for j in row[:n]], bests[k], zs[k])
        return out


def get_tagger(path: Path | None = None) -> pycrfsuite.Tagger:
    """The process-wide tagger, opened on first use (crfsuite maps the file, so
    this is milliseconds). A ``path`` opens a separate tagger for that file."""
    import pycrfsuite

    global _tagger
    if path is not None:
        tagger = pycrfsuite.Tagger()
        tagger.open(str(path))
        return tagger
    if _tagger is None:
        with _lock:
            if _tagger is None:
                if not MODEL_PATH.exists():
                    raise FileNotFoundError(
                        f"{MODEL_PATH} is missing; rebuild it with `python -m kb.ingest.refparse.train`"
                    )
                tagger = pycrfsuite.Tagger()
                tagger.open(str(MODEL_PATH))
                _tagger = tagger
    return _tagger


def _apply_rules(infos: list, labels: list[str]) -> list[str]:
    """Overrides where a pattern is surer than the model: a bare URL token is
    a url unless the model put it in the doi field (AnyStyle labels
    ``DOI: http://dx.doi.org/…`` as doi)."""
    for i, info in enumerate(infos):
        if info.bits & URL and labels[i] not in ("url", "doi"):
            labels[i] = "url"
    return labels


TABLES_VERSION = 2  # of the cached tables' layout (FastTagger.tables)


def tables_cache(model: Path = MODEL_PATH) -> Path:
    """Where the weight tables of ``model`` are cached: the user's cache, named by the model file's sha256."""
    sha = hashlib.sha256(model.read_bytes()).hexdigest()[:32]
    return cache_dir() / f"tables-v{TABLES_VERSION}-{sha}.npz"


def load_tables(path: Path) -> dict | None:
    """The cached tables, or None when the file is missing or unreadable (then they are built again)."""
    try:
        with np.load(path, allow_pickle=False) as data:
            strings = json.loads(data["strings"].tobytes().decode("utf-8"))
            return strings | {
                "window_rows": data["window_rows"].tolist(),
                "matrix": data["matrix"],
                "trans": data["trans"],
            }
    except (OSError, ValueError, KeyError, UnicodeDecodeError):
        return None


def save_tables(path: Path, tables: dict) -> None:
    """Write the tables atomically; a cache that cannot be written is simply not kept."""
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".npz")
        with os.fdopen(fd, "wb") as f:
            strings = {k: tables[k] for k in ("labels", "attrs", "window_keys")}  # any text: JSON, as UTF-8 bytes
            np.savez(
                f,
                strings=np.frombuffer(json.dumps(strings, ensure_ascii=False).encode("utf-8"), dtype=np.uint8),
                window_rows=np.array(tables["window_rows"], dtype=np.int64).reshape(-1, len(OFFSETS)),
                matrix=tables["matrix"],
                trans=tables["trans"],
            )
        os.replace(tmp, path)
    except OSError:
        pass


def get_fast_tagger() -> FastTagger | None:
    """The process-wide FastTagger over the shipped model (None without numpy).

    Its weight tables take ~0.1-0.25 s to build from the model (crfsuite's ``info()``); they are cached in
    the user's cache folder, keyed by the model file's sha256, and read back in a few milliseconds, so a
    process that parses a few references does not pay for them (nor for importing crfsuite).
    """
    global _fast
    if np is None:
        return None
    if _fast is None:
        try:
            cache = tables_cache()
        except OSError:  # the model file is missing: get_tagger says so
            cache = None
        tables = load_tables(cache) if cache is not None else None
        if tables is None:
            try:
                tables = FastTagger.tables(get_tagger())
            except (RuntimeError, OSError):  # crfsuite dumps the model to a temporary file: not on a full disk
                return None  # crfsuite's own tagger then: the same labels
            if cache is not None:
                save_tables(cache, tables)
        with _lock:
            if _fast is None:
                _fast = FastTagger(tables=tables)
    return _fast


def tag(
    tokens: list[Token], tagger: pycrfsuite.Tagger | None = None, confidence: bool = False
) -> tuple[list[str], float]:
    """Labels for the tokens, and the probability of that labelling when
    ``confidence`` is asked for (else 1.0). A given crfsuite ``tagger`` is
    used as it is; by default the fast tagger runs over the shipped model."""
    if not tokens:
        return [], 1.0
    fast = get_fast_tagger() if tagger is None else None
    if fast is not None:
        scores, infos = fast.emissions(tokens)
        labels, best = fast.viterbi(scores)
        prob = math.exp(best - fast.log_partition(scores)) if confidence else 1.0
        return _apply_rules(infos, labels), prob
    tagger = tagger or get_tagger()
    tagger.set(sequence_features(tokens))
    labels = tagger.tag()
    prob = tagger.probability(labels) if confidence else 1.0
    return _apply_rules([token_features(t.text) for t in tokens], list(labels)), prob


BATCH = 256  # token lists scored and decoded together by tag_many
POOL_LIMIT = 100_000  # distinct tokens (and contexts) whose weights are kept: ~90 MiB at most


def tag_many(token_lists: list[list[Token]], confidence: bool = False) -> list[tuple[list[str], float]]:
    """:func:`tag` of several token lists with the shipped model: the same labels and probabilities, the
    Viterbi and forward passes run on sequences of similar length together (numpy's per-call cost, not the
    arithmetic, dominates them for one reference)."""
    fast = get_fast_tagger()
    if fast is None:
        return [tag(tokens, confidence=confidence) for tokens in token_lists]
    out: list[tuple[list[str], float]] = [([], 1.0)] * len(token_lists)
    todo = [i for i, tokens in enumerate(token_lists) if tokens]
    for start in range(0, len(todo), BATCH):
        part = todo[start : start + BATCH]
        scores, infos = fast.emissions_many([token_lists[i] for i in part])
        decoded = fast.decode_flat(scores, [len(token_lists[i]) for i in part], confidence)
        for i, info, (labels, best, z) in zip(part, infos, decoded, strict=True):
            prob = math.exp(best - z) if confidence else 1.0
            out[i] = (_apply_rules(info, labels), prob)
    return out


def label_tokens(text: str, tagger: pycrfsuite.Tagger | None = None) -> list[tuple[str, Token]]:
    """(label, token) for every token of the text."""
    tokens = tokenize(text)
    labels, _ = tag(tokens, tagger)
    return list(zip(labels, tokens, strict=False))


def to_fields(text: str, tokens: list[Token], labels: list[str]) -> list[tuple[str, str]]:
    """Merge runs of equal labels into (label, text) fields cut from ``text``."""
    fields: list[tuple[str, str]] = []
    start = end = 0
    current = None
    for tok, label in zip(tokens, labels, strict=False):
        if label != current:
            if current is not None:
                fields.append((current, text[start:end]))
            current, start = label, tok.start
        end = tok.end
    if current is not None:
        fields.append((current, text[start:end]))
    return fields
