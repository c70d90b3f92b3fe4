"""Undoing merges and deciding identity candidates: the other half of :mod:`kb.curation`'s merges.

A merge (:func:`kb.curation.merge`) deletes the merged-away row. So that it can be undone, every merge
first remembers what that row was: a :class:`~kb.models.UserEdit` of the knowledge base (entity ``kb``,
id 0, field ``merged:<entity>:<from key>``) holding its name (title), its other fields, and the aliases
(people) or identity keys (papers) that move to the survivor. Natural keys, never ids, so the record
means the same in any database.

:func:`unmerge` creates the row again from that record, gives it back its aliases or keys, drops the
:class:`~kb.models.Merge`, and re-writes every post that names the survivor from its stored text: the
importer then finds each name (paper) again by its own key, so talks, mentions, authorships and citations
go back to the restored row; its identity candidates (recorded with the merge) are open again, and the
pair itself is kept apart (the user has said they differ). The unmerge is kept as ``unmerged:<entity>:<from key>`` so ``kb sync`` undoes
the merge in a target that had it. :func:`keep_apart` answers an identity candidate with "not the same":
the pair is dropped and ``distinct:<entity>:<key>|<key>`` keeps it dropped in a sync target.

The caller owns the transaction.
"""

from __future__ import annotations

import json
from typing import Any

from sqlalchemy import delete, or_
from sqlmodel import Session, select

from kb.curation import CurationError
from kb.models import (
    Authorship,
    Citation,
    IdentityCandidate,
    Link,
    Mention,
    Merge,
    Paper,
    PaperKey,
    Person,
    PersonAlias,
    Post,
    Reference,
    Talk,
    TalkSpeaker,
    UserEdit,
)

MERGED, UNMERGED, DISTINCT = "merged:", "unmerged:", "distinct:"
_PAPER_COLUMNS = (
    "title",
    "year",
    "venue",
    "type",
    "doi",
    "arxiv_id",
    "url",
    "publisher",
    "pages",
    "volume",
    "issue",
    "et_al",
    "pinned",
)


def row_key(session: Session, entity: str, row_id: int) -> str | None:
    """A person's key, or a paper's smallest identity key (as :class:`~kb.models.Merge` names it)."""
    if entity == "person":
        return session.exec(select(Person.key).where(Person.id == row_id)).first()
    return session.exec(select(PaperKey.key).where(PaperKey.paper_id == row_id).order_by(PaperKey.key)).first()


def _kb_edit(session: Session, field: str) -> UserEdit | None:
    return session.exec(select(UserEdit).where(UserEdit.entity == "kb", UserEdit.field == field)).first()


def _put(session: Session, field: str, value: dict) -> None:
    edit = _kb_edit(session, field) or UserEdit(entity="kb", entity_id=0, field=field)
    edit.value = json.dumps(value, ensure_ascii=False, sort_keys=True)
    session.add(edit)


def _drop(session: Session, field: str) -> None:
    session.exec(delete(UserEdit).where(UserEdit.entity == "kb", UserEdit.field == field))


def remember(session: Session, entity: str, src: Person | Paper, into_id: int) -> None:
    """Called by :func:`kb.curation.merge_people` / ``merge_papers`` before ``src`` goes: how to undo it."""
    key = row_key(session, entity, src.id)
    if not key:
        return
    if entity == "person":
        aliases = session.exec(
            select(PersonAlias.alias).where(PersonAlias.person_id == src.id).order_by(PersonAlias.alias)
        ).all()
        value: dict[str, Any] = {"name": src.name, "url": src.url, "aliases": list(aliases)}
    else:
        keys = session.exec(select(PaperKey.key).where(PaperKey.paper_id == src.id).order_by(PaperKey.key)).all()
        value = {c: getattr(src, c) for c in _PAPER_COLUMNS} | {"keys": list(keys)}
    value["into"] = row_key(session, entity, into_id)
    value["candidates"] = _open_pairs(session, entity, src.id, into_id)
    _put(session, f"{MERGED}{entity}:{key}", value)
    _drop(session, f"{UNMERGED}{entity}:{key}")  # merged again: the earlier unmerge no longer holds
    other = value["into"] or ""
    _drop(session, f"{DISTINCT}{entity}:{'|'.join(sorted((key, other)))}")


