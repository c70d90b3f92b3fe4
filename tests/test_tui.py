"""The terminal UI driven like a user would: key presses and clicks on the seed post, asserting on visible text."""

from __future__ import annotations

import webbrowser

import pytest
from sqlmodel import select

from kb.db import open_db, session_scope
from kb.models import Paper, Person, Talk, TalkSpeaker
from kb.tui import make_app
from kb.tui.history import Location
from test_tui_helpers import SEED, cursor_to, entity_id, press, screen_text, seed_db, settle, type_text

SIZE = (110, 40)

pytestmark = pytest.mark.skipif(not SEED.exists(), reason="seed post (../shared) not mounted")


@pytest.fixture
def engine(tmp_path):
    eng = seed_db(tmp_path / "kb.sqlite")
    yield eng
    eng.dispose()


async def test_vedaldi_to_his_talk_to_deep_image_prior_and_back_to_the_talk(engine):
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "ICCV 2019" in screen_text(app)
        await press(pilot, "3", "f")  # People, then the filter box
        await type_text(pilot, "vedaldi")
        await press(pilot, "enter")  # Enter in the filter opens the highlighted row
        text = screen_text(app)
        assert type(app.screen).__name__ == "PersonScreen"
        assert "Andrea Vedaldi" in text and "also written Andrea Veladi" in text
        await cursor_to(pilot, "Understanding models via visualizations and attribution")
        await press(pilot, "enter")
        text = screen_text(app)
        assert type(app.screen).__name__ == "TalkScreen"
        assert "Interpretation of Deep learning" in text and "Cited papers (9)" in text
        await cursor_to(pilot, "Deep image prior")
        await press(pilot, "enter")
        text = screen_text(app)
        assert type(app.screen).__name__ == "PaperScreen"
        assert "Deep image prior" in text and "Dmitry Ulyanov" in text
        cited_by = text.split("Cited by (1)")[1]
        assert "Understanding models via visualizations and attribution" in cited_by
        assert "ICCV 2019 at Seoul" in cited_by
        await cursor_to(pilot, "Understanding models via visualizations")  # the cited-by row leads back
        await press(pilot, "enter")
        assert type(app.screen).__name__ == "TalkScreen"
        await press(pilot, "escape")
        assert type(app.screen).__name__ == "PaperScreen"
        await press(pilot, "escape", "escape")
        assert type(app.screen).__name__ == "PersonScreen"
        await press(pilot, "right_square_bracket")  # forward again
        assert type(app.screen).__name__ == "TalkScreen"


async def test_search_zoph_enter_opens_barret_zoph_and_back_returns(engine):
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "slash")
        await type_text(pilot, "zoph")
        text = screen_text(app)
        assert "Barret Zoph" in text and "Neural Archtecure and Beyond" in text
        await press(pilot, "enter")
        text = screen_text(app)
        assert type(app.screen).__name__ == "PersonScreen"
        assert "Barret Zoph" in text and "http://barretzoph.github.io/" in text
        assert "Neural Archtecure and Beyond" in text
        await press(pilot, "escape")
        assert type(app.screen).__name__ == "HomeScreen"
        assert "kb — conference notes" in screen_text(app)


async def test_merge_two_people_and_the_talk_lists_follow(engine):
    vedaldi = entity_id(engine, Person, name="Andrea Vedaldi")
    app = make_app(engine, start=Location("person", vedaldi))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Understanding latent semantics" not in screen_text(app)
        await press(pilot, "m")
        await type_text(pilot, "bolei")
        assert "Bolei Zhou" in screen_text(app)
        await press(pilot, "enter")
        assert "Merge “Bolei Zhou” into “Andrea Vedaldi”?" in screen_text(app)
        await press(pilot, "y")
        text = screen_text(app)
        assert type(app.screen).__name__ == "PersonScreen"
        assert "Talks given (2)" in text and "Understanding latent semantics" in text
        await press(pilot, "2")  # the talks list
        text = screen_text(app)
        row = next(line for line in text.splitlines() if "Understanding latent semantics" in line)
        assert "Andrea Vedaldi" in row and "Bolei Zhou" not in text
    with session_scope(engine) as s:
        assert s.exec(select(Person).where(Person.name == "Bolei Zhou")).first() is None


