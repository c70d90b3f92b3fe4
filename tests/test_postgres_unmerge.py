"""A merge, its undo and a "not the same" answer go with kb sync to PostgreSQL and back."""

from __future__ import annotations

import shutil

import pytest
from sqlmodel import select

from kb import curation, merges
from kb.db import open_db, session_scope
from kb.importer import import_paths
from kb.models import IdentityCandidate, Person, PersonAlias
from kb.sync import sync
from test_tui_review_identity import ACL, DAY3, DAY4

pytestmark = pytest.mark.postgres  # the notes DAY3, DAY4 make identity candidates (K. Zhang, Emma Strubell)


def people(engine) -> dict[str, str]:
    """{name: key} of the people that matter here, and which of them stand for another (by alias key)."""
    with session_scope(engine) as s:
        rows = s.exec(
            select(Person.name, Person.key).where(Person.name.like("%tubell%") | Person.name.like("%trubell%"))
        ).all()
        return dict(rows)


def pairs(engine) -> int:
    with session_scope(engine) as s:
        return len(s.exec(select(IdentityCandidate)).all())


def test_merge_unmerge_and_keep_apart_travel_to_postgres_and_back(tmp_path, pg_url):
    folder = tmp_path / "notes"
    folder.mkdir()
    shutil.copy(ACL, folder / ACL.name)
    src = open_db(tmp_path / "src.sqlite")
    import_paths(src, [folder / ACL.name])
    for name, text in (("day3.md", DAY3), ("day4.md", DAY4)):  # K. Zhang meets Kai and Kaiming: candidates
        (folder / name).write_text(text, encoding="utf-8")
        import_paths(src, [folder / name])
    with session_scope(src, write=True) as s:
        ids = dict(s.exec(select(Person.name, Person.id)).all())
        curation.merge(s, "person", ids["Emma Strubell"], ids["Emma Stubell"])
    pg = open_db(pg_url)
    sync(src, pg)
    assert "Emma Strubell" not in people(pg) and "emma strubell" in _alias_keys(pg, "Emma Stubell")
    with session_scope(src, write=True) as s:
        merges.unmerge(s, "person", "emma strubell")
        k_zhang = s.exec(select(Person.id).where(Person.name == "K. Zhang")).one()
        zhang = s.exec(
            select(IdentityCandidate).where((IdentityCandidate.a_id == k_zhang) | (IdentityCandidate.b_id == k_zhang))
        ).first()
        merges.keep_apart(s, "person", zhang.a_id, zhang.b_id)
    left = pairs(src)
    sync(src, pg)  # PostgreSQL had the merge and the candidate: both undone there
    assert (
        people(pg)
        == people(src)
        == {"Emma Stubell": "emma stubell", "Emma Strubell": "emma strubell", "E. Strubell": "e strubell"}
    )
    assert pairs(pg) == left
    back = open_db(tmp_path / "back.sqlite")
    sync(pg, back)
    assert people(back) == people(src) and pairs(back) == left
    for e in (src, pg, back):
        e.dispose()


def _alias_keys(engine, name: str) -> list[str]:
    with session_scope(engine) as s:
        return list(
            s.exec(
                select(PersonAlias.key).join(Person, Person.id == PersonAlias.person_id).where(Person.name == name)
            ).all()
        )
