"""The review screen driven key by key on our own sample posts (imports/): each key's correction is in the
database, survives a forced re-import, and leaves a training example (kb.models.Annotation)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import select

from kb.db import open_db, session_scope
from kb.importer import import_paths
from kb.models import Annotation, Person, Post, Talk, TalkSpeaker, UserEdit
from kb.tui import make_app
from kb.tui.history import Location
from kb.tui.messages import Open
from test_tui_helpers import cursor_to, press, screen_text, settle, type_text, unsure_heads

REPO = Path(__file__).resolve().parents[1]
ACL = REPO / "imports" / "acl-2019-florence-bertology.md"
CVPR = REPO / "imports" / "cvpr-2022-new-orleans-diffusion-tutorial.md"
SIZE = (120, 40)


@pytest.fixture
def kb(tmp_path):
    """(engine, folder) with the ACL and CVPR sample posts imported."""
    folder = tmp_path / "notes"
    folder.mkdir()
    for post in (ACL, CVPR):
        shutil.copy(post, folder / post.name)
    engine = open_db(tmp_path / "kb.sqlite")
    with unsure_heads():  # the CVPR tutorial's three parts, at 0.32
        assert [r.status for r in import_paths(engine, [folder]).results] == ["new", "new"]
        yield engine, folder
    engine.dispose()


def post_id(engine, name: str) -> int:
    with session_scope(engine) as s:
        return s.exec(select(Post.id).where(Post.path.like(f"%{name}"))).one()


def talks(engine, pid: int) -> list[tuple[str | None, list[str], str, int | None]]:
    """(title, speakers, kind, line) of the post's talks, in order."""
    with session_scope(engine) as s:
        out = []
        for t in s.exec(select(Talk).where(Talk.post_id == pid).order_by(Talk.position)).all():
            names = s.exec(
                select(Person.name)
                .join(TalkSpeaker, TalkSpeaker.person_id == Person.id)
                .where(TalkSpeaker.talk_id == t.id)
                .order_by(TalkSpeaker.position)
            ).all()
            out.append((t.title, list(names), t.kind, t.line))
        return out


def reimport(engine, folder) -> None:
    assert {r.status for r in import_paths(engine, [folder], force=True).results} <= {"updated", "unchanged"}


def trained_titles(engine, pid: int) -> list[str | None]:
    """The talk titles of the post's training example (the corrected record)."""
    with session_scope(engine) as s:
        row = s.get(Annotation, pid)
        assert row is not None, "no training example was written"
        return [t["title"] for t in json.loads(row.record)["talks"]]


async def select_talk(pilot, title: str) -> None:
    from textual.widgets import OptionList

    screen = pilot.app.screen
    box = screen.query_one(OptionList)
    box.focus()
    for n, t in enumerate(screen.data["talks"]):
        if t["title"] == title:
            box.highlighted = n
            await settle(pilot)
            assert screen.selected()["title"] == title
            return
    raise AssertionError(f"no talk {title!r} on the review screen")


async def source_to(pilot, line: int) -> None:
    """Focus the source and move its cursor to ``line`` (1-based) with the arrow keys."""
    from kb.tui.review import SourceView

    view = pilot.app.screen.query_one(SourceView)
    view.focus()
    for _ in range(200):
        if view.cursor == line - 1:
            return
        await press(pilot, "down" if view.cursor < line - 1 else "up")
    raise AssertionError(f"the source cursor never reached line {line}")


# --- each key, end to end ------------------------------------------------------------------------------


