"""Talk layouts that are not running prose: headings, author blocks, tables and list items.

* headings: ``### Title — Speaker (Affiliation)``, ``## Keynote: Name`` (title in
  the next paragraph), ``### Name@Affiliation``, ``#### "Title"`` + a byline;
* author blocks: a ``"Title"`` / ``**Title**`` line and a ``*A · B*`` author line,
  or ``**Title** — presented by Name``;
* table rows with a title column and a speaker column (Markdown or HTML);
* list items: ``Title - Name, Affiliation``, ``Surname - Title``, ``Ratner, Re - Title``,
  ``Panel: Title`` (panelists in the next item), ``Invited talk: Name: Title``.
"""

from __future__ import annotations

import re
import unicodedata

from kb.ingest.blocks import Block
from kb.ingest.events import EVENT_WORDS, NOT_ATTENDED_FOLDED
from kb.ingest.links import GENERIC_LABELS, classify_url
from kb.ingest.people import canonical_name, looks_like_person, resolve, split_display
from kb.ingest.prose import names_at, title_span_talk
from kb.ingest.talks.hits import (
    KIND_PREFIX,
    TALK_NOUN_IN,
    TalkHit,
    clean_title,
    intro_says_not_attended,
    make_hit,
    names_in,
    sentences,
    split_title_speaker,
    video_slides,
)
from kb.ingest.text import Folded

_GROUP_HEADING = re.compile(
    r"^(?:day\s*\d|\w+day\b|workshops?\s+(?:and|&)|tutorials?\s+(?:and|&)|keynotes?$|"
    r"invited talks?$|talks?$|tutorials?$|workshops?$|panels?$|posters?$|orals?$|sessions?$|"
    r"references?$)",
    re.I,
)
_TALKISH_SECTION = re.compile(
    r"talk|keynote|speaker|invited|oral|spotlight|session|track|workshop|tutorial|programme|"
    r"program|schedule|panel",
    re.I,
)


def _pseudo_heading(block: Block) -> bool:
    """A paragraph that is one bold line ("**1) Dr. Xinlei CHEN (Meta AI) - "Title"**") reads as a heading."""
    return block.kind == "paragraph" and block.bold and "\n" not in block.text.strip()


def heading_talks(blocks: list[Block], skip: set[int]) -> list[TalkHit]:
    hits = []
    for i, block in enumerate(blocks):
        if (
            i in skip
            or not (block.kind == "heading" or _pseudo_heading(block))
            or _GROUP_HEADING.match(block.text.strip())
        ):
            continue
        text = re.sub(r"^\s*(?:\d{1,2}[.)]|[IVX]{1,4}\.)\s+", "", block.text)  # "1) …", "II. …"
        label = next((s.label for s in block.links if s.label and not s.image), None)
        title, names, kind = split_title_speaker(label if label and len(label) > len(text) * 0.8 else text)
        panel = re.match(r"^\s*panel(?:\s+discussion)?\s*[:\-—–]\s*(.+)$", unicodedata.normalize("NFKC", text), re.I)
        if panel and not names:
            title, names, kind = (
                panel.group(1),
                _names_leading_next(blocks, i) or _speaker_line_after(blocks, i),
                "panel",
            )
        elif not names:
            names = _speaker_line_after(blocks, i)
            prefix = KIND_PREFIX.match(unicodedata.normalize("NFKC", text).strip(" *"))
            title = (prefix.group(2) if prefix else text) if names else None
            if prefix and names:
                word = prefix.group(1).lower()
                kind = "keynote" if "keynote" in word else EVENT_WORDS.get(word.split()[-1])
        if not names:
            continue
        if title is None:
            title = _title_from_next(blocks, i)
        hits.append(
            make_hit(
                title,
                names,
                i,
                kind=kind,
                links=video_slides(block),
                layout="heading",
                heading_level=block.level if block.kind == "heading" else None,
            )
        )
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


# "Speaker: Jane Doe", "Presented by Jane Doe": the line says who spoke (a bare "By Jane Doe" under the post's
# title is the writer's byline, not a speaker's)
_SPEAKER_CUE = re.compile(r"^\W*(?:speakers?|presenters?|panelists?|(?:presented|given|delivered)\s+by)\s*:?\s+", re.I)