def _open_pairs(session: Session, entity: str, row_id: int, into_id: int) -> list[list]:
    """[other row's key, score, reason] of the identity candidates naming ``row_id`` (the merge drops them)."""
    out = []
    for c in session.exec(
        select(IdentityCandidate)
        .where(
            IdentityCandidate.entity == entity, or_(IdentityCandidate.a_id == row_id, IdentityCandidate.b_id == row_id)
        )
        .order_by(IdentityCandidate.id)
    ).all():
        other = c.b_id if c.a_id == row_id else c.a_id
        key = row_key(session, entity, other) if other != into_id else None
        if key:
            out.append([key, c.score, c.reason])
    return out


def _reopen_pairs(session: Session, entity: str, row_id: int, pairs: list[list]) -> None:
    from kb.sync import _find

    for key, score, reason in pairs:
        other = _find(session, entity, [key] if entity == "paper" else key)
        if other is None or other == row_id:
            continue
        a, b = sorted((row_id, other))
        if (
            session.exec(
                select(IdentityCandidate.id).where(
                    IdentityCandidate.entity == entity, IdentityCandidate.a_id == a, IdentityCandidate.b_id == b
                )
            ).first()
            is None
        ):
            session.add(IdentityCandidate(entity=entity, a_id=a, b_id=b, score=score, reason=reason))


def merges_into(session: Session, entity: str, ids: list[int]) -> dict[int, list[dict[str, Any]]]:
    """{row id: the merges that made it (newest first) that can be undone: {key, name}} for ``ids``."""
    rows = session.exec(
        select(Merge)
        .where(Merge.entity == entity, Merge.into_id.in_(ids or [-1]), Merge.from_key.is_not(None))
        .order_by(Merge.id.desc())
    ).all()
    fields = {f"{MERGED}{entity}:{m.from_key}" for m in rows}
    undoable = set(
        session.exec(select(UserEdit.field).where(UserEdit.entity == "kb", UserEdit.field.in_(fields or {""}))).all()
    )
    out: dict[int, list[dict[str, Any]]] = {i: [] for i in ids}
    for m in rows:
        if f"{MERGED}{entity}:{m.from_key}" in undoable and m.from_key not in {x["key"] for x in out[m.into_id]}:
            out[m.into_id].append({"key": m.from_key, "name": m.from_name})
    return out


def _survivor(session: Session, entity: str, m: Merge) -> int | None:
    from kb.queries import merged_into

    model = Person if entity == "person" else Paper
    into = m.into_id if session.get(model, m.into_id) is not None else merged_into(session, entity, m.into_id)
    return into if into is not None and session.get(model, into) is not None else None


def unmerge(session: Session, entity: str, from_key: str) -> int:
    """Undo the merge of the row known as ``from_key``: it exists again with what it had. Returns its id."""
    if entity not in ("person", "paper"):
        raise CurationError(f"cannot unmerge {entity} rows")
    m = session.exec(
        select(Merge).where(Merge.entity == entity, Merge.from_key == from_key).order_by(Merge.id.desc())
    ).first()
    snap = _kb_edit(session, f"{MERGED}{entity}:{from_key}")
    if m is None or snap is None:
        raise CurationError(f"no merge of {entity} {from_key!r} to undo")
    into = _survivor(session, entity, m)
    if into is None:
        raise CurationError(f"the {entity} {m.from_name!r} was merged into is gone")
    value = json.loads(snap.value or "{}")
    restored = (
        _restore_person(session, into, from_key, value) if entity == "person" else _restore_paper(session, into, value)
    )
    session.exec(delete(Merge).where(Merge.entity == entity, Merge.from_key == from_key))
    session.delete(snap)
    _put(session, f"{UNMERGED}{entity}:{from_key}", {"name": m.from_name, "into": value.get("into")})
    session.flush()
    for post_id in posts_naming(session, entity, into):
        replay(session, post_id)
    _reopen_pairs(session, entity, restored, value.get("candidates") or [])  # its open questions, as they were
    into_key = row_key(session, entity, into)
    if into_key:  # and the user has said these two are not the same
        session.exec(
            delete(IdentityCandidate).where(
                IdentityCandidate.entity == entity,
                IdentityCandidate.a_id.in_([restored, into]),
                IdentityCandidate.b_id.in_([restored, into]),
            )
        )
        _put(
            session,
            f"{DISTINCT}{entity}:{'|'.join(sorted((from_key, into_key)))}",
            {"keys": sorted((from_key, into_key))},
        )
    session.flush()
    return restored


