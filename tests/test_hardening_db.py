"""Issue 19, items 3 and 8: kb check beside a running writer; odd and foreign databases."""

from __future__ import annotations

import sqlite3

import pytest

from kb import maintenance
from kb.db import open_db


def _commit_elsewhere(path) -> bool:
    """Another process's write (a second connection, no waiting); False when the write lock was taken."""
    conn = sqlite3.connect(path, timeout=0, isolation_level=None)
    try:
        conn.execute("BEGIN IMMEDIATE")
        conn.execute("CREATE TABLE IF NOT EXISTS other_writer (n INTEGER)")
        conn.execute("INSERT INTO other_writer VALUES (1)")
        conn.execute("COMMIT")
        return True
    except sqlite3.OperationalError as exc:
        assert "locked" in str(exc)
        return False
    finally:
        conn.close()


@pytest.mark.parametrize("run", [maintenance.check, maintenance.fix])
def test_check_beside_a_writer_never_fails_with_database_is_locked(tmp_path, monkeypatch, run):
    """An import commits between the orphan finder's reads and its (rolled-back) DELETEs.

    Before: the DELETEs ran in a deferred transaction whose snapshot was then
    stale, and SQLite refused them at once ("database is locked"). Now the
    finder takes the write lock at BEGIN, so the other writer waits (or, here,
    gives up) instead.
    """
    db = tmp_path / "kb.sqlite"
    engine = open_db(db)
    real_counts = maintenance._counts
    calls = []

    def counts_then_someone_writes(session):
        out = real_counts(session)
        if not calls:
            calls.append(_commit_elsewhere(db))
        return out

    monkeypatch.setattr(maintenance, "_counts", counts_then_someone_writes)
    report = run(engine)
    assert calls == [False]  # the finder held the write lock: the other writer had to wait
    assert report.ok
    engine.dispose()
