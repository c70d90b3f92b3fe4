"""A talk's title when its head names only the kind of talk, and what a head writes around a title.

"**A. Keynote: Jeannette M Wing**" gives the title "A. Keynote": that is a label, not a title. Such
a talk is untitled (CONVENTIONS: its title would be inferred), unless the first line of its text is
a quoted phrase on its own ("- "Our Applied AI Future""), which is how some authors give the title
after a head that names kind and speaker.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kb.ingest.events import LEAD
from kb.ingest.lexicon import honorific_prefix, lexicon
from kb.ingest.talks.hits import names_in

_WORD = re.compile(r"[^\W\d_]+|\d+", re.UNICODE)
_ROMAN = re.compile(r"^[ivx]{1,4}$", re.IGNORECASE)
_QUOTED = re.compile(r'^\s*(?:[-*+]\s+)?["“”]([^"“”\n]{3,150})["“”]\s*$')


def bare_kind_label(title: str | None) -> str | None:
    """The kind a title names when it is nothing but a kind label ("A. Keynote", "Invited Talk II",
    "Opening keynote:"), else ``None``."""
    if not title:
        return None
    text = LEAD.sub("", title.strip(" *_:-–—")).strip(" *_:-–—.")
    words = [w.lower() for w in _WORD.findall(text)]
    if not words or len(words) > 5:
        return None
    lex = lexicon()
    if lex["talk_kind"].isdisjoint(words):
        return None
    if not all(w in lex["kind"] or w in lex["label_word"] or w.isdigit() or _ROMAN.match(w) for w in words):
        return None
    if "keynote" in words or "keynotes" in words or "plenary" in words:
        return "keynote"
    if "panel" in words:
        return "panel"
    if "tutorial" in words:
        return "tutorial"
    if "invited" in words:
        return "invited"
    return "talk"


def quoted_title(summary: str) -> str | None:
    """The title a talk's text opens with as a quoted phrase alone on the first line, else ``None``."""
    first = summary.lstrip().split("\n", 1)[0] if summary else ""
    m = _QUOTED.match(first)
    if not m:
        return None
    title = m.group(1).strip()
    return title if 1 <= len(title.split()) <= 16 and title[:1].isalnum() else None


_SEP = r"\s*(?:[:|]|\s[-–—]|,)\s+|\s+(?:[-–—]|by)\s+"
_TAIL = r"(?:\s*\([^()]*\)|\s*@\w+|\s*,\s*[^,]{2,60})?"  # "(Harvard University)", "@borkware", ", Foundry Group"


def without_speaker(title: str | None, speakers: list[str]) -> str | None:
    """The title without the speaker's name the head wrote beside it: "Zach Holman: How Github Uses
    Github", "Pywatch by Chris Heisel", "Ash Furrow - Discovering best practices in Swift" lose the
    name; a title that is only a speaker ("Dr. John Quackenbush (Harvard University)") is none."""
    if not title or not speakers:
        return title
    text = " ".join(title.split())
    honorific = honorific_prefix().pattern[1:]  # "Dr. ", "Prof. " …, as the lexicon lists them
    folded = text.casefold()
    for name in sorted({" ".join(s.split()) for s in speakers if s and s.strip()}, key=len, reverse=True):
        if name.casefold() not in folded:  # each pattern below holds the name: most titles are spared three compiles
            continue
        who = re.escape(name)
        if text.lower() != name.lower() and re.fullmatch(  # the bare name: see pipeline._title_or_speaker
            rf"(?:by\s+)?(?:{honorific})?{who}{_TAIL}", text, re.IGNORECASE
        ):
            return None
        m = re.match(rf"(?:{honorific})?{who}{_TAIL}(?:{_SEP})(.+)$", text, re.IGNORECASE)
        if m and re.search(r"\w\w", m.group(1)):
            return m.group(1).strip()
        m = re.match(rf"^(.+?)(?:{_SEP})(?:{honorific})?{who}{_TAIL}$", text, re.IGNORECASE)
        if m and re.search(r"\w\w", m.group(1)):
            return m.group(1).strip()
    return title


_NUMBERS = frozenset({"one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"})
_LABEL_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)?|\d+")
_LEAD_LABEL = re.compile(r"^(.{2,60}?)\s*(?::|\s[-–—|]|\s--)\s+(\S.{5,})$")
_BYLINE = re.compile(r"^(.{6,}?)\s+(?:by|par)\s+(.+)$")
_AUTHORS_AFTER = re.compile(r"^(.{10,}?[\w?!)])\.\s+([A-Z].+)$")
_AFFILIATION_TAIL = re.compile(r"\s+(?:at|from)\s+.*$|\s*\(.*$")
# "…, session 4" (a talk in a series of sessions), "… (BTV)" (a track or room code)
_TRAILING_LABEL = re.compile(r"(?:,?\s+(?i:session)\s+\d+|\s*\([A-Z][A-Z0-9]{1,4}\))\s*$")
_LINK_LABEL = r"(?:slides?|videos?|posters?|recording)"
_LINK_LABELS = re.compile(
    rf"(?:(?:\s+{_LINK_LABEL}\b){{2,}}|\s*[-–—|]\s*{_LINK_LABEL}(?:\s*,\s*{_LINK_LABEL})*)\s*$", re.I
)


@lru_cache(maxsize=1)
def _label_words() -> tuple[frozenset[str], frozenset[str]]:
    """The words a label before a title is made of, and those of them that make it a label."""
    lex = lexicon()
    return lex["kind"] | lex["label_word"] | lex["head_label"] | _NUMBERS, lex["kind"] | lex["head_label"]


def tidy_title(title: str | None, speakers: list[str]) -> tuple[str | None, list[str]]:
    """A talk's title without what its head wrote around it, and the speakers that were in it:

    * the labels of links after it ("… Slides Poster", "… - Video, Slides"), a session number or a track
      code ("…, session 4", "… (BTV)");
    * a label before it: "Workshop 2: …", "Hands-on - …", "Title: …", "Ending Keynote - …" (kind and
      label words of the lexicon, numbers);
    * an author list after a full stop ("Joint Models for NLP. Yue Zhang": a paper talk's authors, who
      need not be its speakers, so they do not become speakers);
    * a byline after it ("… by Nate Aune", "… par Richard Rutter"), whose names are the speakers when
      none was read.
    """
    if not title:
        return title, speakers
    bare = _TRAILING_LABEL.sub("", _LINK_LABELS.sub("", title))
    if bare != title and bare.strip():
        title = bare
    m = _LEAD_LABEL.match(title)
    if m:
        words = [w.lower() for w in _LABEL_WORD.findall(m.group(1))]
        labels, heads = _label_words()
        if words and all(w in labels or w.isdigit() for w in words) and not heads.isdisjoint(words):
            title = m.group(2)
    b = _BYLINE.match(title)
    names = names_in(_AFFILIATION_TAIL.sub("", b.group(2))) if b else []
    if names:
        return b.group(1), speakers or names
    b = _AUTHORS_AFTER.match(title)
    if b and names_in(b.group(2)):
        title = b.group(1)  # a paper talk's author list: its authors, who need not be its speakers
    return title, speakers
