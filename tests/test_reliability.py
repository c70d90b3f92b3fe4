"""SQLite settings, one transaction per post, and crash safety of ``kb import`` under SIGKILL."""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlalchemy.exc import IntegrityError
from sqlmodel import select

import kb.store
from benchmarks.gen_corpus import generate
from kb.db import BUSY_TIMEOUT_MS, open_db, session_scope
from kb.importer import import_paths
from kb.maintenance import dump_json
from kb.models import Post, Talk
from kb.queries import stats
from tests.conftest import REPO

# ---------------------------------------------------------------- settings


def test_every_connection_gets_wal_busy_timeout_and_foreign_keys(engine):
    for _ in range(2):  # a pooled and a fresh connection alike
        with engine.connect() as conn:
            pragma = {
                name: conn.exec_driver_sql(f"PRAGMA {name}").scalar()
                for name in ("journal_mode", "busy_timeout", "foreign_keys", "synchronous")
            }
        assert pragma == {
            "journal_mode": "wal",
            "busy_timeout": BUSY_TIMEOUT_MS,
            "foreign_keys": 1,
            "synchronous": 1,
        }  # NORMAL: safe against process crashes in WAL mode
        engine.dispose()


def test_foreign_keys_are_enforced(engine):
    with pytest.raises(IntegrityError):
        with session_scope(engine, write=True) as s:
            s.add(Talk(post_id=12345, key="orphan"))


def test_write_sessions_take_the_write_lock_up_front_and_readers_do_not_block(engine, tmp_path):
    other = sqlite3.connect(tmp_path / "kb.sqlite", timeout=0, isolation_level=None)
    with session_scope(engine, write=True) as s:
        s.exec(select(Post)).all()  # nothing written yet, but BEGIN IMMEDIATE already holds the lock
        with pytest.raises(sqlite3.OperationalError, match="locked"):
            other.execute("BEGIN IMMEDIATE")
        assert other.execute("SELECT count(*) FROM post").fetchone() == (0,)  # WAL: readers go on
    other.execute("BEGIN IMMEDIATE")
    other.execute("ROLLBACK")
    with session_scope(engine) as s:  # a read session does not take the write lock
        s.exec(select(Post)).all()
        other.execute("BEGIN IMMEDIATE")
        other.execute("ROLLBACK")
    other.close()


def test_a_post_that_fails_half_way_leaves_nothing(engine, sample_path, monkeypatch):
    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    monkeypatch.setattr(kb.store, "_links", boom)  # after talks, people, papers, references, citations
    result = import_paths(engine, [sample_path]).results[0]
    assert result.status == "failed" and "disk on fire" in result.error
    with session_scope(engine) as s:
        assert all(n == 0 for n in stats(s).values()), stats(s)
    monkeypatch.undo()
    assert import_paths(engine, [sample_path]).results[0].status == "new"


# ---------------------------------------------------------------- crash safety

N_POSTS = 40
TRIALS = 20


def _kb(*args: str, cwd: Path) -> subprocess.Popen:
    env = os.environ | {"PYTHONPATH": str(REPO)}
    return subprocess.Popen(
        [sys.executable, "-m", "kb.cli", *args],
        cwd=cwd,
        env=env,
        start_new_session=True,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )


