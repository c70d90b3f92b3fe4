"""Identity resolution against rows already in the database.

People: exact key or alias key first; then candidates blocked by the first
two letters of the folded family name (or the same given name), decided by
:func:`kb.ingest.people.resolve` with its explicit thresholds. Ambiguous
matches create a new person and an :class:`IdentityCandidate` row.

Papers: DOI / arXiv id exact; else normalised title + first-author surname
with year ±1; else normalised title alone when neither side has a year.
"""

from __future__ import annotations

from sqlmodel import Session, or_, select

from kb.ingest.people import person_key, resolve, split_display
from kb.ingest.records import Name, ParsedReference
from kb.ingest.text import ascii_fold, normalise_title
from kb.models import IdentityCandidate, Paper, PaperKey, Person, PersonAlias


def family_key(name: Name) -> str:
    return ascii_fold(name.family_full).lower().strip()


def find_person(session: Session, name: str) -> tuple[Person | None, list[Person]]:
    """(the person this display name is, or None; ambiguous candidates)."""
    key = person_key(name)
    if not key:
        return None, []
    person = session.exec(select(Person).where(Person.key == key)).first()
    if person:
        return person, []
    alias = session.exec(select(PersonAlias).where(PersonAlias.key == key)).first()
    if alias:
        return session.get(Person, alias.person_id), []
    parsed = split_display(name)
    fam = family_key(parsed)
    if len(fam) < 2:
        return None, []
    given = ascii_fold(parsed.given).lower().split()[0] if parsed.given.strip() else ""
    query = select(Person).where(
        or_(Person.family_key.startswith(fam[:2]), Person.key.startswith(given + " ") if len(given) > 1 else False)
    ).limit(500)
    candidates = list(session.exec(query))
    if not candidates:
        return None, []
    idx, ambiguous = resolve(parsed, [Name(family=c.family, given=c.given) for c in candidates])
    if idx is not None:
        return candidates[idx], []
    return None, [candidates[i] for i in ambiguous]


def get_or_create_person(session: Session, name: str, spelled: str | None = None,
                         url: str | None = None) -> tuple[Person, bool]:
    """The person row for a canonical name, creating it (and its aliases) when new."""
    person, ambiguous = find_person(session, name)
    created = False
    if person is None:
        parsed = split_display(name)
        person = Person(key=person_key(name), name=name, family=parsed.family_full, given=parsed.given,
                        family_key=family_key(parsed), url=url)
        session.add(person)
        session.flush()
        created = True
        for other in ambiguous:
            a, b = sorted((person.id, other.id))
            if not session.exec(select(IdentityCandidate).where(
                    IdentityCandidate.entity == "person", IdentityCandidate.a_id == a, IdentityCandidate.b_id == b)).first():
                session.add(IdentityCandidate(entity="person", a_id=a, b_id=b, score=90, reason="similar names"))
    elif url and not person.url:
        person.url = url
    for alias in {name, spelled} - {None, ""}:
        add_alias(session, person, alias)
    return person, created


def add_alias(session: Session, person: Person, alias: str) -> None:
    alias = " ".join(alias.split())
    exists = session.exec(select(PersonAlias).where(PersonAlias.person_id == person.id,
                                                    PersonAlias.alias == alias)).first()
    if not exists:
        session.add(PersonAlias(person_id=person.id, alias=alias, key=person_key(alias)))


def paper_keys(ref: ParsedReference) -> list[str]:
    """Identity keys of a parsed reference, strongest first."""
    keys = []
    if ref.doi:
        keys.append(f"doi:{ref.doi.lower()}")
    if ref.arxiv_id:
        keys.append(f"arxiv:{ref.arxiv_id.lower()}")
    title = normalise_title(ref.title) if ref.title else ""
    if title:
        surname = family_key(ref.authors[0]) if ref.authors else ""
        keys.append(f"title:{title}|{ref.year or ''}|{surname}")
    return keys


def _title_variants(key: str) -> list[str]:
    """``title:t|2019|he`` also matches years 2018 and 2020 (preprint vs proceedings)."""
    title, year, surname = key[len("title:"):].split("|")
    if not year:
        return [key]
    y = int(year)
    return [key] + [f"title:{title}|{v}|{surname}" for v in (y - 1, y + 1)]


def find_paper(session: Session, ref: ParsedReference) -> Paper | None:
    for key in paper_keys(ref):
        variants = _title_variants(key) if key.startswith("title:") else [key]
        row = session.exec(select(PaperKey).where(PaperKey.key.in_(variants))).first()
        if row:
            return session.get(Paper, row.paper_id)
    return None


def remember_paper_keys(session: Session, paper: Paper, ref: ParsedReference) -> None:
    for key in paper_keys(ref):
        if not session.get(PaperKey, key):
            session.add(PaperKey(key=key, paper_id=paper.id))
