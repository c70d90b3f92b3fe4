"""Identity resolution against rows already in the database, in batches per post.

People: exact key or alias key first; then candidates blocked by folded family
name, or by first given name plus the family name's first two letters, decided by
:func:`kb.ingest.people.resolve` with its explicit thresholds. An ambiguous
name becomes a new person plus an :class:`IdentityCandidate` row per rival,
so nothing is merged on a guess. Where an initial went depends on the full names known when it came;
:mod:`kb.initials` puts it where the full names known now say (``K. Zhang`` between Kai and Kaiming).

Papers: identifiers exact (DOI, arXiv, ACL Anthology, OpenReview, PMLR … from links); else normalised title + first-author surname
with year ±1 (``title:…|year|surname`` keys in :class:`PaperKey`).

Each resolver loads its candidates with a handful of queries for a whole post,
then works in memory; rows it creates are visible to later lookups at once.
"""

from __future__ import annotations

import itertools
import re
from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass
from functools import lru_cache
from types import SimpleNamespace

from sqlalchemy import and_, bindparam, or_, update
from sqlalchemy.orm import make_transient_to_detached
from sqlmodel import Session, select

from kb.db import IN_CHUNK, Query, chunks, insert_ids, insert_rows, loaded_row
from kb.ingest.paper_meta import id_keys
from kb.ingest.people import person_key, resolve, split_display
from kb.ingest.records import Name, ParsedReference
from kb.ingest.text import ascii_fold, normalise_title
from kb.models import IdentityCandidate, Paper, PaperKey, Person, PersonAlias, UserEdit


def family_key(name: Name) -> str:
    return ascii_fold(name.family_full).lower().strip()


@dataclass(eq=False, slots=True)  # (hundreds are made a post: slots make them cheaper)
class PersonRef:
    """A person as the resolver knows it; ``id`` is set once the row exists."""

    key: str
    name: str
    family: str
    given: str
    family_key: str
    given_key: str
    url: str | None = None
    id: int | None = None


def given_key(name: Name) -> str:
    first = ascii_fold(name.given).lower().replace(".", " ").split()
    return first[0] if first else ""


def person_row(name: str, url: str | None = None) -> PersonRef:
    key, family, given, fkey, gkey = _person_fields(name)
    return PersonRef(key=key, name=name, family=family, given=given, family_key=fkey, given_key=gkey, url=url)


@lru_cache(maxsize=65536)
def _person_fields(name: str) -> tuple[str, str, str, str, str]:
    """What :func:`person_row` makes of a name: a pure function of it, asked again and again (an author of
    many posts; a name looked at by the importer, the resolver and kb.initials)."""
    parsed = split_display(name)
    return person_key(name), parsed.family_full, parsed.given, family_key(parsed), given_key(parsed)


_NAME_JUNK = re.compile(r"[\d@#<>\[\]{}()|/\\_*]")
_HONORIFIC = re.compile(r"(?i)(?:prof|professor|dr|mr|mrs|ms|sir)\b\.?\s")


def fullest_name(names: Iterable[str], family: str) -> str | None:
    """The fullest well-formed spelling among ``names`` whose family name folds to ``family``.

    A written-out given name beats initials (``Abdelrahman Mohamed`` over ``A. Mohamed``), more given
    letters beat fewer, accents beat their absence (``Schölkopf``), capitals beat lower case (``III``);
    ties go to the alphabetically first, so the choice does not depend on the order posts came in.
    """

    def score(name: str) -> tuple:
        given = split_display(name).given
        written = sum(1 for w in given.replace(".", ". ").split() if not w.endswith(".") and len(w) > 1)
        return (
            -written,
            -sum(c.isalpha() for c in given),
            -sum(ord(c) > 127 for c in name),
            -sum(c.isupper() for c in name),
            name,
        )

    good = [
        n
        for n in names
        if n and not _NAME_JUNK.search(n) and not _HONORIFIC.match(n) and family_key(split_display(n)) == family
    ]
    return min(good, key=score) if good else None


