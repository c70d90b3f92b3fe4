"""Several importers at once into one PostgreSQL database: no lost or duplicated people or papers."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import threading
from pathlib import Path

import pytest
from sqlmodel import func, select

import kb.importer
from benchmarks.gen_corpus import generate
from kb.db import open_db, session_scope
from kb.identity import PeopleResolver
from kb.importer import import_file, import_paths
from kb.maintenance import check, dump_json
from kb.models import Mention, Person, Post
from tests.conftest import REPO
from tests.test_reliability_concurrency import READER

pytestmark = pytest.mark.postgres

POST = """---
title: {conf} 2019 notes
---
# {conf} 2019

The first talk was on [Quiet {topic} models](https://example.org/{topic}.pdf) by [Zerelda Quortney](https://zq.example.org/).
"""


def test_two_posts_introducing_the_same_author_at_the_same_moment(pg_url, tmp_path, monkeypatch):
    """Forced race, advisory locks off: both insert the new person; the unique key stops the second, which
    retries its whole post and finds the first one's row. One person, two mentions, no error."""
    monkeypatch.setattr(kb.importer, "lock_keys", lambda session, keys: None)
    barrier = threading.Barrier(2)
    flush = PeopleResolver.flush
    waited: set[int] = set()

    def racing_flush(self):
        if self._new and threading.get_ident() not in waited:  # first attempt of each thread: line up
            waited.add(threading.get_ident())
            barrier.wait(timeout=30)
        return flush(self)

    monkeypatch.setattr(PeopleResolver, "flush", racing_flush)
    engine = open_db(pg_url)
    files = []
    for conf, topic in (("ICCV", "vision"), ("ACL", "language")):
        path = tmp_path / f"{conf.lower()}.md"
        path.write_text(POST.format(conf=conf, topic=topic), encoding="utf-8")
        files.append(path)
    results = [None, None]

    def run(i):
        results[i] = import_file(engine, files[i])

    threads = [threading.Thread(target=run, args=(i,)) for i in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=60)
    assert [r.status for r in results] == ["new", "new"], results
    assert sum(r.retries for r in results) >= 1, "the race did not happen"
    with session_scope(engine) as s:
        people = s.exec(select(Person).where(Person.key == "zerelda quortney")).all()
        assert len(people) == 1
        assert s.exec(select(func.count()).select_from(Mention).where(Mention.person_id == people[0].id)).one() == 2
    assert check(engine, files=False).ok
    engine.dispose()


def _env() -> dict[str, str]:
    return os.environ | {"PYTHONPATH": str(REPO)}


@pytest.mark.slow
def test_four_importers_and_a_reader_equal_a_sequential_import(pg_url, pg_server, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    posts = [p.relative_to(tmp_path) for p in generate(tmp_path / "posts", 32, seed=31)]
    open_db(pg_url).dispose()  # schema first: the importers race on posts, not on CREATE TABLE
    stop = tmp_path / "stop"
    reader = subprocess.Popen(
        [sys.executable, "-c", READER, pg_url, str(stop)],
        cwd=tmp_path,
        env=_env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    slices = [posts[i::4] + posts[(i + 1) % 4 :: 4][:2] for i in range(4)]  # 2 posts of the next slice each: overlap
    procs = [
        subprocess.Popen(
            [sys.executable, "-m", "kb.cli", "--db", pg_url, "import", "--json", *map(str, s)],
            cwd=tmp_path,
            env=_env(),
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for s in slices
    ]
    outs = [p.communicate(timeout=600) for p in procs]
    stop.touch()
    reads, reader_err = reader.communicate(timeout=60)
    for p, (_out, err) in zip(procs, outs, strict=False):
        assert p.returncode == 0, err
    assert reader.returncode == 0, reader_err
    summaries = [json.loads(out) for out, _ in outs]
    assert sum(s["new"] for s in summaries) == len(posts) and sum(s["failed"] for s in summaries) == 0

    engine = open_db(pg_url)
    with session_scope(engine) as s:
        order = [Path(p) for p in s.exec(select(Post.path).order_by(Post.id)).all()]
        concurrent = dump_json(s)
        dup = (
            s.connection()
            .exec_driver_sql(
                "SELECT (SELECT count(*) - count(DISTINCT key) FROM person) + (SELECT count(*) - count(DISTINCT key) FROM paperkey)"
            )
            .scalar()
        )
    assert dup == 0 and sorted(order) == sorted(posts)
    assert check(engine, files=False).ok
    engine.dispose()

    # The same posts one after another, in the order the importers committed them: the same knowledge base.
    sequential = open_db(pg_server.create_database("kb_sequential"))
    assert import_paths(sequential, order).count("new") == len(posts)
    with session_scope(sequential) as s:
        assert dump_json(s) == concurrent
    sequential.dispose()
