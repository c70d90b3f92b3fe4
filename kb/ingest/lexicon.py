"""The word lists kb reads (``data/lexicon.json``), loaded once: one place for honorifics, name
particles, kind words and the talk labellers' cue words, so no module keeps a copy of its own."""

from __future__ import annotations

import json
import re
from functools import lru_cache
from pathlib import Path

PATH = Path(__file__).parent / "data" / "lexicon.json"


@lru_cache(maxsize=1)
def lexicon() -> dict[str, frozenset[str]]:
    data = json.loads(PATH.read_text(encoding="utf-8"))
    return {k: frozenset(v) for k, v in data.items() if not k.startswith("_")}


def honorific_prefix() -> re.Pattern[str]:
    """ "Prof. Dr. " and the like at the start of a name (any case, period optional)."""
    words = sorted(lexicon()["honorific"], key=len, reverse=True)
    return re.compile(r"^(?:(?:" + "|".join(map(re.escape, words)) + r")\.?\s+)+", re.IGNORECASE)


@lru_cache(maxsize=65536)
def zipf(word: str) -> float:
    """How common a word is in English, wordfreq's Zipf scale (lower-cased): ~7 "the", ~5 "color", 0 unknown."""
    low = word.lower()
    if low.isascii() and low.isalpha():
        return _zipf_of_plain(low)
    return _zipf()(low, "en")


_BY_FREQUENCY: dict[float | None, float] = {}  # a word's frequency in wordfreq's table (None: not in it) → its zipf


def _zipf_of_plain(low: str) -> float:
    """wordfreq's zipf of a word of lower-case ASCII letters, asked of wordfreq once per frequency. Its tokenizer
    keeps such a word whole and as it is (no case, accent, quote or digit to change), so its value is a function of
    its frequency in the table alone: 800 quantised values and "not there". Most of wordfreq's ~16 µs a word is
    that tokenizer (tests/test_extract_fast_paths.py compares every such word of the table and of the posts)."""
    f = _frequencies().get(low)
    z = _BY_FREQUENCY.get(f)
    if z is None:
        z = _BY_FREQUENCY[f] = _zipf()(low, "en")  # a race stores the same number twice
    return z


@lru_cache(maxsize=1)
def _frequencies() -> dict[str, float]:
    from wordfreq import get_frequency_dict

    return get_frequency_dict("en", "best")  # the table zipf_frequency(word, "en") reads


@lru_cache(maxsize=65536)
def rarity(word: str) -> int:
    """0 (everyday English word) … 3 (rare or unknown: names, products), from wordfreq's Zipf scale."""
    z = zipf(word)
    return 0 if z >= 4.5 else 1 if z >= 3.5 else 2 if z >= 2.5 else 3


@lru_cache(maxsize=1)
def _zipf():
    from wordfreq import (
        zipf_frequency,  # ~0.25 s to load its tables: only when extraction runs
    )

    return zipf_frequency


@lru_cache(maxsize=1)
def title_words() -> dict[str, float]:
    """How much likelier a word is in a paper title than in English at large (data/title_words.tsv)."""
    path = PATH.parent / "title_words.tsv"
    out = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        word, score = line.split("\t")
        out[word] = float(score)
    return out


def titleness(words: list[str]) -> float:
    """Mean title score of the words (unknown words count as 0)."""
    table = title_words()
    scores = [table.get(w.lower(), 0.0) for w in words if w[:1].isalpha()]
    return sum(scores) / len(scores) if scores else 0.0