def _restore_person(session: Session, into: int, key: str, value: dict) -> int:
    from kb.identity import person_row

    if session.exec(select(Person.id).where(Person.key == key)).first() is not None:
        raise CurationError(f"{value.get('name')!r} is a person of its own already")
    ref = person_row(value.get("name") or key, value.get("url"))
    row = Person(
        key=key,
        name=ref.name,
        family=ref.family,
        given=ref.given,
        family_key=ref.family_key,
        family_block=ref.family_key[:2],
        given_key=ref.given_key,
        url=ref.url,
    )
    session.add(row)
    session.flush()
    from kb.ingest.people import person_key

    names = set(value.get("aliases") or []) | {value.get("name")}
    for alias in session.exec(select(PersonAlias).where(PersonAlias.person_id == into)).all():
        if alias.key == key and alias.alias == key:
            session.delete(alias)  # the merge kept the identity key resolving: it resolves to its own row again
        elif alias.alias in names or alias.key == key:
            alias.person_id = row.id
            session.add(alias)
    have = set(session.exec(select(PersonAlias.alias).where(PersonAlias.person_id == row.id)).all())
    if row.name not in have:
        session.add(PersonAlias(person_id=row.id, alias=row.name, key=person_key(row.name)))
    # Links the merge took, by the spelling they were made from: the replay below re-resolves the posts'
    # speakers and mentions, but a paper keeps the author list it has (kb.store._authors).
    from kb.initials import move_links

    session.flush()
    move_links(session, into, row.id, sorted(n for n in names if n))
    return row.id


def _restore_paper(session: Session, into: int, value: dict) -> int:
    keys = value.get("keys") or []
    if not keys:
        raise CurationError("the merged paper's identity keys were not recorded")
    row = Paper(**{c: value.get(c) for c in _PAPER_COLUMNS if value.get(c) is not None})
    session.add(row)
    session.flush()
    for pk in session.exec(select(PaperKey).where(PaperKey.paper_id == into, PaperKey.key.in_(keys or [""]))).all():
        pk.paper_id = row.id
        session.add(pk)
    return row.id


def posts_naming(session: Session, entity: str, row_id: int) -> list[int]:
    """Every post whose extraction names the person (as speaker, mention or author) or the paper."""
    if entity == "person":
        papers = select(Authorship.paper_id).where(Authorship.person_id == row_id)
        queries = [
            select(Mention.post_id).where(Mention.person_id == row_id),
            select(Talk.post_id)
            .join(TalkSpeaker, TalkSpeaker.talk_id == Talk.id)
            .where(TalkSpeaker.person_id == row_id),
            select(Reference.post_id).where(Reference.paper_id.in_(papers)),
            select(Citation.post_id).where(Citation.paper_id.in_(papers)),
        ]
    else:
        queries = [select(model.post_id).where(model.paper_id == row_id) for model in (Reference, Citation, Link)]
    return sorted({pid for q in queries for pid in session.exec(q).all()})


