"""Papers named in prose become papers of the post, cited by the talk whose text names them.

A mention that spells the title of a paper the post already has (reference entry, paper link, an
earlier mention) cites that paper; otherwise it is a new paper whose ref is ``text:<mention>``, as
the conventions write papers known only from the prose.
"""

from __future__ import annotations

from rapidfuzz import fuzz

from kb.ingest.citations import sentence_at
from kb.ingest.markdown import Block
from kb.ingest.papers.tagger import Mention, find_mentions
from kb.ingest.records import Citation, Extraction, ParsedReference
from kb.ingest.text import normalise_title

SAME_TITLE = 90  # rapidfuzz ratio of normalised titles


def _same(a: str, b: str) -> bool:
    return bool(a) and bool(b) and fuzz.ratio(a, b) >= SAME_TITLE


def link_mentions(
    x: Extraction, blocks: list[Block], ref_blocks: set[int], talk_at
) -> tuple[dict[int, set[str]], dict[int, list[tuple[int, int]]]]:
    """``talk_at(block, offset)``: index of the talk whose text holds that position, or None.

    Returns, per talk, the names that are only the byline of a paper named in the talk's body
    ("… the book *Refactoring* by Martin Fowler": authors, not speakers), and per block the spans of
    the mentions (names inside them are paper authors, not people the post mentions)."""
    bylines: dict[int, set[str]] = {}
    spans: dict[int, list[tuple[int, int]]] = {}
    titles = [normalise_title(p.title) if p.title else "" for p in x.papers]
    cited = {(c.talk, c.paper_key) for c in x.citations}
    for m in find_mentions(blocks, ref_blocks):
        key = normalise_title(m.title)
        if len(key) < 4:
            continue
        spans.setdefault(m.block, []).append(m.span)
        paper = next((i for i, t in enumerate(titles) if _same(key, t)), None)
        if paper is None:
            paper = _cite_of(x.papers, m)  # "Title (Doe et al., 2019)": the cite's paper gets the title
            if paper is not None:
                x.papers[paper].title = m.title
                titles[paper] = key
        if paper is None:
            x.papers.append(_paper(m))
            titles.append(key)
            paper = len(x.papers) - 1
        ref = x.papers[paper]
        talk = talk_at(m.block, m.start)
        if talk is not None and m.line != x.talks[talk].line:
            bylines.setdefault(talk, set()).update(f"{a.given} {a.family}".strip() for a in m.authors)
        if (talk, ref.key) in cited:
            continue
        cited.add((talk, ref.key))
        x.citations.append(Citation(ref.key, ref.key, talk, sentence_at(blocks[m.block].text, m.start), m.line))
        if talk is not None and ref.key not in x.talks[talk].cites:
            x.talks[talk].cites.append(ref.key)
    return bylines, spans


def _cite_of(papers: list[ParsedReference], m: Mention) -> int | None:
    """A titleless paper known from an author-year cite with the mention's first author and year."""
    if not m.authors or m.year is None:
        return None
    family = m.authors[0].family.lower()
    return next(
        (
            i
            for i, p in enumerate(papers)
            if p.origin == "cite"
            and not p.title
            and p.year == m.year
            and p.authors
            and p.authors[0].family.lower() == family
        ),
        None,
    )


def _paper(m: Mention) -> ParsedReference:
    return ParsedReference(
        raw=m.text,
        marker=f"text:{m.text}",
        authors=list(m.authors),
        et_al=m.et_al,
        title=m.title,
        year=m.year,
        type="book" if m.book else "misc",
        confidence=m.confidence,
        origin="mention",
    )
