"""Read-side queries shared by the CLI, the TUI and exporters (portable SQL only)."""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import func
from sqlmodel import Session, select

from kb import review
from kb.models import (
    Authorship,
    Citation,
    Conference,
    Event,
    IdentityCandidate,
    Link,
    Mention,
    Paper,
    PaperFieldSource,
    Person,
    Post,
    Reference,
    Talk,
    TalkSpeaker,
)

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


def _people_by(session: Session, link, owner_column, ids: list[int]) -> dict[int, list[Person]]:
    """{owner id: people in position order} through a link table (TalkSpeaker, Authorship)."""
    out: dict[int, list[Person]] = {i: [] for i in ids}
    if not ids:
        return out
    rows = session.exec(
        select(owner_column, Person)
        .join(Person, Person.id == link.person_id)
        .where(owner_column.in_(ids))
        .order_by(link.position)
    )
    for owner, person in rows:
        out[owner].append(person)
    return out


def speakers_of(session: Session, talk_ids: list[int]) -> dict[int, list[Person]]:
    return _people_by(session, TalkSpeaker, TalkSpeaker.talk_id, talk_ids)


def authors_of(session: Session, paper_ids: list[int]) -> dict[int, list[Person]]:
    return _people_by(session, Authorship, Authorship.paper_id, paper_ids)


def list_rows(session: Session, kind: str, limit: int | None = None) -> list[dict[str, Any]]:
    """Rows for ``kb list KIND``: plain dicts, JSON-ready; at most ``limit`` (None: all) of them."""
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be 0 or more, not {limit}")  # SQL's LIMIT -1 would mean "no limit"
    if kind == "talks":
        talks = session.exec(
            select(Talk, Post, Event)
            .join(Post, Post.id == Talk.post_id)
            .join(Event, Event.id == Talk.event_id, isouter=True)
            .order_by(Post.path, Talk.position)
            .limit(limit)
        ).all()
        speakers = speakers_of(session, [t.id for t, _, _ in talks])
        return [
            {
                "id": t.id,
                "title": t.title,
                "speakers": [p.name for p in speakers[t.id]],
                "kind": t.kind,
                "event": e.name if e else None,
                "post": post.path,
            }
            for t, post, e in talks
        ]
    if kind == "people":
        people = session.exec(select(Person).order_by(Person.family_key, Person.given).limit(limit)).all()
        ids = [p.id for p in people]
        talks = (
            dict(
                session.exec(
                    select(TalkSpeaker.person_id, func.count())
                    .where(TalkSpeaker.person_id.in_(ids))
                    .group_by(TalkSpeaker.person_id)
                ).all()
            )
            if ids
            else {}
        )
        papers = (
            dict(
                session.exec(
                    select(Authorship.person_id, func.count())
                    .where(Authorship.person_id.in_(ids))
                    .group_by(Authorship.person_id)
                ).all()
            )
            if ids
            else {}
        )
        mentioned = set(session.exec(select(Mention.person_id).where(Mention.person_id.in_(ids)))) if ids else set()
        return [
            {
                "id": p.id,
                "name": p.name,
                "url": p.url,
                "talks": talks.get(p.id, 0),
                "papers": papers.get(p.id, 0),
                "mentioned": p.id in mentioned,
            }
            for p in people
        ]
    if kind == "papers":
        papers = session.exec(select(Paper).order_by(Paper.year.desc(), Paper.title).limit(limit)).all()
        authors = authors_of(session, [p.id for p in papers])
        return [
            {
                "id": p.id,
                "title": p.title,
                "authors": [a.name for a in authors[p.id]],
                "et_al": p.et_al,
                "venue": p.venue,
                "year": p.year,
                "type": p.type,
                "doi": p.doi,
                "arxiv": p.arxiv_id,
                "url": p.url,
                "citekey": p.citekey,
            }
            for p in papers
        ]
    if kind == "conferences":
        confs = session.exec(select(Conference).order_by(Conference.year.desc(), Conference.name).limit(limit)).all()
        return [
            {
                "id": c.id,
                "name": c.name,
                "year": c.year,
                "location": c.location,
                "url": c.url,
                "events": session.exec(
                    select(func.count()).select_from(Event).where(Event.conference_id == c.id)
                ).one(),
                "posts": session.exec(select(func.count()).select_from(Post).where(Post.conference_id == c.id)).one(),
            }
            for c in confs
        ]
    if kind == "events":
        events = session.exec(
            select(Event, Conference)
            .join(Conference, Conference.id == Event.conference_id, isouter=True)
            .order_by(Event.name)
            .limit(limit)
        ).all()
        return [
            {
                "id": e.id,
                "name": e.name,
                "kind": e.kind,
                "url": e.url,
                "conference": f"{c.name} {c.year or ''}".strip() if c else None,
            }
            for e, c in events
        ]
    if kind == "posts":
        posts = session.exec(select(Post).order_by(Post.date.desc(), Post.path).limit(limit)).all()
        return [{"id": p.id, "path": p.path, "title": p.title, "date": p.date, "draft": p.draft} for p in posts]
    raise ValueError(f"unknown list kind {kind!r}; choose from {', '.join(LIST_KINDS)}")


