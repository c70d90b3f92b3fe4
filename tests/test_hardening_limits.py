"""Issue 19, item 9 leftovers: reference lists past [999]; a .bib file bigger than SQLite's variable limit."""

from __future__ import annotations

import pytest
from sqlmodel import select

from kb.db import open_db, session_scope
from kb.importer import import_paths
from kb.ingest.pipeline import extract
from kb.models import Citation, Paper, Reference


def _long_list_post(n: int) -> str:
    lines = ["---", "title: A workshop with a very long reading list", "---", "",
             "Talk by Jane Smith on things [998], [1000] and [1003], as in [2019].", "", "## References", ""]
    lines += [f"[{i}] A. Writer. Paper number {i} about topic {i}. In Proc. Conf, 2019." for i in range(1, n + 1)]
    return "\n".join(lines) + "\n"


def test_references_numbered_past_999_are_not_merged_into_999():
    x = extract(_long_list_post(1005), "long.md")
    assert len(x.papers) == 1005
    assert [(p.marker, p.title) for p in x.papers[998:1001]] == [
        ("[999]", "Paper number 999 about topic 999"), ("[1000]", "Paper number 1000 about topic 1000"),
        ("[1001]", "Paper number 1001 about topic 1001")]
    assert [c.marker for c in x.citations] == ["[998]", "[1000]", "[1003]"]  # "[2019]" is a year: no reference
    assert not [p for p in x.problems if "2019" in p.message]


def test_a_post_with_1005_references_stores_each_and_links_its_cites(tmp_path):
    (tmp_path / "long.md").write_text(_long_list_post(1005))
    engine = open_db(tmp_path / "kb.sqlite")
    summary = import_paths(engine, [tmp_path / "long.md"])
    assert not summary.failed, summary.results
    with session_scope(engine) as s:
        assert len(s.exec(select(Reference)).all()) == 1005
        cited = s.exec(select(Reference.marker, Paper.title).join(Paper, Paper.id == Reference.paper_id)
                       .join(Citation, Citation.paper_id == Paper.id).order_by(Citation.id)).all()
    assert cited == [("[998]", "Paper number 998 about topic 998"), ("[1000]", "Paper number 1000 about topic 1000"),
                     ("[1003]", "Paper number 1003 about topic 1003")]
    engine.dispose()
