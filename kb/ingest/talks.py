"""Talks from the markdown walk, in every common layout.

Layouts, each a detector over blocks that yields :class:`TalkHit`:

* headings: ``### Title — Speaker (Affiliation)``, ``## Keynote: Name`` (title in
  the next paragraph), ``### Name@Affiliation``;
* author blocks: a ``"Title"`` / ``**Title**`` line and a ``*A · B*`` author line,
  or ``**Title** — presented by Name``;
* table rows with a title column and a speaker column;
* list items: ``Title - Name, Affiliation``, ``Surname - Title``, ``Ratner, Re - Title``,
  ``Panel: Title`` (panelists in the next item), ``Invited talk: Name: Title``;
* prose, one sentence at a time (:mod:`kb.ingest.prose`).

A talk owns the text from where it is introduced to where the next talk
starts or a heading closes its section. Sentences about talks not attended
("couldn't make it to", "will be presented") yield nothing.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass, field

from kb.ingest.events import EVENT_WORDS, NOT_ATTENDED
from kb.ingest.links import GENERIC_LABELS, classify_url
from kb.ingest.markdown import Block
from kb.ingest.people import canonical_name, looks_like_person, resolve, split_display, strip_honorific
from kb.ingest.prose import (TALK_NOUN, Speakers, _surname_like, find_speakers, names_at, talk_links,
                             title_candidates, title_span_talk, topic_phrase)

_ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "fifth": 5, "sixth": 6, "seventh": 7, "eighth": 8}
_ORDINAL = re.compile(r"\b(first|second|third|fourth|fifth|sixth|seventh|eighth)\b", re.I)
_SEPARATORS = re.compile(r"\s+[—–]\s+|\s+-{1,2}\s+|:\s+|\s+\|\s+|\s+by\s+|@")
_AFFIL = re.compile(r"\s*[(\[]([^)\]]{2,80})[)\]]\s*$|,\s+([A-Z][^,]{1,60})$")
_KIND_PREFIX = re.compile(r"^((?:invited|keynote|plenary|opening|closing|award|contributed)?\s*(?:talk|keynote|speaker|lecture|"
                          r"tutorial|panel)(?:\s+\d+)?)\s*(?:[:\-—–]|by)\s+(.*)$", re.I)
_GROUP_HEADING = re.compile(r"^(?:day\s*\d|\w+day\b|workshops?\s+(?:and|&)|tutorials?\s+(?:and|&)|keynotes?$|"
                            r"invited talks?$|talks?$|tutorials?$|workshops?$|panels?$|posters?$|orals?$|sessions?$|"
                            r"references?$)", re.I)
_TALKISH_SECTION = re.compile(r"talk|keynote|speaker|invited|oral|spotlight|session|track|workshop|tutorial|programme|"
                              r"program|schedule|panel", re.I)
_AUTHOR_LINE = re.compile(r"^[*_]{1,2}([^*_\n]+(?:\s[·•|,]\s[^*_\n]+)+)[*_]{1,2}\s*$")


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
    cited_in_intro: list[str] = field(default_factory=list)  # markers cited in the introducing sentence
    continues: int | None = None  # prose that goes on about a talk listed earlier (index of that hit)


# ------------------------------------------------------------------ helpers


def clean_title(text: str | None) -> str | None:
    if not text:
        return None
    t = " ".join(text.split())
    t = re.sub(r"(?:\s*\[(?:\^?[\w@:\-]+(?:\s*[,;–-]\s*\^?[\w@:\-]+)*)\])+\s*[.,;:]?$", "", t)  # "… equations [11]"
    t = t.strip(" \"“”'‘’*_`.,;:-—–")
    t = re.sub(r"^(?:the\s+(?:talk|topic)\s+(?:of|on)\s+|a\s+talk\s+(?:on|about)\s+|titled\s+|entitled\s+)", "", t, flags=re.I)
    t = t.strip(" \"“”'‘’")
    if len(t) < 3 or t.lower() in GENERIC_LABELS:
        return None
    return t[0].upper() + t[1:]


def sentences(text: str) -> list[tuple[int, int]]:
    """(start, end) of each sentence of a block's text."""
    out, start = [], 0
    for m in re.finditer(r"(?<=[.!?])\s+(?=[\"“(\[*]?[A-Z0-9])|\n\s*\n|\n(?=[-*•] )|(?<=[。！？])", text):
        prev = text[max(0, m.start() - 6):m.start()]
        if re.search(r"\b(?:al|Dr|Prof|Mr|Ms|Mrs|vs|etc|e\.g|i\.e|St|[A-Z])\.$", prev):
            continue
        out.append((start, m.start()))
        start = m.end()
    out.append((start, len(text)))
    return [(a, b) for a, b in out if text[a:b].strip()]


