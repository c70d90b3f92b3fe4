"""Write one post's Extraction into the database, in the caller's transaction.

Shared rows (conference, events, people, papers) are found again through
:mod:`kb.identity`; the post's own rows (talks, references, citations, links,
mentions) are replaced. Talks keep their id across re-imports via
``(post_id, key)``, and fields a user edited (:class:`UserEdit`) are never
overwritten. Rows nobody points to any more are removed at the end.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass

from sqlalchemy import delete, exists, func
from sqlmodel import Session, select

from kb.identity import add_alias, find_paper, get_or_create_person, paper_keys, remember_paper_keys
from kb.ingest.people import person_key
from kb.ingest.records import Extraction, ParsedReference
from kb.ingest.text import normalise_title
from kb.models import (Authorship, Citation, Conference, Event, Link, Mention, Paper, PaperKey, Person,
                       PersonAlias, Post, PostEvent, Reference, Talk, TalkSpeaker, UserEdit)


@dataclass
class WriteCounts:
    talks: int = 0
    people: int = 0
    papers: int = 0


def edited_fields(session: Session, entity: str, entity_id: int | None) -> set[str]:
    if entity_id is None:
        return set()
    rows = session.exec(select(UserEdit.field).where(UserEdit.entity == entity, UserEdit.entity_id == entity_id))
    return set(rows)


def _update(obj, values: dict, locked: set[str], only_missing: bool = False) -> None:
    for field, value in values.items():
        if field in locked or value is None:
            continue
        if only_missing and getattr(obj, field) not in (None, ""):
            continue
        setattr(obj, field, value)


def write_post(session: Session, x: Extraction, path: str, sha256: str) -> WriteCounts:
    """Insert or replace the post at ``path``. Caller commits (one transaction per post)."""
    counts = WriteCounts()
    post = session.exec(select(Post).where(Post.path == path)).first()
    if post is None:
        post = Post(path=path, sha256=sha256)
        session.add(post)
        session.flush()
    else:
        _clear_post_rows(session, post.id)
    conference = _conference(session, x)
    post.sha256 = sha256
    post.title = x.title
    post.date = x.date
    post.draft = x.draft
    post.conference_id = conference.id if conference else None
    post.body = x.text
    post.problems = json.dumps([asdict(p) for p in x.problems], ensure_ascii=False)
    session.add(post)

    events = _events(session, x, conference, post)
    papers = _papers(session, x, counts)
    talks = _talks(session, x, post, events)
    people = _people(session, x, post, talks, counts)
    counts.talks = len(talks)

    for pos, (ref, paper) in enumerate(zip(x.papers, papers)):
        if ref.origin != "link":  # reference-list and bibtex entries keep their raw string
            session.add(Reference(post_id=post.id, position=pos, marker=ref.marker, raw=ref.raw or "",
                                  paper_id=paper.id if paper else None))
    key_to_paper = {_paper_key(ref): paper for ref, paper in zip(x.papers, papers) if paper}
    for pos, c in enumerate(x.citations):
        paper = key_to_paper.get(c.paper_key)
        if paper is None:
            continue
        session.add(Citation(post_id=post.id, position=pos, talk_id=talks[c.talk].id if c.talk is not None else None,
                             paper_id=paper.id, marker=c.marker, context=c.context, line=c.line))
    _links(session, x, post, talks, people, events, key_to_paper)
    session.flush()
    garbage_collect(session)
    return counts


def _paper_key(p: ParsedReference) -> str:
    return p.marker or (f"arxiv:{p.arxiv_id}" if p.arxiv_id else f"doi:{p.doi}" if p.doi else p.url or p.raw)


def _clear_post_rows(session: Session, post_id: int) -> None:
    for table in (Citation, Reference, Link, Mention, PostEvent):
        session.exec(delete(table).where(table.post_id == post_id))
    talk_ids = select(Talk.id).where(Talk.post_id == post_id)
    session.exec(delete(TalkSpeaker).where(TalkSpeaker.talk_id.in_(talk_ids)))


def _conference(session: Session, x: Extraction) -> Conference | None:
    if not x.conference:
        return None
    c = x.conference
    key = f"{c.name.lower()}|{c.year or ''}"
    row = session.exec(select(Conference).where(Conference.key == key)).first()
    if row is None:
        row = Conference(key=key, name=c.name, year=c.year)
        session.add(row)
        session.flush()
    _update(row, {"location": c.location, "url": c.url}, edited_fields(session, "conference", row.id), only_missing=True)
    return row


def _events(session: Session, x: Extraction, conference: Conference | None, post: Post) -> dict[str, Event]:
    out: dict[str, Event] = {}
    prefix = conference.key if conference else "-"
    for ev in x.events:
        key = f"{prefix}/{normalise_title(ev.name)}"
        row = session.exec(select(Event).where(Event.key == key)).first()
        if row is None:
            row = Event(key=key, name=ev.name, kind=ev.kind, url=ev.url,
                        conference_id=conference.id if conference else None)
            session.add(row)
            session.flush()
        else:
            _update(row, {"url": ev.url}, edited_fields(session, "event", row.id), only_missing=True)
        if not session.get(PostEvent, (post.id, row.id)):
            session.add(PostEvent(post_id=post.id, event_id=row.id))
        out[ev.name] = row
    return out


def _papers(session: Session, x: Extraction, counts: WriteCounts) -> list[Paper | None]:
    out: list[Paper | None] = []
    for ref in x.papers:
        if not paper_keys(ref):
            out.append(None)  # nothing to identify it by: the raw string stays in Reference
            continue
        paper = find_paper(session, ref)
        values = {"title": ref.title, "year": ref.year, "venue": ref.venue, "type": ref.type, "doi": ref.doi,
                  "arxiv_id": ref.arxiv_id, "url": ref.url, "publisher": ref.publisher, "pages": ref.pages,
                  "volume": ref.volume, "issue": ref.issue}
        if paper is None:
            paper = Paper(et_al=ref.et_al, **{k: v for k, v in values.items() if v is not None})
            session.add(paper)
            session.flush()
            counts.papers += 1
        else:
            locked = edited_fields(session, "paper", paper.id)
            if paper.type == "misc" and ref.type != "misc":
                _update(paper, {"type": ref.type}, locked)
            _update(paper, values, locked, only_missing=True)
        remember_paper_keys(session, paper, ref)
        counts.people += _authors(session, paper, ref)
        out.append(paper)
    return out


def _authors(session: Session, paper: Paper, ref: ParsedReference) -> int:
    """Give the paper this reference's author list when it is longer; returns people created."""
    if not ref.authors:
        return 0
    have = session.exec(select(func.count()).select_from(Authorship).where(Authorship.paper_id == paper.id)).one()
    if have >= len(ref.authors):
        return 0
    session.exec(delete(Authorship).where(Authorship.paper_id == paper.id))
    created = 0
    for pos, name in enumerate(ref.authors):
        display = name.full if name.given else name.family_full
        person, new = get_or_create_person(session, display)
        created += new
        session.add(Authorship(paper_id=paper.id, position=pos, person_id=person.id))
    paper.et_al = ref.et_al
    return created


