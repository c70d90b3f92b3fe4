"""Two ``kb import`` processes and a reader on one SQLite file: no lock errors, same DB as a sequential run."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest
from sqlmodel import select

from benchmarks.gen_corpus import generate
from kb.db import open_db, session_scope
from kb.importer import import_paths
from kb.maintenance import check, dump_json
from kb.models import Post
from tests.conftest import REPO

READER = textwrap.dedent("""
    import sys, time
    from pathlib import Path
    from kb.db import open_db, session_scope
    from kb.queries import list_rows, stats
    try:
        from kb.search import search
    except ImportError:
        search = None
    engine = open_db(sys.argv[1])
    stop, reads, last = Path(sys.argv[2]), 0, -1
    while not stop.exists():
        with session_scope(engine) as s:
            n = stats(s)["posts"]
            assert n >= last, (n, last)  # committed posts never disappear
            last = n
            list_rows(s, "talks", 50)
            if search is not None:
                search(s, "deep networks", limit=10)
        reads += 1
    print(reads)
""")


def _env() -> dict[str, str]:
    return os.environ | {"PYTHONPATH": str(REPO)}


@pytest.mark.slow
def test_two_importers_and_a_reader_at_once(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    posts = [p.relative_to(tmp_path) for p in generate(tmp_path / "posts", 30, seed=23)]
    db = tmp_path / "kb.sqlite"
    stop = tmp_path / "stop"
    # The reader starts first and opens the (new) database while the importers race to create it too.
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, str(db), str(stop)],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    first, second = posts[:20], list(reversed(posts[10:]))  # ten posts both want, met from both ends
    importers = [
        subprocess.Popen(
            [sys.executable, "-m", "kb.cli", "--db", str(db), "import", "--json", *map(str, files)],
            cwd=tmp_path,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for files in (first, second)
    ]
    results = [p.communicate(timeout=300) for p in importers]
    stop.touch()
    reads, reader_err = reader.communicate(timeout=60)
    for proc, (_out, err) in zip(importers, results, strict=False):
        assert proc.returncode == 0, err
        assert "locked" not in err.lower(), err
    assert reader.returncode == 0 and "locked" not in reader_err.lower(), reader_err
    summaries = [json.loads(out) for out, _ in results]
    assert sum(r["new"] for r in summaries) == len(posts)  # a post both wanted was written once …
    assert sum(r["unchanged"] for r in summaries) == 10  # … the loser saw it already stored, under the lock
    assert int(reads) > 0

    engine = open_db(db)
    with session_scope(engine) as s:
        order = [Path(p) for p in s.exec(select(Post.path).order_by(Post.id)).all()]
        concurrent = dump_json(s)
    assert sorted(order) == sorted(posts)  # every post exactly once
    assert check(engine).ok
    engine.dispose()

    # The same posts one after another, in the order the two importers committed them.
    sequential = open_db(tmp_path / "seq.sqlite")
    summary = import_paths(sequential, order)
    assert summary.count("new") == len(posts)
    with session_scope(sequential) as s:
        assert dump_json(s) == concurrent
    sequential.dispose()
