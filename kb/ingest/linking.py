"""Citation linking and link records: which talk cites which paper, and where every link belongs.

A cite is attached to the talk whose text contains it (regions computed in
:mod:`kb.ingest.pipeline`), or to the talk a bold lead-in names; numbered,
footnote, key, pandoc and author-year cites find their paper by marker; paper
links and titles named in prose are cites too.
"""

from __future__ import annotations

import re

from rapidfuzz.distance import OSA

from kb.ingest.blocks import Block
from kb.ingest.citations import find_cites, sentence_at, title_in_text
from kb.ingest.identifiers import identifiers_from_url
from kb.ingest.links import classify_url, normalise_url
from kb.ingest.paper_meta import (
    apply_identifiers,
    author_from_label,
    clean_label,
    id_keys,
    looks_like_reference,
    not_a_surname,
    title_from_label,
)
from kb.ingest.people import (
    canonical_name,
    looks_like_person,
    person_key,
    split_display,
)
from kb.ingest.records import Citation, Extraction, Link, Name, ParsedReference, Problem, Talk
from kb.ingest.references import parse_cached
from kb.ingest.text import ascii_fold, normalise_title

Region = tuple[tuple[tuple[int, int], tuple[int, int]], int]  # ((start, end) in (block, offset)), talk index


def _in_region(region, block: int, offset: int) -> bool:
    (sb, so), (eb, eo) = region
    return (sb, so) <= (block, offset) < (eb, eo)


def _talk_at(regions, block: int, offset: int) -> int | None:
    """The talk whose text contains (block, offset): regions are (span, talk index) pairs."""
    for region, talk in regions:
        if _in_region(region, block, offset):
            return talk
    return None


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
    def last(name: str) -> str:  # "van den Oord" = "Oord": particles are kept or split off by the parser
        words = ascii_fold(name).lower().split()
        return words[-1] if words else ""

    fold = last(surname)
    hits = [
        i
        for i, p in enumerate(papers)
        if p.authors and p.year is not None and abs(p.year - year) <= 0 and last(p.authors[0].family) == fold
    ]
    if len(hits) > 1 and second:
        fold2 = last(second)
        hits = [i for i in hits if len(papers[i].authors) > 1 and last(papers[i].authors[1].family) == fold2]
    return hits[0] if len(hits) == 1 else None


def link_citations(x: Extraction, blocks: list[Block], ref_blocks: set[int], hits, regions) -> None:
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
        for k in id_keys(p):
            by_id.setdefault(k, i)
        if p.title:
            by_title.setdefault(normalise_title(p.title), i)
    dangling: set[str] = set()
    talk_keys = _talk_keys(x.talks)
    titles = [normalise_title(p.title) if p.title else "" for p in x.papers]
    numbered = any(p.marker and p.marker.strip("[]").isdigit() for p in x.papers)
    paren_style = numbered and not any(
        c.kind == "numeric" and (len(c.marker) < 6 or c.marker in index)  # "[2019]" is more likely a year
        for bi, b in enumerate(blocks)
        if bi not in ref_blocks and b.kind != "code"
        for c in find_cites(b.text)
    )
    for bi, block in enumerate(blocks):
        if bi in ref_blocks or block.kind == "code":
            continue
        lead = _lead_talk(block, talk_keys)
        links = [
            (span, identifiers_from_url(span.href), classify_url(span.href, span.label))
            for span in block.links
            if span.href and not span.image
        ]
        # "[He et al. 2018](arxiv…)": the link is the paper; its label is not a second, cited-only one
        paper_labels = [(span.start, span.end) for span, ids, kind in links if ids or kind == "paper"]
        # a heading's cites are not read, but "### [Paper title](arxiv…)" is a paper (the talk's own)
        for c in find_cites(block.text, paren_numbers=paren_style) if block.kind != "heading" else ():
            talk = lead if lead is not None else _talk_at(regions, bi, c.start)
            paper = index.get(c.marker)
            if paper is None and c.kind == "author_year" and c.surname and c.year:
                paper = _author_year(x.papers, c.surname, c.year, c.second)
            if paper is None and c.kind == "author_year":
                paper = _paper_after(x, c, block.text, by_id)
                titles += [""] * (len(x.papers) - len(titles))  # a paper it made has no title yet
            if (
                paper is None
                and c.kind == "author_year"
                and c.surname
                and c.year
                and not not_a_surname(c.surname)
                and not any(a <= c.start < b for a, b in paper_labels)
            ):
                paper = _cited_only(x, c, index)  # real notes cite "(Doe et al., 2019)" with no reference list
                titles.append("")
            if paper is not None:
                add(c.marker, paper, talk, block, c.start)
            elif x.papers and (c.kind == "footnote" or c.kind == "numeric" and len(c.marker) < 6):  # not "[2019]"
                dangling.add(c.marker)
        for span, ids, kind in links:
            title_key = normalise_title(span.label) if len(span.label.split()) >= 3 else ""
            paper = next((by_id[i.key] for i in ids if i.key in by_id), None)
            if paper is None and title_key in by_title:
                paper = by_title[title_key]
            if paper is None and kind == "paper":
                x.papers.append(_paper_from_link(span.href, span.label))
                titles.append(normalise_title(x.papers[-1].title) if x.papers[-1].title else "")
                paper = len(x.papers) - 1
                if x.papers[paper].title:
                    by_title.setdefault(normalise_title(x.papers[paper].title), paper)
            elif paper is not None and ids:
                apply_identifiers(x.papers[paper], span.href)  # a listed paper also linked: one paper, all its ids
            if paper is not None:
                for k in id_keys(x.papers[paper]):
                    by_id.setdefault(k, paper)
            if paper is not None:
                marker = span.href if kind == "paper" else x.papers[paper].marker or span.href
                add(marker, paper, lead if lead is not None else _talk_at(regions, bi, span.start), block, span.start)
        if block.kind == "heading":
            continue
        # A paper named by its title in the prose.
        if not any(p.title and p.marker for p in x.papers):
            continue  # (no paper to look for: the block's text is not normalised)
        norm = normalise_title(block.text)
        for i, p in enumerate(x.papers):
            if p.title and p.marker and title_in_text(titles[i], norm):
                pos = ascii_fold(block.text).lower().find(p.title.lower()[:20])
                add(p.marker, i, lead if lead is not None else _talk_at(regions, bi, max(pos, 0)), block, max(pos, 0))
    for marker in sorted(dangling):
        x.problems.append(Problem(f"citation {marker} has no matching reference"))