async def test_d_deletes_the_selected_talk_for_good(kb):
    engine, folder = kb
    pid = post_id(engine, ACL.name)
    title = "Bridging the Gap between Training and Inference for Neural Machine Translation"
    assert title in [t[0] for t in talks(engine, pid)]
    app = make_app(engine, start=Location("review", pid))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert " new · 6 talks · " in screen_text(app)
        await select_talk(pilot, title)
        await press(pilot, "d")
        assert "Not a talk: delete" in screen_text(app)
        await press(pilot, "y")
        assert " edited · 5 talks · " in screen_text(app)
        assert title not in [t["title"] for t in app.screen.data["talks"]]
    assert title not in [t[0] for t in talks(engine, pid)]
    with session_scope(engine) as s:
        edits = s.exec(select(UserEdit).where(UserEdit.entity == "post", UserEdit.entity_id == pid)).all()
        assert [e.field for e in edits] == ["talk.delete#1"]
        assert json.loads(edits[0].value)["title"] == title
    assert title not in trained_titles(engine, pid)
    reimport(engine, folder)
    assert title not in [t[0] for t in talks(engine, pid)]
    assert len(talks(engine, pid)) >= 5


async def test_a_adds_a_talk_from_the_source_line(kb):
    engine, folder = kb
    pid = post_id(engine, ACL.name)
    before = talks(engine, pid)
    assert 33 not in [t[3] for t in before]  # "### Notes" holds no talk
    app = make_app(engine, start=Location("review", pid))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await source_to(pilot, 33)
        await press(pilot, "a")
        assert app.screen.selected()["line"] == 33  # the new talk is selected
        assert "line 33" in screen_text(app) and " edited · 7 talks · " in screen_text(app)
    added = [t for t in talks(engine, pid) if t[3] == 33]
    assert added == [("Notes", [], "other", 33)]
    assert "Notes" in trained_titles(engine, pid)
    reimport(engine, folder)
    assert [t for t in talks(engine, pid) if t[3] == 33] == added


@pytest.mark.parametrize("key", ["e", "t"])
async def test_e_and_t_edit_the_title(kb, key):
    engine, folder = kb
    pid = post_id(engine, ACL.name)
    old = "What Does BERT Learn about the Structure of Language"
    new = "What Does BERT Learn about the Structure of Language?"
    app = make_app(engine, start=Location("review", pid))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select_talk(pilot, old)
        await press(pilot, key)
        assert "Edit talk" in screen_text(app)
        await press(pilot, "ctrl+u")
        await type_text(pilot, new)
        await press(pilot, "enter")
        assert type(app.screen).__name__ == "ReviewScreen"
        assert app.screen.selected()["title"] == new
        assert app.current_theme.dark  # "t" edits here; it does not switch the theme
    titles = [t[0] for t in talks(engine, pid)]
    assert new in titles and old not in titles
    with session_scope(engine) as s:
        assert s.exec(select(UserEdit.value).where(UserEdit.entity == "talk", UserEdit.field == "title")).all() == [new]
    assert new in trained_titles(engine, pid)
    reimport(engine, folder)
    assert new in [t[0] for t in talks(engine, pid)]


async def test_s_sets_the_speakers_and_k_the_kind(kb):
    engine, folder = kb
    pid = post_id(engine, ACL.name)
    title = "Energy and Policy Considerations for Deep Learning in NLP"
    app = make_app(engine, start=Location("review", pid))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select_talk(pilot, title)
        await press(pilot, "s")
        await press(pilot, "ctrl+u")
        await type_text(pilot, "Emma Strubell; Ananya Ganesh")
        await press(pilot, "enter")
        assert app.screen.selected()["speakers"] == ["Emma Strubell", "Ananya Ganesh"]
        assert "Emma Strubell, Ananya Ganesh" in screen_text(app)
        await press(pilot, "k")
        await press(pilot, "ctrl+u")
        await type_text(pilot, "keynote")
        await press(pilot, "enter")
        assert app.screen.selected()["kind"] == "keynote"
    expected = (title, ["Emma Strubell", "Ananya Ganesh"], "keynote", 29)  # was Emma Stubell, talk
    assert expected in talks(engine, pid)
    reimport(engine, folder)
    assert expected in talks(engine, pid)


