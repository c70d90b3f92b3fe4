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
from kb.ingest.people import given_names
from kb.ingest.personname import probability
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
_LINK_LABEL = r"(?:slides?|videos?|posters?|recording|notes|photos?|links?)"
_LINK_LABELS = re.compile(
    rf"(?:(?:\s+{_LINK_LABEL}\b){{2,}}|\s*[-–—|]\s*{_LINK_LABEL}(?:\s*,\s*{_LINK_LABEL})*|\s*\({_LINK_LABEL}\))\s*$",
    re.I,
)


_TAIL_LABEL = re.compile(r"^(\S.{5,}?)\s*(?::|\s[-–—|]|\s--)\s+(.{2,40})$")  # "…: Panel Discussion", "… - Keynote"


def _is_label(text: str) -> bool:
    """Kind and label words only, one of them a kind or head label ("Workshop 2", "Panel Discussion")."""
    words = [w.lower() for w in _LABEL_WORD.findall(text)]
    labels, heads = _label_words()
    return bool(words) and all(w in labels or w.isdigit() for w in words) and not heads.isdisjoint(words)


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
    for pattern, label_at, title_at in ((_LEAD_LABEL, 1, 2), (_TAIL_LABEL, 2, 1)):
        m = pattern.match(title)
        if m and _is_label(m.group(label_at)):
            title = m.group(title_at)
    b = _BYLINE.match(title)
    if b:
        who = _AFFILIATION_TAIL.sub("", b.group(2))
        names = names_in(who) or speakers_named(who)
        if names:
            return b.group(1), speakers or names
        if _HANDLE_LIKE.match(who) or (len(who.split()) == 1 and who in given_names()):
            return b.group(1), speakers  # "… by int0x80", "Surlex by Cody": who spoke, not a name to keep
    b = _AUTHORS_AFTER.match(title)
    if b and names_in(b.group(2)):
        title = b.group(1)  # a paper talk's author list: its authors, who need not be its speakers
    return _name_at_an_edge(_KIND_TAG.sub("", _CLOCK_TAIL.sub("", title)) or title, speakers)


# "… [Lightning Talk]", "… [Keynote]": a kind in brackets after the title; "… 10:55am": the slot's time
_KIND_TAG = re.compile(r"\s*\[(?i:(?:lightning\s+)?talk|keynote|lightning|workshop|tutorial|panel|demo)\]\s*$")
_CLOCK_TAIL = re.compile(r"\s+\d{1,2}(?::\d{2})?\s*(?i:am|pm)\s*$")
_NAME_LEAD = re.compile(r"^(?:\d{1,3}\s+)?(.{3,50}?)(?::|\s[-–—|])\s+(\S.{3,})$")  # "05 Janos Pasztor - …"
_NAME_TAIL = re.compile(r"^(.{3,}?)(?:,|\s[-–—|])\s+([^,:|–—]{3,60}?)\s*$")  # "…, Yakov Fain", "… - Henry Zhu"
_PAREN_TAIL = re.compile(r"^(.{6,}?)\s*\(([^()]{3,60})\)\s*$")  # "… (sal ferrarello / @salcode)"
_HANDLE_TAIL = re.compile(r"^(.{6,}?)\s+[-–—]\s+@\w+\s*$")  # "… - @vaidehijoshi"
_POSSESSIVE = re.compile(r"^([A-ZÀ-Þ][\w'’.\-]+(?:\s+[A-ZÀ-Þ][\w'’.\-]+){1,3})['’]s\s+(\S.{5,})$")
_HANDLE = re.compile(r"\s*/?\s*@\w+\s*/?\s*")
_HANDLE_LIKE = re.compile(r"^@?[a-z][a-z0-9_]*\d[a-z0-9_]*$|^@\w+$")  # "int0x80", "@salcode"
_ROLE_TAIL = re.compile(r"^(.{3,}?)\s[-–—]\s+([^,]{3,40},.{2,})$")  # "… - Name, Role, Company; Name, …"


@lru_cache(maxsize=1)
def _tail_note() -> re.Pattern[str]:
    """ "… (German)", "… (special paper award)", "… (Any Skill Level)": words of the lexicon's title_note."""
    words = "|".join(sorted(lexicon()["title_note"]))
    return re.compile(rf"^(.{{3,}}?)\s*\((?i:(?:[\w-]+\s+){{0,3}}(?:{words})(?:\s+[\w-]+){{0,3}})\)\s*$")


EDGE_NAME_P = 0.7  # the name model's P(name) a phrase at a title's edge needs to be taken for its speaker


def speakers_named(text: str) -> list[str]:
    """The people a phrase at a title's edge names: every piece a name to the rules and to the name model
    ("Yakov Fain", "ryan duff"), none for "Swift's Hidden Gems" or "Awkward Packaging"."""
    text = _HANDLE.sub(" ", text).strip()
    if text.islower():  # "(sal ferrarello / @salcode)"
        text = text.title()
    names = names_in(text) if text else []
    if not names or any((p := probability(n)) is not None and p < EDGE_NAME_P for n in names):
        return []
    return names


def _leading_people(text: str) -> list[str]:
    """The people a comma-separated list opens with, up to its first piece that is no name ("Liz Rice,
    Technology Evangelist, Aqua Security" → Liz Rice; "Bassam Tabbara, Tony Allen" → both)."""
    out = []
    for piece in text.split(","):
        names = speakers_named(piece)
        if not names:
            break
        out += names
    return out


def _name_at_an_edge(title: str, speakers: list[str]) -> tuple[str, list[str]]:
    """A speaker's name written before or after a title the labellers read as one piece: "Ally Long: Field-
    tested interfaces", "Unpkg - Michael Jackson", "… (ryan duff)", "Sean Parent's Better Code", "Android for
    Java Developers Marko Gargenta". The name comes off; it is the talk's speaker when none was read."""
    m = _HANDLE_TAIL.match(title) or _tail_note().match(title)
    if m:
        title = m.group(1)
    m = _ROLE_TAIL.match(title)  # "CSS Aspect Ratio - Anton Ball, Front End Developer, Doist"
    if m:
        names = [n for chunk in re.split(r"[;&]|\band\b", m.group(2)) for n in _leading_people(chunk)]
        if names:
            return m.group(1), speakers or names
    for pattern, name_at, title_at in (
        (_NAME_LEAD, 1, 2),
        (_POSSESSIVE, 1, 2),
        (_NAME_TAIL, 2, 1),
        (_PAREN_TAIL, 2, 1),
    ):
        m = pattern.match(title)
        if not m or bare_kind_label(m.group(title_at)):
            continue
        names = speakers_named(m.group(name_at))
        if names:
            return m.group(title_at).strip(), speakers or names
    words = title.split()
    if len(words) >= 4 and words[-2] in given_names() and words[-1][:1].isupper() and words[-3][:1].isupper():
        names = speakers_named(" ".join(words[-2:]))
        if names and (probability(names[0]) or 0) >= 0.9:
            return " ".join(words[:-2]), speakers or names
    return title, speakers
