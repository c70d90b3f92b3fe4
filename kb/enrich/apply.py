"""Writing what sources said into a paper: blanks are filled, the post's own values and hand edits stay.

Every value a source gave is stored in :class:`kb.models.PaperFieldSource` with its source, API URL and
date, and a status: ``set`` (filled a blank), ``same`` (agrees with the paper), ``conflict`` (disagrees
with what the post said: the post's value is kept and the user may accept the source's, JabRef-style),
``differs`` (disagrees with a value another source filled in the same run), ``kept`` (the field was
edited by hand: never touched).
"""

from __future__ import annotations

import re
from datetime import UTC, datetime

from sqlalchemy import delete
from sqlmodel import Session, select

from kb import initials
from kb.enrich.record import Author, Record, authors_from_json
from kb.identity import PeopleResolver
from kb.ingest.identifiers import PaperId
from kb.ingest.people import person_key
from kb.ingest.text import ascii_fold
from kb.models import Authorship, Paper, PaperFieldSource, PaperKey, Person

FIELDS = ("title", "year", "venue", "doi", "arxiv_id")  # Paper columns a source may fill
ACCEPTABLE = (*FIELDS, "authors")  # what a conflict's source value can replace
# A source that names the venue otherwise ("ACL" / "Proceedings of the 60th Annual Meeting of the …") is
# not a disagreement worth a decision: posts name venues by acronym. Its form is kept (``differs``).
NOT_CONFLICTS = {"venue"}


def _norm(field: str, value: object) -> str:
    text = ascii_fold(str(value)).casefold()
    if field == "title":
        return " ".join(re.sub(r"[^a-z0-9]+", " ", text.replace("{", "").replace("}", "")).split())
    return " ".join(text.split())


def families(authors: list[str]) -> list[str]:
    return [person_key(a) for a in authors]


def paper_authors(session: Session, paper_id: int) -> list[Person]:
    return list(
        session.exec(
            select(Person)
            .join(Authorship, Authorship.person_id == Person.id)
            .where(Authorship.paper_id == paper_id)
            .order_by(Authorship.position)
        ).all()
    )


def set_authors(session: Session, paper: Paper, authors: list[Author]) -> None:
    """Replace the paper's author list by ``authors`` (people found again by the importer's rules)."""
    people = PeopleResolver(session, [a.full for a in authors])
    refs = [people.get(a.full) for a in authors]
    people.flush()
    session.exec(delete(Authorship).where(Authorship.paper_id == paper.id))
    for pos, (ref, author) in enumerate(zip(refs, authors, strict=True)):
        session.add(
            Authorship(paper_id=paper.id, position=pos, person_id=ref.id, spelling=" ".join(author.full.split()))
        )
    paper.et_al = False
    session.add(paper)
    session.flush()
    initials.settle(session, people.groups)  # a new full name may make an initial of another paper ambiguous


def _authors_status(session: Session, paper: Paper, authors: list[Author], filled: set[str]) -> tuple[str, bool]:
    """(status, whether to write the source's list): a blank or a prefix of it (``Vaswani et al.``) is filled."""
    have = [p.family or p.name for p in paper_authors(session, paper.id)]
    theirs = families([a.family for a in authors])
    if not have:
        return "set", True
    mine = families(have)
    if mine == theirs:
        return "same", False
    if "authors" in filled:
        return "differs", False
    if len(mine) < len(theirs) and theirs[: len(mine)] == mine:
        return "set", True
    return "conflict", False


def _add_key(session: Session, paper: Paper, scheme: str, value: str) -> None:
    key = PaperId(scheme, value).key
    if session.get(PaperKey, key) is None:
        session.add(PaperKey(key=key, paper_id=paper.id))


def _provenance(session: Session, paper_id: int, field: str, rec: Record, value: str | None, status: str) -> None:
    row = session.exec(
        select(PaperFieldSource).where(
            PaperFieldSource.paper_id == paper_id,
            PaperFieldSource.field == field,
            PaperFieldSource.source == rec.source,
        )
    ).first()
    if row is None:
        row = PaperFieldSource(paper_id=paper_id, field=field, source=rec.source)
    elif row.status in ("accepted", "rejected") and row.value == value:
        status = row.status  # the user already decided this very value
    row.value, row.url, row.status, row.fetched_at = value, rec.url, status, datetime.now(UTC)
    session.add(row)


def mark_asked(session: Session, paper_id: int, source: str, url: str, found: bool) -> None:
    _provenance(session, paper_id, "*", Record(source=source, url=url), None, "found" if found else "notfound")


def apply_record(session: Session, paper: Paper, rec: Record, locked: set[str], filled: set[str]) -> dict[str, str]:
    """Write one source's record into ``paper`` (see the module docstring); returns {field: status}.

    ``filled``: fields an earlier source set in this run (a later disagreement is ``differs``, not a conflict).
    """
    out: dict[str, str] = {}
    for field, value in rec.fields().items():
        if field == "abstract":
            status = "set"  # kept with its provenance; papers have no abstract column
        elif field == "authors":
            status, write = _authors_status(session, paper, rec.authors, filled)
            if write:
                set_authors(session, paper, rec.authors)
                filled.add("authors")
        elif field in locked:
            status = "kept"
        else:
            current = getattr(paper, field)
            if current in (None, ""):
                setattr(paper, field, value)
                if field in ("doi", "arxiv_id"):
                    _add_key(session, paper, "doi" if field == "doi" else "arxiv", str(value))
                filled.add(field)
                status = "set"
            elif _norm(field, current) == _norm(field, value):
                status = "same"
            else:
                status = "differs" if field in filled or field in NOT_CONFLICTS else "conflict"
        _provenance(session, paper.id, field, rec, str(value), status)
        out[field] = status
    session.add(paper)
    mark_asked(session, paper.id, rec.source, rec.url, True)
    return out


def accept(session: Session, row_id: int) -> PaperFieldSource:
    """The user takes a source's value for a conflicting field: it becomes a hand edit (never overwritten)."""
    from kb.curation import CurationError, edit_field

    row = session.get(PaperFieldSource, row_id)
    if row is None or row.field not in ACCEPTABLE:
        raise CurationError("no such source value to accept")
    paper = session.get(Paper, row.paper_id)
    if row.field == "authors":
        set_authors(session, paper, authors_from_json(row.value))
    else:
        edit_field(session, "paper", row.paper_id, row.field, row.value)
    row.status = "accepted"
    session.add(row)
    session.flush()
    return row


def reject(session: Session, row_id: int) -> PaperFieldSource:
    """The user keeps the post's value: the conflict is no longer shown as one."""
    row = session.get(PaperFieldSource, row_id)
    if row is not None:
        row.status = "rejected"
        session.add(row)
        session.flush()
    return row
