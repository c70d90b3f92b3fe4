"""``kb enrich`` end to end: a post citing papers by arXiv and DOI links, enriched from recorded real answers.

arXiv and Crossref answer with the responses recorded by arxiv.py and habanero (tests/fixtures/enrich);
the only synthetic answers are error statuses (404 for a DOI no source knows, 500, garbage bodies).
"""

from __future__ import annotations

import json

import httpx
import pytest
import respx
from click.testing import CliRunner
from sqlmodel import select

from kb.db import session_scope
from kb.enrich.apply import accept, paper_authors
from kb.enrich.http import Cache, Fetcher
from kb.enrich.network import enrich_network
from kb.enrich.record import authors_json
from kb.enrich.sources import arxiv
from kb.enrich.speakers import speakers_from_authors
from kb.importer import import_paths
from kb.models import (
    Citation,
    IdentityCandidate,
    Merge,
    Paper,
    PaperFieldSource,
    PaperKey,
    Person,
    PersonAlias,
    Post,
    Talk,
    TalkSpeaker,
    UserEdit,
)
from tests.enrich_replay import (
    acl_bib,
    arxiv_1111_2011,
    arxiv_1605_08386,
    crossref_plos_one,
    datacite_figshare,
    ok,
    openalex_uq_thesis,
)

ARXIV = "https://export.arxiv.org/api/query"
PLOS = "10.1371/journal.pone.0033693"
PRB = "10.1103/PhysRevB.85.115117"  # the DOI arXiv gives for 1111.2011: followed in the same run
CROSSREF_TITLE = (
    "Methylphenidate Exposure Induces Dopamine Neuron Loss and Activation of Microglia in the Basal Ganglia of Mice"
)

POST = """---
title: "Notes from a small workshop on random walks"
date: 2019-06-01
---

The workshop had two talks worth writing down.

The first built on [Heat-bath random walks with Markov bases](https://arxiv.org/abs/1605.08386) and its diameter bounds.

The second was mostly about [the Bethe lattice paper](https://arxiv.org/abs/1111.2011), with a detour through
[Methylphenidate Exposure and Dopamine Neuron Loss in Mice](https://doi.org/10.1371/journal.pone.0033693).

A hallway conversation went back to
[Detecting Unassimilated Borrowings in Spanish: An Annotated Corpus and Approaches to Modeling](https://aclanthology.org/2022.acl-long.268/).
"""


class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.now += seconds


def replay() -> respx.MockRouter:
    """Every request must hit a route (nothing reaches the network); not every route need be asked."""
    return respx.mock(assert_all_called=False, assert_all_mocked=True)


def _fetcher(tmp_path, **kw) -> Fetcher:
    clock = Clock()
    return Fetcher(Cache(tmp_path / "http-cache.sqlite"), "kb-tests@example.org", sleep=clock.sleep, clock=clock, **kw)


def _imported(engine, tmp_path) -> dict[str, int]:
    post = tmp_path / "2019-06-01-workshop.md"
    post.write_text(POST)
    assert not import_paths(engine, [post]).failed
    with session_scope(engine) as s:
        keys = dict(s.exec(select(PaperKey.key, PaperKey.paper_id)).all())
    return {
        "heat": keys["arxiv:1605.08386"],
        "bethe": keys["arxiv:1111.2011"],
        "plos": keys[f"doi:{PLOS}"],
        "acl": keys["acl:2022.acl-long.268"],
    }


def _routes(router: respx.Router, crossref: httpx.Response | None = None) -> dict[str, respx.Route]:
    bodies = {"1605.08386": arxiv_1605_08386(), "1111.2011": arxiv_1111_2011()}
    uri, body = crossref_plos_one()
    return {
        "arxiv": router.get(ARXIV).mock(
            side_effect=lambda request: ok(bodies[request.url.params["id_list"]], "application/atom+xml")
        ),
        "crossref": router.get(uri).mock(return_value=crossref or ok(body)),
        "acl": router.get("https://aclanthology.org/2022.acl-long.268.bib").mock(
            return_value=ok(acl_bib("2022.acl-long.268"), "application/x-bibtex")
        ),
        # No source knows the DOI arXiv revealed (as if): the fallback chain ends, remembered as "notfound".
        "prb": router.get(f"https://api.crossref.org/works/{PRB}").mock(return_value=httpx.Response(404)),
        "datacite": router.get(f"https://api.datacite.org/dois/{PRB}").mock(return_value=httpx.Response(404)),
        "openalex": router.get(f"https://api.openalex.org/works/doi:{PRB}").mock(return_value=httpx.Response(404)),
    }