def replay(session: Session, post_id: int) -> None:
    """Write the post again from its stored text (a .bib file from its stored entries), as an import would."""
    from kb import corrections

    post = session.get(Post, post_id)
    if post is None:
        return
    if not post.path.lower().endswith(".bib"):
        corrections.rewrite(session, post_id)
        return
    from kb.store import write_post
    from kb.sync import _extraction

    refs = session.exec(select(Reference.raw).where(Reference.post_id == post_id).order_by(Reference.position)).all()
    write_post(session, _extraction(post, list(refs), None), post.path, post.sha256)
    session.flush()


def keep_apart(session: Session, entity: str, a_id: int, b_id: int) -> None:
    """ "Not the same": the identity candidate is answered and stays answered (also in a sync target)."""
    found = session.exec(
        select(IdentityCandidate).where(
            IdentityCandidate.entity == entity,
            or_(
                (IdentityCandidate.a_id == a_id) & (IdentityCandidate.b_id == b_id),
                (IdentityCandidate.a_id == b_id) & (IdentityCandidate.b_id == a_id),
            ),
        )
    ).all()
    if not found:
        raise CurationError("these two are not an identity candidate")
    keys = sorted(k for k in (row_key(session, entity, a_id), row_key(session, entity, b_id)) if k)
    for c in found:
        session.delete(c)
    if len(keys) == 2:
        _put(session, f"{DISTINCT}{entity}:{'|'.join(keys)}", {"keys": keys})
    session.flush()


def distinct_pairs(session: Session) -> set[tuple[str, str, str]]:
    """(entity, key, key) of every pair the user said is not the same."""
    out = set()
    for f in session.exec(select(UserEdit.field).where(UserEdit.entity == "kb", UserEdit.field.startswith(DISTINCT))):
        entity, _, keys = f[len(DISTINCT) :].partition(":")
        a, _, b = keys.partition("|")
        out.add((entity, a, b))
    return out


def candidates_of(session: Session, entity: str, ids: list[int]) -> list[dict[str, Any]]:
    """Identity candidates touching any of ``ids``: {a, b (ids), a_name, b_name, reason}, best score first."""
    if not ids:
        return []
    rows = session.exec(
        select(IdentityCandidate)
        .where(
            IdentityCandidate.entity == entity, or_(IdentityCandidate.a_id.in_(ids), IdentityCandidate.b_id.in_(ids))
        )
        .order_by(IdentityCandidate.score.desc(), IdentityCandidate.id)
    ).all()
    model, col = (Person, Person.name) if entity == "person" else (Paper, Paper.title)
    wanted = {i for c in rows for i in (c.a_id, c.b_id)}
    names = dict(session.exec(select(model.id, col).where(model.id.in_(wanted or {-1}))).all())
    return [
        {
            "entity": entity,
            "a": c.a_id,
            "b": c.b_id,
            "a_name": names.get(c.a_id) or "?",
            "b_name": names.get(c.b_id) or "?",
            "reason": c.reason,
        }
        for c in rows
        if c.a_id in names and c.b_id in names
    ]


def replay_unmerge(session: Session, field: str) -> int:
    """``kb sync``: carry an ``unmerged:`` or ``distinct:`` record over; 1 when it changed the target."""
    if _kb_edit(session, field) is not None:
        return 0
    entity, _, key = field.split(":", 1)[1].partition(":")
    if field.startswith(UNMERGED):
        if (
            _kb_edit(session, f"{MERGED}{entity}:{key}") is not None
            and session.exec(select(Merge.id).where(Merge.entity == entity, Merge.from_key == key)).first()
        ):
            unmerge(session, entity, key)
        else:
            _put(session, field, {"name": key})
        return 1
    a, _, b = key.partition("|")
    from kb.sync import _find

    ids = [_find(session, entity, [k] if entity == "paper" else k) for k in (a, b)]
    if None not in ids:
        session.exec(
            delete(IdentityCandidate).where(
                IdentityCandidate.entity == entity, IdentityCandidate.a_id.in_(ids), IdentityCandidate.b_id.in_(ids)
            )
        )
    _put(session, field, {"keys": [a, b]})
    return 1
