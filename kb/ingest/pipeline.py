"""The whole extraction of one post: text in, :class:`Extraction` out, no I/O.

Stages (each its own module, each testable alone):
front matter → markdown walk → references → events → talks → citations →
people → links → conference.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from rapidfuzz.distance import OSA

from kb.errors import BadInput
from kb.ingest.citations import find_cites, sentence_at, title_in_text
from kb.ingest.conference import detect_conference
from kb.ingest.frontmatter import front_matter_date, is_draft, split_front_matter
from kb.ingest.links import GENERIC_LABELS, classify_url, normalise_url, paper_id_from_url
from kb.ingest.markdown import Block, walk
from kb.ingest.people import (canonical_name, has_honorific, looks_like_person, names_in_prose, person_key, resolve,
                              split_display, strip_honorific)
from kb.ingest.records import Citation, Event, Extraction, Link, ParsedReference, Person, Problem, Talk
from kb.ingest.references import find_references, parse_entries
from kb.ingest.events import find_events
from kb.ingest.talks import TalkHit, author_block_talks, heading_talks, item_talks, prose_talks, table_talks
from kb.ingest.text import ascii_fold, normalise_title

_HONORIFIC_NAME = re.compile(
    r"\b(?:Prof(?:essor)?|Dr)\.?\s+([A-ZÀ-ÖØ-Þ][\w'’\-]+(?:\s+(?:[A-Z]\.|[A-ZÀ-ÖØ-Þ][\w'’\-]+)){0,3})"
)


MAX_TEXT = 256 * 1024  # characters: some stages grow faster than linearly with size (kb.importer.MAX_POST_BYTES)


def extract(text: str, source: str = "<post>") -> Extraction:
    """Extract everything from one post's text. Raises only :class:`kb.errors.BadInput` (too long, broken front matter)."""
    if len(text) > MAX_TEXT:
        raise BadInput(source, f"post is longer than {MAX_TEXT // 1024} Ki characters, too big to extract (split it)")
    fm, body, offset = split_front_matter(text, source)
    blocks = walk(body, offset)
    x = Extraction(source=source, front_matter=fm, text=body)
    x.title = str(fm.get("title")).strip() if fm.get("title") else _first_heading(blocks)
    x.date = front_matter_date(fm)
    x.draft = is_draft(fm)

    raw_refs, bibtex_blocks, ref_blocks = find_references(blocks)
    x.papers, problems = parse_entries(raw_refs, bibtex_blocks, source)
    x.problems.extend(problems)

    event_hits = find_events(blocks, ref_blocks)
    x.events = _unique_events([h.event for h in event_hits])
    hits = _talk_hits(blocks, ref_blocks, event_hits)
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

    _link_citations(x, blocks, ref_blocks, hits, regions)
    _people(x, blocks, ref_blocks, [hits[k] for k in main])
    _links(x, blocks, ref_blocks, hits, regions)
    year = int(x.date[:4]) if x.date else None
    x.conference = detect_conference(fm, blocks, year)
    if not x.talks:
        x.problems.append(Problem("no talks found in this post", severity="info"))
    return x


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


# ------------------------------------------------------------------ talks


def _talk_hits(blocks: list[Block], skip: set[int], event_hits) -> list[TalkHit]:
    exclude = {h.event.url for h in event_hits if h.event.url} | {h.event.name for h in event_hits}
    exclude |= {blocks[h.block].text[h.offset:].split("\n")[0] for h in event_hits}
    hits = heading_talks(blocks, skip) + author_block_talks(blocks, skip) + table_talks(blocks, skip) + item_talks(blocks, skip)
    taken = {h.block for h in hits if h.layout != "heading"}
    hits += prose_talks(blocks, skip, exclude, taken)
    hits.sort(key=lambda h: (h.block, h.offset))
    unique: list[TalkHit] = []
    for h in hits:
        if unique and unique[-1].block == h.block and unique[-1].offset == h.offset:
            continue
        # A talk introduced by a heading/author line/list item and then told in prose
        # ("Petr Hrubý presented") is one talk.
        prev = unique[-1] if unique else None
        if prev and h.layout == "prose" and h.block - prev.block <= 3 and _same_people(h.speakers, prev.speakers) \
                and not any(b.kind == "heading" for b in blocks[prev.block + 1:h.block + 1]):
            prev.title = prev.title or h.title
            prev.links += [u for u in h.links if u not in prev.links]
            prev.cited_in_intro += h.cited_in_intro
            continue
        unique.append(h)
    return unique


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