def _strip_affiliation(text: str) -> str:
    prev = None
    while prev != text:
        prev = text
        text = _AFFIL.sub("", text).strip()
    return text


def names_in(text: str, allow_surnames: bool = False) -> list[str]:
    """``A and B`` / ``A, B & C`` / ``A · B`` / ``Ratner, Re`` → names, only if every piece is a name."""
    text = _strip_affiliation(text.strip(" *_."))
    if not text:
        return []
    if ";" in text:  # "Kai-Wei Chang, UCLA; Vinodkumar Prabhakaran, Google"
        pieces = [_strip_affiliation(p.strip()) for p in text.split(";") if p.strip()]
        if all(looks_like_person(p) for p in pieces):
            return [canonical_name(p) for p in pieces]
    pieces = [_strip_affiliation(p.strip()) for p in re.split(r"\s*(?:,|&|·|•|\band\b|;)\s*", text) if p.strip()]
    if pieces and all(looks_like_person(p) for p in pieces):
        return [canonical_name(p) for p in pieces]
    if allow_surnames and pieces and len(pieces) <= 6 and all(_surname_like(p) for p in pieces):
        return pieces
    return []


def split_title_speaker(text: str, allow_surnames: bool = False) -> tuple[str | None, list[str], str | None]:
    """``Title — Name (Affiliation)`` / ``Name: Title`` / ``Keynote: Name`` → (title, [names], kind word)."""
    text = unicodedata.normalize("NFKC", " ".join(text.split())).strip(" *_")
    kind = None
    m = _KIND_PREFIX.match(text)
    if m:
        word = m.group(1).lower()
        kind = "keynote" if ("keynote" in word or "plenary" in word) else EVENT_WORDS.get(word.split()[-1])
        text = m.group(2)
    parts = [p for p in _SEPARATORS.split(text) if p and p.strip()]
    if len(parts) == 1:
        name = _strip_affiliation(parts[0])
        return (None, [canonical_name(name)], kind) if looks_like_person(name) else (None, [], kind)
    seps = sorted(_SEPARATORS.finditer(text), key=lambda m: (_SEP_RANK.get(m.group(0).strip(), 5), m.start()))
    for surnames in (False, True) if allow_surnames else (False,):
        for sep in seps:
            left, right = text[:sep.start()].strip(), text[sep.end():].strip()
            if sep.group(0).strip() == "@":
                return (None, [canonical_name(left)], kind) if looks_like_person(left) else (None, [], kind)
            for names_side, title_side in ((right, left), (left, right)):
                names = names_in(names_side, allow_surnames=surnames and names_side is left)
                if names:
                    title = clean_title(title_side)
                    if title and (looks_like_person(title) or len(title.split()) < 2 and not kind):
                        continue
                    return title, names, kind
    return None, [], kind


_SEP_RANK = {"—": 0, "–": 0, "-": 1, "--": 1, "|": 2, "by": 3, ":": 4}


def _hit(title, names: list[str], block: int, offset: int = 0, **kw) -> TalkHit:
    spelled = kw.pop("spelled", None) or names
    return TalkHit(clean_title(title), names, block, offset, spelled_speakers=[strip_honorific(s) for s in spelled], **kw)


