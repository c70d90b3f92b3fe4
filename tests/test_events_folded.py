"""find_events tests each sentence with the event-kind and not-attended patterns through kb.ingest.text.Folded
(issue 16, ``speed9``): both patterns are all lower-case letters ("wish i" under re.I), so on ASCII text their
case-sensitive twins, run on the text lower-cased, give the same answers."""

from __future__ import annotations

import re
from pathlib import Path

from kb.ingest.events import EVENT_KIND, EVENT_KIND_FOLDED, NOT_ATTENDED, NOT_ATTENDED_FOLDED
from kb.ingest.markdown import walk
from kb.ingest.talks.hits import sentences

REPO = Path(__file__).resolve().parent.parent


def test_both_patterns_have_a_twin():
    assert EVENT_KIND_FOLDED.twin is not None
    assert NOT_ATTENDED_FOLDED.twin is not None
    assert NOT_ATTENDED.flags & re.IGNORECASE and NOT_ATTENDED.search("I Wish I had gone to the workshop")


def test_folded_answers_are_the_patterns_answers():
    texts = [
        "I wish I had gone.",
        "WISH I COULD HAVE. Missed the POSTER session.",
        "Will Be Presented at the Workshop next year",
        "Schöne Grüße vom Workshop",  # not ASCII: the pattern itself
        "The KEYNOTE was great; the Tutorials less so.",
    ]
    for path in sorted((REPO / "imports").glob("*.md")) + sorted((REPO / "tests" / "fixtures").rglob("*.md")):
        for block in walk(path.read_text(encoding="utf-8")):
            texts += [block.text[a:b] for a, b in sentences(block.text)]
    assert len(texts) > 1000
    hits = 0
    for text in texts:
        for pattern, folded in ((EVENT_KIND, EVENT_KIND_FOLDED), (NOT_ATTENDED, NOT_ATTENDED_FOLDED)):
            assert folded.search(text) == bool(pattern.search(text)), text
            hits += folded.search(text)
    assert hits > 50


def test_a_block_without_an_event_kind_has_no_sentence_with_one():
    """find_events passes over a block (outside an event section) whose text names no event kind (``speed10``):
    sentences are slices cut at spaces, blank lines or a full stop, so none of them can hold a match its block
    does not. Checked on every block of the samples, the fixtures and hand-made cuts."""
    blocks = ["Went to theworkshop.Then a talk。The keynote", "x-workshop_y. Panel", "orals\n\n- poster"]
    for path in sorted((REPO / "imports").glob("*.md")) + sorted((REPO / "tests" / "fixtures").rglob("*.md")):
        blocks += [block.text for block in walk(path.read_text(encoding="utf-8"))]
    passed = 0
    for text in blocks:
        if not EVENT_KIND_FOLDED.search(text):
            passed += 1
            assert not any(EVENT_KIND.search(text[a:b]) for a, b in sentences(text)), text
    assert passed > 500
