"""Talk layouts, cite forms and identity rules, each on a small post written for the test.

These exercise the hand-written layout and sentence detectors, which the learned labellers read as
features (and which extract alone when no model is installed): ``rules_only=True``. The learned
extractor has its own tests in ``test_talk_labellers.py``.
"""

from __future__ import annotations

from functools import partial

import pytest

from kb.ingest import pipeline

extract = partial(pipeline.extract, rules_only=True)


def talks(md: str) -> list[tuple[str | None, list[str]]]:
    return [(t.title, t.speakers) for t in extract(md).talks]


# ---------------------------------------------------------------- layouts


def test_link_text_prose():
    md = (
        "# NeurIPS 2019\n\nThe first [talk](https://w.org/slides/a.pdf) was on Learning to See by "
        "[Prof. Jane Roe](https://roe.example.org/).\n"
    )
    x = extract(md)
    assert [(t.title, t.speakers, t.links) for t in x.talks] == [
        ("Learning to See", ["Jane Roe"], ["https://w.org/slides/a.pdf"])
    ]
    assert {p.name: p.url for p in x.people} == {"Jane Roe": "https://roe.example.org/"}


@pytest.mark.parametrize(
    "sentence,title,speaker",
    [
        (
            "Alan Turing talked about computable numbers and their limits.",
            "Computable numbers and their limits",
            "Alan Turing",
        ),
        (
            "The morning started with a keynote by Grace Hopper on compilers for everyone.",
            "Compilers for everyone",
            "Grace Hopper",
        ),
        (
            'Ada Lovelace gave the invited talk "Notes on the Analytical Engine" to a full room.',
            "Notes on the Analytical Engine",
            "Ada Lovelace",
        ),
        (
            "In the afternoon session, Claude Shannon spoke about a mathematical theory of communication.",
            "A mathematical theory of communication",
            "Claude Shannon",
        ),
    ],
)
def test_prose_phrasings(sentence, title, speaker):
    assert talks(f"Notes from ICML 2020.\n\n{sentence}\n") == [(title, [speaker])]


def test_heading_title_dash_speaker_affiliation():
    md = "## Workshop: Robust Vision\n\n### Certified Defences — Jane Roe (MIT)\n\nNotes.\n"
    x = extract(md)
    assert [(t.title, t.speakers, t.event, t.kind) for t in x.talks] == [
        ("Certified Defences", ["Jane Roe"], "Robust Vision", "workshop")
    ]


def test_keynote_heading_with_title_in_next_paragraph():
    md = "## Keynote: Grace Hopper\n\nThe invited talk *Compilers Ahead of Their Time* was the highlight.\n"
    assert [(t.title, t.speakers, t.kind) for t in extract(md).talks] == [
        ("Compilers Ahead of Their Time", ["Grace Hopper"], "keynote")
    ]


def test_name_at_affiliation_heading():
    md = "## Tutorial: Diffusion\n\n### Ada Lovelace@Analytical Co\n\nPart 1: Engines and Cards.\n\nMore notes.\n"
    assert talks(md) == [("Part 1: Engines and Cards", ["Ada Lovelace"])]


def test_markdown_table():
    md = (
        "| Title | Speaker | Slides |\n|---|---|---|\n| Learning Fast | Jane Roe | [pdf](https://x.org/s.pdf) |\n"
        "| Learning Slow | John Doe | |\n"
    )
    x = extract(md)
    assert [(t.title, t.speakers, t.links) for t in x.talks] == [
        ("Learning Fast", ["Jane Roe"], ["https://x.org/s.pdf"]),
        ("Learning Slow", ["John Doe"], []),
    ]


def test_bullets_title_dash_name_and_surname_dash_title():
    md = "## Invited talks\n\n- Learning Fast - Jane Roe, MIT\n- Hopper - Compilers for Everyone ([video](https://youtu.be/x))\n"
    x = extract(md)
    assert [(t.title, t.speakers, t.links) for t in x.talks] == [
        ("Learning Fast", ["Jane Roe"], []),
        ("Compilers for Everyone", ["Hopper"], ["https://youtu.be/x"]),
    ]


def test_raw_html_list():
    md = '<ul>\n<li><a href="https://x.org/slides/a.pdf">Learning Fast</a> &mdash; Jane Roe</li>\n</ul>\n'
    assert talks("## Talks\n\n" + md) == [("Learning Fast", ["Jane Roe"])]


