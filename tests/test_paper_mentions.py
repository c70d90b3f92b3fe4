"""Papers named in prose, stage by stage: candidate spans of a line, the byline of a mention, the
title vocabulary, linking a mention to a paper the post already has, and the shipped classifier end
to end on notes written for these tests."""

from __future__ import annotations

import hashlib
import json

from kb.ingest.lexicon import titleness
from kb.ingest.markdown import walk
from kb.ingest.papers import tagger as paper_model
from kb.ingest.papers.candidates import candidates
from kb.ingest.papers.tagger import _mention
from kb.ingest.pipeline import extract
from kb.ingest.talks.units import units


def _line(text: str):
    blocks = walk(text)
    u = units(blocks)[0]
    return blocks[u.block], u


def _texts(text: str) -> dict[str, set[str]]:
    block, u = _line(text)
    out: dict[str, set[str]] = {}
    for c in candidates(block, u, u.block):
        out.setdefault(c.source, set()).add(c.text)
    return out


def test_candidates_are_the_pieces_a_writer_sets_apart():
    got = _texts('- Book: "xUnit Test Patterns" by Gerard Meszaros (2007)')
    assert got["quote"] == {"xUnit Test Patterns"}
    assert "Gerard Meszaros" in got["part"]
    assert (
        'Book: "xUnit Test Patterns" by Gerard Meszaros (2007)' in got["line"]
        or 'Book: "xUnit Test Patterns" by Gerard Meszaros (2007' in got["line"]
    )
    got = _texts("##### :boom: (Poster) Pun Generation with Surprise")
    assert got["line"] == {"Pun Generation with Surprise"}
    got = _texts("Read *Thinking in Systems* - Donella H. Meadows (2008)")
    assert got["emph"] == {"Thinking in Systems"}
    assert "Donella H. Meadows" in got["part"]


def test_a_mention_takes_its_byline():
    block, u = _line('She recommended "The Culture Code" by Daniel Coyle, a book on teams.')
    c = next(c for c in candidates(block, u, u.block) if c.source == "quote")
    m = _mention(block, u, c, 0.9)
    assert m.title == "The Culture Code"
    assert [(a.given, a.family) for a in m.authors] == [("Daniel", "Coyle")]
    assert m.text == '"The Culture Code" by Daniel Coyle'
    assert m.book is True
    block, u = _line("Random Intersection Trees (Shah et al., 2014)")
    c = next(c for c in candidates(block, u, u.block) if c.text == "Random Intersection Trees")
    m = _mention(block, u, c, 0.9)
    assert [a.family for a in m.authors] == ["Shah"] and m.et_al and m.year == 2014


def test_title_vocabulary_scores_titles_above_chatter():
    assert titleness(["Learning", "Perceptual", "Inference", "by", "Contrasting"]) > 1.5
    assert titleness(["it", "was", "a", "really", "great", "talk"]) < 0.5


NOTES = """# Notes from TestConf 2031

### Keynote: Testing at Scale (Jane Doe)

Jane opened with stories of flaky tests in large systems.
She recommended the book "Working Effectively with Legacy Code" by Michael Feathers,
and quoted "Statistical Modeling: The Two Cultures" (Breiman, 2001) twice.

### Fast builds (John Roe)

John showed how they cut build times in half.
"""


def test_quoted_titles_in_a_talk_become_papers_the_talk_cites():
    x = extract(NOTES, "notes.md").to_json()
    titles = {p["title"]: p for p in x["papers"]}
    assert "Working Effectively with Legacy Code" in titles
    assert "Statistical Modeling: The Two Cultures" in titles
    book = titles["Working Effectively with Legacy Code"]
    assert book["ref"] == 'text:"Working Effectively with Legacy Code" by Michael Feathers'
    assert book["type"] == "book"
    assert [(a["given"], a["family"]) for a in book["authors"]] == [("Michael", "Feathers")]
    # "Title (Breiman, 2001)": the author-year cite's paper takes the title, no second paper
    breiman = titles["Statistical Modeling: The Two Cultures"]
    assert breiman["ref"] == "(Breiman, 2001)" and breiman["year"] == 2001
    assert len(x["papers"]) == 2
    talk, other = x["talks"]
    assert (talk["title"], talk["speakers"]) == ("Testing at Scale", ["Jane Doe"])  # Feathers wrote the book
    assert set(talk["cites"]) == {book["ref"], "(Breiman, 2001)"}
    assert other["cites"] == []


def test_a_mention_of_a_listed_paper_cites_it_instead_of_adding_one():
    text = (
        NOTES + "\n## References\n\n1. Michael Feathers. Working Effectively with Legacy Code. Prentice Hall, 2004.\n"
    )
    x = extract(text, "notes.md").to_json()
    same = [p for p in x["papers"] if "legacy code" in (p["title"] or "").lower()]
    assert len(same) == 1 and same[0]["ref"] == "[1]"
    assert "[1]" in x["talks"][0]["cites"]


def test_rules_only_finds_no_prose_papers():
    x = extract(NOTES, "notes.md", rules_only=True).to_json()
    assert not any((p.get("ref") or "").startswith("text:") for p in x["papers"])


def test_shipped_mention_model_matches_its_record():
    meta = json.loads((paper_model.HERE / "model.json").read_text(encoding="utf-8"))
    data = paper_model.MODEL.read_bytes()
    assert hashlib.sha256(data).hexdigest() == meta["model"]["sha256"]
    assert meta["model"]["bytes"] == len(data) <= 2 * 1024 * 1024
    assert meta["splits"] == "train,dev"
