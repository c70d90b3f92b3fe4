"""People a post names: speakers, and people mentioned (linked, bracketed, with an honorific, or in prose),
resolved within the post and against the authors of its papers."""

from __future__ import annotations

import re

from kb.ingest.blocks import Block
from kb.ingest.links import classify_url
from kb.ingest.people import (
    NameIndex,
    canonical_name,
    given_names,
    has_honorific,
    looks_like_person,
    names_in_prose,
    person_key,
    resolve,
    split_display,
    strip_honorific,
)
from kb.ingest.records import Extraction, Person
from kb.ingest.talks.hits import TalkHit
from kb.ingest.text import normalise_title

_HONORIFIC_NAME = re.compile(
    r"\b(?:Prof(?:essor)?|Dr)\.?\s+([A-ZÀ-ÖØ-Þ][\w'’\-]+(?:\s+(?:[A-Z]\.|[A-ZÀ-ÖØ-Þ][\w'’\-]+)){0,3})"
)


def find_people(
    x: Extraction,
    blocks: list[Block],
    ref_blocks: set[int],
    hits: list[TalkHit],
    papers_named: dict[int, list[tuple[int, int]]] | None = None,
) -> None:
    """Speakers and mentioned people, resolved against the papers' authors. ``papers_named``: per
    block, spans of papers named in prose ("*Mindset* by Carol S. Dweck"); names in them are authors."""
    authors = NameIndex(a for p in x.papers for a in p.authors)
    titles = {normalise_title(p.title) for p in x.papers if p.title}
    people: dict[str, Person] = {}
    known = NameIndex()  # the people found so far, by their display name
    by_name: dict[str, str] = {}  # display name → key in ``people``

    def add(name: str, spelled: str, role: str, url: str | None) -> str:
        cand = split_display(name)
        author, ambiguous = authors.resolve(cand)
        canonical = name
        if author is not None and re.search(r"[^\W\d_]{2}", author.given):
            canonical = author.full
        key = person_key(canonical)
        existing = people.get(key)
        if existing is None:
            for other in known.candidates(cand):  # in the order they were found: the first match wins
                if resolve(cand, [other])[0] is not None:
                    key = by_name[other.full]
                    existing = people[key]
                    break
        if existing is None:
            existing = people[key] = Person(name=canonical, role=role, url=url)
            known.add(split_display(canonical))
            by_name[split_display(canonical).full] = key
        if role == "speaker":
            existing.role = "speaker"
        existing.url = existing.url or url
        if spelled and spelled != existing.name and spelled not in existing.aliases:
            existing.aliases.append(spelled)
            if existing.spelled_in_post is None:
                existing.spelled_in_post = spelled
        if ambiguous:
            existing.candidates = sorted({a.full for a in ambiguous})
        return existing.name

    speaker_urls = _speaker_urls(blocks, hits)
    for h, talk in zip(hits, x.talks, strict=False):
        spelled = h.spelled_speakers or h.speakers
        talk.speakers = [
            add(n, s, "speaker", speaker_urls.get(person_key(n))) for n, s in zip(h.speakers, spelled, strict=False)
        ]
    for bi, block in enumerate(blocks):
        if bi in ref_blocks or block.kind == "code":
            continue
        for span in block.links:
            if span.image or not looks_like_person(span.label):
                continue
            if not (span.bracketed or has_honorific(span.label) or (span.href and _homepage_like(span))):
                continue
            add(
                canonical_name(span.label),
                strip_honorific(span.label) if not has_honorific(span.label) else span.label.strip(),
                "mentioned",
                span.href or None,
            )
        for m in _HONORIFIC_NAME.finditer(block.text):
            if looks_like_person(m.group(0)):
                add(canonical_name(m.group(0)), m.group(0), "mentioned", None)
        if block.kind in ("paragraph", "item", "html", "row"):
            # Names inside links to papers ("[Song and Ermon](arxiv)") are authors, not mentions.
            skip = [(s.start, s.end) for s in block.links if s.href and classify_url(s.href, s.label) == "paper"]
            # Emphasised phrases are titles and author lines, not mentions, unless one is just a name with a
            # known given name inside running text ("my work with **Marco Valtorta**, **Lincoln Lu** …").
            skip += [(a, b) for a, b in block.emphasis if not _bold_name(block.text, a, b)]
            skip += (papers_named or {}).get(bi, [])
            if x.papers:  # a byline belongs to one of the post's papers: without papers there is none
                prev = blocks[bi - 1].text.rsplit("\n", 1)[-1] if bi else ""
                skip += _bylines(block.text, authors, titles, _names_title(prev, titles))
            for name, _ in names_in_prose(block.text, authors, skip):
                add(canonical_name(name), name, "mentioned", None)
    x.people = list(people.values())


_AFFILIATION = re.compile(r"\([^()]*\)")  # no leading \s*: a long run of spaces would cost O(n²)
_NAME_SEP = re.compile(r",|;|&|\band\b")


def _names_title(line: str, titles: set[str]) -> bool:
    """Is ``line`` a paper's title, maybe with a venue or label beside it ("Title (TACL)")?"""
    if not titles:
        return False
    norm = normalise_title(line)
    n = len(norm)
    return bool(norm) and any(2 * len(t) >= n and t in norm for t in titles)


def _bylines(text: str, authors: NameIndex, titles: set[str], under_title: bool) -> list[tuple[int, int]]:
    """Lines that only list a paper's authors: names (with affiliations) that are authors of the post's
    papers ("Karl Stratos, Michael Collins and Daniel Hsu"), or any names on the lines right under a
    paper's title ("[Better Transfer Learning …](…)" then "Tamas Madarasz (University of Oxford)").
    They are a byline, not people the post mentions."""
    out = []
    start = 0
    for line in text.split("\n"):
        end = start + len(line)
        bare = _AFFILIATION.sub("", line).strip(" \t*_\\-")
        parts = [q for q in (p.strip() for p in _NAME_SEP.split(bare)) if q]
        names = bool(parts) and all(looks_like_person(p) for p in parts)
        if names and (under_title or all(authors.resolve(split_display(p))[0] is not None for p in parts)):
            out.append((start, end))
        else:
            under_title = _names_title(line, titles)
        start = end + 1
    return out


def _bold_name(text: str, start: int, end: int) -> bool:
    """Is ``text[start:end]``, an emphasised phrase, a person's name amid other words of its block?"""
    name = text[start:end].strip()
    words = name.split()
    rest = (text[:start] + text[end:]).strip(" \t*_:-–—")
    return 2 <= len(words) <= 3 and words[0] in given_names() and looks_like_person(name) and len(rest.split()) >= 3


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
                person_key(canonical_name(s)) == key for s in h.spelled_speakers
            ):
                out.setdefault(person_key(h.speakers[0]) if len(h.speakers) == 1 else key, span.href)
    return out
