"""DataCite's REST API: ``api.datacite.org/dois/{doi}`` (JSON:API) — DOIs Crossref does not register
(arXiv's ``10.48550/arXiv.…``, Zenodo, many data repositories)."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from kb.enrich.record import Author, Record, SourceError, clean, orcid_id, split_name, year_of

NAME = "datacite"
API = "https://api.datacite.org/dois/"
_TAG = re.compile(r"<[^>]+>")


def request(value: str) -> tuple[str, dict[str, str], bool]:
    return API + quote(value, safe="/"), {}, False


def _author(c: dict) -> Author:
    orcid = next(
        (
            orcid_id(i.get("nameIdentifier"))
            for i in c.get("nameIdentifiers") or []
            if i.get("nameIdentifierScheme") == "ORCID"
        ),
        None,
    )
    if c.get("familyName"):
        return Author(clean(c.get("givenName")) or "", clean(c["familyName"]) or "", orcid)
    a = split_name(c.get("name") or "")
    return Author(a.given, a.family, orcid)


def parse(body: bytes, url: str) -> Record | None:
    try:
        data = json.loads(body)
    except ValueError:
        raise SourceError("DataCite: not JSON") from None
    attrs = ((data or {}).get("data") or {}).get("attributes") if isinstance(data, dict) else None
    if not isinstance(attrs, dict):
        raise SourceError("DataCite: not a DOI record")
    titles = [t.get("title") for t in attrs.get("titles") or [] if isinstance(t, dict) and not t.get("titleType")]
    abstracts = [
        d.get("description") for d in attrs.get("descriptions") or [] if d.get("descriptionType") == "Abstract"
    ]
    arxiv = re.match(r"10\.48550/arxiv\.(.+)$", attrs.get("doi") or "", re.IGNORECASE)
    container = (attrs.get("container") or {}).get("title")
    return Record(
        source=NAME,
        url=url,
        title=clean(titles[0]) if titles else None,
        authors=[a for a in (_author(c) for c in attrs.get("creators") or [] if isinstance(c, dict)) if a.family],
        venue=clean(container) or clean(attrs.get("publisher") if isinstance(attrs.get("publisher"), str) else None),
        year=year_of(attrs.get("publicationYear")),
        doi=clean(attrs.get("doi")),
        arxiv_id=arxiv.group(1) if arxiv else None,
        abstract=clean(_TAG.sub(" ", abstracts[0])) if abstracts and isinstance(abstracts[0], str) else None,
        link=clean(attrs.get("url")),
    )