def _state(engine) -> tuple[dict, set]:
    with session_scope(engine) as s:
        papers = {
            p.id: (p.title, p.year, p.venue, p.doi, p.arxiv_id, [a.name for a in paper_authors(s, p.id)])
            for p in s.exec(select(Paper)).all()
        }
        sources = set(
            s.exec(
                select(
                    PaperFieldSource.paper_id, PaperFieldSource.field, PaperFieldSource.source, PaperFieldSource.status
                )
            ).all()
        )
    return papers, sources


def _expected(ids: dict[str, int], plos_title: str = "Methylphenidate Exposure and Dopamine Neuron Loss in Mice"):
    heat, bethe, plos, acl = ids["heat"], ids["bethe"], ids["plos"], ids["acl"]
    papers = {
        heat: (
            "Heat-bath random walks with Markov bases",
            2016,
            "arXiv preprint arXiv:1605.08386",
            None,
            "1605.08386",
            ["Caprice Stanley", "Tobias Windisch"],
        ),
        bethe: (
            "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit",
            2011,
            "arXiv preprint arXiv:1111.2011",
            PRB,
            "1111.2011",
            ["James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic"],
        ),
        plos: (
            plos_title,
            2012,
            "PLoS ONE",
            PLOS,
            None,
            ["Shankar Sadasivan", "Brooks B. Pond", "Amar K. Pani", "Chunxu Qu", "Yun Jiao", "Richard J. Smeyne"],
        ),
        acl: (
            "Detecting Unassimilated Borrowings in Spanish: An Annotated Corpus and Approaches to Modeling",
            2022,
            "ACL",  # what kb derives from the Anthology id, kept: the Anthology's long form is recorded as "differs"
            "10.18653/v1/2022.acl-long.268",
            None,
            ["Elena Álvarez-Mellado", "Constantine Lignos"],
        ),
    }
    sources = {
        (heat, "title", "arxiv", "same"),
        (heat, "authors", "arxiv", "set"),
        (heat, "year", "arxiv", "same"),
        (heat, "arxiv_id", "arxiv", "same"),
        (heat, "abstract", "arxiv", "set"),
        (heat, "*", "arxiv", "found"),
        (bethe, "title", "arxiv", "set"),
        (bethe, "authors", "arxiv", "set"),
        (bethe, "year", "arxiv", "same"),
        (bethe, "doi", "arxiv", "set"),
        (bethe, "arxiv_id", "arxiv", "same"),
        (bethe, "abstract", "arxiv", "set"),
        (bethe, "*", "arxiv", "found"),
        (bethe, "*", "crossref", "notfound"),
        (bethe, "*", "datacite", "notfound"),
        (bethe, "*", "openalex", "notfound"),
        (plos, "title", "crossref", "conflict"),
        (plos, "authors", "crossref", "set"),
        (plos, "year", "crossref", "set"),
        (plos, "venue", "crossref", "set"),
        (plos, "doi", "crossref", "same"),
        (plos, "*", "crossref", "found"),
        (acl, "title", "acl", "same"),
        (acl, "authors", "acl", "set"),
        (acl, "year", "acl", "same"),
        (acl, "venue", "acl", "differs"),
        (acl, "doi", "acl", "set"),
        (acl, "abstract", "acl", "set"),
        (acl, "*", "acl", "found"),
    }
    return papers, sources


