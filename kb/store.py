"""Write one post's Extraction into the database, in the caller's transaction.

Shared rows (conference, events, people, papers) are found again through
:mod:`kb.identity`; the post's own rows (talks, references, citations, links,
mentions) are replaced. Talks keep their id across re-imports via
``(post_id, key)``, and fields a user edited (:class:`UserEdit`) are never
overwritten. Rows nobody points to any more are removed at the end.

Writes are batched: identity lookups load their candidates once per post and
post-owned rows go in as one multi-row INSERT per table.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field

from sqlalchemy import bindparam, delete, exists, func, literal, or_, union_all, update
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, select

from kb import corrections, initials
from kb.citekeys import adopt_citekeys
from kb.db import IN_CHUNK, Query, chunks, in_ids, insert_ids, insert_rows, loaded_row
from kb.identity import (
    NO_EDITS,
    PaperResolver,
    PeopleResolver,
    PersonRef,
    no_user_edits,
    preference_rank,
    preferred,
)
from kb.ingest.people import person_key
from kb.ingest.records import Extraction, ParsedReference
from kb.ingest.text import normalise_title
from kb.models import (
    Authorship,
    Citation,
    Conference,
    Event,
    IdentityCandidate,
    Link,
    Mention,
    Merge,
    Paper,
    PaperKey,
    Person,
    PersonAlias,
    Post,
    PostEvent,
    Reference,
    Talk,
    TalkSpeaker,
    UserEdit,
)
from kb.talkmatch import match

# Authors stored per paper; the rest is "et al." Each authorship row refreshes the paper's search document,
# so a 4,000-author .bib entry (a physics collaboration) took 17 s to store; its first 300 name it well enough.
MAX_AUTHORS = 300


@dataclass
class WriteCounts:
    talks: int = 0
    people: int = 0
    papers: int = 0
    enriched: int = 0  # existing papers that gained fields or authors


def edited_fields(session: Session, entity: str, ids: list[int]) -> dict[int, set[str]]:
    """{entity id: fields the user set by hand} for the given rows."""
    out: dict[int, set[str]] = {}
    ids = [i for i in ids if i is not None]
    if not ids or no_user_edits(session):
        return out
    for batch in chunks(ids):
        for eid, name in session.exec(
            select(UserEdit.entity_id, UserEdit.field).where(UserEdit.entity == entity, UserEdit.entity_id.in_(batch))
        ):
            out.setdefault(eid, set()).add(name)
    return out


def _update(obj, values: dict, locked: set[str], only_missing: bool = False) -> None:
    """Set ``values`` on ``obj`` except fields the user edited. ``only_missing``: a shared row (paper,
    conference, event) that several posts describe keeps the :func:`preferred` of what they say, so its
    fields do not depend on which post came first (issue 19)."""
    for name, value in values.items():
        if name in locked or value is None:
            continue
        if only_missing:
            value = preferred(getattr(obj, name), value)
        if getattr(obj, name) != value:
            setattr(obj, name, value)


def _bulk(session: Session, model, rows: list[dict]) -> None:
    """One multi-row INSERT at the Core level (the ORM's bulk path costs 3× more; SQLite gets its text)."""
    if rows:
        insert_rows(session.connection(), model.__table__, rows)


def write_post(session: Session, x: Extraction, path: str, sha256: str, front_matter: str | None = None) -> WriteCounts:
    """Insert or replace the post at ``path``. Caller commits (one transaction per post).
    ``front_matter``: the file's text before ``x.text`` (stored with the post; None leaves it as it is)."""
    counts = WriteCounts()
    # (post stored?, any user edit?) as the caller read them a moment ago in this transaction, on SQLite
    known = session.info.pop(KNOWN, None)
    with session.no_autoflush:
        # No user edit in the KB (nor one the caller is adding): every query for them can be skipped.
        pending = any(isinstance(obj, UserEdit) for obj in session.new)
        if known is not None:
            session.info[NO_EDITS] = not known[1] and not pending
        else:
            session.info[NO_EDITS] = not pending and session.exec(select(UserEdit.id).limit(1)).first() is None
        try:
            post = None if known is not None and not known[0] else _stored_post(session, path)
            return _write_post(session, x, path, sha256, front_matter, counts, post)
        finally:
            session.info.pop(NO_EDITS, None)


# session.info key: (whether the post is stored, whether the KB has a user edit), set by the importer from the
# one query it makes under SQLite's write lock (writers are serial: nothing can change either before write_post).
KNOWN = "kb_post_known"


def _stored_post(session: Session, path: str) -> Post | None:
    return session.exec(select(Post).where(Post.path == path)).first()


def _write_post(
    session: Session,
    x: Extraction,
    path: str,
    sha256: str,
    front_matter: str | None,
    counts: WriteCounts,
    post: Post | None,
) -> WriteCounts:
    orphans: Orphans | None = None
    new = post is None
    if not new:
        orphans = _orphan_candidates(session, post)
        _clear_post_rows(session, post.id)
    conference = _conference(session, x)
    values = {
        "sha256": sha256,
        "title": x.title,
        "date": x.date,
        "draft": x.draft,
        "conference_id": conference.id if conference else None,
        "body": x.text,
        "problems": json.dumps([asdict(p) for p in x.problems], ensure_ascii=False),
    }
    if front_matter is not None:
        values["front_matter"] = front_matter
    if new:  # one INSERT with every field (not an INSERT, then an UPDATE once the conference is known)
        post = loaded_row(Post, path=path, **values)
        _insert_rows(session, Post, [post])
    else:
        for name, value in values.items():
            setattr(post, name, value)
        session.add(post)

    # the user's corrections of this post, on the fresh extraction (none when the KB has no edits)
    plan = corrections.Plan() if no_user_edits(session) else corrections.apply(session, post, x)
    events = _events(session, x, conference, post)
    people = PeopleResolver(session, _all_names(x))
    papers = _papers(session, x, counts, people)
    talks = _talks(session, x, post, events, plan.rows, new)
    corrections.attach(session, post, plan, talks)
    speakers = _people(session, x, post, talks, people)
    counts.people = people.created
    counts.talks = len(talks)

    _bulk(
        session,
        Reference,
        [
            {
                "post_id": post.id,
                "position": pos,
                "marker": ref.marker,
                "raw": ref.raw or "",
                "paper_id": paper.id if paper else None,
            }
            for pos, (ref, paper) in enumerate(zip(x.papers, papers, strict=False))
            if ref.origin != "link"  # reference-list and bibtex entries keep their raw string
        ],
    )
    key_to_paper = {ref.key: paper for ref, paper in zip(x.papers, papers, strict=False) if paper}
    _bulk(
        session,
        Citation,
        [
            {
                "post_id": post.id,
                "position": pos,
                "talk_id": talks[c.talk].id if c.talk is not None else None,
                "paper_id": key_to_paper[c.paper_key].id,
                "marker": c.marker,
                "context": c.context,
                "line": c.line,
            }
            for pos, c in enumerate(x.citations)
            if c.paper_key in key_to_paper
        ],
    )
    _links(session, x, post, talks, speakers, events, key_to_paper)
    if plan.corrected or not new:  # a post inserted just now has no stored record to drop
        corrections.annotate(session, post, x, talks, plan)
    if orphans is not None or people.replaced_authors:
        orphans = orphans or Orphans()
        orphans.people |= people.replaced_authors
        garbage_collect(session, orphans)
    initials.settle(session, people.groups)  # a new full name: an initial it fits may be ambiguous now
    return counts


@dataclass
class Orphans:
    """Rows that may have lost their last reference: the only ones garbage collection looks at."""

    papers: set[int] = field(default_factory=set)
    people: set[int] = field(default_factory=set)
    events: set[int] = field(default_factory=set)
    conferences: set[int] = field(default_factory=set)


def _orphan_candidates(session: Session, post: Post) -> Orphans:
    """The post's papers, people (its mentions, speakers and its papers' authors) and events: one query."""
    o = Orphans()
    talk_ids = select(Talk.id).where(Talk.post_id == post.id)
    papers = [
        select(literal("paper"), table.paper_id).where(table.post_id == post.id, table.paper_id.is_not(None))
        for table in (Reference, Citation, Link)
    ]
    paper_ids = union_all(*papers).subquery()
    parts = [
        *papers,
        select(literal("person"), Mention.person_id).where(Mention.post_id == post.id),
        select(literal("person"), TalkSpeaker.person_id).where(TalkSpeaker.talk_id.in_(talk_ids)),
        select(literal("person"), Authorship.person_id).where(
            Authorship.paper_id.in_(select(paper_ids.c[1]))  # the papers' authors
        ),
        select(literal("event"), PostEvent.event_id).where(PostEvent.post_id == post.id),
        select(literal("event"), Talk.event_id).where(Talk.post_id == post.id, Talk.event_id.is_not(None)),
    ]
    found = {"paper": o.papers, "person": o.people, "event": o.events}
    for kind, rid in session.connection().execute(union_all(*parts)):
        found[kind].add(rid)
    if post.conference_id:
        o.conferences.add(post.conference_id)
    return o


def _all_names(x: Extraction) -> list[str]:
    names = [p.name for p in x.people] + [s for t in x.talks for s in t.speakers]
    names += [name for ref in x.papers for name in _spellings(ref)]
    return names


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
    found = _attach(session, Conference, _CONFERENCE.run(session.connection(), key=key).all())
    row = found[0] if found else None
    if row is None:
        row = loaded_row(Conference, key=key, name=c.name, year=c.year)
        _insert_rows(session, Conference, [row])
    locked = edited_fields(session, "conference", [row.id]).get(row.id, set())
    _update(row, {"name": c.name, "location": c.location, "url": c.url}, locked, only_missing=True)
    return row


def _events(session: Session, x: Extraction, conference: Conference | None, post: Post) -> dict[str, Event]:
    out: dict[str, Event] = {}
    prefix = conference.key if conference else "-"
    keyed = {f"{prefix}/{normalise_title(ev.name)}": ev for ev in x.events}
    found = _attach(session, Event, _EVENTS.run(session.connection(), keys=list(keyed)).all()) if keyed else []
    existing = {e.key: e for e in found}
    fresh: list[Event] = []
    for key, ev in keyed.items():
        row = existing.get(key)
        if row is None:
            row = loaded_row(
                Event,
                key=key,
                name=ev.name,
                kind=ev.kind,
                url=ev.url,
                conference_id=conference.id if conference else None,
            )
            fresh.append(row)
        else:
            kind = ev.kind if row.kind == "other" else preferred(row.kind, ev.kind if ev.kind != "other" else None)
            _update(
                row,
                {"name": ev.name, "kind": kind, "url": ev.url},
                edited_fields(session, "event", [row.id]).get(row.id, set()),
                only_missing=True,
            )
        out[ev.name] = row
    session.flush()
    _insert_rows(session, Event, fresh)
    _bulk(
        session, PostEvent, [{"post_id": post.id, "event_id": e.id} for e in {id(e): e for e in out.values()}.values()]
    )
    return out


_CONFERENCE = Query(lambda: select(*Conference.__table__.columns).where(Conference.key == bindparam("key")))
_EVENTS = Query(lambda: select(*Event.__table__.columns).where(Event.key.in_(_in("keys"))))


def _attach(session: Session, model, rows) -> list:
    """Rows of ``model`` read at the Core level (every column) as session objects, as a query of the ORM would give
    them: the object already in the session for a row that has one, else one made as the ORM loads a row
    (:func:`kb.db.loaded_row`) and attached as loaded, so that later changes to it are UPDATEs. Costs a fraction
    of the ORM's query (its compiled-statement cache, its loading)."""
    out = []
    for row in rows:
        values = row._asdict()
        obj = session.identity_map.get(session.identity_key(model, values["id"]))
        if obj is None:
            obj = loaded_row(model, **values)
            make_transient_to_detached(obj)
            session.add(obj)
        out.append(obj)
    return out


def _paper_values(ref: ParsedReference) -> dict:
    return {
        "title": ref.title,
        "year": ref.year,
        "venue": ref.venue,
        "type": ref.type,
        "doi": ref.doi,
        "arxiv_id": ref.arxiv_id,
        "url": ref.url,
        "publisher": ref.publisher,
        "pages": ref.pages,
        "volume": ref.volume,
        "issue": ref.issue,
    }


def _papers(session: Session, x: Extraction, counts: WriteCounts, people: PeopleResolver) -> list[Paper | None]:
    resolver = PaperResolver(session, x.papers)
    locked = edited_fields(session, "paper", list(resolver.papers))
    # A paper another was merged into keeps its fields: the user chose it as the one (its blanks still fill).
    db = session.connection()
    survivors = {pid for batch in chunks(sorted(resolver.papers)) for (pid,) in _MERGED_INTO.run(db, ids=batch)}
    out: list[Paper | None] = []
    enriched: set[int] = set()
    for ref in x.papers:
        if not (ref.doi or ref.arxiv_id or ref.title or ref.ids):
            out.append(None)  # nothing to identify it by: the raw string stays in Reference
            continue
        paper = resolver.find(ref)
        values = _paper_values(ref)
        if paper is None:
            paper = resolver.create(values | {"et_al": ref.et_al})
            counts.papers += 1
        else:
            fields = locked.get(paper.id, set())
            better = paper.id not in survivors and preference_rank(ref.type) > preference_rank(paper.type)
            if ref.type != paper.type and ref.type != "misc" and (paper.type == "misc" or better):
                _update(paper, {"type": ref.type}, fields)
            if paper.id in survivors:
                _update(paper, {k: v for k, v in values.items() if getattr(paper, k) in (None, "")}, fields)
            else:
                _update(paper, {k: v for k, v in values.items() if k != "type"}, fields, only_missing=True)
            if paper.id is not None and session.is_modified(paper):
                enriched.add(paper.id)
        resolver.remember(paper, ref)
        out.append(paper)
    resolver.flush()
    out = [resolver.papers.get(p.id, p) if p is not None else None for p in out]  # session objects
    adopt_citekeys(
        session, zip(out, (ref.citekey for ref in x.papers), strict=False)
    )  # a .bib key becomes the paper's key
    authored = _authors(session, x, out, people)
    counts.enriched += len(enriched | (authored & (set(resolver.papers) - {p.id for p in resolver.new.values()})))
    return out


def _authors(session: Session, x: Extraction, papers: list[Paper | None], people: PeopleResolver) -> set[int]:
    """Give each paper this post's author list when it ranks above the one it has (:func:`author_list_rank`);
    returns the ids of the papers whose authors changed (not those only spelled anew: "Samy Bengio" for the
    same person as "S. Bengio", as when a BibTeX export of the KB comes back in)."""
    ids = [p.id for p in papers if p is not None]
    stored: dict[int, list[tuple[int, str, int]]] = defaultdict(list)
    db = session.connection()
    for batch in chunks(ids):
        for pid, pos, spelled, person_id in _AUTHOR_LISTS.run(db, ids=batch):
            stored[pid].append((pos, spelled or "", person_id))
    have = {pid: author_list_rank([sp for _, sp, _ in sorted(links)]) for pid, links in stored.items()}
    plan: dict[int, tuple[Paper, ParsedReference]] = {}
    for ref, paper in zip(x.papers, papers, strict=False):
        if paper is None or not ref.authors:
            continue
        rank = author_list_rank(_spellings(ref))
        if (paper.id in have and have[paper.id] >= rank) or (
            paper.id in plan and author_list_rank(_spellings(plan[paper.id][1])) >= rank
        ):
            continue
        plan[paper.id] = (paper, ref)
    rows = []
    for paper, ref in plan.values():
        spellings = _spellings(ref)
        rows.append((paper, [(people.get(name), name) for name in spellings]))
        paper.et_al = ref.et_al or len(ref.authors) > MAX_AUTHORS
    people.flush()
    if plan:
        for batch in chunks(plan):
            people.replaced_authors |= set(_AUTHORS_OF.run(db, ids=batch).scalars().all())
            if _core_delete(session, Authorship):
                _DELETE_AUTHORS.run(db, ids=batch)
            else:
                session.exec(delete(Authorship).where(Authorship.paper_id.in_(batch)))
    _bulk(
        session,
        Authorship,
        [
            {"paper_id": paper.id, "position": pos, "person_id": person.id, "spelling": spelling}
            for paper, persons in rows
            for pos, (person, spelling) in enumerate(persons)
        ],
    )
    return {
        paper.id
        for paper, persons in rows
        if [person.id for person, _ in persons] != [pid for _, _, pid in sorted(stored.get(paper.id, []))]
    }


_MERGED_INTO = Query(lambda: select(Merge.into_id).where(Merge.entity == "paper", Merge.into_id.in_(_in("ids"))))
_AUTHOR_LISTS = Query(  # a spelling made before 0005 (or by hand) is the person's name
    lambda: (
        select(
            Authorship.paper_id,
            Authorship.position,
            func.coalesce(Authorship.spelling, Person.name),
            Authorship.person_id,
        )
        .join(Person, Person.id == Authorship.person_id)
        .where(Authorship.paper_id.in_(_in("ids")))
    )
)
_AUTHORS_OF = Query(lambda: select(Authorship.person_id).where(Authorship.paper_id.in_(_in("ids"))))
_DELETE_AUTHORS = Query(lambda: delete(Authorship).where(Authorship.paper_id.in_(_in("ids"))))


def _core_delete(session: Session, *models) -> bool:
    """Whether a DELETE of these tables' rows may run at the Core level, as prepared SQL (:class:`kb.db.Query`):
    on SQLite, when no object of theirs is in the session. The ORM's DELETE then has nothing to synchronise,
    yet it works out that it has (evaluating the conditions, else fetching the deleted ids): ~1 ms a statement
    here. The same rows go either way."""
    if session.get_bind().dialect.name != "sqlite":
        return False
    return not any(key[0] in models for key in session.identity_map.keys()) and not any(
        isinstance(obj, models) for obj in session.new
    )


def _in(name: str):
    """An ``IN`` list bound at run time (:class:`kb.db.Query`)."""
    return bindparam(name, expanding=True)


def _spellings(ref: ParsedReference) -> list[str]:
    """The reference's author names as identity resolution looks them up (at most :data:`MAX_AUTHORS`).
    A family name of several words comes inverted ("Zhang Wq Du, J."): written out ("J. Zhang Wq Du") it
    would be read back with the family "Du", another person than the one a BibTeX export of the KB wrote."""

    def spelled(a) -> str:
        if not a.given:
            return a.family_full
        if " " in a.family_full.strip() and a.family_full.strip()[:1].isupper():
            return f"{a.family_full}, {a.given}"
        return a.full

    return [" ".join(spelled(a).split()) for a in ref.authors[:MAX_AUTHORS]]


def author_list_rank(spellings: list[str]) -> tuple:
    """Of the author lists posts give one paper, the one kept: the longer, then the one with more letters
    (``Kaiming He`` over ``K. He``), then the alphabetically last. A total order, so the paper ends with the
    same authors, spelled the same, whatever order its posts came in (issue 19)."""
    return len(spellings), sum(c.isalpha() for sp in spellings for c in sp), spellings


def _talk_key(title: str | None, speakers: list[str], pos: int, used: set[str]) -> str:
    base = normalise_title(title) if title else ("by " + person_key(" ".join(speakers)) if speakers else f"talk-{pos}")
    key, n = base[:200], 2
    while key in used:
        key, n = f"{base[:200]}#{n}", n + 1
    used.add(key)
    return key


def _talks(
    session: Session,
    x: Extraction,
    post: Post,
    events: dict[str, Event],
    reuse: dict[int, int] | None = None,
    new: bool = False,
) -> list[Talk]:
    """The post's talk rows, in order. A talk keeps its row (and id, and the user's edits) when
    :mod:`kb.corrections` found it again (``reuse``: index → id), when its key is unchanged, or, for an
    edited talk, when its title, line and position still say it is the same talk (:mod:`kb.talkmatch`)."""
    # (a post inserted just now has no talk rows yet)
    rows = [] if new else session.exec(select(Talk).where(Talk.post_id == post.id).order_by(Talk.position)).all()
    by_id = {t.id: t for t in rows}
    locked = edited_fields(session, "talk", list(by_id))
    used: set[str] = set()
    keys = [_talk_key(t.title, t.speakers, pos, used) for pos, t in enumerate(x.talks)]
    chosen: list[Talk | None] = [None] * len(keys)
    for pos, tid in (reuse or {}).items():
        if tid in by_id and by_id[tid] not in chosen:
            chosen[pos] = by_id[tid]
    by_key = {t.key: t for t in rows if t not in chosen}
    for pos, key in enumerate(keys):
        if chosen[pos] is None and by_key.get(key) is not None:
            chosen[pos] = by_key.pop(key)
    edited = [t for t in by_key.values() if t.id in locked]
    free = [pos for pos in range(len(keys)) if chosen[pos] is None]
    if edited and free:  # issue 19: "… NLP |" became "… NLP (2019) |"; the edit must follow its talk
        anchors = [{"title": t.title, "line": t.line, "position": t.position} for t in edited]
        for n, k in match(anchors, [x.talks[pos] for pos in free]).items():
            chosen[free[k]] = edited[n]
    gone = [t for t in rows if t not in chosen]
    if gone:
        stale = (
            ()
            if no_user_edits(session)
            else session.exec(
                select(UserEdit).where(UserEdit.entity == "talk", UserEdit.entity_id.in_([t.id for t in gone]))
            ).all()
        )
        for e in stale:
            talk = by_id[e.entity_id]
            e.anchor = e.anchor or json.dumps({"title": talk.title, "line": talk.line, "position": talk.position})
            e.stale, e.post_id, e.entity_id = True, post.id, -e.id  # kept, reported by kb check; never a row id
            session.add(e)
        for t in gone:
            session.delete(t)
        session.flush()
    moved = [t for pos, t in enumerate(chosen) if t is not None and t.key != keys[pos]]
    for t in moved:  # keys are unique per post: step aside before taking the new ones
        t.key = f"\x00{t.id}"
    if moved:
        session.flush()
    out: list[Talk] = []
    fresh: list[Talk] = []
    for pos, t in enumerate(x.talks):
        row = chosen[pos]
        if row is None:
            row = loaded_row(Talk, post_id=post.id, key=keys[pos])
            fresh.append(row)
        row.key = keys[pos]
        fields = locked.get(row.id, set())
        event = events.get(t.event) if t.event else None
        _update(row, {"title": t.title, "kind": t.kind, "summary": t.summary, "position": pos, "line": t.line}, fields)
        if "event_id" not in fields:
            row.event_id = event.id if event else None
        out.append(row)
    session.flush()  # the kept rows' changes (the ORM's flush, too, updates before it inserts)
    _insert_rows(session, Talk, fresh)
    return out


def _insert_rows(session: Session, model, objs: list) -> None:
    """Insert new ORM objects with one multi-row INSERT (the ORM sends SQLite one INSERT per row), then attach
    them to the session as if loaded: their ids are set and later changes to them are UPDATEs."""
    if not objs:
        return
    table = model.__table__
    columns = [c.name for c in table.columns if c.name != "id"]
    ids = insert_ids(session.connection(), table, [{c: getattr(obj, c) for c in columns} for obj in objs])
    for obj, pid in zip(objs, ids, strict=True):
        obj.id = pid
        make_transient_to_detached(obj)
        session.add(obj)


def _people(
    session: Session, x: Extraction, post: Post, talks: list[Talk], people: PeopleResolver
) -> dict[str, PersonRef]:
    out: dict[str, PersonRef] = {}
    for p in x.people:
        person = people.get(p.name, p.spelled_in_post, p.url)
        for alias in p.aliases:
            people.get(p.name, alias)
        out[p.name] = person
    speakers = [[(out.get(name) or people.get(name), name) for name in t.speakers] for t in x.talks]
    people.flush()
    mentions: dict[int, dict] = {}
    for p in x.people:
        person = out[p.name]
        row = mentions.setdefault(
            person.id,
            {
                "post_id": post.id,
                "person_id": person.id,
                "role": p.role,
                "spelled": p.spelled_in_post,
                "spelling": " ".join(p.name.split()),
            },
        )
        if p.role == "speaker":
            row["role"] = "speaker"
    _bulk(session, Mention, list(mentions.values()))
    rows = []
    for talk_row, persons in zip(talks, speakers, strict=False):
        seen: set[int] = set()
        for pos, (person, name) in enumerate(persons):
            if person.id not in seen:
                seen.add(person.id)
                spelling = " ".join(name.split())
                rows.append({"talk_id": talk_row.id, "person_id": person.id, "position": pos, "spelling": spelling})
    _bulk(session, TalkSpeaker, rows)
    return out


def _links(
    session,
    x: Extraction,
    post: Post,
    talks: list[Talk],
    people: dict[str, PersonRef],
    events: dict[str, Event],
    papers: dict[str, Paper],
) -> None:
    rows = []
    for pos, link in enumerate(x.links):
        row = {
            "post_id": post.id,
            "position": pos,
            "url": link.url,
            "label": link.label,
            "kind": link.kind,
            "line": link.line,
            "empty": link.empty,
            "malformed": link.malformed,
            "schemeless": link.schemeless,
            "talk_id": None,
            "person_id": None,
            "paper_id": None,
            "event_id": None,
        }
        owner, _, ref = link.owner.partition(":")
        if owner == "talk" and ref.isdigit() and int(ref) < len(talks):
            row["talk_id"] = talks[int(ref)].id
        elif owner == "person" and ref in people:
            row["person_id"] = people[ref].id
        elif owner == "event" and ref in events:
            row["event_id"] = events[ref].id
        elif owner == "paper" and ref in papers:
            row["paper_id"] = papers[ref].id
        rows.append(row)
    _bulk(session, Link, rows)


def garbage_collect(session: Session, only: Orphans | None = None) -> None:
    """Remove shared rows no post, edit or .bib import refers to any more.

    With ``only``, look just at those candidate rows (cheap, per post); without,
    sweep every table (``kb check --fix``, after merges).
    """
    session.flush()

    def scoped(stmt, column, ids):
        if only is None:
            return stmt
        return stmt.where(in_ids(session, column, ids)) if ids else None

    edited = select(UserEdit.entity_id).where(UserEdit.entity == "paper")
    stmt = scoped(
        delete(Paper).where(
            ~Paper.pinned,
            ~exists().where(Reference.paper_id == Paper.id),
            ~exists().where(Citation.paper_id == Paper.id),
            ~exists().where(Link.paper_id == Paper.id),
            Paper.id.not_in(edited),
        ),
        Paper.id,
        only.papers if only else None,
    )
    if stmt is not None:
        if only is not None:
            only.people |= set(
                session.exec(
                    select(Authorship.person_id).where(in_ids(session, Authorship.paper_id, only.papers))
                ).all()
            )
        _lock_candidates(session, Paper, stmt)
        session.exec(stmt)
        session.exec(
            scoped(
                delete(PaperKey).where(~exists().where(Paper.id == PaperKey.paper_id)),
                PaperKey.paper_id,
                only.papers if only else None,
            )
        )
        session.exec(
            scoped(
                delete(Authorship).where(~exists().where(Paper.id == Authorship.paper_id)),
                Authorship.paper_id,
                only.papers if only else None,
            )
        )
        _forget_candidates(session, "paper", Paper, only.papers if only else None)
    if (
        only is not None
        and len(only.people) <= IN_CHUNK
        and _core_delete(session, Person, PersonAlias, IdentityCandidate)
    ):
        gone = _collect_people(session, sorted(only.people))
    else:
        gone = _collect_people_orm(session, only, scoped)
    orphans = (
        (Event, (Talk.event_id, PostEvent.event_id), only.events if only else None),
        (Conference, (Post.conference_id, Event.conference_id), only.conferences if only else None),
    )
    for model, refs, ids in orphans:  # events no talk or post names, then conferences nothing names
        stmt = scoped(delete(model).where(*(~exists().where(ref == model.id) for ref in refs)), model.id, ids)
        if stmt is not None:
            _lock_candidates(session, model, stmt)
            session.exec(stmt)
    initials.settle(session, gone)  # a full name gone: an initial it shared may fit one person alone again
    # Edits of talks that left their post are kept, stale (kb check reports them); never a row id again.
    if no_user_edits(session):
        return
    session.exec(
        update(UserEdit)
        .where(UserEdit.entity == "talk", UserEdit.entity_id >= 0, ~exists().where(Talk.id == UserEdit.entity_id))
        .values(stale=True, entity_id=-UserEdit.id)
    )


def _collect_people_orm(session: Session, only: Orphans | None, scoped) -> set[initials.Group]:
    """Remove the people nobody refers to any more (among ``only.people``, or all), with their aliases and identity
    candidates, through the ORM; returns their initials groups."""
    person_edited = select(UserEdit.entity_id).where(UserEdit.entity == "person")
    stmt = scoped(
        delete(Person).where(
            ~exists().where(TalkSpeaker.person_id == Person.id),
            ~exists().where(Authorship.person_id == Person.id),
            ~exists().where(Mention.person_id == Person.id),
            Person.id.not_in(person_edited),
        ),
        Person.id,
        only.people if only else None,
    )
    gone: set[initials.Group] = set()
    if stmt is not None:
        _lock_candidates(session, Person, stmt)
        gone = {  # the people about to go, by initials group
            (family, given[:1])
            for family, given in session.exec(select(Person.family_key, Person.given_key).where(stmt.whereclause))
            if family and given
        }
        session.exec(stmt)
        session.exec(
            scoped(
                delete(PersonAlias).where(~exists().where(Person.id == PersonAlias.person_id)),
                PersonAlias.person_id,
                only.people if only else None,
            )
        )
        _forget_candidates(session, "person", Person, only.people if only else None)
    return gone


def _person_unused(ids):
    """The conditions of a person no talk, paper, post or user edit refers to, among ``ids``."""
    return (
        ~exists().where(TalkSpeaker.person_id == Person.id),
        ~exists().where(Authorship.person_id == Person.id),
        ~exists().where(Mention.person_id == Person.id),
        Person.id.not_in(select(UserEdit.entity_id).where(UserEdit.entity == "person")),
        Person.id.in_(ids),
    )


_PEOPLE_GONE = Query(lambda: select(Person.family_key, Person.given_key).where(*_person_unused(_in("ids"))))
_DELETE_PEOPLE = Query(lambda: delete(Person).where(*_person_unused(_in("ids"))))
_DELETE_ALIASES = Query(
    lambda: delete(PersonAlias).where(
        ~exists().where(Person.id == PersonAlias.person_id), PersonAlias.person_id.in_(_in("ids"))
    )
)
_FORGET_PEOPLE = Query(
    lambda: delete(IdentityCandidate).where(
        IdentityCandidate.entity == "person",
        or_(~exists().where(Person.id == IdentityCandidate.a_id), ~exists().where(Person.id == IdentityCandidate.b_id)),
        or_(IdentityCandidate.a_id.in_(_in("a")), IdentityCandidate.b_id.in_(_in("b"))),
    )
)


def _collect_people(session: Session, ids: list[int]) -> set[initials.Group]:
    """The people of ``ids`` (sorted, at most IN_CHUNK) nobody refers to any more, removed with their aliases and
    identity candidates: what :func:`_collect_people_orm` does, as prepared SQL (no Person, alias or candidate
    object is in the session; SQLite, no row lock to take). Returns their initials groups."""
    if not ids:
        return set()
    db = session.connection()
    gone = {(family, given[:1]) for family, given in _PEOPLE_GONE.run(db, ids=ids) if family and given}
    _DELETE_PEOPLE.run(db, ids=ids)
    _DELETE_ALIASES.run(db, ids=ids)
    _FORGET_PEOPLE.run(db, a=ids, b=ids)
    return gone


def _lock_candidates(session: Session, model, stmt) -> None:
    """Lock the rows ``stmt`` (a DELETE) is about to remove, then let it re-check them in a fresh statement.

    Under PostgreSQL's READ COMMITTED a concurrent importer may have just linked
    one of them (its foreign key holds a share lock): FOR UPDATE waits for it to
    commit, and the DELETE then sees the new reference and keeps the row instead
    of cascading it away. One that links after us waits, gets a foreign-key
    error and retries its post (kb.importer). SQLite's writers are serial already (it has no FOR UPDATE):
    there the SELECT would only evaluate the DELETE's conditions twice, so it is not run.
    """
    if session.get_bind().dialect.name == "sqlite":
        return
    session.exec(select(model.id).where(stmt.whereclause).with_for_update()).all()


def _forget_candidates(session: Session, entity: str, model, ids: set[int] | None) -> None:
    """Drop identity candidates naming a deleted row: SQLite reuses ids, so a stale pair would name a stranger."""
    gone = or_(~exists().where(model.id == IdentityCandidate.a_id), ~exists().where(model.id == IdentityCandidate.b_id))
    stmt = delete(IdentityCandidate).where(IdentityCandidate.entity == entity, gone)
    if ids is not None:
        stmt = stmt.where(
            or_(in_ids(session, IdentityCandidate.a_id, ids), in_ids(session, IdentityCandidate.b_id, ids))
        )
    session.exec(stmt)
