"""The shipped CRF model: lazy loading, token tagging, fields from tags.

>>> [label for label, _ in label_tokens("He, K. Deep residual learning. 2016.")][:2]
['author', 'author']
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
import threading
from pathlib import Path
from typing import TYPE_CHECKING

from kb.ingest.refparse.features import (
    OFFSETS,
    URL,
    Token,
    context_features,
    sequence_features,
    token_features,
    tokenize,
)

if TYPE_CHECKING:
    import pycrfsuite

try:  # numpy makes tagging ~3x faster; without it crfsuite's own tagger is used.
    import numpy as np
except ImportError:  # pragma: no cover - numpy is normally present
    np = None

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
        self.matrix = tables["matrix"]
        self.trans = tables["trans"]
        size = len(self.labels)
        self.trans_t = np.ascontiguousarray(self.trans.T)
        self.rows_index = np.arange(size)
        self.zero = np.zeros(size)
        self._tokens: dict[str, tuple] = {}
        self._contexts: dict[tuple[str, ...], np.ndarray] = {}

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

    def _sum(self, feats: tuple[str, ...]) -> np.ndarray:
        rows = self.rows
        idx = [rows[f] for f in feats if f in rows]
        return self.matrix[idx].sum(axis=0) if idx else self.zero

    def _sums(self, groups: list[tuple[str, ...]]) -> list[np.ndarray]:
        """:meth:`_sum` of each feature group, in one gather (padded with the zero row, as _tokens_new)."""
        rows, zero = self.rows, len(self.rows)
        found = [[rows[f] for f in feats if f in rows] for feats in groups]
        depth = max(1, max(map(len, found)))
        idx = np.full((len(groups), depth), zero)
        for j, got in enumerate(found):
            idx[j, : len(got)] = got
        sums = self.matrix[idx].sum(axis=1)
        return [sums[j] if got else self.zero for j, got in enumerate(found)]

    def _tokens_new(self, texts: list[str], infos: list) -> list[np.ndarray]:
        """(5, labels) per token: its own weights, then as seen from -2, -1, +1, +2. One gather for them all:
        each token's feature rows padded with the zero row to a common depth, summed over that depth (adding
        0.0 leaves every sum as it was), so each is what a gather of that token alone gives."""
        zero = len(self.rows)
        rows, window_rows = self.rows, self.window_rows
        owns = [[rows[f] for f in info.own if f in rows] for info in infos]
        seens = [[window_rows[f] for f in info.shared if f in window_rows] for info in infos]
        depth = max(1, max(map(len, owns)), max(map(len, seens)))
        idx = np.full((len(texts), depth, 5), zero)
        for j, (own, seen) in enumerate(zip(owns, seens, strict=True)):
            # row 0 = own features, rows 1-4 = the token seen from -2, -1, +1, +2
            idx[j, : len(own), 0] = own
            if seen:
                idx[j, : len(seen), 1:] = seen
        sums = list(self.matrix[idx].sum(axis=1))
        if len(self._tokens) < 500_000:  # bound memory on endless input
            self._tokens.update(zip(texts, sums, strict=True))
        return sums

    def emissions(self, tokens: list[Token]) -> tuple[np.ndarray, list]:
        """Per-token label scores (n, labels), and the tokens' infos."""
        infos, contexts = context_features(tokens)
        n = len(infos)
        cache, ctx_cache = self._tokens, self._contexts
        per = [cache.get(tok.text) for tok in tokens]
        new: dict[str, int] = {}  # text → a token of it, for the tokens not cached yet (each text once)
        for i, p in enumerate(per):
            if p is None:
                new.setdefault(tokens[i].text, i)
        if new:
            sums = dict(zip(new, self._tokens_new(list(new), [infos[i] for i in new.values()]), strict=True))
            per = [sums[tok.text] if p is None else p for tok, p in zip(tokens, per, strict=True)]
        ctxs = [ctx_cache.get(c) for c in contexts]
        fresh = list(dict.fromkeys(c for c, got in zip(contexts, ctxs, strict=True) if got is None))
        if fresh:
            sums = dict(zip(fresh, self._sums(fresh), strict=True))
            if len(ctx_cache) < 500_000:
                ctx_cache.update(sums)
            ctxs = [sums[c] if got is None else got for c, got in zip(contexts, ctxs, strict=True)]
        win = np.array(per)  # (n, 5, labels)
        scores = win[:, 0] + np.array(ctxs)
        if n > 1:
            scores[1:] += win[:-1, 2]
            scores[:-1] += win[1:, 3]
            if n > 2:
                scores[2:] += win[:-2, 1]
                scores[:-2] += win[2:, 4]
        return scores, infos

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
        """:meth:`viterbi` and :meth:`log_partition` of several sequences at once: (labels, best score, log Z
        or 0.0) each. Every step runs on all of them together (padded; a finished sequence keeps its values),
        with the same element-wise operations and the same reductions over the previous label, in the same
        order, so each result is what the one-sequence methods give, to the last bit (tests/test_refparse_speed.py)."""
        count, size = len(scores), len(self.labels)
        lens = np.array([sc.shape[0] for sc in scores])
        steps = int(lens.max())
        padded = np.zeros((count, steps, size))
        for i, sc in enumerate(scores):
            padded[i, : sc.shape[0]] = sc
        trans_t, trans = self.trans_t[None], self.trans[None]
        delta = padded[:, 0].copy()
        alpha = padded[:, 0].copy()
        back = np.zeros((max(steps - 1, 0), count, size), dtype=np.intp)
        for t in range(1, steps):
            live = (lens > t)[:, None]
            cand = trans_t + delta[:, None, :]  # (sequence, to, from)
            b = cand.argmax(axis=2)
            back[t - 1] = b
            np.copyto(delta, np.take_along_axis(cand, b[:, :, None], axis=2)[:, :, 0] + padded[:, t], where=live)
            if confidence:
                a = alpha[:, :, None] + trans  # (sequence, from, to)
                m = a.max(axis=1)
                np.copyto(alpha, m + np.log(np.exp(a - m[:, None, :]).sum(axis=1)) + padded[:, t], where=live)
        # Back along the pointers, all sequences together: each from its own last position.
        everyone = np.arange(count)
        cur = delta.argmax(axis=1)
        paths = np.empty((count, steps), dtype=np.intp)
        paths[everyone, lens - 1] = cur
        for t in range(steps - 2, -1, -1):
            live = lens > t + 1
            cur = np.where(live, back[t, everyone, cur], cur)
            paths[live, t] = cur[live]
        bests = delta.max(axis=1).tolist()
        zs = [0.0] * count
        if confidence:
            top = alpha.max(axis=1)
            zs = (top + np.log(np.exp(alpha - top[:, None]).sum(axis=1))).tolist()
        labels = self.labels
        return [
            ([labels[k] for k in row[:n]], best, z)
            for row, n, best, z in zip(paths.tolist(), lens.tolist(), bests, zs, strict=True)
        ]


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
    base = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "kb" / "refparse"
    return base / f"tables-v{TABLES_VERSION}-{sha}.npz"


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


BATCH = 32  # sequences decoded together by tag_many (of similar lengths: sorted, so little padding)


def tag_many(token_lists: list[list[Token]], confidence: bool = False) -> list[tuple[list[str], float]]:
    """:func:`tag` of several token lists with the shipped model: the same labels and probabilities, the
    Viterbi and forward passes run on sequences of similar length together (numpy's per-call cost, not the
    arithmetic, dominates them for one reference)."""
    fast = get_fast_tagger()
    if fast is None:
        return [tag(tokens, confidence=confidence) for tokens in token_lists]
    out: list[tuple[list[str], float]] = [([], 1.0)] * len(token_lists)
    emitted = {i: fast.emissions(tokens) for i, tokens in enumerate(token_lists) if tokens}
    order = sorted(emitted, key=lambda i: len(token_lists[i]))
    for start in range(0, len(order), BATCH):
        part = order[start : start + BATCH]
        decoded = fast.decode_many([emitted[i][0] for i in part], confidence)
        for i, (labels, best, z) in zip(part, decoded, strict=True):
            prob = math.exp(best - z) if confidence else 1.0
            out[i] = (_apply_rules(emitted[i][1], labels), prob)
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
