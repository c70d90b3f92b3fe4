"""Is a capitalised phrase a person's name? A learned check behind the rules of
:func:`kb.ingest.people.looks_like_person`.

The rules know shapes (two or more capitalised words, no digits, no noun endings) and reject phrases of
everyday words only; they cannot tell "Ruby Developer", "Longuet-Higgins Prize" or "Django Admin
Cookbook" from "Walter White". A logistic model (crfsuite over one-item sequences, deterministic) reads
each word's commonness in English (wordfreq), whether it is a known given name or a common East Asian
family name, its shape, suffix, position, and the common words themselves ("prize", "tools", "developer"),
trained by ``python -m training.train_names`` on the names of our annotations (people, speakers, paper
authors) against the capitalised phrases of their talk titles, paper titles and event names that the
rules take for names.
"""

from __future__ import annotations

import re
import threading
from functools import lru_cache
from pathlib import Path

from kb.ingest.lexicon import lexicon, zipf

MODEL = Path(__file__).parent / "data" / "personname.crfsuite"
THRESHOLD = 0.2  # a phrase the rules accept stays a name unless P(name) is below this (folds: see README)
MENTIONED = 0.45  # the same for a person only mentioned in prose, with no talk of theirs to vouch for the name
_lock = threading.Lock()
_tagger: list = [None, None]  # (path, tagger)
_SHAPE = re.compile(r"(.)\1+")


def _shape(w: str) -> str:
    s = "".join("X" if c.isupper() else "x" if c.islower() else "d" if c.isdigit() else c for c in w)
    return _SHAPE.sub(r"\1\1", s)[:6]


def features(words: list[str]) -> list[str]:
    """Features of a name's words (honorifics off)."""
    from kb.ingest.people import given_names

    lex = lexicon()
    given, family = given_names(), lex["east_asian_family"]
    n = len(words)
    f = [f"n={min(n, 5)}"]
    for k, w in enumerate(words):
        pos = "f" if k == 0 else "l" if k == n - 1 else "m"
        bare = w.strip(".,'’")
        if len(bare) > 2 and bare.isupper() and k:  # "Xinlei CHEN": a family name in capitals, read as one
            f.append(f"{pos}caps")
            bare = bare.title()
        low = bare.lower()
        z = zipf(bare) if bare else 0.0
        f.append(f"{pos}z={min(int(z), 6)}")
        f.append(f"{pos}s={_shape(bare)}")
        if bare in given:
            f.append(f"{pos}given")
        if bare in family:
            f.append(f"{pos}eafam")
        if len(bare) <= 2:
            f.append(f"{pos}short")
        elif len(low) > 3:
            f.append(f"{pos}suf={low[-3:]}")
        if z >= 4.0:
            f.append(f"{pos}w={low}")
        for group in ("affiliation", "kind", "event", "non_talk_section", "conference_suffix"):
            if low in lex[group]:
                f.append(f"g={group}")
        if "-" in bare:  # "Sung-Ho", "Fillion-Robin", but also "Exactly-Once", "Longuet-Higgins Prize"
            parts = [x for x in bare.split("-") if x]
            f.append(f"{pos}hyphen")
            if all(len(x) <= 5 for x in parts):
                f.append(f"{pos}syllables")  # romanised syllables: "Chih-Chung", "Jia-Bin"
            if any(x in given or x in family for x in parts):
                f.append(f"{pos}part_name")
        if w.endswith(("'s", "’s")):
            f.append("possessive")
    return f


def _model():
    path, tagger = _tagger
    if path != MODEL:
        with _lock:
            import pycrfsuite

            tagger = None
            if MODEL.exists():
                tagger = pycrfsuite.Tagger()
                tagger.open(str(MODEL))
            _tagger[:] = [MODEL, tagger]
            probability.cache_clear()
    return _tagger[1]


@lru_cache(maxsize=65536)
def probability(name: str) -> float | None:
    """P(name) for a phrase's words; None without a model."""
    tagger = _model()
    if tagger is None:
        return None
    with _lock:
        tagger.set([features(name.split())])
        return tagger.marginal("P", 0)


def vetoed(words: list[str], threshold: float | None = None) -> bool:
    """The model says these words (a phrase the rules took for a name) are no name: P(name) below
    ``threshold`` (default :data:`THRESHOLD`)."""
    if _model() is None:
        return False
    p = probability(" ".join(words))
    return p is not None and p < (THRESHOLD if threshold is None else threshold)
