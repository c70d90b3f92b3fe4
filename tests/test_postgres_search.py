"""Search on PostgreSQL: the ranking tests of tests/test_search.py, run against the tsvector/pg_trgm backend,
plus the index staying exact through re-imports, edits, merges and garbage collection."""

from __future__ import annotations

import pytest

from kb.db import open_db, session_scope
from kb.importer import import_paths
from kb.search import pg, reindex
from tests.conftest import SAMPLE
from tests.test_search import (
    NEURIPS,
    edit_and_merge,
    run,
    test_any_text_is_a_valid_query,
    test_diacritics_are_ignored_both_ways,
    test_fallback_like_search_has_the_same_shape,
    test_hostile_queries_never_raise,
    test_howard_finds_the_person_then_his_talk_then_his_papers,
    test_mask_r_cnn_finds_the_mask_r_cnn_paper,
    test_nothing_to_search_for_finds_nothing_but_filters_alone_list,
    test_prefixes_match_as_you_type,
    test_snippets_mark_matches_without_markup,
    test_speaker_author_type_filters_and_phrases,
    test_typos_are_forgiven_but_rank_below_exact_hits,
    test_year_and_conference_filters,
)

pytestmark = pytest.mark.postgres


@pytest.fixture(scope="module")
def kb_engine(pg_server, tmp_path_factory):
    """What tests/test_search.py's fixture holds (the sample post and a NeurIPS 2018 post), in PostgreSQL."""
    tmp = tmp_path_factory.mktemp("pgsearch")
    (tmp / "posts").mkdir()
    (tmp / "posts" / "neurips.md").write_text(NEURIPS, encoding="utf-8")
    engine = open_db(pg_server.create_database("kb_search_ranking"))
    with engine.connect() as conn:
        assert pg.is_live(conn), "the PostgreSQL index was not built"
    summary = import_paths(engine, [SAMPLE, tmp / "posts"])
    assert not summary.failed, summary.failed
    yield engine
    engine.dispose()


def _docs(engine) -> list[tuple]:
    with session_scope(engine) as s:
        return (
            s.connection()
            .exec_driver_sql(
                "SELECT id, kind, entity_id, title, names, body, conf, year, tsv::text FROM search_doc ORDER BY id"
            )
            .all()
        )


def _assert_index_exact(engine) -> None:
    """The trigger-kept documents equal a from-scratch rebuild."""
    before = _docs(engine)
    with session_scope(engine, write=True) as s:
        reindex(s)
    assert before == _docs(engine)


def test_pg_index_follows_reimport_edits_merges_and_gc(pg_url, tmp_path):
    posts = tmp_path / "posts"
    posts.mkdir()
    post = posts / "neurips.md"
    post.write_text(NEURIPS, encoding="utf-8")
    engine = open_db(pg_url)
    import_paths(engine, [SAMPLE, posts])
    assert run(engine, "zebrafish") and run(engine, "Vaswani")
    _assert_index_exact(engine)

    post.write_text(NEURIPS.split("## Attention everywhere")[0] + "A new paragraph about axolotls.\n", encoding="utf-8")
    assert import_paths(engine, [posts]).count("updated") == 1
    assert not run(engine, "zebrafish") and not run(engine, "Attention everywhere")
    assert {h.kind for h in run(engine, "axolotls")} == {"talk", "post"}
    _assert_index_exact(engine)

    edit_and_merge(engine)
    _assert_index_exact(engine)
    engine.dispose()


def test_unaccent_and_trigram_typos_on_postgres(kb_engine):
    assert run(kb_engine, "Schölkopf")[0].title == "Bernhard Schölkopf"
    assert run(kb_engine, "scholkopf")[0].title == "Bernhard Schölkopf"
    hits = run(kb_engine, "Schoelkopf")  # one edit away: found through pg_trgm, marked as corrected
    assert hits and hits[0].title == "Bernhard Schölkopf" and hits[0].corrected


def test_search_without_the_extensions_falls_back_to_like(pg_url):
    """A server where kb may not create extensions still searches (LIKE), it does not fail."""
    engine = open_db(pg_url)
    import_paths(engine, [SAMPLE])
    with engine.begin() as conn:
        conn.exec_driver_sql("UPDATE search_meta SET value = 'building' WHERE key = 'state'")
    hits = run(engine, "girshick")
    assert hits and any(h.title == "Ross Girshick" for h in hits)
    engine.dispose()
