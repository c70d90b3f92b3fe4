"""Alembic migrations: fresh DBs are created at head, old ones upgraded without losing rows or user edits."""

from __future__ import annotations

import json

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Column, MetaData, Table, inspect
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel, select

from kb.db import make_engine, open_db, session_scope
from kb.importer import import_paths
from kb.maintenance import dump
from kb.migrations import (
    BASELINE,
    HEAD,
    current_revision,
    downgrade,
    ensure_schema,
    include_object,
    script_head,
    upgrade,
)
from kb.models import Merge, Post, Talk, UserEdit
from tests.conftest import IMPORTS

V2_COLUMNS = {
    ("post", "front_matter"),
    ("merge", "from_key"),  # 0002
    ("useredit", "post_id"),
    ("useredit", "anchor"),
    ("useredit", "stale"),  # 0003
    ("talkspeaker", "spelling"),
    ("authorship", "spelling"),
    ("mention", "spelling"),  # 0005
}
LATER_TABLES = {"annotation", "trainedmodel", "paperfieldsource"}  # 0003, 0004


def _diffs(engine) -> list:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": include_object, "compare_type": True})
        return compare_metadata(ctx, SQLModel.metadata)


def test_head_constant_matches_the_versions_folder():
    assert script_head() == HEAD


def test_fresh_db_is_created_at_head_and_matches_the_models(tmp_path):
    engine = open_db(tmp_path / "kb.sqlite")
    with engine.connect() as conn:
        assert current_revision(conn) == HEAD
        tables = set(inspect(conn).get_table_names())
    assert any(t.startswith("search_") for t in tables), "the search hook built its tables"
    assert _diffs(engine) == []  # and the search tables are not reported as 'removed'
    assert ensure_schema(engine) == "current"


def test_replaying_every_migration_gives_the_same_schema_as_create_all(tmp_path):
    engine = make_engine(tmp_path / "replayed.sqlite")
    with engine.begin() as conn:
        upgrade(conn, "head")
    assert _diffs(engine) == []


def _v1_db_with_data(tmp_path, sample_path):
    """A database at revision 0001 holding real imported rows and user edits (copied from a head DB)."""
    src = open_db(tmp_path / "src.sqlite")
    import_paths(src, [sample_path, *sorted(IMPORTS.glob("*.md"))[:3]])
    with session_scope(src, write=True) as s:
        talk = s.exec(select(Talk).order_by(Talk.id)).first()
        talk.title = "A title fixed by hand"
        s.add(UserEdit(entity="talk", entity_id=talk.id, field="title", value=talk.title))
        s.add(Merge(entity="person", from_id=999, into_id=1, from_name="Someone Merged"))
    old = make_engine(tmp_path / "v1.sqlite")
    with old.begin() as conn:
        upgrade(conn, BASELINE)
    with src.connect() as s_conn, old.begin() as o_conn:
        for table in SQLModel.metadata.sorted_tables:
            if table.name in LATER_TABLES:
                continue
            cols = [c for c in table.columns if (table.name, c.name) not in V2_COLUMNS]
            rows = [dict(r) for r in s_conn.execute(sa_select(*cols)).mappings()]
            if rows:
                o_conn.execute(_v1_insert(table, cols), rows)
    return src, old


def as_upgraded(want: dict) -> dict:
    """A head dump as the same rows give it after an upgrade from 0001: what later columns hold is not known."""
    for post in want["posts"]:
        post["front_matter"] = ""  # not known for posts imported before 0002
        for talk in post["talks"]:  # nor the spellings of person links made before 0005
            talk["speaker_spellings"] = [None] * len(talk["speakers"])
        for mention in post["mentions"]:
            mention["spelling"] = None
    for paper in want["papers"]:
        paper["author_spellings"] = [None] * len(paper["authors"])
    return want


def _v1_insert(table, cols):
    """INSERT into ``table`` naming only ``cols`` (the v1 columns), with no model defaults for the others."""
    return Table(table.name, MetaData(), *(Column(c.name, c.type) for c in cols)).insert()


