"""Corrections of a post's extraction: durable user edits that are also training examples.

A correction is a :class:`~kb.models.UserEdit` (the table re-imports already respect):

* a talk's field (``title``, ``kind``, ``summary``, ``speakers`` as a JSON list, ``event``): entity
  ``talk``, with the post and an *anchor* (the talk as the extractor last found it: title, speakers,
  line, position) so a re-import finds the talk again after small changes of its source;
* "not a talk": entity ``post``, field ``talk.delete#N``, the talk's anchor as value;
* a talk the extractor missed: entity ``post``, field ``talk.add#N``, the talk as JSON;
* "not a person": entity ``kb`` (id 0), field ``not_person:<person key>``: a per-KB list the
  importer reads, so the name is never a speaker or person again in this KB.

Every correction re-writes its post from the stored text through :func:`kb.store.write_post`, which
calls :func:`apply` on the fresh extraction: an edit and a re-import are the same code, so what the
user sees after an edit is what every later import, ``--force`` and ``kb sync`` give. An edit that
can no longer be applied is kept, ``stale``, and reported by ``kb check``. Each corrected post's
record (the gold-file schema) is stored as an :class:`~kb.models.Annotation`: a training example for
``kb train``. The caller owns the transaction.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field

from sqlalchemy import delete
from sqlmodel import Session, select

from kb.corpus import git_blob_sha
from kb.curation import _CONTROL, CurationError
from kb.ingest.people import person_key
from kb.ingest.records import Event as EventRecord
from kb.ingest.records import Extraction
from kb.ingest.records import Person as PersonRecord
from kb.ingest.records import Talk as TalkRecord
from kb.models import (
    Annotation,
    Person,
    Post,
    Talk,
    TalkSpeaker,
    UserEdit,
    utcnow,
)
from kb.talkmatch import anchor_of, match

TALK_FIELDS = ("title", "kind", "summary", "speakers", "event")
_ROW_FIELDS = ("title", "kind", "summary")  # set on the row; speakers and event on the extraction
DELETE, ADD, NOT_PERSON = "talk.delete#", "talk.add#", "not_person:"


# ---------------------------------------------------------------- applied on every write of a post


@dataclass
class Plan:
    """What :func:`apply` decided for one post: extraction talk index → its edits and the row to keep."""

    edits: dict[int, list[UserEdit]] = field(default_factory=dict)
    rows: dict[int, int] = field(default_factory=dict)  # index → existing talk id to reuse
    anchors: dict[int, dict] = field(default_factory=dict)  # index → the talk as extracted (before edits)
    corrected: bool = False


def not_people(session: Session) -> set[str]:
    """Person keys the user said are not people, in this KB."""
    return {
        f[len(NOT_PERSON) :]
        for f in session.exec(select(UserEdit.field).where(UserEdit.entity == "kb"))
        if f.startswith(NOT_PERSON)
    }


def drop_people(x: Extraction, keys: set[str]) -> None:
    def bad(name: str | None) -> bool:
        return bool(name) and person_key(name) in keys

    gone = {p.name for p in x.people if bad(p.name) or bad(p.spelled_in_post)}
    x.people = [p for p in x.people if p.name not in gone]
    for t in x.talks:
        t.speakers = [s for s in t.speakers if s not in gone and not bad(s)]
    for link in x.links:
        if link.owner.startswith("person:") and link.owner[7:] in gone:
            link.owner = "post"


def _shift(x: Extraction, at: int, by: int) -> None:
    """Talk indices ≥ ``at`` move by ``by`` in citations and link owners (a talk left or came in)."""
    for c in x.citations:
        if c.talk is not None and c.talk >= at:
            c.talk = c.talk + by if by > 0 or c.talk > at else None
    for link in x.links:
        if link.owner.startswith("talk:"):
            k = int(link.owner[5:])
            if k >= at:
                link.owner = f"talk:{k + by}" if by > 0 or k > at else "post"


def remove_talk(x: Extraction, i: int) -> None:
    _shift(x, i, -1)
    del x.talks[i]


def insert_talk(x: Extraction, talk: TalkRecord) -> int:
    i = next((k for k, t in enumerate(x.talks) if (t.line or 0) > (talk.line or 0)), len(x.talks))
    _shift(x, i, 1)
    x.talks.insert(i, talk)
    return i


def _stale(edit: UserEdit, post_id: int) -> None:
    edit.stale = True
    edit.post_id = post_id
    if edit.entity == "talk" and edit.id is not None:
        edit.entity_id = -edit.id  # never a row: SQLite reuses ids


def _spelled(x: Extraction, name: str, names: list[str]) -> PersonRecord | None:
    """The person the post names as the user's ``name`` spelled otherwise ("Emma Stubell" for "Emma
    Strubell"), when ``name`` itself is not in the post: a similar name among the extracted people."""
    if name.lower() in x.text.lower():
        return None
    from rapidfuzz import fuzz

    key = person_key(name)
    best, score = None, 84.0
    for p in x.people:
        if p.name in names or not any(f and f.lower() in x.text.lower() for f in (p.spelled_in_post, p.name)):
            continue
        s = fuzz.ratio(key, person_key(p.spelled_in_post or p.name))
        if s > score:
            best, score = p, s
    return best


