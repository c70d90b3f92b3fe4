"""Events and talks from the markdown walk, in every common layout.

Layouts, each a detector over blocks that yields :class:`TalkHit`:

* headings: ``### Title — Speaker (Affiliation)``, ``## Keynote: Name``, ``### Name@Affiliation``;
* table rows with a title column and a speaker column;
* list items: ``Title - Name, Affiliation``, ``Invited talk: Name: Title``, ``[Keynote: Name - Title](video)``;
* prose: "The first [talk](slides.pdf) was on X by [Prof. Y](home)", "X by Y",
  "Y talked about X", "a keynote by Y on X".

A talk owns the text from where it is introduced to where the next talk
starts or a heading closes its section; its citations are those inside.
Sentences about talks not attended ("couldn't make it to", "will be
presented") yield nothing.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from kb.ingest.links import GENERIC_LABELS, classify_url, is_paper_url
from kb.ingest.markdown import Block, Span
from kb.ingest.people import canonical_name, looks_like_person, strip_honorific
from kb.ingest.records import Event

EVENT_WORDS = {
    "workshop": "workshop", "workshops": "workshop", "symposium": "workshop", "tutorial": "tutorial",
    "tutorials": "tutorial", "keynote": "keynote", "keynotes": "keynote", "plenary": "keynote",
    "panel": "panel", "panels": "panel", "session": "session", "sessions": "session", "oral": "session",
    "orals": "session", "poster": "session", "posters": "session", "spotlight": "session",
    "main conference": "main", "main track": "main",
}
_EVENT_KIND = re.compile(r"\b(workshops?|symposium|tutorials?|keynotes?|plenary|panels?|sessions?|orals?|posters?|spotlights?)\b", re.I)
_TALK_NOUN = re.compile(
    r"\b(talks?|keynote|presentation|lecture|invited|spoke|speaks|speaker|presented|presenting|talked|"
    r"gave|delivered|deliverd|discussed|panel(?:ists?)?|tutorial)\b", re.I
)
_NOT_ATTENDED = re.compile(
    r"\b(?:couldn'?t|could not|can'?t|cannot|didn'?t|did not|unable to|missed|miss(?:ing)?|skipp?ed|"
    r"will be (?:presented|given|talking)|will (?:present|give|talk|speak)|looking forward|next year|"
    r"upcoming|plan(?:ning)? to|hope to|wish I)\b",
    re.I,
)
_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7,
             "eighth": 8, "last": -1, "final": -1}
_ORDINAL = re.compile(r"\b(first|second|third|fourth|fifth|sixth|seventh|eighth)\b", re.I)
_SEPARATORS = re.compile(r"\s+[—–]\s+|\s+-{1,2}\s+|:\s+|\s+\|\s+|\s+by\s+|@")
_AFFIL = re.compile(r"\s*[(\[]([^)\]]{2,80})[)\]]\s*$|,\s+([A-Z][^,]{1,60})$")
_NAME_SEQ = re.compile(
    r"((?:(?:Prof(?:essor)?|Dr)\.?\s+)?[A-ZÀ-ÖØ-Þ][\w'’\-]+(?:\s+(?:[A-Z]\.|(?:van|von|de|der|da|di|le)\b|"
    r"[A-ZÀ-ÖØ-Þ][\w'’\-]+)){1,3})"
)
_GROUP_HEADING = re.compile(r"^(?:day\s*\d|\w+day\b|workshops?\s+(?:and|&)|tutorials?\s+(?:and|&)|keynotes?$|"
                            r"invited talks?$|talks?$|tutorials?$|workshops?$|panels?$|posters?$|orals?$|sessions?$)", re.I)


@dataclass
class TalkHit:
    title: str | None
    speakers: list[str]
    block: int
    offset: int = 0
    kind: str | None = None
    event: str | None = None
    links: list[str] = field(default_factory=list)
    layout: str = "prose"
    ordinal: int | None = None
    heading_level: int | None = None
    spelled_speakers: list[str] = field(default_factory=list)


@dataclass
class EventHit:
    event: Event
    block: int
    offset: int
    group: int = 0  # events introduced by the same sentence share a group id


# ------------------------------------------------------------------ helpers


def clean_title(text: str | None) -> str | None:
    if not text:
        return None
    t = " ".join(text.split()).strip(" \"“”'‘’*_`.,;:-—–")
    t = re.sub(r"^(?:the\s+(?:talk|topic)\s+(?:of|on)\s+|a\s+talk\s+(?:on|about)\s+|titled\s+|entitled\s+)", "", t, flags=re.I)
    t = t.strip(" \"“”'‘’")
    if len(t) < 3 or t.lower() in GENERIC_LABELS:
        return None
    return t[0].upper() + t[1:]


def _event_name(text: str) -> str:
    t = " ".join(text.split()).strip(" \"“”'‘’*_.,;:")
    return t[0].upper() + t[1:] if t else t


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a block's text."""
    out, start = [], 0
    for m in re.finditer(r"(?<=[.!?])\s+(?=[\"“(\[]?[A-Z0-9])|\n\s*\n|\n(?=[-*•] )", text):
        prev = text[max(0, m.start() - 6):m.start()]
        if re.search(r"\b(?:al|Dr|Prof|Mr|Ms|Mrs|vs|etc|e\.g|i\.e|St|[A-Z])\.$", prev):
            continue
        out.append((start, m.start()))
        start = m.end()
    out.append((start, len(text)))
    return [(a, b) for a, b in out if text[a:b].strip()]


