"""The data of talk, person and paper pages for a batch of ids at once: a few queries per batch, not per page.

Each function gives ``{id: data}`` with the fields of :func:`kb.queries.talk_detail`,
:func:`~kb.queries.person_detail` and :func:`~kb.queries.paper_detail` that the
site's templates and search index read, equal to what those give one id at a
time (``tests/test_site.py`` compares them on every page of the sample KB). Every
list keeps its per-page order: the same ORDER BY, led by the owner's id, so
ties fall as they do one page at a time. A 170k-page site needs ~350 batches
instead of a million queries.
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from sqlalchemy import and_, distinct, func, or_
from sqlalchemy.orm import aliased
from sqlmodel import Session, select

from kb.export.records import chunks
from kb.models import (
    Authorship,
    Citation,
    Conference,
    Event,
    Link,
    Mention,
    Paper,
    Person,
    PersonAlias,
    Post,
    Talk,
    TalkSpeaker,
)
from kb.queries import _first_names, _ref, authors_of, paper_fields, speakers_of

Rows = dict[int, list[Any]]


def _grouped(rows, owner: int = 0) -> Rows:
    """Rows under the id in column ``owner``, in query order."""
    out: Rows = defaultdict(list)
    for row in rows:
        out[row[owner]].append(row)
    return out


def _label(name: str | None, year: int | None) -> str:
    return f"{name} {year or ''}".strip() if name is not None else ""


def _post_name(title: str | None, path: str) -> str:
    return title or path.rsplit("/", 1)[-1]


def _paper_name(title, doi, arxiv_id, url) -> str:
    return title or doi or arxiv_id or url or "(untitled)"


def talk_pages(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    rows = session.exec(
        select(Talk.id, Talk.title, Talk.kind, Talk.summary, Post.id, Post.title, Post.path)
        .add_columns(Event.id, Event.name, Event.kind, Conference.id, Conference.name, Conference.year)
        .join(Post, Post.id == Talk.post_id, isouter=True)
        .join(Event, Event.id == Talk.event_id, isouter=True)
        .join(Conference, Conference.id == Post.conference_id, isouter=True)
        .where(Talk.id.in_(ids))
    ).all()
    links = _grouped(
        session.exec(
            select(Link.talk_id, Link.url, Link.label, Link.kind)
            .where(Link.talk_id.in_(ids), ~Link.empty)
            .order_by(Link.talk_id, Link.position)
        )
    )
    cites = _grouped(
        session.exec(
            select(Citation.talk_id, Citation.marker, Citation.context, Paper.id, Paper.title, Paper.year)
            .join(Paper, Paper.id == Citation.paper_id)
            .add_columns(Paper.doi, Paper.arxiv_id, Paper.url)
            .where(Citation.talk_id.in_(ids))
            .order_by(Citation.talk_id, Citation.position)
        )
    )
    authors: dict[int, list[Person]] = {}
    for part in chunks(sorted({c[3] for group in cites.values() for c in group})):
        authors |= authors_of(session, part)
    speakers = speakers_of(session, ids)
    out = {}
    for tid, title, kind, summary, post_id, post_title, path, eid, ename, ekind, cid, cname, cyear in rows:
        seen: dict[int, dict[str, Any]] = {}
        for _, marker, context, pid, ptitle, year, doi, arxiv_id, url in cites.get(tid, ()):
            if pid in seen:
                seen[pid]["markers"].append(marker)
                continue
            seen[pid] = {
                "kind": "paper",
                "id": pid,
                "name": ptitle or doi or arxiv_id or url or "(untitled)",
                "year": year,
                "markers": [marker],
                "context": context,
                "authors": _first_names(authors[pid], False, 3),
            }
        out[tid] = {
            "id": tid,
            "title": title or "(untitled talk)",
            "type": kind,
            "summary": summary,
            "event": _ref("event", eid, ename, type=ekind) if eid is not None else None,
            "conference": _ref("conference", cid, _label(cname, cyear)) if cid is not None else None,
            "post": _ref("post", post_id, _post_name(post_title, path)) if post_id is not None else None,
            "speakers": [_ref("person", p.id, p.name) for p in speakers[tid]],
            "links": [{"url": u, "label": label, "type": k} for _, u, label, k in links.get(tid, ())],
            "cited": list(seen.values()),
        }
    return out


def _co_people(session: Session, link, key_col: str, ids: list[int], limit: int = 30) -> dict[int, list[dict]]:
    """Per person, those sharing a talk (TalkSpeaker) or a paper (Authorship), most shared first."""
    other = aliased(link)
    key = getattr(link, key_col)
    n = func.count(distinct(key))
    rows = session.exec(
        select(link.person_id, Person.id, Person.name, n.label("n"))
        .select_from(link)
        .join(other, getattr(other, key_col) == key)
        .join(Person, Person.id == other.person_id)
        .where(link.person_id.in_(ids), other.person_id != link.person_id)
        .group_by(link.person_id, Person.id, Person.name)
        .order_by(link.person_id, n.desc(), Person.family_key)
    )
    return {
        owner: [_ref("person", i, name, n=k) for _, i, name, k in group[:limit]]
        for owner, group in _grouped(rows).items()
    }


class ConferenceOrder:
    """Every conference's place in the order of a person's conferences (newest first), read once per build."""

    def __init__(self):
        self.rank: dict[int, int] | None = None
        self.names: dict[int, str] = {}

    def refs(self, session: Session, conf_ids: set[int]) -> list[dict[str, Any]]:
        if self.rank is None:
            rows = session.exec(
                select(Conference.id, Conference.name, Conference.year).order_by(
                    Conference.year.desc(), Conference.name
                )
            ).all()
            self.rank = {i: k for k, (i, _, _) in enumerate(rows)}
            self.names = {i: f"{name} {year or ''}".strip() for i, name, year in rows}
        ordered = sorted(conf_ids, key=self.rank.__getitem__)
        return [{"kind": "conference", "id": c, "name": self.names[c]} for c in ordered]


def person_pages(session: Session, ids: list[int], conferences: ConferenceOrder | None = None):
    """Person pages' data, with ``conferences`` (spoke at or named in), as :func:`kb.site.pages.person_conferences`."""
    conferences = conferences or ConferenceOrder()
    people = session.exec(select(Person.id, Person.name, Person.url).where(Person.id.in_(ids))).all()
    aliases = _grouped(
        session.exec(
            select(PersonAlias.person_id, PersonAlias.alias)
            .where(PersonAlias.person_id.in_(ids))
            .order_by(PersonAlias.person_id, PersonAlias.alias)
        )
    )
    talks = _grouped(
        session.exec(
            select(TalkSpeaker.person_id, Talk.id, Talk.title, Event.name, Conference.name, Conference.year)
            .join(Talk, TalkSpeaker.talk_id == Talk.id)
            .join(Post, Post.id == Talk.post_id)
            .join(Event, Event.id == Talk.event_id, isouter=True)
            .join(Conference, Conference.id == Post.conference_id, isouter=True)
            .where(TalkSpeaker.person_id.in_(ids))
            .order_by(TalkSpeaker.person_id, Conference.year.desc(), Talk.post_id, Talk.position)
        )
    )
    papers = _grouped(
        session.exec(
            select(Authorship.person_id, Paper.id, Paper.title, Paper.doi, Paper.arxiv_id, Paper.url, Paper.year)
            .join(Paper, Authorship.paper_id == Paper.id)
            .where(Authorship.person_id.in_(ids))
            .order_by(Authorship.person_id, Paper.year.desc(), Paper.title)
        )
    )
    posts = _grouped(
        session.exec(
            select(Mention.person_id, Post.id, Post.title, Post.path, Mention.role, Post.conference_id)
            .join(Mention, Mention.post_id == Post.id)
            .where(Mention.person_id.in_(ids))
            .order_by(Mention.person_id, Post.date.desc())
        )
    )
    links = _grouped(
        session.exec(
            select(Link.person_id, Link.url)
            .where(Link.person_id.in_(ids), ~Link.empty)
            .order_by(Link.person_id, Link.id)
        )
    )
    spoke = _grouped(
        session.exec(
            select(TalkSpeaker.person_id, Post.conference_id)
            .join(Talk, Talk.id == TalkSpeaker.talk_id)
            .join(Post, Post.id == Talk.post_id)
            .where(TalkSpeaker.person_id.in_(ids), Post.conference_id.is_not(None))
        )
    )
    co_speakers = _co_people(session, TalkSpeaker, "talk_id", ids)
    co_authors = _co_people(session, Authorship, "paper_id", ids)
    out = {}
    for pid, name, url in people:
        confs = {c for _, c in spoke.get(pid, ())} | {r[5] for r in posts.get(pid, ()) if r[5] is not None}
        out[pid] = {
            "id": pid,
            "name": name,
            "url": url,
            "urls": list(dict.fromkeys([u for u in [url, *(r[1] for r in links.get(pid, ()))] if u])),
            "aliases": [a for _, a in aliases.get(pid, ()) if a != name],
            "talks": [
                _ref("talk", t, title or "(untitled talk)", event=ev or "", conference=_label(cn, cy))
                for _, t, title, ev, cn, cy in talks.get(pid, ())
            ],
            "papers": [
                _ref("paper", p, _paper_name(title, doi, ax, u), year=y)
                for _, p, title, doi, ax, u, y in papers.get(pid, ())
            ],
            "co_speakers": co_speakers.get(pid, []),
            "co_authors": co_authors.get(pid, []),
            "posts": [_ref("post", p, _post_name(t, path), role=role) for _, p, t, path, role, _ in posts.get(pid, ())],
            "conferences": conferences.refs(session, confs),
        }
    return out