def _set_speakers(x: Extraction, talk: TalkRecord, names: list[str]) -> None:
    """The talk's speakers are ``names``; a name the post spells otherwise keeps that spelling (the training
    example then labels the words the post has) and replaces the misspelled person."""
    talk.speakers = list(names)
    known = {p.name for p in x.people}
    for name in names:
        if name not in known:
            old = _spelled(x, name, names)
            x.people.append(
                PersonRecord(
                    name=name, role="speaker", spelled_in_post=(old.spelled_in_post or old.name) if old else None
                )
            )
            known.add(name)
            if old is not None and not any(old.name in t.speakers for t in x.talks):
                x.people.remove(old)
                for link in x.links:
                    if link.owner == f"person:{old.name}":
                        link.owner = f"person:{name}"
    for p in x.people:
        if p.name in names:
            p.role = "speaker"


def _set_event(x: Extraction, talk: TalkRecord, name: str | None) -> None:
    talk.event = name or None
    if name and name not in {e.name for e in x.events}:
        x.events.append(EventRecord(name=name, kind=talk.kind if talk.kind in ("workshop", "tutorial") else "other"))


def apply(session: Session, post: Post, x: Extraction) -> Plan:
    """Make the fresh extraction ``x`` of ``post`` say what the user corrected (called by write_post)."""
    plan = Plan()
    keys = not_people(session)
    if keys:
        drop_people(x, keys)
    if post.id is None:
        return plan
    post_edits = session.exec(
        select(UserEdit).where(UserEdit.entity == "post", UserEdit.entity_id == post.id).order_by(UserEdit.id)
    ).all()
    for e in post_edits:
        if e.field.startswith(DELETE):
            plan.corrected = True
            found = match([json.loads(e.value or "{}")], x.talks)
            if 0 in found:
                remove_talk(x, found[0])
                e.stale = False
            else:
                _stale(e, post.id)
            session.add(e)
    for e in post_edits:
        if e.field.startswith(ADD):
            plan.corrected = True
            t = json.loads(e.value or "{}")
            added = TalkRecord(
                title=t.get("title"),
                speakers=[],
                kind=t.get("kind") or "other",
                line=t.get("line"),
                spelled_in_post=t.get("title"),
            )
            same = [k for k in match([t], x.talks).values() if x.talks[k].line == added.line]
            for k in same:
                remove_talk(x, k)
            k = insert_talk(x, added)
            _set_speakers(x, added, t.get("speakers") or [])
            _set_event(x, added, t.get("event"))
    _apply_talk_edits(session, post, x, plan)
    if keys:  # "not a person" wins over a speaker list edited earlier
        drop_people(x, keys)
    return plan


