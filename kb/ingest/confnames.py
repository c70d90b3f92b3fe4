"""Conference names beyond the research-venue table: "ODSC East 2021", "RubyConf 2018", "Polymer
Summit", a folder ``DjangoConEurope2013/`` or a file ``scipy-2024.md``.

Real notes name their conference in the title, the first heading, the front matter or the file and
folder names far more often than in prose, and most conferences are not in any table (meetups,
regional PyCons, company summits). Candidates are phrases of capitalised words before a year
("Velocity Conference 2019") or ending in a conference word ("CTI Summit", "VueConf"), and the
words before a year in a file or folder name, spelled as the post spells them when it does. Each
place a candidate appears adds its weight; :func:`best` returns the strongest.
"""

from __future__ import annotations

import datetime
import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from kb.ingest.lexicon import lexicon

_DATA = Path(__file__).parent / "data" / "conferences.json"

_YEAR = r"(?:19[89]\d|20[0-4]\d)"
_WORD = r"(?:[A-Z][\w'’.&+\-]*(?:::\w+|\(\))?|[a-z]+[A-Z][\w]*|re:[A-Z]\w*|[A-Z]{2,}\w*)"
_JOIN = r"(?:of|on|for|and|in|the|de|la|&|by|::|/)"
# "ODSC East 2021", "Open Data Science West (2015)", "PyCon TW 2018", "DEFCON 29" (edition numbers: table only)
_BEFORE_YEAR = re.compile(rf"((?:{_WORD})(?:[ \-/]+(?:{_JOIN}[ \-/]+)?{_WORD}){{0,4}})[ ,\-]*['’]?\(?({_YEAR})\b")
_GENERIC_END = re.compile(r"\s+(?:conference|conf\.?)$", re.IGNORECASE)  # "Velocity Conference" → "Velocity"


@dataclass
class Candidate:
    name: str
    year: int | None
    score: float


@lru_cache(maxsize=1)
def _words() -> tuple[frozenset[str], frozenset[str], re.Pattern[str]]:
    """The lexicon's conference words: (not part of a name, name-ending words, the pattern of a phrase
    ending in one: "CTI Summit", "VueConf")."""
    lex = lexicon()
    suffix = "|".join(sorted(lex["conference_suffix"], key=len, reverse=True))
    suffixed = re.compile(
        rf"\b((?:{_WORD}[ \-]+){{0,3}}(?:[A-Z][\w.]*?(?:Con|Conf|CON)\b|(?:{_WORD}[ \-]+)(?i:{suffix})\b))"
    )
    return lex["not_conference_name"], lex["conference_suffix"], suffixed


@lru_cache(maxsize=1)
def canonical() -> dict[str, str]:
    """Squashed form ("defcon", "pyconus") → the spelling in use today ("DEF CON", "PyCon US")."""
    data = json.loads(_DATA.read_text(encoding="utf-8"))
    out = {squash(n): n for n in data["names"]}
    out.update({squash(k): v for k, v in data["aliases"].items()})
    return out


def squash(name: str) -> str:
    return re.sub(r"[\W_]+", "", name.lower())


def _trim(words: list[str]) -> list[str]:
    not_name = _words()[0]
    while words and words[0].lower().strip("'’.") in not_name:
        words = words[1:]
    while words and words[-1].lower().strip("'’.") in not_name | {"-", "&", "/"}:
        words = words[:-1]
    return words


def _clean(phrase: str) -> str | None:
    words = _trim(phrase.replace("\u00a0", " ").split())
    while words and re.search(r"['’]s$", words[0]):
        words = _trim(words[1:])  # "Jamie's KubeCon 2018"
    if not words:
        return None
    name = " ".join(words).strip(" -–—:,/")
    if len(name) < 2 or name.isdigit() or all(w.lower() in _words()[1] for w in words):
        return None
    table = canonical()
    if squash(name) in table:
        return table[squash(name)]
    bare = _GENERIC_END.sub("", name)
    if bare != name and squash(bare) in table:
        return table[squash(bare)]  # "Velocity Conference" → Velocity; "Plone Conference" stays
    for cut in range(len(words) - 1, 0, -1):  # "Euruko Helsinki", "Wikimania London 2014": the city is not the name
        head, rest = " ".join(words[:cut]), words[cut:]
        if squash(head) in table and (" ".join(rest).lower() in _places() or (len(rest) == 1 and rest[0].istitle())):
            return table[squash(head)]
    return name


@lru_cache(maxsize=1)
def _places() -> frozenset[str]:
    from kb.ingest.conference import HOST_CITIES  # the gazetteer lives with the location finder

    return frozenset(c.lower() for c in HOST_CITIES) | {"north america", "europe", "asia", "online", "virtual"}


_ACRONYM = re.compile(rf"\(([A-Z][A-Za-z0-9]{{1,9}})\)\s*({_YEAR})?")  # "Israel Machine Vision Conference (IMVC) 2019"


