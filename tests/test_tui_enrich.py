"""The paper screen after ``kb enrich``: where each field came from, and post-vs-source disagreements to decide."""

from __future__ import annotations

from sqlmodel import select

from kb.db import session_scope
from kb.enrich.network import enrich_network
from kb.models import Paper, PaperFieldSource, UserEdit
from kb.tui import make_app
from kb.tui.history import Location
from test_enrich_net import CROSSREF_TITLE, _fetcher, _imported, _routes, replay
from test_tui_helpers import cursor_to, press, screen_text, settle

SIZE = (130, 60)
POST_TITLE = "Methylphenidate Exposure and Dopamine Neuron Loss in Mice"


def _enriched(engine, tmp_path) -> dict[str, int]:
    ids = _imported(engine, tmp_path)
    with replay() as router:
        _routes(router)
        enrich_network(engine, _fetcher(tmp_path))
    return ids


async def test_paper_screen_shows_both_sides_and_a_takes_the_sources(engine, tmp_path):
    ids = _enriched(engine, tmp_path)
    app = make_app(engine, start=Location("paper", ids["plos"]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert type(app.screen).__name__ == "PaperScreen"
        disagree = text.split("Post and source disagree")[1].split("Where each field came from")[0]
        assert "title" in disagree and POST_TITLE in disagree and CROSSREF_TITLE[:60] in disagree
        provenance = text.split("Where each field came from (kb enrich) (5)")[1]
        assert "Abstract" not in text  # Crossref gave none for this paper
        assert "venue ← crossref" in provenance and "PLoS ONE" in provenance and "set" in provenance
        assert "authors ← crossref" in provenance and "Shankar Sadasivan, Brooks B. Pond" in provenance
        await cursor_to(pilot, "title  crossref")
        await press(pilot, "a")
        text = screen_text(app)
        assert "Post and source disagree" not in text  # decided: no longer a disagreement
        assert "title ← crossref" in text and "accepted" in text
    with session_scope(engine) as s:
        assert s.get(Paper, ids["plos"]).title == CROSSREF_TITLE
        assert s.exec(select(UserEdit.value).where(UserEdit.entity_id == ids["plos"], UserEdit.field == "title")).one()


async def test_the_abstract_a_source_gave_is_on_the_paper_screen(engine, tmp_path):
    ids = _enriched(engine, tmp_path)
    app = make_app(engine, start=Location("paper", ids["heat"]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        text = screen_text(app)
    abstract = text.split("Abstract (from arxiv)")[1]
    assert "Graphs on lattice points are studied whose edges come from a finite set of allowed moves" in abstract


async def test_x_keeps_the_posts_value(engine, tmp_path):
    ids = _enriched(engine, tmp_path)
    app = make_app(engine, start=Location("paper", ids["plos"]))
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await press(pilot, "x")  # the page's only disagreement
        assert "Post and source disagree" not in screen_text(app)
    with session_scope(engine) as s:
        assert s.get(Paper, ids["plos"]).title == POST_TITLE
        status = s.exec(
            select(PaperFieldSource.status).where(
                PaperFieldSource.paper_id == ids["plos"], PaperFieldSource.field == "title"
            )
        ).one()
        assert status == "rejected"
        assert s.exec(select(UserEdit)).all() == []