# "Chang et al., ICLR 2026 (arXiv:2509.01938)": the identifier right after a cite names its paper.
_ARXIV_AFTER = re.compile(r"[,;]?\s{0,2}\(?\s*arXiv\s*:\s*(\d{4}\.\d{4,5})(?!\d)", re.IGNORECASE)


def _paper_after(x: Extraction, c, text: str, by_id: dict[str, int]) -> int | None:
    """The paper of an arXiv identifier written right after an author-year cite (the one the post links
    elsewhere when it is known, else a new paper from the identifier, the cite giving its first author)."""
    m = _ARXIV_AFTER.match(text, c.start + len(c.marker))
    if not m:
        return None
    key = f"arxiv:{m.group(1)}"
    if key not in by_id:
        ref = _paper_from_link(f"https://arxiv.org/abs/{m.group(1)}", "")
        if not ref.authors and c.surname:
            ref.authors = [Name(family=c.surname)] + ([Name(family=c.second)] if c.second else [])
            ref.et_al = "et al" in c.marker
        ref.year = c.year or ref.year  # the cite's year (the venue's), not the preprint's
        x.papers.append(ref)
        for k in id_keys(x.papers[-1]):
            by_id.setdefault(k, len(x.papers) - 1)
    return by_id.get(key)


def _talk_keys(talks: list[Talk]) -> list[tuple[str, list[tuple[str, str]]]]:
    """Per talk: normalised title, and (normalised name, normalised family) of each speaker."""
    return [
        (
            normalise_title(t.title) if t.title else "",
            [(normalise_title(sp), normalise_title(split_display(sp).family)) for sp in t.speakers],
        )
        for t in talks
    ]


def _lead_talk(block: Block, keys: list[tuple[str, list[tuple[str, str]]]]) -> int | None:
    """ "**Tenney.** Tenney et al. (2019) run …": a bold lead-in naming a talk's speaker or
    title makes the paragraph part of that talk, wherever the talk was listed."""
    if block.kind != "paragraph" or not block.emphasis or block.emphasis[0][0] != 0:
        return None
    s, e = block.emphasis[0]
    lead = block.text[s:e].strip(" .:—–-")
    if not lead or len(lead) > 120 or e >= len(block.text.rstrip()) - 1:
        return None
    key = normalise_title(lead)

    def names_speaker(name: str, family: str) -> bool:
        return key in (name, family) or (len(key) >= 5 and OSA.distance(key, family) <= 1)

    found = [
        k
        for k, (title, speakers) in enumerate(keys)
        if (title and title.startswith(key) and len(key) >= 4) or any(names_speaker(*sp) for sp in speakers)
    ]
    return found[0] if len(found) == 1 else None


def _cited_only(x: Extraction, c, index: dict[str, int]) -> int:
    """A paper known only from an author-year cite: its first author's family name and year (the
    same cite again finds it); the cite text is its ref, as the conventions write it."""
    from kb.ingest.records import Name

    authors = [Name(family=c.surname)] + ([Name(family=c.second)] if c.second else [])
    ref = ParsedReference(
        raw=c.marker,
        marker=c.marker,
        authors=authors,
        et_al="et al" in c.marker,
        year=c.year,
        confidence=0.5,
        origin="cite",
    )
    x.papers.append(ref)
    index[c.marker] = len(x.papers) - 1
    return len(x.papers) - 1


def _paper_from_link(url: str, label: str) -> ParsedReference:
    """A paper known from a link: its identifiers and what they imply, the link text as title when it is
    one, "[Tong et al.](url)" as first author, a whole reference as link text parsed as one."""
    ref = ParsedReference(
        raw=f"[{label}]({url})", marker=url, url=url, title=title_from_label(label), confidence=0.5, origin="link"
    )
    who = author_from_label(label)
    if who:
        ref.authors, ref.et_al, ref.year = who
    elif ref.title is None and looks_like_reference(label):
        parsed = parse_cached(clean_label(label))
        if parsed.title and parsed.authors:
            ref.title, ref.authors, ref.et_al = parsed.title, parsed.authors, parsed.et_al
            ref.year, ref.venue = parsed.year, parsed.venue
    apply_identifiers(ref)
    if ref.arxiv_id and not ref.venue:
        ref.type, ref.venue = "article", f"arXiv preprint arXiv:{ref.arxiv_id}"
    return ref


def link_records(x: Extraction, blocks: list[Block], ref_blocks: set[int], hits, regions) -> None:
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
            x.links.append(
                Link(
                    url=url,
                    label=span.label,
                    kind=kind,
                    line=span.line,
                    empty=not url,
                    malformed=malformed,
                    schemeless=schemeless,
                    owner=owner,
                )
            )
