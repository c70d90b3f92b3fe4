"""``kb sync``: copy one knowledge base into another (SQLite ⇄ PostgreSQL, or any two), with identity resolution.

Nothing is copied by row id. Each post is *replayed*: its stored text (front
matter + body, see migration 0002) is extracted again and written through
:func:`kb.store.write_post` in one transaction, exactly as ``kb import`` would,
so people and papers the target already knows are found again by their keys
and aliases. Then the user's curation follows, named by natural keys: merges
(in the order they were made), field edits (``UserEdit``), identity candidates
and citekeys. Running it twice changes nothing the second time.

    >>> report = sync(open_db("data/kb.sqlite"), open_db("postgresql://kb@team/kb"))   # doctest: +SKIP
    >>> report.posts_written, report.merges, report.edits
    (412, 3, 17)
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import Boolean, Integer, update
from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from kb.db import session_scope
from kb.errors import KbError
from kb.ingest.bibtex import parse_bibtex
from kb.ingest.people import person_key
from kb.ingest.pipeline import extract
from kb.ingest.records import Conference as ConferenceRecord
from kb.ingest.records import Extraction
from kb.models import (
    Conference,
    Event,
    IdentityCandidate,
    Merge,
    Paper,
    PaperKey,
    Person,
    PersonAlias,
    Post,
    Reference,
    Talk,
    UserEdit,
)
from kb.store import garbage_collect, write_post


@dataclass
class SyncReport:
    posts_written: int = 0
    posts_unchanged: int = 0
    merges: int = 0
    edits: int = 0
    candidates: int = 0
    citekeys: int = 0
    enriched: int = 0  # papers whose kb enrich provenance was carried over
    retries: int = 0
    skipped: list[str] = field(default_factory=list)  # what could not be carried over, and why
    model: str = ""  # what became of the source's trained model (kb train), when it has one


# ---------------------------------------------------------------- natural keys of the source's rows


class _SourceKeys:
    """Natural keys of source rows by id (merged-away rows included, through the merge history)."""

    def __init__(self, s: Session):
        self.person = dict(s.exec(select(Person.id, Person.key)).all())
        self.paper: dict[int, list[str]] = {}
        for pid, key in s.exec(select(PaperKey.paper_id, PaperKey.key)).all():
            self.paper.setdefault(pid, []).append(key)
        self.talk = {
            tid: (path, key)
            for tid, path, key in s.exec(select(Talk.id, Post.path, Talk.key).join(Post, Post.id == Talk.post_id)).all()
        }
        self.event = dict(s.exec(select(Event.id, Event.key)).all())
        self.conference = dict(s.exec(select(Conference.id, Conference.key)).all())
        self.post = dict(s.exec(select(Post.id, Post.path)).all())
        self.merged = {(m.entity, m.from_id): m for m in s.exec(select(Merge)).all()}

    def of(self, entity: str, row_id: int) -> Any:
        """The natural key of a source row, or None. Paper keys are lists (any of them identifies it)."""
        table = getattr(self, entity, {})
        if row_id in table:
            return table[row_id]
        m = self.merged.get((entity, row_id))  # a row merged away later: its merge recorded its key
        if m is not None:
            key = m.from_key or (person_key(m.from_name) if entity == "person" else None)
            return [key] if entity == "paper" and key else key
        return None


def _find(s: Session, entity: str, key: Any) -> int | None:
    """The target row with this natural key (people also by alias, papers by any identity key)."""
    if key is None:
        return None
    if entity == "person":
        found = s.exec(select(Person.id).where(Person.key == key)).first()
        return (
            found if found is not None else s.exec(select(PersonAlias.person_id).where(PersonAlias.key == key)).first()
        )
    if entity == "paper":
        keys = key if isinstance(key, list) else [key]
        return s.exec(select(PaperKey.paper_id).where(PaperKey.key.in_(keys))).first() if keys else None
    if entity == "talk":
        path, talk_key = key
        return s.exec(
            select(Talk.id).join(Post, Post.id == Talk.post_id).where(Post.path == path, Talk.key == talk_key)
        ).first()
    model = {"event": Event, "conference": Conference}.get(entity)
    if model is not None:
        return s.exec(select(model.id).where(model.key == key)).first()
    if entity == "post":
        return s.exec(select(Post.id).where(Post.path == key)).first()
    return None


# ---------------------------------------------------------------- posts


def _extraction(post: Post, refs: list[str], source_conf: Conference | None) -> Extraction:
    """The post as ``kb import`` saw it: its file text again (front matter + body) or its BibTeX entries."""
    if post.path.lower().endswith(".bib"):
        papers, _problems = parse_bibtex("\n\n".join(refs), post.path)
        return Extraction(source=post.path, title=post.title, papers=papers)
    x = extract(post.front_matter + post.body, source=post.path)
    if not post.front_matter:  # stored before migration 0002: what the front matter said comes from the row
        x.title, x.date, x.draft = post.title, post.date, post.draft
        if source_conf is not None:
            x.conference = ConferenceRecord(source_conf.name, source_conf.year, source_conf.location, source_conf.url)
    return x


def _sync_posts(source: Engine, target: Engine, report: SyncReport, on_post: Callable[[str], None] | None) -> None:
    from kb.importer import _write, identity_keys  # the importer's transaction: sha re-check, locks, retries

    with session_scope(source) as s:
        ids = s.exec(select(Post.id).order_by(Post.id)).all()
    for pid in ids:
        with session_scope(source) as s:
            post = s.get(Post, pid)
            refs = s.exec(select(Reference.raw).where(Reference.post_id == pid).order_by(Reference.position)).all()
            conf = s.get(Conference, post.conference_id) if post.conference_id else None
        if on_post:
            on_post(post.path)
        try:
            x = _extraction(post, list(refs), conf)
        except KbError as exc:
            report.skipped.append(f"{post.path}: {exc}")
            continue

        def write(session: Session, x=x, post=post) -> Any:
            from kb.db import lock_keys

            lock_keys(session, identity_keys(x))
            counts = write_post(session, x, post.path, post.sha256)
            session.exec(update(Post).where(Post.path == post.path).values(front_matter=post.front_matter))
            return counts

        counts, retries = _write(target, post.path, post.sha256, False, write)
        report.retries += retries
        if counts is None:
            report.posts_unchanged += 1
        else:
            report.posts_written += 1


# ---------------------------------------------------------------- curation


def _coerce(model, field_name: str, value: str | None) -> Any:
    column = model.__table__.columns.get(field_name)
    if value is None or column is None:
        return value
    if isinstance(column.type, Boolean):
        return value in ("1", "true", "True")
    if isinstance(column.type, Integer):
        try:
            return int(value)
        except ValueError:
            return None
    return value


_EDITABLE_MODELS = {
    "talk": Talk,
    "paper": Paper,
    "person": Person,
    "event": Event,
    "conference": Conference,
    "post": Post,
}


def _is_correction(e: UserEdit) -> bool:
    """Corrections of an extraction (kb.corrections): replayed by post and anchor, not by row."""
    return e.entity in ("kb", "post") or (
        e.entity == "talk" and (e.anchor is not None or e.field in ("speakers", "event"))
    )


def _sync_correction(t: Session, e: UserEdit, keys: _SourceKeys, report: SyncReport) -> int:
    """Carry one correction over and re-write its post in the target; 1 when something changed."""
    from kb import corrections

    if e.entity == "kb" and not e.field.startswith(corrections.NOT_PERSON):
        from kb import merges

        if e.field.startswith((merges.UNMERGED, merges.DISTINCT)):
            return merges.replay_unmerge(t, e.field)
        return 0  # a merge's undo record: the target's own merge (replayed above) wrote its own
    if e.entity == "kb":
        if t.exec(select(UserEdit).where(UserEdit.entity == "kb", UserEdit.field == e.field)).first() is not None:
            return 0
        corrections.not_person(t, e.value or e.field.split(":", 1)[-1])
        return 1
    path = keys.post.get(e.post_id if e.entity == "talk" else e.entity_id)
    post_id = _find(t, "post", path)
    if post_id is None:
        report.skipped.append(f"edit {e.entity}.{e.field}: its post is not in the target")
        return 0
    talk_id = _find(t, "talk", keys.of("talk", e.entity_id)) if e.entity == "talk" and e.entity_id >= 0 else None
    entity_id = post_id if e.entity == "post" else talk_id
    value, anchor = (None if v is None else v.replace("\x00", "") for v in (e.value, e.anchor))  # PostgreSQL: no NUL
    mine = t.exec(
        select(UserEdit).where(
            UserEdit.entity == e.entity,
            UserEdit.field == e.field,
            (UserEdit.post_id == post_id) | (UserEdit.entity_id == post_id)
            if e.entity == "post"
            else UserEdit.post_id == post_id,
            UserEdit.anchor == anchor,
        )
    ).first()
    if mine is not None and mine.value == value:
        return 0  # carried over by an earlier sync
    if mine is None and e.entity == "talk" and talk_id is not None:
        mine = t.exec(
            select(UserEdit).where(UserEdit.entity == "talk", UserEdit.entity_id == talk_id, UserEdit.field == e.field)
        ).first()
    mine = mine or UserEdit(entity=e.entity, entity_id=entity_id if entity_id is not None else 0, field=e.field)
    mine.value, mine.post_id, mine.anchor = value, post_id, anchor
    t.add(mine)
    t.flush()
    if mine.entity_id == 0 and e.entity == "talk":  # its talk is not found by key: the re-write finds it by anchor
        mine.entity_id, mine.stale = -mine.id, True
        t.add(mine)
        t.flush()
    corrections.rewrite(t, post_id)
    return 1


def _sync_curation(source: Engine, target: Engine, report: SyncReport) -> None:
    from kb.curation import CurationError, merge

    with session_scope(source) as s:
        keys = _SourceKeys(s)
        merges = s.exec(select(Merge).order_by(Merge.id)).all()
        edits = s.exec(select(UserEdit).order_by(UserEdit.id)).all()
        candidates = s.exec(select(IdentityCandidate).order_by(IdentityCandidate.id)).all()
        citekeys = [
            (keys.of("paper", pid), key)
            for pid, key in s.exec(select(Paper.id, Paper.citekey).where(Paper.citekey.is_not(None))).all()
        ]
    for m in merges:  # in the order the user made them: a chain A→B→C replays as made
        from_key = keys.of(m.entity, m.from_id)
        into_key = keys.of(m.entity, m.into_id)
        with session_scope(target, write=True) as t:
            a = _find(t, m.entity, from_key)
            if m.entity == "paper" and a is not None and into_key:
                # The survivor holds the merged paper's keys in the source too: name it by its own ones.
                own = set(t.exec(select(PaperKey.key).where(PaperKey.paper_id == a)).all())
                into_key = [k for k in into_key if k not in own]
            b = _find(t, m.entity, into_key)
            if a is None or b is None or a == b:
                continue  # already merged here (or never known): nothing to do
            try:
                merge(t, m.entity, a, b)
                report.merges += 1
            except CurationError as exc:
                report.skipped.append(f"merge {m.entity} {m.from_name!r}: {exc}")
    for e in edits:
        if _is_correction(e):
            with session_scope(target, write=True) as t:
                report.edits += _sync_correction(t, e, keys, report)
            continue
        with session_scope(target, write=True) as t:
            model = _EDITABLE_MODELS.get(e.entity)
            row_id = _find(t, e.entity, keys.of(e.entity, e.entity_id))
            if model is None or row_id is None or e.field not in model.__table__.columns:
                report.skipped.append(f"edit {e.entity}.{e.field}: its row is not in the target")
                continue
            row = t.get(model, row_id)
            stored = None if e.value is None else e.value.replace("\x00", "")  # PostgreSQL cannot store a NUL
            value = _coerce(model, e.field, stored)
            edit = t.exec(
                select(UserEdit).where(
                    UserEdit.entity == e.entity, UserEdit.entity_id == row_id, UserEdit.field == e.field
                )
            ).first()
            if edit is not None and edit.value == stored and getattr(row, e.field) == value:
                continue  # carried over by an earlier sync
            if e.entity == "person" and e.field == "name" and value:
                # As the user's edit did at the source: the derived name fields and the new spelling as an alias.
                from kb.curation import edit_field

                edit_field(t, "person", row_id, "name", value)
                report.edits += 1
                continue
            setattr(row, e.field, value)
            edit = edit or UserEdit(entity=e.entity, entity_id=row_id, field=e.field)
            edit.value = stored
            t.add(row)
            t.add(edit)
            report.edits += 1
    with session_scope(target, write=True) as t:
        from kb.merges import distinct_pairs, row_key

        apart = distinct_pairs(t)
        for c in candidates:
            a, b = (_find(t, c.entity, keys.of(c.entity, i)) for i in (c.a_id, c.b_id))
            if a is None or b is None or a == b:
                continue
            if (c.entity, *sorted(str(row_key(t, c.entity, i)) for i in (a, b))) in apart:
                continue  # the user said these two are not the same
            a, b = sorted((a, b))
            if (
                t.exec(
                    select(IdentityCandidate.id).where(
                        IdentityCandidate.entity == c.entity, IdentityCandidate.a_id == a, IdentityCandidate.b_id == b
                    )
                ).first()
                is None
            ):
                t.add(IdentityCandidate(entity=c.entity, a_id=a, b_id=b, score=c.score, reason=c.reason))
                report.candidates += 1
        for paper_keys, citekey in citekeys:  # keys are stable once given: carry them, never re-derive
            pid = _find(t, "paper", paper_keys)
            if pid is None:
                continue
            paper = t.get(Paper, pid)
            if paper.citekey is None and t.exec(select(Paper.id).where(Paper.citekey == citekey)).first() is None:
                paper.citekey = citekey
                t.add(paper)
                t.flush()
                report.citekeys += 1
        garbage_collect(t)  # a merge can leave a lone co-author behind (as `kb check --fix` would)


def _sync_model(source: Engine, target: Engine, report: SyncReport) -> None:
    """The source's trained model (``kb train``) goes first, so the target extracts its posts the same way."""
    from kb.models import TrainedModel
    from kb.teach import NAME

    with session_scope(source) as s:
        row = s.get(TrainedModel, NAME)
        mine = None if row is None else (row.sha256, bytes(row.lines), bytes(row.spans), row.meta)
    if mine is None:
        with session_scope(target) as t:
            if t.get(TrainedModel, NAME) is not None:
                report.model = "the source has none (it uses the shipped model); the target keeps its own"
        return
    with session_scope(target, write=True) as t:
        there = t.get(TrainedModel, NAME)
        if there is not None and there.sha256 == mine[0]:
            report.model = f"{mine[0][:12]} already there"
            return
        there = there or TrainedModel(name=NAME, sha256="", lines=b"", spans=b"")
        there.sha256, there.lines, there.spans, there.meta = mine
        t.add(there)
    report.model = f"{mine[0][:12]} copied ({(len(mine[1]) + len(mine[2])) // 1024} KiB)"


def sync(source: Engine, target: Engine, on_post: Callable[[str], None] | None = None) -> SyncReport:
    """Copy ``source`` into ``target`` (see the module docstring); returns what was done."""
    from kb.teach import activate

    report = SyncReport()
    _sync_model(source, target, report)
    activate(target)  # posts are extracted again for the target: with its own talk model (the source's, copied)
    _sync_posts(source, target, report, on_post)
    _sync_curation(source, target, report)
    _sync_enrichment(source, target, report)
    return report


def _sync_enrichment(source: Engine, target: Engine, report: SyncReport) -> None:
    """What ``kb enrich`` learnt, re-applied in the target (kb.enrich.transfer); no network."""
    from kb.enrich.transfer import copy_enrichment

    with session_scope(source) as s:
        keys = _SourceKeys(s)

    def find_paper(pid: int) -> int | None:
        with session_scope(target) as t:
            return _find(t, "paper", keys.of("paper", pid))

    report.enriched, skipped = copy_enrichment(source, target, find_paper)
    report.skipped += skipped
