"""The review screen's people and papers keys, end to end: n fix a name, m merge, u unmerge, i possible
duplicates. Each is in the database, survives a forced re-import and goes with kb sync (both ways: an
unmerge undoes the merge in a target that had it)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from sqlmodel import select

from kb.db import open_db, session_scope
from kb.importer import import_paths
from kb.models import (
    Annotation,
    Citation,
    IdentityCandidate,
    Merge,
    Paper,
    PaperKey,
    Person,
    Post,
    Talk,
    TalkSpeaker,
    UserEdit,
)
from kb.sync import sync
from kb.tui import make_app
from kb.tui.history import Location
from test_tui_helpers import press, screen_text, settle, type_text

REPO = Path(__file__).resolve().parents[1]
ACL = REPO / "imports" / "acl-2019-florence-bertology.md"
SIZE = (120, 40)
# Two more notes of our own: "K. Zhang" and "Emma Strubell" arrive after people they may be (identity candidates).
DAY3 = """---
title: Notes from ACL 2019, day three
---
# ACL 2019

## Talks

- **Graph Neural Networks for Parsing** by Kai Zhang
- **Vision Transformers Everywhere** by Kaiming Zhang
"""
DAY4 = """---
title: Notes from ACL 2019, day four
---
# ACL 2019

## Talks

- **Residual Learning Revisited** by K. Zhang
- **Energy Matters** by Emma Strubell
"""
ENERGY = "Energy and Policy Considerations for Deep Learning in NLP"  # the ACL talk by "Emma Stubell"
XLING = "Exploiting similarities among languages for machine translation"  # both cited on line 15
WORDS = "Word translation without parallel data"


@pytest.fixture
def kb(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    shutil.copy(ACL, folder / ACL.name)
    (folder / "day3.md").write_text(DAY3, encoding="utf-8")
    (folder / "day4.md").write_text(DAY4, encoding="utf-8")
    engine = open_db(tmp_path / "kb.sqlite")
    for name in (ACL.name, "day3.md", "day4.md"):  # in this order: the later names meet the earlier people
        assert import_paths(engine, [folder / name]).results[0].status == "new"
    yield engine, folder
    engine.dispose()


def pid(engine, name: str) -> int:
    with session_scope(engine) as s:
        return s.exec(select(Post.id).where(Post.path.like(f"%{name}"))).one()


def person(engine, name: str) -> int | None:
    with session_scope(engine) as s:
        return s.exec(select(Person.id).where(Person.name == name)).first()


def speakers_of(engine, title: str) -> list[str]:
    with session_scope(engine) as s:
        return list(
            s.exec(
                select(Person.name)
                .join(TalkSpeaker, TalkSpeaker.person_id == Person.id)
                .join(Talk, Talk.id == TalkSpeaker.talk_id)
                .where(Talk.title == title)
                .order_by(TalkSpeaker.position)
            ).all()
        )


def day4_energy(engine) -> list[str]:
    """The speakers of day four's second talk (line 9; the extractor leaves its title out)."""
    with session_scope(engine) as s:
        return list(
            s.exec(
                select(Person.name)
                .join(TalkSpeaker, TalkSpeaker.person_id == Person.id)
                .join(Talk, Talk.id == TalkSpeaker.talk_id)
                .join(Post, Post.id == Talk.post_id)
                .where(Post.path.like("%day4.md"), Talk.line == 9)
            ).all()
        )


def candidates(engine) -> set[tuple[str, str]]:
    with session_scope(engine) as s:
        names = dict(s.exec(select(Person.id, Person.name)).all())
        return {tuple(sorted((names[c.a_id], names[c.b_id]))) for c in s.exec(select(IdentityCandidate)).all()}


def reimport(engine, folder) -> None:
    assert {r.status for r in import_paths(engine, [folder], force=True).results} <= {"updated", "unchanged"}


async def select_item(pilot, kind: str, name: str) -> None:
    from textual.widgets import OptionList

    screen = pilot.app.screen
    box = screen.query_one(OptionList)
    box.focus()
    field = {"talk": "title", "person": "name", "paper": "title"}[kind]
    for n, (k, item) in enumerate(screen.items):
        if k == kind and item[field] == name:
            box.highlighted = n
            await settle(pilot)
            assert screen.current() == (kind, item)
            return
    raise AssertionError(f"no {kind} {name!r} on the review screen")


async def key_on(pilot, kind: str, name: str, key: str) -> str:
    """Select the row and press ``key`` on it; what the screen shows then."""
    await select_item(pilot, kind, name)
    await press(pilot, key)
    return screen_text(pilot.app)


def test_the_fixture_has_the_identity_candidates_the_keys_answer(kb):
    engine, _ = kb
    assert candidates(engine) == {
        ("K. Zhang", "Kai Zhang"),
        ("K. Zhang", "Kaiming Zhang"),
        ("E. Strubell", "Emma Strubell"),
        ("Emma Strubell", "Emma Stubell"),
    }


