"""Events (workshops, tutorials, sessions, panels) named in headings and prose.

A heading names an event when it carries an event word and is not a
grouping ("Workshops and Tutorials", "Monday — tutorials", "Posters I stopped
at"); "Workshop: X" / "Session: X" name the event X. In prose, an event is a
link or phrase next to an event word ("the [X]() workshop", "tutorial on
[Y](url)", "Tutorial: *Z*", "the DiCOVA special session"); links coordinated
with an event ("[A]() and [B]()") are events of the same kind.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from kb.ingest.lexicon import lexicon
from kb.ingest.links import classify_url, is_paper_url
from kb.ingest.markdown import Block, Span
from kb.ingest.people import looks_like_person
from kb.ingest.records import Event
from kb.ingest.text import Folded

EVENT_WORDS = {
    "workshop": "workshop",
    "workshops": "workshop",
    "symposium": "workshop",
    "tutorial": "tutorial",
    "tutorials": "tutorial",
    "keynote": "keynote",
    "keynotes": "keynote",
    "plenary": "keynote",
    "panel": "panel",
    "panels": "panel",
    "session": "session",
    "sessions": "session",
    "oral": "session",
    "orals": "session",
    "poster": "session",
    "posters": "session",
    "spotlight": "session",
    "track": "session",
    "challenge": "session",
}
EVENT_KIND = re.compile(
    r"\b(workshops?|symposium|tutorials?|keynotes?|plenary|panels?|sessions?|orals?|posters?|"
    r"spotlights?|track)\b",
    re.I,
)
NOT_ATTENDED = re.compile(
    r"\b(?:couldn'?t|could not|can'?t|cannot|didn'?t|did not|unable to|missed|miss(?:ing)?|skipp?ed|"
    r"will be (?:presented|given|talking|on)|will (?:present|give|talk|speak)|looking forward|next year|"
    r"upcoming|plan(?:ning)? to|hope to|wish i|only saw the poster)\b",
    re.I,
)
# The two as booleans, searched in the lower-cased text when it is ASCII (kb.ingest.text.Folded: the same
# answers, several times faster); every letter of both patterns is lower-case ("wish i": the pattern ignores case).
EVENT_KIND_FOLDED, NOT_ATTENDED_FOLDED = Folded(EVENT_KIND), Folded(NOT_ATTENDED)
_DAYS = (
    r"monday|tuesday|wednesday|thursday|friday|saturday|sunday|day\s*\d|\d{1,2}\s+\w+|january|february|march|april|"
    r"may|june|july|august|september|october|november|december"
)
_FIRST_PERSON = re.compile(r"\b(?:I|my|we|our|me)\b")
_GROUP = re.compile(
    rf"^(?:{_DAYS})\b|\b(?:and|&)\b.*\b(?:workshops|tutorials|keynotes|talks|posters)\b|"
    r"^(?:keynotes?|invited talks?|talks?|tutorials?|workshops?|panels?|posters?|orals?)$",
    re.I,
)
_PREFIX = re.compile(
    r"^\s*(workshop|tutorial|panel|session|oral session|special session|track)"
    r"(?:\s+(?:\d{1,2}[A-Za-z]?|[IVX]{1,4}|[A-H]\d?))?\s*[:\-—–]\s*(.+)$",
    re.IGNORECASE,
)  # "Session 2B: Name"
_TRAILING = re.compile(r"\s*(?:highlights?|notes?|recap|summary)\s*$", re.I)
_PHRASE = re.compile(
    r"\b((?:[A-Z][\w\-]*\s+){1,5}(?:[Ww]orkshop|[Ss]pecial [Ss]ession|[Tt]utorial|[Ss]ymposium|[Ss]ession))\b"
    r"|\b((?:[A-Z][\w\-]*\s+)?(?:morning\s+|afternoon\s+)?(?:oral|poster|special|paper)\s+session\s+on\s+[\w\-]+"
    r"(?:\s+(?!had\b|has\b|was\b|is\b|were\b|with\b|where\b|which\b|and\b|in\b|at\b|on\b|that\b)[\w\-]+){0,3})"
    r"|^\s*(?:\*\*[^*]{1,20}\*\*\s*)?(Tutorial|Workshop|Special session|Session)\s*:\s*\*?([^*.,;]{4,120})"
)


_MONTHS = "january|february|march|april|may|june|july|august|september|october|november|december"
# "A. Title", "3) Title", "10:30 - 11:00 : Title", "B1.D Title": list labels and time slots, not title words.
LEAD = re.compile(
    r"^(?:(?:\d{1,2}[:.h]\d{2}\s*(?:[ap]\.?m\.?)?\s*(?:[-–—]\s*\d{1,2}[:.h]\d{2}\s*(?:[ap]\.?m\.?)?)?|"
    r"[A-Z]\d?(?:\.[A-Z\d])?[.)]|\d{1,2}[.)]|[ivx]{1,4}[.)])\s*[:\-–—|]?\s+)+",
    re.IGNORECASE,
)
_NAME_PREFIX = re.compile(rf"^(?:title\s*:\s*|(?:{_MONTHS})\w*\s+\d{{4}}\s*[:\-–—]\s*)", re.I)
_NAME_SUFFIX = re.compile(r"\s+(?:last\s+day|day\s*\d+|\d{1,2}-\d{1,2})$", re.I)


def tidy_event(ev: Event) -> Event | None:
    """An event's name without what is not part of it ("title: Lightning Talks 4-12", "December 2024:
    Lightning Talks", "Lightning Talks Day 3" → "Lightning Talks"); None for names that name nothing
    ("Talks Attended", "Track Talks", "An interesting poster", a URL or a markdown link)."""
    name = _NAME_SUFFIX.sub("", _NAME_PREFIX.sub("", LEAD.sub("", ev.name.strip()))).strip(" :-–—")
    words = re.findall(r"[\w'’]+", name.lower())
    if (
        not words
        or "://" in name
        or name.startswith("[")
        or all(w in lexicon()["event_generic"] for w in words)
        or (words[-1] == "poster" and len(words) <= 3)  # one poster is no poster session
    ):
        return None
    if name != ev.name:
        ev.name = name[0].upper() + name[1:]
    return ev


@dataclass
class EventHit:
    event: Event
    block: int
    offset: int
    group: int = 0  # events introduced by the same sentence share a group id


def _name(text: str) -> str:
    t = " ".join(text.split()).strip(" \"“”'‘’*_.,;:")
    return t[0].upper() + t[1:] if t else t


def event_from_heading(text: str) -> Event | None:
    """``## Workshop: Neural Compression`` → Event("Neural Compression", "workshop"); groupings → None."""
    text = unicodedata.normalize("NFKC", text).strip()
    day = re.match(rf"^(?:{_DAYS})\w*(?:,?\s+\w+\s+\d{{1,2}})?\s*[—–:-]+\s*(.+)$", text, re.I)
    if day:
        text = day.group(1)  # "Monday — Workshop on X": the day is not part of the name
    if _FIRST_PERSON.search(text) or _GROUP.search(text) or (day and re.search(r",|\band\b", text)):
        return None
    if re.search(r"\(\s*posters?\s*\)", text, re.IGNORECASE):
        return None  # "(Poster) Title": a paper shown at a poster session, not an event
    m = _PREFIX.match(text)
    if m:
        kind = EVENT_WORDS.get(m.group(1).lower().split()[-1], "session")
        if kind in ("keynote", "panel") or re.search(r"\s[—–]\s|\s-\s|@", m.group(2)):
            return None  # "Tutorial: Name — Title" and "Panel: …" introduce a talk
        # A lower-case remainder is a topic, not a name: keep "Oral session: transformers" whole.
        name = text if m.group(2)[:1].islower() else m.group(2)
        return Event(name=_name(_TRAILING.sub("", name)), kind=kind)
    km = EVENT_KIND.search(text)
    if not km:
        return None
    kind = EVENT_WORDS.get(km.group(1).lower(), "other")
    if kind == "keynote" or re.match(r"^(?:oral|poster|spotlight)s?\s*[:：]", text, re.I):
        return None  # "Keynote: Name" and "Oral: RAFT" introduce a talk, not an event
    if len(text.split()) > 12:
        return None
    return Event(name=_name(_TRAILING.sub("", text)), kind=kind)


