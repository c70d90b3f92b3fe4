"""Which conference a post is about when it is not a research venue of the table: titles, front
matter, file and folder names (kb.ingest.confnames through kb.ingest.conference)."""

from __future__ import annotations

import pytest

from kb.corpus import original_path
from kb.evaluate import compare, same_conference_name
from kb.ingest.conference import detect_conference
from kb.ingest.pipeline import extract


def conf(text: str, path: str | None = None, fm: dict | None = None) -> tuple[str | None, int | None]:
    x = extract(text, source="post.md", path=path)
    if fm is not None:
        x = extract(
            "---\n" + "".join(f"{k}: {v}\n" for k, v in fm.items()) + "---\n" + text, source="post.md", path=path
        )
    c = x.conference
    return (c.name, c.year) if c else (None, None)


@pytest.mark.parametrize(
    "title,expected",
    [
        ("# Ruby Conf 2018 Day One", ("RubyConf", 2018)),
        ("# Velocity Conference 2019", ("Velocity", 2019)),  # a known name: "Conference" is not part of it
        ("# Plone Conference 2007", ("Plone Conference", 2007)),  # an unknown one keeps it
        ("# Euruko Helsinki 2022 – day 2", ("EuRuKo", 2022)),  # the city is not the name
        ("# Israel Machine Vision Conference (IMVC) 2019", ("IMVC", 2019)),  # the acronym in use
        ("# Jamie's KubeCon 2018", ("KubeCon", 2018)),
        ("# My notes from PyCon 2013", ("PyCon US", 2013)),
        ("# CTI Summit 2021 - Day One", ("CTI Summit", 2021)),
        ("# Polymer Summit", ("Polymer Summit", None)),
        ("# DEFCON 29", ("DEF CON", None)),  # an edition number is not a year
    ],
)
def test_the_title_names_the_conference(title, expected):
    assert conf(title + "\n\nSome notes on the talks.\n") == expected


@pytest.mark.parametrize(
    "path,text,expected",
    [
        ("NeurIPS2019/notes/Day5_Thursday.md", "## Dec 12, Thursday\n\nPosters.\n", ("NeurIPS", 2019)),
        ("conference-notes/ODSC/odsc-east-2021.md", "# Day one\n\nAt ODSC East we saw demos.\n", ("ODSC East", 2021)),
        ("notes/2016/code4lib-philadelphia/02b-lightning.md", "# Lightning talks\n\nFive talks.\n", ("Code4Lib", 2016)),
        ("conference-notes/AKBC20-Virtual/InvitedTalks.md", "# Invited talks\n\nThree talks.\n", ("AKBC", 2020)),
        (
            "talk-notes/2015-09-26-cssconf-eu.md",
            "# Day one\n\nCSSconf EU opened.\n",
            ("CSSConf EU", 2015),
        ),  # the table's spelling
        ("DjangoConEurope2013/lightning-day2.rst", "# Lightning talks\n\nMany.\n", ("DjangoCon Europe", 2013)),
    ],
)
def test_file_and_folder_names_name_the_conference(path, text, expected):
    assert conf(text, path=path) == expected


def test_a_long_name_and_its_acronym_are_one_conference_named_by_the_acronym():
    text = "# American Economic Association Annual Meeting 2015\n\nSessions on money.\n"
    assert conf(text, path="notes/AEA/AEA_2015.md") == ("AEA", 2015)


def test_front_matter_outweighs_the_path_and_research_venues_still_win_in_prose():
    assert conf("# Notes\n\nText.\n", path="pycon-2019/notes.md", fm={"title": "SciPy 2024 recap"}) == ("SciPy", 2024)
    assert conf("# Trip report\n\nICCV 2019 in Seoul was big. At ICCV we met.\n") == ("ICCV", 2019)


def test_nothing_named_gives_no_conference():
    assert conf("# Reading list\n\nSome thoughts on testing.\n", path="notes/reading.md") == (None, None)
    assert detect_conference({}, [], None, None) is None


def test_the_corpus_layout_maps_back_to_the_authors_path(tmp_path):
    post = tmp_path / "posts" / "jdoe--NeurIPS2019" / "notes__Day5_Thursday.md"
    assert original_path(post) == "NeurIPS2019/notes/Day5_Thursday.md"
    assert original_path(tmp_path / "imports" / "a.md") == str(tmp_path / "imports" / "a.md")


def test_kb_eval_scores_the_conference_by_name_and_year():
    assert same_conference_name("PyCon US", "Pycon-US") and not same_conference_name("PyCon", "SciPy")
    gold = {"conference": {"name": "RubyConf", "year": 2018}}
    right = compare({"conference": {"name": "Rubyconf", "year": 2018}}, gold)["conference"]
    wrong_year = compare({"conference": {"name": "RubyConf", "year": 2017}}, gold)["conference"]
    missing = compare({"conference": None}, gold)["conference"]
    assert (right.tp, right.fp, right.fn) == (1, 0, 0)
    assert (wrong_year.tp, wrong_year.fp, wrong_year.fn) == (0, 1, 1)
    assert (missing.tp, missing.fp, missing.fn) == (0, 0, 1)