def _person_spans(block: Block, a: int, b: int) -> list[Span]:
    return [s for s in block.links if a <= s.start < b and not s.image and looks_like_person(s.label)]


def split_title_speaker(text: str) -> tuple[str | None, list[str], str | None]:
    """``Title — Name (Affiliation)`` / ``Name: Title`` / ``Keynote: Name`` → (title, [names], kind word)."""
    text = " ".join(text.split()).strip(" *_")
    kind = None
    m = re.match(r"^((?:invited|keynote|plenary|opening|closing)?\s*(?:talk|keynote|speaker|lecture|tutorial|panel)"
                 r"(?:\s+\d+)?)\s*(?:[:\-—–]|by)\s+(.*)$", text, re.I)
    if m:
        kind = EVENT_WORDS.get(m.group(1).split()[0].lower(), "keynote" if "keynote" in m.group(1).lower() else None)
        if "invited" in m.group(1).lower() or m.group(1).lower().startswith("talk"):
            kind = kind or "talk"
        text = m.group(2)
    parts = [p for p in _SEPARATORS.split(text) if p and p.strip()]
    if len(parts) == 1:
        name = _strip_affiliation(parts[0])
        if looks_like_person(name):
            return None, [canonical_name(name)], kind
        return None, [], kind
    # Try each separator position; keep the split where one side is people.
    for m in _SEPARATORS.finditer(text):
        left, right = text[:m.start()].strip(), text[m.end():].strip()
        sep = m.group(0).strip()
        for names_side, title_side in ((right, left), (left, right)):
            names = _names_in(_strip_affiliation(names_side))
            if names and sep != "@":
                title = clean_title(title_side) if title_side else None
                if title and looks_like_person(title):
                    continue
                return title, names, kind
        if sep == "@" and looks_like_person(left):
            return None, [canonical_name(left)], kind
    return None, [], kind


def _strip_affiliation(text: str) -> str:
    prev = None
    while prev != text:
        prev = text
        text = _AFFIL.sub("", text).strip()
    return text


def _names_in(text: str) -> list[str]:
    """``A and B`` / ``A, B & C`` / ``A · B`` → canonical names, only if every piece is a name."""
    text = text.strip(" *_.")
    if not text:
        return []
    pieces = [p.strip() for p in re.split(r"\s*(?:,|&|·|\band\b|;)\s*", text) if p.strip()]
    if pieces and all(looks_like_person(p) for p in pieces):
        return [canonical_name(p) for p in pieces]
    return []


