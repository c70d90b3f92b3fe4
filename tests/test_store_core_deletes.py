"""The garbage collection of a stored post's people and a paper's replaced author list run as prepared SQL on
SQLite when no object of their tables is in the session (issue 16, ``speed10``): the same rows go as through
the ORM's DELETEs, which had nothing to synchronise. Both import the sample posts and generated ones (authors
replaced by longer lists, people left without a reference), again in reverse with ``force``, then one edited
post: every table equal, row by row, ids and the search documents included."""

from __future__ import annotations

import shutil
from pathlib import Path

from kb import store
from kb.db import open_db, session_scope
from kb.models import Person
from tests.test_store_batched import _import_scenario, _tables
from tests.test_store_lazy_people import _posts


def test_core_deletes_remove_what_the_orm_removed(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # paths are stored relative to the working directory
    core_calls: list[list[int]] = []
    collect = store._collect_people

    def counting(session, ids):
        core_calls.append(ids)
        return collect(session, ids)

    monkeypatch.setattr(store, "_collect_people", counting)
    results = {}
    for core in (True, False):
        folder = tmp_path / "posts"
        if folder.exists():
            shutil.rmtree(folder)
        _posts(folder)
        if not core:
            monkeypatch.setattr(store, "_core_delete", lambda session, *models: False)
        engine = open_db(tmp_path / f"{core}.sqlite")
        _import_scenario(engine, Path("posts"))
        results[core] = _tables(engine)
        engine.dispose()
        if core:
            assert any(core_calls), "the prepared path was never taken"
            calls = len(core_calls)
    assert len(core_calls) == calls  # the ORM run did not take it
    got, want = results[True], results[False]
    assert set(got) == set(want)
    for name in want:
        assert got[name] == want[name], name
    assert len(want["person"]) > 100


def test_a_loaded_object_keeps_the_orm_delete(tmp_path):
    engine = open_db(tmp_path / "kb.sqlite")
    with session_scope(engine, write=True) as session:
        assert store._core_delete(session, Person)
        jane = Person(key="doe|jane", name="Jane Doe", family="Doe", given="Jane")
        session.add(jane)
        assert not store._core_delete(session, Person)  # pending
        session.flush()
        assert not store._core_delete(session, Person)  # in the identity map
        assert store._core_delete(session, store.Authorship)
        assert jane.id is not None
        session.rollback()
