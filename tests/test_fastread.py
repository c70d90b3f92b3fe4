"""kb.fastread: the plain-sqlite3 read path of ``kb stats`` / ``kb list`` / ``kb search`` gives exactly what
the SQLAlchemy path gives, and steps aside whenever opening the database the usual way would do something."""

from __future__ import annotations

import shutil
import sqlite3

import pytest

from kb import fastread, queries
from kb.db import open_db, session_scope
from kb.search import search, search_sqlite
from tests.conftest import IMPORTS

QUERIES = [
    "learning",
    "bert",
    "Vedaldi",
    "tranformer",
    "neural networks",
    '"attention is"',
    "speaker:manning",
    "author:hinton",
    "year:2019",
    "year:2018..2020 type:talk",
    "conf:ICML",
    "type:paper deep",
    "type:person",
    "zzqxv",
    "",
    "!!!",
    "graph year:2016",
    "a",
]


@pytest.fixture(scope="module")
def kb_file(tmp_path_factory):
    """A KB holding every sample post of imports/ (talks, people, papers, conferences, events, links)."""
    from kb.importer import import_paths

    path = tmp_path_factory.mktemp("fastread") / "kb.sqlite"
    engine = open_db(path)
    summary = import_paths(engine, sorted(IMPORTS.glob("*.md")))
    assert summary.count("new") >= 10 and not summary.failed
    with session_scope(engine, write=True) as s:  # a draft post and a paper with "et al.", so the booleans show
        s.connection().exec_driver_sql("UPDATE post SET draft = 1 WHERE id = (SELECT min(id) FROM post)")
        s.connection().exec_driver_sql("UPDATE paper SET et_al = 1 WHERE id = (SELECT min(id) FROM paper)")
    engine.dispose()
    return path


def test_stats_and_every_list_match_the_sqlalchemy_path(kb_file):
    conn = fastread.connect(str(kb_file))
    assert conn is not None
    engine = open_db(kb_file, create=False)
    try:
        with session_scope(engine) as s:
            assert fastread.stats(conn) == queries.stats(s)
            assert fastread.stats(conn)["talks"] > 0 and fastread.stats(conn)["papers"] > 0
            for kind in queries.LIST_KINDS:
                for limit in (None, 0, 1, 7):
                    fast = fastread.list_rows(conn, kind, limit)
                    assert fast == queries.list_rows(s, kind, limit), (kind, limit)
                    assert [type(v) for r in fast for v in r.values()] == [
                        type(v) for r in queries.list_rows(s, kind, limit) for v in r.values()
                    ]
            assert any(r["draft"] is True for r in fastread.list_rows(conn, "posts"))
            assert any(r["et_al"] is True for r in fastread.list_rows(conn, "papers"))
    finally:
        conn.close()
        engine.dispose()


def test_home_summary_matches_the_sqlalchemy_path(kb_file, tmp_path):
    """The TUI's first frame (kb.fastread.home_summary) shows what kb.queries.home_summary gives, review count too."""
    from kb.review import mark_reviewed

    copy = tmp_path / "kb.sqlite"
    shutil.copy(kb_file, copy)
    engine = open_db(copy, create=False)
    try:
        for step in range(2):
            conn = fastread.connect(str(copy))
            with session_scope(engine) as s:
                fast, slow = fastread.home_summary(conn), queries.home_summary(s)
            conn.close()
            assert fast == slow
            assert fast["totals"]["posts"] > 0 and fast["posts"]
            assert any(c["papers"] for c in fast["conferences"]) and any(c["talks"] for c in fast["conferences"])
            if step == 0:
                before = fast["to_review"]
                with session_scope(engine, write=True) as s:
                    mark_reviewed(s, fast["posts"][0]["id"])
        assert fast["to_review"] == before - 1
    finally:
        engine.dispose()


def test_search_on_a_plain_connection_matches_the_session_search(kb_file):
    conn = fastread.connect(str(kb_file))
    engine = open_db(kb_file, create=False)
    try:
        with session_scope(engine) as s:
            found = 0
            for q in QUERIES:
                for limit in (3, 20):
                    hits = search_sqlite(conn, q, limit=limit)
                    assert hits == search(s, q, limit=limit), (q, limit)
                    found += len(hits)
            assert found > 50
    finally:
        conn.close()
        engine.dispose()


def test_connect_steps_aside_when_the_usual_open_would_act(kb_file, tmp_path):
    assert fastread.connect(str(tmp_path / "missing.sqlite")) is None
    (tmp_path / "empty.sqlite").write_bytes(b"")
    assert fastread.connect(str(tmp_path / "empty.sqlite")) is None
    (tmp_path / "junk.sqlite").write_text("not a database\n" * 100)
    assert fastread.connect(str(tmp_path / "junk.sqlite")) is None
    assert fastread.connect(f"sqlite:///{kb_file}") is None  # URLs take the usual path
    assert fastread.connect("postgresql://kb@127.0.0.1:1/kb") is None
    for name, sql in [
        ("old", "UPDATE alembic_version SET version_num = '0002'"),
        ("stale", "UPDATE search_meta SET value = 'stale' WHERE key = 'state'"),
        ("index-v1", "UPDATE search_meta SET value = '1' WHERE key = 'version'"),
        ("foreign", "DROP TABLE alembic_version"),
    ]:
        copy = tmp_path / f"{name}.sqlite"
        shutil.copy(kb_file, copy)
        with sqlite3.connect(copy) as c:
            c.execute(sql)
        c.close()
        assert fastread.connect(str(copy)) is None, name
    conn = fastread.connect(str(kb_file))
    assert conn is not None and conn.in_transaction  # one snapshot for the whole command
    conn.close()


def test_kb_db_env_and_default_are_followed(kb_file, monkeypatch, tmp_path):
    monkeypatch.setenv("KB_DB", str(kb_file))
    conn = fastread.connect(None)
    assert conn is not None and fastread.stats(conn)["posts"] > 0
    conn.close()
    monkeypatch.delenv("KB_DB")
    monkeypatch.chdir(tmp_path)  # no data/kb.sqlite here
    assert fastread.connect(None) is None
