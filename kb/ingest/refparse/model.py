"""The shipped CRF model: lazy loading, token tagging, fields from tags.

>>> [label for label, _ in label_tokens("He, K. Deep residual learning. 2016.")][:2]
['author', 'author']
"""

from __future__ import annotations

import threading
from pathlib import Path

import pycrfsuite

from kb.ingest.refparse import rules
from kb.ingest.refparse.features import Token, sequence_features, tokenize

MODEL_PATH = Path(__file__).with_name("model.crfsuite")
_lock = threading.Lock()
_tagger: pycrfsuite.Tagger | None = None


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
        kind = rules.token_kind(tok.text)
        if kind == "url" and labels[i] not in ("url", "doi"):
            labels[i] = "url"
    return labels


def tag(tokens: list[Token], tagger: pycrfsuite.Tagger | None = None) -> tuple[list[str], float]:
    """Labels for the tokens and the probability of the whole labelling."""
    if not tokens:
        return [], 1.0
    tagger = tagger or get_tagger()
    tagger.set(sequence_features(tokens))
    labels = tagger.tag()
    prob = tagger.probability(labels)
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
