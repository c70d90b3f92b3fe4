"""Issue 19, items 3 and 8: kb check beside a running writer; odd and foreign databases."""

from __future__ import annotations

import os
import socket
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest

from kb import maintenance
from kb.db import DatabaseUnusable, open_db
from tests.conftest import IMPORTS, REPO


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


# ---------------------------------------------------------------- item 8: odd databases


def kb(*args: str, cwd: Path, db: str | None = None) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(REPO)}
    env.pop("KB_DB", None)
    pre = ["--db", db] if db is not None else []
    return subprocess.run(
        [sys.executable, "-m", "kb.cli", *pre, *args], cwd=cwd, env=env, capture_output=True, text=True, timeout=300
    )


def assert_one_line_error(proc: subprocess.CompletedProcess, *words: str) -> None:
    assert proc.returncode == 1, proc
    assert "Traceback" not in proc.stderr, proc.stderr
    lines = proc.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: "), proc.stderr
    for w in words:
        assert w in lines[0], (w, lines[0])


def _kb_db(tmp_path: Path) -> Path:
    db = tmp_path / "good.sqlite"
    assert kb("import", *map(str, sorted(IMPORTS.glob("*.md"))[:3]), cwd=tmp_path, db=str(db)).returncode == 0
    return db


COMMANDS = (
    ["stats"],
    ["list", "talks"],
    ["search", "deep"],
    ["dump"],
    ["check"],
    ["export"],
    ["import", str(IMPORTS / "acl-2019-florence-bertology.md")],
)


def test_a_truncated_file_or_a_text_file_is_one_line_on_every_command(tmp_path):
    truncated = tmp_path / "truncated.sqlite"
    truncated.write_bytes(_kb_db(tmp_path).read_bytes()[:20_000])
    text = tmp_path / "notes.sqlite"
    text.write_text("these are my notes, not a database\n" * 100)
    for db, why in ((truncated, "malformed"), (text, "not a database")):
        for args in COMMANDS:
            assert_one_line_error(kb(*args, cwd=tmp_path, db=str(db)), db.name, why)
    assert text.read_text().startswith("these are my notes")


def test_a_foreign_sqlite_database_is_refused_and_never_gets_kb_tables(tmp_path):
    db = tmp_path / "app.sqlite"
    with sqlite3.connect(db) as conn:
        conn.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total REAL)")
    before = db.read_bytes()
    for args in (*COMMANDS, ["check", "--fix"]):
        assert_one_line_error(kb(*args, cwd=tmp_path, db=str(db)), "not a kb database", "invoices")
    sync = kb("sync", "--from", str(_kb_db(tmp_path)), "--to", str(db), cwd=tmp_path)
    assert_one_line_error(sync, "not a kb database")
    with sqlite3.connect(db) as conn:
        assert [r[0] for r in conn.execute("SELECT name FROM sqlite_master")] == ["invoices"]
    assert db.read_bytes() == before
    with pytest.raises(DatabaseUnusable, match="not a kb database"):
        open_db(db)


def test_an_empty_file_is_a_new_database(tmp_path):
    db = tmp_path / "empty.sqlite"
    db.touch()  # nothing to read yet (issue 17: reading never creates a knowledge base), but kb import fills it
    assert_one_line_error(kb("stats", cwd=tmp_path, db=str(db)), "no knowledge base at", "empty.sqlite")
    assert kb("import", str(IMPORTS / "acl-2019-florence-bertology.md"), cwd=tmp_path, db=str(db)).returncode == 0
    assert kb("stats", cwd=tmp_path, db=str(db)).returncode == 0


def test_a_path_is_a_path_not_a_uri(tmp_path):
    name = "copy #1?.sqlite"
    proc = kb("import", str(IMPORTS / "acl-2019-florence-bertology.md"), cwd=tmp_path, db=name)
    assert proc.returncode == 0, proc.stderr
    assert (tmp_path / name).is_file() and not (tmp_path / "copy #1").exists()
    assert (
        "1 new"
        in kb("import", str(IMPORTS / "aaai-2020-new-york-visa-saga.md"), cwd=tmp_path, db=str(tmp_path / name)).stdout
    )


def test_a_database_that_cannot_be_created_is_one_line(tmp_path):
    (tmp_path / "afile").write_text("x")
    assert_one_line_error(kb("stats", cwd=tmp_path, db="afile/kb.sqlite"), "afile/kb.sqlite")


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only folders")
def test_a_read_only_folder_is_one_line(tmp_path):
    ro = tmp_path / "ro"
    ro.mkdir()
    ro.chmod(0o555)
    try:
        for args in COMMANDS:
            assert_one_line_error(kb(*args, cwd=tmp_path, db=str(ro / "kb.sqlite")), "kb.sqlite")
    finally:
        ro.chmod(0o755)


def test_an_unreachable_server_is_one_line_without_the_password(tmp_path):
    with socket.socket() as s:  # a port nobody listens on
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    url = f"postgresql://kb:s3cret-pw@127.0.0.1:{port}/kb"
    for args in (["stats"], ["list", "talks"], ["import", str(IMPORTS / "acl-2019-florence-bertology.md")]):
        proc = kb(*args, cwd=tmp_path, db=url)
        assert_one_line_error(proc, "127.0.0.1", "***")
        assert "s3cret-pw" not in proc.stderr + proc.stdout


def _corrupt_pages(db: Path) -> None:
    """Damage three pages a third, a half and two thirds into the file: data pages, never the schema's (a
    damaged schema is refused at open, before quick_check; which page falls where depends on the write order)."""
    with sqlite3.connect(db) as conn:
        page, pages = (conn.execute(f"PRAGMA {p}").fetchone()[0] for p in ("page_size", "page_count"))
        try:
            schema = {n for (n,) in conn.execute("SELECT pageno FROM dbstat WHERE name = 'sqlite_schema'")}
        except sqlite3.OperationalError:  # no dbstat in this SQLite build
            schema = {1}
    with db.open("r+b") as f:
        for n in (pages // 3, pages // 2, 2 * pages // 3):
            while n + 1 in schema:  # (page numbers count from 1; file offsets from 0)
                n += 1
            f.seek(n * page + 8)
            f.write(b"\xff" * 200)


def test_a_damaged_database_is_never_written_to(tmp_path):
    db = _kb_db(tmp_path)
    _corrupt_pages(db)
    damaged = db.read_bytes()
    for args in (
        ["import", str(IMPORTS / "aaai-2020-new-york-visa-saga.md")],
        ["check", "--fix"],
        ["export"],
        ["search", "--reindex", "deep"],
        ["enrich", "--offline"],
    ):
        assert_one_line_error(kb(*args, cwd=tmp_path, db=str(db)), "damaged", "quick_check")
    assert db.read_bytes() == damaged
    for args in (["dump"], ["list", "talks"], ["stats"]):  # reads: the data, or one line
        proc = kb(*args, cwd=tmp_path, db=str(db))
        assert "Traceback" not in proc.stderr and len(proc.stderr.strip().splitlines()) <= 1, proc.stderr
