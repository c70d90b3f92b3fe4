"""Events read by the line labeller (E lines): the training labels, the names of E lines, and how
the labeller's verdict and the event rules combine. Notes written for these tests."""

from __future__ import annotations

import pytest

from kb.ingest.pipeline import extract, prepare
from kb.ingest.talks.eventheads import event_of_line, learned_events
from kb.ingest.talks.examples import event_lines, example, norm_tokens
from kb.ingest.talks.model import analyse


@pytest.mark.parametrize(
    "line,name,kind",
    [
        ("A. Developments in Derivatives Markets", "Developments in Derivatives Markets", "session"),
        ("Session 1: Tail Risks", "Tail Risks", "session"),
        ("16:00–17:00 – Main Track S15: Time Series I", "Main Track S15: Time Series I", "session"),
        ("**Human Systems Immunology I**", "Human Systems Immunology I", "session"),
        ("E. Session 3", "Session 3", "session"),
        ("Lightning talks", "Lightning talks", "session"),
        ("Workshop: Neural Compression", "Neural Compression", "workshop"),
        ("Pre-conference tutorials on graphs", "Pre-conference tutorials on graphs", "tutorial"),
    ],
)
def test_the_name_of_an_event_line(line, name, kind):
    ev = event_of_line(line)
    assert (ev.name, ev.kind) == (name, kind)


def test_a_sentence_is_not_an_event_name():
    assert event_of_line("We went to a long session where many things happened and I was not sure why at all") is None


POST = """# SciPy 2031

## Lightning talks

### Conda in CI — Jane Doe

Caches help.

### Plotting maps — Ann Roe

Tiles.

## Keynote

### Fast arrays — Bob Stone

He showed benchmarks. Later I went to the [Data Viz workshop](https://example.org/dataviz).
"""
GOLD = {
    "events": [
        {"name": "Lightning talks", "kind": "session"},
        {"name": "Data Viz workshop", "kind": "workshop"},
    ],
    "talks": [
        {"title": "Conda in CI", "speakers": ["Jane Doe"]},
        {"title": "Plotting maps", "speakers": ["Ann Roe"]},
        {"title": "Fast arrays", "speakers": ["Bob Stone"]},
    ],
    "people": [],
}


def test_training_labels_mark_lines_that_name_an_event_not_sentences_that_mention_one():
    ex, a = example(POST, "scipy.md", GOLD)
    labelled = {a.units[k].text.strip(): lab for k, lab in enumerate(ex.line_labels)}
    assert labelled["Lightning talks"] == "E"
    assert labelled["Conda in CI — Jane Doe"] == "H"
    assert labelled["Keynote"] == "O"
    # the workshop is named inside a sentence: the event rules read prose, the line is no E line
    assert "E" not in {lab for text, lab in labelled.items() if "workshop" in text}
    assert event_lines(
        [norm_tokens("Lightning talks"), norm_tokens("Lightning talks, then lunch and a long walk")], GOLD
    ) == [0]


def _analysis(labels_by_text: dict[str, str]):
    p = prepare(POST, "scipy.md")
    a = analyse(p.blocks, p.ref_blocks, p.rule_hits, p.event_hits)
    a.labels = [labels_by_text.get(u.text.strip(), "O") for u in a.units]
    return p, a


def test_the_labeller_decides_whole_line_events_and_the_rules_keep_prose_events():
    p, a = _analysis({"Lightning talks": "E"})
    names = [e.event.name for e in learned_events(p.blocks, a, p.event_hits)]
    assert names == ["Lightning talks", "Data Viz workshop"]
    # the rules call "Keynote" no event; were a rule to, the labeller's O would drop it
    p, a = _analysis({})
    assert [e.event.name for e in learned_events(p.blocks, a, p.event_hits)] == ["Data Viz workshop"]


def test_without_labels_the_rules_stand():
    p = prepare(POST, "scipy.md")
    a = analyse(p.blocks, p.ref_blocks, p.rule_hits, p.event_hits)
    assert learned_events(p.blocks, a, p.event_hits) == p.event_hits