# --- Read side of the terminal UI -------------------------------------------------------------
# Lists are fetched as an ordered id list (cheap even for 100k rows) plus windows of rows
# fetched by id, so a virtual list never loads every row.

from dataclasses import dataclass  # noqa: E402

from sqlalchemy import and_, distinct, or_  # noqa: E402
from sqlalchemy.orm import aliased  # noqa: E402

from kb.models import Merge, PersonAlias, PostEvent  # noqa: E402

BROWSE_KINDS = ("conferences", "talks", "people", "papers", "links", "posts")

LIST_SORTS: dict[str, tuple[str, ...]] = {
    "conferences": ("year", "name", "talks", "papers"),
    "talks": ("title", "event", "conference", "kind"),
    "people": ("name", "talks", "papers"),
    "papers": ("title", "year", "venue", "cited"),
    "links": ("label", "kind", "url"),
    "posts": ("date", "title"),
}
"""Sortable columns of each browsable list; the first is the default."""

NEWEST_FIRST = frozenset(
    {
        ("conferences", "year"),
        ("conferences", "talks"),
        ("conferences", "papers"),
        ("talks", "conference"),
        ("people", "talks"),
        ("people", "papers"),
        ("papers", "year"),
        ("papers", "cited"),
        ("posts", "date"),
    }
)
"""(list, sort) pairs that run from the largest value down unless reversed (years, dates, counts)."""


def sorts_descending(kind: str, sort: str, reversed_: bool = False) -> bool:
    """True when :func:`list_ids` with this sort (reversed or not) puts the largest value first."""
    return ((kind, sort) in NEWEST_FIRST) != reversed_


def _like(text: str) -> str:
    """A LIKE pattern matching ``text`` anywhere, with the wildcards in user input escaped."""
    escaped = text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%{escaped}%"


def _words(text: str) -> list[str]:
    return [w for w in text.lower().split() if w][:8]


def _all_words(column, text: str):
    return and_(*(func.lower(column).like(_like(w), escape="\\") for w in _words(text)))


def _conference_counts(session: Session, conf_ids: list[int]) -> dict[int, dict[str, int]]:
    out = {c: {"events": 0, "talks": 0, "papers": 0, "posts": 0} for c in conf_ids}
    if not conf_ids:
        return out
    for cid, n in session.exec(
        select(Event.conference_id, func.count()).where(Event.conference_id.in_(conf_ids)).group_by(Event.conference_id)
    ):
        out[cid]["events"] = n
    for cid, n in session.exec(
        select(Post.conference_id, func.count()).where(Post.conference_id.in_(conf_ids)).group_by(Post.conference_id)
    ):
        out[cid]["posts"] = n
    for cid, n in session.exec(
        select(Post.conference_id, func.count(Talk.id))
        .join(Talk, Talk.post_id == Post.id)
        .where(Post.conference_id.in_(conf_ids))
        .group_by(Post.conference_id)
    ):
        out[cid]["talks"] = n
    cited = (
        select(Post.conference_id.label("cid"), Citation.paper_id.label("pid"))
        .join(Citation, Citation.post_id == Post.id)
        .union(
            select(Post.conference_id, Reference.paper_id)
            .join(Reference, Reference.post_id == Post.id)
            .where(Reference.paper_id.is_not(None))
        )
    ).subquery()
    for cid, n in session.exec(
        select(cited.c.cid, func.count(distinct(cited.c.pid))).where(cited.c.cid.in_(conf_ids)).group_by(cited.c.cid)
    ):
        out[cid]["papers"] = n
    return out


def home_summary(session: Session, recent: int = 8) -> dict[str, Any]:
    """Totals, every conference with its counts, and the most recent posts."""
    confs = session.exec(select(Conference).order_by(Conference.year.desc(), Conference.name).limit(200)).all()
    counts = _conference_counts(session, [c.id for c in confs])
    posts = session.exec(select(Post).order_by(Post.date.desc(), Post.id.desc()).limit(recent)).all()
    return {
        "totals": stats(session),
        "conferences": [
            {"id": c.id, "name": c.name, "year": c.year, "location": c.location, **counts[c.id]} for c in confs
        ],
        "posts": [{"id": p.id, "title": p.title, "date": p.date, "path": p.path} for p in posts],
        "to_review": review.waiting(session),
    }