def test_invited_talk_line_and_keynote_link():
    md = (
        "Invited talk: Jane Roe: Graphs at Scale\n\n"
        "- [Keynote: John Doe - Cryptography Today](http://videolectures.net/x/)\n"
    )
    x = extract(md)
    assert [(t.title, t.speakers, t.kind) for t in x.talks] == [
        ("Graphs at Scale", ["Jane Roe"], "other"),
        ("Cryptography Today", ["John Doe"], "keynote"),
    ]
    assert x.talks[1].links == ["http://videolectures.net/x/"]


def test_quoted_title_and_author_line():
    md = (
        '## Orals\n\n"A Very Good Paper"\n*Jane Roe · John Doe · Ada Lovelace*\n\n'
        "John Doe presented; Jane Roe answered questions.\n"
    )
    assert talks(md) == [("A Very Good Paper", ["Jane Roe", "John Doe"])]  # author-list order


def test_panel_with_panelists():
    md = "## Workshop on Trends\n\n- Panel: Is Reviewing Broken?\n  - Panelists: Jane Roe (MIT), John Doe (CMU) and Ada Lovelace\n"
    [t] = extract(md).talks
    assert (t.title, t.kind, t.speakers) == ("Is Reviewing Broken?", "panel", ["Jane Roe", "John Doe", "Ada Lovelace"])


def test_prose_panel():
    md = "The closing panel on open science, with Jane Roe, John Doe and Ada Lovelace, ran long.\n"
    [t] = extract(md).talks
    assert t.kind == "panel" and t.speakers == ["Jane Roe", "John Doe", "Ada Lovelace"]


def test_liquid_and_hugo_shortcodes_are_ignored():
    md = (
        '{% include toc.html %}\n\n{{< figure src="/a.png" >}}\n\nThe first talk was on Tiny Models by '
        '[Jane Roe](https://roe.example.org/).\n\n{{< tweet user="x" id="1" >}}\n'
    )
    assert talks(md) == [("Tiny Models", ["Jane Roe"])]


@pytest.mark.parametrize(
    "sentence",
    [
        "I couldn't make it to the tutorial by Jane Roe on robust learning.",
        "Jane Roe will be presented on Friday with a talk on robust learning.",
        "I am looking forward to the keynote by Jane Roe next year.",
    ],
)
def test_talks_not_attended_are_not_talks(sentence):
    assert talks(sentence + "\n") == []


def test_post_without_talks():
    md = (
        "---\ntitle: AAAI 2020 visa saga\n---\nThe tutorial I registered for was cancelled, the special event "
        "will be presented online, and my visa never came.\n"
    )
    x = extract(md)
    assert x.talks == [] and x.conference.name == "AAAI"


def test_events_workshop_tutorial_and_coordination():
    md = (
        "I attended talks from [Workshop on Causality]() and [Subspace Methods](). Later, the tutorial on "
        "[Interpretable Vision](https://iv.github.io/) was packed, and I took the [Neural Architects](https://na.org/) "
        "workshop.\n"
    )
    events = [(e.name, e.kind, e.url) for e in extract(md).events]
    assert events == [
        ("Workshop on Causality", "workshop", None),
        ("Subspace Methods", "workshop", None),
        ("Interpretable Vision", "tutorial", "https://iv.github.io/"),
        ("Neural Architects", "workshop", "https://na.org/"),
    ]


def test_talk_summary_is_the_text_of_its_section():
    md = (
        "The first talk was on Tiny Models by [Jane Roe](https://roe.example.org/).\n\n> Details about tiny models.\n\n"
        "The second talk was on Huge Models by [John Doe](https://doe.example.org/).\n\nHuge details.\n"
    )
    x = extract(md)
    assert "Details about tiny models." in x.talks[0].summary and "Huge" not in x.talks[0].summary
    assert "Huge details." in x.talks[1].summary


# ---------------------------------------------------------------- citations

REFS = (
    '\n## References\n\n[1] Roe, Jane. "Tiny models." 2019.\n\n[2] Doe, John, and Jane Roe. "Huge models." 2018.\n\n'
    '[3] Lovelace, Ada. "Engines." 1843.\n'
)


