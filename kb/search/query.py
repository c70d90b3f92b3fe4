"""The search query language, parsed into a :class:`Query` (pure functions, no I/O).

    vedaldi attribution                  free text: every word must match (prefix)
    "grad cam"                           a phrase
    speaker:zoph   author:"Andrea Vedaldi"   talks by / papers by (implies the kind)
    year:2019   year:2018..2020   year:..2015   year:2018..
    conf:ICCV   conf:"computer vision"   (a talk's or post's conference, a paper's venue)
    conf:"NeurIPS 2017"   conf:iccv-2019   (a conference and its year: the same as conf:… year:…)
    conf:NIPS = conf:NeurIPS   (names a conference has had: CONF_ALIASES)
    type:talk   type:paper|person   (talk, paper, person, post; plurals too)

Anything else, including broken syntax (unbalanced quotes, ``NEAR(``, ``col:``,
``*``, ``^``), is read as plain words: parsing never fails. Words are folded
the way the index folds them (lower case, diacritics removed), so
``Schölkopf`` and ``scholkopf`` are the same word.

>>> q = parse_query('speaker:zoph "neural arch" year:2018..2019 nas')
>>> q.terms, q.phrases, q.speakers, (q.year_min, q.year_max)
(('nas',), (('neural', 'arch'),), (('zoph',),), (2018, 2019))
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field
from functools import cached_property

KINDS = ("talk", "paper", "person", "post")
KIND_ALIASES = {
    "talk": "talk",
    "talks": "talk",
    "paper": "paper",
    "papers": "paper",
    "person": "person",
    "people": "person",
    "persons": "person",
    "speaker": "person",
    "speakers": "person",
    "author": "person",
    "authors": "person",
    "post": "post",
    "posts": "post",
}
FILTER_KEYS = ("speaker", "author", "year", "conf", "type")

# Names one conference has had, folded: either finds both (NIPS became NeurIPS in 2018).
CONF_ALIASES = {"nips": "neurips", "neurips": "nips"}

MAX_QUERY_CHARS = 500  # a search box, not a document: longer input is cut, never rejected
MAX_WORDS = 16  # FTS cost grows with every AND group; nobody types more
MAX_WORD_CHARS = 40

# unicode61 keeps letters, digits and private-use characters; everything else
# (punctuation, symbols, emoji, underscore) separates tokens. \w minus "_" is
# the same split for practical text.
_WORD = re.compile(r"[^\W_]+")
_FILTER = re.compile(r"(?i)(speaker|author|year|conf|type):")
_YEAR = re.compile(r"^(\d{4})?(?:(\.\.)(\d{4})?)?$")
_YEAR_WORD = re.compile(r"^(19|20)\d\d$")
# Combining marks (the diacritics NFKD splits off), removed with one regex pass in C.
_COMBINING = re.compile("[\u0300-\u036f\u1ab0-\u1aff\u1dc0-\u1dff\u20d0-\u20ff\ufe20-\ufe2f]")
_CONTROL = dict.fromkeys(c for c in range(32) if c not in (9, 10))  # NUL and friends


def fold(text: str) -> str:
    """Lower case without diacritics, like ``unicode61 remove_diacritics 2``.

    >>> fold("Schölkopf Ångström")
    'scholkopf angstrom'
    """
    if text.isascii():  # the common case, 50x cheaper
        return text.lower()
    return _COMBINING.sub("", unicodedata.normalize("NFKD", text)).lower()


def words(text: str) -> list[str]:
    """Folded index words of ``text``.  ``words("Grad-CAM, 2017!") == ['grad', 'cam', '2017']``"""
    return [w[:MAX_WORD_CHARS] for w in _WORD.findall(fold(text))]


Words = tuple[str, ...]


@dataclass(frozen=True)
class Query:
    """A parsed query; every string in it is a folded word, never raw user text."""

    terms: Words = ()  # bare words: each must match, as a prefix
    phrases: tuple[Words, ...] = ()  # quoted or hyphenated runs of words
    speakers: tuple[Words, ...] = ()
    authors: tuple[Words, ...] = ()
    confs: tuple[Words, ...] = ()
    kinds: frozenset[str] = field(default_factory=lambda: frozenset(KINDS))
    year_min: int | None = None
    year_max: int | None = None

    @property
    def has_text(self) -> bool:
        """True when the query needs the full-text index (not filters on kind/year alone)."""
        return bool(self.terms or self.phrases or self.speakers or self.authors or self.confs)

    @property
    def is_empty(self) -> bool:
        """Nothing to search for (no words, no filters): search returns no hits."""
        return not self.has_text and set(self.kinds) == set(KINDS) and self.year_min is None and self.year_max is None

    @cached_property
    def text_words(self) -> Words:
        """Free-text words (terms and phrase words): what snippets mark and titles are compared with."""
        return self.terms + tuple(w for p in self.phrases for w in p)

    @cached_property
    def all_words(self) -> Words:
        return self.text_words + tuple(w for group in (self.speakers, self.authors) for p in group for w in p)


def _read_value(text: str, i: int) -> tuple[str, int, bool]:
    """(value, index after it, was quoted) of a filter value or phrase starting at ``text[i]``."""
    if i < len(text) and text[i] == '"':
        end = text.find('"', i + 1)
        end = len(text) if end < 0 else end  # unbalanced quote: the phrase runs to the end
        return text[i + 1 : end], end + 1, True
    j = i
    while j < len(text) and not text[j].isspace() and text[j] != '"':
        j += 1
    return text[i:j], j, False


def _year_range(value: str) -> tuple[int | None, int | None] | None:
    """``"2019"`` → (2019, 2019); ``"2018..2020"``; ``"..2015"``; ``"2018.."``; else None."""
    m = _YEAR.match(value.strip())
    if not m or not (m.group(1) or m.group(3)):
        return None
    lo = int(m.group(1)) if m.group(1) else None
    if not m.group(2):
        return lo, lo
    hi = int(m.group(3)) if m.group(3) else None
    if lo is not None and hi is not None and lo > hi:
        lo, hi = hi, lo
    return lo, hi


def conf_forms(group: Words) -> list[Words]:
    """The spellings a ``conf:`` filter matches: as typed, and with former/later names (``nips`` ⇄ ``neurips``).

    >>> conf_forms(('nips',))
    [('nips',), ('neurips',)]
    """
    swapped = tuple(CONF_ALIASES.get(w, w) for w in group)
    return [group] if swapped == group else [group, swapped]


def parse_query(text: str) -> Query:
    """Parse what the user typed; never raises.

    >>> parse_query('type:people conf:"computer vision" Grad-CAM').phrases
    (('grad', 'cam'),)
    >>> parse_query('NEAR( "unbalanced').terms
    ('near', 'unbalanced')
    """
    text = (text or "")[:MAX_QUERY_CHARS].translate(_CONTROL)
    terms: list[str] = []
    phrases: list[Words] = []
    groups: dict[str, list[Words]] = {"speaker": [], "author": [], "conf": []}
    kinds: set[str] | None = None
    year_min = year_max = None
    i = 0
    while i < len(text):
        if text[i].isspace():
            i += 1
            continue
        m = _FILTER.match(text, i)
        if m and m.end() < len(text) and not text[m.end()].isspace():
            key = m.group(1).lower()
            value, i, _ = _read_value(text, m.end())
            if key == "year" and (span := _year_range(value)) is not None:
                year_min, year_max = span
                continue
            if key == "type":
                wanted = {KIND_ALIASES[v] for v in re.split(r"[|,]", value.lower()) if v in KIND_ALIASES}
                if wanted:
                    kinds = wanted if kinds is None else kinds & wanted
                    continue
            found = tuple(words(value))
            if key == "conf" and len(found) > 1 and _YEAR_WORD.match(found[-1]) and year_min is year_max is None:
                year_min = year_max = int(found[-1])  # conf:"NeurIPS 2017" is conf:NeurIPS year:2017
                found = found[:-1]
            if key in groups and found:
                groups[key].append(found)
                continue
            chunk = key + " " + value  # an unusable filter is just words
        else:
            chunk, i, quoted = _read_value(text, i)
            if quoted:
                if found := tuple(words(chunk)):
                    phrases.append(found) if len(found) > 1 else terms.append(found[0])
                continue
        found = tuple(words(chunk))
        if len(found) == 1:
            terms.append(found[0])
        elif found and len(found) <= 4 and "-" in chunk:
            phrases.append(found)  # "grad-cam", "t-net": the hyphen binds the parts
        else:
            terms.extend(found)
    # Bound the work an FTS query can cause, keeping the user's order.
    budget = MAX_WORDS
    terms = list(dict.fromkeys(terms))[:budget]
    budget -= len(terms)
    phrases = [p[:budget] for p in dict.fromkeys(phrases)][: max(budget, 0)]
    final_kinds = set(KINDS) if kinds is None else kinds
    if groups["speaker"]:
        final_kinds &= {"talk"}  # speakers belong to talks, authors to papers
    if groups["author"]:
        final_kinds &= {"paper"}
    return Query(
        terms=tuple(terms),
        phrases=tuple(p for p in phrases if p),
        speakers=tuple(groups["speaker"][:4]),
        authors=tuple(groups["author"][:4]),
        confs=tuple(groups["conf"][:4]),
        kinds=frozenset(final_kinds),
        year_min=year_min,
        year_max=year_max,
    )


# --- FTS5 expressions -------------------------------------------------------------------------------------
# Every user word goes inside a double-quoted FTS5 string (quotes doubled), and
# the expression is passed as a bound parameter: the only FTS syntax in it is
# ours (AND, OR, parentheses, *, and our own column names).


def fts_string(word: str) -> str:
    """Quote a word for MATCH: inside double quotes, with any double quote doubled.

    >>> print(fts_string('a"b'))
    "a""b"
    """
    return '"' + word.replace('"', '""') + '"'


def _term(word: str, variants: dict[str, Words]) -> str:
    # One-letter prefixes would expand to a large part of the vocabulary.
    own = fts_string(word) + ("*" if len(word) > 1 else "")
    extra = [fts_string(v) for v in variants.get(word, ())]
    return f"({' OR '.join([own, *extra])})" if extra else own


def _phrase(ws: Words) -> str:
    return fts_string(" ".join(ws)) + ("*" if len(ws[-1]) > 1 else "")


def _group(ws: Words, variants: dict[str, Words]) -> str:
    """Words of a filter value: all must match, each with its typo variants."""
    return " AND ".join(_term(w, variants) for w in ws)


def fts_expression(
    q: Query, variants: dict[str, Words] | None = None, text_columns: str = "", years: tuple[int, ...] = ()
) -> str:
    """The FTS5 MATCH expression for ``q`` ('' when it has no text).

    ``variants`` maps a word to typo corrections that may stand in for it;
    ``text_columns`` (e.g. ``"title names"``) limits the free-text words to those columns;
    ``years`` become ``tags : ("y2018" OR "y2019")`` (the index's year tags).

    >>> fts_expression(parse_query('speaker:zoph nas'))
    '"nas"* AND names : ("zoph"*)'
    >>> fts_expression(parse_query('tranformer'), {'tranformer': ('transformer',)})
    '("tranformer"* OR "transformer")'
    """
    variants = variants or {}
    parts = [_term(t, variants) for t in q.terms]
    parts += [_phrase(p) for p in q.phrases]
    if text_columns and parts:
        parts = [f"{{{text_columns}}} : ({' AND '.join(parts)})"]
    parts += [f"names : ({_group(s, variants)})" for s in q.speakers + q.authors]
    parts += [
        f"conf : ({' OR '.join(_phrase(f) if len(f) > 1 else fts_string(f[0]) for f in conf_forms(c))})"
        for c in q.confs
    ]
    if years and parts:
        parts.append(f"tags : ({' OR '.join(fts_string(f'y{y}') for y in years)})")
    return " AND ".join(parts)