def _titles_from_cited_papers(hits: list[TalkHit], papers: list[ParsedReference]) -> None:
    """"[Tianqi Chen](video) presented XGBoost [1]": an untitled talk by an author of a paper
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
        # An event heading only covers the talks inside its section.
        if blocks[last.block].kind == "heading":
            lvl = blocks[last.block].level
            closed = any(blocks[j].kind == "heading" and blocks[j].level <= lvl for j in range(last.block + 1, h.block))
            if closed or (h.heading_level is not None and h.heading_level <= lvl):
                continue
        group = [e for e in event_hits if e.group == last.group]
        if len(group) > 1:
            talks_since = [t for t in hits if (group[0].block, group[0].offset) <= (t.block, t.offset) <= (h.block, h.offset)]
            n = h.ordinal if h.ordinal and h.ordinal > 0 else len(talks_since)
            chosen = group[min(n, len(group)) - 1]
        else:
            chosen = last
        h.event = chosen.event.name
        if not h.kind or h.kind == "talk":
            h.kind = chosen.event.kind


def _regions(hits: list[TalkHit], blocks: list[Block], ref_blocks: set[int]) -> list[tuple[tuple[int, int], tuple[int, int]]]:
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
    return bool(re.fullmatch(r"\d{1,2}[:.h]\d{2}(?:\s*[-–]\s*\d{1,2}[:.h]\d{2})?|\d{1,2}\s*(?:am|pm)|"
                             r"(?:mon|tue|wed|thu|fri|sat|sun)\w*\.?|day\s*\d+\.?", lead, re.I))


def _section_level(blocks: list[Block], i: int) -> int | None:
    for j in range(i, -1, -1):
        if blocks[j].kind == "heading":
            return blocks[j].level
    return None


def _in_region(region, block: int, offset: int) -> bool:
    (sb, so), (eb, eo) = region
    return (sb, so) <= (block, offset) < (eb, eo)


def _talk_record(h: TalkHit, blocks: list[Block], region) -> Talk:
    (sb, so), (eb, eo) = region
    parts = []
    for j in range(sb, min(eb + 1, len(blocks))):
        b = blocks[j]
        if b.kind == "code" or (j == eb and eo == 0):
            continue
        text = b.text[so if j == sb else 0:eo if j == eb else None].strip()
        if text and any(c.isalpha() for c in text):
            parts.append(text)
    return Talk(title=h.title, speakers=list(h.speakers), kind=h.kind or "other", event=h.event,
                links=list(dict.fromkeys(h.links)), summary="\n\n".join(parts), line=blocks[h.block].line)


# ------------------------------------------------------------------ citations


def _paper_index(papers: list[ParsedReference]) -> dict[str, int]:
    """Every marker a paper answers to: ``[3]`` (also ``(3)``), ``[^n]``, ``[key]`` and ``[@key]``."""
    index: dict[str, int] = {}
    for i, p in enumerate(papers):
        if p.marker:
            index.setdefault(p.marker, i)
            index.setdefault("[@" + p.marker.strip("[]").lstrip("@") + "]", i)
        if p.citekey:
            index.setdefault(f"[{p.citekey}]", i)
            index.setdefault(f"[@{p.citekey}]", i)
    return index


def _author_year(papers: list[ParsedReference], surname: str, year: int, second: str | None) -> int | None:
    fold = ascii_fold(surname).lower()
    hits = [i for i, p in enumerate(papers) if p.authors and p.year is not None and abs(p.year - year) <= 0
            and ascii_fold(p.authors[0].family).lower() == fold]
    if len(hits) > 1 and second:
        fold2 = ascii_fold(second).lower()
        hits = [i for i in hits if len(papers[i].authors) > 1 and ascii_fold(papers[i].authors[1].family).lower() == fold2]
    return hits[0] if len(hits) == 1 else None


def _talk_at(regions, block: int, offset: int) -> int | None:
    """The talk whose text contains (block, offset): regions are (span, talk index) pairs."""
    for region, talk in regions:
        if _in_region(region, block, offset):
            return talk
    return None


def _mark_continuations(hits: list[TalkHit]) -> None:
    """"| Keynote: *Why AI Is Harder* | Melanie Mitchell |" then "Melanie Mitchell's keynote was about …":
    prose about the speakers of a talk listed earlier (table, list, heading) goes on about that talk."""
    for k, h in enumerate(hits):
        if h.layout != "prose" or h.continues is not None:
            continue
        for j in range(k):
            g = hits[j]
            if g.layout != "prose" and g.continues is None and g.title and _same_people(h.speakers, g.speakers) \
                    and (h.kind is None or g.kind is None or h.kind == g.kind or h.kind in ("talk", "keynote")):
                h.continues = j
                break


def _owners(hits: list[TalkHit]) -> tuple[list[int], list[int]]:
    """(talk index of every hit, hit indices that are talks of their own)."""
    main = [k for k, h in enumerate(hits) if h.continues is None]
    index = {k: n for n, k in enumerate(main)}
    return [index[h.continues] if h.continues is not None else index[k] for k, h in enumerate(hits)], main


def _link_citations(x: Extraction, blocks: list[Block], ref_blocks: set[int], hits, regions) -> None:
    index = _paper_index(x.papers)
    seen: set[tuple[int | None, str, int]] = set()

    def add(marker: str, paper: int, talk: int | None, block: Block, offset: int) -> None:
        key = (talk, marker, paper)
        if key in seen:
            return
        seen.add(key)
        x.citations.append(Citation(marker, x.papers[paper].key, talk, sentence_at(block.text, offset), block.line))
        if talk is not None and marker not in x.talks[talk].cites:
            x.talks[talk].cites.append(marker)

    by_id: dict[str, int] = {}
    by_title: dict[str, int] = {}
    for i, p in enumerate(x.papers):
        if p.arxiv_id:
            by_id[f"arxiv:{p.arxiv_id}"] = i
        if p.doi:
            by_id[f"doi:{p.doi.lower()}"] = i
        if p.title:
            by_title.setdefault(normalise_title(p.title), i)
    dangling: set[str] = set()
    titles = [normalise_title(p.title) if p.title else "" for p in x.papers]
    numbered = any(p.marker and p.marker.strip("[]").isdigit() for p in x.papers)
    paren_style = numbered and not any(
        c.kind == "numeric" for bi, b in enumerate(blocks) if bi not in ref_blocks and b.kind != "code"
        for c in find_cites(b.text))
    for bi, block in enumerate(blocks):
        if bi in ref_blocks or block.kind in ("code", "heading"):
            continue
        lead = _lead_talk(block, x.talks)
        for c in find_cites(block.text, paren_numbers=paren_style):
            talk = lead if lead is not None else _talk_at(regions, bi, c.start)
            paper = index.get(c.marker)
            if paper is None and c.kind == "author_year" and c.surname and c.year:
                paper = _author_year(x.papers, c.surname, c.year, c.second)
            if paper is not None:
                add(c.marker, paper, talk, block, c.start)
            elif c.kind in ("numeric", "footnote") and x.papers:
                dangling.add(c.marker)
        for span in block.links:
            if span.image or not span.href:
                continue
            ident = paper_id_from_url(span.href)
            kind = classify_url(span.href, span.label)
            title_key = normalise_title(span.label) if len(span.label.split()) >= 3 else ""
            paper = None
            if ident:
                paper = by_id.get(f"{ident[0]}:{ident[1].lower() if ident[0] == 'doi' else ident[1]}")
            if paper is None and title_key in by_title:
                paper = by_title[title_key]
            if paper is None and kind == "paper":
                ref = _paper_from_link(span.href, span.label, ident)
                x.papers.append(ref)
                titles.append(normalise_title(ref.title) if ref.title else "")
                paper = len(x.papers) - 1
                if ident:
                    by_id[f"{ident[0]}:{ident[1].lower() if ident[0] == 'doi' else ident[1]}"] = paper
                if ref.title:
                    by_title.setdefault(normalise_title(ref.title), paper)
            if paper is not None:
                marker = span.href if kind == "paper" else x.papers[paper].marker or span.href
                add(marker, paper, lead if lead is not None else _talk_at(regions, bi, span.start), block, span.start)
        # A paper named by its title in the prose.
        norm = normalise_title(block.text)
        for i, p in enumerate(x.papers):
            if p.title and p.marker and title_in_text(titles[i], norm):
                pos = ascii_fold(block.text).lower().find(p.title.lower()[:20])
                add(p.marker, i, lead if lead is not None else _talk_at(regions, bi, max(pos, 0)), block, max(pos, 0))
    for marker in sorted(dangling):
        x.problems.append(Problem(f"citation {marker} has no matching reference"))


def _lead_talk(block: Block, talks: list[Talk]) -> int | None:
    """"**Tenney.** Tenney et al. (2019) run …": a bold lead-in naming a talk's speaker or
    title makes the paragraph part of that talk, wherever the talk was listed."""
    if block.kind != "paragraph" or not block.emphasis or block.emphasis[0][0] != 0:
        return None
    s, e = block.emphasis[0]
    lead = block.text[s:e].strip(" .:—–-")
    if not lead or len(lead) > 120 or e >= len(block.text.rstrip()) - 1:
        return None
    key = normalise_title(lead)

    def names_speaker(sp: str) -> bool:
        family = normalise_title(split_display(sp).family)
        return key in (normalise_title(sp), family) or (len(key) >= 5 and OSA.distance(key, family) <= 1)

    found = [k for k, t in enumerate(talks)
             if (t.title and normalise_title(t.title).startswith(key) and len(key) >= 4)
             or any(names_speaker(sp) for sp in t.speakers)]
    return found[0] if len(found) == 1 else None


def _paper_from_link(url: str, label: str, ident) -> ParsedReference:
    label = label.strip()
    title = None
    bare = re.sub(r"^(?:this|the|that|our|their|his|her|a|an|original|full)\s+", "", label.lower())
    if label and bare not in GENERIC_LABELS and not re.search(r"\bet al\b|^https?://|^\[?\d+\]?$", label) \
            and len(label.split()) >= 2 and not looks_like_person(label):
        title = label.rstrip(".")
    ref = ParsedReference(raw=f"[{label}]({url})", marker=url, url=url, title=title, confidence=0.5, origin="link")
    if ident and ident[0] == "arxiv":
        ref.arxiv_id, ref.type, ref.venue = ident[1], "article", f"arXiv preprint arXiv:{ident[1]}"
    elif ident and ident[0] == "doi":
        ref.doi = ident[1]
    m = re.search(r"\b([A-Z][\w'’\-]+) et al\.?", label)
    if m:
        from kb.ingest.records import Name

        ref.authors, ref.et_al = [Name(family=m.group(1))], True
    return ref


# ------------------------------------------------------------------ people


@dataclass
class _Seen:
    name: str
    spelled: str
    url: str | None
    role: str


def _people(x: Extraction, blocks: list[Block], ref_blocks: set[int], hits: list[TalkHit]) -> None:
    """Speakers and mentioned people, resolved against the papers' authors."""
    authors = [a for p in x.papers for a in p.authors]
    people: dict[str, Person] = {}

    def add(name: str, spelled: str, role: str, url: str | None) -> str:
        cand = split_display(name)
        idx, ambiguous = resolve(cand, authors)
        canonical = name
        if idx is not None and re.search(r"[^\W\d_]{2}", authors[idx].given):
            canonical = authors[idx].full
        key = person_key(canonical)
        existing = people.get(key)
        if existing is None:
            for k, p in people.items():
                j, _ = resolve(cand, [split_display(p.name)])
                if j is not None:
                    key, existing = k, p
                    break
        if existing is None:
            existing = people[key] = Person(name=canonical, role=role, url=url)
        if role == "speaker":
            existing.role = "speaker"
        existing.url = existing.url or url
        if spelled and spelled != existing.name and spelled not in existing.aliases:
            existing.aliases.append(spelled)
            if existing.spelled_in_post is None:
                existing.spelled_in_post = spelled
        if ambiguous:
            existing.candidates = sorted({authors[i].full for i in ambiguous})
        return existing.name

    speaker_urls = _speaker_urls(blocks, hits)
    for h, talk in zip(hits, x.talks):
        spelled = h.spelled_speakers or h.speakers
        talk.speakers = [add(n, s, "speaker", speaker_urls.get(person_key(n))) for n, s in zip(h.speakers, spelled)]
    for bi, block in enumerate(blocks):
        if bi in ref_blocks or block.kind == "code":
            continue
        for span in block.links:
            if span.image or not looks_like_person(span.label):
                continue
            if not (span.bracketed or has_honorific(span.label) or (span.href and _homepage_like(span))):
                continue
            add(canonical_name(span.label), strip_honorific(span.label) if not has_honorific(span.label)
                else span.label.strip(), "mentioned", span.href or None)
        for m in _HONORIFIC_NAME.finditer(block.text):
            if looks_like_person(m.group(0)):
                add(canonical_name(m.group(0)), m.group(0), "mentioned", None)
        if block.kind in ("paragraph", "item", "html", "row"):
            # Names inside links to papers ("[Song and Ermon](arxiv)") are authors, not mentions.
            skip = [(s.start, s.end) for s in block.links if s.href and classify_url(s.href, s.label) == "paper"]
            skip += block.emphasis  # emphasised phrases are titles and author lines, not mentions
            for name, _ in names_in_prose(block.text, authors, skip):
                add(canonical_name(name), name, "mentioned", None)
    x.people = list(people.values())