def _group_gone(pgid: int, timeout: float = 5.0) -> bool:
    """True once no process of the group is left: the importer's extraction workers exit with it."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            os.killpg(pgid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.05)
    os.killpg(pgid, signal.SIGKILL)  # do not leave them behind either way
    return False


def _post_rows(db: Path) -> dict[str, dict]:
    """Per post path: its talks and references as plain tuples (read with sqlite3: no kb code, no repair)."""
    conn = sqlite3.connect(db)
    try:
        out = {}
        if not conn.execute("SELECT 1 FROM sqlite_master WHERE name = 'post'").fetchone():
            return out  # killed while creating the schema: that transaction left nothing behind either
        for pid, path in conn.execute("SELECT id, path FROM post"):
            out[path] = {
                "talks": conn.execute(
                    "SELECT key, title, kind, position FROM talk WHERE post_id = ? ORDER BY position", (pid,)
                ).fetchall(),
                "references": conn.execute(
                    "SELECT position, marker, raw FROM reference WHERE post_id = ? ORDER BY position", (pid,)
                ).fetchall(),
                "citations": conn.execute("SELECT count(*) FROM citation WHERE post_id = ?", (pid,)).fetchone()[0],
                "links": conn.execute("SELECT count(*) FROM link WHERE post_id = ?", (pid,)).fetchone()[0],
            }
        return out
    finally:
        conn.close()


def _count(db: Path) -> int:
    """Posts committed so far (0 while the database or its tables do not exist yet)."""
    if not db.exists():
        return 0
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            return conn.execute("SELECT count(*) FROM post").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.Error:
        return 0


def _sqlite_checks(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        assert conn.execute("PRAGMA foreign_key_check").fetchall() == []
    finally:
        conn.close()


def _dump(db: Path) -> str:
    engine = open_db(db)
    try:
        with session_scope(engine) as s:
            return dump_json(s)
    finally:
        engine.dispose()


@pytest.mark.slow
def test_sigkill_during_import_never_leaves_half_a_post(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # post paths are stored relative to the working directory
    posts = generate(tmp_path / "posts", N_POSTS, seed=11)

    # Expectations: one uninterrupted import of them all; its per-post rows equal a clean import of
    # that post alone (checked on a sample: talks and references depend on nothing but the post).
    ref = tmp_path / "ref.sqlite"
    engine = open_db(ref)
    assert import_paths(engine, [Path("posts")]).count("new") == N_POSTS
    engine.dispose()
    want, alone = _dump(ref), _post_rows(ref)
    for p in random.Random(5).sample(posts, 6):
        db = tmp_path / "alone.sqlite"
        engine = open_db(db)
        import_paths(engine, [p.relative_to(tmp_path)])
        engine.dispose()
        assert _post_rows(db) == {str(p.relative_to(tmp_path)): alone[str(p.relative_to(tmp_path))]}
        for f in tmp_path.glob("alone.sqlite*"):
            f.unlink()

    rng = random.Random(20240917)
    db = tmp_path / "crash.sqlite"
    mid_import = completed = 0
    for trial in range(TRIALS):
        before = _count(db)
        proc = _kb("--db", str(db), "import", "posts", cwd=tmp_path)
        if rng.random() < 0.15:  # now and then during start-up: schema creation, index build
            time.sleep(rng.uniform(0.05, 0.8))
        else:  # once `target` posts are in, somewhere inside the next one (a post takes ~30-80 ms)
            target = rng.randint(before, N_POSTS - 1)
            deadline = time.monotonic() + 60
            while _count(db) < target and proc.poll() is None and time.monotonic() < deadline:
                time.sleep(0.005)
            time.sleep(rng.uniform(0, 0.08))
        finished = proc.poll() is not None
        proc.send_signal(signal.SIGKILL)  # the importer only, as a crash would: its workers must follow
        proc.wait()
        assert _group_gone(proc.pid), f"trial {trial}: extraction workers outlived the killed importer"
        if finished:
            assert proc.returncode == 0, proc.stderr.read()
        if not db.exists():
            continue
        _sqlite_checks(db)
        got = _post_rows(db)
        for path, rows in got.items():  # every post is all in …
            assert rows == alone[path], f"trial {trial}: {path} is only partly imported"
        mid_import += 0 < len(got) < N_POSTS and not finished
        if len(got) == N_POSTS:  # … or all out; a completed DB equals the uninterrupted import
            completed += 1
            assert _dump(db) == want, f"trial {trial}"
            for f in tmp_path.glob("crash.sqlite*"):
                f.unlink()  # start over, so later kills hit partial imports again
        elif trial % 7 == 6:  # now and then: a re-run right after the crash completes to the same DB
            copy = tmp_path / "rerun.sqlite"
            for f in tmp_path.glob("crash.sqlite*"):
                shutil.copy(f, tmp_path / f.name.replace("crash", "rerun"))
            engine = open_db(copy)
            summary = import_paths(engine, [Path("posts")])
            engine.dispose()
            assert not summary.failed and summary.count("unchanged") == len(got)
            assert _dump(copy) == want, f"trial {trial}: re-run after the crash"
    assert mid_import >= TRIALS // 2, f"only {mid_import} kills landed mid-import"

    if db.exists():  # finally: re-run the killed import to the end
        proc = _kb("--db", str(db), "import", "posts", cwd=tmp_path)
        assert proc.wait(timeout=120) == 0, proc.stderr.read()
        _sqlite_checks(db)
        assert _dump(db) == want
    report = {"trials": TRIALS, "mid_import": mid_import, "completed": completed}
    print(json.dumps(report))
