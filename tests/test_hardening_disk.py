"""Issue 19, item 9: a disk that fills up in the middle of ``kb import``.

Was: a traceback and no summary. Now: one line saying the import stopped and why, the summary of what was
imported, exit code 1, every stored post whole, and the next ``kb import`` (with space again) finishes the job.

The disk is "full" through ``RLIMIT_FSIZE`` set in the child process: it works unprivileged (a small tmpfs
needs root or a user namespace), on any filesystem, and only for the importer (Python ignores SIGXFSZ, so
the write fails with EFBIG and SQLite reports an I/O error, as it would for ENOSPC).
"""

from __future__ import annotations

import json
import os
import re
import resource
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlmodel import select

from benchmarks.gen_corpus import generate
from kb.db import open_db, session_scope
from kb.importer import import_paths
from kb.maintenance import check, dump_json
from kb.models import Post
from tests.conftest import IMPORTS, REPO


def _kb(cwd: Path, *args: str, fsize: int | None = None) -> subprocess.CompletedProcess:
    def limit() -> None:
        if fsize is not None:
            resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

    env = os.environ | {"PYTHONPATH": str(REPO)}
    env.pop("KB_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "kb", *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
        preexec_fn=limit,
        check=False,
    )


def _largest_file(db: Path) -> int:
    return max(p.stat().st_size for p in db.parent.glob(db.name + "*"))


def _dump(engine) -> str:
    with session_scope(engine) as s:
        return dump_json(s)


@pytest.mark.parametrize("posts", ["samples", pytest.param("generated", marks=pytest.mark.slow)])
def test_disk_full_mid_import_stops_with_one_line_and_the_summary(tmp_path, monkeypatch, posts):
    folder = tmp_path / "posts"
    if posts == "samples":  # 13 posts: written by this process
        shutil.copytree(IMPORTS, folder)
    else:  # 24 posts: extracted by the worker pool, which must be stopped too
        generate(folder, 24, seed=5)
    files = sorted(p.relative_to(tmp_path) for p in folder.iterdir())

    # How big the database files get when there is room: the limit is half of that.
    assert _kb(tmp_path, "--db", "room.sqlite", "import", "posts").returncode == 0
    limit = _largest_file(tmp_path / "room.sqlite") // 2
    assert _kb(tmp_path, "--db", "kb.sqlite", "init").returncode == 0

    full = _kb(tmp_path, "--db", "kb.sqlite", "import", "posts", fsize=limit)
    assert full.returncode == 1, full.stderr
    assert "Traceback" not in full.stderr
    lines = [line for line in full.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("error: stopped: cannot write to the database (disk full?)"), lines
    done, rest = map(int, re.search(r"; (\d+) posts imported, (\d+) not imported;", lines[0]).groups())
    assert 0 < done < len(files) and done + rest == len(files)
    assert full.stdout.startswith(f"{done} new, 0 updated, 0 unchanged, 0 failed post(s);"), full.stdout

    # What is stored is exactly the first `done` posts, each whole: the same KB as importing just those.
    engine = open_db(tmp_path / "kb.sqlite")
    with session_scope(engine) as s:
        stored = sorted(s.exec(select(Post.path)).all())
    assert stored == [str(f) for f in files[:done]]
    report = check(engine, root=tmp_path, files=False)
    assert not (report.integrity or report.dangling or report.orphans), report.to_json()
    monkeypatch.chdir(tmp_path)  # post paths are stored relative to the working folder
    alone = open_db(tmp_path / "alone.sqlite")
    assert not import_paths(alone, files[:done], workers=1).failed
    assert _dump(engine) == _dump(alone)
    alone.dispose()
    engine.dispose()

    # With room again, the next import finishes the job: the same KB as one import of everything.
    again = _kb(tmp_path, "--db", "kb.sqlite", "import", "posts")
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(f"{len(files) - done} new, 0 updated, {done} unchanged, 0 failed"), again.stdout
    finished, room = open_db(tmp_path / "kb.sqlite"), open_db(tmp_path / "room.sqlite")
    assert _dump(finished) == _dump(room)
    finished.dispose()
    room.dispose()


def test_disk_full_as_json_names_what_was_not_imported(tmp_path):
    shutil.copytree(IMPORTS, tmp_path / "posts")
    assert _kb(tmp_path, "--db", "room.sqlite", "import", "posts").returncode == 0
    limit = _largest_file(tmp_path / "room.sqlite") // 2
    assert _kb(tmp_path, "--db", "kb.sqlite", "init").returncode == 0
    full = _kb(tmp_path, "--db", "kb.sqlite", "import", "--json", "posts", fsize=limit)
    assert full.returncode == 1 and "Traceback" not in full.stderr
    data = json.loads(full.stdout)
    assert data["failed"] == 0 and 0 < data["new"] < 13 and data["not_imported"] == 13 - data["new"]
    assert data["stopped"].startswith("stopped: cannot write to the database")