def _talk_filter(text: str):
    speaker = (
        select(TalkSpeaker.talk_id)
        .join(Person, Person.id == TalkSpeaker.person_id)
        .where(_all_words(Person.name, text))
    )
    return or_(_all_words(Talk.title, text), Talk.id.in_(speaker))


def list_ids(
    session: Session, kind: str, text: str = "", sort: str | None = None, descending: bool = False
) -> list[int]:
    """Ids of one browsable list, filtered by ``text`` (every word, anywhere) and sorted."""
    sort = sort or LIST_SORTS[kind][0]
    if sort not in LIST_SORTS[kind]:
        raise ValueError(f"cannot sort {kind} by {sort!r}")
    text = text.strip()
    if kind == "conferences":
        q = select(Conference.id)
        if text:
            q = q.where(or_(_all_words(Conference.name, text), _all_words(Conference.location, text)))
        if sort in ("talks", "papers"):
            ids = list(session.exec(q))
            counts = _conference_counts(session, ids)
            ids.sort(key=lambda i: (counts[i][sort], -i), reverse=not descending)
            return ids
        keys = {"year": [(Conference.year, True), Conference.name], "name": [func.lower(Conference.name)]}[sort]
    elif kind == "talks":
        q = (
            select(Talk.id)
            .join(Event, Event.id == Talk.event_id, isouter=True)
            .join(Post, Post.id == Talk.post_id)
            .join(Conference, Conference.id == Post.conference_id, isouter=True)
        )
        if text:
            q = q.where(_talk_filter(text))
        keys = {
            "title": [func.lower(Talk.title)],
            "event": [func.lower(Event.name)],
            "conference": [(Conference.year, True), Conference.name],
            "kind": [Talk.kind],
        }[sort]
        keys = keys + [Post.id, Talk.position]
    elif kind == "people":
        q = select(Person.id)
        if text:
            alias = select(PersonAlias.person_id).where(_all_words(PersonAlias.alias, text))
            q = q.where(or_(_all_words(Person.name, text), Person.id.in_(alias)))
        if sort == "name":
            keys = [Person.family_key, func.lower(Person.given)]
        else:
            link = TalkSpeaker if sort == "talks" else Authorship
            n = select(link.person_id.label("pid"), func.count().label("n")).group_by(link.person_id).subquery()
            q = q.join(n, n.c.pid == Person.id, isouter=True)
            keys = [(func.coalesce(n.c.n, 0), True), Person.family_key]
    elif kind == "papers":
        q = select(Paper.id)
        if text:
            q = q.where(or_(_all_words(Paper.title, text), _all_words(Paper.venue, text)))
        if sort == "cited":
            n = select(Citation.paper_id.label("pid"), func.count().label("n")).group_by(Citation.paper_id).subquery()
            q = q.join(n, n.c.pid == Paper.id, isouter=True)
            keys = [(func.coalesce(n.c.n, 0), True)]
        else:
            keys = {
                "title": [func.lower(Paper.title)],
                "year": [(Paper.year, True)],
                "venue": [func.lower(Paper.venue)],
            }[sort]
    elif kind == "links":
        q = select(Link.id).where(~Link.empty)
        if text:
            q = q.where(or_(_all_words(Link.label, text), _all_words(Link.url, text)))
        keys = {"label": [func.lower(Link.label)], "kind": [Link.kind], "url": [Link.url]}[sort]
    elif kind == "posts":
        q = select(Post.id)
        if text:
            q = q.where(_all_words(Post.title, text))
        keys = {"date": [(Post.date, True)], "title": [func.lower(Post.title)]}[sort]
    else:
        raise ValueError(f"unknown list kind {kind!r}; choose from {', '.join(BROWSE_KINDS)}")
    id_col = q.selected_columns[0]
    ordered = []
    for key in keys:  # a bare column sorts ascending; (column, True) sorts descending by default
        expr, down = key if isinstance(key, tuple) else (key, False)
        ordered += [expr.is_(None), expr.desc() if down != descending else expr.asc()]  # blanks last
    return list(session.exec(q.order_by(*ordered, id_col.desc() if descending else id_col)))


def _first_names(people: list[Person], et_al: bool = False, most: int = 3) -> str:
    names = [p.name for p in people[:most]]
    more = len(people) > most or et_al
    return ", ".join(names) + (" et al." if more else "")


