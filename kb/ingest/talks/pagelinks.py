"""Talks a post names by a link to their page on the conference's site: "[You too could've made
curl](https://fosdem.org/2024/schedule/event/…-you-too-could-ve-made-curl/)", "[Marketing for developers]
(http://droidcon.de/en/sessions/marketing-developers-…)". The link's text is the talk's title when the
address is a talk, session or schedule page whose last part spells the same words; the labellers read such a
link as a line of notes when it sits in prose or in a list of other things. Flagged low-confidence for review.
"""

from __future__ import annotations

import re
from urllib.parse import unquote

from rapidfuzz import fuzz

from kb.ingest.markdown import Block
from kb.ingest.people import person_key
from kb.ingest.records import Extraction, Person, Talk
from kb.ingest.talks.assemble import unsure_talk
from kb.ingest.talks.presenters import CONFIDENCE
from kb.ingest.talks.titles import bare_kind_label, speakers_named, tidy_title
from kb.ingest.text import normalise_title

_PAGE = re.compile(
    r"/(?:talks?|sessions?|speakers?|schedule|program(?:me)?|presentations?|events?|agenda|proposals?|sched)/",
    re.IGNORECASE,
)
_NOT_A_TALK = re.compile(  # a track's, a room's or a day's page, a file (slides, a paper)
    r"/(?:tracks?|rooms?|tags?|days?|categor(?:y|ies))/|\.(?:pdf|pptx?|key|odp|mp4|zip)$", re.IGNORECASE
)
_WORD = re.compile(r"[a-z0-9]+")
_STOP = frozenset({"a", "an", "the", "of", "and", "or", "in", "on", "for", "to", "with", "at", "by", "from", "is"})
_SAME = 90  # rapidfuzz ratio of normalised titles above which a linked title is a talk the post has already


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOP]


def linked_talks(x: Extraction, blocks: list[Block], ref_blocks: set[int]) -> list[Talk]:
    """Talks named by a link to their page (see the module) that ``x`` does not have yet, in reading order; their
    speakers, when the link's text names them ("Miriam Forner: Why communication …"), join ``x.people``."""
    titles = [normalise_title(t.title) for t in x.talks if t.title]
    out: list[Talk] = []
    for bi, block in enumerate(blocks):
        if bi in ref_blocks or block.kind == "code":
            continue
        for span in block.links:
            path = span.href.split("?")[0].split("#")[0].rstrip("/") if span.href else ""
            if span.image or not _PAGE.search(path) or _NOT_A_TALK.search(path):
                continue
            label = " ".join(span.label.split()).strip(" \"“”'‘’*_")
            words = _words(label)
            if not 2 <= len(label.split()) <= 20 or len(words) < 2 or "://" in label:
                continue  # a bare address as its own text is no title
            slug = set(_words(unquote(path.rsplit("/", 1)[-1])))
            if sum(w in slug for w in words) < 2 or speakers_named(label):
                continue  # another page of the site, or a speaker's page
            title, speakers = tidy_title(label, [])
            if not title or bare_kind_label(title):
                continue
            norm = normalise_title(title)
            if any(fuzz.ratio(norm, t) >= _SAME for t in titles):
                continue
            titles.append(norm)
            line = span.line or block.line
            out.append(Talk(title=title, speakers=speakers, kind="talk", line=line, confidence=CONFIDENCE))
    for talk in out:
        _speak(x, talk.speakers)
        x.problems.append(unsure_talk(CONFIDENCE, talk.title, talk.speakers, talk.line))
    return out


def _speak(x: Extraction, names: list[str]) -> None:
    known = {person_key(p.name): p for p in x.people}
    for name in names:
        p = known.get(person_key(name))
        if p is None:
            x.people.append(Person(name=name, role="speaker"))
        else:
            p.role = "speaker"
