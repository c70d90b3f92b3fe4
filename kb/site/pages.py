"""Which pages the site has, and the data of each, from the read queries of :mod:`kb.queries`.

:class:`Scope` holds every page of the build (kind → id → path): the whole KB,
or one conference's posts, talks, people and papers (``--conference``). A
link to anything outside the scope is written as plain text, never broken.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from sqlalchemy import or_
from sqlmodel import Session, select

from kb import queries
from kb.export.records import (
    Selection,
    SelectionError,
    chunks,
    find_conferences,
    select_paper_ids,
)
from kb.models import (
    Authorship,
    Conference,
    Mention,
    Paper,
    Person,
    Post,
    Talk,
    TalkSpeaker,
)
from kb.site.links import page_path
from kb.site.searchindex import Doc


@dataclass
class Scope:
    paths: dict[str, dict[int, str]] = field(default_factory=dict)
    conference: str | None = None  # the --conference text, when the site is one conference

    def href(self, kind: str, id_: int | None) -> str | None:
        """The page of (kind, id) relative to the root, or None when the site has no such page."""
        return self.paths.get(kind, {}).get(id_) if id_ is not None else None

    def ids(self, kind: str) -> list[int]:
        return sorted(self.paths.get(kind, {}))


def _named(session: Session, kind: str, rows) -> dict[int, str]:
    return {i: page_path(kind, i, name) for i, name in rows}


def _conf_names(rows) -> list[tuple[int, str]]:
    return [(i, f"{n} {y or ''}") for i, n, y in rows]


def make_scope(session: Session, conference: str | None = None) -> Scope:
    """Every page of the build; raises :class:`SelectionError` when ``conference`` names none."""
    if conference is None:
        return Scope(
            {
                "conference": _named(
                    session,
                    "conference",
                    _conf_names(session.exec(select(Conference.id, Conference.name, Conference.year))),
                ),
                "post": _named(session, "post", session.exec(select(Post.id, Post.title))),
                "talk": _named(session, "talk", session.exec(select(Talk.id, Talk.title))),
                "person": _named(session, "person", session.exec(select(Person.id, Person.name))),
                "paper": _named(session, "paper", session.exec(select(Paper.id, Paper.title))),
            }
        )
    confs = find_conferences(session, conference)
    if not confs:
        select_paper_ids(session, Selection(conference=conference))  # raises SelectionError naming the known ones
        raise SelectionError(f"no conference matches {conference!r}")
    conf_ids = [c.id for c in confs]
    posts = session.exec(select(Post.id, Post.title).where(Post.conference_id.in_(conf_ids))).all()
    post_ids = [p for p, _ in posts]
    talks = session.exec(select(Talk.id, Talk.title).where(Talk.post_id.in_(post_ids))).all()
    paper_ids = select_paper_ids(session, Selection(conference=conference)) or []
    people: set[int] = set(session.exec(select(Mention.person_id).where(Mention.post_id.in_(post_ids))))
    people.update(session.exec(select(TalkSpeaker.person_id).where(TalkSpeaker.talk_id.in_([t for t, _ in talks]))))
    papers: list[tuple[int, str | None]] = []
    for part in chunks(paper_ids):
        papers.extend(session.exec(select(Paper.id, Paper.title).where(Paper.id.in_(part))))
        people.update(session.exec(select(Authorship.person_id).where(Authorship.paper_id.in_(part))))
    persons: list[tuple[int, str]] = []
    for part in chunks(sorted(people)):
        persons.extend(session.exec(select(Person.id, Person.name).where(Person.id.in_(part))))
    return Scope(
        {
            "conference": _named(session, "conference", _conf_names((c.id, c.name, c.year) for c in confs)),
            "post": _named(session, "post", posts),
            "talk": _named(session, "talk", talks),
            "person": _named(session, "person", persons),
            "paper": _named(session, "paper", papers),
        },
        conference=conference,
    )


def person_conferences(session: Session, person_id: int) -> list[dict[str, Any]]:
    """The conferences a person spoke at or was named in, newest first."""
    spoke = (
        select(Post.conference_id)
        .join(Talk, Talk.post_id == Post.id)
        .join(TalkSpeaker, TalkSpeaker.talk_id == Talk.id)
        .where(TalkSpeaker.person_id == person_id)
    )
    named = select(Mention.post_id).where(Mention.person_id == person_id)
    rows = session.exec(
        select(Conference)
        .where(or_(Conference.id.in_(spoke), Conference.id.in_(select(Post.conference_id).where(Post.id.in_(named)))))
        .order_by(Conference.year.desc(), Conference.name)
    )
    return [{"kind": "conference", "id": c.id, "name": f"{c.name} {c.year or ''}".strip()} for c in rows]


def group_by_event(talks: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    """A conference's talks under their events, in first-seen order; talks without an event last."""
    groups: dict[str, list[dict[str, Any]]] = {}
    for t in talks:
        groups.setdefault(t.get("event") or "", []).append(t)
    return sorted(groups.items(), key=lambda kv: kv[0] == "")