def _talk_edits(session: Session, post: Post) -> dict[int | str, list[UserEdit]]:
    """This post's talk edits, grouped by talk (its id; a stale group by its anchor)."""
    ids = set(session.exec(select(Talk.id).where(Talk.post_id == post.id)).all())
    rows = session.exec(
        select(UserEdit)
        .where(UserEdit.entity == "talk", (UserEdit.post_id == post.id) | UserEdit.entity_id.in_(ids or {-1}))
        .order_by(UserEdit.id)
    ).all()
    groups: dict[int | str, list[UserEdit]] = {}
    for e in rows:
        key = e.entity_id if e.entity_id in ids else (e.anchor or f"stale-{e.id}")
        groups.setdefault(key, []).append(e)
    return groups


def _apply_talk_edits(session: Session, post: Post, x: Extraction, plan: Plan) -> None:
    groups = [g for g in _talk_edits(session, post).values() if any(e.anchor for e in g)]
    anchors = [json.loads(next(e.anchor for e in g if e.anchor)) for g in groups]
    found = match(anchors, x.talks)
    taken: set[int] = set()
    for n, g in enumerate(groups):
        plan.corrected = True
        k = found.get(n)
        if k is None or k in taken:
            for e in g:
                _stale(e, post.id)
                session.add(e)
            continue
        taken.add(k)
        plan.anchors[k] = anchor_of(x.talks[k], k)
        plan.edits[k] = g
        if g[0].entity_id >= 0:
            plan.rows[k] = g[0].entity_id
        for e in g:
            if e.field == "speakers":
                _set_speakers(x, x.talks[k], json.loads(e.value or "[]"))
            elif e.field == "event":
                _set_event(x, x.talks[k], e.value)


def attach(session: Session, post: Post, plan: Plan, talks: list[Talk]) -> None:
    """After the talk rows are written: edits point at their rows again, with fresh anchors; row fields set."""
    for k, group in plan.edits.items():
        row = talks[k]
        for e in group:
            e.entity_id, e.post_id, e.stale = row.id, post.id, False
            e.anchor = json.dumps(plan.anchors[k], ensure_ascii=False)
            if e.field in _ROW_FIELDS:
                setattr(row, e.field, e.value if e.value is not None else ("" if e.field != "title" else None))
            session.add(e)
        session.add(row)


# ---------------------------------------------------------------- the user's corrections


def rewrite(session: Session, post_id: int) -> Post:
    """Extract the post again from its stored text and write it: every correction applies (see module doc)."""
    from kb.ingest.pipeline import extract
    from kb.store import write_post
    from kb.teach import activate_in

    post = session.get(Post, post_id)
    if post is None:
        raise CurationError(f"no post with id {post_id}")
    if post.path.lower().endswith(".bib"):
        raise CurationError(f"{post.path} is a .bib file: it has no talks to correct")
    text = post.front_matter + post.body
    activate_in(session)  # the KB's own talk model, when it has one
    x = extract(text, source=post.path)
    front = post.front_matter
    write_post(session, x, post.path, post.sha256)
    post.front_matter = front
    session.add(post)
    session.flush()
    return post


def _talk(session: Session, talk_id: int) -> Talk:
    talk = session.get(Talk, talk_id)
    if talk is None:
        raise CurationError(f"no talk with id {talk_id}")
    return talk


def row_anchor(session: Session, talk: Talk) -> dict:
    """The talk as it stands (speakers by position): the anchor of a first edit."""
    names = session.exec(
        select(Person.name)
        .join(TalkSpeaker, TalkSpeaker.person_id == Person.id)
        .where(TalkSpeaker.talk_id == talk.id)
        .order_by(TalkSpeaker.position)
    ).all()
    return {"title": talk.title, "speakers": list(names), "line": talk.line, "position": talk.position}


