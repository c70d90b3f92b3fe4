"""Hand corrections: edit a field, merge two people or two papers.

Both survive re-import. An edit is stored as a :class:`UserEdit` row (which
:mod:`kb.store` never overwrites) and applied to the row. A merge writes a
:class:`Merge` row, re-points every link row from the merged row to the
survivor, moves the merged row's aliases (people) or identity keys (papers)
so the importer resolves the old name to the survivor, then deletes it.

The caller owns the transaction: ``with session_scope(engine, write=True) as s: merge_people(s, 7, 4)``.
"""

from __future__ import annotations

import re
from typing import Any

from sqlalchemy import delete, update
from sqlmodel import Session, select

from kb import identity
from kb.ingest.people import person_key, split_display
from kb.models import (
    Authorship,
    Citation,
    IdentityCandidate,
    Link,
    Mention,
    Merge,
    Paper,
    PaperFieldSource,
    PaperKey,
    Person,
    PersonAlias,
    Reference,
    Talk,
    TalkSpeaker,
    UserEdit,
)


class CurationError(ValueError):
    """An edit or merge that cannot be done (unknown field, same row twice, missing row)."""


EDITABLE: dict[str, dict[str, type]] = {
    "talk": {"title": str, "kind": str, "summary": str},
    "paper": {"title": str, "year": int, "venue": str, "type": str, "doi": str, "arxiv_id": str, "url": str},
    "person": {"name": str, "url": str},
}
"""Fields a user may set by hand, per entity, with their type."""

_MODELS = {"talk": Talk, "paper": Paper, "person": Person}


_REQUIRED = {"name", "kind", "type", "summary"}


# Control characters a hand edit never means (NUL cannot even be stored by PostgreSQL); newlines and tabs stay.
_CONTROL = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\x7f]")


def _coerce(entity: str, field: str, value: str | None) -> Any:
    """User input → column value: control characters out, whitespace collapsed, blank → None (or "" for required text)."""
    value = _CONTROL.sub("", value or "")
    text = value.strip() if field == "summary" else " ".join(value.split())
    if not text:
        return "" if field in _REQUIRED else None
    if EDITABLE[entity][field] is int:
        try:
            return int(text)
        except ValueError:
            raise CurationError(f"{field} must be a whole number, not {text!r}") from None
    return text


def edit_field(session: Session, entity: str, entity_id: int, field: str, value: str | None) -> UserEdit:
    """Set one field by hand and remember it, so re-imports keep the user's value.

    >>> edit_field(session, "talk", 3, "title", "Understanding models")  # doctest: +SKIP
    """
    if entity not in EDITABLE or field not in EDITABLE[entity]:
        raise CurationError(f"cannot edit {entity}.{field}")
    row = session.get(_MODELS[entity], entity_id)
    if row is None:
        raise CurationError(f"no {entity} with id {entity_id}")
    new = _coerce(entity, field, value)
    if field in ("name",) and not new:
        raise CurationError("a person needs a name")
    anchor = None
    if entity == "talk":  # the talk as found, before the edit: a re-import finds it again by this (kb.corrections)
        from kb.corrections import talk_anchor

        anchor = talk_anchor(session, row)
    setattr(row, field, new)
    if entity == "person" and field == "name":
        # Keep the identity key (re-imports find the person by it) and teach the new spelling as an alias.
        parsed = split_display(new)
        fam = identity.family_key(parsed)
        derived = {"family": parsed.family_full, "given": parsed.given, "family_key": fam, "family_block": fam[:2]}
        if hasattr(identity, "given_key"):
            derived["given_key"] = identity.given_key(parsed)
        for col, value in derived.items():  # the blocking columns the importer uses, whichever exist
            if hasattr(row, col):
                setattr(row, col, value)
        _add_alias(session, row.id, new)
    session.add(row)
    edit = session.exec(
        select(UserEdit).where(UserEdit.entity == entity, UserEdit.entity_id == entity_id, UserEdit.field == field)
    ).first()
    if edit is None:
        edit = UserEdit(entity=entity, entity_id=entity_id, field=field)
    edit.value = None if new is None else str(new)
    if anchor is not None:
        edit.post_id, edit.anchor, edit.stale = row.post_id, anchor, False
    session.add(edit)
    session.flush()
    return edit


