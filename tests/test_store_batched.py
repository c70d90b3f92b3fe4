"""The store's batched write path (issue 16) writes what the row-at-a-time ORM path wrote, ids included,
in fewer statements.

* :func:`kb.db.insert_ids` (one multi-row INSERT … RETURNING on SQLite) gives the ids SQLAlchemy's ordered
  RETURNING (one INSERT per row) gives, in the rows' order;
* a KB imported through the batched path (multi-row INSERTs for papers, people, talks and events, rows made
  as loaded, the importer's one look at the post and the user edits) equals, table by table and row by row, ids and the
  search documents included, one imported with those replaced by the per-row path;
* the statements per stored post stay under a bound (counted with SQLAlchemy's ``before_cursor_execute``).
"""

from __future__ import annotations

import shutil
import sqlite3
from pathlib import Path

import pytest
from sqlalchemy import event, text

import kb.db
import kb.identity
import kb.importer
import kb.store
from kb.db import insert_ids, open_db, session_scope
from kb.importer import Prepared, import_file, import_paths, read_text
from kb.ingest.pipeline import extract
from kb.models import Conference

REPO = Path(__file__).resolve().parent.parent
IMPORTS = sorted((REPO / "imports").glob("*.md"))
TIME_COLUMNS = {"imported_at", "created_at", "updated_at", "fetched_at"}


def _tables(engine) -> dict[str, list[tuple]]:
    """Every table's rows (time stamps aside) in rowid / key order; the FTS index by what it answers."""
    out = {}
    with engine.connect() as conn:
        names = [
            r[0]
            for r in conn.exec_driver_sql(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%' "
                "AND name NOT LIKE 'search_fts%' ORDER BY name"
            )
        ]
        for name in names:
            cols = [r[1] for r in conn.exec_driver_sql(f"PRAGMA table_info('{name}')") if r[1] not in TIME_COLUMNS]
            if not cols:
                continue
            select = ", ".join(f'"{c}"' for c in cols)
            try:
                rows = conn.exec_driver_sql(f'SELECT {select} FROM "{name}" ORDER BY rowid').all()
            except Exception:  # noqa: BLE001 - WITHOUT ROWID / virtual tables: by their columns
                rows = conn.exec_driver_sql(f'SELECT {select} FROM "{name}" ORDER BY 1, 2').all()
            out[name] = [tuple(r) for r in rows]
        terms = [t for (t,) in conn.exec_driver_sql("SELECT term FROM search_vocab ORDER BY term LIMIT 60")]
        out["bm25"] = [
            conn.execute(
                text(
                    "SELECT rowid, round(bm25(search_fts), 9) FROM search_fts WHERE search_fts MATCH :q ORDER BY 2, 1"
                ),
                {"q": '"' + t.replace('"', '""') + '"'},
            ).all()
            for t in terms
        ]
    return out


def _row_at_a_time(monkeypatch) -> None:
    """The path before the batching: ordered RETURNING (one INSERT per row), ORM inserts, no hints."""

    def ordered(conn, table, rows):
        if not rows:
            return []
        stmt = table.insert().returning(table.c.id, sort_by_parameter_order=True)
        return list(conn.execute(stmt, rows).scalars().all())

    def orm_rows(session, model, objs):
        for obj in objs:
            session.add(obj)
        session.flush()

    monkeypatch.setattr(kb.identity, "insert_ids", ordered)
    monkeypatch.setattr(kb.store, "insert_ids", ordered)
    monkeypatch.setattr(kb.store, "_insert_rows", orm_rows)
    monkeypatch.setattr(kb.identity, "_as_read", lambda row: False)  # new papers loaded back with a SELECT
    monkeypatch.setattr(kb.store, "loaded_row", lambda model, **values: model(**values))  # SQLModel's constructor
    monkeypatch.setattr(kb.importer, "KNOWN", "kb_not_read_by_write_post")