def canonical_spelling(names: Iterable[str], family: str) -> str | None:
    """The spelling a person is named and keyed by: the fullest (:func:`fullest_name`), else the first of
    the others in a fixed order. A function of the set of spellings alone, never of the order they came in."""
    names = {n for n in names if n and person_key(n)}
    return fullest_name(names, family) or min(names, key=lambda n: (person_key(n), n), default=None)


def preference_rank(value) -> tuple:
    text = str(value)
    return len(text), sum(c.isupper() for c in text), text


def preferred(current, value):
    """Of two values posts give one shared field, the one kept: the longer (more said), then the one with more
    capitals (``Deep Residual Learning`` over ``Deep residual learning``), then the larger. A total order, so
    the field ends as the best value any post gave, in whatever order they were imported."""
    if current in (None, ""):
        return value
    if value in (None, ""):
        return current
    return max(current, value, key=preference_rank)


PERSON_COLUMNS = (
    Person.id,
    Person.key,
    Person.name,
    Person.family,
    Person.given,
    Person.family_key,
    Person.given_key,
    Person.url,
)


def decide(ref: PersonRef, candidates: list[PersonRef]) -> tuple[PersonRef | None, list[PersonRef]]:
    """(the one of ``candidates`` the name ``ref`` is, or None; those it is kept apart from, as candidates).

    A bare family name ("Liu", "Song") is never merged with a named person, nor they with it: which one it
    would join depends on the people known so far, hence on the order posts came in. It is a person of its
    own, a candidate to each of them, whichever of the two came first (issue 19)."""
    bare = [c for c in candidates if not c.given and c.family_key == ref.family_key]
    if not ref.given:
        bare, candidates = [c for c in candidates if c.given and c.family_key == ref.family_key], []
    else:
        candidates = [c for c in candidates if c.given]
    if candidates:
        idx, rivals = resolve(split_display(ref.name), [Name(family=c.family, given=c.given) for c in candidates])
        if idx is not None:
            return candidates[idx], bare
        bare += [candidates[i] for i in rivals]
    return None, bare


def initials_only(given: str) -> bool:
    """``K.``, ``K. M.``, ``K.-M.`` (no written-out given name): a spelling more than one full name may own."""
    words = given.replace(".", " ").replace("-", " ").split()
    return bool(words) and all(len(w) == 1 for w in words)


def recanonical(person: PersonRef, spellings: Iterable[str], free: Callable[[str], bool], rename: bool = True) -> bool:
    """Name ``person`` after its fullest spelling and key it by that spelling (:func:`canonical_spelling`):
    both follow from the set of spellings, not from the one seen first, so the same posts give the same
    person whatever their order (issue 19). ``rename``: False when the user set the name by hand (it
    stays; the key still follows). ``free(key)``: no other person holds ``key``. True when something changed."""
    best = canonical_spelling(spellings or {person.name}, person.family_key)
    if best is None:
        return False
    changed = False
    if rename and best != person.name:
        parsed = split_display(best)
        person.name, person.family, person.given = best, parsed.family_full, parsed.given
        person.family_key, person.given_key = family_key(parsed), given_key(parsed)
        changed = True
    key = person_key(best)
    if key and key != person.key and free(key):
        person.key = key
        changed = True
    return changed


def person_values(p: PersonRef) -> dict:
    """The Person columns of ``p`` (its id aside)."""
    return {
        "key": p.key,
        "name": p.name,
        "family": p.family,
        "given": p.given,
        "family_key": p.family_key,
        "family_block": p.family_key[:2],
        "given_key": p.given_key,
        "url": p.url,
    }


CANDIDATE_REASON = "similar names; not merged automatically"

# session.info key: set by kb.store.write_post when the KB holds no user edit at all (the common case of an
# import), so the per-entity "fields edited by hand" queries, which could only come back empty, are skipped.
NO_EDITS = "kb_no_user_edits"


def no_user_edits(session: Session) -> bool:
    """True while :func:`kb.store.write_post` knows the KB has no :class:`UserEdit` row (nor a pending one)."""
    return session.info.get(NO_EDITS, False)