# ------------------------------------------------------------------ events


def _event_from_heading(text: str) -> Event | None:
    if _GROUP_HEADING.match(text.strip()):
        return None
    m = _EVENT_KIND.search(text)
    if not m:
        return None
    word = m.group(1).lower()
    kind = EVENT_WORDS.get(word, "other")
    if kind == "keynote":
        return None  # "Keynote: Name" is a talk, not an event
    name = re.sub(r"^\s*(?:workshop|tutorial|panel|session)\s*[:\-—–]\s*", "", text, flags=re.I)
    name = _event_name(name if len(name) > 3 else text)
    return Event(name=name, kind=kind)


def find_events(blocks: list[Block], skip: set[int]) -> list[EventHit]:
    """Events named in headings and in prose links ("the [X]() workshop", "tutorial on [Y](url)")."""
    hits: list[EventHit] = []
    group = 0
    for i, block in enumerate(blocks):
        if i in skip:
            continue
        if block.kind == "heading":
            ev = _event_from_heading(block.text)
            if ev:
                link = next((s for s in block.links if not s.image and s.href), None)
                ev.url = link.href if link else None
                ev.line = block.line
                group += 1
                hits.append(EventHit(ev, i, 0, group))
            continue
        if block.kind not in ("paragraph", "item", "html"):
            continue
        for a, b in sentences(block.text):
            sentence = block.text[a:b]
            if not _EVENT_KIND.search(sentence) or _NOT_ATTENDED.search(sentence):
                continue
            group += 1
            found: list[tuple[Span, str | None]] = []
            for s in block.links:
                if not (a <= s.start < b) or s.image or s.bracketed or looks_like_person(s.label):
                    continue
                if s.href and (is_paper_url(s.href) or classify_url(s.href, s.label) in ("slides", "video")):
                    continue
                before = block.text[max(a, s.start - 25):s.start].lower()
                after = block.text[s.end:min(b, s.end + 15)].lower()
                own = _EVENT_KIND.search(s.label)
                near = re.search(r"(workshops?|tutorials?|symposium|panel|session)\s+(?:on|about|of)\s+(?:the\s+)?$", before) \
                    or re.match(r"\s*(workshops?|tutorials?|symposium|panel|session)\b", after)
                if own or near:
                    word = (own or near).group(1).lower()
                    found.append((s, EVENT_WORDS.get(word, "other")))
                elif found and re.fullmatch(r"\s*(?:,|and|&|,\s*and)\s*", block.text[found[-1][0].end:s.start]):
                    found.append((s, None))  # coordinated with an event: "[A]() and [B]()"
            kinds = [k for _, k in found if k]
            for s, kind in found:
                kind = kind or (kinds[0] if kinds else "workshop")
                ev = Event(name=_event_name(s.label), kind=kind, url=s.href or None, line=block.line)
                hits.append(EventHit(ev, i, s.start, group))
    return hits


# ------------------------------------------------------------------ talks by layout


def _talk_links(block: Block, a: int, b: int, exclude: set[str]) -> list[str]:
    out = []
    for s in block.links:
        if not (a <= s.start < b) or s.image or not s.href or s.href in exclude:
            continue
        if looks_like_person(s.label):
            kind = classify_url(s.href, s.label, person_label=True)
            if kind in ("video", "slides"):
                out.append(s.href)
            continue
        kind = classify_url(s.href, s.label)
        if kind in ("slides", "video") or (kind == "other" and s.label.strip().lower() in ("talk", "slides", "video", "recording")):
            out.append(s.href)
    return out


def prose_talks(blocks: list[Block], skip: set[int], event_urls: set[str], event_names: set[str]) -> list[TalkHit]:
    hits: list[TalkHit] = []
    for i, block in enumerate(blocks):
        if i in skip or block.kind not in ("paragraph", "html") or block.quote:
            continue
        for a, b in sentences(block.text):
            hit = _prose_talk(block, i, a, b, event_urls, event_names)
            if hit:
                hits.append(hit)
    return hits


