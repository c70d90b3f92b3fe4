"""``kb enrich`` source clients and HTTP layer: recorded real responses parsed; errors, retries, cache, rate limits.

Successful payloads are real API responses recorded by other projects (tests/fixtures/enrich/SOURCES.md).
The error cases (404, 429, 5xx, timeouts, malformed or empty bodies) are synthetic status codes and bodies.
"""

from __future__ import annotations

import socket

import httpx
import pytest
import respx

from kb.enrich.http import Cache, Fetcher, FetchError, retry_after, user_agent
from kb.enrich.record import Author, SourceError
from kb.enrich.sources import acl, arxiv, crossref, datacite, dblp, openalex, openreview
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


# ---------------------------------------------------------------- parsing recorded answers


def test_arxiv_atom_answer_is_read_field_by_field():
    rec = arxiv.parse(arxiv_1111_2011(), "u")
    assert rec.title == "Quantum Criticality for Extended Nodes on a Bethe Lattice in the Large Connectivity Limit"
    assert rec.authors == [Author("James M.", "Murray"), Author("Adrian", "Del Maestro"), Author("Zlatko", "Tesanovic")]
    assert (rec.year, rec.doi, rec.arxiv_id, rec.venue) == (2011, "10.1103/PhysRevB.85.115117", "1111.2011", None)
    assert rec.abstract.startswith("Theoretical description of anisotropic systems, such as layered superconductors")
    assert rec.abstract.endswith("a single extra dimension to the theory describing a single node.")
    assert rec.link == "https://arxiv.org/abs/1111.2011"


def test_arxiv_newer_answer_format_is_read_too():
    """The 2026 recording puts the namespaces on <feed> and has no DOI: both shapes are read."""
    rec = arxiv.parse(arxiv_1605_08386(), "u")
    assert (rec.title, rec.year, rec.arxiv_id, rec.doi) == (
        "Heat-bath random walks with Markov bases",
        2016,
        "1605.08386",
        None,
    )
    assert rec.authors == [Author("Caprice", "Stanley"), Author("Tobias", "Windisch")]


def test_crossref_works_answer_is_read_field_by_field():
    _uri, body = crossref_plos_one()
    rec = crossref.parse(body, "u")
    assert rec.title == (
        "Methylphenidate Exposure Induces Dopamine Neuron Loss and Activation of Microglia in the Basal Ganglia of Mice"
    )
    assert [a.full for a in rec.authors] == [
        "Shankar Sadasivan",
        "Brooks B. Pond",
        "Amar K. Pani",
        "Chunxu Qu",
        "Yun Jiao",
        "Richard J. Smeyne",
    ]
    assert (rec.year, rec.venue, rec.doi, rec.abstract) == (2012, "PLoS ONE", "10.1371/journal.pone.0033693", None)


def test_datacite_answer_is_read_with_orcid_and_abstract():
    _uri, body = datacite_figshare()
    rec = datacite.parse(body, "u")
    assert (
        rec.title
        == "Drosophila melanogaster wing images from low and high altitude populations in Ethiopia and Zambia."
    )
    assert rec.authors == [
        Author("Ian", "Dworkin", "0000-0002-2874-287X"),
        Author("John", "Pool"),
        Author("William", "Pitchers"),
        Author("Maria", "Pesevski"),
    ]
    assert (rec.year, rec.venue, rec.doi, rec.arxiv_id) == (2020, "figshare", "10.6084/m9.figshare.1449060", None)
    assert rec.abstract.startswith("These are raw wing images from Drosophila melanogaster isofemale lines")
    assert "<i>" not in rec.abstract and "<br>" not in rec.abstract  # markup in the description is dropped


def test_openalex_work_is_read_with_orcid():
    _uri, body = openalex_uq_thesis()
    rec = openalex.parse(body, "u")
    assert rec.title == (
        "A computational impact analysis approach leveraging non-conforming spatial, temporal and methodological "
        "discretisations"
    )
    assert rec.authors == [Author("Peter", "Wilson", "0000-0001-5777-3141")]
    assert (rec.year, rec.venue, rec.doi, rec.abstract) == (
        2022,
        "The University of Queensland",
        "10.14264/3e10f66",
        None,
    )