def list_window(session: Session, kind: str, ids: list[int]) -> dict[int, dict[str, Any]]:
    """Display rows of one list for the given ids (one window of a virtual list)."""
    if not ids:
        return {}
    if kind == "conferences":
        counts = _conference_counts(session, ids)
        rows = session.exec(select(Conference).where(Conference.id.in_(ids)))
        return {
            c.id: {
                "kind": "conference",
                "id": c.id,
                "name": c.name,
                "year": c.year or "",
                "location": c.location or "",
                **counts[c.id],
            }
            for c in rows
        }
    if kind == "talks":
        rows = session.exec(
            select(Talk, Event, Conference)
            .where(Talk.id.in_(ids))
            .join(Event, Event.id == Talk.event_id, isouter=True)
            .join(Post, Post.id == Talk.post_id)
            .join(Conference, Conference.id == Post.conference_id, isouter=True)
        ).all()
        speakers = speakers_of(session, ids)
        return {
            t.id: {
                "kind": "talk",
                "id": t.id,
                "title": t.title or "(untitled)",
                "speakers": _first_names(speakers.get(t.id, [])),
                "event": e.name if e else "",
                "conference": f"{c.name} {c.year or ''}".strip() if c else "",
                "type": t.kind,
            }
            for t, e, c in rows
        }
    if kind == "people":
        talks = dict(
            session.exec(
                select(TalkSpeaker.person_id, func.count())
                .where(TalkSpeaker.person_id.in_(ids))
                .group_by(TalkSpeaker.person_id)
            ).all()
        )
        papers = dict(
            session.exec(
                select(Authorship.person_id, func.count())
                .where(Authorship.person_id.in_(ids))
                .group_by(Authorship.person_id)
            ).all()
        )
        rows = session.exec(select(Person).where(Person.id.in_(ids)))
        return {
            p.id: {
                "kind": "person",
                "id": p.id,
                "name": p.name,
                "talks": talks.get(p.id, 0),
                "papers": papers.get(p.id, 0),
                "url": p.url or "",
            }
            for p in rows
        }
    if kind == "papers":
        authors = authors_of(session, ids)
        cited = dict(
            session.exec(
                select(Citation.paper_id, func.count()).where(Citation.paper_id.in_(ids)).group_by(Citation.paper_id)
            ).all()
        )
        rows = session.exec(select(Paper).where(Paper.id.in_(ids)))
        return {
            p.id: {
                "kind": "paper",
                "id": p.id,
                "title": p.title or p.doi or p.arxiv_id or p.url or "(untitled)",
                "authors": _first_names(authors.get(p.id, []), p.et_al, 2),
                "year": p.year or "",
                "venue": p.venue or "",
                "cited": cited.get(p.id, 0),
            }
            for p in rows
        }
    if kind == "links":
        rows = session.exec(select(Link, Post).join(Post, Post.id == Link.post_id).where(Link.id.in_(ids))).all()
        owners = _link_owners(session, [link for link, _ in rows])
        return {
            link.id: {
                "kind": "link",
                "id": link.id,
                "label": link.label or "",
                "url": link.url,
                "type": link.kind,
                "owner": owners[link.id][2],
                "post": post.title or "",
                "target": owners[link.id][:2],
            }
            for link, post in rows
        }
    if kind == "posts":
        talks = dict(
            session.exec(select(Talk.post_id, func.count()).where(Talk.post_id.in_(ids)).group_by(Talk.post_id)).all()
        )
        rows = session.exec(
            select(Post, Conference)
            .join(Conference, Conference.id == Post.conference_id, isouter=True)
            .where(Post.id.in_(ids))
        ).all()
        states = review.states(session, ids)
        return {
            p.id: {
                "kind": "post",
                "id": p.id,
                "title": p.title or p.path.rsplit("/", 1)[-1],
                "date": p.date or "undated",
                "conference": f"{c.name} {c.year or ''}".strip() if c else "",
                "talks": talks.get(p.id, 0),
                "review": "" if p.path.lower().endswith(".bib") else states[p.id],
            }
            for p, c in rows
        }
    raise ValueError(f"unknown list kind {kind!r}")


def _link_owners(session: Session, links: list[Link]) -> dict[int, tuple[str, int, str]]:
    """(kind, id, name) of what each link belongs to: talk, person, paper, event, else its post."""

    def names(model, col, ids):
        return dict(session.exec(select(model.id, col).where(model.id.in_(ids))).all()) if ids else {}

    talks = names(Talk, Talk.title, [link.talk_id for link in links if link.talk_id])
    people = names(Person, Person.name, [link.person_id for link in links if link.person_id])
    papers = names(Paper, Paper.title, [link.paper_id for link in links if link.paper_id])
    events = names(Event, Event.name, [link.event_id for link in links if link.event_id])
    out = {}
    for link in links:
        if link.talk_id in talks:
            out[link.id] = ("talk", link.talk_id, talks[link.talk_id] or "(untitled talk)")
        elif link.person_id in people:
            out[link.id] = ("person", link.person_id, people[link.person_id])
        elif link.paper_id in papers:
            out[link.id] = ("paper", link.paper_id, papers[link.paper_id] or link.url)
        elif link.event_id in events:
            out[link.id] = ("event", link.event_id, events[link.event_id])
        else:
            out[link.id] = ("post", link.post_id, "")
    return out