async def test_history_keeps_a_merged_persons_place(engine):
    zhou = entity_id(engine, Person, name="Bolei Zhou")
    vedaldi = entity_id(engine, Person, name="Andrea Vedaldi")
    from kb.curation import merge_people

    with session_scope(engine, write=True) as s:
        merge_people(s, zhou, vedaldi)
    app = make_app(engine, start=Location("person", zhou))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Andrea Vedaldi" in screen_text(app)


async def test_edit_a_talk_title(engine):
    talk = entity_id(engine, Talk, title="Neural Archtecure and Beyond")
    app = make_app(engine, start=Location("talk", talk))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "e")
        assert "Edit talk" in screen_text(app)
        await press(pilot, "enter", "ctrl+u")  # pick "title", clear the value
        await type_text(pilot, "Neural Architecture and Beyond")
        await press(pilot, "enter")
        assert "Neural Architecture and Beyond" in screen_text(app)
    with session_scope(engine) as s:
        assert s.get(Talk, talk).title == "Neural Architecture and Beyond"


async def test_open_link_in_browser_and_copy_bibtex(engine, monkeypatch):
    opened: list[str] = []

    class FakeBrowser(webbrowser.BackgroundBrowser):
        def open(self, url, new=0, autoraise=True):
            opened.append(url)
            return True

    monkeypatch.setattr(webbrowser, "get", lambda *a: FakeBrowser("true"))
    zoph = entity_id(engine, Person, name="Barret Zoph")
    app = make_app(engine, start=Location("person", zoph))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        assert opened == ["http://barretzoph.github.io/"]
        await press(pilot, "ctrl+p")
        await type_text(pilot, "deep image")
        await pilot.pause(0.3)
        await press(pilot, "enter")
        assert type(app.screen).__name__ == "PaperScreen"
        await press(pilot, "b")
        assert app.clipboard.startswith("@inproceedings{") and "title = {Deep image prior}" in app.clipboard


async def test_mouse_click_on_a_name_opens_it(engine):
    talk = entity_id(engine, Talk, title="Neural Archtecure and Beyond")
    app = make_app(engine, start=Location("talk", talk))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        from kb.tui.docview import DocView

        view = app.screen.query_one(DocView)
        row = next(n for n, line in enumerate(view.text.splitlines()) if line.strip() == "Barret Zoph")
        await pilot.click(DocView, offset=(4, row))
        await settle(pilot)
        assert type(app.screen).__name__ == "PersonScreen"


