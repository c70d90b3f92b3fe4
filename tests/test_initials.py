"""Issue 19, item 7: an initial between two full names ('K. Zhang' between Kai and Kaiming Zhang) ends where
the posts say, whatever their order: split off when a second full name comes, joined again when it goes
(the state a fresh import of the remaining posts gives), kept across --force and kb sync, and never
against the user's merges, unmerges, "not the same" answers or name edits (kb.initials)."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from sqlmodel import select

from kb import curation, merges
from kb.db import open_db, session_scope
from kb.maintenance import dump
from kb.models import Authorship, Mention, Paper, Person, PersonAlias, TalkSpeaker
from kb.sync import sync
from tests.test_idempotence import ZHANGS, _dump, _one_by_one, _two_processes, people_and_pairs

APART = (
    {"K. Zhang": ["K. Zhang"], "Kai Zhang": ["Kai Zhang"], "Kaiming Zhang": ["Kaiming Zhang"]},
    {frozenset(("K. Zhang", "Kai Zhang")), frozenset(("K. Zhang", "Kaiming Zhang"))},
)
KAIMING_GONE = "Notes about residual networks, no speaker named.\n"
ORDERS = list(itertools.permutations(sorted(ZHANGS)))


@pytest.fixture
def posts(tmp_path, monkeypatch) -> dict[str, Path]:
    monkeypatch.chdir(tmp_path)
    for name, text in ZHANGS.items():
        Path(name).write_text(text)
    return {name: Path(name) for name in ZHANGS}


def _imported(tmp_path: Path, name: str, order, force: bool = False):
    engine = open_db(tmp_path / f"{name}.sqlite")
    _one_by_one(engine, [Path(p) for p in order], force=force)
    return engine


def _person_of(engine, model) -> str:
    """The name of the one person ``model`` (Authorship, Mention …) links to for 'K. Zhang'."""
    with session_scope(engine) as s:
        (pid,) = s.exec(select(model.person_id).where(model.spelling == "K. Zhang")).all()
        return s.get(Person, pid).name


@pytest.mark.parametrize("order", ORDERS, ids=["".join(n[0] for n in o) for o in ORDERS])
def test_a_full_name_gone_lets_the_initial_join_again_as_a_fresh_import_would(tmp_path, posts, order):
    engine = _imported(tmp_path, "kb", order)
    assert people_and_pairs(engine) == APART
    before = _dump(engine)
    _one_by_one(engine, [Path(p) for p in order[::-1]], force=True)
    assert _dump(engine) == before
    posts["b.md"].write_text(KAIMING_GONE)  # Kaiming's post no longer names him: he is garbage-collected
    _one_by_one(engine, [posts["b.md"]])
    fresh = _imported(tmp_path, "fresh", ["b.md", "c.md", "a.md"])
    assert _dump(engine) == _dump(fresh)
    assert people_and_pairs(engine) == ({"Kai Zhang": ["K. Zhang", "Kai Zhang"]}, set())
    assert _person_of(engine, Authorship) == "Kai Zhang"

    posts["b.md"].write_text(ZHANGS["b.md"])  # and back: split off again
    _one_by_one(engine, [posts["b.md"]])
    assert people_and_pairs(engine) == APART
    assert _dump(engine) == _dump(_imported(tmp_path, "again", order[::-1]))
    for e in (engine, fresh):
        e.dispose()


def test_force_reimport_sync_and_two_processes_keep_the_split(tmp_path, posts):
    engine = _imported(tmp_path, "kb", ["c.md", "a.md", "b.md"])  # K. joined Kai, then Kaiming split it off
    want = _dump(engine)
    for order in (["a.md", "b.md", "c.md"], ["c.md", "b.md", "a.md"]):
        _one_by_one(engine, [Path(p) for p in order], force=True)
        assert _dump(engine) == want
    target = open_db(tmp_path / "target.sqlite")
    report = sync(engine, target)
    assert report.posts_written == 3 and not report.skipped
    assert _dump(target) == want
    again = sync(engine, target)
    assert (again.posts_written, again.edits, again.merges) == (0, 0, 0) and _dump(target) == want
    with session_scope(target) as s:
        assert s.exec(select(Authorship.spelling)).all() == ["K. Zhang"]
        spelled = {
            (s.get(Person, pid).name, sp) for pid, sp in s.exec(select(TalkSpeaker.person_id, TalkSpeaker.spelling))
        }
    assert spelled == {("Kai Zhang", "Kai Zhang"), ("Kaiming Zhang", "Kaiming Zhang")}
    for e in (engine, target):
        e.dispose()
    _two_processes(str(tmp_path / "two.sqlite"), [Path("a.md"), Path("c.md")], [Path("c.md"), Path("b.md")])
    two = open_db(tmp_path / "two.sqlite")
    assert _dump(two) == want
    two.dispose()


def test_a_mention_spelled_with_the_initial_moves_with_its_talk_link(tmp_path, posts):
    """A talk by 'K. Zhang' (speaker link and mention) went with Kai while he was the only K.; Kaiming
    comes, and both links leave Kai for 'K. Zhang', as when the talk comes last."""
    Path("d.md").write_text("## Image super-resolution (K. Zhang)\n\nNotes about the talk.\n")
    engine = _imported(tmp_path, "kb", ["a.md", "d.md"])
    assert _person_of(engine, TalkSpeaker) == _person_of(engine, Mention) == "Kai Zhang"
    _one_by_one(engine, [posts["b.md"]])
    assert _person_of(engine, TalkSpeaker) == _person_of(engine, Mention) == "K. Zhang"
    assert _dump(engine) == _dump(_imported(tmp_path, "last", ["b.md", "a.md", "d.md"]))
    engine.dispose()


def _ids(engine) -> dict[str, int]:
    with session_scope(engine) as s:
        return {p.name: p.id for p in s.exec(select(Person))}


@pytest.mark.parametrize("into_initial", [False, True], ids=["into-full-name", "into-initial"])
def test_a_hand_merge_of_the_initial_survives_a_new_full_name_and_force(tmp_path, posts, into_initial):
    engine = _imported(tmp_path, "kb", ["a.md", "b.md", "c.md"])
    ids = _ids(engine)
    with session_scope(engine, write=True) as s:  # the user says K. Zhang is Kai (either row kept)
        pair = (ids["Kai Zhang"], ids["K. Zhang"]) if into_initial else (ids["K. Zhang"], ids["Kai Zhang"])
        curation.merge_people(s, *pair)
    merged = _dump(engine)
    Path("d.md").write_text("Kaito Zhang talked about diffusion.\n")  # a third full name of the initial K.
    _one_by_one(engine, [Path("d.md")])
    _one_by_one(engine, [Path(p) for p in ("c.md", "b.md", "a.md")], force=True)
    with session_scope(engine) as s:
        who = {sp: pid for m in (Authorship, TalkSpeaker) for pid, sp in s.exec(select(m.person_id, m.spelling))}
        assert who["K. Zhang"] == who["Kai Zhang"] != who["Kaiming Zhang"]  # still one, as the user said
        assert s.exec(select(Person).where(Person.key == "k zhang")).first() is None
        aliases = set(s.exec(select(PersonAlias.alias).where(PersonAlias.person_id == who["K. Zhang"])).all())
        assert {"K. Zhang", "Kai Zhang"} <= aliases
        if not into_initial:
            assert (s.get(Person, who["K. Zhang"]).name, aliases) == ("Kai Zhang", {"K. Zhang", "Kai Zhang"})
        # kept as "K. Zhang", the merged person is the one initial of the posts: 'Kaito Zhang' joins it on
        # arrival (kb.identity.decide) and names it, and the hand merge still holds
        whole = dump(s)
    made = [(m["from_name"], m["from_key"]) for m in json.loads(merged)["merges"]]
    assert [(m["from_name"], m["from_key"]) for m in whole["merges"]] == made
    assert made == ([("Kai Zhang", "kai zhang")] if into_initial else [("K. Zhang", "k zhang")])
    engine.dispose()


def test_kept_apart_or_unmerged_the_initial_does_not_join_again(tmp_path, posts):
    engine = _imported(tmp_path, "kb", ["a.md", "b.md", "c.md"])
    ids = _ids(engine)
    with session_scope(engine, write=True) as s:  # the user: K. Zhang is not Kai Zhang
        merges.keep_apart(s, "person", ids["K. Zhang"], ids["Kai Zhang"])
    posts["b.md"].write_text(KAIMING_GONE)  # K. would now fit Kai alone
    _one_by_one(engine, [posts["b.md"]])
    assert people_and_pairs(engine) == ({"K. Zhang": ["K. Zhang"], "Kai Zhang": ["Kai Zhang"]}, set())
    assert _person_of(engine, Authorship) == "K. Zhang"
    engine.dispose()

    posts["b.md"].write_text(ZHANGS["b.md"])
    engine = _imported(tmp_path, "unmerged", ["a.md", "b.md", "c.md"])
    ids = _ids(engine)
    with session_scope(engine, write=True) as s:  # merged by hand, then the merge undone
        curation.merge_people(s, ids["K. Zhang"], ids["Kai Zhang"])
    with session_scope(engine, write=True) as s:
        merges.unmerge(s, "person", "k zhang")
    posts["b.md"].write_text(KAIMING_GONE)
    _one_by_one(engine, [posts["b.md"]])
    assert _person_of(engine, Authorship) == "K. Zhang"
    assert set(people_and_pairs(engine)[0]) == {"K. Zhang", "Kai Zhang"}
    engine.dispose()


def test_a_name_set_by_hand_stays_when_the_initial_leaves(tmp_path, posts):
    engine = _imported(tmp_path, "kb", ["c.md", "a.md"])  # K. Zhang joined Kai Zhang
    ids = _ids(engine)
    with session_scope(engine, write=True) as s:
        curation.edit_field(s, "person", ids["Kai Zhang"], "name", "Kai X. Zhang")
    _one_by_one(engine, [posts["b.md"]])
    aliases, pairs = people_and_pairs(engine)
    assert sorted(aliases) == ["K. Zhang", "Kai X. Zhang", "Kaiming Zhang"]
    assert aliases["K. Zhang"] == ["K. Zhang"] and pairs == {
        frozenset(("K. Zhang", "Kai X. Zhang")),
        frozenset(("K. Zhang", "Kaiming Zhang")),
    }
    with session_scope(engine) as s:
        assert s.get(Person, ids["Kai Zhang"]).name == "Kai X. Zhang"
        assert s.exec(select(Paper)).one() is not None
    engine.dispose()


@pytest.mark.postgres
def test_postgres_gives_the_sqlite_kb_in_any_order_and_by_sync(tmp_path, posts, pg_server):
    want = _dump(lite := _imported(tmp_path, "lite", ["a.md", "b.md", "c.md"]))
    urls = [pg_server.create_database(f"kb_initials_{n}") for n in range(2)]
    try:
        pg = open_db(urls[0])
        _one_by_one(pg, [Path(p) for p in ("c.md", "a.md", "b.md")])
        assert _dump(pg) == want
        pg.dispose()
        synced = open_db(urls[1])
        sync(_imported(tmp_path, "split", ["c.md", "b.md", "a.md"]), synced)
        assert _dump(synced) == want
        synced.dispose()
    finally:
        lite.dispose()
        for n in range(2):
            pg_server.drop_database(f"kb_initials_{n}")


def test_kb_check_fix_sweeping_the_full_name_away_joins_the_initial_again(tmp_path, posts):
    """A post removed from the database by hand (its rows left dangling): ``kb check --fix`` deletes the
    rows and the person only it named, and the initial fits Kai alone again, as in a fresh import."""
    from sqlalchemy import text

    from kb.maintenance import fix

    engine = _imported(tmp_path, "kb", ["c.md", "a.md", "b.md"])
    with engine.begin() as conn:
        conn.execute(text("PRAGMA foreign_keys=OFF"))
        conn.execute(text("DELETE FROM post WHERE path = 'b.md'"))
    assert fix(engine).ok
    assert people_and_pairs(engine) == ({"Kai Zhang": ["K. Zhang", "Kai Zhang"]}, set())
    assert _dump(engine) == _dump(_imported(tmp_path, "fresh", ["c.md", "a.md"]))
    engine.dispose()


def test_an_author_list_of_unknown_spelling_is_ranked_by_its_peoples_names(tmp_path, monkeypatch):
    """Author links made before migration 0005 have no spelling: a post's list of initials of the same
    length does not replace the full names they name (a list kb enrich or a fuller post gave)."""
    monkeypatch.chdir(tmp_path)
    post = Path("refs.md")
    post.write_text('Notes.\n\n## References\n\n[1] Kai Zhang and Yang Li, "Something," in Proc. CVPR, 2017.\n')
    engine = _imported(tmp_path, "kb", [post])
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE authorship SET spelling = NULL")
    post.write_text('Notes.\n\n## References\n\n[1] K. Zhang and Y. Li, "Something," in Proc. CVPR, 2017.\n')
    _one_by_one(engine, [post], force=True)
    with session_scope(engine) as s:
        (paper,) = dump(s)["papers"]
    assert (paper["authors"], paper["author_spellings"]) == (["kai zhang", "yang li"], [None, None])
    post.write_text('Notes.\n\n## References\n\n[1] Kai Zhang, Yang Li and Bo Wu, "Something," in Proc. CVPR, 2017.\n')
    _one_by_one(engine, [post])  # a longer list still wins, and brings its spellings
    with session_scope(engine) as s:
        (paper,) = dump(s)["papers"]
    assert paper["author_spellings"] == ["Kai Zhang", "Yang Li", "Bo Wu"]
    engine.dispose()