def _speaker_line_after(blocks: list[Block], i: int) -> list[str]:
    """A title heading followed by a byline: "Ashis Pati (Georgia Tech)", "Chelsea Finn · Stanford · recording",
    "Dorsa Sadigh, Shuran Song — moderated by …", "Speaker: Jane Doe"."""
    if i + 1 >= len(blocks) or blocks[i + 1].kind not in ("paragraph", "html"):
        return []
    first = _SPEAKER_CUE.sub("", blocks[i + 1].text.split("\n")[0].strip(), count=1)
    if len(first) > 200:
        return []
    names: list[str] = []
    for piece in re.split(r"\s+[·•|—–]\s+|\s+-\s+|,\s+|\s+(?:and|&)\s+", first):
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
    if nxt.emphasis and len(nxt.text[nxt.emphasis[0][0] : nxt.emphasis[0][1]].split()) >= 2:
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
            if (
                len(authors) >= 1
                and all(looks_like_person(a) for a in authors)
                and ("·" in lines[1] or "•" in lines[1] or lines[1].strip().startswith(("*", "_")))
            ):
                title = quoted.group(1) if quoted else first
                section_text = " ".join(b.text for b in _until_next_title(blocks, i + 1))
                if NOT_ATTENDED_FOLDED.search(section_text[:300]):
                    continue
                presenters = _mentioned_again(authors, section_text) or [authors[0]]
                hits.append(
                    make_hit(
                        title, [canonical_name(p) for p in presenters], i, layout="authors", links=video_slides(block)
                    )
                )
                continue
        m = re.search(r"\s[—–-]+\s+(?:presented|given|talk)\s+by\s+", block.text)
        if (quoted or bold) and m and m.start() <= len(first):
            names, _ = names_at(block.text, m.end())
            if names:
                title = quoted.group(1) if quoted else block.text[block.emphasis[0][0] : block.emphasis[0][1]]
                hits.append(
                    make_hit(
                        title,
                        [canonical_name(n) for n, _, _ in names],
                        i,
                        layout="authors",
                        spelled=[n for n, _, _ in names],
                        links=video_slides(block),
                    )
                )
    return hits


def _until_next_title(blocks: list[Block], start: int) -> list[Block]:
    """The paragraphs after an author block, up to the next heading or title line."""
    out = []
    for b in blocks[start : start + 4]:
        if b.kind == "heading" or (
            b.kind == "paragraph"
            and (re.match(r"^[\"“]", b.text) or (b.emphasis and b.emphasis[0][0] == 0 and "\n" in b.text))
        ):
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
        s_col = next(
            (k for k, h in enumerate(header) if re.search(r"speaker|presenter|who|by|author|panelist", h)), None
        )
        t_col = next(
            (k for k, h in enumerate(header) if re.search(r"title|talk|topic|paper|what|session", h) and k != s_col),
            None,
        )
        if t_col is None:  # no title column named: the longest cell that is not the speaker, a date or a link
            others = [
                k
                for k in range(len(block.cells))
                if k != s_col
                and not re.search(r"date|day|time|when|slides|video|link", header[k] if k < len(header) else "")
            ]
            t_col = max(others, key=lambda k: len(block.cells[k]), default=None)
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
            kind = EVENT_WORDS.get(
                block.cells[k_col].strip().lower().split(" ")[0] if block.cells[k_col].strip() else ""
            )
        hits.append(make_hit(title, names, i, kind=kind, links=_row_media(block, header), layout="table"))
    return hits


def _title_cell(block: Block, col: int) -> tuple[str | None, str | None]:
    """ "Keynote: *Why AI Is Harder*" / "Session 2B: Title" → (title, kind): an emphasised title wins,
    else a "Kind …:" prefix is cut off."""
    start = sum(len(c) + 3 for c in block.cells[:col])
    cell = block.cells[col]
    kind = None
    m = re.match(
        r"^(.{0,40}?\b(keynote|invited talk|panel|tutorial|workshop|session|oral|poster|spotlight)\b[^:]{0,20}):\s*(.+)$",
        cell,
        re.I,
    )
    if m:
        word = m.group(2).lower()
        kind = (
            "keynote"
            if word in ("keynote", "invited talk") and "workshop" not in m.group(1).lower()
            else EVENT_WORDS.get(word.split()[-1])
        )
    for s, e in block.emphasis:
        if start <= s and e <= start + len(cell) and len(block.text[s:e].split()) >= 2:
            return block.text[s:e], kind
    return (m.group(3) if m else cell), kind


