"""Reviewing a post's extraction: what the review screen shows, and each post's review state.

The corrections themselves are :mod:`kb.corrections`; this module only reads, plus one mark:
"reviewed" is a :class:`~kb.models.UserEdit` of the post (entity ``post``, field ``review``, the time as
value), so it is kept where the post's other corrections are, survives re-import and goes with ``kb sync``.

A post is ``reviewed`` once marked; ``edited`` when it holds corrections but is not marked (a correction
made after the mark removes it: :func:`unmark`); ``new`` otherwise. Posts wait for review until marked (``.bib`` files have no talks to review).
"""

from __future__ import annotations

import json
import re
from typing import Any

from sqlalchemy import delete, func, or_
from sqlmodel import Session, select

from kb.models import Post, Talk, UserEdit, utcnow

REVIEW = "review"
STATES = ("new", "edited", "reviewed")
LOW_CONFIDENCE = 0.6
_LOW = re.compile(r"^low confidence \((\d+(?:\.\d+)?)\)")


def _reviewable():
    return ~func.lower(Post.path).like("%.bib")


def mark_reviewed(session: Session, post_id: int) -> None:
    """Accept the post as reviewed (again: the time moves on)."""
    from kb.curation import CurationError

    if session.get(Post, post_id) is None:
        raise CurationError(f"no post with id {post_id}")
    unmark(session, post_id)  # a new row, after the edits it covers: kb sync replays edits in id order
    session.add(
        UserEdit(
            entity="post",
            entity_id=post_id,
            field=REVIEW,
            post_id=post_id,
            value=utcnow().isoformat(timespec="seconds"),
        )
    )
    session.flush()


def unmark(session: Session, post_id: int) -> None:
    """The post was edited after it was accepted: it is "edited" again, and waits for review."""
    session.exec(
        delete(UserEdit).where(UserEdit.entity == "post", UserEdit.entity_id == post_id, UserEdit.field == REVIEW)
    )
    session.flush()


def states(session: Session, post_ids: list[int]) -> dict[int, str]:
    """{post id: "new" | "edited" | "reviewed"} for the given posts."""
    # on first use: kb.queries (every list) imports this module
    from kb.corrections import ADD, DELETE

    ids = [i for i in post_ids if i is not None]
    out = {i: "new" for i in ids}
    if not ids:
        return out
    for pid, name in session.exec(
        select(UserEdit.entity_id, UserEdit.field).where(UserEdit.entity == "post", UserEdit.entity_id.in_(ids))
    ):
        if name == REVIEW:
            out[pid] = "reviewed"
        elif name.startswith((ADD, DELETE)) and out[pid] == "new":
            out[pid] = "edited"
    talk_posts = select(Talk.post_id).join(UserEdit, (UserEdit.entity == "talk") & (UserEdit.entity_id == Talk.id))
    edited = set(session.exec(talk_posts.where(Talk.post_id.in_(ids))).all())
    edited |= set(
        session.exec(select(UserEdit.post_id).where(UserEdit.entity == "talk", UserEdit.post_id.in_(ids))).all()
    )
    for pid in edited:
        if out.get(pid) == "new":
            out[pid] = "edited"
    return out


def waiting(session: Session) -> int:
    """How many posts wait for review (every post with talks to review that is not marked reviewed)."""
    marked = select(UserEdit.entity_id).where(UserEdit.entity == "post", UserEdit.field == REVIEW)
    return session.exec(select(func.count()).select_from(Post).where(_reviewable(), Post.id.not_in(marked))).one()


def confidences(problems: str) -> dict[int, float]:
    """{line: confidence} of the talks the extractor was unsure of (from the post's stored problems)."""
    out: dict[int, float] = {}
    try:
        items = json.loads(problems or "[]")
    except ValueError:
        return out
    for p in items if isinstance(items, list) else []:
        m = _LOW.match(str(p.get("message", ""))) if isinstance(p, dict) else None
        if m and isinstance(p.get("line"), int):
            out[p["line"]] = min(float(m.group(1)), out.get(p["line"], 1.0))
    return out


def most_unsure(session: Session) -> int | None:
    """The post to review first: not reviewed yet, most low-confidence talks, then most talks; None: no post.

    A talk's confidence is stored with its post (the extractor's "low confidence (0.32)" problem on the
    talk's line); a talk the user corrected, or deleted, no longer counts as unsure."""
    marked = set(
        session.exec(select(UserEdit.entity_id).where(UserEdit.entity == "post", UserEdit.field == REVIEW)).all()
    )
    best: tuple[int, int, int] | None = None
    best_id = None
    counts = dict(session.exec(select(Talk.post_id, func.count()).group_by(Talk.post_id)).all())
    edited = select(UserEdit.entity_id).where(UserEdit.entity == "talk")
    open_lines: dict[int, set[int]] = {}
    for pid, line in session.exec(
        select(Talk.post_id, Talk.line).where(Talk.line.is_not(None), Talk.id.not_in(edited))
    ):
        open_lines.setdefault(pid, set()).add(line)
    for pid, problems in session.exec(select(Post.id, Post.problems).where(_reviewable()).order_by(Post.id)):
        low = sum(c < LOW_CONFIDENCE and line in open_lines.get(pid, ()) for line, c in confidences(problems).items())
        key = (pid not in marked, low, counts.get(pid, 0))
        if best is None or key > best:
            best, best_id = key, pid
    return best_id


