"""Issue 17, items 8-10: the TUI as a new user meets it, on our own sample posts (imports/, no ../shared)."""

from __future__ import annotations

import re

import pytest

from kb import queries
from kb.db import open_db
from kb.importer import import_paths
from kb.tui import make_app
from kb.tui.history import Location
from test_tui_helpers import press, screen_text, settle, type_text
from tests.conftest import IMPORTS

SIZES = ((100, 30), (160, 48))


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    eng = open_db(tmp_path_factory.mktemp("newcomer") / "kb.sqlite")
    summary = import_paths(eng, [IMPORTS], workers=1)
    assert summary.count("new") == 13 and not summary.failed
    yield eng
    eng.dispose()


def _rows(text: str, pattern: str) -> list[str]:
    return [m.group(1) for line in text.splitlines() if (m := re.search(pattern, line))]


# ---------------------------------------------------------------- 8: sort indicators say the real order


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_conferences_newest_first_show_a_descending_arrow_and_r_reverses_both(engine, size):
    app = make_app(engine, start=Location("list", "conferences"))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        text = screen_text(app)
        years = [int(y) for y in _rows(text, r"│?\s(20\d\d)\s")]
        assert years == sorted(years, reverse=True) and years[0] == 2022 and years[-1] == 2016
        assert "Year ▼" in text and "Year ▲" not in text
        assert "sorted by year (descending)" in text
        await press(pilot, "r")
        text = screen_text(app)
        years = [int(y) for y in _rows(text, r"│?\s(20\d\d)\s")]
        assert years == sorted(years) and years[0] == 2016
        assert "Year ▲" in text and "sorted by year (ascending)" in text


async def test_posts_newest_first_and_undated_posts_say_so(engine):
    app = make_app(engine, start=Location("list", "posts"))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "Date ▼" in text and "sorted by date (descending)" in text
        dates = _rows(text, r"\s(\d{4}-\d\d-\d\d|undated)\s")
        assert len(dates) == 13 and dates.count("undated") == 1  # the ICLR post: no date in it or its name
        assert dates[-1] == "undated" and dates[:12] == sorted(dates[:12], reverse=True)
        await press(pilot, "s")  # by title: alphabetical, ascending
        text = screen_text(app)
        assert "Title ▲" in text and "sorted by title (ascending)" in text


def test_every_default_sort_direction_matches_the_order_list_ids_gives(engine):
    from kb.db import session_scope

    column = {
        ("conferences", "year"): "year",
        ("papers", "year"): "year",
        ("posts", "date"): "date",
        ("conferences", "talks"): "talks",
        ("conferences", "papers"): "papers",
        ("people", "talks"): "talks",
        ("people", "papers"): "papers",
        ("papers", "cited"): "cited",
    }
    with session_scope(engine) as s:
        for (kind, sort), key in column.items():
            for reverse in (False, True):
                ids = queries.list_ids(s, kind, "", sort, reverse)
                rows = queries.list_window(s, kind, ids)
                values = [rows[i][key] for i in ids if rows[i][key] not in ("", None, "undated")]
                assert len(set(values)) > 1, (kind, sort)
                down = queries.sorts_descending(kind, sort, reverse)
                assert values == sorted(values, reverse=down), (kind, sort, reverse)


# ---------------------------------------------------------------- 9: the palette's help text


async def test_palette_says_the_list_of_every_person(engine):
    app = make_app(engine)
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        await press(pilot, "ctrl+p")
        await type_text(pilot, "browse people")
        text = screen_text(app)
        assert "the list of every person" in text and "every peopl" not in text


# ---------------------------------------------------------------- 10: HTML entities in front matter


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
async def test_html_entities_in_a_post_title_are_shown_as_characters(engine, size):
    app = make_app(engine, start=Location("list", "posts"))
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await press(pilot, "f")
        await type_text(pilot, "kdd")
        await press(pilot, "enter")
        text = screen_text(app)
        assert type(app.screen).__name__ == "PostScreen"
        assert "KDD 2016 – graphs" in text and "&ndash;" not in text


# ---------------------------------------------------------------- snapshots at both sizes the issue names


@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
@pytest.mark.parametrize("kind", ["conferences", "posts", "talks", "papers"])
def test_list_snapshot(snap_compare, engine, kind, size):
    assert snap_compare(make_app(engine, start=Location("list", kind)), terminal_size=size, run_before=settle)


# ---------------------------------------------------------------- 14: columns share the width


async def test_talks_at_100_columns_show_the_conference_with_its_year(engine):
    app = make_app(engine, start=Location("list", "talks"))
    async with app.run_test(size=(100, 30)) as pilot:
        await settle(pilot)
        await press(pilot, "f")
        await type_text(pilot, "pineau")  # Joelle Pineau's NeurIPS 2018 keynote
        text = screen_text(app)
        assert "NeurIPS 2018" in text and "NeurIPS…" not in text


async def test_papers_at_160_columns_give_the_venue_room_instead_of_a_half_empty_title(engine):
    from kb.tui.table import VirtualTable

    app = make_app(engine, start=Location("list", "papers"))
    async with app.run_test(size=(160, 48)) as pilot:
        await settle(pilot)
        widths = dict(
            zip(
                (c.key for c in app.screen.query_one(VirtualTable).columns),
                app.screen.query_one(VirtualTable)._widths,
                strict=False,
            )
        )
        assert widths["title"] <= 80 and widths["venue"] >= 24 and widths["authors"] >= 30
        await press(pilot, "f")
        await type_text(pilot, "diffusion probabilistic")
        assert "Proc. Adv. Neural Inf. Pr" in screen_text(app)  # "Proc. Adv. Neur…" at 16 columns before