def _homepage_like(span) -> bool:
    return classify_url(span.href, span.label, person_label=True) == "homepage"


def _speaker_urls(blocks: list[Block], hits: list[TalkHit]) -> dict[str, str]:
    out: dict[str, str] = {}
    for h in hits:
        block = blocks[h.block]
        for span in block.links:
            if span.image or not span.href or not looks_like_person(span.label):
                continue
            if classify_url(span.href, span.label, person_label=True) != "homepage":
                continue
            key = person_key(canonical_name(span.label))
            if any(person_key(s) == key for s in h.speakers) or any(
                    person_key(canonical_name(s)) == key for s in h.spelled_speakers):
                out.setdefault(person_key(h.speakers[0]) if len(h.speakers) == 1 else key, span.href)
    return out


# ------------------------------------------------------------------ links


def _links(x: Extraction, blocks: list[Block], ref_blocks: set[int], hits, regions) -> None:
    people_keys = {person_key(a) for p in x.people for a in [p.name, *p.aliases]}
    event_urls = {e.url: e.name for e in x.events if e.url}
    for bi, block in enumerate(blocks):
        for span in block.links:
            if span.bracketed:
                continue
            url, schemeless = normalise_url(span.href)
            malformed = span.raw_href != span.href and ("%5B" in span.raw_href or "](" in span.raw_href)
            person = looks_like_person(span.label) and person_key(canonical_name(span.label)) in people_keys
            kind = classify_url(url, span.label, image=span.image, person_label=person) if url else "other"
            owner = "post"
            talk = _talk_at(regions, bi, span.start)
            if bi in ref_blocks:
                owner = "paper"
            elif person:
                owner = f"person:{canonical_name(span.label)}"
            elif url in event_urls:
                owner = f"event:{event_urls[url]}"
            elif talk is not None and kind in ("slides", "video", "code"):
                owner = f"talk:{talk}"
            x.links.append(Link(url=url, label=span.label, kind=kind, line=span.line, empty=not url,
                                malformed=malformed, schemeless=schemeless, owner=owner))
