"""Talks a sentence names by a title set apart next to a talk noun (kb/ingest/talks/cued.py)."""

from __future__ import annotations

import pytest

from kb.ingest.pipeline import prepare
from kb.ingest.talks.cued import cued_in_blocks


def _cued(sentence: str) -> list[tuple[str, list[str], str | None]]:
    p = prepare(f"# Notes\n\n{sentence}\n")
    return [(h.title, h.speakers, h.kind) for h in cued_in_blocks(p.blocks, p.ref_blocks, set(), [])]


@pytest.mark.parametrize(
    ("sentence", "talks"),
    [
        (
            "The keynote for this day, titled *The Different Roads We Take*, made a point.",
            [("The Different Roads We Take", [], "keynote")],
        ),
        (
            "There were two great talks: *Cloud Native Python in Kubernetes*, and *Dockerized pytests*.",
            [("Cloud Native Python in Kubernetes", [], None), ("Dockerized pytests", [], None)],
        ),
        (
            "The last talk of the day was *Async Web Apps with Sanic*, which showed a lot.",
            [("Async Web Apps with Sanic", [], None)],
        ),
        (
            "I loved “Reading Old Code Aloud”, a lightning talk with no slides.",
            [("Reading Old Code Aloud", [], "session")],
        ),
        (
            "The keynote **The Cloud Native Journey @Apple by Alena Prokharchyk** was awesome.",
            [("The Cloud Native Journey @Apple", ["Alena Prokharchyk"], "keynote")],
        ),
    ],
)
def test_a_title_beside_a_talk_noun_is_a_talk(sentence, talks):
    assert _cued(sentence) == talks


@pytest.mark.parametrize(
    "sentence",
    [
        "I read *Thinking, Fast and Slow* on the plane before the talks began.",  # no talk noun beside it
        "I skipped the talk *Deep Learning Basics* to get coffee.",  # not attended
        "The workshop *Data Pipelines for Everyone* ran all day.",  # a workshop is an event more often
        "See the talk [Scaling Search at Home](https://example.org/slides) for more.",  # a link: a page
    ],
)
def test_other_phrases_are_not(sentence):
    assert _cued(sentence) == []