def _link_events(block: Block, a: int, b: int) -> list[tuple[Span, str | None]]:
    found: list[tuple[Span, str | None]] = []
    text = block.text
    for s in block.links:
        if not (a <= s.start < b) or s.image or s.bracketed or looks_like_person(s.label):
            continue
        if s.href and (is_paper_url(s.href) or classify_url(s.href, s.label) in ("slides", "video", "code")):
            continue
        before = text[max(a, s.start - 30) : s.start].lower()
        after = text[s.end : min(b, s.end + 20)].lower()
        own = EVENT_KIND.search(s.label)
        near = (
            re.search(r"(workshops?|tutorials?|symposium|panel|session|track)\s+(?:on|about|of)\s+(?:the\s+)?$", before)
            or re.match(r"\s*(?:\([^)]*\)\s*)?(workshops?|tutorials?|symposium|panel|session|track)\b", after)
            or re.match(r",\s*the\s+(workshops?|tutorials?|symposium)\b", after)
        )
        generic = re.search(
            r"\b(?:page|website|site|slides|program(?:me)?|schedule|link|recording|video)\b", s.label, re.I
        )
        if (
            (own or near)
            and not generic
            and s.label.strip().lower() not in ("tutorial", "workshop", "session", "panel", "here")
        ):
            word = (own or near).group(1).lower()
            found.append((s, EVENT_WORDS.get(word, "other")))
        elif found and re.fullmatch(r"\s*(?:,|and|&|,\s*and)\s*", text[found[-1][0].end : s.start]):
            found.append((s, None))  # coordinated with an event: "[A]() and [B]()"
    return found


