"""What a metadata source says about one paper, normalised the same way for every source."""

from __future__ import annotations

import json
import re
from dataclasses import asdict, dataclass, field


class SourceError(Exception):
    """A source answered, but not with a record kb can read (garbage, an error page, an empty result)."""


@dataclass(frozen=True)
class Author:
    given: str = ""
    family: str = ""
    orcid: str | None = None

    @property
    def full(self) -> str:
        return " ".join(p for p in (self.given, self.family) if p)


@dataclass
class Record:
    source: str  # "arxiv", "crossref", …
    url: str  # the API URL the record came from
    title: str | None = None
    authors: list[Author] = field(default_factory=list)
    venue: str | None = None
    year: int | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    abstract: str | None = None
    link: str | None = None  # the paper's landing page

    def fields(self) -> dict[str, object]:
        """The fields kb stores, without the empty ones (authors as their JSON list)."""
        out: dict[str, object] = {}
        for name in ("title", "venue", "year", "doi", "arxiv_id", "abstract"):
            value = getattr(self, name)
            if value not in (None, ""):
                out[name] = value
        if self.authors:
            out["authors"] = authors_json(self.authors)
        return out


def authors_json(authors: list[Author]) -> str:
    return json.dumps([{k: v for k, v in asdict(a).items() if v} for a in authors], ensure_ascii=False)


def authors_from_json(text: str | None) -> list[Author]:
    try:
        items = json.loads(text or "[]")
    except ValueError:
        return []
    return [Author(i.get("given", ""), i.get("family", ""), i.get("orcid")) for i in items if isinstance(i, dict)]


_SPACE = re.compile(r"\s+")


def clean(text: str | None) -> str | None:
    """One line of text, no surrounding space; None when nothing is left."""
    if text is None:
        return None
    text = _SPACE.sub(" ", str(text)).strip()
    return text or None


def split_name(name: str) -> Author:
    """ "Adrian Del Maestro" → given "Adrian", family "Del Maestro"; "Thiery, Florian" → given "Florian"."""
    from kb.ingest.people import split_display

    name = clean(name) or ""
    if "," in name:
        family, _, given = name.partition(",")
        return Author(clean(given) or "", clean(family) or "")
    parsed = split_display(name)
    return Author(parsed.given, parsed.family_full)


def orcid_id(value: str | None) -> str | None:
    m = re.search(r"(\d{4}-\d{4}-\d{4}-\d{3}[\dX])", value or "")
    return m.group(1) if m else None


def year_of(value: object) -> int | None:
    m = re.search(r"\b(1[89]\d\d|20\d\d)\b", str(value or ""))
    return int(m.group(1)) if m else None
