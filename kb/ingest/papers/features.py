"""Features of a candidate span (:mod:`kb.ingest.papers.candidates`) for the mention classifier.

What tells a paper or book title from other words is mostly local: quotes and emphasis around it,
title case, a byline or "et al." next to it, cue words on the line or in the section heading
("paper", "book", "read"), the shape of the line, whether the span is a person's name. Word
identities at the edges and rarity let the classifier learn the vocabulary of titles.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from dataclasses import dataclass, field
from functools import lru_cache

from kb.ingest.lexicon import lexicon, rarity, title_words
from kb.ingest.markdown import Block
from kb.ingest.papers.candidates import Candidate
from kb.ingest.people import given_names, looks_like_person
from kb.ingest.talks.features import bucket
from kb.ingest.talks.units import TOKEN, Unit

YEAR = re.compile(r"\b(?:19|20)\d{2}[a-z]?\b")
_ETAL = re.compile(r"\bet\.?\s*al\b")
_URL = re.compile(r"https?://|www\.")
_BYLINE_AFTER = re.compile(r"\s*[(,]\s*[A-Z][\w'’-]+(?: et al| and| &|,|\))")
_BY_AFTER = re.compile(r"\s*(?:by|[-–—]{1,2})\s+[A-Z]")
_NAME_BEFORE = re.compile(r"(?:[A-Z][\w'’-]+(?: et al\.?)?,?|\bby)\s*$")
_STOP = frozenset(
    {
        "a",
        "an",
        "the",
        "of",
        "and",
        "or",
        "in",
        "on",
        "for",
        "to",
        "with",
        "at",
        "by",
        "from",
        "via",
        "is",
        "are",
        "not",
        "do",
        "does",
        "what",
        "how",
        "when",
        "why",
        "we",
        "you",
        "it",
        "this",
        "that",
        "i",
    }
)
_VERB = frozenset(
    {
        "is",
        "are",
        "was",
        "were",
        "be",
        "been",
        "have",
        "has",
        "had",
        "do",
        "did",
        "can",
        "will",
        "would",
        "should",
        "i",
        "we",
        "you",
        "they",
        "he",
        "she",
        "my",
        "our",
    }
)


def _words(text: str) -> list[str]:
    return [m.group() for m in TOKEN.finditer(text) if m.group()[:1].isalnum()]


def line_context(block: Block, unit: Unit, lw: LineWords) -> list[str]:
    """Features every candidate of the line shares (``lw``: the line's words, from :func:`line_words`)."""
    lex = lexicon()
    line = block.text[unit.start : unit.end]
    words = lw.lower
    f = [
        f"ukind={unit.kind}{unit.level if unit.kind in ('heading', 'item') else ''}",
        f"lwords={bucket(len(words))}",
        f"ubold={unit.bold}",
    ]
    if not lex["paper_cue"].isdisjoint(words):
        f.append("line_cue")
    if not lex["kind"].isdisjoint(words):
        f.append("line_kind")
    if YEAR.search(line):
        f.append("line_year")
    if _ETAL.search(line):
        f.append("line_etal")
    return f + list(_section_features(" ".join(block.section[-2:]).lower()))


_SECTION_CUES = ("reading", "references", "bibliography", "papers", "books", "resources")


@lru_cache(maxsize=4096)
def _section_features(section: str) -> tuple[str, ...]:
    """The features of the (lowercased) section path above a line: the same for every line under it."""
    lex = lexicon()
    f = [f"sec={w}" for w in sorted(set(_words(section))) if w in lex["paper_cue"] or w in _SECTION_CUES]
    if section and any(w in lex["kind"] for w in _words(section)):
        f.append("sec_kind")
    return tuple(f)


@dataclass
class LineWords:
    """The words of one line with what the features ask of each, computed once per line."""

    starts: list[int]
    ends: list[int]
    words: list[str]
    lower: list[str]
    stop: list[bool]
    rare: list[int]
    title: list[float]
    upper: list[bool] = field(default_factory=list)  # the word starts with a capital
    alpha: list[bool] = field(default_factory=list)  # … with a letter
    emph_starts: frozenset[int] = frozenset()  # where an emphasis of the block opens with "*" or "_"


def line_words(block: Block, unit: Unit) -> LineWords:
    table = title_words()
    ms = [m for m in TOKEN.finditer(block.text, unit.start, unit.end) if m.group()[:1].isalnum()]
    words = [m.group() for m in ms]
    lower = [w.lower().rstrip(".") for w in words]
    text = block.text
    return LineWords(
        [m.start() for m in ms],
        [m.end() for m in ms],
        words,
        lower,
        [w in _STOP for w in lower],
        [rarity(w) if w[:1].isalpha() else 0 for w in words],
        [table.get(w, 0.0) if w[:1].isalpha() else 0.0 for w in lower],
        [w[:1].isupper() for w in words],
        [w[:1].isalpha() for w in words],
        frozenset(s for s, _ in block.emphasis if text.startswith(("*", "_"), s)),
    )


def candidate_features(block: Block, unit: Unit, c: Candidate, shared: list[str], lw: LineWords) -> list[str]:
    lex = lexicon()
    text = c.text
    a, b = bisect_left(lw.starts, c.start), bisect_right(lw.ends, c.end)
    b = max(a, b)
    words = lw.words[a:b]
    lower = lw.lower[a:b]
    stop, upper = lw.stop, lw.upper
    content = [k for k in range(a, b) if not stop[k]] or list(range(a, b))
    n_content = len(content) or 1
    caps = sum([upper[k] for k in content])
    before = block.text[max(unit.start, c.start - 40) : c.start]
    after = block.text[c.end : min(unit.end, c.end + 40)]
    bw = [lw.lower[k] for k in range(max(0, a - 2), a) if lw.starts[k] >= c.start - 40]
    aw = [lw.lower[k] for k in range(b, min(len(lw.words), b + 2)) if lw.ends[k] <= c.end + 40]
    alpha = [k for k in content if lw.alpha[k]]
    rare, title = lw.rare, lw.title
    f = [
        f"src={c.source}",
        f"piece={min(c.index, 3)}",
        f"last={c.index == c.pieces - 1}",
        f"n={bucket(len(words), (0, 1, 2, 3, 4, 6, 9, 14, 20))}",
        f"caps={round(4 * caps / n_content)}",
        f"stop={round(4 * (len(words) - len(content)) / max(len(words), 1))}",
        f"whole={c.start <= unit.start + 8 and c.end >= unit.end - 3}",
        f"first={lower[0] if lower else ''}",
        f"lastw={lower[-1] if lower else ''}",
        f"rare={round(sum([rare[k] for k in content]) / n_content)}",
        f"titleness={max(-2, min(4, round(sum([title[k] for k in alpha]) / len(alpha)))) if alpha else 0}",
    ]
    f += [f"b={w}" for w in bw] + [f"a={w}" for w in aw]
    f += [f"b1={bw[-1]}" if bw else "b1=BOL", f"a1={aw[0]}" if aw else "a1=EOL"]
    f.append(f"bchar={before.rstrip()[-1:] or 'BOL'}")
    f.append(f"achar={after.lstrip()[:1] or 'EOL'}")
    if ":" in text:
        f.append("colon")
    if text.rstrip().endswith("?"):
        f.append("question")
    if not _VERB.isdisjoint(lower):
        f.append("pronoun_or_verb")
    if len(words) <= 5 and looks_like_person(text):
        f.append("person")
    if 1 < len(words) <= 3 and _name_shape(words):
        f.append("name_shape")
    if not lex["paper_cue"].isdisjoint(lower):
        f.append("cue_inside")
    if not lex["kind"].isdisjoint(lower):
        f.append("kind_inside")
    if _URL.search(text):
        f.append("url")
    if YEAR.search(text):
        f.append("year_inside")
    if _ETAL.search(after[:25]) or _BYLINE_AFTER.match(after):
        f.append("byline_after")
    if _BY_AFTER.match(after):
        f.append("by_after")
    if c.index and _NAME_BEFORE.search(before):
        f.append("name_before")
    if c.start in lw.emph_starts:
        f.append("emph_start")
    return f + shared


def _name_shape(words: list[str]) -> bool:
    """Every word but the last a known given name or an initial ("Jane Doe", "J. R. Smith")."""
    names = given_names()
    return all(w in names or (w[:1].isupper() and len(w) <= 2) for w in words[:-1])
