"""An author's style (kb.ingest.talks.style): line shapes counted by label in corrected posts, read as
features of a new post's lines; in training, each document reads its repository's other documents."""

from __future__ import annotations

from dataclasses import dataclass, field

import pytest

from kb.ingest.pipeline import extract, prepare
from kb.ingest.talks import model as talk_model
from kb.ingest.talks.model import analyse, label_post
from kb.ingest.talks.style import Style, keys, learn, leave_one_out
from kb.ingest.talks.units import Unit


def unit(text: str, kind: str = "heading", level: int = 3, bold: bool = False) -> Unit:
    return Unit(0, 0, len(text), text, 1, kind, level, True, bold, False, 0.0, 0, 1)


def test_keys_abstract_the_words_of_a_line_but_keep_a_short_lines_text():
    a = keys(unit("Fast builds — Jane Doe"), ["sep_name=tail", "words=3"])
    b = keys(unit("Graph rewriting — John Roe"), ["sep_name=tail", "words=5"])
    assert a[:2] == b[:2]  # same kind, level, emphasis, separator: same coarse and fine key
    assert a[2] != b[2]  # their words differ
    assert keys(unit("Day 2"), [])[2] == keys(unit("Day 14"), [])[2] == "t:day 0"
    assert keys(unit("Fast builds — Jane Doe"), [])[1] != a[1]  # no name beside the title: another fine key
    assert keys(unit("Day 2", kind="item", level=1), [])[0] != keys(unit("Day 2"), [])[0]
    assert keys(unit("one two three four five six seven"), [])[2] == ""  # long lines: shape only


def test_a_style_says_what_the_authors_lines_of_a_key_were():
    style = Style()
    lines = [unit("Day 1", level=2), unit("Fast builds — Jane Doe"), unit("Notes", kind="paragraph", level=0)]
    feats = [[], ["sep_name=tail"], []]
    style.add(lines, feats, ["E", "H", "I"])
    assert style.posts == 1 and bool(style)
    assert style.line_features(unit("Graph rewriting — John Roe"), ["sep_name=tail"]) == [
        "sty_c=H",
        "sty_c_h=most",
        "sty_f=H",
        "sty_f_h=most",
    ]
    assert style.line_features(unit("Day 3", level=2), []) == [
        "sty_c=E",
        "sty_c_h=0",
        "sty_f=E",
        "sty_f_h=0",
        "sty_t=E",
        "sty_t_h=0",
    ]
    assert style.line_features(unit("Lunch", kind="item", level=1), []) == ["sty_c=new", "sty_f=new"]
    again = Style.from_json(style.to_json())
    assert again.to_json() == style.to_json() and again.posts == 1
    assert Style.from_json(None) is None and Style.from_json({"posts": 0, "counts": {}}) is None
    assert not Style()


@dataclass
class Ex:
    units: list
    line_features: list
    line_labels: list
    group: str = ""
    author: str = ""
    span_features: list = field(default_factory=list)


def test_leave_one_out_gives_each_document_its_peers_style():
    a = Ex([unit("Talk — Jane Doe")], [["sep_name=tail"]], ["H"], group="jane/blog")
    b = Ex([unit("Other — John Roe")], [["sep_name=tail"]], ["H"], group="jane/blog")
    alone = Ex([unit("Keynote")], [[]], ["H"], group="solo/blog")
    out = leave_one_out([a, b, b, alone])  # b twice: a weighted example; its copies share one styled twin
    assert out[3] is alone  # no other document of its author: read as without a style
    assert [x.line_features[0] for x in out[:3]] == [
        ["sep_name=tail", "sty_c=H", "sty_c_h=most", "sty_f=H", "sty_f_h=most"]
    ] * 3  # their words differ, so no text key matches
    assert out[1] is out[2]  # b's style is b's peers' (a), made once
    assert a.line_features == [["sep_name=tail"]]  # the examples themselves are not changed
    kb = [Ex([unit("X")], [[]], ["O"], group=f"kb/{n}", author="kb") for n in range(2)]
    assert all(x.line_features[0] for x in leave_one_out(kb))  # a KB's corrected posts are one author


POST = """# Notes from a conference

## Day 1

### Fast builds — Jane Doe

Jane showed how to cache everything.

### Graph rewriting — John Roe

John talked about rewriting.
"""


@pytest.fixture
def no_style():
    yield
    talk_model.STYLE = None


def test_the_line_labeller_reads_the_style_when_one_is_in_use(monkeypatch, no_style):
    p = prepare(POST, "post.md")
    a = analyse(p.blocks, p.ref_blocks, p.rule_hits, p.event_hits)
    seen = []
    real = talk_model.marginals
    monkeypatch.setattr(talk_model, "marginals", lambda tagger, feats: seen.append(feats) or real(tagger, feats))
    plain = label_post(p.blocks, a)
    assert not any(f.startswith("sty_") for row in seen[-1] for f in row)
    labels = ["O", "E"] + ["H", "I"] * 2
    assert len(labels) == len(a.units)
    talk_model.STYLE = learn([Ex(a.units, a.line_features, labels)])
    styled = label_post(p.blocks, a)
    rows = seen[-1]
    assert [r[len(a.line_features[k]) :] for k, r in enumerate(rows)][2] == [
        "sty_c=H",
        "sty_c_h=most",
        "sty_f=H",
        "sty_f_h=most",
        "sty_t=H",  # the same line: its words too
        "sty_t_h=most",
    ]
    # the shipped model was trained without styles: they add features it has no weights for
    assert [h.unit for h in plain] == [h.unit for h in styled]
    talk_model.STYLE = None
    assert [(t.title, t.speakers) for t in extract(POST, "post.md").talks] == [
        ("Fast builds", ["Jane Doe"]),
        ("Graph rewriting", ["John Roe"]),
    ]
