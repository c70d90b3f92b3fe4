"""kb.ingest.layouts.heading_talks: a heading over the line that names who spoke is a talk."""

from __future__ import annotations

import pytest

from kb.ingest.layouts import heading_talks
from kb.ingest.markdown import walk


def _talks(md: str) -> list[tuple[str | None, list[str]]]:
    return [(h.title, h.speakers) for h in heading_talks(walk(md), set())]


@pytest.mark.parametrize(
    "line,speakers",
    [
        ("Speaker: Jane Doe", ["Jane Doe"]),
        ("**Speakers:** Jane Doe, John Roe", ["Jane Doe", "John Roe"]),
        ("Presented by Jane Doe", ["Jane Doe"]),
        ("Jane Doe (MIT)", ["Jane Doe"]),
    ],
)
def test_a_heading_over_a_speaker_line_is_a_talk(line, speakers):
    assert _talks(f"## Caching in the small\n\n{line}\n\n- notes on the talk\n") == [("Caching in the small", speakers)]


def test_a_byline_under_the_posts_title_names_no_speaker():
    assert _talks("# My notes from PyCon\n\nBy Jane Doe\n\nIt was a great week.\n") == []
