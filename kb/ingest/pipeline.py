"""The whole extraction of one post: text in, :class:`Extraction` out, no I/O.

Stages (each its own module, each testable alone):
front matter (frontmatter) → markdown walk (markdown) → references (references,
refparse, bibtex) → events (events) → talks (talks, prose; assembled here into
regions of text) → citations and links (linking) → people (mentions) → conference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from kb.errors import BadInput
from kb.ingest import personname
from kb.ingest.conference import detect_conference
from kb.ingest.dialects import loose_headings
from kb.ingest.events import find_events, tidy_event
from kb.ingest.frontmatter import front_matter_date, is_draft, split_front_matter
from kb.ingest.layouts import author_block_talks, heading_talks, item_talks, table_talks
from kb.ingest.linking import link_citations, link_records
from kb.ingest.links import classify_url
from kb.ingest.markdown import Block, walk
from kb.ingest.mentions import find_people
from kb.ingest.papers.link import link_mentions
from kb.ingest.people import given_names, not_a_name, resolve, split_display
from kb.ingest.records import Event, Extraction, ParsedReference, Problem, Talk
from kb.ingest.references import find_references, parse_entries
from kb.ingest.rst import looks_like_rst, rst_to_markdown
from kb.ingest.talks import document
from kb.ingest.talks.assemble import learned_hits
from kb.ingest.talks.cued import cued_in_blocks
from kb.ingest.talks.document import doc_features, single_probability, single_talk
from kb.ingest.talks.features import DATE
from kb.ingest.talks.hits import TalkHit, clean_title, prose_talks, strip_kind_prefix
from kb.ingest.talks.pagelinks import linked_talks
from kb.ingest.talks.presenters import presenter_talks
from kb.ingest.talks.titles import bare_kind_label, quoted_title, tidy_title, without_speaker
from kb.ingest.text import normalise_title

MAX_TEXT = 256 * 1024  # characters: some stages grow faster than linearly with size (kb.importer.MAX_POST_BYTES)


def extract(text: str, source: str = "<post>", rules_only: bool = False, path: str | None = None) -> Extraction:
    """Extract everything from one post's text. Raises only :class:`kb.errors.BadInput` (too long, broken front matter).

    Talks come from the trained labellers (:mod:`kb.ingest.talks`); ``rules_only`` (or no installed
    model) uses the hand-written layout and sentence detectors alone, which the labellers read as features.
    ``path`` (default ``source``): where the post lives; its file and folder names often name the conference.
    """
    if len(text) > MAX_TEXT:
        raise BadInput(source, f"post is longer than {MAX_TEXT // 1024} Ki characters, too big to extract (split it)")
    p = prepare(text, source)
    fm, blocks, ref_blocks, event_hits = p.front_matter, p.blocks, p.ref_blocks, p.event_hits
    x = Extraction(source=source, front_matter=fm, text=p.body)
    x.title = str(fm.get("title")).strip() if fm.get("title") else _first_heading(blocks)
    x.date = front_matter_date(fm)
    x.draft = is_draft(fm)

    x.papers, problems = parse_entries(p.raw_refs, p.bibtex_blocks, source)
    x.problems.extend(problems)

    event_hits = list(event_hits)
    hits = None if rules_only else learned_hits(blocks, ref_blocks, p.rule_hits, x.problems, event_hits)
    if hits is not None and all(h.layout == "cued" for h in hits) and p.rule_hits:
        # the labellers read no talk: a layout detector's talk with a named speaker is still one (a short post
        # with one "## Title — Jane Doe" has none of the repeated layout the labellers learned from); a talk a
        # sentence names beside it stays (the detectors dropped those that title a talk of theirs)
        named = [h for h in p.rule_hits if h.speakers]
        hits = sorted(named + [h for h in hits if h not in named], key=lambda h: (h.block, h.offset))
    event_hits = [h for h in event_hits if tidy_event(h.event) is not None]
    x.events = _unique_events([h.event for h in event_hits])
    if hits is None:
        hits = p.rule_hits
    _titles_from_heading_above(hits, blocks)
    if not rules_only and blocks:
        single = single_probability(doc_features(fm, blocks, source, hits))
        if single is not None and document.collapse(single, hits):
            # the note's one talk takes its speaker from what was read near its top: the labeller's talks,
            # or, when it read none, the sentence detectors' ("Kai Zhang talked about denoising.")
            hits = [single_talk(fm, blocks, source, hits or p.rule_hits, ref_blocks)]
    _title_or_speaker(hits)
    hits = _inside_a_talk(hits, blocks)
    _titles_from_cited_papers(hits, x.papers)
    _titles_announced_later(hits, blocks)
    _assign_events(hits, event_hits, blocks)
    _mark_continuations(hits)
    spans = _regions(hits, blocks, ref_blocks)
    owner, main = _owners(hits)
    x.talks = [_talk_record(hits[k], blocks, spans[k]) for k in main]
    for k, h in enumerate(hits):
        if h.continues is not None:  # its text and links belong to the talk it goes on about
            more = _talk_record(h, blocks, spans[k])
            talk = x.talks[owner[k]]
            talk.summary = "\n\n".join(p for p in (talk.summary, more.summary) if p)
            talk.links += [u for u in more.links if u not in talk.links]
    regions = [(span, owner[k]) for k, span in enumerate(spans)]

    link_citations(x, blocks, ref_blocks, hits, regions)
    mention_spans: dict[int, list[tuple[int, int]]] = {}
    if not rules_only:
        bylines, mention_spans = link_mentions(
            x, blocks, ref_blocks, lambda b, o: next((t for (s, e), t in regions if s <= (b, o) < e), None)
        )
        for n, names in bylines.items():
            _drop_speakers(x.talks[n], hits[main[n]], names)
        _author_lists(x, [hits[k] for k in main], blocks, mention_spans)
    find_people(x, blocks, ref_blocks, [hits[k] for k in main], mention_spans)
    _drop_non_names(x)
    regions = _drop_empty_talks(x, regions)
    x.talks += presenter_talks(x, blocks, ref_blocks)
    x.talks += linked_talks(x, blocks, ref_blocks)
    link_records(x, blocks, ref_blocks, hits, regions)
    year = int(x.date[:4]) if x.date else None
    x.conference = detect_conference(fm, blocks, year, path or source)
    if not x.talks:
        x.problems.append(Problem("no talks found in this post", severity="info"))
    return x


AUTHOR_LIST = 5  # this many speakers on one talk are a paper's author list, whatever the head links to


def _author_lists(x: Extraction, hits: list[TalkHit], blocks: list[Block], named: dict) -> None:
    """A paper talk's head that lists the paper's authors ("Title. Ann Lee, Bo Chen, Cy Diaz and Di Wu
    [Paper]") names its authors, not who spoke: the post does not say which of them presented. Five or
    more names, or three or more on a head line that links to the paper, are such a list (a panel's
    names stay its speakers). The names leave the talk, and the line is a paper's byline for
    :func:`find_people` (``named``: per block, spans that name papers)."""
    for talk, h in zip(x.talks, hits, strict=False):
        n = len(h.speakers)
        if n < 3 or talk.kind == "panel" or h.block >= len(blocks):
            continue
        block = blocks[h.block]
        start = block.text.rfind("\n", 0, h.offset) + 1
        end = block.text.find("\n", h.offset)
        end = len(block.text) if end < 0 else end
        if n < AUTHOR_LIST and not any(
            start <= s.start < end and s.href and classify_url(s.href, s.label) == "paper" for s in block.links
        ):
            continue
        _drop_speakers(talk, h, set(h.speakers))
        named.setdefault(h.block, []).append((start, end))


def _drop_speakers(talk: Talk, hit: TalkHit, names: set[str]) -> None:
    keep = [k for k, name in enumerate(hit.speakers) if name not in names]
    if len(keep) == len(hit.speakers):
        return
    if hit.spelled_speakers and len(hit.spelled_speakers) == len(hit.speakers):
        hit.spelled_speakers = [hit.spelled_speakers[k] for k in keep]
    hit.speakers = [hit.speakers[k] for k in keep]
    talk.speakers = [s for s in talk.speakers if s not in names]


@dataclass
class Prepared:
    """A post up to talk detection: what the learned labellers train and run on."""

    front_matter: dict
    body: str
    blocks: list[Block]
    raw_refs: list
    bibtex_blocks: list
    ref_blocks: set[int]
    event_hits: list
    rule_hits: list[TalkHit]


def prepare(text: str, source: str = "<post>") -> Prepared:
    fm, body, offset = split_front_matter(text, source)
    body = rst_to_markdown(body) if looks_like_rst(body, source) else loose_headings(body)
    blocks = walk(body, offset)
    raw_refs, bibtex_blocks, ref_blocks = find_references(blocks)
    event_hits = find_events(blocks, ref_blocks)
    return Prepared(
        fm, body, blocks, raw_refs, bibtex_blocks, ref_blocks, event_hits, _talk_hits(blocks, ref_blocks, event_hits)
    )


def _first_heading(blocks: list[Block]) -> str | None:
    return next((b.text for b in blocks if b.kind == "heading"), None)


def _unique_events(events: list[Event]) -> list[Event]:
    seen: dict[str, Event] = {}
    for ev in {id(e): e for e in events}.values():
        key = normalise_title(ev.name)
        if key and key not in seen:
            seen[key] = ev
        elif key and ev.url and not seen[key].url:
            seen[key].url = ev.url
    return list(seen.values())


def _mark_continuations(hits: list[TalkHit]) -> None:
    """ "| Keynote: *Why AI Is Harder* | Melanie Mitchell |" then "Melanie Mitchell's keynote was about …":
    prose about the speakers of a talk listed earlier (table, list, heading) goes on about that talk; so
    does a speakerless one named by the start of an earlier talk's title ("### Annotation artifacts"
    after "Annotation Artifacts in Natural Language Inference Data — Suchin Gururangan")."""
    for k, h in enumerate(hits):
        if not h.speakers and h.title and h.continues is None:
            short = normalise_title(h.title)
            j = next(
                (
                    j
                    for j, g in enumerate(hits[:k])
                    if g.title and g.speakers and g.continues is None and _starts(normalise_title(g.title), short)
                ),
                None,
            )
            if j is not None and len(short.split()) >= 2:
                h.continues = j
                continue
        if h.layout != "prose" or h.continues is not None:
            continue
        for j in range(k):
            g = hits[j]
            if (
                g.layout != "prose"
                and g.continues is None
                and g.title
                and _same_people(h.speakers, g.speakers)
                and (h.kind is None or g.kind is None or h.kind == g.kind or h.kind in ("talk", "keynote"))
            ):
                h.continues = j
                break


def _starts(title: str, short: str) -> bool:
    """Is ``short`` the first words of the longer ``title``?"""
    return len(short) < len(title) and title.startswith(short) and title[len(short)] == " "


def _owners(hits: list[TalkHit]) -> tuple[list[int], list[int]]:
    """(talk index of every hit, hit indices that are talks of their own)."""
    main = [k for k, h in enumerate(hits) if h.continues is None]
    index = {k: n for n, k in enumerate(main)}
    return [index[h.continues] if h.continues is not None else index[k] for k, h in enumerate(hits)], main


# ------------------------------------------------------------------ talks


def _drop_non_names(x: Extraction) -> None:
    """A person or speaker whose name the rules took for one and the learned check does not ("Django Admin
    Cookbook", "Key Takeaways": :func:`kb.ingest.people.not_a_name`) is neither. The detectors and the
    labellers' features keep the rules' reading, which the shipped models were trained on."""
    gone = {p.name for p in x.people if not_a_name(p.name, None if p.role == "speaker" else personname.MENTIONED)}
    if not gone:
        return
    x.people = [p for p in x.people if p.name not in gone]
    for t in x.talks:
        t.speakers = [s for s in t.speakers if s not in gone]


def _drop_empty_talks(x: Extraction, regions: list) -> list:
    """A talk left with neither a title nor a speaker (its "speaker" was no name, its title only that name) is
    nothing a reader could look up: it goes, and what it cited is cited by the post. Returns ``regions`` with
    their talks renumbered (a dropped talk's text belongs to no talk)."""
    keep = [k for k, t in enumerate(x.talks) if t.title or t.speakers]
    if len(keep) == len(x.talks):
        return regions
    new = {old: n for n, old in enumerate(keep)}
    x.talks = [x.talks[k] for k in keep]
    for c in x.citations:
        c.talk = new.get(c.talk) if c.talk is not None else None
    return [(span, new.get(owner)) for span, owner in regions]


def _talk_hits(blocks: list[Block], skip: set[int], event_hits) -> list[TalkHit]:
    exclude = {h.event.url for h in event_hits if h.event.url} | {h.event.name for h in event_hits}
    exclude |= {blocks[h.block].text[h.offset :].split("\n")[0] for h in event_hits}
    hits = (
        heading_talks(blocks, skip)
        + author_block_talks(blocks, skip)
        + table_talks(blocks, skip)
        + item_talks(blocks, skip)
    )
    taken = {h.block for h in hits if h.layout != "heading"}
    hits += prose_talks(blocks, skip, exclude, taken)
    hits += cued_in_blocks(blocks, skip, exclude, hits)
    hits.sort(key=lambda h: (h.block, h.offset))
    unique: list[TalkHit] = []
    titled = {normalise_title(h.title) for h in hits if h.title and h.layout != "cued"}
    for h in hits:
        if unique and unique[-1].block == h.block and unique[-1].offset == h.offset:
            continue
        if h.layout == "cued" and normalise_title(h.title) in titled:
            continue  # a heading's talk, titled from the sentence under it ("## Keynote: Grace Hopper")
        # A talk introduced by a heading/author line/list item and then told in prose
        # ("Petr Hrubý presented") is one talk.
        prev = unique[-1] if unique else None
        if (
            prev
            and h.layout == "prose"
            and h.block - prev.block <= 3
            and _same_people(h.speakers, prev.speakers)
            and not any(b.kind == "heading" for b in blocks[prev.block + 1 : h.block + 1])
        ):
            prev.title = prev.title or h.title
            prev.links += [u for u in h.links if u not in prev.links]
            prev.cited_in_intro += h.cited_in_intro
            continue
        unique.append(h)
    return unique


def _titles_from_heading_above(hits: list[TalkHit], blocks: list[Block]) -> None:
    """ "## Keynote: Can Models Forget?" then "Delivered by Jane Doe.": an untitled talk introduced in
    the first line under a heading takes the heading (kind prefix off) as its title, unless the
    heading introduces talks of its own."""
    at = {h.block for h in hits}
    for h in hits:
        j = h.block - 1
        if (
            h.title
            or "\n" in blocks[h.block].text[: h.offset]
            or j < 0
            or j in at
            or blocks[j].kind != "heading"
            or DATE.search(blocks[j].text)
        ):
            continue  # ("## Thursday" is a day, not a talk)
        end = next(
            (
                i
                for i in range(j + 1, len(blocks))
                if blocks[i].kind == "heading" and blocks[i].level <= blocks[j].level
            ),
            len(blocks),
        )
        if sum(1 for g in hits if j < g.block < end) > 1:
            continue  # a section holding several talks: its heading names the section, not this talk
        h.title = clean_title(strip_kind_prefix(blocks[j].text.strip()))


_TITLE_WAS = re.compile(r"\b(?:the\s+)?(?:title|talk title)\s+(?:was|is|:)\s*[\"“]([^\"”]{4,200})[\"”]", re.I)


def _titles_announced_later(hits: list[TalkHit], blocks: list[Block]) -> None:
    """'… a panel with A, B and C. Title was "Is SSL solved?"' — an untitled talk takes a title
    announced in the next sentences of its own paragraph (or the paragraph after a heading)."""
    for k, h in enumerate(hits):
        if h.title:
            continue
        nxt = (hits[k + 1].block, hits[k + 1].offset) if k + 1 < len(hits) else (len(blocks), 0)
        for j in (h.block, h.block + 1):
            if j >= len(blocks) or (j, 0) >= nxt or blocks[j].kind not in ("paragraph", "html", "item"):
                continue
            m = _TITLE_WAS.search(blocks[j].text, h.offset if j == h.block else 0)
            if m:
                h.title = m.group(1).strip()
                break


def _same_people(a: list[str], b: list[str]) -> bool:
    if not a or not b:
        return False
    others = [split_display(n) for n in b]
    return all(resolve(split_display(n), others)[0] is not None for n in a)


def _inside_a_talk(hits: list[TalkHit], blocks: list[Block]) -> list[TalkHit]:
    """A heading under a talk's heading ("## Let's subclass Hash by Michael Herold", then "### Indifferent
    access") is a part of that talk, not a talk of its own, unless it names a speaker too."""
    out: list[TalkHit] = []
    for h in hits:
        parent = next((p for p in reversed(out) if p.heading_level is not None), None)
        if (
            parent is not None
            and parent.speakers
            and h.heading_level is not None
            and h.heading_level > parent.heading_level
            and not h.speakers
            and not any(
                b.kind == "heading" and b.level <= parent.heading_level for b in blocks[parent.block + 1 : h.block]
            )
        ):
            continue
        out.append(h)
    return out


def _title_or_speaker(hits: list[TalkHit]) -> None:
    """A title holds no label or speaker's name ("Workshop 2: …", "… by Jane Doe", "Zach Holman: How Github
    Uses Github" → "How Github Uses Github", see ``tidy_title`` and ``without_speaker``); one phrase read
    as both the title and the speaker ("## Open Tracing", "## James Powell") is one of them: the speaker's
    name when it starts with a known given name (the heading names who spoke), else the title."""
    for h in hits:
        title, speakers = tidy_title(h.title, h.speakers)
        if speakers != h.speakers:
            h.speakers, h.spelled_speakers = speakers, list(speakers)
        # a "speaker" the name check will drop is part of the title: "Honey Onions: Exposing Snooping Tor HSDir
        # Relays" keeps its first two words (see _drop_non_names)
        h.title = without_speaker(title, [s for s in h.speakers + h.spelled_speakers if not not_a_name(s)])
        if not h.title:
            continue
        same = [s for s in h.speakers if " ".join(s.split()).lower() == " ".join(h.title.split()).lower()]
        if not same:
            continue
        if h.title.split()[0] in given_names():
            h.title = None
        else:
            keep = [k for k, s in enumerate(h.speakers) if s not in same]
            paired = len(h.spelled_speakers) == len(h.speakers)
            h.spelled_speakers = [h.spelled_speakers[k] for k in keep] if paired else []
            h.speakers = [h.speakers[k] for k in keep]


def _titles_from_cited_papers(hits: list[TalkHit], papers: list[ParsedReference]) -> None:
    """ "[Tianqi Chen](video) presented XGBoost [1]": an untitled talk by an author of a paper
    cited in the introducing sentence is about that paper."""
    by_marker = {p.marker: p for p in papers if p.marker}
    for h in hits:
        if not h.cited_in_intro:
            continue
        current = normalise_title(h.title) if h.title else ""
        for marker in h.cited_in_intro:
            paper = by_marker.get(marker)
            if not paper or not paper.title:
                continue
            if current and not normalise_title(paper.title).startswith(current):
                continue  # the talk has a title of its own
            speaker = split_display(h.speakers[0]) if h.speakers else None
            if speaker and resolve(speaker, paper.authors)[0] is not None:
                h.title = paper.title
                break


def _assign_events(hits: list[TalkHit], event_hits, blocks: list[Block]) -> None:
    """Each talk gets the event introduced last before it; "the second talk" after
    "talks from [A] and [B]" gets B."""
    for h in hits:
        before = [e for e in event_hits if (e.block, e.offset) <= (h.block, h.offset)]
        if not before:
            continue
        last = before[-1]
        # An event heading only covers the talks inside its section; an event named in the text of a
        # section ("## Monday — tutorials": "we went to the tutorial on X") only the talks of that section,
        # not Tuesday's keynote under the next heading of the same level.
        if blocks[last.block].kind == "heading":
            lvl = blocks[last.block].level
            closed = any(blocks[j].kind == "heading" and blocks[j].level <= lvl for j in range(last.block + 1, h.block))
            if closed or (h.heading_level is not None and h.heading_level <= lvl):
                continue
        elif (lvl := _section_level(blocks, last.block)) is not None and any(
            blocks[j].kind == "heading" and blocks[j].level <= lvl for j in range(last.block + 1, h.block + 1)
        ):
            continue
        group = [e for e in event_hits if e.group == last.group]
        if len(group) > 1:
            talks_since = [
                t for t in hits if (group[0].block, group[0].offset) <= (t.block, t.offset) <= (h.block, h.offset)
            ]
            n = h.ordinal if h.ordinal and h.ordinal > 0 else len(talks_since)
            chosen = group[min(n, len(group)) - 1]
        else:
            chosen = last
        h.event = chosen.event.name
        if not h.kind or h.kind == "talk":
            h.kind = chosen.event.kind


def _regions(
    hits: list[TalkHit], blocks: list[Block], ref_blocks: set[int]
) -> list[tuple[tuple[int, int], tuple[int, int]]]:
    """[(start, end)) in (block, offset) coordinates for each talk."""
    out = []
    for k, h in enumerate(hits):
        end = (hits[k + 1].block, hits[k + 1].offset) if k + 1 < len(hits) else (len(blocks), 0)
        anchor = h.heading_level if h.heading_level is not None else _section_level(blocks, h.block)
        for j in range(h.block + 1, end[0]):
            b = blocks[j]
            if j in ref_blocks or (b.kind == "heading" and (anchor is None or b.level <= anchor)):
                end = (j, 0)
                break
            if h.layout in ("prose", "authors", "heading") and _agenda_item(b):
                end = (j, 0)  # "**14:00** Posters …": the next item of the day, not more of this talk
                break
        out.append(((h.block, h.offset), end))
    return out


def _agenda_item(block: Block) -> bool:
    """A paragraph led by a bold time or label ("**14:00**", "**Tuesday.**") starts a new agenda item."""
    if block.kind != "paragraph" or not block.emphasis or block.emphasis[0][0] != 0 or block.bold:
        return False
    lead = block.text[: block.emphasis[0][1]].strip()
    return bool(
        re.fullmatch(
            r"\d{1,2}[:.h]\d{2}(?:\s*[-–]\s*\d{1,2}[:.h]\d{2})?|\d{1,2}\s*(?:am|pm)|"
            r"(?:mon|tue|wed|thu|fri|sat|sun)\w*\.?|day\s*\d+\.?",
            lead,
            re.I,
        )
    )


def _section_level(blocks: list[Block], i: int) -> int | None:
    for j in range(i, -1, -1):
        if blocks[j].kind == "heading":
            return blocks[j].level
    return None


def _talk_record(h: TalkHit, blocks: list[Block], region) -> Talk:
    (sb, so), (eb, eo) = region
    parts = []
    for j in range(sb, min(eb + 1, len(blocks))):
        b = blocks[j]
        if b.kind == "code" or (j == eb and eo == 0):
            continue
        text = b.text[so if j == sb else 0 : eo if j == eb else None].strip()
        if text and any(c.isalpha() for c in text):
            parts.append(text)
    title, kind = h.title, h.kind
    label = bare_kind_label(title)
    if label:  # "A. Keynote: Jane Doe": a label, not a title; the text may open with the quoted title
        rest = parts[0].split("\n", 1)[1] if parts and "\n" in parts[0] else "\n\n".join(parts[1:])
        title = quoted_title(rest)
        kind = kind if kind and kind not in ("talk", "other") else label
    return Talk(
        title=title,
        speakers=list(h.speakers),
        kind=kind or "other",
        event=h.event,
        links=list(dict.fromkeys(h.links)),
        summary="\n\n".join(parts),
        line=blocks[h.block].line,
        confidence=round(h.confidence, 2),
    )