def _panel_line(block: Block, i: int) -> TalkHit | None:
    """ "Panel — “Is SLAM solved?” Cadena, Carlone, Tardós; moderated by X" in one wide table cell."""
    text = block.cells[-1] if block.cells else block.text
    m = re.search(r"[\"“]([^\"”]{4,200})[\"”]\s*(.*)$", text)
    if not m:
        return None
    people = re.split(r";|\bmoderated\b|\bchaired\b", m.group(2))[0]
    names = names_in(people, allow_surnames=True)
    return make_hit(m.group(1), names, i, kind="panel", layout="table") if names else None


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


_NOT_TALK_SECTION = Folded(re.compile(r"\bposters?\b|reading|references?|papers?\b", re.I)).search
_TALKISH = Folded(_TALKISH_SECTION).search


def item_talks(blocks: list[Block], skip: set[int]) -> list[TalkHit]:
    hits = []
    for i, block in enumerate(blocks):
        if i in skip or block.kind not in ("item", "html") or block.quote or not block.marker and block.kind == "item":
            continue
        section = " ".join(block.section[-1:])
        if _NOT_TALK_SECTION(section):
            continue  # poster and reading lists are not talks the author saw
        first = block.text.split("\n")[0]
        if NOT_ATTENDED_FOLDED.search(first) or len(first) > 300:
            continue
        panel = re.match(r"^\s*panel(?:\s+discussion)?\s*[:\-—–]\s*(.+)$", first, re.I)
        if panel:
            title, names = panel.group(1), _panelists(blocks, i)
            em = next(((s, e) for s, e in block.emphasis if s >= panel.start(1) and e <= len(first)), None)
            if em:  # "Panel: *Do We Still Need Labels?* A, B, C; moderated by X"
                title = block.text[em[0] : em[1]]
                rest = re.split(r";|\bmoderated\b|\bchaired\b", first[em[1] :].strip(" *_.,:—–-"))[0]
                names = names or names_in(rest)
            hits.append(make_hit(title, names, i, kind="panel", layout="item", links=video_slides(block)))
            continue
        if intro_says_not_attended(blocks, i):
            continue
        a, b = sentences(block.text)[0] if block.text.strip() else (0, 0)
        pair = title_span_talk(block, a, b, set())
        if pair:
            hits.append(
                make_hit(
                    pair[0],
                    pair[1].names,
                    i,
                    kind=None,
                    links=video_slides(block),
                    layout="item",
                    spelled=pair[1].spelled,
                )
            )
            continue
        head = _without_generic_links(block, block.text[a:b].split("\n")[0])
        talkish = _TALKISH(section) or TALK_NOUN_IN(first)
        title, names, kind = split_title_speaker(head, allow_surnames=talkish)
        topic = re.search(r"\)?,?\s+on\s+(.{4,120})$", head) if names and not title else None
        if topic:  # "2nd keynote: Cordelia Schmid (Inria / Google), on learning from video"
            title = clean_title(topic.group(1))
        if names and (title or kind or talkish):
            hits.append(make_hit(title, names, i, kind=kind, links=video_slides(block), layout="item"))
    return hits


def _without_generic_links(block: Block, line: str) -> str:
    """ "Title ([OpenReview](…), [slides](…))" → "Title": generic link labels are not part of a title."""
    for span in sorted(block.links, key=lambda s: -s.start):
        if span.end <= len(line) and span.label.strip().lower() in GENERIC_LABELS:
            line = line[: span.start] + line[span.end :]
    line = re.sub(r"\s*\(\s*(?:,\s*)*\)", "", line)
    return " ".join(line.split()).rstrip(" ,;")


def _panelists(blocks: list[Block], i: int) -> list[str]:
    for b in blocks[i + 1 : i + 4]:
        if b.kind != "item" or b.level <= blocks[i].level:
            break
        m = re.match(r"^\s*(?:panelists?|with|speakers?)\s*:\s*", b.text, re.I)
        if m:
            names, _ = names_at(b.text, m.end())
            return [canonical_name(n) for n, _, _ in names]
    return []
