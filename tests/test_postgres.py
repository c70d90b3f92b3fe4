"""PostgreSQL end to end: every command with ``--db postgresql://…`` / ``KB_DB``, the TUI, and migrations."""

from __future__ import annotations

import json
import subprocess
import sys

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from click.testing import CliRunner
from sqlalchemy import inspect
from sqlalchemy import select as sa_select
from sqlmodel import SQLModel

from kb.cli import main
from kb.db import make_engine, open_db, session_scope
from kb.importer import import_paths
from kb.maintenance import dump
from kb.migrations import BASELINE, HEAD, current_revision, include_object, upgrade
from tests.conftest import REPO
from tests.test_migrations import LATER_TABLES, V2_COLUMNS, _v1_insert, as_upgraded
from tests.test_tui import test_girshick_to_his_talk_to_focal_loss_and_back_to_the_talk  # noqa: F401

pytestmark = pytest.mark.postgres


def _diffs(engine) -> list:
    with engine.connect() as conn:
        ctx = MigrationContext.configure(conn, opts={"include_object": include_object, "compare_type": True})
        return compare_metadata(ctx, SQLModel.metadata)


@pytest.fixture
def engine(pg_url, sample_path):
    """The sample post in PostgreSQL (what tests/test_tui.py's journey expects)."""
    eng = open_db(pg_url)
    assert import_paths(eng, [sample_path]).count("new") == 1
    yield eng
    eng.dispose()


def test_every_command_works_on_postgres(pg_url, sample_path, tmp_path):
    runner = CliRunner()

    def kb(*args, env=None):
        r = runner.invoke(main, [str(a) for a in args], env=env)
        assert r.exit_code == 0, (args, r.output, r.exception)
        return r.output

    assert "1 new" in kb("--db", pg_url, "import", sample_path)
    assert "1 unchanged" in kb("import", sample_path, env={"KB_DB": pg_url})  # KB_DB as well as --db
    stats = json.loads(kb("--db", pg_url, "stats", "--json"))
    assert stats["talks"] == 6 and stats["papers"] == 18
    for kind in ("talks", "people", "papers", "conferences", "events", "posts"):
        assert json.loads(kb("--db", pg_url, "list", kind, "--json")), kind
    hits = json.loads(kb("--db", pg_url, "search", "Girshik", "--json"))
    assert hits[0]["title"] == "Ross Girshick"
    assert "@" in kb("--db", pg_url, "export", "--format", "bibtex")
    assert json.loads(kb("--db", pg_url, "export", "--format", "csl-json"))
    assert json.loads(kb("--db", pg_url, "dump"))["format"] == "kb-dump/1"
    assert kb("--db", pg_url, "check").strip() == "ok"
    kb("--db", pg_url, "search", "howard", "--reindex")
    assert "talks" in kb("--db", pg_url, "extract", sample_path)  # needs no database at all
    assert "Example" in kb("--db", pg_url, "tui", "--help")


def test_fresh_postgres_db_is_created_at_head_and_matches_the_models(pg_url):
    engine = open_db(pg_url)
    with engine.connect() as conn:
        assert current_revision(conn) == HEAD
        assert {"search_doc", "search_term"} <= set(inspect(conn).get_table_names())
    assert _diffs(engine) == []  # the search tables are not reported as removed
    engine.dispose()


def test_replaying_every_migration_on_postgres_matches_create_all(pg_url):
    engine = make_engine(pg_url)
    with engine.begin() as conn:
        upgrade(conn, "head")
    assert _diffs(engine) == []
    engine.dispose()


def test_v1_postgres_db_is_upgraded_without_losing_rows_or_edits(pg_url, sample_path, tmp_path):
    from sqlmodel import select

    from kb.models import Talk, UserEdit

    src = open_db(tmp_path / "src.sqlite")
    import_paths(src, [sample_path])
    with session_scope(src, write=True) as s:
        talk = s.exec(select(Talk).order_by(Talk.id)).first()
        talk.title = "A title fixed by hand"
        s.add(UserEdit(entity="talk", entity_id=talk.id, field="title", value=talk.title))
    old = make_engine(pg_url)
    with old.begin() as conn:
        upgrade(conn, BASELINE)
    with src.connect() as s_conn, old.begin() as o_conn:
        for table in SQLModel.metadata.sorted_tables:
            cols = [c for c in table.columns if (table.name, c.name) not in V2_COLUMNS]
            rows = [dict(r) for r in s_conn.execute(sa_select(*cols)).mappings()]
            if rows:
                o_conn.execute(_v1_insert(table, cols), rows)
        for table in SQLModel.metadata.sorted_tables:  # explicit ids were copied: move the sequences past them
            if table.name in LATER_TABLES:
                continue  # not there yet at the baseline revision
            if "id" in table.c and table.c.id.autoincrement is not False and table.c.id.primary_key:
                o_conn.exec_driver_sql(
                    f"SELECT setval(pg_get_serial_sequence('\"{table.name}\"', 'id'), "
                    f'coalesce((SELECT max(id) FROM "{table.name}"), 0) + 1, false)'
                )
    old.dispose()
    engine = open_db(pg_url)
    with engine.connect() as conn:
        assert current_revision(conn) == HEAD
    assert _diffs(engine) == []
    with session_scope(src) as s1, session_scope(engine) as s2:
        want, got = dump(s1), dump(s2)
    assert got == as_upgraded(want) and got["user_edits"][0]["value"] == "A title fixed by hand"
    assert import_paths(engine, [sample_path], force=True).results[0].status == "updated"
    engine.dispose()


def test_concurrent_open_of_a_fresh_postgres_db(pg_url):
    code = "import sys; from kb.db import open_db; open_db(sys.argv[1]).dispose()"
    procs = [
        subprocess.Popen([sys.executable, "-c", code, pg_url], stderr=subprocess.PIPE, text=True, cwd=REPO)
        for _ in range(3)
    ]
    errors = [p.communicate(timeout=120)[1] for p in procs]
    assert all(p.returncode == 0 for p in procs), errors
    assert not any("Warning" in e for e in errors), errors
    engine = make_engine(pg_url)
    with engine.connect() as conn:
        assert conn.exec_driver_sql("SELECT count(*) FROM alembic_version").scalar() == 1
    assert _diffs(engine) == []
    engine.dispose()