def links_by_type(links: list[dict[str, Any]]) -> list[tuple[str, list[dict[str, Any]]]]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for link in links:
        groups.setdefault(link["type"] or "other", []).append(link)
    return sorted(groups.items(), key=lambda kv: (kv[0] == "other", kv[0]))


@dataclass
class Page:
    kind: str
    id: int
    path: str
    data: dict[str, Any]
    doc: Doc | None = None


_DETAIL = {
    "conference": queries.conference_detail,
    "talk": queries.talk_detail,
    "person": queries.person_detail,
    "paper": queries.paper_detail,
    "post": queries.post_detail,
}


def _doc(kind: str, path: str, d: dict[str, Any]) -> Doc | None:
    if kind == "talk":
        speakers = ", ".join(s["name"] for s in d["speakers"])
        where = " · ".join(x for x in ((d["event"] or {}).get("name"), (d["conference"] or {}).get("name")) if x)
        return Doc(path, "talk", d["title"], f"{speakers} {where}", " — ".join(x for x in (speakers, where) if x))
    if kind == "person":
        return Doc(
            path, "person", d["name"], " ".join(d["aliases"]), f"{len(d['talks'])} talk(s), {len(d['papers'])} paper(s)"
        )
    if kind == "paper":
        authors = ", ".join(a["name"] for a in d["authors"])
        ids = " ".join(x for x in (d["citekey"], d["doi"], d["arxiv_id"], d["venue"]) if x)
        return Doc(
            path,
            "paper",
            d["title"],
            f"{authors} {ids} {d['year'] or ''}",
            " — ".join(x for x in (authors, str(d["year"] or "")) if x),
        )
    if kind == "conference":
        return Doc(path, "conference", d["name"], d["location"] or "", d["location"] or "")
    return None


BATCH = 500  # pages whose data is read together: a few queries per batch (kb.site.batch)


def iter_pages(session: Session, scope: Scope) -> Iterator[Page]:
    """Every page of the scope with its data, kind by kind in id order; talk, person and paper data in batches."""
    from kb.site import batch

    bulk = {
        "talk": batch.talk_pages,
        "person": partial(batch.person_pages, conferences=batch.ConferenceOrder()),
        "paper": batch.paper_pages,
    }
    for kind in ("conference", "post", "talk", "person", "paper"):
        for part in chunks(scope.ids(kind), BATCH):
            if kind in bulk:
                found = bulk[kind](session, part)
            else:
                found = {id_: _DETAIL[kind](session, id_) for id_ in part}
            session.expunge_all()
            for id_ in part:
                data = found.pop(id_, None)
                if data is None:
                    continue
                if kind == "conference":
                    data["by_event"] = group_by_event(data["talks"])
                if kind == "talk":
                    data["links_by_type"] = links_by_type(data["links"])
                path = scope.href(kind, id_)
                yield Page(kind, id_, path, data, _doc(kind, path, data))
                session.expunge_all()  # one read session for the whole site: it must not keep every row it loaded
