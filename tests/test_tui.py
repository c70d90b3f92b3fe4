"""The terminal UI driven like a user would: key presses and clicks on the sample post, asserting on visible text."""

from __future__ import annotations

import webbrowser

import pytest
from sqlmodel import select

from kb.db import open_db, session_scope
from kb.models import Person, Talk
from kb.tui import make_app
from kb.tui.history import Location
from test_tui_helpers import cursor_to, entity_id, press, sample_db, screen_text, settle, type_text

SIZE = (110, 40)


@pytest.fixture
def engine(tmp_path):
    eng = sample_db(tmp_path / "kb.sqlite")
    yield eng
    eng.dispose()


async def test_girshick_to_his_talk_to_focal_loss_and_back_to_the_talk(engine):
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "ICCV 2017" in screen_text(app)
        await press(pilot, "3", "f")  # People, then the filter box
        await type_text(pilot, "girshick")
        await press(pilot, "enter")  # Enter in the filter opens the highlighted row
        text = screen_text(app)
        assert type(app.screen).__name__ == "PersonScreen"
        assert "Ross Girshick" in text and "also written Ross Girshik" in text
        await cursor_to(pilot, "Object detection, from proposals to dense predictors")
        await press(pilot, "enter")
        text = screen_text(app)
        assert type(app.screen).__name__ == "TalkScreen"
        assert "Instance-level Visual Recognition" in text and "Cited papers (6)" in text
        await cursor_to(pilot, "Focal loss for dense object detection")
        await press(pilot, "enter")
        text = screen_text(app)
        assert type(app.screen).__name__ == "PaperScreen"
        assert "Focal loss for dense object detection" in text and "Tsung-Yi Lin" in text
        cited_by = text.split("Cited by (1)")[1]
        assert "Object detection, from proposals to dense predictors" in cited_by
        assert "ICCV 2017 in Venice" in cited_by
        await cursor_to(pilot, "Object detection, from proposals")  # the cited-by row leads back
        await press(pilot, "enter")
        assert type(app.screen).__name__ == "TalkScreen"
        await press(pilot, "escape")
        assert type(app.screen).__name__ == "PaperScreen"
        await press(pilot, "escape", "escape")
        assert type(app.screen).__name__ == "PersonScreen"
        await press(pilot, "right_square_bracket")  # forward again
        assert type(app.screen).__name__ == "TalkScreen"


async def test_search_howard_enter_opens_andrew_howard_and_back_returns(engine):
    app = make_app(engine)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "slash")
        await type_text(pilot, "howard")
        text = screen_text(app)
        assert "Andrew G. Howard" in text and "Designing networks for mobile devices" in text
        await press(pilot, "enter")
        text = screen_text(app)
        assert type(app.screen).__name__ == "PersonScreen"
        assert "Andrew G. Howard" in text and "https://ahoward.example.org/" in text
        assert "Designing networks for mobile devices" in text
        await press(pilot, "escape")
        assert type(app.screen).__name__ == "HomeScreen"
        assert "kb — conference notes" in screen_text(app)


async def test_merge_two_people_and_the_talk_lists_follow(engine):
    girshick = entity_id(engine, Person, name="Ross Girshick")
    app = make_app(engine, start=Location("person", girshick))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Uncertainty in deep geometric vision" not in screen_text(app)
        await press(pilot, "m")
        await type_text(pilot, "kendall")
        assert "Alex Kendall" in screen_text(app)
        await press(pilot, "enter")
        assert "Merge “Alex Kendall” into “Ross Girshick”?" in screen_text(app)
        await press(pilot, "y")
        text = screen_text(app)
        assert type(app.screen).__name__ == "PersonScreen"
        assert "Talks given (2)" in text and "Uncertainty in deep geometric vision" in text
        await press(pilot, "2")  # the talks list
        text = screen_text(app)
        row = next(line for line in text.splitlines() if "Uncertainty in deep geometric vision" in line)
        assert "Ross Girshick" in row and "Alex Kendall" not in text
    with session_scope(engine) as s:
        assert s.exec(select(Person).where(Person.name == "Alex Kendall")).first() is None


async def test_history_keeps_a_merged_persons_place(engine):
    kendall = entity_id(engine, Person, name="Alex Kendall")
    girshick = entity_id(engine, Person, name="Ross Girshick")
    from kb.curation import merge_people

    with session_scope(engine, write=True) as s:
        merge_people(s, kendall, girshick)
    app = make_app(engine, start=Location("person", kendall))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "Ross Girshick" in screen_text(app)