def test_acl_anthology_bibtex_is_read_with_latex_decoded():
    rec = acl.parse(acl_bib("2022.acl-long.268"), "u")
    assert rec.title == "Detecting Unassimilated Borrowings in Spanish: An Annotated Corpus and Approaches to Modeling"
    assert rec.authors == [Author("Elena", "Álvarez-Mellado"), Author("Constantine", "Lignos")]
    assert rec.venue == (
        "Proceedings of the 60th Annual Meeting of the Association for Computational Linguistics (Volume 1: Long Papers)"
    )
    assert (rec.year, rec.doi, rec.link) == (
        2022,
        "10.18653/v1/2022.acl-long.268",
        "https://aclanthology.org/2022.acl-long.268/",
    )
    assert "unassimilated lexical borrowings—words from one language" in rec.abstract
    old = acl.parse(acl_bib("J89-2002"), "u")
    assert (old.title, old.venue, old.year, old.doi) == (
        "Parsing with a Small Dictionary for Applications such as Text to Speech",
        "Computational Linguistics",
        1989,
        None,
    )
    assert old.authors == [Author("Douglas D.", "O'Shaughnessy")]


@pytest.mark.parametrize(
    ("module", "body"),
    [
        (arxiv, b"<html><body>Service Unavailable</body></html>"),
        (arxiv, b"<?xml version='1.0'?><feed"),
        (arxiv, b'<!DOCTYPE lolz [<!ENTITY lol "lol">]><feed>&lol;</feed>'),
        (crossref, b"Resource not found."),
        (crossref, b'{"status": "failed", "message": []}'),
        (datacite, b"<html>"),
        (datacite, b'{"errors": [{"status": "404"}]}'),
        (acl, b"<!DOCTYPE html><html><title>Not Found</title></html>"),
        (openreview, b"{not json"),
        (openreview, b'{"name": "NotFoundError"}'),
        (dblp, b"<result><hits total='0'/></result>"),
        (openalex, b"[]"),
    ],
)
def test_garbage_is_a_source_error_not_a_traceback(module, body):
    with pytest.raises(SourceError):
        module.parse(body, "u")


def test_empty_results_mean_unknown_paper():
    empty_feed = b'<feed xmlns="http://www.w3.org/2005/Atom"><title>ArXiv Query</title></feed>'
    assert arxiv.parse(empty_feed, "u") is None
    assert openreview.parse(b'{"notes": [], "count": 0}', "u") is None
    assert dblp.parse(b"<dblp></dblp>", "u") is None


# ---------------------------------------------------------------- the HTTP layer


class Clock:
    """A fake monotonic clock that sleeping advances: rate limits and backoff without waiting."""

    def __init__(self):
        self.now = 100.0
        self.sleeps: list[float] = []

    def __call__(self) -> float:
        return self.now

    def sleep(self, seconds: float) -> None:
        self.sleeps.append(round(seconds, 3))
        self.now += seconds


def _fetcher(tmp_path, clock: Clock, contact: str | None = "kb-tests@example.org", **kw) -> Fetcher:
    return Fetcher(Cache(tmp_path / "cache.sqlite"), contact, sleep=clock.sleep, clock=clock, **kw)


@respx.mock
def test_user_agent_contact_and_polite_pool(tmp_path):
    uri, body = crossref_plos_one()
    route = respx.get(uri).mock(return_value=ok(body))
    f = _fetcher(tmp_path, Clock())
    base, params, polite = crossref.request("10.1371/journal.pone.0033693")
    answer = f.get("crossref", base, params, polite=polite)
    sent = route.calls.last.request
    assert sent.headers["User-Agent"] == user_agent("kb-tests@example.org")
    assert "mailto:kb-tests@example.org" in sent.headers["User-Agent"] and sent.headers["User-Agent"].startswith("kb/")
    assert sent.url.params["mailto"] == "kb-tests@example.org"
    assert answer.url == uri and answer.status == 200  # cached under the URL without the contact
    assert crossref.parse(answer.body, answer.url).year == 2012


@respx.mock
def test_second_get_is_answered_by_the_cache(tmp_path):
    route = respx.get(ARXIV).mock(return_value=ok(arxiv_1111_2011(), "application/atom+xml"))
    clock = Clock()
    f = _fetcher(tmp_path, clock)
    first = f.get("arxiv", ARXIV, {"id_list": "1111.2011"})
    f.close()
    again = _fetcher(tmp_path, clock)  # a new process, the same cache file
    second = again.get("arxiv", ARXIV, {"id_list": "1111.2011"})
    assert route.call_count == 1 and again.requests == 0
    assert (second.cached, second.body) == (True, first.body)
    refreshed = _fetcher(tmp_path, clock, refresh=True).get("arxiv", ARXIV, {"id_list": "1111.2011"})
    assert route.call_count == 2 and not refreshed.cached


@respx.mock
def test_arxiv_requests_are_three_seconds_apart(tmp_path):
    respx.get(ARXIV).mock(return_value=ok(arxiv_1111_2011(), "application/atom+xml"))
    respx.get("https://api.crossref.org/works/x").mock(return_value=httpx.Response(404))
    clock = Clock()
    f = _fetcher(tmp_path, clock)
    f.get("arxiv", ARXIV, {"id_list": "a"})
    clock.now += 1.0  # one second of other work
    f.get("arxiv", ARXIV, {"id_list": "b"})
    f.get("crossref", "https://api.crossref.org/works/x")  # another source has its own turn
    assert clock.sleeps == [2.0]