def post_for_review(session: Session, post_id: int) -> dict[str, Any] | None:
    """The post's source lines and its talks (title, speakers, kind, event, line, confidence), in order."""
    post = session.get(Post, post_id)
    if post is None:
        return None
    talks = session.exec(select(Talk).where(Talk.post_id == post_id).order_by(Talk.position)).all()
    from kb.queries import speakers_of  # kb.queries reads review states from here

    speakers = {tid: [p.name for p in people] for tid, people in speakers_of(session, [t.id for t in talks]).items()}
    from kb.models import Event

    events = {}
    ids = {t.event_id for t in talks if t.event_id}
    if ids:
        events = dict(session.exec(select(Event.id, Event.name).where(Event.id.in_(ids))).all())
    sure = confidences(post.problems)
    lines = (post.front_matter + post.body).split("\n")
    return {
        "id": post.id,
        "path": post.path,
        "title": post.title or post.path.rsplit("/", 1)[-1],
        "lines": lines,
        "state": states(session, [post.id])[post.id],
        "talks": [
            {
                "id": t.id,
                "title": t.title,
                "speakers": speakers[t.id],
                "kind": t.kind,
                "event": events.get(t.event_id),
                "line": t.line,
                "confidence": sure.get(t.line, 1.0) if t.line else 1.0,
            }
            for t in talks
        ],
        **_spans_and_identities(session, post.id, lines),
    }


def _first_line(lines: list[str], needles: list[str]) -> int | None:
    for needle in (n.lower() for n in needles if n):
        for k, line in enumerate(lines, 1):
            if needle in line.lower():
                return k
    return None


def _spans_and_identities(session: Session, post_id: int, lines: list[str]) -> dict[str, Any]:
    """The post's people and papers (with their identity candidates and undoable merges), events, cites, links."""
    from kb.merges import candidates_of, merges_into
    from kb.models import (
        Citation,
        Event,
        Link,
        Mention,
        Paper,
        Person,
        PostEvent,
        Reference,
    )

    people = session.exec(
        select(Person, Mention.role, Mention.spelled)
        .join(Mention, Mention.person_id == Person.id)
        .where(Mention.post_id == post_id)
        .order_by(Mention.role.desc(), Person.name)
    ).all()
    cites = session.exec(
        select(Citation.line, Citation.marker, Citation.paper_id)
        .where(Citation.post_id == post_id)
        .order_by(Citation.position)
    ).all()
    refs = session.exec(
        select(Reference.paper_id, Reference.raw)
        .where(Reference.post_id == post_id, Reference.paper_id.is_not(None))
        .order_by(Reference.position)
    ).all()
    paper_ids = list(dict.fromkeys([c[2] for c in cites] + [r[0] for r in refs]))
    papers = {p.id: p for p in session.exec(select(Paper).where(Paper.id.in_(paper_ids or [-1]))).all()}
    first_cite = {}
    for line, _marker, pid in cites:
        if line and pid not in first_cite:
            first_cite[pid] = line
    raw = dict(reversed(refs))
    links = session.exec(
        select(Link.line, Link.url, Link.label).where(Link.post_id == post_id).order_by(Link.position)
    ).all()
    event_names = session.exec(
        select(Event.name)
        .join(PostEvent, PostEvent.event_id == Event.id)
        .where(PostEvent.post_id == post_id)
        .order_by(Event.name)
    ).all()
    person_candidates = candidates_of(session, "person", [p.id for p, _r, _s in people])
    paper_candidates = candidates_of(session, "paper", paper_ids)
    merged = {
        "person": merges_into(session, "person", [p.id for p, _r, _s in people]),
        "paper": merges_into(session, "paper", paper_ids),
    }

    def n_candidates(found: list[dict], row_id: int) -> int:
        return sum(row_id in (c["a"], c["b"]) for c in found)

    return {
        "people": [
            {
                "id": p.id,
                "name": p.name,
                "role": role,
                "line": _first_line(lines, [spelled, p.name]),
                "candidates": n_candidates(person_candidates, p.id),
                "merged": merged["person"][p.id],
            }
            for p, role, spelled in people
        ],
        "papers": [
            {
                "id": pid,
                "title": papers[pid].title,
                "year": papers[pid].year,
                "line": first_cite.get(pid) or _first_line(lines, [(raw.get(pid) or "")[:40]]),
                "candidates": n_candidates(paper_candidates, pid),
                "merged": merged["paper"][pid],
            }
            for pid in paper_ids
            if pid in papers
        ],
        "candidates": person_candidates + paper_candidates,
        "events": list(event_names),
        "cites": [(line, marker) for line, marker, _pid in cites],
        "links": [tuple(x) for x in links],
    }


def find_post(session: Session, name: str) -> int | None:
    """A post named by its id, its stored path or the end of its path."""
    if name.isdigit() and session.get(Post, int(name)) is not None:
        return int(name)
    found = session.exec(select(Post.id).where(Post.path == name)).first()
    if found is None:
        tail = name.replace("\\", "/").rsplit("/", 1)[-1]
        hits = session.exec(select(Post.id).where(or_(Post.path == tail, Post.path.like(f"%/{tail}")))).all()
        found = hits[0] if len(hits) == 1 else None
    return found