def _stored_first(p: PersonRef) -> tuple[bool, int]:
    return p.id is None, p.id or 0


def _or_batches(conds: list[tuple], budget: int = IN_CHUNK) -> Iterator:
    """``(condition, bound values)`` pairs OR-ed together, at most ``budget`` values per statement."""
    batch: list = []
    size = 0
    for cond, n in conds:
        if batch and size + n > budget:
            yield or_(*batch)
            batch, size = [], 0
        batch.append(cond)
        size += n
    if batch:
        yield or_(*batch)


# A person condition: (kind, list of values for each IN of it); see _person_cond.
_PERSON_KINDS = {
    "key": (Person.key,),
    "id": (Person.id,),
    "family": (Person.family_key,),
    "given_block": (Person.given_key, Person.family_block),
    "given_block_family": (Person.given_key, Person.family_block, Person.family_key),
    "family_given": (Person.family_key, Person.given_key),
}


def _person_cond(kind: str, values: list) -> object:
    """Each column of ``kind`` IN its list of ``values`` (lists, or bound parameters), AND-ed."""
    parts = [column.in_(v) for column, v in zip(_PERSON_KINDS[kind], values, strict=True)]
    return parts[0] if len(parts) == 1 else and_(*parts)


def _person_conds(specs: list[tuple]) -> list[tuple]:
    """``(condition, bound values)`` of ``specs``, each list in chunks (every combination of them)."""
    out = []
    for kind, *lists in specs:
        for combo in itertools.product(*(list(chunks(v)) for v in lists)):
            out.append((_person_cond(kind, list(combo)), sum(len(c) for c in combo)))
    return out


def _person_query(shape: tuple[str, ...]) -> Query:
    """The people query of one OR of conditions (kinds), its values bound at run time: ``v<i>_<j>``."""

    def build():
        conds = [
            _person_cond(kind, [_in(f"v{i}_{j}") for j in range(len(_PERSON_KINDS[kind]))])
            for i, kind in enumerate(shape)
        ]
        return select(*PERSON_COLUMNS).where(conds[0] if len(conds) == 1 else or_(*conds))

    return Query(build)


_PERSON_QUERIES: dict[tuple[str, ...], Query] = {}

_SET_URL = Query(lambda: update(Person).where(Person.id == bindparam("pid")).values(url=bindparam("new_url")))
_ALIAS_OWNERS = Query(lambda: select(PersonAlias.key, PersonAlias.person_id).where(PersonAlias.key.in_(_in("keys"))))
ALIASES_OF = Query(
    lambda: select(PersonAlias.person_id, PersonAlias.alias).where(PersonAlias.person_id.in_(_in("ids")))
)
_PAPER_KEYS = Query(lambda: select(PaperKey.key, PaperKey.paper_id).where(PaperKey.key.in_(_in("keys"))))
_FIRST_OF_TITLE = Query(  # the lowest id of a paper with a key in [lo, hi)
    lambda: (
        select(PaperKey.paper_id)
        .where(PaperKey.key >= bindparam("lo"), PaperKey.key < bindparam("hi"))
        .order_by(PaperKey.paper_id)
        .limit(1)
    )
)


def _in(name: str):
    """An ``IN`` list bound at run time (:class:`kb.db.Query`)."""
    return bindparam(name, expanding=True)