def _video_slides(block: Block) -> list[str]:
    return [s.href for s in block.links if s.href and not s.image and classify_url(s.href, s.label) in ("video", "slides")]


# ------------------------------------------------------------------ layouts


def _pseudo_heading(block: Block) -> bool:
    """A paragraph that is one bold line ("**1) Dr. Xinlei CHEN (Meta AI) - "Title"**") reads as a heading."""
    return block.kind == "paragraph" and block.bold and "\n" not in block.text.strip()


def heading_talks(blocks: list[Block], skip: set[int]) -> list[TalkHit]:
    hits = []
    for i, block in enumerate(blocks):
        if i in skip or not (block.kind == "heading" or _pseudo_heading(block)) or _GROUP_HEADING.match(block.text.strip()):
            continue
        text = re.sub(r"^\s*(?:\d{1,2}[.)]|[IVX]{1,4}\.)\s+", "", block.text)  # "1) …", "II. …"
        label = next((s.label for s in block.links if s.label and not s.image), None)
        title, names, kind = split_title_speaker(label if label and len(label) > len(text) * 0.8 else text)
        panel = re.match(r"^\s*panel(?:\s+discussion)?\s*[:\-—–]\s*(.+)$", unicodedata.normalize("NFKC", text), re.I)
        if panel and not names:
            title, names, kind = panel.group(1), _names_leading_next(blocks, i) or _speaker_line_after(blocks, i), "panel"
        elif not names:
            names = _speaker_line_after(blocks, i)
            prefix = _KIND_PREFIX.match(unicodedata.normalize("NFKC", text).strip(" *"))
            title = (prefix.group(2) if prefix else text) if names else None
            if prefix and names:
                word = prefix.group(1).lower()
                kind = "keynote" if "keynote" in word else EVENT_WORDS.get(word.split()[-1])
        if not names:
            continue
        if title is None:
            title = _title_from_next(blocks, i)
        hits.append(_hit(title, names, i, kind=kind, links=_video_slides(block), layout="heading",
                         heading_level=block.level if block.kind == "heading" else None))
    return hits


def _names_leading_next(blocks: list[Block], i: int) -> list[str]:
    """Panelists listed at the start of the paragraph after a panel heading (or in a list under it)."""
    found = _panelists(blocks, i)
    if found or i + 1 >= len(blocks) or blocks[i + 1].kind not in ("paragraph", "html"):
        return found
    text = blocks[i + 1].text
    m = re.match(r"^\s*(?:panelists?|with|speakers?)\s*:\s*", text, re.I)
    names, _ = names_at(text, m.end() if m else 0)
    return [canonical_name(n) for n, _, _ in names] if len(names) >= 2 else []


def _speaker_line_after(blocks: list[Block], i: int) -> list[str]:
    """A title heading followed by a byline: "Ashis Pati (Georgia Tech)", "Chelsea Finn · Stanford · recording",
    "Dorsa Sadigh, Shuran Song — moderated by …"."""
    if i + 1 >= len(blocks) or blocks[i + 1].kind not in ("paragraph", "html"):
        return []
    first = blocks[i + 1].text.split("\n")[0].strip()
    if len(first) > 200:
        return []
    names: list[str] = []
    for piece in re.split(r"\s+[·•|—–]\s+|\s+-\s+", first):
        found = names_in(piece)
        if not found:
            break
        names += found
    return names