def _add_alias(session: Session, person_id: int, alias: str) -> None:
    known = session.exec(
        select(PersonAlias).where(PersonAlias.person_id == person_id, PersonAlias.alias == alias)
    ).first()
    if known is None:
        session.add(PersonAlias(person_id=person_id, alias=alias, key=person_key(alias)))


def _check_pair(session: Session, model, from_id: int, into_id: int):
    if from_id == into_id:
        raise CurationError("cannot merge a row into itself")
    src, dst = session.get(model, from_id), session.get(model, into_id)
    if src is None or dst is None:
        raise CurationError(f"no {model.__name__.lower()} with id {from_id if src is None else into_id}")
    return src, dst


def _forget_candidates(session: Session, entity: str, row_id: int) -> None:
    session.exec(
        delete(IdentityCandidate).where(
            IdentityCandidate.entity == entity, (IdentityCandidate.a_id == row_id) | (IdentityCandidate.b_id == row_id)
        )
    )


def _move_edits(session: Session, entity: str, from_id: int, into_id: int) -> None:
    """The survivor keeps its own edits; the merged row's edits fill fields it never edited."""
    kept = set(session.exec(select(UserEdit.field).where(UserEdit.entity == entity, UserEdit.entity_id == into_id)))
    for edit in session.exec(select(UserEdit).where(UserEdit.entity == entity, UserEdit.entity_id == from_id)).all():
        if edit.field in kept:
            session.delete(edit)
        else:
            edit.entity_id = into_id
            session.add(edit)


def merge_people(session: Session, from_id: int, into_id: int) -> Merge:
    """Make person ``from_id`` part of ``into_id``: talks, papers, mentions, links and aliases move over."""
    src, dst = _check_pair(session, Person, from_id, into_id)
    # what the merge takes away, so that it can be undone
    from kb.merges import remember

    remember(session, "person", src, into_id)
    dst_talks = set(session.exec(select(TalkSpeaker.talk_id).where(TalkSpeaker.person_id == into_id)))
    for ts in session.exec(select(TalkSpeaker).where(TalkSpeaker.person_id == from_id)).all():
        if ts.talk_id in dst_talks:
            session.delete(ts)
        else:
            session.add(TalkSpeaker(talk_id=ts.talk_id, person_id=into_id, position=ts.position, spelling=ts.spelling))
            session.delete(ts)
    dst_papers = set(session.exec(select(Authorship.paper_id).where(Authorship.person_id == into_id)))
    for a in session.exec(select(Authorship).where(Authorship.person_id == from_id)).all():
        if a.paper_id in dst_papers:
            session.delete(a)  # both were listed on one paper: keep the survivor's position
        else:
            a.person_id = into_id
            session.add(a)
    dst_posts = {m.post_id: m for m in session.exec(select(Mention).where(Mention.person_id == into_id))}
    for m in session.exec(select(Mention).where(Mention.person_id == from_id)).all():
        if m.post_id in dst_posts:
            if m.role == "speaker":
                dst_posts[m.post_id].role = "speaker"
            session.delete(m)
        else:
            session.add(
                Mention(post_id=m.post_id, person_id=into_id, role=m.role, spelled=m.spelled, spelling=m.spelling)
            )
            session.delete(m)
    session.flush()
    session.exec(update(Link).where(Link.person_id == from_id).values(person_id=into_id))
    have = set(session.exec(select(PersonAlias.alias).where(PersonAlias.person_id == into_id)))
    for alias in session.exec(select(PersonAlias).where(PersonAlias.person_id == from_id)).all():
        if alias.alias in have:
            session.delete(alias)
        else:
            alias.person_id = into_id
            session.add(alias)
            have.add(alias.alias)
    session.flush()
    if src.name not in have:
        session.add(PersonAlias(person_id=into_id, alias=src.name, key=person_key(src.name)))
    if src.key != person_key(src.name):  # the identity key itself must keep resolving
        session.add(PersonAlias(person_id=into_id, alias=src.key, key=src.key))
    if not dst.url and src.url:
        dst.url = src.url
        session.add(dst)
    _move_edits(session, "person", from_id, into_id)
    _forget_candidates(session, "person", from_id)
    merge = Merge(entity="person", from_id=from_id, into_id=into_id, from_name=src.name)
    if hasattr(Merge, "from_key"):  # ids mean nothing in another database: kb sync replays by key
        merge.from_key = src.key
    session.add(merge)
    session.flush()
    session.delete(src)
    session.flush()
    return merge