class PeopleResolver:
    """Find or create the Person for each display name of one post.

    Candidates are blocked narrowly so that a post costs a few indexed queries
    whatever the size of the database: the same folded family name (``A. Vedaldi``
    ~ ``Andrea Vedaldi``), or the same first given name and the same first two
    letters of the family name (``Andrea Veladi`` ~ ``Andrea Vedaldi``), which is
    exactly what :func:`kb.ingest.people.match_person` can accept.
    """

    def __init__(self, session: Session, names: Iterable[str]):
        self.session = session
        wanted = [person_row(n) for n in {" ".join(n.split()) for n in names if n and n.strip()}]
        self.by_key: dict[str, PersonRef] = {}
        self.by_family: dict[str, list[PersonRef]] = defaultdict(list)
        self.by_given_block: dict[tuple[str, str], list[PersonRef]] = defaultdict(list)
        self.aliases: dict[int, set[str]] = defaultdict(set)  # id(PersonRef) → aliases
        # Spellings met by get(), kept as aliases at flush(); only the people named then have their stored
        # aliases loaded (the candidates loaded here are many more: every person of each family name).
        self._pending_aliases: list[tuple[PersonRef, str, str | None]] = []
        self._aliases_loaded: set[int] = set()  # id(PersonRef) whose stored aliases are in self.aliases
        self._alias_key_to_id: dict[str, int] = {}
        self._new: list[PersonRef] = []
        self._new_aliases: list[tuple[PersonRef, str]] = []
        self._candidates: list[tuple[PersonRef, PersonRef]] = []
        self._url_updates: dict[int, str] = {}
        self.replaced_authors: set[int] = set()  # people whose authorship was rewritten: may be orphans
        # (folded family name, first initial) of the full names created or renamed: kb.initials looks there
        self.groups: set[tuple[str, str]] = set()
        self.created = 0
        keys = {w.key for w in wanted} - {""}
        fams = {w.family_key for w in wanted} - {""}
        givens = {w.given_key for w in wanted if len(w.given_key) > 1}
        blocks = {w.family_key[:2] for w in wanted} - {""}
        self._fams, self._givens, self._blocks = fams, givens, blocks
        self._complete: set[str] = {""}  # families whose people are all in, as the eager load would have them
        self._eager = not self.LAZY_FAMILIES or any(not w.key for w in wanted)
        self._created_ids: set[int] = set()
        self._by_id: dict[int, PersonRef] = {}
        if not keys:
            return
        # Every IN (…) in batches: a 100k-entry .bib names more people than one statement may bind.
        db = session.connection()
        self._alias_key_to_id = {
            k: pid for batch in chunks(sorted(keys)) for k, pid in _ALIAS_OWNERS.run(db, keys=batch)
        }
        alias_ids = sorted(set(self._alias_key_to_id.values()))
        key_conds = [("key", sorted(keys)), ("id", alias_ids)]
        if self._eager:
            self._load(key_conds + [("family", sorted(fams)), ("given_block", sorted(givens), sorted(blocks))])
            return
        # The same candidates, fewer rows: every person of a family name (hundreds for a common one) is loaded
        # only for the names not found by key or alias (their candidates), the other families when flush()
        # needs one (_family). First the people found by key or alias, then what the names still unknown
        # need: whole families, the same given name and family block (a full given name, as the eager load
        # has every such person), or, for an initial or no given name, those of a family name of the post.
        self._load(key_conds)
        unknown = [
            w for w in wanted if w.key not in self.by_key and self._alias_key_to_id.get(w.key, -1) not in self._by_id
        ]
        if not unknown:
            return
        ufams = {w.family_key for w in unknown} - {""}
        full = {(w.given_key, w.family_key[:2]) for w in unknown if len(w.given_key) > 1 and w.family_key}
        short = {(w.given_key, w.family_key[:2]) for w in unknown if len(w.given_key) <= 1 and w.family_key}
        g2, b2 = sorted({g for g, _ in full}), sorted({b for _, b in full})
        g1, b1 = sorted({g for g, _ in short}), sorted({b for _, b in short})
        self._load([("family", sorted(ufams)), ("given_block", g2, b2), ("given_block_family", g1, b1, sorted(fams))])
        self._complete |= ufams

    LAZY_FAMILIES = True  # False: every family of the post's names loaded up front (tests compare the two)

    def _load(self, specs: list[tuple]) -> None:
        """People matching any of ``specs`` (:func:`_person_conds`) not known yet, indexed in id order (plain Core
        rows: hundreds per post when family names are common, the ORM's row handling doubled the cost; the
        conditions OR-ed into as few statements as the bound-parameter budget allows: one, as a
        :class:`kb.db.Query` of that shape, when every value fits)."""
        db = self.session.connection()
        specs = [spec for spec in specs if all(spec[1:])]  # a condition with an empty list matches nobody
        if not specs:
            return
        if sum(len(v) for spec in specs for v in spec[1:]) <= IN_CHUNK:
            shape = tuple(spec[0] for spec in specs)
            query = _PERSON_QUERIES.get(shape) or _PERSON_QUERIES.setdefault(shape, _person_query(shape))
            values = {f"v{i}_{j}": v for i, spec in enumerate(specs) for j, v in enumerate(spec[1:])}
            found = query.run(db, **values).all()
        else:
            found = [
                row
                for cond in _or_batches(_person_conds(specs))
                for row in db.execute(select(*PERSON_COLUMNS).where(cond)).all()
            ]
        rows = {row[0]: row for row in found}
        by_key, by_family, by_given_block, by_id = self.by_key, self.by_family, self.by_given_block, self._by_id
        merged: list[list[PersonRef]] = []  # lists that held people before this load: put in order again
        for pid in sorted(rows):  # id order
            if pid in by_id or pid in self._created_ids:
                continue
            _, key, name, family, given, fkey, gkey, url = rows[pid]
            p = PersonRef(key, name, family, given, fkey, gkey, url, pid)
            by_id[pid] = p
            by_key.setdefault(key, p)
            for people in (by_family[fkey], by_given_block[(gkey, fkey[:2])]):
                if people and people[-1].id is None or people and people[-1].id > pid:
                    merged.append(people)
                people.append(p)
        for people in merged:  # stored people in id order, then the new ones as they were made
            people.sort(key=_stored_first)

    def _family(self, family: str) -> list[PersonRef]:
        """The people of ``family`` as the eager load has them (every stored one when a name of the post has
        that family; else those it loads through their key, alias or given name), loaded now if not yet."""
        if not self._eager and family not in self._complete:
            self._complete.add(family)
            if family in self._fams:
                self._load([("family", [family])])
            elif family[:2] in self._blocks and self._givens:
                self._load([("family_given", [family], sorted(self._givens))])
        return self.by_family.get(family, [])

    def _index(self, p: PersonRef) -> None:
        self.by_key[p.key] = p
        self.by_family[p.family_key].append(p)
        self.by_given_block[(p.given_key, p.family_key[:2])].append(p)

    def _candidates_for(self, ref: PersonRef) -> list[PersonRef]:
        seen = {id(p): p for p in self.by_family.get(ref.family_key, [])}
        seen.update({id(p): p for p in self.by_given_block.get((ref.given_key, ref.family_key[:2]), [])})
        return list(seen.values())

    def get(self, name: str, spelled: str | None = None, url: str | None = None) -> PersonRef:
        """The person called ``name`` (created when new); ``spelled`` is kept as an alias."""
        name = " ".join(name.split())
        key = person_key(name)
        person = self.by_key.get(key)
        if person is None and key in self._alias_key_to_id:
            person = self._by_id.get(self._alias_key_to_id[key])
        if person is None:
            ref = person_row(name, url)
            person, ambiguous = decide(ref, self._candidates_for(ref))
            if person is None:
                person = ref
                self._new.append(person)
                self._index(person)
                self._aliases_loaded.add(id(person))  # a new person: no stored aliases
                self.created += 1
            self._candidates.extend((person, rival) for rival in ambiguous if rival is not person)
        if url and preferred(person.url, url) != person.url:  # the same url whatever the order of posts
            person.url = url
            if person.id is not None:
                self._url_updates[person.id] = url
        self._pending_aliases.append((person, name, spelled))
        return person

    def _settle_aliases(self) -> None:
        """The spellings get() met, in order, become new aliases of their people unless already known."""
        owners = {
            p.id: p for p, _, _ in self._pending_aliases if p.id is not None and id(p) not in self._aliases_loaded
        }
        db = self.session.connection()
        for batch in chunks(sorted(owners)):
            for pid, alias in ALIASES_OF.run(db, ids=batch).all():
                self.aliases[id(owners[pid])].add(alias)
        self._aliases_loaded.update(id(p) for p in owners.values())
        for person, name, spelled in self._pending_aliases:
            for alias in (name, spelled):
                if alias and alias.strip():
                    alias = " ".join(alias.split())
                    known = self.aliases[id(person)]
                    if alias not in known:
                        known.add(alias)
                        self._new_aliases.append((person, alias))
        self._pending_aliases.clear()

    def _canonical(self, person: PersonRef, rename: bool = True) -> bool:
        """:func:`recanonical` with this post's spellings; a renamed person's initials group is looked at
        again (:mod:`kb.initials`): a new full name can make a spelling with initials ambiguous."""
        changed = recanonical(person, self.aliases[id(person)], lambda key: self._free(key, person), rename)
        self.by_key[person.key] = person
        if (changed or person.id is None) and person.given and not initials_only(person.given):
            initial = person.given_key[:1]
            full = [
                p
                for p in self._family(person.family_key)
                if p.given_key[:1] == initial and p.given and not initials_only(p.given)
            ]
            if len(full) > 1:  # (every person of the family is loaded): a second full name of these initials
                self.groups.add((person.family_key, initial))
        return changed

    def _free(self, key: str, person: PersonRef) -> bool:
        """No other person holds ``key`` (here or in the database): keys are unique."""
        other = self.by_key.get(key)
        if other is not None and other is not person:
            return False
        found = self.session.exec(select(Person.id).where(Person.key == key)).first()
        return found is None or found == person.id

    def flush(self) -> None:
        """Insert new people (getting their ids), pending aliases and identity candidates."""
        self._settle_aliases()
        for p in self._new:
            self._canonical(p)
        renamed = {id(p): p for p, _ in self._new_aliases if p.id is not None}
        edits = not no_user_edits(self.session)
        if renamed:  # existing people that got a new spelling: a fuller one becomes their name, unless edited
            edited = {
                pid
                for batch in (chunks(sorted({p.id for p in renamed.values()})) if edits else ())
                for pid in self.session.exec(
                    select(UserEdit.entity_id).where(
                        UserEdit.entity == "person", UserEdit.field == "name", UserEdit.entity_id.in_(batch)
                    )
                )
            }
            for p in sorted(renamed.values(), key=lambda p: p.id):
                if self._canonical(p, rename=p.id not in edited):
                    values = person_values(p)
                    del values["url"]
                    self.session.execute(update(Person).where(Person.id == p.id).values(values))
        if self._new:
            rows = [person_values(p) for p in self._new]
            ids = insert_ids(self.session.connection(), Person.__table__, rows)
            for p, pid in zip(self._new, ids, strict=False):
                p.id = pid
                self._by_id[pid] = p
                self._created_ids.add(pid)
            self._new.clear()
        if self._url_updates:  # never over a url the user set by hand
            edited = {
                pid
                for batch in (chunks(sorted(self._url_updates)) if edits else ())
                for pid in self.session.exec(
                    select(UserEdit.entity_id).where(
                        UserEdit.entity == "person", UserEdit.field == "url", UserEdit.entity_id.in_(batch)
                    )
                )
            }
            # Under kb.store.write_post (no autoflush) with no Person row loaded as an ORM object: the ORM would
            # neither flush first nor bring an object in line, so the same UPDATE goes out as Core (kb.db.Query).
            core = not self.session.autoflush and not any(key[0] is Person for key in self.session.identity_map.keys())
            for pid, url in sorted(self._url_updates.items()):
                if pid in edited:
                    continue
                if core:
                    _SET_URL.run(self.session.connection(), pid=pid, new_url=url)
                else:
                    self.session.execute(update(Person).where(Person.id == pid).values(url=url))
        self._url_updates.clear()
        if self._new_aliases:
            insert_rows(
                self.session.connection(),
                PersonAlias.__table__,
                [{"person_id": p.id, "alias": a, "key": person_key(a)} for p, a in self._new_aliases],
            )
            self._new_aliases.clear()
        for a, b in sorted({tuple(sorted((person.id, rival.id))) for person, rival in self._candidates}):
            exists = self.session.exec(
                select(IdentityCandidate.id).where(
                    IdentityCandidate.entity == "person", IdentityCandidate.a_id == a, IdentityCandidate.b_id == b
                )
            ).first()
            if not exists:
                self.session.add(
                    IdentityCandidate(entity="person", a_id=a, b_id=b, score=90.0, reason=CANDIDATE_REASON)
                )
        self._candidates.clear()