async def test_lists_sort_filter_and_scroll(engine):
    app = make_app(engine, start=Location("list", "papers"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "1 of 23 papers · sorted by title (ascending)" in screen_text(app)
        await press(pilot, "s")
        assert "sorted by year (descending)" in screen_text(app)
        first = screen_text(app).split("Cited")[1].splitlines()[1]
        assert "2019" in first  # year sorts newest first, and says so
        await press(pilot, "r", "end")
        assert "23 of 23 papers" in screen_text(app)
        await press(pilot, "f")
        await type_text(pilot, "gan")
        text = screen_text(app)
        assert "Gan dissection" in text and "Deep image prior" not in text


async def test_untrusted_text_is_shown_literally(engine):
    talk = entity_id(engine, Talk, title="Neural Archtecure and Beyond")
    zoph = entity_id(engine, Person, name="Barret Zoph")
    with session_scope(engine, write=True) as s:
        s.get(Talk, talk).title = "[bold red]Evil[/] \x1b[31mred\x1b[0m\x07 talk"
        s.get(Person, zoph).name = "[link=http://x]Barret[/link] \x1b]0;pwned\x07Zoph"
    app = make_app(engine, start=Location("talk", talk))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "[bold red]Evil[/] red talk" in text
        assert "[link=http://x]Barret[/link] Zoph" in text
        assert "\x1b" not in text and "\x07" not in text
        await press(pilot, "2")
        assert "[bold red]Evil[/] red talk" in screen_text(app)
        await press(pilot, "slash")
        await type_text(pilot, "evil")
        assert "[bold red]Evil[/] red talk" in screen_text(app)


async def test_post_links_jump_to_people(engine):
    from textual.widgets import Markdown

    post_id = 1
    app = make_app(engine, start=Location("post", post_id))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "ICCV 2019 at Seoul" in text and "Tensor factorization" in text
        markdown = app.screen.query_one(Markdown)
        markdown.post_message(Markdown.LinkClicked(markdown, "http://barretzoph.github.io/"))
        await settle(pilot)
        assert type(app.screen).__name__ == "PersonScreen" and "Barret Zoph" in screen_text(app)


async def test_help_theme_and_empty_database(tmp_path):
    app = make_app(open_db(tmp_path / "empty.sqlite"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "The knowledge base is empty" in text and "kb import imports/" in text
        dark = app.current_theme.dark
        await press(pilot, "t")
        assert app.current_theme.dark != dark
        await press(pilot, "question_mark")
        text = screen_text(app)
        assert "On this screen" in text and "Search" in text and "Quit" in text
        await press(pilot, "escape")
        assert type(app.screen).__name__ == "HomeScreen"


def test_cli_tui_uses_make_app(monkeypatch, tmp_path):
    """`kb` with no arguments builds the app through make_app and runs it."""
    from click.testing import CliRunner

    import kb.tui
    from kb.cli import main

    ran = []

    class Fake:
        def run(self):
            ran.append(True)

    monkeypatch.setattr(kb.tui, "make_app", lambda engine: Fake())
    db = tmp_path / "new" / "kb.sqlite"
    result = CliRunner().invoke(main, ["--db", str(db)])  # nothing to browse yet: said, and nothing created
    assert result.exit_code == 1 and "no knowledge base at" in result.output
    assert ran == [] and not db.parent.exists()
    assert CliRunner().invoke(main, ["--db", str(db), "init"]).exit_code == 0
    result = CliRunner().invoke(main, ["--db", str(db)])
    assert result.exit_code == 0, result.output
    assert ran == [True] and db.exists()


async def test_light_theme_text_is_dark_on_light(engine):
    from kb.tui.docview import DocView

    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "t")
        view = app.screen.query_one(DocView)
        for role in ("text", "link", "meta", "title", "heading"):
            style = view._style(role)
            fg, bg = style.color.get_truecolor(), style.bgcolor.get_truecolor()
            assert sum(fg) < sum(bg), (role, style)  # darker ink than paper


async def test_identity_candidates_show_on_the_person_and_first_in_the_merge_dialog(engine):
    from kb.models import IdentityCandidate

    vedaldi = entity_id(engine, Person, name="Andrea Vedaldi")
    zhou = entity_id(engine, Person, name="Bolei Zhou")
    with session_scope(engine, write=True) as s:
        s.add(IdentityCandidate(entity="person", a_id=min(vedaldi, zhou), b_id=max(vedaldi, zhou),
                                reason="same talk slot"))
    app = make_app(engine, start=Location("person", vedaldi))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "Maybe the same person" in text and "Bolei Zhou" in text and "same talk slot" in text
        await press(pilot, "m")  # the merge dialog suggests the candidate before anything is typed
        text = screen_text(app)
        assert "Possibly the same, found on import" in text and "Bolei Zhou" in text
        await press(pilot, "tab", "enter")
        assert "Merge “Bolei Zhou” into “Andrea Vedaldi”?" in screen_text(app)