def _title_from_next(blocks: list[Block], i: int) -> str | None:
    """After ``### Name@Affiliation`` or ``## Keynote: Name``: a short line, a quoted or emphasised phrase."""
    if i + 1 >= len(blocks) or blocks[i + 1].kind != "paragraph":
        return None
    nxt = blocks[i + 1]
    first = nxt.text.split("\n")[0].strip()
    quoted = re.search(r"[\"“]([^\"”]{4,200})[\"”]", first)
    if nxt.emphasis and len(nxt.text[nxt.emphasis[0][0]:nxt.emphasis[0][1]].split()) >= 2:
        s, e = nxt.emphasis[0]
        if s < 80:
            return clean_title(nxt.text[s:e])
    if quoted and quoted.start() < 80:
        return clean_title(quoted.group(1))
    m = re.match(r"^(?:title|talk)\s*:\s*(.+)$", first, re.I)
    if m:
        return clean_title(m.group(1))
    if len(first) < 140 and first.endswith(".") and first.count(". ") == 0 and len(first.split()) <= 18:
        return clean_title(first)
    return None


def author_block_talks(blocks: list[Block], skip: set[int]) -> list[TalkHit]:
    """``"Title"`` + ``*A · B*`` (presenter: the author named again below, else the first);
    ``**Title** — presented by Name (Affiliation)``."""
    hits = []
    for i, block in enumerate(blocks):
        if i in skip or block.kind != "paragraph":
            continue
        lines = block.text.split("\n")
        first = lines[0].strip()
        quoted = re.fullmatch(r"[\"“](.{4,250})[\"”]", first)
        bold = block.emphasis and block.emphasis[0][0] == 0 and block.emphasis[0][1] >= len(first) - 1
        if (quoted or bold) and len(lines) >= 2:
            authors = [n for n in re.split(r"\s*[·•|]\s*|\s*,\s*", lines[1].strip(" *_")) if n.strip()]
            if len(authors) >= 1 and all(looks_like_person(a) for a in authors) and ("·" in lines[1] or "•" in lines[1]
                                                                                    or lines[1].strip().startswith(("*", "_"))):
                title = quoted.group(1) if quoted else first
                section_text = " ".join(b.text for b in _until_next_title(blocks, i + 1))
                if NOT_ATTENDED.search(section_text[:300]):
                    continue
                presenters = _mentioned_again(authors, section_text) or [authors[0]]
                hits.append(_hit(title, [canonical_name(p) for p in presenters], i, layout="authors",
                                 links=_video_slides(block)))
                continue
        m = re.search(r"\s[—–-]+\s+(?:presented|given|talk)\s+by\s+", block.text)
        if (quoted or bold) and m and m.start() <= len(first):
            names, _ = names_at(block.text, m.end())
            if names:
                title = quoted.group(1) if quoted else block.text[block.emphasis[0][0]:block.emphasis[0][1]]
                hits.append(_hit(title, [canonical_name(n) for n, _, _ in names], i, layout="authors",
                                 spelled=[n for n, _, _ in names], links=_video_slides(block)))
    return hits


def _until_next_title(blocks: list[Block], start: int) -> list[Block]:
    """The paragraphs after an author block, up to the next heading or title line."""
    out = []
    for b in blocks[start:start + 4]:
        if b.kind == "heading" or (b.kind == "paragraph" and (re.match(r"^[\"“]", b.text) or
                                                              (b.emphasis and b.emphasis[0][0] == 0 and "\n" in b.text))):
            break
        if b.kind in ("paragraph", "item"):
            out.append(b)
    return out


def _mentioned_again(authors: list[str], text: str) -> list[str]:
    """Authors whose name (or a close spelling) appears in the text below the author line."""
    out = []
    for a in authors:
        target = split_display(canonical_name(a))
        for m in re.finditer(r"[A-ZÀ-ÖØ-Þ][\w'’\-]+(?:\s+[A-Z]\.)*(?:\s+[A-ZÀ-ÖØ-Þ][\w'’\-]+)+", text):
            cand = m.group(0)
            if looks_like_person(cand) and resolve(split_display(cand), [target])[0] == 0:
                out.append(a)
                break
    return out