def paper_keys(ref: ParsedReference) -> list[str]:
    """Identity keys of a parsed reference, strongest first: its identifiers (``doi:…``, ``arxiv:…``,
    ``acl:…``, ``openreview:…`` …, :func:`kb.ingest.paper_meta.id_keys`), then ``title:…|year|surname``."""
    keys = id_keys(ref)
    title = normalise_title(ref.title) if ref.title else ""
    if title:
        surname = family_key(ref.authors[0]) if ref.authors else ""
        keys.append(f"title:{title}|{ref.year or ''}|{surname}")
        if surname and len(title.split()) >= 3:
            # a paper linked by its title alone ("[Deep Dominance …](…pdf)") is the listed one with authors
            keys.append(f"title:{title}|{ref.year or ''}|")
    return keys


def key_variants(key: str) -> list[str]:
    """``title:t|2019|he`` also matches years 2018 and 2020 (preprint vs proceedings)."""
    if not key.startswith("title:"):
        return [key]
    title, year, surname = key[len("title:") :].rsplit("|", 2)
    if not year:
        return [key]
    y = int(year)
    return [key] + [f"title:{title}|{v}|{surname}" for v in (y - 1, y + 1)]


def bare_title_key(key: str) -> str | None:
    """``title:x|2018|peters`` → ``title:x||``: the key of the same title known without year or authors
    (a paper named only by a link's text). None for other keys and for titles under three words, which
    are too common to be one paper ("Introduction")."""
    if not key.startswith("title:"):
        return None
    title = key[len("title:") :].rsplit("|", 2)[0]
    return f"title:{title}||" if len(title.split()) >= 3 else None


