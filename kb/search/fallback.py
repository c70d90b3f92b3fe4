"""Portable search for backends without the SQLite index (PostgreSQL): LIKE over the core tables.

Same query language and :class:`~kb.search.rank.Hit` results as the FTS5 path,
so callers never branch; slower (it scans) and without typo tolerance or
diacritic folding, which are the index's job. Only portable SQLAlchemy here,
every user word a bound parameter.
"""

from __future__ import annotations

from sqlalchemy import and_, func, or_
from sqlmodel import Session, select

from kb.models import Authorship, Conference, Event, Paper, Person, PersonAlias, Post, Talk, TalkSpeaker
from kb.queries import authors_of, speakers_of
from kb.search.query import Query, Words, conf_forms
from kb.search.rank import Candidate, Hit, rank


def _like(column, word: str):
    # Words are letters and digits only (see query.words), so no LIKE wildcard can sneak in.
    return func.lower(column).like(f"%{word}%")


def _speaks(word: str):
    return select(TalkSpeaker.talk_id).join(Person, Person.id == TalkSpeaker.person_id).where(_like(Person.name, word))


def _writes(word: str):
    return select(Authorship.paper_id).join(Person, Person.id == Authorship.person_id).where(_like(Person.name, word))


def _years(column, q: Query) -> list:
    conds = []
    if q.year_min is not None:
        conds.append(column >= q.year_min)
    if q.year_max is not None:
        conds.append(column <= q.year_max)
    return conds


def _conf_like(column, group: Words):
    """Every word of one of the conference's spellings (``conf_forms``) in ``column``."""
    return or_(*(and_(*(_like(column, w) for w in form)) for form in conf_forms(group)))


def _talks(session: Session, q: Query, n: int) -> list[Candidate]:
    conf_id = func.coalesce(Event.conference_id, Post.conference_id)
    stmt = (
        select(Talk, Event.name, Conference.name, Conference.year)
        .join(Post, Post.id == Talk.post_id)
        .outerjoin(Event, Event.id == Talk.event_id)
        .outerjoin(Conference, Conference.id == conf_id)
    )
    for w in q.text_words:
        stmt = stmt.where(
            or_(
                _like(Talk.title, w),
                _like(Talk.summary, w),
                _like(Event.name, w),
                _like(Conference.name, w),
                Talk.id.in_(_speaks(w)),
            )
        )
    for w in (w for group in q.speakers for w in group):
        stmt = stmt.where(Talk.id.in_(_speaks(w)))
    for group in q.confs:
        stmt = stmt.where(_conf_like(Conference.name, group))
    rows = session.exec(stmt.where(*_years(Conference.year, q)).order_by(Talk.id).limit(n)).all()
    speakers = speakers_of(session, [t.id for t, *_ in rows])
    return [
        Candidate(
            "talk",
            t.id,
            t.title or "",
            "; ".join(p.name for p in speakers[t.id]),
            "\n".join(x for x in (event, t.summary) if x),
            conf or "",
            year,
        )
        for t, event, conf, year in rows
    ]


def _papers(session: Session, q: Query, n: int) -> list[Candidate]:
    stmt = select(Paper)
    for w in q.text_words:
        stmt = stmt.where(or_(_like(Paper.title, w), _like(Paper.venue, w), Paper.id.in_(_writes(w))))
    for w in (w for group in q.authors for w in group):
        stmt = stmt.where(Paper.id.in_(_writes(w)))
    for group in q.confs:
        stmt = stmt.where(_conf_like(Paper.venue, group))
    rows = session.exec(stmt.where(*_years(Paper.year, q)).order_by(Paper.id).limit(n)).all()
    authors = authors_of(session, [p.id for p in rows])
    return [
        Candidate("paper", p.id, p.title or "", "; ".join(a.name for a in authors[p.id]), "", p.venue or "", p.year)
        for p in rows
    ]


def _people(session: Session, q: Query, n: int) -> list[Candidate]:
    if q.confs or q.year_min is not None or q.year_max is not None:
        return []  # people have neither a conference nor a year
    stmt = select(Person)
    for w in q.text_words:
        aliases = select(PersonAlias.person_id).where(_like(PersonAlias.alias, w))
        stmt = stmt.where(or_(_like(Person.name, w), Person.id.in_(aliases)))
    rows = session.exec(stmt.order_by(Person.id).limit(n)).all()
    out = []
    for p in rows:
        aliases = sorted(set(session.exec(select(PersonAlias.alias).where(PersonAlias.person_id == p.id))) - {p.name})
        out.append(Candidate("person", p.id, p.name, "; ".join(aliases)))
    return out


def _posts(session: Session, q: Query, n: int) -> list[Candidate]:
    stmt = select(Post, Conference.name, Conference.year).outerjoin(Conference, Conference.id == Post.conference_id)
    for w in q.text_words:
        stmt = stmt.where(or_(_like(Post.title, w), _like(Post.body, w), _like(Conference.name, w)))
    for group in q.confs:
        stmt = stmt.where(_conf_like(Conference.name, group))
    rows = session.exec(stmt.where(*_years(Conference.year, q)).order_by(Post.id).limit(n)).all()
    return [Candidate("post", p.id, p.title or p.path, "", p.body, conf or "", year) for p, conf, year in rows]


FINDERS = {"talk": _talks, "paper": _papers, "person": _people, "post": _posts}


def search(session: Session, q: Query, limit: int) -> list[Hit]:
    """The LIKE search: every word must appear in some field of the row."""
    candidates: list[Candidate] = []
    for kind in ("talk", "paper", "person", "post"):
        if kind in q.kinds:  # speaker:/author: already narrowed this to talks/papers
            candidates += FINDERS[kind](session, q, 3 * limit)
    return rank(candidates, q, None, limit)
