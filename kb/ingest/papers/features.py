"""Features of a candidate span (:mod:`kb.ingest.papers.candidates`) for the mention classifier.

What tells a paper or book title from other words is mostly local: quotes and emphasis around it,
title case, a byline or "et al." next to it, cue words on the line or in the section heading
("paper", "book", "read"), the shape of the line, whether the span is a person's name. Word
identities at the edges and rarity let the classifier learn the vocabulary of titles.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import cached_property, lru_cache

from kb.ingest.lexicon import lexicon, rarity, title_words
from kb.ingest.markdown import Block
from kb.ingest.papers.candidates import Candidate
from kb.ingest.people import given_names, looks_like_person
from kb.ingest.talks.features import bucket
from kb.ingest.talks.units import TOKEN, Unit, token_starts

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
    title: list[float]
    upper: list[bool] = field(default_factory=list)  # the word starts with a capital
    alpha: list[bool] = field(default_factory=list)  # … with a letter
    emph_starts: frozenset[int] = frozenset()  # where an emphasis of the block opens with "*" or "_"

    @cached_property
    def rare(self) -> list[int]:
        """Each word's rarity (0 for a word that starts with a digit): asked only of lines with a candidate
        the score bound keeps (a word-frequency lookup is the dearest part of a new word)."""
        return [rarity(w) if a else 0 for w, a in zip(self.words, self.alpha, strict=True)]


def line_words(block: Block, unit: Unit) -> LineWords:
    tokens, at = token_starts(block.text, unit.start, unit.end)
    keep = [k for k, w in enumerate(tokens) if w[:1].isalnum()]
    words = [tokens[k] for k in keep]
    starts = [at[k] for k in keep]
    # the five columns of the words' _word() rows (no words: five empty columns)
    lower, stop, title, upper, alpha = (
        map(list, zip(*map(_word, words), strict=True)) if words else ([], [], [], [], [])
    )
    text = block.text
    return LineWords(
        starts,
        [s + len(w) for s, w in zip(starts, words, strict=True)],
        words,
        lower,
        stop,
        title,
        upper,
        alpha,
        frozenset(s for s, _ in block.emphasis if text.startswith(("*", "_"), s)),
    )


@lru_cache(maxsize=65536)
def _word(w: str) -> tuple[str, bool, float, bool, bool]:
    """What :class:`LineWords` keeps of a word: lowercased (a final "." dropped), stop word, title score,
    capitalised, starts with a letter. A pure function of the word."""
    lower = w.lower().rstrip(".")
    title = title_words().get(lower, 0.0) if lower[:1].isalpha() else 0.0
    return lower, lower in _STOP, title, w[:1].isupper(), w[:1].isalpha()


# The families of features built after the score bound's test (kb.ingest.papers.bound): each adds at
# most one attribute to a candidate; everything else is early, known before the test. These are the
# dearest (word frequencies, regexes over the text around the span, the person-name test) and weigh
# least (rare= never raises the score): with them late, the bound rejects ~99.7 % of real candidates
# (~75 % with caps, stop, titleness late too).
LATE = ("rare", "person", "name_shape", "byline_after", "by_after", "name_before", "emph_start")


def candidate_features(
    block: Block,
    unit: Unit,
    c: Candidate,
    shared: list[str],
    lw: LineWords,
    keep: Callable[[list[str]], bool] | None = None,
) -> list[str] | None:
    """The candidate's features: its own, then ``shared`` (the line's, from :func:`line_context`).

    ``keep``, when given, sees the early features (all but the :data:`LATE` families and ``shared``)
    first; when it says False, the late ones are not built and the answer is None. Either way the
    features, and their order, are those of a call without ``keep``."""
    lex = lexicon()
    text = c.text
    a, b = bisect_left(lw.starts, c.start), bisect_right(lw.ends, c.end)
    b = max(a, b)
    words = lw.words[a:b]
    lower = lw.lower[a:b]
    before = block.text[max(unit.start, c.start - 40) : c.start]
    after = block.text[c.end : min(unit.end, c.end + 40)]
    bw = [lw.lower[k] for k in range(max(0, a - 2), a) if lw.starts[k] >= c.start - 40]
    aw = [lw.lower[k] for k in range(b, min(len(lw.words), b + 2)) if lw.ends[k] <= c.end + 40]
    stop, upper = lw.stop, lw.upper
    content = [k for k in range(a, b) if not stop[k]] or list(range(a, b))
    n_content = len(content) or 1
    caps = sum([upper[k] for k in content])
    alpha = [k for k in content if lw.alpha[k]]
    title = lw.title
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
        f"titleness={max(-2, min(4, round(sum([title[k] for k in alpha]) / len(alpha)))) if alpha else 0}",
    ]
    f += [f"b={w}" for w in bw] + [f"a={w}" for w in aw]
    f += [f"b1={bw[-1]}" if bw else "b1=BOL", f"a1={aw[0]}" if aw else "a1=EOL"]
    f.append(f"bchar={before.rstrip()[-1:] or 'BOL'}")
    f.append(f"achar={after.lstrip()[:1] or 'EOL'}")
    colon = ":" in text
    question = text.rstrip().endswith("?")
    verb = not _VERB.isdisjoint(lower)
    cue = not lex["paper_cue"].isdisjoint(lower)
    kind = not lex["kind"].isdisjoint(lower)
    url = bool(_URL.search(text))
    year = bool(YEAR.search(text))
    if keep is not None:
        flags = (("colon", colon), ("question", question), ("pronoun_or_verb", verb), ("cue_inside", cue))
        flags += (("kind_inside", kind), ("url", url), ("year_inside", year))
        if not keep(f + [name for name, on in flags if on]):
            return None
    rare = lw.rare
    f.insert(9, f"rare={round(sum([rare[k] for k in content]) / n_content)}")  # before titleness=, as ever
    if colon:
        f.append("colon")
    if question:
        f.append("question")
    if verb:
        f.append("pronoun_or_verb")
    if len(words) <= 5 and looks_like_person(text):
        f.append("person")
    if 1 < len(words) <= 3 and _name_shape(words):
        f.append("name_shape")
    if cue:
        f.append("cue_inside")
    if kind:
        f.append("kind_inside")
    if url:
        f.append("url")
    if year:
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