def _talk_key(title: str | None, speakers: list[str], pos: int, used: set[str]) -> str:
    base = normalise_title(title) if title else ("by " + person_key(" ".join(speakers)) if speakers else f"talk-{pos}")
    key, n = base[:200], 2
    while key in used:
        key, n = f"{base[:200]}#{n}", n + 1
    used.add(key)
    return key


def _talks(session: Session, x: Extraction, post: Post, events: dict[str, Event]) -> list[Talk]:
    existing = {t.key: t for t in session.exec(select(Talk).where(Talk.post_id == post.id))}
    used: set[str] = set()
    out: list[Talk] = []
    for pos, t in enumerate(x.talks):
        key = _talk_key(t.title, t.speakers, pos, used)
        row = existing.pop(key, None)
        if row is None:
            row = Talk(post_id=post.id, key=key)
        event = events.get(t.event) if t.event else None
        _update(row, {"title": t.title, "kind": t.kind, "summary": t.summary, "position": pos, "line": t.line},
                edited_fields(session, "talk", row.id))
        if "event_id" not in edited_fields(session, "talk", row.id):
            row.event_id = event.id if event else None
        session.add(row)
        out.append(row)
    for stale in existing.values():
        session.delete(stale)
    session.flush()
    return out


def _people(session: Session, x: Extraction, post: Post, talks: list[Talk], counts: WriteCounts) -> dict[str, Person]:
    out: dict[str, Person] = {}
    for p in x.people:
        person, created = get_or_create_person(session, p.name, p.spelled_in_post, p.url)
        counts.people += created
        for alias in p.aliases:
            add_alias(session, person, alias)
        out[p.name] = person
        mention = session.get(Mention, (post.id, person.id))
        if mention is None:
            session.add(Mention(post_id=post.id, person_id=person.id, role=p.role, spelled=p.spelled_in_post))
        elif p.role == "speaker":
            mention.role = "speaker"
    session.flush()
    for talk_row, t in zip(talks, x.talks):
        seen: set[int] = set()
        for pos, name in enumerate(t.speakers):
            person = out.get(name) or get_or_create_person(session, name)[0]
            if person.id in seen:
                continue
            seen.add(person.id)
            session.add(TalkSpeaker(talk_id=talk_row.id, person_id=person.id, position=pos))
    return out


