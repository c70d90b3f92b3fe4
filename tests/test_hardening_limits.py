"""Issue 19, item 9 leftovers: reference lists past [999]; a .bib file bigger than SQLite's variable limit."""

from __future__ import annotations

import sqlite3

import pytest
from sqlalchemy import event
from sqlmodel import select

from kb.db import open_db, session_scope
from kb.importer import import_paths
from kb.ingest.pipeline import extract
from kb.models import Citation, Paper, Reference


def _long_list_post(n: int) -> str:
    lines = [
        "---",
        "title: A workshop with a very long reading list",
        "---",
        "",
        "Talk by Jane Smith on things [998], [1000] and [1003], as in [2019].",
        "",
        "## References",
        "",
    ]
    lines += [f"[{i}] A. Writer. Paper number {i} about topic {i}. In Proc. Conf, 2019." for i in range(1, n + 1)]
    return "\n".join(lines) + "\n"


def test_references_numbered_past_999_are_not_merged_into_999():
    x = extract(_long_list_post(1005), "long.md")
    assert len(x.papers) == 1005
    assert [(p.marker, p.title) for p in x.papers[998:1001]] == [
        ("[999]", "Paper number 999 about topic 999"),
        ("[1000]", "Paper number 1000 about topic 1000"),
        ("[1001]", "Paper number 1001 about topic 1001"),
    ]
    assert [c.marker for c in x.citations] == ["[998]", "[1000]", "[1003]"]  # "[2019]" is a year: no reference
    assert not [p for p in x.problems if "2019" in p.message]


def test_a_post_with_1005_references_stores_each_and_links_its_cites(tmp_path):
    (tmp_path / "long.md").write_text(_long_list_post(1005))
    engine = open_db(tmp_path / "kb.sqlite")
    summary = import_paths(engine, [tmp_path / "long.md"])
    assert not summary.failed, summary.results
    with session_scope(engine) as s:
        assert len(s.exec(select(Reference)).all()) == 1005
        cited = s.exec(
            select(Reference.marker, Paper.title)
            .join(Paper, Paper.id == Reference.paper_id)
            .join(Citation, Citation.paper_id == Paper.id)
            .order_by(Citation.id)
        ).all()
    assert cited == [
        ("[998]", "Paper number 998 about topic 998"),
        ("[1000]", "Paper number 1000 about topic 1000"),
        ("[1003]", "Paper number 1003 about topic 1003"),
    ]
    engine.dispose()


def _bib(n: int) -> str:
    return "".join(
        f"@article{{key{i},\n  author = {{Surname{i}, Given and Other{i}, Second}},\n"
        f"  title = {{A study of thing number {i} in depth}},\n  journal = {{Journal {i % 7}}},\n"
        f"  year = {{{2000 + i % 20}}}\n}}\n\n"
        for i in range(n)
    )


def test_a_bib_file_with_more_keys_than_sqlite_binds_per_statement_imports_whole(tmp_path):
    """A 100k-entry .bib failed with "too many SQL variables": its 300k paper keys went into one IN (…).

    Here SQLite's limit is lowered to 999 (what builds before 3.32 allow) so that 1,200 entries
    (3,600 keys, 2,400 authors) hit the same wall quickly.
    """
    (tmp_path / "big.bib").write_text(_bib(1200))
    engine = open_db(tmp_path / "kb.sqlite")

    @event.listens_for(engine, "connect")
    def low_limit(dbapi_conn, _record):
        dbapi_conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)

    engine.dispose()  # connections made from now on have the low limit
    summary = import_paths(engine, [tmp_path / "big.bib"])
    assert not summary.failed, summary.failed[0].error
    with session_scope(engine) as s:
        titles = set(s.exec(select(Paper.title)).all())
        assert s.connection().connection.dbapi_connection.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) == 999
    assert titles == {f"A study of thing number {i} in depth" for i in range(1200)}
    (tmp_path / "big.bib").write_text(_bib(1200).replace("Journal 3", "Journal Three"))  # re-import: updates
    assert not import_paths(engine, [tmp_path / "big.bib"]).failed
    engine.dispose()


@pytest.mark.postgres
def test_a_large_bib_reimport_collects_garbage_in_one_statement_on_postgres(tmp_path, pg_url):
    """More than IN_CHUNK candidate ids go to PostgreSQL as one array parameter (= ANY(%s))."""
    bib = tmp_path / "big.bib"
    bib.write_text(_bib(700))
    engine = open_db(pg_url)
    assert not import_paths(engine, [bib]).failed
    bib.write_text(_bib(700).replace("A study of thing number 1", "Another study of thing number 1"))
    summary = import_paths(engine, [bib])
    assert not summary.failed, summary.failed[0].error
    with session_scope(engine) as s:
        titles = set(s.exec(select(Paper.title)).all())
    renamed = {i for i in range(700) if str(i).startswith("1")}
    assert titles == {
        ("Another study of thing number " if i in renamed else "A study of thing number ") + f"{i} in depth"
        for i in range(700)
    }
    engine.dispose()


def test_bibtex_export_streams_batches_and_writes_the_same_text(tmp_path, monkeypatch):
    """Export of 100k papers built the whole text in memory (280 MB): now a batch of entries at a time."""
    from kb.export import bibtex, run

    engine = open_db(tmp_path / "kb.sqlite")
    (tmp_path / "refs.bib").write_text(_bib(130))
    assert not import_paths(engine, [tmp_path / "refs.bib"]).failed
    whole = run(engine, "bibtex").text
    assert whole.count("@article{") == 130 and whole.endswith("}\n")
    pieces: list[str] = []
    real = bibtex.ordered_batches
    monkeypatch.setattr(bibtex, "ordered_batches", lambda session, selection, size=2_000: real(session, selection, 50))
    result = run(engine, "bibtex", write=pieces.append)
    assert run(engine, "bibtex", output=tmp_path / "out.bib").papers == 130
    assert result.text == "" and result.papers == 130
    assert [p.count("@article{") for p in pieces] == [50, 50, 30, 0]  # three batches, then the final newline
    assert "".join(pieces) == whole == (tmp_path / "out.bib").read_text()
    engine.dispose()
