"""Talks a post tells only by who gave them: "Kirill Müller shared progress on profiling R", "Matt Rocklin's
talk on the SciPy ecosystem", "a session from Jesse Yates of Tesla". The labellers read talk heads, and the
sentence detectors want a talk noun and a title; a person the post names in such a sentence, who speaks at no
talk of the post, gave an untitled one (CONVENTIONS: its title is the annotator's phrase, which no reader
could reproduce; the speaker is what identifies it). Such talks are flagged low-confidence for review.
"""

from __future__ import annotations

import re
from functools import lru_cache

from kb.ingest.events import NOT_ATTENDED_FOLDED
from kb.ingest.lexicon import lexicon
from kb.ingest.markdown import Block
from kb.ingest.people import person_key
from kb.ingest.records import Extraction, Person, Talk
from kb.ingest.talks.assemble import unsure_talk
from kb.ingest.talks.hits import sentences

CONFIDENCE = 0.5  # below the review threshold (kb.ingest.talks.assemble.LOW_CONFIDENCE): a reader should look
_NOUNS = r"(?:talks?|keynotes?|presentations?|sessions?|lectures?|workshops?|tutorials?|panels?)"
_KINDS = ("keynote", "panel", "tutorial", "workshop")
_POSSESSIVE = re.compile(r"['’]s?\s*")
_BY = re.compile(r"\s*(?:[-–—,]\s*)?\bby\s+$")


@lru_cache(maxsize=1)
def _cues() -> tuple[re.Pattern[str], re.Pattern[str]]:
    verbs = "|".join(sorted(lexicon()["presenting_verb"]))
    after = (
        re.compile(  # what follows the name: "(Tesla) also shared", "of Ingram gave", "'s keynote", "'s excellent talk"
            rf"^\s*(?:\([^()]{{0,80}}\)\s*)?(?:,[^,.;]{{1,60}},\s*|\s(?:of|from|at)\s[^,.;()]{{1,50}}?\s)?"
            rf"(?:(?:also|then|first|next|later|finally)\s+)?"
            rf"(?:(?:{verbs})\b|talks?\s+(?:about|on)\b|['’]s?\s+(?:[\w-]+\s+){{0,2}}{_NOUNS}\b)",
            re.IGNORECASE,
        )
    )
    before = re.compile(
        rf"\b{_NOUNS}\s+(?:(?:given|delivered|presented|led)\s+)?(?:by|from|with|of)\s+$", re.IGNORECASE
    )
    return after, before


def presenter_talks(x: Extraction, blocks: list[Block], ref_blocks: set[int]) -> list[Talk]:
    """Untitled talks of the people ``x`` mentions in a sentence that says they presented (see the module);
    each person at most once, in reading order. Their role becomes "speaker", and each talk is a low-confidence
    problem of ``x`` (review lists it)."""
    after, before = _cues()
    speaking = {person_key(s) for t in x.talks for s in t.speakers}
    waiting = [p for p in x.people if p.role != "speaker" and person_key(p.name) not in speaking]
    if not waiting:
        return []
    found: list[tuple[int, int, Talk, Person]] = []
    for bi, block in enumerate(blocks):
        if bi in ref_blocks or block.quote or block.kind not in ("paragraph", "item", "html"):
            continue
        for person in list(waiting):
            talk = _told(person, block, after, before)
            if talk is not None:
                talk.line = block.line
                found.append((bi, len(found), talk, person))
                waiting.remove(person)
    out = []
    for _, _, talk, person in sorted(found, key=lambda f: f[:2]):
        person.role = "speaker"
        out.append(talk)
        x.problems.append(unsure_talk(CONFIDENCE, talk.title, talk.speakers, talk.line))
    return out


def _told(person: Person, block: Block, after: re.Pattern[str], before: re.Pattern[str]) -> Talk | None:
    text = block.text
    for form in dict.fromkeys([person.name, *person.aliases]):
        start = text.find(form)
        while start >= 0:
            end = start + len(form)
            a, b = next(((a, b) for a, b in sentences(text) if a <= start < b), (0, len(text)))
            sentence = text[a:b]
            by = _BY.search(text, a, start)
            title_before = (
                _title_ending(block, by.start()) if by else None
            )  # "**Computer Vision Using Go** by Ron Evans"
            titled = title_before or (_POSSESSIVE.match(text, end) and _named_title(block, end, min(b, end + 4)))
            if (titled or after.match(text[end:b]) or before.search(text[max(a, start - 40) : start])) and not (
                NOT_ATTENDED_FOLDED.search(sentence)
            ):
                low = sentence.lower()
                kind = next((k for k in _KINDS if k in low), "talk")
                return Talk(
                    title=title_before or _named_title(block, end, b),
                    speakers=[person.name],
                    kind=kind,
                    summary=sentence.strip(),
                    confidence=CONFIDENCE,
                )
            start = text.find(form, end)
    return None


_QUOTED = re.compile(r"[\"“]([^\"“”]{8,150})[\"”]")
_NEAR = 60  # characters between the cue and the title it names


def _named_title(block: Block, start: int, end: int) -> str | None:
    """The title the sentence gives right after the name: a quoted, emphasised or linked phrase ("Matt
    Rocklin's talk "Refactoring the SciPy Ecosystem""), else None."""
    return _first_title(block, _set_apart(block, start, min(end, start + _NEAR), end))


def _title_ending(block: Block, at: int) -> str | None:
    """An emphasised, quoted or linked phrase of two words or more that ends right before ``at``."""
    start = max(0, at - 160)
    return _first_title(block, [(s, e) for s, e in _set_apart(block, start, at, at) if at - 4 <= e <= at])


def _set_apart(block: Block, start: int, stop: int, limit: int) -> list[tuple[int, int]]:
    """The emphasised, linked and quoted phrases of ``block`` that start from ``start`` to before ``stop``, in
    order (a quoted one ends by ``limit``)."""
    spans = [(s, e) for s, e in block.emphasis if start <= s < stop]
    spans += [(s.start, s.end) for s in block.links if start <= s.start < stop and not s.image]
    spans += [(m.start(1), m.end(1)) for m in _QUOTED.finditer(block.text, start, limit) if m.start() < stop]
    return sorted(spans)


def _first_title(block: Block, spans: list[tuple[int, int]]) -> str | None:
    for s, e in spans:
        title = block.text[s:e].strip(' *_"“”')
        if len(title.split()) >= 2 and "://" not in title:
            return title
    return None