def test_enrich_fills_papers_with_provenance_then_asks_nothing_again(engine, tmp_path):
    ids = _imported(engine, tmp_path)
    with respx.mock(assert_all_called=True) as router:
        routes = _routes(router)
        fetcher = _fetcher(tmp_path)
        report = enrich_network(engine, fetcher)
        assert fetcher.requests == 7 and routes["arxiv"].call_count == 2
    assert _state(engine) == _expected(ids)
    assert (report.papers, report.asked, report.resumed) == (4, 4, 0)
    assert report.conflicts == [(ids["plos"], "title", "crossref")] and report.failures == []
    assert report.fields == {"abstract": 3, "authors": 4, "doi": 2, "title": 1, "venue": 1, "year": 1}
    with session_scope(engine) as s:  # provenance names the API URL each value came from
        row = s.exec(
            select(PaperFieldSource).where(PaperFieldSource.paper_id == ids["plos"], PaperFieldSource.field == "title")
        ).one()
        assert (row.value, row.url) == (CROSSREF_TITLE, f"https://api.crossref.org/works/{PLOS}")
        assert s.get(PaperKey, f"doi:{PRB.lower()}").paper_id == ids["bethe"]  # the revealed DOI identifies it now

    with respx.mock(assert_all_mocked=True) as router:  # resumable: nothing is asked again, nothing changes
        again = enrich_network(engine, _fetcher(tmp_path))
        assert router.calls.call_count == 0
    assert (again.asked, again.resumed, again.requests) == (0, 4, 0)
    assert _state(engine) == _expected(ids)
    (post,) = tmp_path.glob("*.md")
    assert not import_paths(engine, [post], force=True).failed  # re-importing the post keeps what was found
    assert _state(engine) == _expected(ids)


def test_a_second_knowledge_base_is_enriched_from_the_cache(engine, tmp_path):
    from kb.db import open_db

    _imported(engine, tmp_path)
    with replay() as router:
        _routes(router)
        enrich_network(engine, _fetcher(tmp_path))
    other = open_db(tmp_path / "other.sqlite")
    ids = _imported(other, tmp_path)
    with respx.mock(assert_all_mocked=True) as router:
        report = enrich_network(other, _fetcher(tmp_path))  # the same cache file
        assert router.calls.call_count == 0 and report.requests == 0
    assert _state(other) == _expected(ids)
    other.dispose()


def test_a_doi_crossref_does_not_know_is_asked_of_datacite(engine, tmp_path):
    post = tmp_path / "2021-03-01-data.md"
    post.write_text(
        "---\ntitle: Data we reused\n---\n\nThe wing images came from "
        "[a figshare dataset](https://doi.org/10.6084/m9.figshare.1449060).\n"
    )
    assert not import_paths(engine, [post]).failed
    uri, body = datacite_figshare()
    with replay() as router:
        crossref = router.get("https://api.crossref.org/works/10.6084/m9.figshare.1449060").mock(
            return_value=httpx.Response(404)  # as Crossref answers for a DOI DataCite registered
        )
        datacite = router.get(uri.split("?")[0]).mock(return_value=ok(body))
        report = enrich_network(engine, _fetcher(tmp_path))
        assert crossref.call_count == 1 and datacite.call_count == 1
    assert (report.found, report.notfound) == ({"datacite": 1}, {"crossref": 1})
    papers, sources = _state(engine)
    ((pid, paper),) = papers.items()
    assert paper == (
        "Drosophila melanogaster wing images from low and high altitude populations in Ethiopia and Zambia.",
        2020,
        "figshare",
        "10.6084/m9.figshare.1449060",
        None,
        ["Ian Dworkin", "John Pool", "William Pitchers", "Maria Pesevski"],
    )
    assert {(f, src, st) for p, f, src, st in sources} == {
        ("*", "crossref", "notfound"),
        ("*", "datacite", "found"),
        ("title", "datacite", "set"),
        ("authors", "datacite", "set"),
        ("year", "datacite", "set"),
        ("venue", "datacite", "set"),
        ("doi", "datacite", "same"),
        ("abstract", "datacite", "set"),
    }
    with session_scope(engine) as s:  # the ORCID DataCite gave is kept with the author list's provenance
        authors = s.exec(select(PaperFieldSource.value).where(PaperFieldSource.field == "authors")).one()
    assert json.loads(authors)[0] == {"given": "Ian", "family": "Dworkin", "orcid": "0000-0002-2874-287X"}