async def test_p_marks_a_speaker_as_not_a_person(kb):
    engine, folder = kb
    pid = post_id(engine, ACL.name)
    title = "What Does BERT Look At? An Analysis of BERT's Attention"
    app = make_app(engine, start=Location("review", pid))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await select_talk(pilot, title)
        assert app.screen.selected()["speakers"] == ["Kevin Clark"]
        await press(pilot, "p")
        assert "Which name is not a person?" in screen_text(app)
        await press(pilot, "enter")
        assert app.screen.selected()["speakers"] == []
    assert [t[1] for t in talks(engine, pid) if t[0] == title] == [[]]
    with session_scope(engine) as s:
        assert s.exec(select(UserEdit.value).where(UserEdit.entity == "kb")).all() == ["Kevin Clark"]
        assert (
            s.exec(
                select(TalkSpeaker).join(Person, Person.id == TalkSpeaker.person_id).where(Person.name == "Kevin Clark")
            ).first()
            is None
        )
    reimport(engine, folder)
    assert [t[1] for t in talks(engine, pid) if t[0] == title] == [[]]


async def test_r_marks_the_post_reviewed_and_home_and_posts_list_follow(kb):
    engine, folder = kb
    pid = post_id(engine, ACL.name)
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "2 posts wait for review" in screen_text(app)
        await press(pilot, "6")
        rows = [line for line in screen_text(app).splitlines() if line.startswith(" ACL 2019, Florence")]
        assert len(rows) == 1 and rows[0].rstrip().endswith("new")
        await press(pilot, "escape")
        app.post_message(Open("review", pid))
        await settle(pilot)
        assert type(app.screen).__name__ == "ReviewScreen"
        assert " new · 6 talks · " in screen_text(app)
        await press(pilot, "r")
        assert " reviewed · " in screen_text(app)
        await press(pilot, "h")
        assert "Review  1 post waits for review" in screen_text(app)
        await cursor_to(pilot, "1 post waits for review")
        await press(pilot, "enter")  # the home page's line opens the post still waiting
        assert type(app.screen).__name__ == "ReviewScreen"
        assert app.screen.location.id == post_id(engine, CVPR.name)
        await press(pilot, "h")
        await press(pilot, "6")
        rows = [line for line in screen_text(app).splitlines() if line.startswith(" ACL 2019, Florence")]
        assert len(rows) == 1 and rows[0].rstrip().endswith("reviewed")
    with session_scope(engine) as s:
        assert s.exec(select(UserEdit.field).where(UserEdit.entity == "post", UserEdit.entity_id == pid)).all() == [
            "review"
        ]
    reimport(engine, folder)
    from kb import review

    with session_scope(engine) as s:
        assert review.states(s, [pid, post_id(engine, CVPR.name)]) == {
            pid: "reviewed",
            post_id(engine, CVPR.name): "new",
        }
        assert review.waiting(s) == 1


async def test_an_edited_post_is_edited_until_reviewed(kb):
    engine, _folder = kb
    from kb import corrections, review

    pid = post_id(engine, ACL.name)
    with session_scope(engine, write=True) as s:
        talk = s.exec(select(Talk.id).where(Talk.post_id == pid, Talk.line == 30)).one()
        corrections.set_talk(s, talk, "kind", "oral")
    with session_scope(engine) as s:
        assert review.states(s, [pid])[pid] == "edited"
        assert review.waiting(s) == 2


# --- ways in -----------------------------------------------------------------------------------------


async def test_without_a_post_the_most_unsure_one_opens_and_selecting_a_talk_scrolls_the_source(kb):
    engine, _folder = kb
    app = make_app(engine, start=Location("review", None))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        screen = app.screen
        assert screen.location.id == post_id(engine, CVPR.name)  # four talks under 0.6 confidence
        assert "4 unsure" in screen_text(app) and "confidence 0.32" in screen_text(app)
        from kb.tui.review import SourceView

        view = screen.query_one(SourceView)
        last = [t for t in screen.data["talks"] if t["title"]][-1]  # the last titled one: Petr Hrubý's
        await select_talk(pilot, last["title"])
        assert view.cursor == last["line"] - 1
        assert view.scroll_y <= last["line"] - 1 < view.scroll_y + view.size.height
        row = next(line for line in screen_text(app).splitlines() if line.lstrip().startswith(f"{last['line']} T "))
        assert "Petr Hrub" in row or last["title"][:20] in row


