"""kb.site.batch: the site's page data read in batches of ids equals kb.queries' per-page detail, field by
field and in the same order, on the sample KB (citations, links, mentions) and on a synthetic KB whose many
shared family names make ties in the co-author order."""

from __future__ import annotations

import pytest
from sqlmodel import select

from benchmarks.synth import build
from kb import queries
from kb.db import open_db, session_scope
from kb.export.records import chunks
from kb.importer import import_paths
from kb.models import Paper, Person, Talk
from kb.site import batch
from kb.site.pages import person_conferences
from tests.conftest import IMPORTS

DETAIL = {"talk": queries.talk_detail, "person": queries.person_detail, "paper": queries.paper_detail}
BULK = {"talk": batch.talk_pages, "person": batch.person_pages, "paper": batch.paper_pages}
MODEL = {"talk": Talk, "person": Person, "paper": Paper}


@pytest.fixture(scope="module")
def sample(tmp_path_factory):
    engine = open_db(tmp_path_factory.mktemp("batch") / "kb.sqlite")
    assert not import_paths(engine, [IMPORTS]).failed
    yield engine
    engine.dispose()


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory):
    engine = open_db(tmp_path_factory.mktemp("batch") / "synth.sqlite")
    build(engine, papers=600, talks=120, people=150, posts=6, seed=3)
    yield engine
    engine.dispose()


def per_page(session, kind: str, id_: int) -> dict:
    d = DETAIL[kind](session, id_)
    if kind == "person":
        d["conferences"] = person_conferences(session, id_)
    return d


def compare(engine, kind: str, size: int) -> int:
    """Batches of ``size`` ids (and one id that is no page) against the per-page queries; the pages compared."""
    with session_scope(engine) as session:
        ids = sorted(session.exec(select(MODEL[kind].id)))
        assert ids
        compared = 0
        for part in chunks([*ids, ids[-1] + 1000], size):
            got = BULK[kind](session, part)
            assert ids[-1] + 1000 not in got
            assert sorted(got) == [i for i in part if i in ids]
            for id_, data in got.items():
                want = per_page(session, kind, id_)
                assert set(data) <= set(want), set(data) - set(want)
                assert data == {k: want[k] for k in data}, (kind, id_)
                compared += 1
        return compared


@pytest.mark.parametrize("kind", ["talk", "person", "paper"])
def test_batches_equal_per_page_detail_on_the_sample_kb(sample, kind):
    n = compare(sample, kind, 37)
    with session_scope(sample) as session:
        assert n == len(session.exec(select(MODEL[kind].id)).all())


def test_sample_kb_has_what_the_batches_must_order(sample):
    """The comparison above means something: pages with several cited papers, citing talks, links and posts."""
    with session_scope(sample) as session:
        papers = batch.paper_pages(session, sorted(session.exec(select(Paper.id))))
        talks = batch.talk_pages(session, sorted(session.exec(select(Talk.id))))
        people = batch.person_pages(session, sorted(session.exec(select(Person.id))))
    assert max(len(d["cited_by"]) for d in papers.values()) >= 2
    assert max(len(d["co_cited"]) for d in papers.values()) >= 2
    assert max(len(d["cited"]) for d in talks.values()) >= 2
    assert sum(len(d["links"]) for d in talks.values()) >= 5
    assert sum(1 for d in people.values() if d["posts"]) >= 50
    assert max(len(d["aliases"]) for d in people.values()) >= 2


@pytest.mark.parametrize("kind", ["talk", "person", "paper"])
def test_batches_equal_per_page_detail_on_a_synthetic_kb(synthetic, kind):
    assert compare(synthetic, kind, 200) > 100


def test_synthetic_kb_has_co_author_ties_and_people_at_several_conferences(synthetic):
    with session_scope(synthetic) as session:
        people = batch.person_pages(session, sorted(session.exec(select(Person.id))))
    assert sum(1 for d in people.values() if len(d["conferences"]) >= 2) >= 10
    assert max(len(d["talks"]) for d in people.values()) >= 5
    tied = 0
    for d in people.values():
        counts = [c["n"] for c in d["co_authors"]]
        tied += len(counts) - len(set(counts))
    assert tied > 50