async def test_people_and_papers_are_listed_and_selecting_one_scrolls_to_its_source(kb):
    engine, _ = kb
    app = make_app(engine, start=Location("review", pid(engine, ACL.name)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "People (11)" in text and "1 possible duplicates (i)" in text
        from kb.tui.source import SourceView

        view = app.screen.query_one(SourceView)
        await select_item(pilot, "person", "Emma Stubell")
        assert app.screen.current()[1]["candidates"] == 1
        assert "Emma Stubell" in view.lines[view.cursor]
        await select_item(pilot, "paper", WORDS)
        assert "(Conneau et al., 2018)" in view.lines[view.cursor]
        assert view.scroll_y <= view.cursor < view.scroll_y + view.size.height


async def test_n_fixes_a_speakers_name_for_good(kb):
    engine, folder = kb
    stubell = person(engine, "Emma Stubell")
    app = make_app(engine, start=Location("review", pid(engine, ACL.name)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await key_on(pilot, "talk", ENERGY, "n")  # a talk: its one speaker's name
        assert "Edit person" in screen_text(app)
        await press(pilot, "ctrl+u")
        await type_text(pilot, "Emma Strubell-Fixed")
        await press(pilot, "enter")
        assert app.screen.selected()["speakers"] == ["Emma Strubell-Fixed"]
        assert "Emma Strubell-Fixed" in screen_text(app)
    assert speakers_of(engine, ENERGY) == ["Emma Strubell-Fixed"]
    with session_scope(engine) as s:
        edit = s.exec(select(UserEdit).where(UserEdit.entity == "person", UserEdit.field == "name")).one()
        assert (edit.entity_id, edit.value) == (stubell, "Emma Strubell-Fixed")
        # a name is an identity, not the post's extraction: no training example from it
        assert s.get(Annotation, pid(engine, ACL.name)) is None
    reimport(engine, folder)
    assert speakers_of(engine, ENERGY) == ["Emma Strubell-Fixed"] and person(engine, "Emma Stubell") is None


async def test_m_merges_with_the_candidates_first_and_u_unmerges_restoring_the_rows(kb, tmp_path):
    engine, folder = kb
    stubell = person(engine, "Emma Stubell")
    assert person(engine, "Emma Strubell") is not None
    app = make_app(engine, start=Location("review", pid(engine, ACL.name)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await key_on(pilot, "person", "Emma Stubell", "m")
        text = screen_text(app)
        assert "Merge which person into “Emma Stubell”?" in text
        assert "Possibly the same, found on import:" in text and "Emma Strubell" in text  # the suggested pair
        await press(pilot, "enter")
        assert "Merge “Emma Strubell” into “Emma Stubell”?" in screen_text(app)
        await press(pilot, "y")
        assert type(app.screen).__name__ == "ReviewScreen"
        assert app.screen.current()[1]["merged"] == [{"key": "emma strubell", "name": "Emma Strubell"}]
        assert "merged: Emma Strubell" in screen_text(app)
    assert person(engine, "Emma Strubell") is None
    assert day4_energy(engine) == ["Emma Stubell"]  # day four's talk moved with the merge
    reimport(engine, folder)
    assert person(engine, "Emma Strubell") is None and day4_energy(engine) == ["Emma Stubell"]
    target = open_db(tmp_path / "copy.sqlite")
    sync(engine, target)
    assert day4_energy(target) == ["Emma Stubell"]

    app = make_app(engine, start=Location("review", pid(engine, ACL.name)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await key_on(pilot, "talk", ENERGY, "u")  # from a talk: its speaker's merges
        assert "Split “Emma Strubell” off “Emma Stubell”" in screen_text(app)
        await press(pilot, "enter")
        assert "merged:" not in screen_text(app)
    restored = person(engine, "Emma Strubell")
    assert restored is not None and person(engine, "Emma Stubell") == stubell
    assert day4_energy(engine) == ["Emma Strubell"] and speakers_of(engine, ENERGY) == ["Emma Stubell"]
    with session_scope(engine) as s:
        assert s.exec(select(Merge)).all() == []
        assert set(s.exec(select(UserEdit.field).where(UserEdit.entity == "kb")).all()) == {
            "unmerged:person:emma strubell",
            "distinct:person:emma strubell|emma stubell",
        }  # and not the same
        assert s.get(Person, restored).key == "emma strubell"
    assert candidates(engine) >= {("E. Strubell", "Emma Strubell")}  # its open question is back
    assert ("Emma Strubell", "Emma Stubell") not in candidates(engine)  # the user said: not the same
    reimport(engine, folder)
    assert day4_energy(engine) == ["Emma Strubell"] and speakers_of(engine, ENERGY) == ["Emma Stubell"]
    report = sync(engine, target)  # the target had the merge: the sync undoes it there too
    assert report.edits >= 1
    assert day4_energy(target) == ["Emma Strubell"] and speakers_of(target, ENERGY) == ["Emma Stubell"]
    assert sync(engine, target).edits == 0  # and a second sync changes nothing
    target.dispose()


async def test_m_and_u_on_a_paper_move_its_citations_and_back(kb):
    engine, folder = kb

    def cited(title: str) -> list[int]:
        with session_scope(engine) as s:
            return list(
                s.exec(
                    select(Citation.line)
                    .join(Paper, Paper.id == Citation.paper_id)
                    .where(Paper.title == title)
                    .order_by(Citation.line)
                ).all()
            )

    assert cited(XLING) == [15] and cited(WORDS) == [15]
    with session_scope(engine) as s:
        xling_keys = set(
            s.exec(select(PaperKey.key).join(Paper, Paper.id == PaperKey.paper_id).where(Paper.title == XLING)).all()
        )
    app = make_app(engine, start=Location("review", pid(engine, ACL.name)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await key_on(pilot, "paper", WORDS, "m")
        await type_text(pilot, "Exploiting simil")
        await press(pilot, "enter")
        question = screen_text(app)  # (it wraps after "machine")
        assert "Merge “Exploiting similarities among languages for machine" in question
        assert f"translation” into “{WORDS}”?" in question
        await press(pilot, "y")
        assert XLING not in [i["title"] for k, i in app.screen.items if k == "paper"]
    assert cited(XLING) == [] and cited(WORDS) == [15, 15]
    reimport(engine, folder)
    assert cited(WORDS) == [15, 15]
    app = make_app(engine, start=Location("review", pid(engine, ACL.name)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await key_on(pilot, "paper", WORDS, "u")
        await press(pilot, "enter")
        assert XLING in [i["title"] for k, i in app.screen.items if k == "paper"]
    assert cited(XLING) == [15] and cited(WORDS) == [15]
    with session_scope(engine) as s:
        assert (
            set(
                s.exec(
                    select(PaperKey.key).join(Paper, Paper.id == PaperKey.paper_id).where(Paper.title == XLING)
                ).all()
            )
            == xling_keys
        )
    reimport(engine, folder)
    assert cited(XLING) == [15] and cited(WORDS) == [15]


async def test_i_lists_the_posts_possible_duplicates_and_merges_or_keeps_apart(kb, tmp_path):
    engine, folder = kb
    app = make_app(engine, start=Location("review", pid(engine, "day4.md")))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await key_on(pilot, "person", "Emma Strubell", "i")
        text = screen_text(app)
        assert "Possible duplicates: the same one, or two?" in text
        rows = [line for line in text.splitlines() if "≟" in line]
        assert len(rows) == 4 and "Strubell" in rows[0] and "Strubell" in rows[1]  # the selected one's pairs first
        await press(pilot, "enter")  # E. Strubell ≟ Emma Strubell
        assert "The same: merge" in screen_text(app)
        await press(pilot, "enter")  # the same: merge “Emma Strubell” into “E. Strubell”
        assert ("E. Strubell", "Emma Strubell") not in candidates(engine)
        await key_on(pilot, "person", "K. Zhang", "i")
        rows = [line for line in screen_text(app).splitlines() if "≟" in line]
        assert "K. Zhang" in rows[0] and "Kai Zhang" in rows[0]
        await press(pilot, "enter")
        await press(pilot, "up")  # "Not the same: keep them apart" is the last answer
        await press(pilot, "enter")
    assert day4_energy(engine) == ["E. Strubell"]
    assert candidates(engine) == {("K. Zhang", "Kaiming Zhang")}
    with session_scope(engine) as s:
        kb_edits = set(s.exec(select(UserEdit.field).where(UserEdit.entity == "kb")).all())
        assert kb_edits == {"merged:person:emma strubell", "distinct:person:k zhang|kai zhang"}
    reimport(engine, folder)
    assert candidates(engine) == {("K. Zhang", "Kaiming Zhang")}
    assert day4_energy(engine) == ["E. Strubell"]
    target = open_db(tmp_path / "copy.sqlite")
    sync(engine, target)
    assert candidates(target) == {("K. Zhang", "Kaiming Zhang")}
    assert day4_energy(target) == ["E. Strubell"]
    target.dispose()


async def test_identity_keys_on_a_post_without_candidates_or_merges_say_so(kb):
    engine, _ = kb
    app = make_app(engine, start=Location("review", pid(engine, "day3.md")))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await key_on(pilot, "person", "Kai Zhang", "u")
        assert "Nothing was merged into “Kai Zhang”." in [n.message for n in app._notifications]
        assert type(app.screen).__name__ == "ReviewScreen"


async def test_n_on_a_paper_fixes_its_title_for_good(kb, tmp_path):
    engine, folder = kb
    fixed = "Word Translation Without Parallel Data"
    app = make_app(engine, start=Location("review", pid(engine, ACL.name)))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Edit paper" in await key_on(pilot, "paper", WORDS, "n")
        await press(pilot, "ctrl+u")
        await type_text(pilot, fixed)
        await press(pilot, "enter")
        assert app.screen.current() == (
            "paper",
            next(i for k, i in app.screen.items if k == "paper" and i["title"] == fixed),
        )
    reimport(engine, folder)
    target = open_db(tmp_path / "copy.sqlite")
    sync(engine, target)
    for e in (engine, target):
        with session_scope(e) as s:
            assert s.exec(select(Paper.title).where(Paper.title.in_([WORDS, fixed]))).all() == [fixed]
    target.dispose()