def paper_pages(session: Session, ids: list[int]) -> dict[int, dict[str, Any]]:
    papers = session.exec(select(Paper).where(Paper.id.in_(ids))).all()
    cites = _grouped(
        session.exec(
            select(Citation.paper_id, Citation.marker, Citation.context, Post.id, Post.title, Post.path)
            .add_columns(Talk.id, Talk.title)
            .join(Post, Post.id == Citation.post_id)
            .join(Talk, Talk.id == Citation.talk_id, isouter=True)
            .where(Citation.paper_id.in_(ids))
            .order_by(Citation.paper_id, Post.date.desc(), Citation.position)
        )
    )
    c1, c2 = aliased(Citation), aliased(Citation)
    same_place = and_(
        c1.post_id == c2.post_id, or_(c1.talk_id == c2.talk_id, and_(c1.talk_id.is_(None), c2.talk_id.is_(None)))
    )
    n = func.count(distinct(c1.id))
    co = _grouped(
        session.exec(
            select(c1.paper_id, Paper.id, Paper.title, n.label("n"))
            .select_from(c1)
            .join(c2, same_place)
            .join(Paper, Paper.id == c2.paper_id)
            .where(c1.paper_id.in_(ids), c2.paper_id != c1.paper_id)
            .group_by(c1.paper_id, Paper.id, Paper.title)
            .order_by(c1.paper_id, n.desc(), Paper.title)
        )
    )
    authors = authors_of(session, ids)
    out = {}
    for paper in papers:
        cited_by: dict[tuple, dict[str, Any]] = {}
        for _, marker, context, post_id, post_title, path, tid, ttitle in cites.get(paper.id, ()):
            cited_by.setdefault(
                (post_id, tid),
                {
                    "talk": _ref("talk", tid, ttitle or "(untitled talk)") if tid is not None else None,
                    "post": _ref("post", post_id, _post_name(post_title, path)),
                    "marker": marker,
                    "context": context,
                },
            )
        out[paper.id] = {
            **paper_fields(paper),
            "authors": [_ref("person", p.id, p.name) for p in authors[paper.id]],
            "cited_by": list(cited_by.values()),
            "co_cited": [_ref("paper", i, t or "(untitled)", n=k) for _, i, t, k in co.get(paper.id, [])[:30]],
        }
    return out