async def test_edit_a_talk_title(engine):
    talk = entity_id(engine, Talk, title="Designing networks for mobile devices")
    app = make_app(engine, start=Location("talk", talk))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "e")
        assert "Edit talk" in screen_text(app)
        await press(pilot, "enter", "ctrl+u")  # pick "title", clear the value
        await type_text(pilot, "Designing networks for mobile phones")
        await press(pilot, "enter")
        assert "Designing networks for mobile phones" in screen_text(app)
    with session_scope(engine) as s:
        assert s.get(Talk, talk).title == "Designing networks for mobile phones"


async def test_open_link_in_browser_and_copy_bibtex(engine, monkeypatch):
    opened: list[str] = []

    class FakeBrowser(webbrowser.BackgroundBrowser):
        def open(self, url, new=0, autoraise=True):
            opened.append(url)
            return True

    monkeypatch.setattr(webbrowser, "get", lambda *a: FakeBrowser("true"))
    howard = entity_id(engine, Person, name="Andrew G. Howard")
    app = make_app(engine, start=Location("person", howard))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "o")
        assert opened == ["https://ahoward.example.org/"]
        await press(pilot, "ctrl+p")
        await type_text(pilot, "focal loss")
        await pilot.pause(0.3)
        await press(pilot, "enter")
        assert type(app.screen).__name__ == "PaperScreen"
        await press(pilot, "b")
        assert app.clipboard.startswith("@inproceedings{")
        assert "title = {Focal loss for dense object detection}" in app.clipboard


async def test_mouse_click_on_a_name_opens_it(engine):
    talk = entity_id(engine, Talk, title="Designing networks for mobile devices")
    app = make_app(engine, start=Location("talk", talk))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        from kb.tui.docview import DocView

        view = app.screen.query_one(DocView)
        row = next(n for n, line in enumerate(view.text.splitlines()) if line.strip() == "Andrew G. Howard")
        await pilot.click(DocView, offset=(4, row))
        await settle(pilot)
        assert type(app.screen).__name__ == "PersonScreen" and "https://ahoward.example.org/" in screen_text(app)


async def test_lists_sort_filter_and_scroll(engine):
    app = make_app(engine, start=Location("list", "papers"))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "1 of 18 papers · sorted by title (ascending)" in screen_text(app)
        await press(pilot, "s")
        assert "sorted by year (descending)" in screen_text(app)
        first = screen_text(app).split("Cited")[1].splitlines()[1]
        assert "2017" in first  # year sorts newest first, and says so
        await press(pilot, "r", "end")
        assert "18 of 18 papers" in screen_text(app)
        await press(pilot, "f")
        await type_text(pilot, "mask")
        text = screen_text(app)
        assert "Mask R-CNN" in text and "Fast R-CNN" not in text


async def test_untrusted_text_is_shown_literally(engine):
    talk = entity_id(engine, Talk, title="Designing networks for mobile devices")
    howard = entity_id(engine, Person, name="Andrew G. Howard")
    with session_scope(engine, write=True) as s:
        s.get(Talk, talk).title = "[bold red]Evil[/] \x1b[31mred\x1b[0m\x07 talk"
        s.get(Person, howard).name = "[link=http://x]Andrew[/link] \x1b]0;pwned\x07Howard"
    app = make_app(engine, start=Location("talk", talk))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "[bold red]Evil[/] red talk" in text
        assert "[link=http://x]Andrew[/link] Howard" in text
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
        assert "ICCV 2017 in Venice" in text and "Low-rank filters for fast networks" in text
        markdown = app.screen.query_one(Markdown)
        markdown.post_message(Markdown.LinkClicked(markdown, "https://ahoward.example.org/"))
        await settle(pilot)
        assert type(app.screen).__name__ == "PersonScreen" and "Andrew G. Howard" in screen_text(app)


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

    girshick = entity_id(engine, Person, name="Ross Girshick")
    kendall = entity_id(engine, Person, name="Alex Kendall")
    with session_scope(engine, write=True) as s:
        s.add(
            IdentityCandidate(
                entity="person", a_id=min(girshick, kendall), b_id=max(girshick, kendall), reason="same talk slot"
            )
        )
    app = make_app(engine, start=Location("person", girshick))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "Maybe the same person" in text and "Alex Kendall" in text and "same talk slot" in text
        await press(pilot, "m")  # the merge dialog suggests the candidate before anything is typed
        text = screen_text(app)
        assert "Possibly the same, found on import" in text and "Alex Kendall" in text
        await press(pilot, "tab", "enter")
        assert "Merge “Alex Kendall” into “Ross Girshick”?" in screen_text(app)
