"""Speakers known by a surname only get the full name an enriched paper gives them (issue 15 item 4).

A speaker "Pentland" whose talk cites, or who authors, a paper a source says was written by "Alex Pentland"
becomes Alex Pentland — only when that is the one author of those papers with that family name:

* nobody is called Alex Pentland yet: the row is renamed (its old spelling stays an alias, its key too,
  so re-imports find it again);
* a row "Alex Pentland" exists (the enriched author list created it): "Pentland" is merged into it, as
  the merge dialog would (recorded, undoable);
* several full names fit ("Alex Pentland", "Sandy Pentland" on different papers): nothing is merged, an
  :class:`~kb.models.IdentityCandidate` is kept for each existing row for the user to decide.
"""

from __future__ import annotations

from collections import defaultdict

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from kb.db import chunks, session_scope
from kb.enrich.record import Author, authors_from_json
from kb.identity import family_key, given_key
from kb.ingest.people import person_key, split_display
from kb.models import (
    Authorship,
    Citation,
    IdentityCandidate,
    PaperFieldSource,
    Person,
    PersonAlias,
    TalkSpeaker,
    UserEdit,
)


def _enriched_authors(s: Session, paper_ids: list[int]) -> dict[int, list[Author]]:
    out: dict[int, list[Author]] = defaultdict(list)
    for batch in chunks(paper_ids):
        for pid, value in s.exec(
            select(PaperFieldSource.paper_id, PaperFieldSource.value).where(
                PaperFieldSource.field == "authors", PaperFieldSource.paper_id.in_(batch)
            )
        ):
            out[pid].extend(authors_from_json(value))
    return out


def _linked_people(s: Session, paper_ids: list[int]) -> dict[int, set[int]]:
    """person id → the papers they speak about (their talk cites it) or author."""
    out: dict[int, set[int]] = defaultdict(set)
    for batch in chunks(paper_ids):
        for person, paper in s.exec(
            select(TalkSpeaker.person_id, Citation.paper_id)
            .join(Citation, Citation.talk_id == TalkSpeaker.talk_id)
            .where(Citation.paper_id.in_(batch))
        ):
            out[person].add(paper)
        for person, paper in s.exec(
            select(Authorship.person_id, Authorship.paper_id).where(Authorship.paper_id.in_(batch))
        ):
            out[person].add(paper)
    return out


def _existing(s: Session, full: str) -> int | None:
    key = person_key(full)
    found = s.exec(select(Person.id).where(Person.key == key)).first()
    return found if found is not None else s.exec(select(PersonAlias.person_id).where(PersonAlias.key == key)).first()


def _rename(s: Session, person: Person, full: str) -> None:
    from kb.curation import _add_alias

    parsed = split_display(full)
    person.name, person.given, person.family = full, parsed.given, parsed.family_full
    person.family_key = family_key(parsed)
    person.family_block = person.family_key[:2]
    person.given_key = given_key(parsed)
    s.add(person)
    _add_alias(s, person.id, full)


def _candidate(s: Session, a: int, b: int, reason: str) -> None:
    a, b = sorted((a, b))
    exists = s.exec(
        select(IdentityCandidate.id).where(
            IdentityCandidate.entity == "person", IdentityCandidate.a_id == a, IdentityCandidate.b_id == b
        )
    ).first()
    if exists is None:
        s.add(IdentityCandidate(entity="person", a_id=a, b_id=b, score=80.0, reason=reason))


def speakers_from_authors(engine: Engine, paper_ids: list[int]) -> list[str]:
    """Give surname-only people linked to these papers their enriched full name; returns what was done."""
    from kb.curation import merge_people

    done: list[str] = []
    with session_scope(engine, write=True) as s:
        authors = _enriched_authors(s, paper_ids)
        if not authors:
            return done
        linked = _linked_people(s, sorted(authors))
        edited = set(s.exec(select(UserEdit.entity_id).where(UserEdit.entity == "person", UserEdit.field == "name")))
        for pid in sorted(linked):
            person = s.get(Person, pid)
            if person is None or person.given or pid in edited or len(person.name.split()) != 1:
                continue
            names = {
                person_key(a.full): a.full
                for paper in linked[pid]
                for a in authors.get(paper, [])
                if a.given and family_key(split_display(a.full)) == person.family_key
            }
            if len(names) == 1:
                full = next(iter(names.values()))
                other = _existing(s, full)
                if other is None:
                    _rename(s, person, full)
                    done.append(f"{person.family_key}: renamed {full!r} (from an enriched author list)")
                elif other != pid:
                    old = person.name
                    merge_people(s, pid, other)
                    done.append(f"{old!r} merged into {full!r} (the one author of that name on their papers)")
            elif len(names) > 1:
                for full in sorted(names.values()):
                    other = _existing(s, full)
                    if other is not None and other != pid:
                        _candidate(s, pid, other, f"surname {person.name!r} fits several enriched authors")
                done.append(f"{person.name!r}: ambiguous ({', '.join(sorted(names.values()))}); kept apart")
            s.flush()
    return done