_PAPER_FIELDS = ("title", "year", "venue", "doi", "arxiv_id", "url", "publisher", "pages", "volume", "issue")


def merge_papers(session: Session, from_id: int, into_id: int) -> Merge:
    """Make paper ``from_id`` part of ``into_id``: citations, references, links and identity keys move over."""
    src, dst = _check_pair(session, Paper, from_id, into_id)
    # what the merge takes away, so that it can be undone
    from kb.merges import remember

    remember(session, "paper", src, into_id)
    from_key = session.exec(select(PaperKey.key).where(PaperKey.paper_id == from_id).order_by(PaperKey.key)).first()
    for table in (Citation, Reference, Link):
        session.exec(update(table).where(table.paper_id == from_id).values(paper_id=into_id))
    session.exec(update(PaperKey).where(PaperKey.paper_id == from_id).values(paper_id=into_id))
    _move_provenance(session, from_id, into_id)
    has_authors = session.exec(select(Authorship).where(Authorship.paper_id == into_id)).first() is not None
    if has_authors:
        session.exec(delete(Authorship).where(Authorship.paper_id == from_id))
    else:
        session.exec(update(Authorship).where(Authorship.paper_id == from_id).values(paper_id=into_id))
        dst.et_al = src.et_al
    locked = set(session.exec(select(UserEdit.field).where(UserEdit.entity == "paper", UserEdit.entity_id == into_id)))
    citekey = src.citekey
    for field in _PAPER_FIELDS:
        if field not in locked and getattr(dst, field) in (None, "") and getattr(src, field) not in (None, ""):
            setattr(dst, field, getattr(src, field))
    if dst.type == "misc" and src.type != "misc":
        dst.type = src.type
    dst.pinned = dst.pinned or src.pinned
    _move_edits(session, "paper", from_id, into_id)
    _forget_candidates(session, "paper", from_id)
    merge = Merge(entity="paper", from_id=from_id, into_id=into_id, from_name=src.title or "")
    if hasattr(Merge, "from_key"):
        merge.from_key = from_key
    session.add(merge)
    session.flush()
    session.delete(src)
    session.flush()
    if dst.citekey is None and citekey:
        dst.citekey = citekey
    session.add(dst)
    session.flush()
    return merge


def _move_provenance(session: Session, from_id: int, into_id: int) -> None:
    """What sources said about the merged-away paper (kb enrich) goes along, unless the survivor has that
    source's word on that field already."""
    have = {
        (r.field, r.source): r
        for r in session.exec(select(PaperFieldSource).where(PaperFieldSource.paper_id == into_id)).all()
    }
    for row in session.exec(select(PaperFieldSource).where(PaperFieldSource.paper_id == from_id)).all():
        mine = have.get((row.field, row.source))
        if mine is not None and row.field == "*" and row.status == "found" and mine.status != "found":
            session.delete(mine)  # "the source knows this paper" beats "it did not know the other one"
            session.flush()
            mine = None
        if mine is not None:
            session.delete(row)
        else:
            row.paper_id = into_id
            session.add(row)
    session.flush()


def merge(session: Session, entity: str, from_id: int, into_id: int) -> Merge:
    if entity == "person":
        return merge_people(session, from_id, into_id)
    if entity == "paper":
        return merge_papers(session, from_id, into_id)
    raise CurationError(f"cannot merge {entity} rows")
