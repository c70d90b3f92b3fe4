"""DBLP: ``dblp.org/rec/{key}.xml`` is one record (``<dblp><inproceedings key=…>``)."""

from __future__ import annotations

import re

from kb.enrich.record import Author, Record, SourceError, clean, split_name, year_of
from kb.enrich.sources._xml import parse_xml

NAME = "dblp"
SITE = "https://dblp.org/rec/"
_HOMONYM = re.compile(r"\s+\d{4}$")  # DBLP numbers namesakes: "Xiaopeng Zhang 0009"


def request(value: str) -> tuple[str, dict[str, str], bool]:
    return f"{SITE}{value}.xml", {}, False


def parse(body: bytes, url: str) -> Record | None:
    root = parse_xml(body, "DBLP")
    if root.tag != "dblp":
        raise SourceError(f"DBLP: expected <dblp>, got <{root.tag}>")
    rec = next(iter(root), None)
    if rec is None:
        return None
    authors = []
    for a in rec.findall("author"):
        name = split_name(_HOMONYM.sub("", a.text or ""))
        authors.append(Author(name.given, name.family, a.get("orcid")))
    doi = arxiv = None
    for ee in rec.findall("ee"):
        link = (ee.text or "").strip()
        if m := re.search(r"doi\.org/(10\..+)$", link):
            doi = doi or m.group(1)
        if m := re.search(r"arxiv\.org/abs/([^v\s]+)", link):
            arxiv = arxiv or m.group(1)
    title = clean("".join(rec.find("title").itertext()) if rec.find("title") is not None else None)
    return Record(
        source=NAME,
        url=url,
        title=title.rstrip(".") if title else None,
        authors=[a for a in authors if a.family],
        venue=clean(rec.findtext("booktitle") or rec.findtext("journal")),
        year=year_of(rec.findtext("year")),
        doi=doi,
        arxiv_id=arxiv,
    )