@pytest.mark.parametrize(
    "cite,expected",
    [
        ("[1]", ["[1]"]),
        ("[1,2,3]", ["[1]", "[2]", "[3]"]),
        ("[1-3]", ["[1]", "[2]", "[3]"]),
        ("[2, 3]", ["[2]", "[3]"]),
        ("(Roe, 2019)", ["(Roe, 2019)"]),
        ("Doe and Roe (2018)", ["Doe and Roe (2018)"]),
        ("(Doe & Roe, 2018; Lovelace, 1843)", ["(Doe & Roe, 2018)", "(Lovelace, 1843)"]),
    ],
)
def test_cite_forms_link_to_the_talk(cite, expected):
    md = f"The first talk was on Small Things by [Jane Roe](https://roe.example.org/), building on {cite}.\n" + REFS
    x = extract(md)
    assert x.talks[0].cites == expected
    assert all(c.talk == 0 and c.context.startswith("The first talk") for c in x.citations)


def test_key_footnote_and_pandoc_cites():
    md = (
        "The first talk was on Small Things by [Jane Roe](https://roe.example.org/) [Roe2019], see also [^1] and "
        '[@doe2018huge].\n\n[Roe2019] Roe, Jane. "Tiny models." 2019.\n\n[Doe2018] Doe, John. "Other." 2018.\n\n'
        '[^1]: Lovelace, Ada. "Engines." Proceedings of Nothing, 1843.\n\n```bibtex\n@misc{doe2018huge, title={Huge '
        "models}, author={Doe, John}, year={2018}}\n```\n"
    )
    x = extract(md)
    assert x.talks[0].cites == ["[Roe2019]", "[^1]", "[@doe2018huge]"]


def test_inline_paper_links_and_titles_are_cites():
    md = (
        "The first talk was on Small Things by [Jane Roe](https://roe.example.org/). It extends "
        "[Attention Is All You Need](https://arxiv.org/abs/1706.03762) and [this paper](https://doi.org/10.1145/1.2).\n"
    )
    x = extract(md)
    assert x.talks[0].cites == ["https://arxiv.org/abs/1706.03762", "https://doi.org/10.1145/1.2"]
    by_url = {p.url: p for p in x.papers}
    assert by_url["https://arxiv.org/abs/1706.03762"].arxiv_id == "1706.03762"
    assert by_url["https://arxiv.org/abs/1706.03762"].title == "Attention Is All You Need"
    assert (
        by_url["https://doi.org/10.1145/1.2"].doi == "10.1145/1.2"
        and by_url["https://doi.org/10.1145/1.2"].title is None
    )


def test_same_paper_cited_two_ways_is_one_paper():
    md = (
        "The first talk was on Small Things by [Jane Roe](https://roe.example.org/), based on [1] and on "
        "[the arXiv version](https://arxiv.org/abs/1901.00001).\n\n## References\n\n"
        '[1] Roe, Jane. "Tiny models." arXiv preprint arXiv:1901.00001 (2019).\n'
    )
    x = extract(md)
    assert len(x.papers) == 1  # the arXiv link found the reference-list entry by its id
    assert [(c.marker, c.paper_key) for c in x.citations] == [
        ("[1]", "[1]"),
        ("https://arxiv.org/abs/1901.00001", "[1]"),
    ]


def test_code_and_software_links_are_not_papers():
    md = "Code is on [GitHub](https://github.com/a/b) and the library is [Tensorly](http://tensorly.org/).\n"
    x = extract(md)
    assert x.papers == [] and {link.kind for link in x.links} == {"code", "other"}


# ---------------------------------------------------------------- identity within a post


def test_misspelt_speaker_is_the_cited_author():
    md = (
        "The first talk was on [Seeing Things](https://x.org/slides/s.pdf) Andrea Veladi.\n\n## References\n\n"
        '[1] Mahendran, Aravindh, and Andrea Vedaldi. "Understanding deep image representations." 2015.\n'
    )
    x = extract(md)
    assert x.talks[0].speakers == ["Andrea Vedaldi"]
    [p] = x.people
    assert p.name == "Andrea Vedaldi" and "Andrea Veladi" in p.aliases


def test_mojibake_and_accents_in_names():
    md = "The first talk was on Causality by [Bernhard SchÃ¶lkopf](https://is.mpg.de/~bs).\n"
    assert extract(md).talks[0].speakers == ["Bernhard Schölkopf"]