def _prose_talk(block: Block, i: int, a: int, b: int, event_urls: set[str], event_names: set[str]) -> TalkHit | None:
    sentence = block.text[a:b]
    if not _TALK_NOUN.search(sentence) or _NOT_ATTENDED.search(sentence):
        return None
    people = [s for s in _person_spans(block, a, b) if s.href or s.bracketed]
    speaker_span: Span | None = None
    speaker: str | None = None
    # "… by [Name](url)" / "… by Name"
    by = re.search(r"\b(?:by|from)\s+(?:the\s+)?(?:(?:Prof(?:essor)?|Dr)\.?\s+)?", sentence)
    for s in people:
        pre = block.text[max(a, s.start - 12):s.start]
        if re.search(r"\b(?:by|from|with)\s+$", pre) or re.search(r"\b(?:talk|keynote|lecture)\s+of\s+$", pre):
            speaker_span = s
            break
    if speaker_span is None:
        for s in people:
            post = block.text[s.end:min(b, s.end + 40)]
            if re.match(r"\s*(?:\([^)]*\)\s*)?(?:,[^,]{0,40},\s*)?(?:talked|spoke|presented|gave|discussed|delivered|"
                        r"introduced|explained|showed|described|opened|closed)\b", post):
                speaker_span = s
                break
    if speaker_span is not None:
        speaker = speaker_span.label
    else:
        m = re.search(r"\b(?:by|from)\s+((?:(?:Prof(?:essor)?|Dr)\.?\s+)?[A-ZÀ-ÖØ-Þ][\w'’\-]+(?:\s+[A-ZÀ-ÖØ-Þ][\w'’\-.]*){1,3})",
                      sentence)
        if by and m and looks_like_person(m.group(1)):
            speaker = m.group(1)
        else:
            m = re.search(r"((?:(?:Prof(?:essor)?|Dr)\.?\s+)?[A-ZÀ-ÖØ-Þ][\w'’\-]+(?:\s+[A-ZÀ-ÖØ-Þ][\w'’\-]+){1,3})\s+"
                          r"(?:talked|spoke|presented|gave|discussed|delivered)\b", sentence)
            if m and looks_like_person(m.group(1)):
                speaker = m.group(1)
    # Title: a non-person, non-generic link label; else the phrase after "on"/"about".
    title = None
    title_span: Span | None = None
    for s in block.links:
        if not (a <= s.start < b) or s.image or s is speaker_span or looks_like_person(s.label):
            continue
        label = s.label.strip()
        if label.lower() in GENERIC_LABELS or s.href in event_urls or label in event_names or len(label) < 4:
            continue
        if s.href and is_paper_url(s.href):
            continue
        if s.href and classify_url(s.href, s.label) in ("slides", "video") or not _EVENT_KIND.search(label):
            title_span = s
            title = label
            break
    if speaker and title_span is None and title is None:
        m = re.search(r"\b(?:was\s+on|was\s+about|talked\s+about|spoke\s+(?:about|on)|talk\s+(?:on|about)|"
                      r"presented|titled|entitled|(?<=\S)\s+on)\s+(.+?)(?:\s+by\s+|\s+which\b|\s+where\b|,|\.\s|\.$|\s+\(|$)",
                      sentence)
        if m:
            cand = m.group(1)
            if speaker and speaker in cand:
                cand = cand.split(speaker)[0]
            title = cand
    if speaker is None and title_span is not None:
        # "[Title](slides) Andrea Veladi." — the name right after the title link
        m = _NAME_SEQ.match(block.text[title_span.end:b].lstrip(" ,—–-:"))
        if m and looks_like_person(m.group(1)):
            speaker = m.group(1)
    if not speaker:
        return None
    if title_span is None and title is None and not re.search(r"\b(?:talk|keynote|lecture|presentation)\b", sentence, re.I):
        return None
    links = _talk_links(block, a, b, event_urls)
    ordinal = None
    om = _ORDINAL.search(sentence)
    if om and re.search(r"\b(?:talk|keynote|lecture|presentation|speaker)\b", sentence[om.start():], re.I):
        ordinal = _ORDINALS[om.group(1).lower()]
    kind = None
    km = re.search(r"\b(keynote|panel|tutorial|invited)\b", sentence, re.I)
    if km:
        kind = {"invited": None}.get(km.group(1).lower(), km.group(1).lower())
    return TalkHit(clean_title(title), [canonical_name(speaker)], i, a, kind=kind, links=links, layout="prose",
                   ordinal=ordinal, spelled_speakers=[strip_honorific(speaker)])


