"""Initials between full names: where a spelling like ``K. Zhang`` belongs follows from the full names known.

A spelling with initials joins the one full name it fits when it comes (:func:`kb.identity.decide`), so
where it went depends on who was known then: ``K. Zhang`` after ``Kai Zhang`` alone joins him; after
``Kai Zhang`` and ``Kaiming Zhang`` it is a person of its own, a candidate to each. So that the same posts
give the same knowledge base whatever their order (issue 19), :func:`settle` looks again at a group (a
folded family name and a first initial) whenever a full name of it is created or renamed (by an import,
:class:`kb.identity.PeopleResolver`) or deleted (:func:`kb.store.garbage_collect`, also by ``kb check --fix``):

* a spelling with initials that a person holds through links (speakers, authors and mentions keep the
  spelling they were made from) and that no longer fits that person alone leaves it: the links so spelled
  and the alias go to a person of its own, an identity candidate to each name it fits, named and keyed by
  :func:`kb.identity.canonical_spelling` as an import would;
* a person known only by initials that now fits one person alone joins it, as it would have on arrival.

The user's work stands: spellings a hand merge brought (:mod:`kb.curation`) stay where it put them; a
person the user edited or merged others into is never joined away, nor one the user unmerged or kept
apart (:mod:`kb.merges`) joined to that other person; a name set by hand stays.
The caller owns the transaction.
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Iterable

from sqlalchemy import bindparam, delete, exists, or_, true, update
from sqlmodel import Session, select

from kb.db import Query, chunks, lock_keys
from kb.identity import (
    ALIASES_OF,
    CANDIDATE_REASON,
    PERSON_COLUMNS,
    PersonRef,
    canonical_spelling,
    decide,
    initials_only,
    person_row,
    person_values,
    preferred,
    recanonical,
)
from kb.ingest.people import match_person, person_key, split_display
from kb.models import Authorship, IdentityCandidate, Link, Mention, Merge, Person, PersonAlias, TalkSpeaker, UserEdit

Group = tuple[str, str]  # (folded family name, first letter of the folded given name)


_FAMILIES = Query(  # every person of these families, in id order
    lambda: select(*PERSON_COLUMNS).where(Person.family_key.in_(bindparam("fams", expanding=True))).order_by(Person.id)
)


def settle(session: Session, groups: Iterable[Group]) -> None:
    """Put every spelling with initials of ``groups`` where the full names known now say (module docstring)."""
    groups = sorted(set(groups))
    if not groups:
        return
    lock_keys(session, {"person:" + fam[:2] for fam, _ in groups})  # as kb.importer.identity_keys names them
    db = session.connection()
    # every person of each family: what decide() compares a spelling with (initials fit no other family)
    rows: dict[str, list[PersonRef]] = defaultdict(list)
    for batch in chunks(sorted({fam for fam, _ in groups})):
        for pid, key, name, fam, given, fkey, gkey, url in _FAMILIES.run(db, fams=batch).all():
            rows[fkey].append(PersonRef(key, name, fam, given, fkey, gkey, url, pid))
    members = {(fam, c): [p for p in rows[fam] if p.given_key[:1] == c and p.given_key] for fam, c in groups}
    aliases: dict[int, list[str]] = defaultdict(list)  # of the people of groups with two or more
    for batch in chunks(sorted({p.id for group in members.values() if len(group) > 1 for p in group})):
        for pid, alias in ALIASES_OF.run(db, ids=batch).all():
            aliases[pid].append(alias)
    for fam, c in groups:
        _Settler(session, fam, rows[fam], members[(fam, c)], aliases).run()


class _Settler:
    """One group: ``rows`` every person of the family, ``members`` those of the initial (both kept up to date)."""

    def __init__(
        self, session: Session, family: str, rows: list[PersonRef], members: list[PersonRef], aliases: dict
    ) -> None:
        self.s, self.family, self.rows, self.members, self.aliases = session, family, rows, members, aliases

    def run(self) -> None:
        if len(self.members) < 2:
            return
        for holder in list(self.members):
            if not initials_only(holder.given):
                self._split_ambiguous(holder)
        for q in list(self.members):
            if q in self.members and initials_only(q.given):
                self._join_if_unique(q)

    # ------------------------------------------------------------ a full name holding an ambiguous spelling

    def _split_ambiguous(self, holder: PersonRef) -> None:
        shorts: dict[str, list[str]] = defaultdict(list)
        for alias in self.aliases[holder.id]:
            ref = person_row(alias)
            if ref.family_key == self.family and initials_only(ref.given) and ref.key != holder.key:
                shorts[ref.key].append(alias)
        for key, spellings in sorted(shorts.items()):
            ref = person_row(min(spellings))
            match, ambiguous = decide(ref, [p for p in self.rows if p.key != key])
            if match is None and holder in ambiguous and key not in self._merged_keys(holder.id):
                self._split(holder, key, sorted(spellings), ambiguous)

    def _merged_keys(self, pid: int) -> set[str]:
        """Keys of the spellings a hand merge made one with person ``pid``: those it brought (chains too: a
        merge's record holds the aliases the merged-away person had, those of its own merges included) and,
        when ``pid`` was the initial someone was merged into, its own key then."""
        keys: set[str] = set()
        for from_key, from_name in self.s.exec(
            select(Merge.from_key, Merge.from_name).where(Merge.entity == "person", Merge.into_id == pid)
        ).all():
            keys |= {k for k in (from_key, person_key(from_name or "")) if k}
            record = self.s.exec(
                select(UserEdit.value).where(UserEdit.entity == "kb", UserEdit.field == f"merged:person:{from_key}")
            ).first()
            record = json.loads(record or "{}")
            keys |= {person_key(a) for a in record.get("aliases") or []} | {record.get("into") or ""}
        return keys

    def _split(self, holder: PersonRef, key: str, spellings: list[str], rivals: list[PersonRef]) -> None:
        def spelled(model, inside: bool = True):
            return (model.person_id == holder.id) & (
                model.spelling.in_(spellings) if inside else ~model.spelling.in_(spellings)
            )

        posts = list(self.s.exec(select(Mention.post_id).where(spelled(Mention))).all())
        if not posts and not any(
            self.s.exec(select(m.person_id).where(spelled(m))).first() for m in (TalkSpeaker, Authorship)
        ):
            return  # only an alias (a post wrote both forms of one name): no link was resolved by it
        q = next((p for p in self.rows if p.key == key), None)
        if q is None:
            q = person_row(canonical_spelling(spellings, self.family) or spellings[0])
            if q.key != key or self._taken(key, None):
                return
            q.id = (
                self.s.connection().execute(Person.__table__.insert().returning(Person.id), [person_values(q)]).scalar()
            )
            self.rows.append(q)
            self.members.append(q)
        # the text's own spellings of the mentions that leave ("Dr. K. Zhang") go with them, unless others use them
        raw = set(self.s.exec(select(Mention.spelled).where(spelled(Mention))).all())
        raw -= set(self.s.exec(select(Mention.spelled).where(spelled(Mention, inside=False))).all())
        leaving = [a for a in self.aliases[holder.id] if person_key(a) == key or (a in raw and a != holder.name)]
        move_links(self.s, holder.id, q.id, spellings)
        self.s.exec(
            update(Link).where(Link.person_id == holder.id, Link.post_id.in_(posts or [-1])).values(person_id=q.id)
        )
        self._move_aliases(holder, q, leaving)
        self._rename(holder, self.aliases[holder.id])
        self._rename(q, self.aliases[q.id])
        for rival in rivals:
            if rival is not q:
                _pair(self.s, q.id, rival.id)
            if (
                rival.given
                and rival is not holder
                and not match_person(split_display(holder.name), [split_display(rival.name)])
            ):
                _unpair(self.s, holder.id, rival.id)  # the spelling's question, not the full name's: it went with it

    # ------------------------------------------------------------ initials that fit one person alone again

    def _join_if_unique(self, q: PersonRef) -> None:
        match, _ = decide(q, [p for p in self.rows if p is not q])
        if match is None or self._users(q, match):
            return
        move_links(self.s, q.id, match.id)
        self.s.exec(update(Link).where(Link.person_id == q.id).values(person_id=match.id))
        self._move_aliases(q, match, list(self.aliases[q.id]))
        _unpair(self.s, q.id)
        self.s.exec(delete(PersonAlias).where(PersonAlias.person_id == q.id))
        self.s.exec(delete(Person).where(Person.id == q.id))
        self.rows.remove(q)
        self.members.remove(q)
        if q.url and not self._edited(match.id, "url") and preferred(match.url, q.url) != match.url:
            match.url = q.url
            self.s.exec(update(Person).where(Person.id == match.id).values(url=q.url))
        self._rename(match, self.aliases[match.id])

    def _users(self, q: PersonRef, match: PersonRef) -> bool:
        """The user has a say: ``q`` edited or merged into by hand, or kept apart from ``match``."""
        if self.s.exec(select(UserEdit.id).where(UserEdit.entity == "person", UserEdit.entity_id == q.id)).first():
            return True
        if self.s.exec(select(Merge.id).where(Merge.entity == "person", Merge.into_id == q.id)).first():
            return True
        pair = {q.key, match.key}
        for field, value in self.s.exec(
            select(UserEdit.field, UserEdit.value).where(
                UserEdit.entity == "kb",
                or_(UserEdit.field.startswith("distinct:person:"), UserEdit.field.startswith("unmerged:person:")),
            )
        ).all():
            if field.startswith("distinct:"):
                keys = set(field.split(":", 2)[2].split("|"))
            else:
                keys = {field.split(":", 2)[2], json.loads(value or "{}").get("into")}
            if keys == pair:
                return True
        return False

    # ------------------------------------------------------------ rows

    def _edited(self, pid: int, field: str) -> bool:
        return (
            self.s.exec(
                select(UserEdit.id).where(
                    UserEdit.entity == "person", UserEdit.entity_id == pid, UserEdit.field == field
                )
            ).first()
            is not None
        )

    def _taken(self, key: str, pid: int | None) -> bool:
        found = self.s.exec(select(Person.id).where(Person.key == key)).first()
        return found is not None and found != pid

    def _rename(self, p: PersonRef, spellings: list[str]) -> None:
        """Name and key ``p`` by its spellings now (a name set by hand stays)."""
        if recanonical(
            p, set(spellings), lambda key: not self._taken(key, p.id), rename=not self._edited(p.id, "name")
        ):
            values = person_values(p)
            del values["url"]
            self.s.exec(update(Person).where(Person.id == p.id).values(values))

    def _move_aliases(self, src: PersonRef, dst: PersonRef, aliases: list[str]) -> None:
        have = set(self.aliases[dst.id])
        for alias in aliases:
            cond = (PersonAlias.person_id == src.id) & (PersonAlias.alias == alias)
            if alias in have:
                self.s.exec(delete(PersonAlias).where(cond))
            else:
                self.s.exec(update(PersonAlias).where(cond).values(person_id=dst.id))
                self.aliases[dst.id].append(alias)
                have.add(alias)
            self.aliases[src.id].remove(alias)


def move_links(session: Session, src: int, dst: int, spellings: list[str] | None = None) -> None:
    """Speaker, author and mention links of person ``src`` (those spelled one of ``spellings``, or all) go to
    ``dst``; where ``dst`` is linked already (the same talk, the same post) the link is dropped, a mention
    keeping the speaker role."""

    def mine(model):
        return (model.person_id == src) & (model.spelling.in_(spellings) if spellings is not None else true())

    taken = select(TalkSpeaker.talk_id).where(TalkSpeaker.person_id == dst)
    session.exec(delete(TalkSpeaker).where(mine(TalkSpeaker), TalkSpeaker.talk_id.in_(taken)))
    session.exec(update(TalkSpeaker).where(mine(TalkSpeaker)).values(person_id=dst))
    there = select(Mention.post_id).where(Mention.person_id == dst)
    speaking = select(Mention.post_id).where(mine(Mention), Mention.role == "speaker")
    session.exec(update(Mention).where(Mention.person_id == dst, Mention.post_id.in_(speaking)).values(role="speaker"))
    session.exec(delete(Mention).where(mine(Mention), Mention.post_id.in_(there)))
    session.exec(update(Mention).where(mine(Mention)).values(person_id=dst))
    session.exec(update(Authorship).where(mine(Authorship)).values(person_id=dst))


def _pair(session: Session, a: int, b: int) -> None:
    a, b = sorted((a, b))
    known = exists().where(
        IdentityCandidate.entity == "person", IdentityCandidate.a_id == a, IdentityCandidate.b_id == b
    )
    if not session.exec(select(known)).one():
        session.add(IdentityCandidate(entity="person", a_id=a, b_id=b, score=90.0, reason=CANDIDATE_REASON))
        session.flush()


def _unpair(session: Session, a: int, b: int | None = None) -> None:
    """Drop the identity candidates between ``a`` and ``b`` (every one of ``a``'s without ``b``)."""
    either = or_(IdentityCandidate.a_id == a, IdentityCandidate.b_id == a)
    both = or_(IdentityCandidate.a_id == b, IdentityCandidate.b_id == b) if b is not None else true()
    session.exec(delete(IdentityCandidate).where(IdentityCandidate.entity == "person", either, both))