def test_mentioned_people_in_prose():
    md = (
        "The special event with Geoffrey Hinton, Yann LeCun and Yoshua Bengio was full. "
        "I also met [Dr. Ping Luo](http://luoping.me/) and thanked [Dr. Sung-Ho Bae].\n"
    )
    people = {p.name: p.role for p in extract(md).people}
    assert people == {
        "Geoffrey Hinton": "mentioned",
        "Yann LeCun": "mentioned",
        "Yoshua Bengio": "mentioned",
        "Ping Luo": "mentioned",
        "Sung-Ho Bae": "mentioned",
    }


# ---------------------------------------------------------------- more phrasings seen in real notes


@pytest.mark.parametrize(
    "md,title,speakers",
    [
        (
            "Wednesday's keynote was Cynthia Dwork on recent developments in algorithmic fairness.\n",
            "Recent developments in algorithmic fairness",
            ["Cynthia Dwork"],
        ),
        (
            "Next was Lerrel Pinto with a talk titled *Data, Not Algorithms*. He revisited grasping.\n",
            "Data, Not Algorithms",
            ["Lerrel Pinto"],
        ),
        (
            "The first oral session, *Variational Inference*, opened with Adji Bousso Dieng talking about mass-covering "
            "divergences for VI.\n",
            "Mass-covering divergences for VI",
            ["Adji Bousso Dieng"],
        ),
        (
            "**[Medical Transformer: Gated Axial-Attention](https://arxiv.org/abs/2102.10662)** was presented by its first "
            "author, Jeya Maria Jose Valanarasu (JHU).\n",
            "Medical Transformer: Gated Axial-Attention",
            ["Jeya Maria Jose Valanarasu"],
        ),
        (
            "Same session, Tobias Johannink from Siemens on [residual reinforcement learning](https://arxiv.org/abs/1812.03201).\n",
            "Residual reinforcement learning",
            ["Tobias Johannink"],
        ),
        (
            '**14:05** — First invited talk of the day: ~~Yonatan Bisk~~ **Yonatan Belinkov**, "What do probes tell us?".\n',
            "What do probes tell us?",
            ["Yonatan Belinkov"],
        ),
    ],
)
def test_more_prose_phrasings(md, title, speakers):
    assert talks(md) == [(title, speakers)]


def test_bold_pseudo_heading_with_numbering_and_all_caps_surname():
    md = '**1) Dr. Xinlei CHEN (Meta AI) - "Self-supervised learning: what is next?"**\n\nHe explained MoCo.\n'
    assert talks(md) == [("Self-supervised learning: what is next?", ["Xinlei Chen"])]


def test_html_heading_and_byline():
    md = (
        '<h3>Keynote: "Robots should learn from the world"</h3>\n'
        '<p class="byline">Chelsea Finn · Stanford University · <a href="https://www.youtube.com/watch?v=x">recording</a></p>\n\n'
        "Prof. Finn's keynote started from a provocation.\n"
    )
    x = extract(md)
    assert [(t.title, t.speakers, t.kind) for t in x.talks] == [
        ("Robots should learn from the world", ["Chelsea Finn"], "keynote")
    ]
    assert [p.name for p in x.people] == ["Chelsea Finn"]


def test_panel_title_then_panelists_in_the_next_sentence():
    md = '**15:40** — Panel time. "Are we measuring anything?" with Ellie Pavlick, Anna Rogers and Jacob, moderated by Afra Alishahi.\n'
    [t] = extract(md).talks
    assert t.kind == "panel" and t.speakers == ["Ellie Pavlick", "Anna Rogers", "Jacob"]


def test_table_title_cells_with_kind_prefixes():
    md = (
        "| Day | What | Speaker |\n|---|---|---|\n| Tue | Keynote: *Why AI Is Harder Than We Think* | Melanie Mitchell |\n"
        "| Tue | Session 2B: *AdapterFusion* | Jonas Pfeiffer |\n\n"
        "Melanie Mitchell's keynote was about the fallacies of AI (Mitchell, 2021).\n\n"
        "## References\n\nMitchell, M. (2021). Why AI is harder than we think. arXiv.\n"
    )
    x = extract(md)
    assert [(t.title, t.speakers, t.kind) for t in x.talks] == [
        ("Why AI Is Harder Than We Think", ["Melanie Mitchell"], "keynote"),
        ("AdapterFusion", ["Jonas Pfeiffer"], "session"),
    ]
    assert x.talks[0].cites == ["(Mitchell, 2021)"]  # the prose goes on about the keynote listed in the table