def test_openalex_is_the_last_doi_fallback(engine, tmp_path):
    post = tmp_path / "2023-05-01-thesis.md"
    post.write_text("---\ntitle: A thesis\n---\n\nSee [the thesis](https://doi.org/10.14264/3e10f66).\n")
    assert not import_paths(engine, [post]).failed
    uri, body = openalex_uq_thesis()
    doi = "10.14264/3e10f66"
    with replay() as router:  # as if the registries did not know it (404s are synthetic; OpenAlex's answer is real)
        router.get(f"https://api.crossref.org/works/{doi}").mock(return_value=httpx.Response(404))
        router.get(f"https://api.datacite.org/dois/{doi}").mock(return_value=httpx.Response(404))
        openalex = router.get(f"https://api.openalex.org/works/doi:{doi}").mock(return_value=ok(body))
        report = enrich_network(engine, _fetcher(tmp_path))
        assert openalex.call_count == 1
        assert openalex.calls.last.request.url.params["mailto"] == "kb-tests@example.org"  # the polite pool
    assert (report.found, report.notfound) == ({"openalex": 1}, {"crossref": 1, "datacite": 1})
    papers, _ = _state(engine)
    assert list(papers.values()) == [
        (
            "A computational impact analysis approach leveraging non-conforming spatial, temporal and "
            "methodological discretisations",
            2022,
            "The University of Queensland",
            doi,
            None,
            ["Peter Wilson"],
        )
    ]


def test_a_hand_edited_title_survives_and_an_accepted_value_becomes_an_edit(engine, tmp_path):
    from kb.curation import edit_field

    ids = _imported(engine, tmp_path)
    with session_scope(engine, write=True) as s:
        edit_field(s, "paper", ids["heat"], "title", "Heat-bath walks (my title)")
    with replay() as router:
        _routes(router)
        enrich_network(engine, _fetcher(tmp_path))
    with session_scope(engine, write=True) as s:
        assert s.get(Paper, ids["heat"]).title == "Heat-bath walks (my title)"
        kept = s.exec(
            select(PaperFieldSource.status).where(
                PaperFieldSource.paper_id == ids["heat"], PaperFieldSource.field == "title"
            )
        ).one()
        assert kept == "kept"
        conflict = s.exec(
            select(PaperFieldSource).where(PaperFieldSource.paper_id == ids["plos"], PaperFieldSource.field == "title")
        ).one()
        accept(s, conflict.id)  # the JabRef-style choice: the source's value wins, as a hand edit
    with session_scope(engine) as s:
        assert s.get(Paper, ids["plos"]).title == CROSSREF_TITLE
        edit = s.exec(select(UserEdit).where(UserEdit.entity_id == ids["plos"], UserEdit.field == "title")).one()
        assert edit.value == CROSSREF_TITLE
    with replay() as router:  # asked again (refresh): the decision stands
        _routes(router)
        enrich_network(engine, _fetcher(tmp_path, refresh=True), refresh=True)
    papers, sources = _state(engine)
    assert papers[ids["plos"]][0] == CROSSREF_TITLE and papers[ids["heat"]][0] == "Heat-bath walks (my title)"
    assert (ids["plos"], "title", "crossref", "accepted") in sources
    assert (ids["heat"], "title", "arxiv", "kept") in sources


@pytest.mark.parametrize(
    ("answer", "error"),
    [
        (httpx.Response(500), "HTTP 500 after 4 attempt(s)"),
        (ok(b"<html><body>Bad Gateway</body></html>", "text/html"), "Crossref: not JSON"),
    ],
)
def test_a_source_that_is_down_or_garbled_is_one_line_and_no_partial_paper(engine, tmp_path, answer, error):
    ids = _imported(engine, tmp_path)
    with replay() as router:
        _routes(router, crossref=answer)
        report = enrich_network(engine, _fetcher(tmp_path))
    assert report.failures == [(ids["plos"], "crossref", error)]
    papers, sources = _state(engine)
    assert papers[ids["plos"]] == (
        "Methylphenidate Exposure and Dopamine Neuron Loss in Mice",
        None,
        None,
        PLOS,
        None,
        [],
    )
    assert {row for row in sources if row[0] == ids["plos"]} == set()  # nothing of that paper was written
    with replay() as router:  # the source is back: the next run finishes the job (and only that)
        _routes(router)
        report = enrich_network(engine, _fetcher(tmp_path))
    assert report.failures == [] and (report.asked, report.resumed) == (1, 3)
    assert _state(engine) == _expected(ids)


def test_a_source_that_keeps_failing_is_given_up_for_the_rest_of_the_run(engine, tmp_path):
    ids = _imported(engine, tmp_path)
    with replay() as router:
        routes = _routes(router)
        routes["arxiv"].mock(side_effect=None, return_value=httpx.Response(503))
        report = enrich_network(engine, _fetcher(tmp_path), down_after=1)
        assert routes["arxiv"].call_count == 4  # the first arXiv paper's 4 attempts; the second is not asked
    assert sorted(report.failures) == sorted(
        [
            (ids["heat"], "arxiv", "HTTP 503 after 4 attempt(s)"),
            (ids["bethe"], "arxiv", "not asked: down earlier in this run (HTTP 503 after 4 attempt(s))"),
        ]
    )
    assert report.found == {"acl": 1, "crossref": 1}  # the other sources were asked as usual