def table_talks(blocks: list[Block], skip: set[int]) -> list[TalkHit]:
    hits = []
    for i, block in enumerate(blocks):
        if i in skip or block.kind != "row" or not block.header:
            continue
        header = [h.lower() for h in block.header]
        t_col = next((k for k, h in enumerate(header) if re.search(r"title|talk|topic|paper", h)), None)
        s_col = next((k for k, h in enumerate(header) if re.search(r"speaker|presenter|who|by|author|panelist", h)), None)
        wide = len(block.cells) < len(header) and re.search(r"\bpanel\b", block.text, re.I)
        if wide:
            hit = _panel_line(block, i)
            if hit:
                hits.append(hit)
            continue
        if s_col is None or s_col >= len(block.cells):
            continue
        names = names_in(block.cells[s_col])
        if not names:
            continue
        title, kind = _title_cell(block, t_col) if t_col is not None and t_col < len(block.cells) else (None, None)
        k_col = next((k for k, h in enumerate(header) if re.search(r"type|kind|format|session", h)), None)
        if k_col is not None and k_col < len(block.cells) and not kind:
            kind = EVENT_WORDS.get(block.cells[k_col].strip().lower().split(" ")[0] if block.cells[k_col].strip() else "")
        hits.append(_hit(title, names, i, kind=kind, links=_row_media(block, header), layout="table"))
    return hits


def _title_cell(block: Block, col: int) -> tuple[str | None, str | None]:
    """"Keynote: *Why AI Is Harder*" / "Session 2B: Title" → (title, kind): an emphasised title wins,
    else a "Kind …:" prefix is cut off."""
    start = sum(len(c) + 3 for c in block.cells[:col])
    cell = block.cells[col]
    kind = None
    m = re.match(r"^(.{0,40}?\b(keynote|invited talk|panel|tutorial|workshop|session|oral|poster|spotlight)\b[^:]{0,20}):\s*(.+)$",
                 cell, re.I)
    if m:
        word = m.group(2).lower()
        kind = "keynote" if word in ("keynote", "invited talk") and "workshop" not in m.group(1).lower() \
            else EVENT_WORDS.get(word.split()[-1])
    for s, e in block.emphasis:
        if start <= s and e <= start + len(cell) and len(block.text[s:e].split()) >= 2:
            return block.text[s:e], kind
    return (m.group(3) if m else cell), kind


def _panel_line(block: Block, i: int) -> TalkHit | None:
    """"Panel — “Is SLAM solved?” Cadena, Carlone, Tardós; moderated by X" in one wide table cell."""
    text = block.cells[-1] if block.cells else block.text
    m = re.search(r"[\"“]([^\"”]{4,200})[\"”]\s*(.*)$", text)
    if not m:
        return None
    people = re.split(r";|\bmoderated\b|\bchaired\b", m.group(2))[0]
    names = names_in(people, allow_surnames=True)
    return _hit(m.group(1), names, i, kind="panel", layout="table") if names else None


def _row_media(block: Block, header: list[str]) -> list[str]:
    """Links of a talk row: slides/video by URL, or any link in a Slides/Video/Recording column."""
    starts, pos = [], 0
    for cell in block.cells:
        starts.append(pos)
        pos += len(cell) + 3
    out = []
    for s in block.links:
        if not s.href or s.image:
            continue
        col = max((k for k, st in enumerate(starts) if st <= s.start), default=0)
        column = header[col] if col < len(header) else ""
        if classify_url(s.href, s.label) in ("video", "slides") or re.search(r"slides?|video|recording|deck", column):
            out.append(s.href)
    return out