def _import_scenario(engine, folder: Path) -> None:
    posts = sorted(folder.glob("*.md"))
    import_paths(engine, posts, workers=1)
    import_paths(engine, list(reversed(posts)), force=True, workers=1)  # every post updated in place
    victim = posts[len(posts) // 2]
    victim.write_text(victim.read_text(encoding="utf-8") + "\nEdited.\n", encoding="utf-8")
    import_paths(engine, [victim], workers=1)


@pytest.fixture
def folder(tmp_path) -> Path:
    dest = tmp_path / "posts"
    dest.mkdir()
    for p in IMPORTS:
        shutil.copyfile(p, dest / p.name)
    return dest


def test_insert_ids_are_the_rows_ids_in_order(tmp_path):
    engine = open_db(tmp_path / "kb.sqlite")
    with session_scope(engine, write=True) as session:
        conn = session.connection()
        table = Conference.__table__
        ids = insert_ids(conn, table, [{"key": f"k{i}", "name": f"n{i}"} for i in range(7)])
        conn.execute(table.delete().where(table.c.id.in_(ids[2:4])))  # gaps below the largest id stay gaps
        more = insert_ids(conn, table, [{"key": f"m{i}", "name": f"m{i}"} for i in range(3)])
        got = dict(conn.execute(text("SELECT id, key FROM conference")).all())
    assert ids == list(range(1, 8))
    assert more == [8, 9, 10]
    assert [got[i] for i in ids[:2] + more] == ["k0", "k1", "m0", "m1", "m2"]
    assert insert_ids(None, table, []) == []
    engine.dispose()


def test_insert_ids_stays_under_sqlites_old_bound_variable_limit(tmp_path):
    engine = open_db(tmp_path / "kb.sqlite")

    @event.listens_for(engine, "connect")
    def low_limit(dbapi_conn, _record):
        dbapi_conn.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 999)  # SQLite before 3.32

    engine.dispose()
    rows = [{"key": f"k{i}", "name": f"n{i}", "year": 2000 + i % 20, "location": "x", "url": "u"} for i in range(700)]
    with session_scope(engine, write=True) as session:
        ids = insert_ids(session.connection(), Conference.__table__, rows)
        got = dict(session.connection().execute(text("SELECT id, key FROM conference")).all())
    assert ids == list(range(1, 701))
    assert [got[i] for i in ids] == [r["key"] for r in rows]
    engine.dispose()


def test_batched_path_writes_what_the_row_at_a_time_path_wrote(tmp_path, folder, monkeypatch):
    # paths are stored relative to the working directory: the same folder name for both runs
    monkeypatch.chdir(tmp_path)
    fast = open_db(tmp_path / "fast.sqlite")
    _import_scenario(fast, Path("posts"))
    got = _tables(fast)
    fast.dispose()
    shutil.rmtree(folder)
    folder.mkdir()
    for p in IMPORTS:
        shutil.copyfile(p, folder / p.name)
    with monkeypatch.context() as m:
        _row_at_a_time(m)
        slow = open_db(tmp_path / "slow.sqlite")
        _import_scenario(slow, Path("posts"))
        want = _tables(slow)
        slow.dispose()
    assert set(got) == set(want)
    for name in want:
        assert got[name] == want[name], name
    assert len(want["talk"]) > 20 and len(want["paper"]) > 20 and len(want["person"]) > 50


def test_statements_per_stored_post_stay_bounded(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    engine = open_db(tmp_path / "kb.sqlite")
    prepared = []
    for path in IMPORTS:
        body, sha = read_text(path)
        prepared.append((path, Prepared(body, sha, extract(body, source=path.name))))
    counter = [0]

    def count(*_args) -> None:
        counter[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    per_post = []
    for path, prep in prepared:
        before = counter[0]
        assert import_file(engine, path, prepared=prep).status == "new"
        per_post.append(counter[0] - before)
    again = []
    for path, prep in prepared:
        before = counter[0]
        assert import_file(engine, path, force=True, prepared=prep).status == "updated"
        again.append(counter[0] - before)
    event.remove(engine, "before_cursor_execute", count)
    engine.dispose()
    # Batched, a new sample post costs 13-47 statements (36 on average), whatever its number of talks, papers
    # and people (up to 70 people and 40 papers); row by row it took 28-131 (88 on average). Updated in place:
    # 29-49 (was 40-62).
    assert max(per_post) <= 50, per_post
    assert sum(per_post) / len(per_post) <= 40, per_post
    assert max(again) <= 55, again
