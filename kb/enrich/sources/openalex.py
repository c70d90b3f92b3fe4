"""OpenAlex: ``api.openalex.org/works/doi:{doi}`` — the last DOI fallback (``mailto`` for the polite pool)."""

from __future__ import annotations

import json
from urllib.parse import quote

from kb.enrich.record import Record, SourceError, clean, orcid_id, split_name

NAME = "openalex"
API = "https://api.openalex.org/works/doi:"


def request(value: str) -> tuple[str, dict[str, str], bool]:
    return API + quote(value, safe="/"), {}, True


def _abstract(index) -> str | None:
    """OpenAlex ships abstracts as an inverted index ``{word: [positions]}``."""
    if not isinstance(index, dict):
        return None
    words = sorted((pos, word) for word, places in index.items() for pos in places if isinstance(pos, int))
    return clean(" ".join(w for _, w in words))


def parse(body: bytes, url: str) -> Record | None:
    try:
        w = json.loads(body)
    except ValueError:
        raise SourceError("OpenAlex: not JSON") from None
    if not isinstance(w, dict) or "id" not in w:
        raise SourceError("OpenAlex: not a work")
    authors = []
    for a in w.get("authorships") or []:
        person = (a or {}).get("author") or {}
        name = split_name(person.get("display_name") or "")
        if name.family:
            authors.append(type(name)(name.given, name.family, orcid_id(person.get("orcid"))))
    source = ((w.get("primary_location") or {}).get("source") or {}).get("display_name")
    doi = clean(w.get("doi"))
    return Record(
        source=NAME,
        url=url,
        title=clean(w.get("display_name") or w.get("title")),
        authors=authors,
        venue=clean(source),
        year=w.get("publication_year") if isinstance(w.get("publication_year"), int) else None,
        doi=doi.removeprefix("https://doi.org/") if doi else None,
        abstract=_abstract(w.get("abstract_inverted_index")),
    )
