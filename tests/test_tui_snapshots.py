"""SVG snapshots of every screen (pytest-textual-snapshot). Update with ``pytest --snapshot-update``.

Search results come from a fixed list so the snapshot shows the UI, not kb.search's ranking.
"""

from __future__ import annotations

import pytest

from kb.db import open_db
from kb.models import Conference, Event, Paper, Person, Post, Talk
from kb.queries import SearchHit
from kb.tui import make_app
from kb.tui.history import Location
from test_tui_helpers import entity_id, sample_db, settle

SIZE = (110, 36)


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    eng = sample_db(tmp_path_factory.mktemp("snap") / "kb.sqlite")
    yield eng
    eng.dispose()


def _app(engine, kind: str, model=None, **where):
    start = Location(kind, entity_id(engine, model, **where) if model else where.get("id"))
    return make_app(engine, start=start)


async def _settle(pilot) -> None:
    await settle(pilot)


def test_home(snap_compare, engine):
    assert snap_compare(make_app(engine), terminal_size=SIZE, run_before=_settle)


def test_home_empty(snap_compare, tmp_path):
    assert snap_compare(make_app(open_db(tmp_path / "empty.sqlite")), terminal_size=SIZE, run_before=_settle)


@pytest.mark.parametrize("kind", ["conferences", "talks", "people", "papers", "links", "posts"])
def test_list(snap_compare, engine, kind):
    app = make_app(engine, start=Location("list", kind))
    assert snap_compare(app, terminal_size=SIZE, run_before=_settle)


def test_talk(snap_compare, engine):
    app = _app(engine, "talk", Talk, title="Object detection, from proposals to dense predictors")
    assert snap_compare(app, terminal_size=SIZE, run_before=_settle)


def test_person(snap_compare, engine):
    assert snap_compare(_app(engine, "person", Person, name="Ross Girshick"), terminal_size=SIZE, run_before=_settle)


def test_paper(snap_compare, engine):
    assert snap_compare(
        _app(engine, "paper", Paper, title="Focal loss for dense object detection"),
        terminal_size=SIZE,
        run_before=_settle,
    )


def test_conference(snap_compare, engine):
    assert snap_compare(_app(engine, "conference", Conference, name="ICCV"), terminal_size=SIZE, run_before=_settle)


def test_event(snap_compare, engine):
    assert snap_compare(
        _app(engine, "event", Event, name="Instance-level Visual Recognition"), terminal_size=SIZE, run_before=_settle
    )


def test_post(snap_compare, engine):
    assert snap_compare(_app(engine, "post", Post, title="ICCV 2017 in Venice"), terminal_size=SIZE, run_before=_settle)


def test_search(snap_compare, engine, monkeypatch):
    howard = entity_id(engine, Person, name="Andrew G. Howard")
    talk = entity_id(engine, Talk, title="Designing networks for mobile devices")
    hits = [
        SearchHit("person", howard, "Andrew G. Howard", "", 3.0),
        SearchHit(
            "talk",
            talk,
            "Designing networks for mobile devices",
            "…for mobile devices by «Andrew» «Howard». Depthwise…",
            2.0,
        ),
    ]
    monkeypatch.setattr("kb.tui.dialogs.search", lambda session, query, limit=50: hits)
    assert snap_compare(
        make_app(engine), press=["slash", "h", "o", "w", "a", "r", "d"], terminal_size=SIZE, run_before=_settle
    )


def test_help(snap_compare, engine):
    assert snap_compare(make_app(engine), press=["question_mark"], terminal_size=SIZE, run_before=_settle)


def test_person_light_theme(snap_compare, engine):
    """Light theme (``t``): every role of the page must stay readable on the light background."""
    assert snap_compare(
        _app(engine, "person", Person, name="Ross Girshick"), press=["t"], terminal_size=SIZE, run_before=_settle
    )
