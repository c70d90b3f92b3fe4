"""The shipped CRF model: lazy loading, token tagging, fields from tags.

>>> [label for label, _ in label_tokens("He, K. Deep residual learning. 2016.")][:2]
['author', 'author']
"""

from __future__ import annotations

import math
import threading
from pathlib import Path

import pycrfsuite

from kb.ingest.refparse.features import OFFSETS, Token, context_features, sequence_features, token_features, tokenize

try:  # numpy makes tagging ~3x faster; without it crfsuite's own tagger is used.
    import numpy as np
except ImportError:  # pragma: no cover - numpy is normally present
    np = None

MODEL_PATH = Path(__file__).with_name("model.crfsuite")
_lock = threading.Lock()
_tagger: pycrfsuite.Tagger | None = None
_fast: "FastTagger | None" = None


class FastTagger:
    """Viterbi over the crfsuite model's weights, with per-token score caches.

    crfsuite spends most of its time turning feature strings into ids; here a
    token's own and neighbour-window feature weights are summed once per
    distinct token string and reused, so tagging is a few vector additions
    and one Viterbi pass. Gives the same labels as crfsuite's tagger.
    """

    def __init__(self, tagger: pycrfsuite.Tagger) -> None:
        info = tagger.info()
        self.labels = [lab for lab, _ in sorted(info.labels.items(), key=lambda kv: int(kv[1]))]
        index = {lab: i for i, lab in enumerate(self.labels)}
        size = len(self.labels)
        # One row per attribute the model kept (L1 drops most); last row is zeros.
        self.rows: dict[str, int] = {}
        entries = []
        for (attr, label), w in info.state_features.items():
            row = self.rows.setdefault(attr, len(self.rows))
            entries.append((row, index[label], w))
        # Window features "-1:w=of" looked up by their base name, per offset, so
        # the prefixed strings never need building at tagging time.
        self.offset_rows = [
            {a[len(off) + 1 :]: r for a, r in self.rows.items() if a.startswith(off + ":")} for off in OFFSETS
        ]
        self.matrix = np.zeros((len(self.rows) + 1, size))
        for row, col, w in entries:
            self.matrix[row, col] = w
        self.trans = np.zeros((size, size))
        for (a, b), w in info.transitions.items():
            self.trans[index[a], index[b]] = w
        self.zero = np.zeros(size)
        self._tokens: dict[str, tuple] = {}
        self._contexts: dict[tuple[str, ...], "np.ndarray"] = {}

    def _sum(self, feats: tuple[str, ...]) -> "np.ndarray":
        rows = self.rows
        idx = [rows[f] for f in feats if f in rows]
        return self.matrix[idx].sum(axis=0) if idx else self.zero

    def _token(self, text: str, info) -> tuple:
        cached = self._tokens.get(text)
        if cached is None:
            zero = len(self.rows)
            idx: list[int] = []
            starts: list[int] = []
            for feats, rows in ((info.own, self.rows), *((info.shared, o) for o in self.offset_rows)):
                starts.append(len(idx))
                idx.extend([rows[f] for f in feats if f in rows])
                idx.append(zero)  # the zero row keeps every group non-empty
            sums = np.add.reduceat(self.matrix[idx], starts, axis=0)
            cached = (sums[0], tuple(sums[1:]))
            if len(self._tokens) < 500_000:  # bound memory on endless input
                self._tokens[text] = cached
        return cached

    def emissions(self, tokens: list[Token]) -> "np.ndarray":
        infos, contexts = context_features(tokens)
        n = len(infos)
        per = [self._token(tok.text, info) for tok, info in zip(tokens, infos)]
        ctxs = []
        for ctx_feats in contexts:
            ctx = self._contexts.get(ctx_feats)
            if ctx is None:
                ctx = self._sum(ctx_feats)
                if len(self._contexts) < 500_000:
                    self._contexts[ctx_feats] = ctx
            ctxs.append(ctx)
        scores = np.array([p[0] for p in per]) + np.array(ctxs)
        if n > 1:
            win = np.array([p[1] for p in per])  # (n, 4, labels): seen from -2, -1, +1, +2
            scores[1:] += win[:-1, 1]
            scores[:-1] += win[1:, 2]
            if n > 2:
                scores[2:] += win[:-2, 0]
                scores[:-2] += win[2:, 3]
        return scores

    def viterbi(self, scores: "np.ndarray") -> tuple[list[str], float]:
        """Best label path and its score."""
        delta = scores[0]
        back = []
        cols = np.arange(len(self.labels))
        trans = self.trans
        for t in range(1, scores.shape[0]):
            cand = delta[:, None] + trans
            b = cand.argmax(axis=0)
            back.append(b)
            delta = cand[b, cols] + scores[t]
        best = int(delta.argmax())
        path = [best]
        for b in reversed(back):
            best = int(b[best])
            path.append(best)
        path.reverse()
        return [self.labels[i] for i in path], float(delta.max())

    def log_partition(self, scores: "np.ndarray") -> float:
        """log Z by the forward algorithm (for the path's probability)."""
        alpha = scores[0]
        for t in range(1, scores.shape[0]):
            a = alpha[:, None] + self.trans
            m = a.max(axis=0)
            alpha = m + np.log(np.exp(a - m).sum(axis=0)) + scores[t]
        top = alpha.max()
        return float(top + np.log(np.exp(alpha - top).sum()))


