"""Inline citations in running text → (marker, paper) pairs with their sentence.

Forms: ``[3]``, ``[3,4,5]``, ``[2-4]``, ``[21, 22]``, ``[^2]``, ``[He2016]``,
``(Devlin et al., 2019)``, ``(Devlin & Chang, 2019; Vaswani et al., 2017)``,
``Devlin et al. (2019)``, a paper's title as link text or in the prose, and
inline paper links (arXiv, DOI, OpenReview, ACL Anthology, CVF …).

>>> [c.marker for c in find_cites("as in [2-4] and [7]", 0)]
['[2]', '[3]', '[4]', '[7]']
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.ingest.lexicon import title_words

# Up to 4 digits: reference lists run past [999]. A bracketed year such as "[2019]" is read too, and is
# simply not linked (nor reported) when the post has no reference of that number (kb.ingest.linking).
_NUMERIC = re.compile(r"(?<![!\]])\[(\d{1,4}(?:\s*[,–\-]\s*\d{1,4})*)\](?!\()")
_IEEE_RANGE = re.compile(r"\[(\d{1,4})\]\s*[–\-]\s*\[(\d{1,4})\]")
_FOOTNOTE = re.compile(r"\[\^([\w\-]{1,40})\]")
# Each key's surroundings are possessive: the text between two keys could otherwise be split between the
# tail of one and the head of the next in every way, and an unclosed "[@a a @a a …" took minutes.
_PANDOC = re.compile(r"\[((?:[^\[\]@]{0,40}+@[\w:.#$%&\-+?<>~/]++[^\[\]@;]{0,40}+;?\s*+)++)\]")
_PANDOC_KEY = re.compile(r"-?@([\w:.#$%&\-+?<>~/]*[\w])")
_KEY = re.compile(
    r"(?<![!\w\]])\[([A-Za-z][A-Za-z\-]*(?:\d{2}|\d{4})[a-z]?(?:[,;]\s*[A-Za-z][A-Za-z\-]*(?:\d{2}|\d{4})[a-z]?)*)\](?!\()"
)
# Possessive, and a narrative cite starts where a name starts: "Jean-Jean-…" would otherwise be read
# from every "Jean" to the end of the run and back (quadratic).
_SURNAME = r"(?:(?:van der|van den|van|von|de|di|da|le|la|del|du)\s)?[A-ZÀ-ÖØ-Þ][\w'’\-]++"
_AUTHORS = rf"({_SURNAME})(?:\s++(?:et\.?\s*al\.?|and\s++{_SURNAME}|&\s*+{_SURNAME}))?"
_YEAR = r"(?:1[7-9]|20)\d{2}"
_PAREN = re.compile(rf"\(([^()]{{0,300}}?\b{_YEAR}[a-z]?)\)")
_PAREN_PART = re.compile(rf"^\s*(?:e\.g\.,?\s*|see\s+|cf\.\s*)?{_AUTHORS},?\s+({_YEAR})[a-z]?\s*$")
_NARRATIVE = re.compile(rf"(?<![\w'’\-]){_AUTHORS}\s++\(({_YEAR})[a-z]?\)")
# Real notes cite without brackets too: "see Yu et al. 2017", "Ganin et al. JMLR (2016)", "Sanderson and
# Guenter, 2006", "Mikolov, Yih and Zweig, NAACL 2013". Only "et al." or two joined surnames count: "NeurIPS 2019" or "Paris, 2019" alone are no cite.
_BARE = re.compile(
    rf"(?<![\w'’\-])({_SURNAME})(?:,\s++{_SURNAME}){{0,3}}\s++(?:et\.?\s*+al\b\.?|,?\s*+(?:and|&)\s++({_SURNAME}))"
    rf",?\s*+(?:[_*]?[A-Z][A-Za-z]{{1,9}}[_*]?,?\s++)?(\()?({_YEAR})[a-z]?\b(?(3)\))"
)
# Work bounds for hostile text: "[1-50,1-50,…]" would otherwise turn 250 KB into millions of cites.
MAX_GROUP = 100  # numbers one bracket can cite
MAX_CITES = 10_000  # numeric cites read from one block of text
_ABBREV = re.compile(
    r"\b(?:et al|e\.g|i\.e|vs|cf|Dr|Prof|Mr|Mrs|Ms|Fig|Eq|Sec|No|Vol|pp|al|St|Jr|approx|resp)\.$", re.I
)


@dataclass
class Cite:
    marker: str  # as it should be matched: "[3]", "[^2]", "[He2016]", "(Devlin et al., 2019)"
    start: int  # offset in the block text
    kind: str  # numeric, footnote, key, author_year
    surname: str | None = None
    year: int | None = None
    second: str | None = None  # second author's surname for "A and B (2019)"


def _expand(numbers: str) -> list[int]:
    out: list[int] = []
    for part in re.split(r"\s*,\s*", numbers):
        m = re.fullmatch(r"(\d{1,4})\s*[–\-]\s*(\d{1,4})", part)
        if m:
            a, b = int(m.group(1)), int(m.group(2))
            if a <= b and b - a <= 50:
                out.extend(range(a, b + 1))
        elif part.strip().isdigit():
            out.append(int(part))
        if len(out) >= MAX_GROUP:
            break
    return out[:MAX_GROUP]


def _surname_like(word: str) -> bool:
    """Could this capitalised word be a surname? Not an acronym, not a word of paper titles."""
    word = word.split()[-1]
    return not (len(word) > 1 and word.isupper()) and word.lower() not in title_words()


def _surnames(match_authors: str) -> tuple[str, str | None]:
    m = re.match(rf"({_SURNAME})(?:\s+(?:and|&)\s*({_SURNAME}))?", match_authors)
    if not m:
        return match_authors, None
    return m.group(1), m.group(2)


_PAREN_NUMBERS = re.compile(r"\((\d{1,3}(?:\s*[,–\-]\s*\d{1,3})*)\)")
_ANY_YEAR = re.compile(_YEAR)  # every form without a bracket or parenthesis (bare) holds one


def find_cites(text: str, base: int = 0, paren_numbers: bool = False) -> list[Cite]:
    """Every citation in ``text``; offsets are relative to ``text`` plus ``base``.

    ``paren_numbers``: also read Vancouver-style ``(1, 2)`` as cites — only when
    the post's references are numbered and it never uses ``[n]`` (else "(2)" is prose).
    """
    out: list[Cite] = []
    # Each form below needs a "[" (numeric, IEEE range, footnote, pandoc, key), a "(" (parenthesised,
    # Vancouver, narrative) or a year (bare): a text without one is not searched for those forms.
    bracket, paren = "[" in text, "(" in text
    if not (bracket or paren or _ANY_YEAR.search(text)):
        return out
    if paren_numbers and paren:
        for m in _PAREN_NUMBERS.finditer(text):
            for n in _expand(m.group(1)):
                out.append(Cite(f"[{n}]", base + m.start(), "numeric"))
            if len(out) >= MAX_CITES:
                break
    if bracket:
        for m in _NUMERIC.finditer(text):
            for n in _expand(m.group(1)):
                out.append(Cite(f"[{n}]", base + m.start(), "numeric"))
        for m in _IEEE_RANGE.finditer(text):  # "[8]–[10]": the ends are found above, add what lies between
            for n in range(int(m.group(1)) + 1, min(int(m.group(2)), int(m.group(1)) + 50)):
                out.append(Cite(f"[{n}]", base + m.start(), "numeric"))
            if len(out) >= 2 * MAX_CITES:
                break
        for m in _FOOTNOTE.finditer(text):
            out.append(Cite(f"[^{m.group(1)}]", base + m.start(), "footnote"))
        for m in _PANDOC.finditer(text):
            for key in _PANDOC_KEY.findall(m.group(1)):
                out.append(Cite(f"[@{key}]", base + m.start(), "key"))
        for m in _KEY.finditer(text):
            for key in re.split(r"[,;]\s*", m.group(1)):
                out.append(Cite(f"[{key}]", base + m.start(), "key"))
    taken = []  # spans of the bracketed forms: "(Doe et al., 2019)" is not read a second time bare
    for m in _PAREN.finditer(text) if paren else ():
        for part in m.group(1).split(";"):
            pm = _PAREN_PART.match(part)
            if pm:
                taken.append(m.span())
                shown = re.sub(r"^\s*(?:e\.g\.,?|see|cf\.)\s*", "", part.strip())
                first, second = _surnames(shown)
                out.append(Cite(f"({shown})", base + m.start(), "author_year", first, int(pm.group(2)), second))
    for m in _NARRATIVE.finditer(text) if paren else ():
        first, second = _surnames(m.group(0))
        if first.isupper() and len(first) > 1:  # a venue, "JMLR (2016)": maybe the tail of a bare cite
            continue
        out.append(Cite(m.group(0), base + m.start(), "author_year", first, int(m.group(2)), second))
        taken.append(m.span())
    taken.sort()
    i = 0
    for m in _BARE.finditer(text):
        while i < len(taken) and taken[i][1] <= m.start():
            i += 1
        if i < len(taken) and m.end() > taken[i][0]:  # overlaps a bracketed cite
            continue
        if m.group(2) and not (_surname_like(m.group(1)) and _surname_like(m.group(2))):
            continue  # "Architecture and Representation, 2018", "Dublin and BOSC 2017"
        out.append(Cite(m.group(0), base + m.start(), "author_year", m.group(1), int(m.group(4)), m.group(2)))
    out.sort(key=lambda c: c.start)
    return out


def sentence_at(text: str, offset: int) -> str:
    """The sentence of ``text`` that contains ``offset`` (abbreviation-aware)."""
    bounds = [0]
    for m in re.finditer(r"[.!?](?=\s+[\"“(\[]?[A-Z0-9])|\n\s*\n", text):
        if m.group(0) == "." and _ABBREV.search(text[max(0, m.start() - 8) : m.end()]):
            continue
        if m.group(0) == "." and re.search(r"\b[A-Z]\.$", text[max(0, m.start() - 2) : m.end()]):
            continue  # an initial: "Matthew D. Zeiler"
        bounds.append(m.end())
    bounds.append(len(text))
    for a, b in zip(bounds, bounds[1:], strict=False):
        if a <= offset < b or (offset >= b and b == len(text)):
            return " ".join(text[a:b].split())
    return " ".join(text.split())


def title_in_text(title_norm: str, text_norm: str) -> bool:
    """Is a (long enough) normalised paper title mentioned in normalised text?"""
    return title_norm.count(" ") >= 3 and f" {title_norm} " in f" {text_norm} "
