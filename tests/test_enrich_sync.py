"""``kb sync`` carries ``kb enrich``'s work: papers' enriched fields, provenance and decided conflicts."""

from __future__ import annotations

import pytest
from sqlmodel import select

from kb.db import open_db, session_scope
from kb.enrich.apply import accept
from kb.enrich.network import enrich_network
from kb.maintenance import dump_json
from kb.models import PaperFieldSource
from kb.sync import sync
from tests.test_enrich_net import _expected, _fetcher, _imported, _routes, _state, replay


def _dump(engine) -> str:
    with session_scope(engine) as s:
        return dump_json(s)


def _enriched(tmp_path):
    engine = open_db(tmp_path / "src.sqlite")
    ids = _imported(engine, tmp_path)
    with replay() as router:
        _routes(router)
        enrich_network(engine, _fetcher(tmp_path))
    with session_scope(engine, write=True) as s:
        conflict = s.exec(
            select(PaperFieldSource).where(PaperFieldSource.paper_id == ids["plos"], PaperFieldSource.field == "title")
        ).one()
        accept(s, conflict.id)
    return engine, ids


def _round_trip(tmp_path, target_url) -> None:
    src, _ids = _enriched(tmp_path)
    want = _dump(src)
    assert '"sources": [' in want and '"status": "accepted"' in want  # provenance is part of the dump
    target = open_db(target_url)
    report = sync(src, target)
    assert report.enriched == 4 and not report.skipped, report
    assert _dump(target) == want
    assert sync(src, target).enriched == 4 and _dump(target) == want  # idempotent
    back = open_db(tmp_path / "back.sqlite")
    sync(target, back)
    assert _dump(back) == want
    for e in (src, target, back):
        e.dispose()


def test_sync_sqlite_to_sqlite_keeps_enrichment(tmp_path):
    _round_trip(tmp_path, tmp_path / "target.sqlite")


def test_the_dump_shows_provenance_of_each_field(tmp_path):
    src, ids = _enriched(tmp_path)
    papers, _ = _state(src)
    assert papers[ids["heat"]] == _expected(ids)[0][ids["heat"]]
    import json

    dumped = {p["ref"]: p for p in json.loads(_dump(src))["papers"]}
    plos = dumped["doi:10.1371/journal.pone.0033693"]
    assert [(r["field"], r["source"], r["status"]) for r in plos["sources"]] == [
        ("*", "crossref", "found"),
        ("authors", "crossref", "set"),
        ("doi", "crossref", "same"),
        ("title", "crossref", "accepted"),
        ("venue", "crossref", "set"),
        ("year", "crossref", "set"),
    ]
    assert {r["url"] for r in plos["sources"]} == {"https://api.crossref.org/works/10.1371/journal.pone.0033693"}
    src.dispose()


@pytest.mark.postgres
def test_sync_sqlite_to_postgres_and_back_keeps_enrichment(tmp_path, pg_url):
    _round_trip(tmp_path, pg_url)
