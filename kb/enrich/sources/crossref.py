"""Crossref's REST API: ``api.crossref.org/works/{doi}`` (JSON; ``mailto`` puts kb in the polite pool)."""

from __future__ import annotations

import json
import re
from urllib.parse import quote

from kb.enrich.record import Author, Record, SourceError, clean, orcid_id

NAME = "crossref"
API = "https://api.crossref.org/works/"
_TAG = re.compile(r"<[^>]+>")


def request(value: str) -> tuple[str, dict[str, str], bool]:
    return API + quote(value, safe="/"), {}, True


def _year(message: dict) -> int | None:
    for name in ("issued", "published-print", "published-online", "published", "created"):
        parts = (message.get(name) or {}).get("date-parts") or [[None]]
        if parts and parts[0] and isinstance(parts[0][0], int):
            return parts[0][0]
    return None


def _first(values) -> str | None:
    return clean(values[0]) if isinstance(values, list) and values else None


def parse(body: bytes, url: str) -> Record | None:
    try:
        data = json.loads(body)
    except ValueError:
        raise SourceError("Crossref: not JSON") from None
    if not isinstance(data, dict) or data.get("status") != "ok" or not isinstance(data.get("message"), dict):
        raise SourceError("Crossref: not a works answer")
    m = data["message"]
    authors = [
        Author(clean(a.get("given")) or "", clean(a.get("family")) or "", orcid_id(a.get("ORCID")))
        for a in m.get("author") or []
        if isinstance(a, dict) and a.get("family")
    ]
    abstract = m.get("abstract")
    return Record(
        source=NAME,
        url=url,
        title=_first(m.get("title")),
        authors=authors,
        venue=_first(m.get("container-title")),
        year=_year(m),
        doi=clean(m.get("DOI")),
        abstract=clean(_TAG.sub(" ", abstract)) if isinstance(abstract, str) else None,
        link=clean(m.get("URL")),
    )