def test_agenda_items_end_a_talk():
    md = (
        "**10:00** Jane Roe presented *Tiny Models* [1].\n\n**14:00** Posters on compression [2].\n\n"
        '## References\n\n[1] Roe, Jane. "Tiny models." 2019.\n\n[2] Doe, John. "Compression." 2018.\n'
    )
    x = extract(md)
    assert [t.cites for t in x.talks] == [["[1]"]]


@pytest.mark.parametrize(
    "md,title,speakers",
    [
        (
            "- 2nd keynote: Cordelia Schmid (Inria / Google), on learning from video\n",
            "Learning from video",
            ["Cordelia Schmid"],
        ),
        (
            "I went to *What Equalized Odds Can't Tell You*, facilitated by Solon Barocas and Moritz Hardt.\n",
            "What Equalized Odds Can't Tell You",
            ["Solon Barocas", "Moritz Hardt"],
        ),
        (
            "The oral I will remember longest was Robert Geirhos on texture bias ([paper](https://arxiv.org/abs/1811.12231)).\n",
            "Texture bias",
            ["Robert Geirhos"],
        ),
    ],
)
def test_titles_are_not_read_as_the_writers_words(md, title, speakers):
    assert talks(md) == [(title, speakers)]


def test_a_phrase_read_as_both_title_and_speaker_is_one_of_them():
    from kb.ingest.pipeline import _title_or_speaker
    from kb.ingest.talks.hits import TalkHit

    hits = [
        TalkHit("Open Tracing", ["Open Tracing"], 0, spelled_speakers=["Open Tracing"]),  # a title: no given name
        TalkHit("James Powell", ["James Powell"], 1),  # the heading names who spoke
        TalkHit("Fast builds", ["Fast Builds", "Jane Doe"], 2, spelled_speakers=["fast builds", "Jane Doe"]),
        TalkHit("Testing at Scale", ["Jane Doe"], 3),
    ]
    _title_or_speaker(hits)
    assert [(h.title, h.speakers, h.spelled_speakers) for h in hits] == [
        ("Open Tracing", [], []),
        (None, ["James Powell"], []),
        ("Fast builds", ["Jane Doe"], ["Jane Doe"]),
        ("Testing at Scale", ["Jane Doe"], []),
    ]


def test_a_heading_under_a_talks_heading_is_part_of_that_talk():
    post = (
        "# RubyConf Day Two\n\n"
        "## Let's subclass Hash by Michael Herold\n\n- a talk about a gem\n\n"
        "### Indifferent access\n\n- Hash has 178 public methods\n\n"
        "### Why was this a problem?\n\n- YAGNI methods\n\n"
        "## Pointers for Eliminating Heaps of Memory by Aaron Patterson\n\n- the compilation process\n\n"
        "### Direct ISeq Marking\n\n- a look at the Ruby VM\n"
    )
    talks = [(t.title, t.speakers) for t in pipeline.extract(post, source="day2.md").talks]
    assert talks == [
        ("Let's subclass Hash", ["Michael Herold"]),
        ("Pointers for Eliminating Heaps of Memory", ["Aaron Patterson"]),
    ]


def test_inside_a_talk_keeps_sub_headings_that_name_a_speaker_and_talks_after_the_section_ends():
    from kb.ingest.blocks import Block
    from kb.ingest.pipeline import _inside_a_talk
    from kb.ingest.talks.hits import TalkHit

    blocks = [Block("heading", "x", 1, 1, level=lvl) for lvl in (2, 3, 3, 2, 3)]
    hits = [
        TalkHit("Keynote", ["Jane Doe"], 0, heading_level=2),
        TalkHit("A part of it", [], 1, heading_level=3),  # dropped: under Jane Doe's talk, no speaker
        TalkHit("Lightning: Fast builds", ["John Roe"], 2, heading_level=3),  # kept: names its speaker
        TalkHit("Untitled session", [], 3, heading_level=2),  # kept: same level as the talk
        TalkHit("Its part", [], 4, heading_level=3),  # kept: its parent names no speaker
    ]
    assert [h.title for h in _inside_a_talk(hits, blocks)] == [
        "Keynote",
        "Lightning: Fast builds",
        "Untitled session",
        "Its part",
    ]
