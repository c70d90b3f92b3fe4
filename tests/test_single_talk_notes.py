"""Notes about one talk: the document classifier's decision, and the one talk made of the note (title
from front matter or top heading, speaker from a suffix, front matter or a name line), on notes
written for these tests; the shipped model's record."""

from __future__ import annotations

import hashlib
import json

from kb.ingest.markdown import walk
from kb.ingest.pipeline import extract
from kb.ingest.talks import document
from kb.ingest.talks.hits import TalkHit

SINGLE_NOTE = """---
title: "Scaling Postgres Without Tears - Ana Lopez"
date: 2031-05-02
tags: [postgres]
---

Notes from the talk at PGConf.

## Background

- partitioning matters
- vacuum tuning

## Replication

- logical replication for upgrades
- read replicas lag

## Takeaways

Measure before you tune.
"""


def test_a_note_about_one_talk_is_one_talk_whose_sections_are_its_parts():
    x = extract(SINGLE_NOTE, "2031-05-02-scaling-postgres.md")
    assert [(t.title, t.speakers) for t in x.talks] == [("Scaling Postgres Without Tears", ["Ana Lopez"])]
    assert "read replicas lag" in x.talks[0].summary and "Measure before you tune." in x.talks[0].summary


def test_the_speaker_of_a_single_note_can_be_a_name_line_under_the_title():
    md = "# Rust in Production\n\n### Mara Bos\n\n## Ownership\n\nNotes...\n\n## Async\n\nMore notes...\n"
    assert [(t.title, t.speakers) for t in extract(md, "rust-in-production.md").talks] == [
        ("Rust in Production", ["Mara Bos"])
    ]


def test_a_note_of_several_talks_by_different_people_is_not_collapsed():
    md = (
        "# RustFest notes\n\n## Keynote: The borrow checker is your friend\n\nGiven by Mara Bos.\n\n"
        "- lifetimes are documentation\n\n## Fearless concurrency in practice\n\nGiven by Niko Matsakis.\n\n- channels\n"
    )
    assert [t.speakers for t in extract(md).talks] == [["Mara Bos"], ["Niko Matsakis"]]


def _one(md: str, fm: dict | None = None, source: str = "note.md", hits=()) -> TalkHit:
    return document.single_talk(fm or {}, walk(md), source, list(hits), set())


def test_single_talk_title_and_speaker_from_the_top_heading():
    h = _one("# Keynote: Why Types Matter (Jane Doe)\n\n## Part one\n")
    assert (h.title, h.speakers, h.kind) == ("Why Types Matter", ["Jane Doe"], "keynote")
    h = _one("# Stacie Williams - All Labor is Local\n\ntext\n")
    assert (h.title, h.speakers) == ("All Labor is Local", ["Stacie Williams"])
    # "Title: Subtitle" is a title, not a speaker and a title
    assert _one("# Full Throttle Database: PostgreSQL 9.2\n\ntext\n").title == "Full Throttle Database: PostgreSQL 9.2"


def test_single_talk_prefers_front_matter_and_falls_back_to_the_file_name():
    h = _one("Some notes.\n", {"title": "Taming the Tiger", "speaker": "Elizabeth Smith"})
    assert (h.title, h.speakers) == ("Taming the Tiger", ["Elizabeth Smith"])
    h = _one("notes without a heading, just prose that goes on.\n", source="2017-05-10_docker-swarm-deep-dive.md")
    assert h.title == "Docker swarm deep dive"
    # sections at the top level: the note's first line names the talk
    h = _one("Performance Testing and Profiling: A Virtuous Cycle\n\n# Basics\n\ntext\n\n# Types\n\ntext\n")
    assert h.title == "Performance Testing and Profiling: A Virtuous Cycle"


def test_one_titled_talk_found_by_the_labellers_is_the_talk():
    found = TalkHit("Plotting at scale", ["Dana Scully"], 2, layout="learned")
    h = _one("# Boulder meetup\n\n## Plotting at scale\n\nby Dana Scully\n", hits=[found])
    assert (h.title, h.speakers, h.block, h.heading_level) == ("Plotting at scale", ["Dana Scully"], 0, 0)


def test_several_speakers_counts_people_not_section_labels():
    def hit(title, who):
        return TalkHit(title, [who], 0, layout="learned")

    assert document.several_speakers([hit("A talk", "Mara Bos"), hit("Another", "Niko Matsakis")])
    assert not document.several_speakers([hit("Overview", "Key Takeaways"), hit("Static Files", "Static Files")])
    assert not document.several_speakers([hit("A talk", "Mara Bos"), hit("Again", "Mara Bos")])


def test_shipped_document_model_matches_its_record():
    meta = json.loads((document.HERE / "document.json").read_text(encoding="utf-8"))
    data = document.DOC_MODEL.read_bytes()
    assert hashlib.sha256(data).hexdigest() == meta["model"]["sha256"] and meta["model"]["bytes"] == len(data)
    assert meta["splits"] == "train,dev"