_PAPER_TYPES = {  # SQLModel's AutoString says ``object``: it reads back as str
    c.name: str if c.type.python_type is object else c.type.python_type for c in Paper.__table__.columns
}


def _as_read(row: dict) -> bool:
    """Every value of a paper row is None or of the exact type its column reads back as (no conversion)."""
    return all(v is None or type(v) is _PAPER_TYPES[k] for k, v in row.items())


class PaperResolver:
    """Find the Paper for each reference of one post (or None: the caller creates it).

    A title known without year and authors (``title:x||``) and the same title with them are one paper,
    whichever is seen first (issue 17: "Deep contextualized word representations" stood twice).
    """

    def __init__(self, session: Session, refs: Iterable[ParsedReference]):
        self.session = session
        refs = list(refs)
        # Each reference's keys, made once (find and remember look at them again; the references do not change
        # while the post is written). Keyed by the object: the list keeps every one alive.
        self._refs = refs
        self._keys: dict[int, list[str]] = {id(ref): paper_keys(ref) for ref in refs}
        wanted = {v for ref in refs for k in self._keys[id(ref)] for v in key_variants(k)}
        bare = {b for ref in refs for k in self._keys[id(ref)] if (b := bare_title_key(k))}
        wanted |= bare
        self.key_to_id: dict[str, int] = {}
        db = session.connection()
        for batch in chunks(sorted(wanted)):  # a 100k-entry .bib: more keys than one statement may bind
            self.key_to_id.update((k, pid) for k, pid in _PAPER_KEYS.run(db, keys=batch))
        # A bare title seen now: any stored paper of that title (the lowest id, so the choice is stable).
        self.by_title: dict[str, int] = {}
        for key in sorted(bare & {k for ref in refs for k in self._keys[id(ref)]}):
            prefix = key[:-1]  # "title:x|"
            pid = _FIRST_OF_TITLE.run(db, lo=prefix, hi=prefix + "\U0010ffff").scalar()
            if pid is not None:
                self.by_title[key] = pid
        self.papers: dict[int, Paper] = {}
        for batch in chunks(sorted(set(self.key_to_id.values()) | set(self.by_title.values()))):
            self.papers.update((p.id, p) for p in session.exec(select(Paper).where(Paper.id.in_(batch))))
        self.new: dict[str, Paper] = {}  # key → paper created during this post
        self._pending_keys: list[tuple[Paper, str]] = []
        self._created: list[Paper] = []

    def _keys_of(self, ref: ParsedReference) -> list[str]:
        keys = self._keys.get(id(ref))
        return keys if keys is not None else paper_keys(ref)

    def find(self, ref: ParsedReference) -> Paper | None:
        keys = self._keys_of(ref)
        for key in keys:
            for variant in key_variants(key):
                if variant in self.new:
                    return self.new[variant]
                pid = self.key_to_id.get(variant)
                if pid is not None and pid in self.papers:
                    return self.papers[pid]
        for key in keys:  # the same title, known so far without year and authors, or only with them
            bare = bare_title_key(key)
            if bare is None:
                continue
            if bare != key:
                found = self.new.get(bare) or self.papers.get(self.key_to_id.get(bare, -1))
            else:
                prefix = bare[:-1]
                found = next((p for k, p in self.new.items() if k.startswith(prefix)), None) or self.papers.get(
                    self.by_title.get(bare, -1)
                )
            if found is not None:
                return found
        return None

    def create(self, values: dict) -> Paper:
        """A new paper, inserted at flush (its id is set then)."""
        columns = {c.name for c in Paper.__table__.columns}
        paper = SimpleNamespace(**{c: None for c in columns} | {k: v for k, v in values.items() if v is not None})
        self._created.append(paper)
        return paper  # type: ignore[return-value]  # a stand-in until flush loads the row

    def remember(self, paper: Paper, ref: ParsedReference) -> None:
        for key in self._keys_of(ref):
            if key not in self.key_to_id and key not in self.new:
                self.new[key] = paper
                self._pending_keys.append((paper, key))

    def flush(self) -> None:
        """Insert the papers created since the last flush, then their identity keys."""
        self.session.flush()
        if self._created:
            table = Paper.__table__
            columns = [c.name for c in table.columns if c.name != "id"]
            defaults = {
                c.name: c.default.arg if c.default is not None and not callable(c.default.arg) else None
                for c in table.columns
            }
            rows = [
                {c: getattr(p, c, None) if getattr(p, c, None) is not None else defaults.get(c) for c in columns}
                for p in self._created
            ]
            ids = insert_ids(self.session.connection(), table, rows)
            for paper, pid in zip(self._created, ids, strict=False):
                paper.id = pid
            # As session objects, so later field updates are persisted: made from the rows just inserted when
            # each value already has the type the database gives back, else loaded with a SELECT.
            loaded = {}
            if all(_as_read(row) for row in rows) and not any(
                self.session.identity_map.get(self.session.identity_key(Paper, pid)) for pid in ids
            ):
                for row, pid in zip(rows, ids, strict=True):
                    paper = loaded_row(Paper, **row, id=pid)
                    make_transient_to_detached(paper)
                    self.session.add(paper)
                    loaded[pid] = paper
            else:
                loaded = {
                    p.id: p
                    for batch in chunks(ids)
                    for p in self.session.exec(select(Paper).where(Paper.id.in_(batch)))
                }
            for paper in self._created:
                self.papers[paper.id] = loaded[paper.id]
            for key, paper in list(self.new.items()):
                if paper.id in loaded:
                    self.new[key] = loaded[paper.id]
            self._created.clear()
        if self._pending_keys:
            insert_rows(
                self.session.connection(),
                PaperKey.__table__,
                [{"key": key, "paper_id": paper.id} for paper, key in self._pending_keys],
            )
            for paper, key in self._pending_keys:
                self.key_to_id[key] = paper.id
            self._pending_keys.clear()