def heading_talks(blocks: list[Block], skip: set[int]) -> list[TalkHit]:
    hits = []
    for i, block in enumerate(blocks):
        if i in skip or block.kind != "heading" or _GROUP_HEADING.match(block.text.strip()):
            continue
        title, names, kind = split_title_speaker(block.text)
        links = [s.href for s in block.links if s.href and classify_url(s.href, s.label) in ("video", "slides")]
        if not names:
            # "[Keynote: Name - Title](video)" headings are covered above via the label text;
            # a heading that is only a title stays a section, not a talk.
            continue
        if title is None:
            title = _title_from_next(blocks, i)
        hits.append(TalkHit(title, names, i, 0, kind=kind, links=links, layout="heading", heading_level=block.level))
    return hits


def _title_from_next(blocks: list[Block], i: int) -> str | None:
    """``### Name@Affiliation`` then a short (quoted/emphasised) line: that line is the title."""
    if i + 1 >= len(blocks):
        return None
    nxt = blocks[i + 1]
    if nxt.kind != "paragraph":
        return None
    first = nxt.text.split("\n")[0].strip()
    quoted = re.match(r"^[\"“](.+?)[\"”]", first)
    if quoted:
        return clean_title(quoted.group(1))
    if nxt.emphasis and nxt.emphasis[0][0] <= 1 and len(first) < 150:
        s, e = nxt.emphasis[0]
        return clean_title(nxt.text[s:e])
    m = re.match(r"^(?:title|talk)\s*:\s*(.+)$", first, re.I)
    return clean_title(m.group(1)) if m else None


def table_talks(blocks: list[Block], skip: set[int]) -> list[TalkHit]:
    hits = []
    for i, block in enumerate(blocks):
        if i in skip or block.kind != "row" or not block.header:
            continue
        header = [h.lower() for h in block.header]
        t_col = next((k for k, h in enumerate(header) if re.search(r"title|talk|topic|paper", h)), None)
        s_col = next((k for k, h in enumerate(header) if re.search(r"speaker|presenter|who|by|author|panelist", h)), None)
        if s_col is None or s_col >= len(block.cells):
            continue
        names = _names_in(block.cells[s_col]) or (
            [canonical_name(block.cells[s_col])] if looks_like_person(block.cells[s_col]) else [])
        if not names:
            continue
        title = clean_title(block.cells[t_col]) if t_col is not None and t_col < len(block.cells) else None
        links = [s.href for s in block.links if s.href and classify_url(s.href, s.label) in ("slides", "video")]
        hits.append(TalkHit(title, names, i, 0, links=links, layout="table"))
    return hits


def item_talks(blocks: list[Block], skip: set[int]) -> list[TalkHit]:
    hits = []
    for i, block in enumerate(blocks):
        if i in skip or block.kind not in ("item", "html") or block.quote:
            continue
        if any(re.search(r"\bposters?\b", h, re.I) for h in block.section[-1:]):
            continue  # poster lists are not talks the author saw
        first = block.text.split("\n")[0]
        if _NOT_ATTENDED.search(first) or len(first) > 250:
            continue
        title, names, kind = split_title_speaker(first)
        if not names:
            continue
        if title is None and not kind and not re.search(r"talk|keynote|speaker|invited", " ".join(block.section), re.I):
            continue
        links = [s.href for s in block.links if s.href and classify_url(s.href, s.label) in ("slides", "video")]
        hits.append(TalkHit(title, names, i, 0, kind=kind, links=links, layout="item"))
    return hits