# --- Detail pages -------------------------------------------------------------------------


def _conf_label(c: Conference | None) -> str:
    return f"{c.name} {c.year or ''}".strip() if c else ""


def _ref(kind: str, id_: int | None, name: str | None, **extra: Any) -> dict[str, Any] | None:
    return None if id_ is None else {"kind": kind, "id": id_, "name": name or "", **extra}


def talk_detail(session: Session, talk_id: int) -> dict[str, Any] | None:
    talk = session.get(Talk, talk_id)
    if talk is None:
        return None
    post = session.get(Post, talk.post_id)
    event = session.get(Event, talk.event_id) if talk.event_id else None
    conf = session.get(Conference, post.conference_id) if post and post.conference_id else None
    links = session.exec(select(Link).where(Link.talk_id == talk_id, ~Link.empty).order_by(Link.position)).all()
    cites = session.exec(
        select(Citation, Paper)
        .join(Paper, Paper.id == Citation.paper_id)
        .where(Citation.talk_id == talk_id)
        .order_by(Citation.position)
    ).all()
    seen: dict[int, dict[str, Any]] = {}
    for c, p in cites:
        if p.id in seen:
            seen[p.id]["markers"].append(c.marker)
            continue
        seen[p.id] = {
            "kind": "paper",
            "id": p.id,
            "name": p.title or p.doi or p.arxiv_id or p.url or "(untitled)",
            "year": p.year,
            "markers": [c.marker],
            "context": c.context,
        }
    authors = authors_of(session, list(seen))
    for pid, row in seen.items():
        row["authors"] = _first_names(authors[pid], False, 3)
    return {
        "id": talk.id,
        "title": talk.title or "(untitled talk)",
        "type": talk.kind,
        "summary": talk.summary,
        "event": _ref("event", event.id, event.name, type=event.kind) if event else None,
        "conference": _ref("conference", conf.id, _conf_label(conf)) if conf else None,
        "post": _ref("post", post.id, post.title or post.path.rsplit("/", 1)[-1]) if post else None,
        "speakers": [_ref("person", p.id, p.name) for p in speakers_of(session, [talk_id])[talk_id]],
        "links": [{"url": link.url, "label": link.label, "type": link.kind} for link in links],
        "cited": list(seen.values()),
    }


def _co_people(session: Session, link, key_col, person_id: int, limit: int = 30) -> list[dict[str, Any]]:
    """People sharing a talk (TalkSpeaker) or a paper (Authorship) with ``person_id``, most shared first."""
    other = aliased(link)
    key = getattr(link, key_col)
    rows = session.exec(
        select(Person.id, Person.name, func.count(distinct(key)).label("n"))
        .select_from(link)
        .join(other, getattr(other, key_col) == key)
        .join(Person, Person.id == other.person_id)
        .where(link.person_id == person_id, other.person_id != person_id)
        .group_by(Person.id, Person.name)
        .order_by(func.count(distinct(key)).desc(), Person.family_key)
        .limit(limit)
    ).all()
    return [_ref("person", i, name, n=n) for i, name, n in rows]