def talk_anchor(session: Session, talk: Talk) -> str:
    """The anchor a new edit of ``talk`` gets: its other edits' (the talk as extracted), else the row as it is."""
    known = session.exec(
        select(UserEdit.anchor).where(
            UserEdit.entity == "talk", UserEdit.entity_id == talk.id, UserEdit.anchor.is_not(None)
        )
    ).first()
    return known or json.dumps(row_anchor(session, talk), ensure_ascii=False)


def _next(session: Session, post_id: int, prefix: str) -> str:
    used = session.exec(
        select(UserEdit.field).where(
            UserEdit.entity == "post", UserEdit.entity_id == post_id, UserEdit.field.startswith(prefix)
        )
    ).all()
    return f"{prefix}{max((int(f[len(prefix) :]) for f in used), default=0) + 1}"


def _clean(text: object) -> str:
    """User input: control characters out (NUL cannot even be stored by PostgreSQL), whitespace collapsed."""
    return " ".join(_CONTROL.sub("", str(text)).split())


def set_talk(session: Session, talk_id: int, field_name: str, value: str | list[str] | None) -> Talk:
    """Set a talk's title, kind, summary, speakers (a list of names) or event (a name; None = no event)."""
    if field_name not in TALK_FIELDS:
        raise CurationError(f"cannot correct talk.{field_name} (one of {', '.join(TALK_FIELDS)})")
    talk = _talk(session, talk_id)
    if field_name == "speakers":
        names = [_clean(n) for n in (value if isinstance(value, list) else [value] if value else [])]
        stored = json.dumps([n for n in names if n], ensure_ascii=False)
    else:
        stored = _clean(value) or None if value is not None else None
        if field_name == "summary" and value is not None:  # a summary keeps its lines
            stored = _CONTROL.sub("", str(value)).strip() or None
        if field_name == "kind" and not stored:
            raise CurationError("a talk needs a kind")
    anchor = talk_anchor(session, talk)
    edit = session.exec(
        select(UserEdit).where(UserEdit.entity == "talk", UserEdit.entity_id == talk_id, UserEdit.field == field_name)
    ).first()
    edit = edit or UserEdit(entity="talk", entity_id=talk_id, field=field_name)
    edit.value, edit.post_id, edit.anchor, edit.stale = stored, talk.post_id, anchor, False
    session.add(edit)
    session.flush()
    rewrite(session, talk.post_id)
    _edited(session, talk.post_id)
    return session.get(Talk, talk_id)


def delete_talk(session: Session, talk_id: int) -> None:
    """ "Not a talk": the talk goes, and stays gone on every re-import."""
    talk = _talk(session, talk_id)
    post_id = talk.post_id
    anchor = talk_anchor(session, talk)
    session.exec(delete(UserEdit).where(UserEdit.entity == "talk", UserEdit.entity_id == talk_id))
    session.add(
        UserEdit(
            entity="post",
            entity_id=post_id,
            field=_next(session, post_id, DELETE),
            value=anchor,
            post_id=post_id,
            anchor=anchor,
        )
    )
    session.flush()
    rewrite(session, post_id)
    _edited(session, post_id)


def add_talk(
    session: Session,
    post_id: int,
    line: int,
    title: str | None = None,
    speakers: list[str] | None = None,
    kind: str = "other",
    event: str | None = None,
    line_title: bool = True,
) -> Talk:
    """A talk the extractor missed, on ``line`` of the post (its text is the title when none is given,
    unless ``line_title`` is False: a talk the post gives no title)."""
    post = session.get(Post, post_id)
    if post is None:
        raise CurationError(f"no post with id {post_id}")
    lines = (post.front_matter + post.body).split("\n")
    if not 1 <= line <= len(lines):
        raise CurationError(f"{post.path} has no line {line} (1–{len(lines)})")
    title = _clean(title or (_line_title(lines[line - 1]) if line_title else "")) or None
    talk = {
        "title": title,
        "speakers": [_clean(s) for s in speakers or [] if _clean(s)],
        "kind": _clean(kind) or "other",
        "event": _clean(event) or None if event else None,
        "line": line,
    }
    value = json.dumps(talk, ensure_ascii=False)
    session.add(
        UserEdit(
            entity="post",
            entity_id=post_id,
            field=_next(session, post_id, ADD),
            value=value,
            post_id=post_id,
            anchor=value,
        )
    )
    session.flush()
    rewrite(session, post_id)
    _edited(session, post_id)
    found = session.exec(select(Talk).where(Talk.post_id == post_id, Talk.line == line, Talk.title == title)).first()
    if found is None:
        raise CurationError(f"the talk on line {line} could not be added")
    return found


