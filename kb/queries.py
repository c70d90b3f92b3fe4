"""Read-side queries shared by the CLI, the TUI and exporters (portable SQL only)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from kb.models import (Authorship, Citation, Conference, Event, Link, Mention, Paper, Person, Post, Reference,
                       Talk, TalkSpeaker)

LIST_KINDS = ("talks", "people", "papers", "conferences", "events", "posts")


def count(session: Session, table) -> int:
    return session.exec(select(func.count()).select_from(table)).one()


def stats(session: Session) -> dict[str, int]:
    return {
        "posts": count(session, Post),
        "conferences": count(session, Conference),
        "events": count(session, Event),
        "talks": count(session, Talk),
        "people": count(session, Person),
        "papers": count(session, Paper),
        "references": count(session, Reference),
        "citations": count(session, Citation),
        "links": count(session, Link),
    }


def speakers_of(session: Session, talk_ids: list[int]) -> dict[int, list[Person]]:
    out: dict[int, list[Person]] = {t: [] for t in talk_ids}
    if not talk_ids:
        return out
    rows = session.exec(select(TalkSpeaker, Person).join(Person, Person.id == TalkSpeaker.person_id)
                        .where(TalkSpeaker.talk_id.in_(talk_ids)).order_by(TalkSpeaker.position))
    for ts, person in rows:
        out[ts.talk_id].append(person)
    return out


def authors_of(session: Session, paper_ids: list[int]) -> dict[int, list[Person]]:
    out: dict[int, list[Person]] = {p: [] for p in paper_ids}
    if not paper_ids:
        return out
    rows = session.exec(select(Authorship, Person).join(Person, Person.id == Authorship.person_id)
                        .where(Authorship.paper_id.in_(paper_ids)).order_by(Authorship.position))
    for a, person in rows:
        out[a.paper_id].append(person)
    return out


def list_rows(session: Session, kind: str, limit: int | None = None) -> list[dict[str, Any]]:
    """Rows for ``kb list KIND``: plain dicts, JSON-ready."""
    if kind == "talks":
        talks = session.exec(select(Talk, Post, Event).join(Post, Post.id == Talk.post_id)
                             .join(Event, Event.id == Talk.event_id, isouter=True)
                             .order_by(Post.path, Talk.position).limit(limit)).all()
        speakers = speakers_of(session, [t.id for t, _, _ in talks])
        return [{"id": t.id, "title": t.title, "speakers": [p.name for p in speakers[t.id]], "kind": t.kind,
                 "event": e.name if e else None, "post": post.path} for t, post, e in talks]
    if kind == "people":
        people = session.exec(select(Person).order_by(Person.family_key, Person.given).limit(limit)).all()
        ids = [p.id for p in people]
        talks = dict(session.exec(select(TalkSpeaker.person_id, func.count()).where(TalkSpeaker.person_id.in_(ids))
                                  .group_by(TalkSpeaker.person_id)).all()) if ids else {}
        papers = dict(session.exec(select(Authorship.person_id, func.count()).where(Authorship.person_id.in_(ids))
                                   .group_by(Authorship.person_id)).all()) if ids else {}
        mentioned = set(session.exec(select(Mention.person_id).where(Mention.person_id.in_(ids)))) if ids else set()
        return [{"id": p.id, "name": p.name, "url": p.url, "talks": talks.get(p.id, 0), "papers": papers.get(p.id, 0),
                 "mentioned": p.id in mentioned} for p in people]
    if kind == "papers":
        papers = session.exec(select(Paper).order_by(Paper.year.desc(), Paper.title).limit(limit)).all()
        authors = authors_of(session, [p.id for p in papers])
        return [{"id": p.id, "title": p.title, "authors": [a.name for a in authors[p.id]], "et_al": p.et_al,
                 "venue": p.venue, "year": p.year, "type": p.type, "doi": p.doi, "arxiv": p.arxiv_id,
                 "url": p.url, "citekey": p.citekey} for p in papers]
    if kind == "conferences":
        confs = session.exec(select(Conference).order_by(Conference.year.desc(), Conference.name).limit(limit)).all()
        return [{"id": c.id, "name": c.name, "year": c.year, "location": c.location, "url": c.url,
                 "events": session.exec(select(func.count()).select_from(Event).where(Event.conference_id == c.id)).one(),
                 "posts": session.exec(select(func.count()).select_from(Post).where(Post.conference_id == c.id)).one()}
                for c in confs]
    if kind == "events":
        events = session.exec(select(Event, Conference).join(Conference, Conference.id == Event.conference_id,
                                                             isouter=True).order_by(Event.name).limit(limit)).all()
        return [{"id": e.id, "name": e.name, "kind": e.kind, "url": e.url,
                 "conference": f"{c.name} {c.year or ''}".strip() if c else None} for e, c in events]
    if kind == "posts":
        posts = session.exec(select(Post).order_by(Post.date.desc(), Post.path).limit(limit)).all()
        return [{"id": p.id, "path": p.path, "title": p.title, "date": p.date, "draft": p.draft} for p in posts]
    raise ValueError(f"unknown list kind {kind!r}; choose from {', '.join(LIST_KINDS)}")
