"""Issue 17, item 13: an event named in one section's text does not swallow the talks of the next section."""

from __future__ import annotations

from kb.ingest.pipeline import extract
from tests.conftest import IMPORTS


def _events(name: str) -> dict[str, str | None]:
    x = extract((IMPORTS / name).read_text(), name)
    return {(t.title or ", ".join(t.speakers)): t.event for t in x.talks}


def test_tuesday_keynotes_are_not_filed_under_the_monday_tutorial():
    events = _events("neurips-2018-montreal-cold-week.md")
    tutorial = "Adversarial Robustness: Theory and Practice"
    assert events["Threat models and how attacks are actually computed"] == tutorial  # Monday, same section
    assert events["Training robust models"] == tutorial
    assert events["Joelle Pineau"] is None and events["Kunle Olukotun"] is None  # "## Tuesday": keynotes
    assert events["The tradeoffs of large scale learning"] is None  # "## Thursday": not Tuesday's oral session


def test_an_event_in_a_section_still_covers_that_sections_talks():
    text = ("---\ntitle: Notes\n---\n\n## Day one\n\nWe went to the workshop on [Robust Vision](http://rv.example.org).\n\n"
            "- **Seeing in the dark** by Jane Smith\n- **Edge detection at scale** by Paul Jones\n\n## Day two\n\n"
            "- **Keynote: Learning to see** by Ann Lee\n")
    x = extract(text, "notes.md")
    assert {t.title: t.event for t in x.talks} == {"Seeing in the dark": "Robust Vision", "Edge detection at scale": "Robust Vision",
                                                   "Learning to see": None}


def test_a_non_ascii_initial_keeps_its_period():
    """`Kaiser, Ł.` was stored as "Ł Kaiser" (issue 17, item 11): Ł, Š, Ö are initials like L."""
    from kb.ingest.refparse import parse_reference

    ref = parse_reference("Kaiser, Ł. and Šimon, Ö. (2017). Attention heads here. In ICML.")
    assert [(a.family, a.given) for a in ref.authors] == [("Kaiser", "Ł."), ("Šimon", "Ö.")]
    x = extract((IMPORTS / "acl-2019-florence-bertology.md").read_text(), "acl.md")
    attention = next(p for p in x.papers if p.title == "Attention is all you need")
    assert ("Kaiser", "Ł.") in [(a.family, a.given) for a in attention.authors]