def item_talks(blocks: list[Block], skip: set[int]) -> list[TalkHit]:
    hits = []
    for i, block in enumerate(blocks):
        if i in skip or block.kind not in ("item", "html") or block.quote or not block.marker and block.kind == "item":
            continue
        section = " ".join(block.section[-1:])
        if re.search(r"\bposters?\b|reading|references?|papers?\b", section, re.I):
            continue  # poster and reading lists are not talks the author saw
        first = block.text.split("\n")[0]
        if NOT_ATTENDED.search(first) or len(first) > 300:
            continue
        panel = re.match(r"^\s*panel(?:\s+discussion)?\s*[:\-—–]\s*(.+)$", first, re.I)
        if panel:
            title, names = panel.group(1), _panelists(blocks, i)
            em = next(((s, e) for s, e in block.emphasis if s >= panel.start(1) and e <= len(first)), None)
            if em:  # "Panel: *Do We Still Need Labels?* A, B, C; moderated by X"
                title = block.text[em[0]:em[1]]
                rest = re.split(r";|\bmoderated\b|\bchaired\b", first[em[1]:].strip(" *_.,:—–-"))[0]
                names = names or names_in(rest)
            hits.append(_hit(title, names, i, kind="panel", layout="item", links=_video_slides(block)))
            continue
        if _intro_says_not_attended(blocks, i):
            continue
        a, b = sentences(block.text)[0] if block.text.strip() else (0, 0)
        pair = title_span_talk(block, a, b, set())
        if pair:
            hits.append(_hit(pair[0], pair[1].names, i, kind=None, links=_video_slides(block), layout="item",
                             spelled=pair[1].spelled))
            continue
        head = _without_generic_links(block, block.text[a:b].split("\n")[0])
        talkish = bool(_TALKISH_SECTION.search(section)) or bool(TALK_NOUN.search(first))
        title, names, kind = split_title_speaker(head, allow_surnames=talkish)
        if names and (title or kind or talkish):
            hits.append(_hit(title, names, i, kind=kind, links=_video_slides(block), layout="item"))
    return hits


def _intro_says_not_attended(blocks: list[Block], i: int) -> bool:
    """A list introduced by "What I had circled and missed:" holds no talks."""
    j = i
    while j > 0 and blocks[j - 1].kind == "item":
        j -= 1
    intro = blocks[j - 1] if j > 0 else None
    return bool(intro and intro.kind == "paragraph" and intro.text.rstrip().endswith(":") and NOT_ATTENDED.search(intro.text))


def _without_generic_links(block: Block, line: str) -> str:
    """"Title ([OpenReview](…), [slides](…))" → "Title": generic link labels are not part of a title."""
    for span in sorted(block.links, key=lambda s: -s.start):
        if span.end <= len(line) and span.label.strip().lower() in GENERIC_LABELS:
            line = line[:span.start] + line[span.end:]
    line = re.sub(r"\s*\(\s*(?:,\s*)*\)", "", line)
    return " ".join(line.split()).rstrip(" ,;")


def _panelists(blocks: list[Block], i: int) -> list[str]:
    for b in blocks[i + 1:i + 4]:
        if b.kind != "item" or b.level <= blocks[i].level:
            break
        m = re.match(r"^\s*(?:panelists?|with|speakers?)\s*:\s*", b.text, re.I)
        if m:
            names, _ = names_at(b.text, m.end())
            return [canonical_name(n) for n, _, _ in names]
    return []


def prose_talks(blocks: list[Block], skip: set[int], exclude: set[str], taken: set[int]) -> list[TalkHit]:
    """Sentence-level talks in paragraphs and items not already claimed by another layout."""
    hits: list[TalkHit] = []
    for i, block in enumerate(blocks):
        if i in skip or i in taken or block.kind not in ("paragraph", "html", "item") or block.quote:
            continue
        if block.kind == "item" and _intro_says_not_attended(blocks, i):
            continue
        bold_lead = bool(block.emphasis) and block.emphasis[0][0] == 0
        for n, (a, b) in enumerate(sentences(block.text)):
            hit = prose_talk(block, i, a, b, exclude, weak=bold_lead and n <= 2)
            if hit:
                hits.append(hit)
    return _merge_same_speaker(hits)


_GIVEN_BY = re.compile(r"\b(?:given|presented|delivered|taught|led|run)\s+by\s", re.I)