def get_tagger(path: Path | None = None) -> pycrfsuite.Tagger:
    """The process-wide tagger, opened on first use (crfsuite maps the file, so
    this is milliseconds). A ``path`` opens a separate tagger for that file."""
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


def _apply_rules(tokens: list[Token], labels: list[str]) -> list[str]:
    """Overrides where a pattern is surer than the model: a bare URL token is
    a url unless the model put it in the doi field (AnyStyle labels
    ``DOI: http://dx.doi.org/…`` as doi)."""
    for i, tok in enumerate(tokens):
        if labels[i] not in ("url", "doi") and "kind=url" in token_features(tok.text).own:
            labels[i] = "url"
    return labels


def get_fast_tagger() -> FastTagger | None:
    """The process-wide FastTagger over the shipped model (None without numpy)."""
    global _fast
    if np is None:
        return None
    if _fast is None:
        tagger = get_tagger()
        with _lock:
            if _fast is None:
                _fast = FastTagger(tagger)
    return _fast


def tag(tokens: list[Token], tagger: pycrfsuite.Tagger | None = None,
        confidence: bool = False) -> tuple[list[str], float]:
    """Labels for the tokens, and the probability of that labelling when
    ``confidence`` is asked for (else 1.0). A given crfsuite ``tagger`` is
    used as it is; by default the fast tagger runs over the shipped model."""
    if not tokens:
        return [], 1.0
    fast = get_fast_tagger() if tagger is None else None
    if fast is not None:
        scores = fast.emissions(tokens)
        labels, best = fast.viterbi(scores)
        prob = math.exp(best - fast.log_partition(scores)) if confidence else 1.0
        return _apply_rules(tokens, labels), prob
    tagger = tagger or get_tagger()
    tagger.set(sequence_features(tokens))
    labels = tagger.tag()
    prob = tagger.probability(labels) if confidence else 1.0
    return _apply_rules(tokens, list(labels)), prob


def label_tokens(text: str, tagger: pycrfsuite.Tagger | None = None) -> list[tuple[str, Token]]:
    """(label, token) for every token of the text."""
    tokens = tokenize(text)
    labels, _ = tag(tokens, tagger)
    return list(zip(labels, tokens))


def to_fields(text: str, tokens: list[Token], labels: list[str]) -> list[tuple[str, str]]:
    """Merge runs of equal labels into (label, text) fields cut from ``text``."""
    fields: list[tuple[str, str]] = []
    start = end = 0
    current = None
    for tok, label in zip(tokens, labels):
        if label != current:
            if current is not None:
                fields.append((current, text[start:end]))
            current, start = label, tok.start
        end = tok.end
    if current is not None:
        fields.append((current, text[start:end]))
    return fields