def test_v1_database_is_upgraded_without_losing_rows_or_edits(tmp_path, sample_path):
    src, old = _v1_db_with_data(tmp_path, sample_path)
    with old.connect() as conn:
        assert current_revision(conn) == BASELINE
        assert "front_matter" not in {c["name"] for c in inspect(conn).get_columns("post")}
        before = {
            t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar()
            for t in SQLModel.metadata.tables
            if t not in LATER_TABLES
        }
    old.dispose()

    engine = open_db(tmp_path / "v1.sqlite")  # what any kb command does
    with engine.connect() as conn:
        assert current_revision(conn) == HEAD
        after = {
            t: conn.exec_driver_sql(f"SELECT count(*) FROM {t}").scalar()
            for t in SQLModel.metadata.tables
            if t not in LATER_TABLES
        }
        assert "ix_merge_entity_from_id" in {i["name"] for i in inspect(conn).get_indexes("merge")}
    assert after == before and before["useredit"] == 1 and before["talk"] > 0
    assert _diffs(engine) == []
    with session_scope(src) as s1, session_scope(engine) as s2:
        want, got = dump(s1), dump(s2)
    assert any(p["authors"] for p in want["papers"]) and any(p["mentions"] for p in want["posts"])
    assert json.dumps(got, sort_keys=True) == json.dumps(as_upgraded(want), sort_keys=True)

    # The upgraded DB keeps working: unchanged posts are skipped, the edit survives a forced re-import.
    again = import_paths(engine, [sample_path], force=True)
    assert again.results[0].status == "updated"
    with session_scope(engine) as s:
        assert s.exec(select(Talk).where(Talk.title == "A title fixed by hand")).first() is not None
        assert s.exec(select(UserEdit)).one().value == "A title fixed by hand"


def test_db_made_before_migrations_existed_is_stamped_and_upgraded(tmp_path, sample_path):
    _src, old = _v1_db_with_data(tmp_path, sample_path)
    with old.begin() as conn:
        conn.exec_driver_sql("DROP TABLE alembic_version")
    old.dispose()
    engine = open_db(tmp_path / "v1.sqlite")
    with engine.connect() as conn:
        assert current_revision(conn) == HEAD
        assert conn.exec_driver_sql("SELECT count(*) FROM useredit").scalar() == 1
    assert _diffs(engine) == []


def test_downgrade_to_v1_keeps_rows(tmp_path, sample_path):
    engine = open_db(tmp_path / "kb.sqlite")
    import_paths(engine, [sample_path])
    with engine.connect() as conn:
        posts = conn.exec_driver_sql("SELECT count(*) FROM post").scalar()
        talks = conn.exec_driver_sql("SELECT count(*) FROM talk").scalar()
    with engine.execution_options(kb_write=True).begin() as conn:
        downgrade(conn, BASELINE)
    with engine.connect() as conn:
        assert current_revision(conn) == BASELINE
        assert conn.exec_driver_sql("SELECT count(*) FROM talk").scalar() == talks
        assert conn.exec_driver_sql("SELECT count(*) FROM post").scalar() == posts
    engine.dispose()
    engine = open_db(tmp_path / "kb.sqlite")
    with session_scope(engine) as s:
        assert len(s.exec(select(Post)).all()) == posts


@pytest.mark.parametrize("n", [3])
def test_concurrent_open_of_a_fresh_db_migrates_once(tmp_path, n):
    """Several processes opening one new database at once: no error, one schema, stamped once."""
    import subprocess
    import sys

    db = tmp_path / "race.sqlite"
    code = "import sys; from kb.db import open_db; open_db(sys.argv[1]).dispose()"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, str(db)], stderr=subprocess.PIPE, text=True) for _ in range(n)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert all(p.returncode == 0 for p in procs), errors
    engine = make_engine(db)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar() == 1
        assert current_revision(conn) == HEAD
    assert _diffs(engine) == []