def _edited(session: Session, post_id: int) -> None:
    """A post edited after it was accepted waits for review again."""
    from kb.review import unmark

    unmark(session, post_id)


def _line_title(line: str) -> str:
    """A talk title from a line of Markdown: a table row's first cell, else the line without list/heading marks."""
    text = line.strip()
    if text.startswith("|"):
        text = next((c.strip() for c in text.strip("|").split("|") if c.strip()), "")
    text = re.sub(r"^(#{1,6}\s+|[-*+]\s+|\d+[.)]\s+)", "", text)
    return text.strip("*_ ")


def not_person(session: Session, name: str) -> int:
    """Never take ``name`` for a person again in this KB; re-writes the posts that named it. Returns how many."""
    key = person_key(name)
    if not key:
        raise CurationError("a name is needed")
    field_name = NOT_PERSON + key
    if session.exec(select(UserEdit).where(UserEdit.entity == "kb", UserEdit.field == field_name)).first() is None:
        session.add(UserEdit(entity="kb", entity_id=0, field=field_name, value=_clean(name)))
        session.flush()
    from kb.models import Mention, PersonAlias

    ids = set(session.exec(select(PersonAlias.person_id).where(PersonAlias.key == key)).all())
    ids |= set(session.exec(select(Person.id).where(Person.key == key)).all())
    posts = set(session.exec(select(Mention.post_id).where(Mention.person_id.in_(ids or {-1}))).all())
    posts |= set(
        session.exec(
            select(Talk.post_id)
            .join(TalkSpeaker, TalkSpeaker.talk_id == Talk.id)
            .where(TalkSpeaker.person_id.in_(ids or {-1}))
        ).all()
    )
    for pid in sorted(posts):
        rewrite(session, pid)
    return len(posts)


# ---------------------------------------------------------------- the training example


def annotate(session: Session, post: Post, x: Extraction, talks: list[Talk], plan: Plan) -> None:
    """Store the corrected post's record (gold-file schema, keyed by blob sha), or drop it when uncorrected."""
    row = session.get(Annotation, post.id)
    if not plan.corrected:
        if row is not None:
            session.delete(row)
        return
    record = x.to_json()
    for t, talk in zip(record["talks"], talks, strict=False):
        t["title"], t["kind"] = talk.title, talk.kind
        if talk.title and talk.title not in (post.front_matter + post.body):
            t["title_inferred"] = True
    sha = git_blob_sha((post.front_matter + post.body).encode("utf-8"))
    row = row or Annotation(post_id=post.id, sha=sha, record="{}")
    row.sha, row.record, row.updated_at = sha, json.dumps(record, ensure_ascii=False, sort_keys=True), utcnow()
    session.add(row)


def stale_edits(session: Session) -> list[tuple[str, str, str]]:
    """(post path, field, what the edit said) for every edit that no longer applies."""
    rows = session.exec(
        select(UserEdit, Post.path)
        .join(Post, Post.id == UserEdit.post_id, isouter=True)
        .where(UserEdit.stale)
        .order_by(UserEdit.id)
    ).all()
    out = []
    for e, path in rows:
        what = json.loads(e.anchor).get("title") if e.anchor else None
        out.append((path or "?", e.field, f"{e.value!r} on talk {what!r}" if e.entity == "talk" else (what or "")))
    return out