def test_cli_enrich_json_report_and_offline_makes_no_request(engine, tmp_path, monkeypatch):
    from kb.cli import main

    ids = _imported(engine, tmp_path)
    db = str(engine.url.database)
    monkeypatch.setenv("KB_CONTACT", "kb-tests@example.org")
    monkeypatch.setattr("kb.enrich.http.time.sleep", lambda s: None)  # arXiv's 3 s between its two calls
    with respx.mock(assert_all_mocked=True) as router:
        result = CliRunner().invoke(main, ["--db", db, "enrich", "--offline", "--json"])
        assert result.exit_code == 0, result.output
        assert router.calls.call_count == 0  # --offline: no network at all
    with replay() as router:
        routes = _routes(router)
        result = CliRunner().invoke(main, ["--db", db, "enrich", "--json"])
        assert result.exit_code == 0, result.output
        assert "mailto:kb-tests@example.org" in routes["arxiv"].calls.last.request.headers["User-Agent"]
    data = json.loads(result.stdout)
    assert (data["papers"], data["asked"], data["failures"]) == (4, 4, [])
    assert data["conflicts"] == [
        {
            "paper": ids["plos"],
            "title": "Methylphenidate Exposure and Dopamine Neuron Loss in Mice",
            "field": "title",
            "source": "crossref",
        }
    ]
    assert (tmp_path / "kb.sqlite.http-cache").is_file()  # the cache lives next to the knowledge base
    assert _state(engine) == _expected(ids)
    result = CliRunner().invoke(main, ["--db", db, "enrich", "--source", "semanticscholar"])
    assert result.exit_code == 2 and "unknown source(s) semanticscholar" in result.stderr


def test_merging_papers_keeps_what_the_sources_said(engine, tmp_path):
    from kb.curation import merge_papers

    ids = _imported(engine, tmp_path)
    with replay() as router:
        _routes(router)
        enrich_network(engine, _fetcher(tmp_path))
    _papers, before = _state(engine)
    with session_scope(engine, write=True) as s:
        merge_papers(s, ids["plos"], ids["bethe"])  # a wrong merge, but a merge: provenance must follow
        merge_papers(s, ids["heat"], ids["bethe"])
    _papers, after = _state(engine)
    moved = {(f, src, st) for p, f, src, st in before if p == ids["plos"]}
    bethe = {(f, src, st) for p, f, src, st in after if p == ids["bethe"]}
    assert moved <= bethe  # Crossref's word on the merged paper now speaks of the survivor
    # the survivor keeps its own arXiv provenance; the other arXiv paper's (same fields, same source) is dropped
    assert {row for row in bethe if row[1] == "arxiv"} == {
        (f, src, st) for p, f, src, st in before if p == ids["bethe"] and src == "arxiv"
    }
    assert {p for p, *_ in after} == {ids["bethe"], ids["acl"]}


def test_cli_names_each_failing_paper_on_one_line_and_exits_1(engine, tmp_path, monkeypatch):
    from kb.cli import main

    ids = _imported(engine, tmp_path)
    monkeypatch.setattr("kb.enrich.http.time.sleep", lambda s: None)
    with replay() as router:
        _routes(router, crossref=httpx.Response(500))
        result = CliRunner().invoke(main, ["--db", str(engine.url.database), "enrich"])
    assert result.exit_code == 1
    assert result.stderr.splitlines() == [
        f"paper {ids['plos']} (Methylphenidate Exposure and Dopamine Neuron Loss in Mice): crossref: "
        "HTTP 500 after 4 attempt(s)"
    ]
    assert "Traceback" not in result.output and result.stdout.startswith("4 paper(s) with identifiers: 4 asked")


# ---------------------------------------------------------------- speakers named by enriched authors


