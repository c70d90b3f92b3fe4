r"""Talks as citable items: ``kb export --talks`` (BibTeX/biblatex ``@unpublished``, CSL-JSON ``speech``).

A talk is cited by its speakers, title, meeting and date, and where its
slides or video are: biblatex's ``eventtitle`` holds the meeting (the
conference, ``eventtitleaddon`` the workshop or session), ``venue`` its
place, ``url`` the slides (else the video); plain BibTeX styles read
``howpublished``/``note`` and ``year`` instead. CSL-JSON gives the ``speech``
type with ``event-title`` (CSL 1.0.2) and ``event`` (the older name), so
pandoc ``--citeproc`` renders "Talk presented at …". Keys follow Better
BibTeX (``[auth:lower][shorttitle3_3][year]``) like the papers' and never clash
with a paper's key; they are made on each export from the talk as it is now.
A talk with no known speaker has no BibTeX entry (biblatex requires an
author and kb never invents one); CSL-JSON lists it all the same.

>>> rec = TalkRecord(1, "k", "Learning to see", [Author("Vedaldi", "Andrea")], "ICCV 2019", "Workshop on X",
...                  "Seoul", 2019, "https://x.org/slides.pdf", "keynote")
>>> print(format_talks_bibtex([rec]), end="")
@unpublished{k,
  author = {Vedaldi, Andrea},
  title = {Learning to see},
  howpublished = {Keynote, Workshop on X, ICCV 2019},
  eventtitle = {ICCV 2019},
  eventtitleaddon = {Workshop on X},
  venue = {Seoul},
  date = {2019},
  year = {2019},
  note = {Keynote, Workshop on X, ICCV 2019, Seoul},
  url = {https://x.org/slides.pdf},
}
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from bibtexparser.model import Entry, Field
from sqlmodel import Session, select

from kb.citekeys import make_citekey, suffixed
from kb.export.bibtex import entries_text, format_name
from kb.export.records import (
    Author,
    Selection,
    SelectionError,
    chunks,
    find_conferences,
)
from kb.export.titles import protect_title
from kb.latex import encode_latex, encode_verbatim
from kb.models import Conference, Event, Link, Paper, Person, Post, Talk, TalkSpeaker

URL_ORDER = ("slides", "video", "paper", "code", "homepage", "other")  # which link a citation points at


@dataclass(slots=True)
class TalkRecord:
    id: int
    key: str
    title: str
    speakers: list[Author] = field(default_factory=list)
    meeting: str = ""  # the conference: "ICCV 2019"
    event: str = ""  # the workshop, tutorial or session inside it
    place: str = ""
    year: int | None = None
    url: str | None = None
    kind: str = "talk"

    def description(self) -> str:
        kind = "Talk" if self.kind in ("other", "talk", "main", "") else self.kind.capitalize()
        return ", ".join(x for x in (kind, self.event, self.meeting) if x)


def _talk_ids(session: Session, selection: Selection) -> list[int]:
    query = select(Talk.id).join(Post, Post.id == Talk.post_id).order_by(Talk.id)
    if selection.conference is not None:
        confs = find_conferences(session, selection.conference)
        if not confs:
            raise SelectionError(f"no conference matches {selection.conference!r}")
        query = query.where(Post.conference_id.in_([c.id for c in confs]))
    if selection.talk_id is not None:
        if session.get(Talk, selection.talk_id) is None:
            raise SelectionError(f"no talk with id {selection.talk_id}")
        query = query.where(Talk.id == selection.talk_id)
    if selection.query:
        from kb.search import search

        hits = {h.id for h in search(session, selection.query, limit=500) if h.kind == "talk" and not h.corrected}
        query = query.where(Talk.id.in_(sorted(hits)))
    return list(session.exec(query))


def load_talks(session: Session, selection: Selection | None = None) -> list[TalkRecord]:
    """The selected talks with speakers, meeting, place, year and best URL; keys made unique (papers' too)."""
    ids = _talk_ids(session, selection or Selection())
    taken = {k.lower() for k in session.exec(select(Paper.citekey).where(Paper.citekey.is_not(None)))}
    out: list[TalkRecord] = []
    for part in chunks(ids):
        rows = session.exec(
            select(Talk, Event.name, Conference)
            .join(Post, Post.id == Talk.post_id)
            .join(Event, Event.id == Talk.event_id, isouter=True)
            .join(Conference, Conference.id == Post.conference_id, isouter=True)
            .where(Talk.id.in_(part))
            .order_by(Talk.id)
        ).all()
        speakers: dict[int, list[Author]] = {}
        for tid, family, given, name in session.exec(
            select(TalkSpeaker.talk_id, Person.family, Person.given, Person.name)
            .join(Person, Person.id == TalkSpeaker.person_id)
            .where(TalkSpeaker.talk_id.in_(part))
            .order_by(TalkSpeaker.talk_id, TalkSpeaker.position)
        ):
            speakers.setdefault(tid, []).append(Author(family or ("" if given else name), given or ""))
        urls: dict[int, dict[str, str]] = {}
        for tid, kind, url in session.exec(
            select(Link.talk_id, Link.kind, Link.url)
            .where(Link.talk_id.in_(part), ~Link.empty, ~Link.malformed)
            .order_by(Link.position)
        ):
            if url.lower().startswith(("http://", "https://")):
                urls.setdefault(tid, {}).setdefault(kind, url)
        for talk, event, conf in rows:
            who = speakers.get(talk.id, [])
            year = conf.year if conf else None
            base = make_citekey(who[0].family if who else None, talk.title, year) or f"talk{talk.id}"
            key = suffixed(base, taken)
            taken.add(key.lower())
            mine = urls.get(talk.id, {})
            out.append(
                TalkRecord(
                    talk.id,
                    key,
                    talk.title or "(untitled talk)",
                    who,
                    f"{conf.name} {conf.year or ''}".strip() if conf else "",
                    event if event and event.strip().lower() not in ("main", "main conference") else "",
                    (conf.location or "") if conf else "",
                    year,
                    next((mine[k] for k in URL_ORDER if k in mine), None),
                    talk.kind or "talk",
                )
            )
    return out


def talk_entry(rec: TalkRecord, unicode: bool = False) -> Entry:
    fields: list[tuple[str, str]] = []
    if rec.speakers:
        fields.append(("author", " and ".join(n for n in (format_name(a, unicode) for a in rec.speakers) if n)))
    fields.append(("title", protect_title(rec.title, unicode)))
    fields.append(("howpublished", encode_latex(rec.description(), unicode)))
    fields += [
        (name, encode_latex(value, unicode))
        for name, value in (("eventtitle", rec.meeting), ("eventtitleaddon", rec.event), ("venue", rec.place))
        if value
    ]
    if rec.year:
        fields += [("date", str(rec.year)), ("year", str(rec.year))]
    # plain BibTeX's @unpublished needs a note: what the talk was, where
    fields.append(("note", encode_latex(", ".join(x for x in (rec.description(), rec.place) if x), unicode)))
    if rec.url:
        fields.append(("url", encode_verbatim(rec.url)))
    return Entry("unpublished", rec.key, [Field(k, "{" + v + "}") for k, v in fields])


def format_talks_bibtex(records: list[TalkRecord], unicode: bool = False) -> str:
    """Talks with at least one speaker (biblatex's ``@unpublished`` requires an author; kb never makes one up)."""
    return entries_text([talk_entry(r, unicode) for r in records if r.speakers])


def csl_speech(rec: TalkRecord) -> dict[str, Any]:
    item: dict[str, Any] = {
        "id": rec.key,
        "citation-key": rec.key,
        "type": "speech",
        "title": rec.title,
        "genre": rec.description().split(",")[0],
    }
    authors = [
        {"family": a.family, "given": a.given} if a.given else {"family": a.family}
        for a in rec.speakers
        if a.family or a.given
    ]
    if authors:
        item["author"] = authors
    meeting = ", ".join(x for x in (rec.event, rec.meeting) if x)
    if meeting:
        item["event-title"] = item["event"] = meeting
    if rec.place:
        item["event-place"] = rec.place
    if rec.year:
        item["issued"] = {"date-parts": [[rec.year]]}
    if rec.url:
        item["URL"] = rec.url
    return item


def format_talks_csl(records: list[TalkRecord]) -> str:
    return json.dumps([csl_speech(r) for r in records], ensure_ascii=False, indent=2) + "\n"


def export_talks(session: Session, fmt: str, selection: Selection | None = None, unicode: bool = False) -> str:
    """``bibtex`` or ``csl-json`` text of the selected talks; raises SelectionError, KeyError (format)."""
    records = load_talks(session, selection)
    if fmt == "bibtex":
        return format_talks_bibtex(records, unicode)
    if fmt == "csl-json":
        return format_talks_csl(records)
    raise KeyError(fmt)
