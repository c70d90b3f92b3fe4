"""arXiv's API: ``export.arxiv.org/api/query?id_list=…`` answers an Atom feed."""

from __future__ import annotations

import re

from kb.enrich.record import Record, SourceError, clean, split_name, year_of
from kb.enrich.sources._xml import parse_xml

NAME = "arxiv"
API = "https://export.arxiv.org/api/query"
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV = "{http://arxiv.org/schemas/atom}"
_VERSION = re.compile(r"v\d+$")


def request(value: str) -> tuple[str, dict[str, str], bool]:
    return API, {"id_list": value}, False


def parse(body: bytes, url: str) -> Record | None:
    root = parse_xml(body, "arXiv")
    if root.tag != f"{ATOM}feed":
        raise SourceError(f"arXiv: expected an Atom feed, got <{root.tag}>")
    entry = root.find(f"{ATOM}entry")
    if entry is None:
        return None
    ident = entry.findtext(f"{ATOM}id") or ""
    if "/api/errors" in ident:  # arXiv reports a malformed id as an entry titled "Error"
        raise SourceError(f"arXiv: {clean(entry.findtext(f'{ATOM}summary')) or 'error'}")
    m = re.search(r"arxiv\.org/abs/(.+)$", ident)
    if m is None:
        raise SourceError(f"arXiv: an entry without an arXiv id ({ident!r})")
    arxiv_id = _VERSION.sub("", m.group(1))
    title = clean(entry.findtext(f"{ATOM}title"))
    if not title:
        raise SourceError("arXiv: an entry without a title")
    authors = [split_name(a.findtext(f"{ATOM}name") or "") for a in entry.findall(f"{ATOM}author")]
    return Record(
        source=NAME,
        url=url,
        title=title,
        authors=[a for a in authors if a.family],
        venue=None,  # a preprint; the journal reference (free text) is not a venue name
        year=year_of(entry.findtext(f"{ATOM}published")),
        doi=clean(entry.findtext(f"{ARXIV}doi")),
        arxiv_id=arxiv_id,
        abstract=clean(entry.findtext(f"{ATOM}summary")),
        link=f"https://arxiv.org/abs/{arxiv_id}",
    )