def _speaker_of(s, post_id: int, name: str, paper_id: int, n: int) -> int:
    person = Person(key=name.lower(), name=name, family=name, family_key=name.lower(), family_block=name.lower()[:2])
    talk = Talk(post_id=post_id, key=f"talk-by-{name.lower()}", position=100 + n, title=f"A talk by {name}")
    s.add_all([person, talk])
    s.flush()
    s.add(TalkSpeaker(talk_id=talk.id, person_id=person.id))
    s.add(Citation(post_id=post_id, position=100 + n, talk_id=talk.id, paper_id=paper_id, marker=f"[{n}]"))
    return person.id


def _paper_with_enriched_authors(s, source: str, status: str, authors: str) -> int:
    """A paper no post describes, whose author list a source gave (``authors``: the stored JSON)."""
    paper = Paper(title=f"A paper known from {source}")
    s.add(paper)
    s.flush()
    s.add(PaperFieldSource(paper_id=paper.id, field="authors", source=source, status=status, value=authors))
    return paper.id


def test_a_surname_speaker_becomes_the_enriched_author(engine, tmp_path):
    ids = _imported(engine, tmp_path)
    with replay() as router:
        _routes(router)
        enrich_network(engine, _fetcher(tmp_path), sources={"crossref"})  # makes "Richard J. Smeyne" an author
    with session_scope(engine, write=True) as s:
        post = s.exec(select(Post.id)).one()
        smeyne = _speaker_of(s, post, "Smeyne", ids["plos"], 1)
        # A paper whose enriched author list (arXiv's, recorded) was not written (its authors conflicted):
        # nobody is called "Zlatko Tesanovic" yet, so the surname-only speaker is renamed.
        lone_id = _paper_with_enriched_authors(
            s, "arxiv", "conflict", authors_json(arxiv.parse(arxiv_1111_2011(), "u").authors)
        )
        tesanovic = _speaker_of(s, post, "Tesanovic", lone_id, 2)
    done = speakers_from_authors(engine, [ids["plos"], lone_id])
    with session_scope(engine) as s:
        richard = s.exec(select(Person).where(Person.name == "Richard J. Smeyne")).one()
        assert s.get(Person, smeyne) is None  # merged into the author, as recorded history
        merge = s.exec(select(Merge).where(Merge.entity == "person")).one()
        assert (merge.from_id, merge.into_id, merge.from_name) == (smeyne, richard.id, "Smeyne")
        speakers = s.exec(
            select(TalkSpeaker.person_id).join(Talk, Talk.id == TalkSpeaker.talk_id).where(Talk.key == "talk-by-smeyne")
        ).all()
        assert speakers == [richard.id]
        renamed = s.get(Person, tesanovic)
        assert (renamed.name, renamed.given, renamed.family) == ("Zlatko Tesanovic", "Zlatko", "Tesanovic")
        assert "zlatko tesanovic" in s.exec(select(PersonAlias.key).where(PersonAlias.person_id == tesanovic)).all()
    assert done == [
        "'Smeyne' merged into 'Richard J. Smeyne' (the one author of that name on their papers)",
        "tesanovic: renamed 'Zlatko Tesanovic' (from an enriched author list)",
    ]


def test_an_ambiguous_surname_is_kept_apart_as_a_candidate(engine, tmp_path):
    ids = _imported(engine, tmp_path)
    with replay() as router:
        _routes(router)
        enrich_network(engine, _fetcher(tmp_path))
    with session_scope(engine, write=True) as s:
        post = s.exec(select(Post.id)).one()
        # Hand-made rows (not API data): a second paper by another Murray, cited in the same talk.
        other_id = _paper_with_enriched_authors(s, "dblp", "set", '[{"given": "Anne", "family": "Murray"}]')
        murray = _speaker_of(s, post, "Murray", ids["bethe"], 1)
        talk = s.exec(select(Talk.id).where(Talk.key == "talk-by-murray")).one()
        s.add(Citation(post_id=post, position=150, talk_id=talk, paper_id=other_id, marker="[9]"))
    done = speakers_from_authors(engine, [ids["bethe"], other_id])
    with session_scope(engine) as s:
        james = s.exec(select(Person.id).where(Person.name == "James M. Murray")).one()
        assert s.get(Person, murray).name == "Murray"  # never merged silently
        pairs = s.exec(select(IdentityCandidate.entity, IdentityCandidate.a_id, IdentityCandidate.b_id)).all()
        assert pairs == [("person", *sorted((murray, james)))]
        assert s.exec(select(Merge)).all() == []
    assert done == ["'Murray': ambiguous (Anne Murray, James M. Murray); kept apart"]