def person_detail(session: Session, person_id: int) -> dict[str, Any] | None:
    person = session.get(Person, person_id)
    if person is None:
        return None
    aliases = session.exec(
        select(PersonAlias.alias).where(PersonAlias.person_id == person_id).order_by(PersonAlias.alias)
    ).all()
    talks = session.exec(
        select(Talk, Event, Conference)
        .join(TalkSpeaker, TalkSpeaker.talk_id == Talk.id)
        .join(Post, Post.id == Talk.post_id)
        .join(Event, Event.id == Talk.event_id, isouter=True)
        .join(Conference, Conference.id == Post.conference_id, isouter=True)
        .where(TalkSpeaker.person_id == person_id)
        .order_by(Conference.year.desc(), Talk.post_id, Talk.position)
    ).all()
    papers = session.exec(
        select(Paper)
        .join(Authorship, Authorship.paper_id == Paper.id)
        .where(Authorship.person_id == person_id)
        .order_by(Paper.year.desc(), Paper.title)
    ).all()
    posts = session.exec(
        select(Post, Mention.role)
        .join(Mention, Mention.post_id == Post.id)
        .where(Mention.person_id == person_id)
        .order_by(Post.date.desc())
    ).all()
    links = session.exec(select(Link).where(Link.person_id == person_id, ~Link.empty)).all()
    urls = list(dict.fromkeys([u for u in [person.url, *(link.url for link in links)] if u]))
    return {
        "id": person.id,
        "name": person.name,
        "url": person.url,
        "urls": urls,
        "aliases": [a for a in aliases if a != person.name],
        "talks": [
            _ref("talk", t.id, t.title or "(untitled talk)", event=e.name if e else "", conference=_conf_label(c))
            for t, e, c in talks
        ],
        "papers": [
            _ref("paper", p.id, p.title or p.doi or p.arxiv_id or p.url or "(untitled)", year=p.year) for p in papers
        ],
        "co_speakers": _co_people(session, TalkSpeaker, "talk_id", person_id),
        "co_authors": _co_people(session, Authorship, "paper_id", person_id),
        "posts": [_ref("post", p.id, p.title or p.path.rsplit("/", 1)[-1], role=role) for p, role in posts],
        "maybe_same": identity_candidates(session, "person", person_id),
    }


def identity_candidates(session: Session, entity: str, entity_id: int) -> list[dict[str, Any]]:
    """Rows the importer found too alike to keep apart for sure, but did not merge ("K. Zhang" vs
    "Kai Zhang" and "Kaiming Zhang"): the user decides, with the merge action."""
    pairs = session.exec(
        select(IdentityCandidate.a_id, IdentityCandidate.b_id, IdentityCandidate.reason).where(
            IdentityCandidate.entity == entity,
            or_(IdentityCandidate.a_id == entity_id, IdentityCandidate.b_id == entity_id),
        )
    ).all()
    others = {(b if a == entity_id else a): reason for a, b, reason in pairs}
    if not others or entity not in ("person", "paper"):
        return []
    model, col = (Person, Person.name) if entity == "person" else (Paper, Paper.title)
    rows = session.exec(select(model.id, col).where(model.id.in_(list(others))).order_by(col)).all()
    return [_ref(entity, i, name, reason=others[i]) for i, name in rows]


def paper_urls(paper: Paper) -> list[str]:
    out = []
    if paper.doi:
        out.append(f"https://doi.org/{paper.doi}")
    if paper.arxiv_id:
        out.append(f"https://arxiv.org/abs/{paper.arxiv_id}")
    if paper.url:
        out.append(paper.url)
    return list(dict.fromkeys(out))


def paper_fields(paper: Paper) -> dict[str, Any]:
    """A paper's own fields as the detail views show them (no rows of other tables)."""
    return {
        "id": paper.id,
        "title": paper.title or "(untitled)",
        "year": paper.year,
        "venue": paper.venue,
        "type": paper.type,
        "doi": paper.doi,
        "arxiv_id": paper.arxiv_id,
        "url": paper.url,
        "publisher": paper.publisher,
        "pages": paper.pages,
        "volume": paper.volume,
        "citekey": paper.citekey,
        "et_al": paper.et_al,
        "urls": paper_urls(paper),
    }


def paper_detail(session: Session, paper_id: int) -> dict[str, Any] | None:
    paper = session.get(Paper, paper_id)
    if paper is None:
        return None
    cites = session.exec(
        select(Citation, Post, Talk)
        .join(Post, Post.id == Citation.post_id)
        .join(Talk, Talk.id == Citation.talk_id, isouter=True)
        .where(Citation.paper_id == paper_id)
        .order_by(Post.date.desc(), Citation.position)
    ).all()
    cited_by: dict[tuple, dict[str, Any]] = {}
    for c, post, talk in cites:
        key = (post.id, talk.id if talk else None)
        if key not in cited_by:
            cited_by[key] = {
                "talk": _ref("talk", talk.id, talk.title or "(untitled talk)") if talk else None,
                "post": _ref("post", post.id, post.title or post.path.rsplit("/", 1)[-1]),
                "marker": c.marker,
                "context": c.context,
            }
    refs = session.exec(
        select(Reference, Post)
        .join(Post, Post.id == Reference.post_id)
        .where(Reference.paper_id == paper_id)
        .order_by(Post.date.desc())
    ).all()
    c1, c2 = aliased(Citation), aliased(Citation)
    same_place = and_(
        c1.post_id == c2.post_id, or_(c1.talk_id == c2.talk_id, and_(c1.talk_id.is_(None), c2.talk_id.is_(None)))
    )
    co = session.exec(
        select(Paper.id, Paper.title, func.count(distinct(c1.id)).label("n"))
        .select_from(c1)
        .join(c2, same_place)
        .join(Paper, Paper.id == c2.paper_id)
        .where(c1.paper_id == paper_id, c2.paper_id != paper_id)
        .group_by(Paper.id, Paper.title)
        .order_by(func.count(distinct(c1.id)).desc(), Paper.title)
        .limit(30)
    ).all()
    return {
        **paper_fields(paper),
        "authors": [_ref("person", p.id, p.name) for p in authors_of(session, [paper_id])[paper_id]],
        "cited_by": list(cited_by.values()),
        "references": [
            {
                "post": _ref("post", post.id, post.title or post.path.rsplit("/", 1)[-1]),
                "raw": r.raw,
                "marker": r.marker,
            }
            for r, post in refs
        ],
        "co_cited": [_ref("paper", i, t or "(untitled)", n=n) for i, t, n in co],
    } | paper_sources(session, paper)


