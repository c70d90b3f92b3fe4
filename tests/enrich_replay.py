"""Replaying the recorded API responses of tests/fixtures/enrich (see SOURCES.md there) with respx."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import yaml

FIXTURES = Path(__file__).resolve().parent / "fixtures" / "enrich"


def arxiv_1111_2011() -> bytes:
    """arXiv's Atom answer for id_list=1111.2011v2 (arxiv.py's fixture, as recorded)."""
    return (FIXTURES / "arxiv" / "id_list=1111.2011v2.xml").read_bytes()


def arxiv_1605_08386() -> bytes:
    """arXiv's Atom answer for id_list=1605.08386 (the body of arxiv.py's recorded response)."""
    recorded = json.loads((FIXTURES / "arxiv" / "id_1605.08386_s0_m100_199195aa31ad.json").read_text())
    assert recorded["status_code"] == 200
    return recorded["body"].encode()


def crossref_plos_one() -> tuple[str, bytes]:
    """(URI, body) of habanero's vcrpy cassette of api.crossref.org/works/10.1371/journal.pone.0033693."""
    cassette = yaml.safe_load((FIXTURES / "crossref" / "test_works_with_one_id.yaml").read_text())
    (interaction,) = cassette["interactions"]
    assert interaction["response"]["status_code"] == 200
    return interaction["request"]["uri"], interaction["response"]["content"].encode()


def datacite_figshare() -> tuple[str, bytes]:
    """(URI, body) of commonmeta-py's cassette of api.datacite.org/dois/10.6084/m9.figshare.1449060."""
    cassette = yaml.safe_load((FIXTURES / "datacite" / "test_get_datacite.yaml").read_text())
    (interaction,) = cassette["interactions"]
    assert interaction["response"]["status"]["code"] == 200
    return interaction["request"]["uri"], interaction["response"]["body"]["string"].encode()


def openalex_uq_thesis() -> tuple[str, bytes]:
    """(URI, body) of commonmeta-py's cassette of api.openalex.org/works/https://doi.org/10.14264/3e10f66."""
    cassette = yaml.safe_load((FIXTURES / "openalex" / "test_missing_contributor_name.yaml").read_text())
    (interaction,) = cassette["interactions"]
    assert interaction["response"]["status"]["code"] == 200
    return interaction["request"]["uri"], interaction["response"]["body"]["string"].encode()


def acl_bib(anthology_id: str) -> bytes:
    """aclanthology.org/{id}.bib as the Anthology writes it (its own test's expected output)."""
    return (FIXTURES / "acl" / f"{anthology_id}.bib").read_bytes()


def ok(body: bytes, kind: str = "application/json") -> httpx.Response:
    return httpx.Response(200, content=body, headers={"Content-Type": kind})