async def test_r_on_a_posts_page_opens_its_review_and_the_palette_has_review(kb):
    engine, _folder = kb
    pid = post_id(engine, ACL.name)
    app = make_app(engine, start=Location("post", pid))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "r")
        assert type(app.screen).__name__ == "ReviewScreen" and app.screen.location.id == pid
        assert "Review: ACL 2019" in screen_text(app)
        await press(pilot, "question_mark")
        text = screen_text(app)
        keys = (
            ("d", "Not a talk"),
            ("a", "Add talk"),
            ("e", "Title"),
            ("s", "Speakers"),
            ("k", "Kind"),
            ("p", "Not person"),
            ("r", "Reviewed"),
            ("n", "Name"),
            ("m", "Merge"),
            ("u", "Unmerge"),
            ("i", "Same?"),
        )
        for key, what in keys:
            assert re.search(rf"│\s+{key}\s+{re.escape(what)}\s", text), (key, what)
        await press(pilot, "escape")
        footer = screen_text(app).splitlines()[-1]
        for key, what in keys[:10]:  # the footer shows them too (as many as its width holds)
            assert f"{key} {what}" in footer, (key, what)
    from kb.tui.palette import BrowseProvider

    names = [name for name, message, _help in BrowseProvider._commands(None)]
    assert "Review the next post" in names


def test_kb_review_command_opens_the_screen(kb, monkeypatch, tmp_path):
    engine, _folder = kb
    from kb.cli import main
    from kb.tui.app import KbApp

    started = []
    monkeypatch.setattr(KbApp, "run", lambda self: started.append(self.start))
    db = str(engine.url.database)
    runner = CliRunner()
    assert runner.invoke(main, ["--db", db, "review"]).exit_code == 0
    assert runner.invoke(main, ["--db", db, "review", ACL.name]).exit_code == 0
    missing = runner.invoke(main, ["--db", db, "review", "nope.md"])
    assert missing.exit_code == 1 and "no such post" in missing.output
    assert [(loc.kind, loc.id) for loc in started] == [
        ("review", post_id(engine, CVPR.name)),
        ("review", post_id(engine, ACL.name)),
    ]


# --- untrusted text ----------------------------------------------------------------------------------

NASTY = """---
title: "Hostile notes"
---
# Hostile notes

## [bold red]x[/] and \x1b[31mred\x1b[0m

Speaker: Jane Doe

- notes on the talk

## Fast builds at scale

Speaker: John Roe

A paragraph with [link=https://evil.example]click[/link].
An \x1b]8;;https://evil.example\x07osc\x1b]8;;\x07 text.
"""


async def test_markup_and_escape_codes_in_a_post_show_literally(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    (folder / "hostile.md").write_text(NASTY, encoding="utf-8")
    engine = open_db(tmp_path / "kb.sqlite")
    import_paths(engine, [folder])
    app = make_app(engine, start=Location("review", None))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "[bold red]x[/] and red" in text and "Speaker: Jane Doe" in text
        assert "[link=https://evil.example]click[/link]" in text
        assert "An osc text." in text
        talk_row = next(line for line in text.splitlines() if "▕ [bold red]x[/]" in line)  # the talk list: literal too
        assert talk_row
        assert "\x1b" not in text and "\x07" not in text
    engine.dispose()


def test_the_review_mark_goes_with_kb_sync(kb, tmp_path):
    from kb import review
    from kb.sync import sync

    engine, _folder = kb
    acl = post_id(engine, ACL.name)
    with session_scope(engine, write=True) as s:
        review.mark_reviewed(s, acl)
    target = open_db(tmp_path / "copy.sqlite")
    sync(engine, target)
    sync(engine, target)  # a second sync adds nothing
    with session_scope(target) as s:
        ids = dict(s.exec(select(Post.path, Post.id)).all())
        got = review.states(s, list(ids.values()))
        assert {p.rsplit("/", 1)[-1]: got[i] for p, i in ids.items()} == {ACL.name: "reviewed", CVPR.name: "new"}
        assert len(s.exec(select(UserEdit).where(UserEdit.field == "review")).all()) == 1
    target.dispose()
