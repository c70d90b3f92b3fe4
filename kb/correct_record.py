"""A whole corrected record applied to a post, and every corrected post exported.

``kb corrections import POST RECORD.json`` takes a record in the gold-file schema (what ``kb extract
--json`` prints, ``../shared/corpus/CONVENTIONS.md``) and makes each difference from what the KB holds
for that post as if the user had made it by hand on the review screen (:mod:`kb.corrections`):

* talks: a talk the record lacks is "not a talk", a talk only the record has is added on the line
  that holds its title (or its first speaker), a talk in both gets the record's title, speakers, kind
  and event (by name) where they differ. Talks are paired by :mod:`kb.talkmatch` (title, speakers, order);
* people: a name the KB took for a person (speaker or mentioned) in this post whose family name is
  nobody's in the record (its people, speakers or paper authors) is "not a person" (a per-KB list),
  when the record has a ``people`` list.

Not applied (kb has no per-post correction of those, ``kb corrections import --help`` says so): people
only the record names outside talks, events no talk refers to, papers, citations and links.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from sqlmodel import Session, select

from kb import corrections
from kb.corrections import NOT_PERSON, CurationError
from kb.ingest.records import TALK_KINDS
from kb.ingest.records import Talk as TalkRecord
from kb.models import Annotation, Event, Person, Post, Talk, TalkSpeaker, UserEdit
from kb.talkmatch import match

FORMAT = "kb-corrections/1"


@dataclass
class Applied:
    changed: list[str] = field(default_factory=list)  # one line per correction made
    skipped: list[str] = field(default_factory=list)  # record talks that could not be located in the post


def _current(session: Session, post_id: int) -> list[dict]:
    talks = session.exec(select(Talk).where(Talk.post_id == post_id).order_by(Talk.position)).all()
    out = []
    for t in talks:
        names = session.exec(
            select(Person.name)
            .join(TalkSpeaker, TalkSpeaker.person_id == Person.id)
            .where(TalkSpeaker.talk_id == t.id)
            .order_by(TalkSpeaker.position)
        ).all()
        event = session.get(Event, t.event_id).name if t.event_id else None
        out.append(
            {"id": t.id, "title": t.title, "speakers": list(names), "kind": t.kind, "event": event, "line": t.line}
        )
    return out


def _now(session: Session, post_id: int, talk: dict, position: int) -> int | None:
    """The id the talk ``talk`` (as :func:`_current` read it) has now, after corrections re-wrote its post."""
    rows = _current(session, post_id)
    found = match(
        [{**talk, "position": position}],
        [TalkRecord(title=h["title"], speakers=h["speakers"], line=h["line"]) for h in rows],
    )
    return rows[found[0]]["id"] if 0 in found else None


def validate(record: object, where: str) -> list[dict]:
    """The record's talks, or :class:`CurationError` naming ``where`` and what is wrong."""
    if not isinstance(record, dict) or not isinstance(record.get("talks"), list):
        raise CurationError(f'{where}: not a record (a JSON object with a "talks" list, as kb extract --json prints)')
    for n, t in enumerate(record["talks"], 1):
        ok = isinstance(t, dict) and isinstance(t.get("title") or "", str) and isinstance(t.get("speakers", []), list)
        if not ok or not all(isinstance(s, str) for s in t.get("speakers", [])):
            raise CurationError(f"{where}: talk {n} needs a string title and a list of speaker names")
    return record["talks"]


def locate(text: str, talk: dict) -> int | None:
    """1-based line of the post that holds the talk's title (else its first speaker)."""
    lines = text.split("\n")
    needles = [] if talk.get("title_inferred") else [talk.get("spelled_in_post"), talk.get("title")]
    needles += list(talk.get("speakers") or [])[:1]
    for needle in (n for n in needles if n):
        low = needle.lower()
        for k, line in enumerate(lines, 1):
            if low in line.lower():
                return k
    return None


