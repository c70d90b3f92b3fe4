"""The people resolver loads a family name's people only when it needs them (issue 16, ``speed8``): for the
names of a post not found by key or alias, and for a family flush() looks at; what it decides is what the
eager load (every family of the post's names up front) decided. Both import the same posts, the sample posts
and generated ones with common family names, first in order, then again in reverse with ``force``, then one
edited post: every table equal, row by row, ids and the search documents included."""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

from kb.db import open_db
from kb.identity import PeopleResolver
from tests.test_store_batched import IMPORTS, REPO, _import_scenario, _tables


def _posts(dest: Path) -> Path:
    dest.mkdir()
    for p in IMPORTS:
        shutil.copyfile(p, dest / p.name)
    sys.path.insert(0, str(REPO))
    try:
        from benchmarks.gen_corpus import generate
    finally:
        sys.path.remove(str(REPO))
    for path in generate(dest / "gen", 40, 16):
        shutil.move(path, dest / f"gen-{path.name}")
    return dest


def test_lazy_families_write_what_the_eager_load_wrote(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # paths are stored relative to the working directory
    results = {}
    for lazy in (True, False):
        folder = tmp_path / "posts"
        if folder.exists():
            shutil.rmtree(folder)
        _posts(folder)
        monkeypatch.setattr(PeopleResolver, "LAZY_FAMILIES", lazy)
        engine = open_db(tmp_path / f"{lazy}.sqlite")
        _import_scenario(engine, Path("posts"))
        results[lazy] = _tables(engine)
        engine.dispose()
    got, want = results[True], results[False]
    assert set(got) == set(want)
    for name in want:
        assert got[name] == want[name], name
    assert len(want["person"]) > 100 and len(want["identitycandidate"]) > 0


def _resolve(engine, stored: list[str], calls: list[tuple[str, str | None]], lazy: bool, monkeypatch):
    """The people of ``calls`` (name, spelling) and the initials groups, with ``stored`` people in the KB."""
    from kb.db import session_scope
    from kb.identity import person_row, person_values
    from kb.models import Person

    monkeypatch.setattr(PeopleResolver, "LAZY_FAMILIES", lazy)
    with session_scope(engine, write=True) as session:
        conn = session.connection()
        conn.execute(Person.__table__.delete())
        conn.execute(Person.__table__.insert(), [person_values(person_row(n)) for n in stored])
        people = PeopleResolver(session, [name for name, _ in calls])
        got = [people.get(name, spelled) for name, spelled in calls]
        people.flush()
        out = [(p.id, p.name, p.key) for p in got], sorted(people.groups)
        session.rollback()
    return out


def test_a_family_flush_looks_at_is_loaded_then(tmp_path, monkeypatch):
    """ "A. Vedaldi", found by key, gets the fuller spelling "Angelo Vedaldi": renamed, its family is looked at
    for a second full name of the same initial (kb.initials). No name of the post needed that family's
    candidates, so the lazy resolver loads it then; the groups are the eager ones."""
    engine = open_db(tmp_path / "kb.sqlite")
    stored = ["Andrea Vedaldi", "A. Vedaldi", "Kaiming He"]
    calls = [("A. Vedaldi", "Angelo Vedaldi"), ("Kaiming He", None)]
    lazy = _resolve(engine, stored, calls, True, monkeypatch)
    eager = _resolve(engine, stored, calls, False, monkeypatch)
    assert lazy == eager
    assert eager[1] == [("vedaldi", "a")]
    engine.dispose()


def test_an_initial_sees_the_people_of_its_block_the_eager_load_had(tmp_path, monkeypatch):
    """ "J. Smyth" (not stored; an initial: no given-name block of its own) is compared with the people of its
    family and those of the same initial and family block that the post's other names bring in: "J. Smith"
    (family of "Jane Smith", a name of the post found by key) is one of them, loaded although no unknown name
    has his family."""
    engine = open_db(tmp_path / "kb.sqlite")
    stored = ["J. Smith", "Jane Smith", "John Smith"]
    calls = [("Jane Smith", None), ("J. Smyth", None)]
    lazy = _resolve(engine, stored, calls, True, monkeypatch)
    assert lazy == _resolve(engine, stored, calls, False, monkeypatch)
    assert lazy[0][1][0] == 1  # "J. Smyth" is "J. Smith"
    engine.dispose()


def test_one_query_per_load_reads_what_the_chunked_statements_read(tmp_path, monkeypatch):
    """The resolver's people load is one kb.db.Query of its shape when every value fits in one statement, else
    the conditions in chunks (a 100k-entry .bib): with the budget at 0 every load takes the chunked path; the
    tables are the same, row by row, eager and lazy."""
    import kb.identity

    monkeypatch.chdir(tmp_path)
    results = {}
    full = kb.identity.IN_CHUNK
    for budget, lazy in ((full, True), (0, True), (full, False), (0, False)):
        folder = tmp_path / "posts"
        if folder.exists():
            shutil.rmtree(folder)
        _posts(folder)
        monkeypatch.setattr(kb.identity, "IN_CHUNK", budget)
        monkeypatch.setattr(PeopleResolver, "LAZY_FAMILIES", lazy)
        engine = open_db(tmp_path / f"{budget}-{lazy}.sqlite")
        _import_scenario(engine, Path("posts"))
        results[budget, lazy] = _tables(engine)
        engine.dispose()
    assert full > 0
    for lazy in (True, False):
        assert results[0, lazy] == results[full, lazy]
    assert results[0, True] == results[0, False]
