"""Talks a sentence names by their title, set apart next to a talk noun, without saying who spoke:
"The keynote for this day, titled *The Different Roads We Take*, …", "two great talks *Green threads
in Python* and *Async Web Apps with Sanic*", "the keynote **The Cloud Native Journey @Apple by Alena
Prokharchyk**". The sentence detectors need a speaker; these notes often name none (or only inside
the phrase), and real posts nobody here wrote tell many talks this way.
"""

from __future__ import annotations

import re

from kb.ingest.blocks import Block
from kb.ingest.events import NOT_ATTENDED_FOLDED
from kb.ingest.people import canonical_name, looks_like_person
from kb.ingest.prose import title_candidates
from kb.ingest.talks.hits import (
    TALK_NOUN_IN,
    TalkHit,
    intro_says_not_attended,
    make_hit,
    plain_sentence,
    sentences,
)

# the talk nouns that name one talk (a workshop or a session is more often an event than a talk)
_NOUN = r"(?P<noun>lightning\s+talks?|talks?|keynotes?|tutorials?|lectures?|presentations?|panels?)"
# "… talk *Title*", "… keynote, titled *Title*", "the last talk of the day was *Title*"
_BEFORE = re.compile(
    _NOUN + r"\b(?:[^.;:!?\"“”*_()\[\]]{0,30}?\b(?:was|were|is|titled|called|entitled|named)\b)?"
    r"\s*,?\s*(?:titled|called|entitled|named)?\s*[:,]?\s*[\"“'‘]?\s*$",
    re.IGNORECASE,
)
_TITLED = re.compile(r"\b(?:titled|called|entitled)\s*[:,]?\s*[\"“'‘]?\s*$", re.IGNORECASE)
# "*Title* talk", "“Title”, a keynote"
_AFTER = re.compile(r"^[\"”'’]?\s*,?\s*(?:(?:a|the|his|her|their)\s+)?" + _NOUN + r"\b", re.IGNORECASE)
# the next title of a run: "*A* and *B*", "*A*, *B*"
_AND = re.compile(r"^[\"”'’]?\s*(?:,|and|&|,\s*and)\s*[\"“'‘]?\s*$", re.IGNORECASE)
_BY = re.compile(r"^(?P<title>.{6,}?)\s+by\s+(?P<name>[^,;()]+?)\s*$")
_TITLE_START = re.compile(r"[\W_]*[A-Z0-9À-ÖØ-Þ]")
_KINDS = {"keynote": "keynote", "tutorial": "tutorial", "panel": "panel", "lightning": "session"}


def cued_talks(block: Block, i: int, a: int, b: int, exclude: set[str]) -> list[TalkHit]:
    """Speakerless talks (or with the speaker named in the phrase: "Title by Jane Doe") of the
    sentence ``block.text[a:b]``: each quoted, emphasised or linked phrase right after or right
    before a talk noun, and the phrases listed with it."""
    text = block.text
    hits: list[TalkHit] = []
    last_end = None
    kind = None
    for start, phrase, span in title_candidates(block, a, b, exclude):
        if span is not None or not _TITLE_START.match(phrase):
            continue  # a linked phrase is a paper or a page far more often than a talk; titles open in capitals
        end = start + len(phrase)
        while end < b and text[end] in "*_":
            end += 1
        before = text[max(a, start - 60) : start].rstrip("*_ ").rstrip() + " "
        m = _BEFORE.search(before) or _TITLED.search(before)
        after = _AFTER.match(text[end : min(b, end + 30)].lstrip("*_"))
        listed = last_end is not None and _AND.match(text[last_end:start].strip("*_ ") or ",")
        if not (m or after or listed):
            last_end = None
            continue
        noun = (m.groupdict().get("noun") if m else None) or (after.group("noun") if after else None)
        if noun:
            kind = _KINDS.get(noun.split()[0].lower().rstrip("s"))
        title, names = phrase.strip(" \"“”'‘’"), []
        by = _BY.match(title)
        if by and looks_like_person(by.group("name")):
            title, names = by.group("title"), [canonical_name(by.group("name"))]
        hit = make_hit(title, names, i, start, kind=kind, layout="cued", spelled=[by.group("name")] if names else None)
        if hit.title:
            hits.append(hit)
        last_end = end
    return hits


def cued_in_blocks(blocks: list[Block], skip: set[int], exclude: set[str], hits: list[TalkHit]) -> list[TalkHit]:
    """:func:`cued_talks` of every sentence of the paragraphs and list items that no other detector
    read a talk in (``hits``), the ones the author says they missed left out."""
    claimed = {h.block for h in hits if h.title}
    out: list[TalkHit] = []
    for i, block in enumerate(blocks):
        if i in skip or i in claimed or block.kind not in ("paragraph", "item") or block.quote:
            continue
        if not TALK_NOUN_IN(block.text) or (block.kind == "item" and intro_says_not_attended(blocks, i)):
            continue
        for a, b in sentences(block.text):
            if TALK_NOUN_IN(block.text[a:b]) and not NOT_ATTENDED_FOLDED.search(plain_sentence(block, a, b)):
                out += cued_talks(block, i, a, b, exclude)
    return out