def _shown(field: str, value: str | None) -> str:
    """A provenance value as a person reads it (an author list is stored as JSON)."""
    if field == "authors" and value:
        try:
            people = json.loads(value)
        except ValueError:
            return value
        return ", ".join(" ".join(p for p in (a.get("given"), a.get("family")) if p) for a in people)
    return value or ""


def paper_sources(session: Session, paper: Paper) -> dict[str, Any]:
    """What ``kb enrich`` recorded for a paper: the provenance of each field, and the open conflicts."""
    rows = session.exec(
        select(PaperFieldSource)
        .where(PaperFieldSource.paper_id == paper.id, PaperFieldSource.field != "*")
        .order_by(PaperFieldSource.field, PaperFieldSource.source)
    ).all()
    authors = ", ".join(p.name for p in authors_of(session, [paper.id])[paper.id])
    provenance, conflicts = [], []
    for r in rows:
        when = r.fetched_at.date().isoformat() if r.fetched_at else ""
        entry = {"id": r.id, "field": r.field, "source": r.source, "status": r.status, "url": r.url, "date": when}
        entry["value"] = _shown(r.field, r.value)
        provenance.append(entry)
        if r.status == "conflict":
            mine = authors if r.field == "authors" else getattr(paper, r.field, None)
            conflicts.append(entry | {"post": "" if mine is None else str(mine)})
    abstract = next((p for p in provenance if p["field"] == "abstract" and p["value"]), None)
    return {"provenance": provenance, "conflicts": conflicts, "abstract": abstract}


def post_detail(session: Session, post_id: int) -> dict[str, Any] | None:
    post = session.get(Post, post_id)
    if post is None:
        return None
    conf = session.get(Conference, post.conference_id) if post.conference_id else None
    talks = session.exec(select(Talk).where(Talk.post_id == post_id).order_by(Talk.position)).all()
    speakers = speakers_of(session, [t.id for t in talks])
    people = session.exec(
        select(Person, Mention.role)
        .join(Mention, Mention.person_id == Person.id)
        .where(Mention.post_id == post_id)
        .order_by(Person.family_key)
    ).all()
    return {
        "id": post.id,
        "title": post.title or post.path.rsplit("/", 1)[-1],
        "date": post.date,
        "file": post.path.rsplit("/", 1)[-1],
        "body": post.body,
        "conference": _ref("conference", conf.id, _conf_label(conf)) if conf else None,
        "talks": [
            _ref("talk", t.id, t.title or "(untitled talk)", speakers=_first_names(speakers[t.id])) for t in talks
        ],
        "people": [_ref("person", p.id, p.name, role=role) for p, role in people],
        "targets": url_targets(session, post_id),
    }


def url_targets(session: Session, post_id: int | None = None) -> dict[str, tuple[str, int]]:
    """URL → (kind, id) for links that lead to a known person, paper or talk.

    Homepages and paper URLs from the whole KB, plus what this post's own links were attached to.
    """
    out: dict[str, tuple[str, int]] = {}
    if post_id is not None:
        for link in session.exec(select(Link).where(Link.post_id == post_id)):
            for kind, ref in (("person", link.person_id), ("paper", link.paper_id), ("talk", link.talk_id)):
                if ref is not None:
                    out.setdefault(link.url, (kind, ref))
                    break
        urls = [link.url for link in session.exec(select(Link).where(Link.post_id == post_id))]
        for pid, url in session.exec(select(Person.id, Person.url).where(Person.url.in_(urls))):
            out.setdefault(url, ("person", pid))
        for pid, url in session.exec(select(Paper.id, Paper.url).where(Paper.url.in_(urls))):
            out.setdefault(url, ("paper", pid))
    return out


