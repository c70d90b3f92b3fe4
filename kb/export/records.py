"""Which papers an export holds (:class:`Selection`), loaded as plain records.

Exporters never see ORM rows: :func:`load_records` reads papers and their
authors with two queries (fast for 100k papers) and gives every paper a
citekey first (:mod:`kb.citekeys`), so all formats name a paper the same way.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from sqlmodel import Session, select

from kb.citekeys import assign_citekeys
from kb.models import (
    Authorship,
    Citation,
    Conference,
    Link,
    Paper,
    PaperKey,
    Person,
    Post,
    Reference,
    Talk,
)

CHUNK = 900  # ids per IN (…): below SQLite's oldest bound-variable limit


class SelectionError(ValueError):
    """The selection names something that is not there (no such conference or talk)."""


@dataclass(frozen=True)
class Selection:
    """Filters combined with AND; all None means every paper.

    >>> Selection(conference="ICCV 2019", query="saliency")
    Selection(conference='ICCV 2019', talk_id=None, query='saliency')
    """

    conference: str | None = None
    talk_id: int | None = None
    query: str | None = None

    @property
    def everything(self) -> bool:
        return self.conference is None and self.talk_id is None and not self.query


@dataclass(slots=True)
class Author:
    family: str
    given: str = ""


@dataclass(slots=True)
class PaperRecord:
    id: int
    citekey: str
    type: str = "misc"
    title: str | None = None
    year: int | None = None
    venue: str | None = None
    doi: str | None = None
    arxiv_id: str | None = None
    url: str | None = None
    publisher: str | None = None
    pages: str | None = None
    volume: str | None = None
    issue: str | None = None
    et_al: bool = False
    authors: list[Author] = field(default_factory=list)


_COLUMNS = (
    Paper.id,
    Paper.citekey,
    Paper.type,
    Paper.title,
    Paper.year,
    Paper.venue,
    Paper.doi,
    Paper.arxiv_id,
    Paper.url,
    Paper.publisher,
    Paper.pages,
    Paper.volume,
    Paper.issue,
    Paper.et_al,
)


def chunks(ids: list[int], size: int = CHUNK) -> Iterator[list[int]]:
    for i in range(0, len(ids), size):
        yield ids[i : i + size]


def _fold(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "", text.lower())


def find_conferences(session: Session, text: str) -> list[Conference]:
    """Conferences named by ``text``: an id, ``ICCV``, ``ICCV 2019``, ``iccv-2019`` or ``iccv|2019``."""
    rows = session.exec(select(Conference)).all()
    if text.strip().isdigit():
        hit = [c for c in rows if c.id == int(text)]
        if hit:
            return hit
    want = _fold(text)
    full = [c for c in rows if want in (_fold(c.key), _fold(f"{c.name}{c.year or ''}"))]
    return full or [c for c in rows if _fold(c.name) == want]


def _conference_paper_ids(session: Session, text: str) -> set[int]:
    confs = find_conferences(session, text)
    if not confs:
        known = ", ".join(sorted(f"{c.name} {c.year or ''}".strip() for c in session.exec(select(Conference))))
        raise SelectionError(f"no conference matches {text!r}" + (f"; known: {known}" if known else ""))
    posts = select(Post.id).where(Post.conference_id.in_([c.id for c in confs]))
    out: set[int] = set()
    for table in (Reference, Citation, Link):
        out.update(i for i in session.exec(select(table.paper_id).where(table.post_id.in_(posts))) if i is not None)
    return out


def _talk_paper_ids(session: Session, talk_id: int) -> set[int]:
    if not 0 < talk_id < 2**63 or session.get(Talk, talk_id) is None:  # out of range: no such row (no OverflowError)
        raise SelectionError(f"no talk with id {talk_id}")
    return set(session.exec(select(Citation.paper_id).where(Citation.talk_id == talk_id)))


def query_paper_ids(session: Session, query: str) -> set[int]:
    """Papers :func:`kb.search.search` finds (it has its own portable fallback off SQLite).

    Search hits on people bring their papers, hits on talks the papers they cite
    (so ``--query "author:vedaldi"`` and ``--query saliency`` both make sense).
    """
    from kb import search as engine

    # An export wants every match, not the first page: ask for as many hits as search allows,
    # and only what the user typed — typo-corrected guesses belong in a UI, not in a bibliography.
    hits = [h for h in engine.search(session, query, limit=engine.MAX_LIMIT) if not h.corrected]
    ids = {h.id for h in hits if h.kind == "paper"}
    people = [h.id for h in hits if h.kind == "person"]
    talks = [h.id for h in hits if h.kind == "talk"]
    if people:
        ids.update(session.exec(select(Authorship.paper_id).where(Authorship.person_id.in_(people))))
    if talks:
        ids.update(session.exec(select(Citation.paper_id).where(Citation.talk_id.in_(talks))))
    return ids


def select_paper_ids(session: Session, selection: Selection) -> list[int] | None:
    """Sorted ids of the selected papers, or None for "every paper" (no filter to apply)."""
    if selection.everything:
        return None
    sets: list[set[int]] = []
    if selection.conference is not None:
        sets.append(_conference_paper_ids(session, selection.conference))
    if selection.talk_id is not None:
        sets.append(_talk_paper_ids(session, selection.talk_id))
    if selection.query:
        sets.append(query_paper_ids(session, selection.query))
    return sorted(set.intersection(*sets))


def _rows(session: Session, query, ids: list[int] | None, column) -> Iterable:
    # Core rows through the session's connection: no ORM row processing for 100k papers.
    conn = session.connection()
    if ids is None:
        yield from conn.execute(query)
        return
    for part in chunks(ids):
        yield from conn.execute(query.where(column.in_(part)))


_ID_ORDER = ("doi", "arxiv", "acl")  # which identifier names a paper first (the rest alphabetically)


def identifier_keys(session: Session, ids: list[int]) -> dict[int, str]:
    """paper id → its strongest identifier key (``doi:…``, ``arxiv:…``, ``acl:…``, …); title keys left out."""
    found: dict[int, list[str]] = {}
    for part in chunks(ids):
        for pid, key in session.exec(select(PaperKey.paper_id, PaperKey.key).where(PaperKey.paper_id.in_(part))):
            if not key.startswith("title:"):
                found.setdefault(pid, []).append(key)
    rank = {s: i for i, s in enumerate(_ID_ORDER)}
    return {pid: min(keys, key=lambda k: (rank.get(k.split(":", 1)[0], len(rank)), k)) for pid, keys in found.items()}


def load_records(session: Session, ids: list[int] | None) -> list[PaperRecord]:
    """The papers (all when ``ids`` is None) with authors and citekeys, sorted by citekey.

    Papers without a citekey get one here and it is stored: the caller's
    session must be able to write (``session_scope(engine, write=True)``).
    """
    papers = {row[0]: PaperRecord(*row) for row in _rows(session, select(*_COLUMNS), ids, Paper.id)}
    author_q = (
        select(Authorship.paper_id, Person.family, Person.given, Person.name)
        .join(Person, Person.id == Authorship.person_id)
        .order_by(Authorship.paper_id, Authorship.position)
    )
    rec: PaperRecord | None = None
    for pid, family, given, name in _rows(session, author_q, ids, Authorship.paper_id):
        if rec is None or rec.id != pid:
            rec = papers.get(pid)
            if rec is None:
                continue
        rec.authors.append(Author(family or ("" if given else name or ""), given or ""))
    missing = [
        (r.id, r.title, r.year, r.authors[0].family if r.authors else None) for r in papers.values() if not r.citekey
    ]
    for pid, key in assign_citekeys(session, missing, identifier_keys(session, [m[0] for m in missing])).items():
        papers[pid].citekey = key
    return sorted(papers.values(), key=lambda r: (r.citekey.lower(), r.id))


def load_selection(session: Session, selection: Selection) -> list[PaperRecord]:
    return load_records(session, select_paper_ids(session, selection))


def ensure_citekeys(session: Session, selection: Selection) -> list[int] | None:
    """Assign (and store) the missing citekeys of the selected papers; returns their ids (None: all papers)."""
    ids = select_paper_ids(session, selection)
    keyless = list(
        _rows(session, select(Paper.id, Paper.title, Paper.year).where(Paper.citekey.is_(None)), ids, Paper.id)
    )
    if keyless:
        first_q = (
            select(Authorship.paper_id, Person.family, Person.name)
            .join(Person, Person.id == Authorship.person_id)
            .where(Authorship.position == 0)
        )
        firsts = {
            pid: family or name
            for pid, family, name in _rows(session, first_q, [r[0] for r in keyless], Authorship.paper_id)
        }
        assign_citekeys(
            session,
            [(pid, title, year, firsts.get(pid)) for pid, title, year in keyless],
            identifier_keys(session, [r[0] for r in keyless if not r[1] and r[0] not in firsts]),
        )
    return ids


def ordered_batches(session: Session, selection: Selection, size: int = 2_000) -> Iterator[list[PaperRecord]]:
    """The selected papers in citekey order, ``size`` at a time: what :func:`load_selection` returns,
    without holding 100k records (and their formatted text) in memory at once.

    Missing citekeys are assigned first, in one pass over light rows, so every batch sees final keys.
    """
    ids = ensure_citekeys(session, selection)
    order = [
        pid
        for key, pid in sorted(
            ((key or "").lower(), pid) for pid, key in _rows(session, select(Paper.id, Paper.citekey), ids, Paper.id)
        )
    ]
    for start in range(0, len(order), size):
        yield load_records(session, order[start : start + size])