def prose_talk(block: Block, i: int, a: int, b: int, exclude: set[str], weak: bool = False) -> TalkHit | None:
    sentence = block.text[a:b]
    if NOT_ATTENDED.search(sentence):
        return None
    pair = title_span_talk(block, a, b, exclude)
    if pair:
        title, speakers = pair
        km = re.search(r"\b(keynote|panel|tutorial)\b", sentence, re.I)
        return _hit(title, speakers.names, i, a, kind=km.group(1).lower() if km else None,
                    links=talk_links(block, a, b, exclude), layout="prose", spelled=speakers.spelled)
    if not TALK_NOUN.search(sentence) and not weak and not _GIVEN_BY.search(sentence):
        return None
    m = _KIND_PREFIX.match(sentence.strip(" *"))
    if m and re.match(r"(?:invited|keynote|contributed|plenary)", m.group(1), re.I):
        title, names, kind = split_title_speaker(sentence.strip(" *").rstrip("."))
        if names:
            return _hit(title, names, i, a, kind=kind, links=talk_links(block, a, b, exclude), layout="prose")
    speakers: Speakers | None = find_speakers(block, a, b, weak=weak)
    if speakers is None:
        speakers = _name_after_title_link(block, a, b, exclude)
    if speakers is None:
        return None
    skip_titles = exclude | {speakers.link.label if speakers.link else ""}
    cands = [c for c in title_candidates(block, a, b, skip_titles)
             if not (speakers.start <= c[0] < speakers.end) and not any(n in c[1] for n in speakers.spelled)]
    title = cands[0][1] if cands else None
    if title is None:
        rest = block.text[speakers.end:b]
        after = re.match(r"\s*(?:\([^()]{1,80}\)\s*)?(?:on|about)\s+(.+)", rest)
        phrase = (topic_phrase("talk on " + after.group(1), cut_clauses=True) if after
                  else topic_phrase(rest, cut_clauses=True) or topic_phrase(block.text[a:b]))
        if phrase and not any(n in phrase for n in speakers.spelled):
            title = phrase
    ordinal = None
    om = _ORDINAL.search(sentence)
    if om and re.search(r"\b(?:talk|keynote|lecture|presentation|speaker|part)\b", sentence[om.start():], re.I):
        ordinal = _ORDINALS[om.group(1).lower()]
    kind = None
    km = re.search(r"\b(keynote|panel|tutorial|award talk)\b", sentence, re.I)
    if km:
        kind = {"award talk": "main"}.get(km.group(1).lower(), km.group(1).lower())
    cited = re.findall(r"\[(\d{1,3}(?:\s*,\s*\d{1,3})*)\]", sentence)
    return _hit(title, speakers.names, i, a, kind=kind, links=talk_links(block, a, b, exclude), layout="prose",
                ordinal=ordinal, spelled=speakers.spelled,
                cited_in_intro=[f"[{n.strip()}]" for group in cited for n in group.split(",")])


def _name_after_title_link(block: Block, a: int, b: int, exclude: set[str]) -> Speakers | None:
    """"The first talk was on [Title](slides) Andrea Veladi." — the name right after the title link."""
    for _, label, span in title_candidates(block, a, b, exclude):
        if span is None:
            continue
        rest = block.text[span.end:b]
        lead = len(rest) - len(rest.lstrip(" ,—–-:"))
        names, _ = names_at(block.text, span.end + lead)
        if names and names[0][1] == span.end + lead:
            return Speakers([canonical_name(n) for n, _, _ in names], [strip_honorific(n) for n, _, _ in names],
                            names[0][1], names[-1][2])
    return None


def _merge_same_speaker(hits: list[TalkHit]) -> list[TalkHit]:
    """"Susan Athey's tutorial on X. Susan Athey talked about X." is one talk."""
    out: list[TalkHit] = []
    for h in hits:
        prev = out[-1] if out else None
        if prev and prev.block == h.block and prev.speakers == h.speakers:
            prev.title = prev.title or h.title
            prev.links += [u for u in h.links if u not in prev.links]
            prev.cited_in_intro += h.cited_in_intro
            prev.kind = prev.kind or h.kind
            continue
        out.append(h)
    return out
