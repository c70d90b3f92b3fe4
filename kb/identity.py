"""Identity resolution against rows already in the database, in batches per post.

People: exact key or alias key first; then candidates blocked by the first two
letters of the folded family name (``Person.family_block``), decided by
:func:`kb.ingest.people.resolve` with its explicit thresholds. An ambiguous
name becomes a new person plus an :class:`IdentityCandidate` row per rival,
so nothing is merged on a guess.

Papers: DOI / arXiv id exact; else normalised title + first-author surname
with year ±1 (``title:…|year|surname`` keys in :class:`PaperKey`).

Each resolver loads its candidates with a handful of queries for a whole post,
then works in memory; rows it creates are visible to later lookups at once.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable

from sqlmodel import Session, select

from kb.ingest.people import person_key, resolve, split_display
from kb.ingest.records import Name, ParsedReference
from kb.ingest.text import ascii_fold, normalise_title
from kb.models import IdentityCandidate, Paper, PaperKey, Person, PersonAlias


def family_key(name: Name) -> str:
    return ascii_fold(name.family_full).lower().strip()


def new_person(name: str, url: str | None = None) -> Person:
    parsed = split_display(name)
    fam = family_key(parsed)
    return Person(key=person_key(name), name=name, family=parsed.family_full, given=parsed.given,
                  family_key=fam, family_block=fam[:2], url=url)


class PeopleResolver:
    """Find or create the Person for each display name of one post."""

    def __init__(self, session: Session, names: Iterable[str]):
        self.session = session
        names = [n for n in {" ".join(n.split()) for n in names if n and n.strip()}]
        keys = {person_key(n) for n in names} - {""}
        blocks = {family_key(split_display(n))[:2] for n in names} - {""}
        self.by_key: dict[str, Person] = {}
        self.by_block: dict[str, list[Person]] = defaultdict(list)
        self.aliases: dict[int, set[str]] = defaultdict(set)  # id(Person object) → aliases
        self._new_aliases: list[tuple[Person, str]] = []
        self._candidates: list[tuple[Person, Person]] = []
        self.created = 0
        rows: list[Person] = []
        if keys:
            rows += session.exec(select(Person).where(Person.key.in_(keys))).all()
            alias_ids = session.exec(select(PersonAlias.person_id).where(PersonAlias.key.in_(keys))).all()
            self._alias_key_to_id = dict(session.exec(select(PersonAlias.key, PersonAlias.person_id)
                                                      .where(PersonAlias.key.in_(keys))).all())
            if alias_ids:
                rows += session.exec(select(Person).where(Person.id.in_(set(alias_ids)))).all()
        else:
            self._alias_key_to_id = {}
        if blocks:
            rows += session.exec(select(Person).where(Person.family_block.in_(blocks))).all()
        for p in {id(p): p for p in rows}.values():
            self._index(p)
        self._by_id = {p.id: p for p in self.by_key.values() if p.id is not None}
        if self._by_id:
            for pid, alias in session.exec(select(PersonAlias.person_id, PersonAlias.alias)
                                           .where(PersonAlias.person_id.in_(list(self._by_id)))).all():
                self.aliases[id(self._by_id[pid])].add(alias)

    def _index(self, p: Person) -> None:
        self.by_key[p.key] = p
        self.by_block[p.family_block or p.family_key[:2]].append(p)

    def get(self, name: str, spelled: str | None = None, url: str | None = None) -> Person:
        """The person called ``name`` (created when new); ``spelled`` is kept as an alias."""
        name = " ".join(name.split())
        key = person_key(name)
        person = self.by_key.get(key)
        if person is None and key in self._alias_key_to_id:
            person = self._by_id.get(self._alias_key_to_id[key])
        ambiguous: list[Person] = []
        if person is None:
            parsed = split_display(name)
            candidates = self.by_block.get(family_key(parsed)[:2], [])
            if candidates:
                idx, rivals = resolve(parsed, [Name(family=c.family, given=c.given) for c in candidates])
                if idx is not None:
                    person = candidates[idx]
                else:
                    ambiguous = [candidates[i] for i in rivals]
        if person is None:
            person = new_person(name, url)
            self.session.add(person)
            self._index(person)
            self.created += 1
            for rival in ambiguous:
                self._candidates.append((person, rival))
        elif url and not person.url:
            person.url = url
        for alias in (name, spelled):
            if alias and alias.strip():
                alias = " ".join(alias.split())
                known = self.aliases[id(person)]
                if alias not in known:
                    known.add(alias)
                    self._new_aliases.append((person, alias))
        return person

    def flush(self) -> None:
        """Give new people their ids and write pending aliases and identity candidates."""
        self.session.flush()
        for person, alias in self._new_aliases:
            self.session.add(PersonAlias(person_id=person.id, alias=alias, key=person_key(alias)))
        self._new_aliases.clear()
        for person, rival in self._candidates:
            a, b = sorted((person.id, rival.id))
            exists = self.session.exec(select(IdentityCandidate.id).where(
                IdentityCandidate.entity == "person", IdentityCandidate.a_id == a, IdentityCandidate.b_id == b)).first()
            if not exists:
                self.session.add(IdentityCandidate(entity="person", a_id=a, b_id=b, score=90.0,
                                                   reason="similar names; not merged automatically"))
        self._candidates.clear()


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


def key_variants(key: str) -> list[str]:
    """``title:t|2019|he`` also matches years 2018 and 2020 (preprint vs proceedings)."""
    if not key.startswith("title:"):
        return [key]
    title, year, surname = key[len("title:"):].rsplit("|", 2)
    if not year:
        return [key]
    y = int(year)
    return [key] + [f"title:{title}|{v}|{surname}" for v in (y - 1, y + 1)]


class PaperResolver:
    """Find the Paper for each reference of one post (or None: the caller creates it)."""

    def __init__(self, session: Session, refs: Iterable[ParsedReference]):
        self.session = session
        wanted = {v for ref in refs for k in paper_keys(ref) for v in key_variants(k)}
        self.key_to_id: dict[str, int] = dict(
            session.exec(select(PaperKey.key, PaperKey.paper_id).where(PaperKey.key.in_(wanted))).all()) if wanted else {}
        ids = set(self.key_to_id.values())
        self.papers: dict[int, Paper] = {p.id: p for p in session.exec(select(Paper).where(Paper.id.in_(ids)))} if ids else {}
        self.new: dict[str, Paper] = {}  # key → paper created during this post
        self._pending_keys: list[tuple[Paper, str]] = []

    def find(self, ref: ParsedReference) -> Paper | None:
        for key in paper_keys(ref):
            for variant in key_variants(key):
                if variant in self.new:
                    return self.new[variant]
                pid = self.key_to_id.get(variant)
                if pid is not None and pid in self.papers:
                    return self.papers[pid]
        return None

    def remember(self, paper: Paper, ref: ParsedReference) -> None:
        for key in paper_keys(ref):
            if key not in self.key_to_id and key not in self.new:
                self.new[key] = paper
                self._pending_keys.append((paper, key))

    def flush(self) -> None:
        self.session.flush()
        for paper, key in self._pending_keys:
            self.session.add(PaperKey(key=key, paper_id=paper.id))
            self.key_to_id[key] = paper.id
            self.papers[paper.id] = paper
        self._pending_keys.clear()