def apply_record(session: Session, post_id: int, record: dict, where: str = "record") -> Applied:
    """Make the post's talks say what ``record`` says, each difference a correction (see module doc)."""
    wanted = validate(record, where)
    post = session.get(Post, post_id)
    if post is None:
        raise CurationError(f"no post with id {post_id}")
    done = Applied()
    have = _current(session, post_id)
    text = post.front_matter + post.body
    pairs = match(
        [
            {"title": t.get("title"), "speakers": t.get("speakers", []), "position": n, "line": locate(text, t)}
            for n, t in enumerate(wanted)
        ],
        [TalkRecord(title=h["title"], speakers=h["speakers"], line=h["line"]) for h in have],
    )
    for k, cur in enumerate(have):  # each correction re-writes the post: a talk is found again by what it was
        if k not in pairs.values() and (tid := _now(session, post_id, cur, k)) is not None:
            corrections.delete_talk(session, tid)
            done.changed.append(f"not a talk: {cur['title']!r}")
    for n, k in sorted(pairs.items()):
        want, cur = wanted[n], have[k]
        tid = _now(session, post_id, cur, k)
        if tid is None:
            done.skipped.append(f"talk {cur['title']!r}: no longer found after the other corrections")
            continue
        for name in ("title", "speakers", "kind", "event"):
            value = want.get(name) if name != "speakers" else list(want.get("speakers") or [])
            if name == "kind" and (not value or TALK_KINDS.get(cur["kind"], cur["kind"]) == value):
                continue  # kb's own "talk" is the record's "oral" (kb extract --json writes it so)
            if (value or None) != (cur[name] or None):
                row = corrections.set_talk(session, tid, name, value)
                tid = row.id if row is not None else tid
                done.changed.append(f"talk {cur['title']!r}: {name} → {value!r}")
    for n, want in enumerate(wanted):
        if n in pairs:
            continue
        line = locate(text, want)
        if line is None:
            done.skipped.append(f"talk {want.get('title')!r}: neither its title nor a speaker is in the post")
            continue
        corrections.add_talk(
            session,
            post_id,
            line,
            title=want.get("title"),
            speakers=want.get("speakers"),
            kind=want.get("kind") or "other",
            event=want.get("event"),
            line_title=bool(want.get("title")),
        )  # a talk without a title stays without one
        done.changed.append(f"added talk {want.get('title')!r} on line {line}")
    for name in not_people_in(session, post_id, record, where):
        corrections.not_person(session, name)
        done.changed.append(f"not a person: {name!r}")
    return done


def not_people_in(session: Session, post_id: int, record: dict, where: str) -> list[str]:
    """Names the KB took for people in this post that the record's ``people`` say are nobody (by family name)."""
    from kb.identity import family_key
    from kb.ingest.people import split_display
    from kb.models import Mention

    people = record.get("people")
    if people is None:
        return []
    if not isinstance(people, list) or not all(isinstance(p, dict) and isinstance(p.get("name"), str) for p in people):
        raise CurationError(f'{where}: "people" must be a list of objects with a string name')
    names = [p["name"] for p in people] + [p.get("spelled_in_post") or "" for p in people]
    names += [s for t in record["talks"] for s in t.get("speakers") or []]
    names += [
        " ".join(filter(None, (a.get("given"), a.get("family"))))
        for paper in record.get("papers") or []
        if isinstance(paper, dict)
        for a in paper.get("authors") or []
        if isinstance(a, dict)
    ]
    families = {family_key(split_display(n)) for n in names if n and n.strip()}
    found = session.exec(
        select(Person.name, Mention.spelled)
        .join(Mention, Mention.person_id == Person.id)
        .where(Mention.post_id == post_id)
        .order_by(Person.name)
    ).all()
    return [
        name for name, spelled in found if not families & {family_key(split_display(n)) for n in (name, spelled) if n}
    ]


def export(session: Session) -> dict:
    """Every corrected post's record (keyed by blob sha, as corpus/annotations) and the not-a-person list."""
    rows = session.exec(
        select(Annotation, Post.path).join(Post, Post.id == Annotation.post_id).order_by(Annotation.sha, Post.path)
    ).all()
    names = session.exec(
        select(UserEdit.value)
        .where(UserEdit.entity == "kb", UserEdit.field.startswith(NOT_PERSON))
        .order_by(UserEdit.field)
    ).all()
    return {
        "format": FORMAT,
        "not_people": list(names),
        "annotations": [{"sha": a.sha, "path": path, "record": json.loads(a.record)} for a, path in rows],
    }


def import_export(session: Session, data: dict, where: str) -> Applied:
    """Apply a :func:`export` file to this KB: records to the posts with the same blob sha, names to the list."""
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise CurationError(f"{where}: not a kb corrections export (format {FORMAT})")
    done = Applied()
    for name in data.get("not_people") or []:
        if isinstance(name, str) and name.strip():
            corrections.not_person(session, name)
            done.changed.append(f"not a person: {name!r}")
    from kb.corpus import git_blob_sha

    by_sha: dict[str, int] = {}
    for pid, front, body in session.exec(select(Post.id, Post.front_matter, Post.body)).all():
        by_sha.setdefault(git_blob_sha((front + body).encode("utf-8")), pid)
    for item in data.get("annotations") or []:
        pid = by_sha.get(item.get("sha")) if isinstance(item, dict) else None
        if pid is None:
            done.skipped.append(f"{item.get('path') if isinstance(item, dict) else item}: no post with that text here")
            continue
        sub = apply_record(session, pid, item.get("record"), f"{where}: {item.get('path')}")
        done.changed += sub.changed
        done.skipped += sub.skipped
    return done