@respx.mock
def test_429_with_retry_after_then_success(tmp_path):
    route = respx.get(ARXIV).mock(
        side_effect=[
            httpx.Response(429, headers={"Retry-After": "7"}),
            ok(arxiv_1605_08386(), "application/atom+xml"),
        ]
    )
    clock = Clock()
    answer = _fetcher(tmp_path, clock).get("arxiv", ARXIV, {"id_list": "1605.08386"})
    assert route.call_count == 2 and answer.status == 200
    assert clock.sleeps == [7.0]  # the server's wait (the first arXiv call needs no rate-limit pause)


@respx.mock
def test_5xx_exhaustion_is_one_error_with_exponential_backoff(tmp_path):
    route = respx.get(ARXIV).mock(return_value=httpx.Response(503))
    clock = Clock()
    with pytest.raises(FetchError, match=r"^HTTP 503 after 4 attempt\(s\)$"):
        _fetcher(tmp_path, clock).get("arxiv", ARXIV, {"id_list": "x"})
    assert route.call_count == 4
    assert clock.sleeps == [3.0, 3.0, 4.0]  # the longer of the backoff (1, 2, 4 s) and arXiv's 3 s


@respx.mock
def test_timeouts_are_retried_then_reported(tmp_path):
    route = respx.get(ARXIV).mock(side_effect=httpx.ReadTimeout("slow"))
    with pytest.raises(FetchError, match=r"^timed out after 2 attempt\(s\)$"):
        _fetcher(tmp_path, Clock(), retries=2).get("arxiv", ARXIV, {"id_list": "x"})
    assert route.call_count == 2


@respx.mock
def test_404_is_an_answer_and_is_cached(tmp_path):
    route = respx.get("https://api.crossref.org/works/10.48550/arXiv.1706.03762").mock(return_value=httpx.Response(404))
    clock = Clock()
    base, params, _ = crossref.request("10.48550/arXiv.1706.03762")
    assert _fetcher(tmp_path, clock, contact=None).get("crossref", base, params).status == 404
    assert _fetcher(tmp_path, clock, contact=None).get("crossref", base, params).cached
    assert route.call_count == 1


@respx.mock
def test_a_server_asking_to_wait_too_long_is_down(tmp_path):
    respx.get(ARXIV).mock(return_value=httpx.Response(429, headers={"Retry-After": "3600"}))
    with pytest.raises(FetchError, match="asked to wait 3600 s"):
        _fetcher(tmp_path, Clock()).get("arxiv", ARXIV, {"id_list": "x"})


@respx.mock
def test_an_endless_answer_is_refused(tmp_path, monkeypatch):
    monkeypatch.setattr("kb.enrich.http.MAX_BODY", 1000)
    respx.get(ARXIV).mock(return_value=httpx.Response(200, content=b"<" * 5000))
    with pytest.raises(FetchError, match="an answer larger than"):
        _fetcher(tmp_path, Clock()).get("arxiv", ARXIV, {"id_list": "x"})


def test_identifiers_are_quoted_into_urls():
    assert crossref.request("10.1002/(SICI)1097-4547(19960215)43:4<439::AID-JNR5>3.0.CO;2-G")[0] == (
        "https://api.crossref.org/works/10.1002/%28SICI%291097-4547%2819960215%2943%3A4%3C439%3A%3AAID-JNR5%3E3.0.CO%3B2-G"
    )
    assert openalex.request("10.1/a?b#c")[0] == "https://api.openalex.org/works/doi:10.1/a%3Fb%23c"


def test_retry_after_forms():
    assert retry_after("120") == 120.0
    assert retry_after("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # a date in the past: no wait
    assert retry_after("soon") is None and retry_after(None) is None


# ---------------------------------------------------------------- live (only where the network answers)


def _online(host: str) -> bool:
    try:
        socket.create_connection((host, 443), timeout=3).close()
    except OSError:
        return False
    return True


@pytest.mark.skipif(not _online("export.arxiv.org"), reason="no network: export.arxiv.org does not answer")
def test_live_arxiv_smoke(tmp_path):
    f = Fetcher(Cache(tmp_path / "c.sqlite"), "kb-tests@example.org")
    base, params, _ = arxiv.request("1706.03762")
    rec = arxiv.parse(f.get("arxiv", base, params).body, base)
    assert rec.title == "Attention Is All You Need" and rec.authors[0].family == "Vaswani"