_ATTEND = re.compile(
    r"\b(?:went|go|going|headed|attended|attend|spent\b.{0,30}\bat|sat in|joined|took|chose)\s+(?:to\s+|in\s+|on\s+)?(?:the\s+)?$",
    re.I,
)


def _section_kind(block: Block) -> str | None:
    """ "Monday — tutorials" makes the links a post goes to in that section tutorials."""
    for heading in reversed(block.section):
        km = EVENT_KIND.search(heading)
        if km:
            kind = EVENT_WORDS.get(km.group(1).lower())
            return kind if kind in ("workshop", "tutorial") else None
    return None


def _attended_links(block: Block, a: int, b: int) -> list[Span]:
    out = []
    for s in block.links:
        if not (a <= s.start < b) or s.image or s.bracketed or not s.href or looks_like_person(s.label):
            continue
        if len(s.label.split()) < 2 or is_paper_url(s.href) or classify_url(s.href, s.label) != "other":
            continue
        if _ATTEND.search(block.text[max(a, s.start - 40) : s.start]):
            out.append(s)
    return out


def find_events(blocks: list[Block], skip: set[int]) -> list[EventHit]:
    """Events named in headings and in prose, in reading order."""
    from kb.ingest.talks.hits import sentences

    hits: list[EventHit] = []
    group = 0
    for i, block in enumerate(blocks):
        if i in skip:
            continue
        if block.kind == "heading":
            ev = event_from_heading(block.text)
            if ev:
                link = next((s for s in block.links if not s.image and s.href), None)
                ev.url, ev.line = (link.href if link else None), block.line
                group += 1
                hits.append(EventHit(ev, i, 0, group))
            continue
        if block.kind not in ("paragraph", "item", "html"):
            continue
        section_kind = _section_kind(block)
        if not section_kind and not EVENT_KIND_FOLDED.search(block.text):
            continue  # no sentence of it names an event kind (each is a slice cut at a space or a full stop)
        images = [(s.start, s.end) for s in block.links if s.image]
        for a, b in sentences(block.text):
            sentence = block.text[a:b]
            if any(s <= a and b <= e + 1 for s, e in images):
                continue  # an image caption ("Poster session 4, from my avatar") names no event
            if NOT_ATTENDED_FOLDED.search(sentence):
                continue
            if not EVENT_KIND_FOLDED.search(sentence):
                # "Two of us went to [Adversarial Robustness](url)" under a "— tutorials" heading
                attended = _attended_links(block, a, b) if section_kind else []
                if attended:
                    group += 1
                    for s in attended:
                        hits.append(
                            EventHit(
                                Event(name=_name(s.label), kind=section_kind, url=s.href or None, line=block.line),
                                i,
                                s.start,
                                group,
                            )
                        )
                continue
            group += 1
            found = _link_events(block, a, b)
            kinds = [k for _, k in found if k]
            for s, kind in found:
                ev = Event(
                    name=_name(s.label),
                    kind=kind or (kinds[0] if kinds else "workshop"),
                    url=s.href or None,
                    line=block.line,
                )
                hits.append(EventHit(ev, i, s.start, group))
            if found:
                continue
            for m in _PHRASE.finditer(sentence):
                name = m.group(1) or m.group(2) or m.group(4)
                word = (m.group(3) or name).lower()
                km = EVENT_KIND.search(word) or re.search(r"special session|challenge", word)
                if not name or not km or looks_like_person(name):
                    continue
                kind = EVENT_WORDS.get(km.group(0).split()[-1].lower(), "session")
                if kind == "keynote":
                    continue
                if m.group(1) and re.match(
                    r"^(?:The|This|That|A|An|Our|My|Each|Every|First|Second|Last|Same|Next|"
                    r"Another|Other|One|Its|Their)\s",
                    name,
                ):
                    name = name.split(" ", 1)[1]
                    if not EVENT_KIND.sub("", name).strip():
                        continue
                hits.append(EventHit(Event(name=_name(name), kind=kind, line=block.line), i, a + m.start(), group))
    return _merge_into_headings(hits, blocks)


def _merge_into_headings(hits: list[EventHit], blocks: list[Block]) -> list[EventHit]:
    """Under "## Workshop: Neural Compression", "the [neural compression workshop](url)" is that
    workshop: a prose event of the same kind inside an event heading's section is the heading's event."""
    heading_of: dict[int, EventHit] = {}
    current: EventHit | None = None
    level = 0
    by_block = {h.block: h for h in hits if blocks[h.block].kind == "heading"}
    for i, block in enumerate(blocks):
        if block.kind == "heading":
            if current is None or block.level <= level:
                current, level = by_block.get(i), block.level
        heading_of[i] = current
    for h in hits:
        owner = heading_of.get(h.block)
        if owner is None or owner is h or blocks[h.block].kind == "heading" or owner.event.kind != h.event.kind:
            continue
        owner.event.url = owner.event.url or h.event.url
        if not owner.event.spelled_in_post and owner.event.name != h.event.name:
            owner.event.spelled_in_post = h.event.name
        h.event = owner.event
    return hits
