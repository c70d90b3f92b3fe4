"""OpenReview's API (v2): ``api2.openreview.net/notes?forum=…`` — content fields are ``{"value": …}``
objects there, plain values in API v1 answers; both are read."""

from __future__ import annotations

import json
from datetime import UTC, datetime

from kb.enrich.record import Record, SourceError, clean, split_name

NAME = "openreview"
API = "https://api2.openreview.net/notes"


def request(value: str) -> tuple[str, dict[str, str], bool]:
    return API, {"forum": value}, False


def _value(content: dict, name: str):
    v = content.get(name)
    return v.get("value") if isinstance(v, dict) else v


def parse(body: bytes, url: str) -> Record | None:
    try:
        data = json.loads(body)
    except ValueError:
        raise SourceError("OpenReview: not JSON") from None
    if not isinstance(data, dict) or not isinstance(data.get("notes"), list):
        raise SourceError("OpenReview: not a notes answer")
    notes = [n for n in data["notes"] if isinstance(n, dict) and n.get("id") == n.get("forum", n.get("id"))]
    if not notes:
        return None
    note = notes[0]
    content = note.get("content") or {}
    stamp = note.get("pdate") or note.get("cdate") or note.get("tcdate")
    year = datetime.fromtimestamp(stamp / 1000, UTC).year if isinstance(stamp, int | float) else None
    names = _value(content, "authors") or []
    return Record(
        source=NAME,
        url=url,
        title=clean(_value(content, "title")),
        authors=[a for a in (split_name(n) for n in names if isinstance(n, str)) if a.family],
        venue=clean(_value(content, "venue")),
        year=year,
        abstract=clean(_value(content, "abstract")),
        link=f"https://openreview.net/forum?id={note.get('forum') or note.get('id')}",
    )