def conference_detail(session: Session, conf_id: int) -> dict[str, Any] | None:
    conf = session.get(Conference, conf_id)
    if conf is None:
        return None
    events = session.exec(select(Event).where(Event.conference_id == conf_id).order_by(Event.name)).all()
    talks = session.exec(
        select(Talk, Event)
        .join(Post, Post.id == Talk.post_id)
        .join(Event, Event.id == Talk.event_id, isouter=True)
        .where(Post.conference_id == conf_id)
        .order_by(Post.id, Talk.position)
    ).all()
    speakers = speakers_of(session, [t.id for t, _ in talks])
    posts = session.exec(select(Post).where(Post.conference_id == conf_id).order_by(Post.date.desc())).all()
    return {
        "id": conf.id,
        "name": _conf_label(conf),
        "location": conf.location,
        "url": conf.url,
        "counts": _conference_counts(session, [conf_id])[conf_id],
        "events": [_ref("event", e.id, e.name, type=e.kind) for e in events],
        "talks": [
            _ref(
                "talk",
                t.id,
                t.title or "(untitled talk)",
                speakers=_first_names(speakers[t.id]),
                event=e.name if e else "",
            )
            for t, e in talks
        ],
        "posts": [_ref("post", p.id, p.title or p.path.rsplit("/", 1)[-1], date=p.date) for p in posts],
    }


def event_detail(session: Session, event_id: int) -> dict[str, Any] | None:
    event = session.get(Event, event_id)
    if event is None:
        return None
    conf = session.get(Conference, event.conference_id) if event.conference_id else None
    talks = session.exec(select(Talk).where(Talk.event_id == event_id).order_by(Talk.post_id, Talk.position)).all()
    speakers = speakers_of(session, [t.id for t in talks])
    posts = session.exec(
        select(Post)
        .join(PostEvent, PostEvent.post_id == Post.id)
        .where(PostEvent.event_id == event_id)
        .order_by(Post.date.desc())
    ).all()
    return {
        "id": event.id,
        "name": event.name,
        "type": event.kind,
        "url": event.url,
        "conference": _ref("conference", conf.id, _conf_label(conf)) if conf else None,
        "talks": [
            _ref("talk", t.id, t.title or "(untitled talk)", speakers=_first_names(speakers[t.id])) for t in talks
        ],
        "posts": [_ref("post", p.id, p.title or p.path.rsplit("/", 1)[-1]) for p in posts],
    }


def merged_into(session: Session, entity: str, entity_id: int) -> int | None:
    """Where a merged-away person or paper went (following chains of merges), else None."""
    seen = set()
    target = None
    while entity_id not in seen:
        seen.add(entity_id)
        row = session.exec(
            select(Merge).where(Merge.entity == entity, Merge.from_id == entity_id).order_by(Merge.id.desc())
        ).first()
        if row is None:
            break
        target = entity_id = row.into_id
    return target


# --- Finding entities by name (command palette, merge picker) ------------------------------


@dataclass
class SearchHit:
    """An entity found by name; the same shape as ``kb.search.Hit``."""

    kind: str
    id: int
    title: str
    snippet: str = ""
    score: float = 0.0


_NAMED = {
    "person": (Person, Person.name),
    "talk": (Talk, Talk.title),
    "paper": (Paper, Paper.title),
    "conference": (Conference, Conference.name),
    "event": (Event, Event.name),
    "post": (Post, Post.title),
}


def find_by_name(
    session: Session,
    text: str,
    kinds: tuple[str, ...] = ("person", "talk", "paper", "conference", "event", "post"),
    limit: int = 20,
) -> list[SearchHit]:
    """Entities whose name contains every word of ``text``; shorter names (closer matches) first."""
    if not _words(text):
        return []
    hits: list[SearchHit] = []
    for kind in kinds:
        model, col = _NAMED[kind]
        cond = _all_words(col, text)
        if kind == "person":
            alias = select(PersonAlias.person_id).where(_all_words(PersonAlias.alias, text))
            cond = or_(cond, Person.id.in_(alias))
        if kind == "conference":
            rows = session.exec(
                select(Conference.id, Conference.name, Conference.year)
                .where(cond)
                .order_by(func.length(Conference.name))
                .limit(limit)
            ).all()
            named = [(i, f"{n} {y or ''}".strip()) for i, n, y in rows]
        else:
            named = session.exec(select(model.id, col).where(cond).order_by(func.length(col)).limit(limit)).all()
        for i, name in named:
            name = name or ""
            hits.append(SearchHit(kind, i, name, "", len(text) / max(len(name), 1)))
    return hits