def _links(session, x: Extraction, post: Post, talks: list[Talk], people: dict[str, Person],
           events: dict[str, Event], papers: dict[str, Paper]) -> None:
    for pos, link in enumerate(x.links):
        row = Link(post_id=post.id, position=pos, url=link.url, label=link.label, kind=link.kind, line=link.line,
                   empty=link.empty, malformed=link.malformed, schemeless=link.schemeless)
        owner, _, ref = link.owner.partition(":")
        if owner == "talk" and ref.isdigit() and int(ref) < len(talks):
            row.talk_id = talks[int(ref)].id
        elif owner == "person" and ref in people:
            row.person_id = people[ref].id
        elif owner == "event" and ref in events:
            row.event_id = events[ref].id
        elif owner == "paper" and ref in papers:
            row.paper_id = papers[ref].id
        session.add(row)


def garbage_collect(session: Session) -> None:
    """Remove shared rows no post, edit or .bib import refers to any more."""
    session.flush()
    edited = select(UserEdit.entity_id).where(UserEdit.entity == "paper")
    session.exec(delete(Paper).where(
        ~Paper.pinned,
        ~exists().where(Reference.paper_id == Paper.id),
        ~exists().where(Citation.paper_id == Paper.id),
        ~exists().where(Link.paper_id == Paper.id),
        Paper.id.not_in(edited),
    ))
    session.exec(delete(PaperKey).where(~exists().where(Paper.id == PaperKey.paper_id)))
    session.exec(delete(Authorship).where(~exists().where(Paper.id == Authorship.paper_id)))
    person_edited = select(UserEdit.entity_id).where(UserEdit.entity == "person")
    session.exec(delete(Person).where(
        ~exists().where(TalkSpeaker.person_id == Person.id),
        ~exists().where(Authorship.person_id == Person.id),
        ~exists().where(Mention.person_id == Person.id),
        Person.id.not_in(person_edited),
    ))
    session.exec(delete(PersonAlias).where(~exists().where(Person.id == PersonAlias.person_id)))
    session.exec(delete(Event).where(~exists().where(Talk.event_id == Event.id),
                                     ~exists().where(PostEvent.event_id == Event.id)))
    session.exec(delete(Conference).where(~exists().where(Post.conference_id == Conference.id),
                                          ~exists().where(Event.conference_id == Conference.id)))