def test_an_event_line_gives_the_talks_in_its_section_their_event(monkeypatch):
    from kb.ingest.talks import model

    def labelled(a, _labels):  # the line labeller's verdict, fixed: this test is about what follows from it
        lab = {"Lightning talks": "E", "Conda in CI — Jane Doe": "H", "Plotting maps — Ann Roe": "H"}
        return [lab.get(u.text.strip(), "H" if u.text.startswith("Fast") else "O") for u in a.units]

    monkeypatch.setattr(model, "siblings", labelled)
    x = extract(POST, "scipy.md")
    assert [(e.name, e.kind) for e in x.events] == [("Lightning talks", "session"), ("Data Viz workshop", "workshop")]
    assert [(t.title, t.speakers, t.event) for t in x.talks] == [
        ("Conda in CI", ["Jane Doe"], "Lightning talks"),
        ("Plotting maps", ["Ann Roe"], "Lightning talks"),
        ("Fast arrays", ["Bob Stone"], None),
    ]


@pytest.mark.parametrize(
    "name,tidy",
    [
        ("Title: Lightning Talks 4-12", "Lightning Talks"),
        ("December 2024: Lightning Talks", "Lightning Talks"),
        ("Lightning Talks Day 3", "Lightning Talks"),
        ("Poster Session", "Poster Session"),
        ("Workshop on Bees", "Workshop on Bees"),
        ("Talks Attended", None),  # names nothing
        ("Track Talks", None),
        ("DiGS poster", None),  # one poster is no poster session
        ("Http://spotlight.example.org", None),
        ("[NIPS Session Link](x)", None),
        ("15:00–16:00 – Main Track S16: Interpretability", "Main Track S16: Interpretability"),  # a time slot
        ("D. Pandas workshop", "Pandas workshop"),  # a list label
        ("A Workshop on Robots", "A Workshop on Robots"),
    ],
)
def test_event_names_are_tidied_and_names_of_nothing_dropped(name, tidy):
    from kb.ingest.events import tidy_event
    from kb.ingest.records import Event

    ev = tidy_event(Event(name=name, kind="session"))
    assert (ev.name if ev else None) == tidy


def test_an_event_line_written_as_a_link_is_named_by_its_text():
    from kb.ingest.talks.eventheads import event_of_line

    ev = event_of_line("[Lightning Talks](lightning-talks.md)")
    assert (ev.name, ev.kind) == ("Lightning Talks", "session")


def test_sibling_passes_do_not_turn_an_event_line_into_a_talk_head():
    """'#### Lightning Talks' among '#### <talk title>' headings: the shape pass made it a head (H), so
    the labeller's event (E) was lost."""
    from types import SimpleNamespace

    from kb.ingest.talks.model import siblings

    units = [SimpleNamespace(shape="h4", kind="heading", bold=False) for _ in range(4)]
    a = SimpleNamespace(units=units, line_features=[[] for _ in units], rule_hits={})
    assert siblings(a, ["H", "H", "E", "O"]) == ["H", "H", "E", "H"]


ORALS = "# CVPR 2022\n\n## Oral sessions\n\n### Learning to Solve Hard Problems — Jane Doe\n\nNotes.\n"


def test_a_rule_event_the_labeller_finds_likely_stays_though_its_label_is_another():
    p = prepare(ORALS, "cvpr.md")
    a = analyse(p.blocks, p.ref_blocks, p.rule_hits, p.event_hits)
    (k,) = [k for k, es in a.rule_events.items() for e in es if e.event.name == "Oral sessions"]
    a.labels = ["O"] * len(a.units)
    a.event_p = [0.0] * len(a.units)
    a.event_p[k] = 0.25  # labelled O, but a fair chance of E: the rule and the labeller together keep it
    assert [e.event.name for e in learned_events(p.blocks, a, p.event_hits)] == ["Oral sessions"]
    a.event_p[k] = 0.1  # the labeller is sure it is no event: the rule alone does not keep it
    assert learned_events(p.blocks, a, p.event_hits) == []
