"""CSL-JSON (shape, and pandoc --citeproc when installed) and the Markdown reading list."""

from __future__ import annotations

import json
import shutil
import subprocess

import pytest
from sqlmodel import select

from kb.db import session_scope
from kb.export import Selection, formats
from kb.export.csl import CSL_TYPES, csl_item
from kb.export.markdown import escape_md, md_link, paper_line
from kb.export.records import Author, PaperRecord

CSL_ITEM_TYPES = set(CSL_TYPES.values()) | {"article"}
CSL_STRING_FIELDS = (
    "id",
    "citation-key",
    "type",
    "title",
    "container-title",
    "publisher",
    "page",
    "volume",
    "issue",
    "DOI",
    "URL",
    "number",
)


def export(engine, fmt: str, **kw) -> str:
    with session_scope(engine, write=True) as session:
        return formats[fmt](session, Selection(**kw))


def test_registry_names_the_three_formats():
    assert set(formats) >= {"bibtex", "csl-json", "markdown"}


def test_csl_json_shape(sampled):
    items = json.loads(export(sampled, "csl-json"))
    assert len(items) == 18
    ids = [i["id"] for i in items]
    assert len(set(ids)) == len(ids)
    for item in items:
        assert item["type"] in CSL_ITEM_TYPES
        for key in CSL_STRING_FIELDS:
            assert key not in item or (isinstance(item[key], str) and item[key]), (key, item)
        for a in item.get("author", []):
            assert set(a) <= {"family", "given", "literal"} and all(isinstance(v, str) and v for v in a.values())
        if "issued" in item:
            assert isinstance(item["issued"]["date-parts"][0][0], int)
    jaderberg = next(i for i in items if i["id"] == "jaderbergSpeedingConvolutionalNeural2014")
    assert jaderberg["type"] == "paper-conference"
    assert jaderberg["author"] == [
        {"family": "Jaderberg", "given": "Max"},
        {"family": "Vedaldi", "given": "Andrea"},
        {"family": "Zisserman", "given": "Andrew"},
    ]
    assert jaderberg["container-title"] == "Proceedings of the British Machine Vision Conference"
    assert jaderberg["issued"] == {"date-parts": [[2014]]}


def test_csl_types_and_arxiv():
    base = dict(id=1, citekey="k", title="T", year=2020)
    assert csl_item(PaperRecord(**base, type="article", venue="Nature"))["type"] == "article-journal"
    assert csl_item(PaperRecord(**base, type="incollection"))["type"] == "chapter"
    assert csl_item(PaperRecord(**base, type="phdthesis"))["type"] == "thesis"
    assert csl_item(PaperRecord(**base, type="techreport"))["type"] == "report"
    assert csl_item(PaperRecord(**base, type="book"))["type"] == "book"
    pre = csl_item(PaperRecord(**base, type="article", venue="arXiv preprint arXiv:1811.10597", arxiv_id="1811.10597"))
    assert pre["type"] == "article" and pre["URL"] == "https://arxiv.org/abs/1811.10597"
    assert pre["number"] == "arXiv:1811.10597" and "container-title" not in pre


def test_pandoc_citeproc_accepts_the_csl_json(tmp_path, sampled):
    if shutil.which("pandoc") is None:
        pytest.skip("pandoc is not installed (optional: apt-get install pandoc)")
    (tmp_path / "refs.json").write_text(export(sampled, "csl-json"), encoding="utf-8")
    (tmp_path / "doc.md").write_text(
        '---\nnocite: "@*"\n---\n\nAs shown [@jaderbergSpeedingConvolutionalNeural2014].\n', encoding="utf-8"
    )
    proc = subprocess.run(
        ["pandoc", "--citeproc", "--bibliography", "refs.json", "-t", "plain", "doc.md"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0, proc.stderr
    assert "WARNING" not in proc.stderr, proc.stderr
    assert "(Jaderberg, Vedaldi, and Zisserman 2014)" in proc.stdout
    assert "Mask R-CNN" in proc.stdout  # nocite @*: every paper is listed


def test_markdown_groups_by_conference_and_talk(sampled):
    md = export(sampled, "markdown")
    assert md.startswith("# Reading list\n")
    assert "## ICCV 2017" in md
    talk = md.index("### Object detection, from proposals to dense predictors")
    assert "Ross Girshick" in md[talk : md.index("\n", talk)]
    focal = md.index("*Focal loss for dense object detection*")
    assert focal > talk
    assert "`linFocalLossDense2017`" in md


def test_markdown_lists_uncited_papers_last(sampled):
    from kb.models import Paper

    with session_scope(sampled, write=True) as session:
        session.add(Paper(title="A paper *nobody* cites", year=2020, type="misc", pinned=True))
    md = export(sampled, "markdown")
    tail = md[md.index("## Not cited by a talk") :]
    assert r"*A paper \*nobody\* cites*" in tail
    assert md.index("## Not cited by a talk") > md.index("## ICCV 2017")


def test_markdown_escapes_everything_from_posts():
    assert escape_md("# [x](javascript:alert(1)) <script>") == r"\# \[x\](javascript:alert(1)) \<script\>"
    assert escape_md("a\n# heading") == r"a \# heading"
    assert md_link("x", "javascript:alert(1)") == "x"
    assert md_link("doi", "https://doi.org/10.1/a b)c") == "[doi](<https://doi.org/10.1/a%20b%29c>)"
    rec = PaperRecord(
        1,
        "k",
        "misc",
        "*bold* _it_ `code` [link](http://x) @cite $x$",
        2020,
        authors=[Author("<b>Evil</b>", "")],
        url="javascript:alert(1)",
    )
    line = paper_line(rec)
    for escaped in (r"\*bold\*", r"\_it\_", r"\`code\`", r"\[link\]", r"\<b\>", r"\@cite", r"\$x\$"):
        assert escaped in line, escaped
    assert "javascript" not in line  # a non-http URL is not written at all


def test_markdown_selection_by_talk(sampled):
    from sqlalchemy import func

    from kb.models import Citation, Talk

    with session_scope(sampled) as session:
        talk_id = session.exec(
            select(Citation.talk_id)
            .where(Citation.talk_id.is_not(None))
            .group_by(Citation.talk_id)
            .order_by(func.count().desc())
        ).first()
        title = session.get(Talk, talk_id).title
    md = export(sampled, "markdown", talk_id=talk_id)
    assert md.count("\n### ") == 1 and escape_md(title) in md
    assert "## Not cited by a talk" not in md