def in_text(text: str, weight: float) -> Iterable[Candidate]:
    """Candidates in a title, heading or front-matter value."""
    for m in _ACRONYM.finditer(text):
        if sum(c.isupper() for c in m.group(1)) >= 2:
            yield Candidate(
                canonical().get(squash(m.group(1)), m.group(1)), int(m.group(2)) if m.group(2) else None, weight * 1.5
            )
    for m in _BEFORE_YEAR.finditer(text):
        name = _clean(m.group(1))
        if name:
            yield Candidate(name, int(m.group(2)), weight)
    for m in _words()[2].finditer(text):
        name = _clean(m.group(1))
        if name:
            yield Candidate(name, None, weight * 0.8)


# "DjangoConEurope2013" → DjangoCon Europe 2013, "AKBC20" → AKBC 20; "code4lib" stays whole
_CAMEL = re.compile(
    r"(?<=[a-z])(?=[A-Z][a-z])|(?<=[A-Za-z])(?=(?:19|20)\d\d(?!\d))|(?<=[A-Za-z])(?=\d\d$)|(?<=\d{4})(?=[A-Za-z])"
)


def _tokens(part: str) -> list[str]:
    out = []
    for chunk in re.split(r"[\s_\-.,+]+", part):
        out += [t for t in _CAMEL.sub(" ", chunk).split() if t]
    return out


def _known_run(words: list[str]) -> str | None:
    """The longest run of words that is a conference the table knows ("CN 20150909 Altmetricon")."""
    table = canonical()
    for n in range(min(4, len(words)), 0, -1):
        for i in range(len(words) - n + 1):
            key = squash("".join(words[i : i + n]))
            if key in table:
                return table[key]
    return None


def in_path(path: str, text: str, weight: float) -> Iterable[Candidate]:
    """Candidates in file and folder names: the words before (or after) a year ("odsc-east-2021",
    "DjangoConEurope2013", "2018__PyConTW", "AKBC20"), spelled as the post spells them when it does; a
    folder or file that is a known conference or ends in a conference word ("code4lib-philadelphia",
    "dlf-forum-2k16", "cssconf.md") without a year."""
    parts = [p for p in re.split(r"[\\/]", path) if p][-3:]
    last_year = datetime.date.today().year + 1
    for depth, part in enumerate(reversed(parts)):
        stem = re.sub(r"\.\w{1,9}$", "", part) if depth == 0 else part
        tokens = _tokens(stem)
        found = False
        for i, tok in enumerate(tokens):
            if re.fullmatch(_YEAR, tok):
                year = int(tok)
            elif (
                re.fullmatch(r"\d\d", tok)
                and i
                and _known_run(tokens[max(0, i - 2) : i])
                and 2000 + int(tok) <= last_year
            ):
                year = 2000 + int(tok)
            else:
                continue
            before = _trim([t for t in tokens[max(0, i - 3) : i] if not t.isdigit()])
            after = _trim([t for t in tokens[i + 1 :] if not t.isdigit()])[:4]
            for words in (before, after):
                name = _known_run(words) or _spelled(words[:3], text)
                if name:
                    found = True
                    yield Candidate(name, year, weight / (1 + depth))
                    break
        words = _trim([t for t in tokens if not t.isdigit()])
        if not found and words and len(words) <= 5:
            name = _known_run(words)
            if not name and len(words) <= 3 and words[-1].lower() in _words()[1]:
                name = _spelled(words, text)
            if name:
                yield Candidate(name, None, weight / (2 + depth))


def _spelled(words: list[str], text: str) -> str | None:
    if not words or not any(len(w) > 1 for w in words):
        return None
    key = squash("".join(words))
    known = canonical().get(key)
    if known:
        return known
    # the post's own spelling: "odsc east" → "ODSC East", "codemash" → "CodeMash"
    pattern = r"[\s\-_]*".join(re.escape(w) for w in words)
    m = re.search(rf"(?<![\w])({pattern})(?![\w])", text, re.IGNORECASE)
    if m:
        return _clean(m.group(1))
    return _clean(" ".join(w.upper() if len(w) <= 4 and w.isalpha() and w.islower() else w.title() for w in words))


def best(candidates: Iterable[Candidate]) -> Candidate | None:
    """Sum the weights of each name (squashed), keep its first year, return the strongest."""
    by: dict[str, Candidate] = {}
    for c in candidates:
        k = squash(c.name)
        if k in by:
            by[k].score += c.score
            by[k].year = by[k].year or c.year
        else:
            by[k] = Candidate(c.name, c.year, c.score)
    if not by:
        return None
    for k, c in list(by.items()):  # "American Economic Association Annual Meeting" and "AEA": the acronym
        initials = squash("".join(w[0] for w in c.name.split() if w[:1].isupper()))
        short = [o for ok, o in by.items() if ok != k and 2 <= len(ok) < len(k) and initials.startswith(ok)]
        if len(c.name.split()) >= 3 and short:
            short[0].score += c.score
            short[0].year = short[0].year or c.year
            del by[k]
    return max(by.values(), key=lambda c: (c.score, c.year is not None))
