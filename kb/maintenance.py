"""Whole-database maintenance: a deterministic dump, an integrity check and its repair.

``dump(session)`` is the knowledge base as plain JSON-ready data in which
every row is named by its natural key (conference and event ``key``, person
``key``, paper by its smallest identity key, post by ``path``, talk by
``(post path, talk key)``), never by an autoincrement id, and every list is
sorted; timestamps are left out. Two databases that hold the same knowledge
therefore dump identically whatever order rows went in, which is what the
crash, concurrency and sync tests compare::

    >>> with session_scope(engine) as s:             # doctest: +SKIP
    ...     print(dump_json(s)[:40])
    {"conferences": [{"key": "iccv|2019", ...

``check(engine)`` reports what is wrong (SQLite ``integrity_check``, rows that
point at missing rows, shared rows nothing refers to, posts whose file
changed or vanished) and ``fix(engine)`` repairs what can be repaired.
"""

from __future__ import annotations

import hashlib
import io
import json
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, TextIO

from sqlalchemy import DateTime, Table, delete, func, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, SQLModel, select

from kb.db import DatabaseUnusable, is_sqlite, session_scope
from kb.models import (
    Authorship,
    Citation,
    Conference,
    Event,
    IdentityCandidate,
    Link,
    Mention,
    Merge,
    Paper,
    PaperFieldSource,
    PaperKey,
    Person,
    PersonAlias,
    Post,
    PostEvent,
    Reference,
    Talk,
    TalkSpeaker,
    UserEdit,
)
from kb.terminal import json_text

DUMP_FORMAT = "kb-dump/1"


# ---------------------------------------------------------------- dump

SECTIONS = (
    "conferences",
    "events",
    "format",
    "identity_candidates",
    "merges",
    "papers",
    "people",
    "posts",
    "user_edits",
)  # the dump's keys, in the (sorted) order they are written
_BATCH = 500  # rows fetched per IN (…) query: memory stays flat whatever the size of the KB


def _plain(row, table: Table, refs: dict[str, dict[int, Any]], skip: tuple[str, ...] = ()) -> dict:
    """A row without its surrogate id and timestamps, foreign keys replaced by natural references.

    Generic over the columns, so a column added by a migration shows up in
    the dump without touching this module.
    """
    out: dict[str, Any] = {}
    for col in table.columns:
        name = col.name
        if name in skip or isinstance(col.type, DateTime) or (col.primary_key and name == "id"):
            continue
        value = row[name]
        fks = list(col.foreign_keys)
        if fks:
            target = fks[0].column.table.name
            name = name.removesuffix("_id")
            value = None if value is None else refs.get(target, {}).get(value, f"<missing {target} {value}>")
        out[name] = value
    return out


def _key(item: Any) -> str:
    # Control characters escaped (json_text): a dump printed on a terminal cannot drive it, and loses nothing.
    return json_text(item, sort_keys=True, default=str)


def _sorted(items: list[dict], *keys: str) -> list[dict]:
    # Sorted in Python, never by ORDER BY: PostgreSQL's collation would order text differently from SQLite's.
    return sorted(items, key=lambda d: tuple(_key(d.get(k)) for k in keys) + (_key(d),))


def _batches(ids: list[int]) -> Iterator[list[int]]:
    for i in range(0, len(ids), _BATCH):
        yield ids[i : i + _BATCH]


def _fetch(conn: Connection, model, column: str, ids: list[int]) -> list:
    table = model.__table__
    return conn.execute(select(table).where(table.c[column].in_(ids))).mappings().all()


def _refs(conn: Connection) -> dict[str, dict[int, Any]]:
    """id → natural reference, per table (a paper's is its smallest identity key)."""
    refs: dict[str, dict[int, Any]] = {
        name: dict(conn.execute(select(model.id, getattr(model, col))).all())
        for name, model, col in (
            ("conference", Conference, "key"),
            ("event", Event, "key"),
            ("person", Person, "key"),
            ("post", Post, "path"),
        )
    }
    first: dict[int, str] = {}
    for pid, key in conn.execute(select(PaperKey.paper_id, PaperKey.key)):
        if pid not in first or key < first[pid]:
            first[pid] = key
    refs["paper"] = {}
    for pid, title, year, doi, arxiv, url in conn.execute(
        select(Paper.id, Paper.title, Paper.year, Paper.doi, Paper.arxiv_id, Paper.url)
    ):
        refs["paper"][pid] = first.get(pid) or "fields:" + json.dumps(
            [title, year, doi, arxiv, url], ensure_ascii=False
        )
    return refs


def _first(link: tuple) -> tuple:
    """A (position, person key, spelling) link's sort key: its position, then the key (spellings may be NULL)."""
    return link[0], str(link[1])


def _row(rows: dict[int, Any], row_id: int, table: str) -> Any:
    """A row the id index named; on damaged pages SQLite can list an id and then not read its row."""
    if row_id not in rows:
        raise DatabaseUnusable(f"the database is damaged: {table} {row_id} cannot be read (run kb check)")
    return rows[row_id]


def _papers(conn: Connection, refs) -> Iterator[dict]:
    ids = sorted(refs["paper"], key=lambda i: (refs["paper"][i], i))
    for batch in _batches(ids):
        keys: dict[int, list[str]] = defaultdict(list)
        for r in _fetch(conn, PaperKey, "paper_id", batch):
            keys[r["paper_id"]].append(r["key"])
        authors: dict[int, list] = defaultdict(list)
        for r in _fetch(conn, Authorship, "paper_id", batch):
            authors[r["paper_id"]].append((r["position"], refs["person"].get(r["person_id"]), r["spelling"]))
        sources: dict[int, list] = defaultdict(list)  # kb enrich's provenance (its dates left out, as all dates)
        for r in _fetch(conn, PaperFieldSource, "paper_id", batch):
            sources[r["paper_id"]].append(
                {
                    "field": r["field"],
                    "source": r["source"],
                    "status": r["status"],
                    "value": r["value"],
                    "url": r["url"],
                }
            )
        rows = {r["id"]: r for r in _fetch(conn, Paper, "id", batch)}
        for pid in batch:
            yield (
                _plain(_row(rows, pid, "paper"), Paper.__table__, refs)
                | {
                    "ref": refs["paper"][pid],
                    "keys": sorted(keys[pid]),
                    "authors": [n for _, n, _ in sorted(authors[pid], key=_first)],
                    "author_spellings": [sp for _, _, sp in sorted(authors[pid], key=_first)],
                }
                | ({"sources": _sorted(sources[pid], "field", "source")} if sources[pid] else {})
            )


def _people(conn: Connection, refs) -> Iterator[dict]:
    ids = sorted(refs["person"], key=lambda i: (refs["person"][i], i))
    for batch in _batches(ids):
        aliases: dict[int, list[str]] = defaultdict(list)
        for r in _fetch(conn, PersonAlias, "person_id", batch):
            aliases[r["person_id"]].append(r["alias"])
        rows = {r["id"]: r for r in _fetch(conn, Person, "id", batch)}
        for pid in batch:
            yield _plain(_row(rows, pid, "person"), Person.__table__, refs) | {"aliases": sorted(aliases[pid])}


def _posts(conn: Connection, refs, body: bool) -> Iterator[dict]:
    ids = sorted(refs["post"], key=lambda i: (refs["post"][i], i))
    for batch in _batches(ids):
        talks = _fetch(conn, Talk, "post_id", batch)
        refs["talk"] = {t["id"]: t["key"] for t in talks}  # within its post a talk is named by its key
        speakers: dict[int, list] = defaultdict(list)
        for r in _fetch(conn, TalkSpeaker, "talk_id", list(refs["talk"])):
            speakers[r["talk_id"]].append((r["position"], refs["person"].get(r["person_id"]), r["spelling"]))
        owned: dict[str, dict[int, list]] = {}
        for model in (Reference, Citation, Link, Mention, PostEvent, Talk):
            grouped: dict[int, list] = defaultdict(list)
            for r in talks if model is Talk else _fetch(conn, model, "post_id", batch):
                item = _plain(r, model.__table__, refs, skip=("post_id",))
                if model is Talk:
                    ordered = sorted(speakers[r["id"]], key=_first)
                    item["speakers"] = [n for _, n, _ in ordered]
                    item["speaker_spellings"] = [sp for _, _, sp in ordered]  # as the post named them
                grouped[r["post_id"]].append(item)
            owned[model.__tablename__] = grouped
        rows = {r["id"]: r for r in _fetch(conn, Post, "id", batch)}
        for pid in batch:
            p = _row(rows, pid, "post")
            item = _plain(p, Post.__table__, refs, skip=("body", "problems"))
            item["body"] = p["body"] if body else "sha256:" + hashlib.sha256(p["body"].encode()).hexdigest()
            item["problems"] = json.loads(p["problems"] or "[]")
            item["talks"] = sorted(owned["talk"][pid], key=lambda t: (t["position"], t["key"]))
            for name in ("reference", "citation", "link"):
                item[name + "s"] = sorted(owned[name][pid], key=lambda r: r["position"])
            item["mentions"] = _sorted(owned["mention"][pid], "person")
            item["events"] = sorted(e["event"] for e in owned["postevent"][pid])
            yield item
    refs.pop("talk", None)


def _curation(conn: Connection, refs) -> dict[str, list[dict]]:
    edits, merges, candidates = (
        conn.execute(select(m.__table__)).mappings().all() for m in (UserEdit, Merge, IdentityCandidate)
    )
    talk_ids = [e["entity_id"] for e in edits if e["entity"] == "talk"]
    talk_refs = {}
    for batch in _batches(talk_ids):
        for tid, post_id, key in conn.execute(select(Talk.id, Talk.post_id, Talk.key).where(Talk.id.in_(batch))):
            talk_refs[tid] = [refs["post"].get(post_id), key]

    def of(entity: str, entity_id: int, edit=None) -> Any:
        if edit is not None and edit.get("stale"):  # its talk is gone: named by post and anchor, not by id
            return [refs["post"].get(edit.get("post_id")), "stale", edit.get("anchor")]
        known = talk_refs if entity == "talk" else refs.get(entity, {})
        return known.get(entity_id, f"<missing {entity} {entity_id}>")

    return {
        "user_edits": _sorted(
            [
                {
                    "entity": e["entity"],
                    "of": of(e["entity"], e["entity_id"], e),
                    "field": e["field"],
                    "value": e["value"],
                }
                for e in edits
            ],
            "entity",
            "of",
            "field",
        ),
        "merges": _sorted(
            [
                {"entity": m["entity"], "from_name": m["from_name"], "into": of(m["entity"], m["into_id"])}
                | ({"from_key": m["from_key"]} if "from_key" in m else {})
                for m in merges
            ],
            "entity",
            "into",
            "from_name",
        ),
        "identity_candidates": _sorted(
            [
                {
                    "entity": c["entity"],
                    "pair": sorted([of(c["entity"], c["a_id"]), of(c["entity"], c["b_id"])], key=str),
                    "score": round(c["score"], 3),
                    "reason": c["reason"],
                }
                for c in candidates
            ],
            "entity",
            "pair",
        ),
    }


def iter_dump(session: Session, body: bool = True) -> Iterator[tuple[str, Any]]:
    """(section, items) pairs in :data:`SECTIONS` order; big sections are generators (bounded memory)."""
    session.flush()
    conn = session.connection()
    refs = _refs(conn)
    curation = _curation(conn, refs)
    for name in SECTIONS:
        if name == "format":
            yield name, DUMP_FORMAT
        elif name in ("conferences", "events"):
            model = Conference if name == "conferences" else Event
            yield (
                name,
                _sorted(
                    [_plain(r, model.__table__, refs) for r in conn.execute(select(model.__table__)).mappings()], "key"
                ),
            )
        elif name == "papers":
            yield name, _papers(conn, refs)
        elif name == "people":
            yield name, _people(conn, refs)
        elif name == "posts":
            yield name, _posts(conn, refs, body)
        else:
            yield name, curation[name]


def write_dump(session: Session, out: TextIO, body: bool = True) -> None:
    """Write the dump as JSON: one entity per line (``diff``-friendly), sections in sorted order."""
    out.write("{\n")
    for i, (name, value) in enumerate(iter_dump(session, body)):
        out.write((",\n" if i else "") + json.dumps(name) + ": ")
        if isinstance(value, str):
            out.write(json.dumps(value))
            continue
        out.write("[")
        for j, item in enumerate(value):
            out.write(("," if j else "") + "\n" + _key(item))
        out.write("\n]")
    out.write("\n}\n")


def dump_json(session: Session, body: bool = True) -> str:
    """:func:`write_dump` into a string (fine for small KBs; ``kb dump -o FILE`` streams)."""
    buf = io.StringIO()
    write_dump(session, buf, body=body)
    return buf.getvalue()


def dump(session: Session, body: bool = True) -> dict[str, Any]:
    """The whole knowledge base by natural keys as one dict (see the module docstring)."""
    return json.loads(dump_json(session, body=body))


# ---------------------------------------------------------------- check


@dataclass
class CheckReport:
    """What :func:`check` found; ``ok`` when nothing needs attention."""

    backend: str = "sqlite"
    integrity: list[str] = field(default_factory=list)  # integrity_check messages other than "ok"
    dangling: dict[str, int] = field(default_factory=dict)  # "citation.paper_id" → rows pointing at nothing
    orphans: dict[str, int] = field(default_factory=dict)  # table → rows garbage collection would remove
    stale_posts: list[tuple[str, str]] = field(default_factory=list)  # (path, "changed" | "missing")
    stale_edits: list[tuple[str, str, str]] = field(default_factory=list)  # (post path, field, what): kb.corrections

    @property
    def ok(self) -> bool:
        return not (self.integrity or self.dangling or self.orphans or self.stale_posts or self.stale_edits)

    @property
    def fixable(self) -> bool:
        """Problems ``fix`` repairs (stale posts need ``kb import``, corruption a restore)."""
        return bool(self.dangling or self.orphans)

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"ok": self.ok}


# Rows that name another row without a declared foreign key: (model, id column, entity column or fixed entity).
_LOGICAL_REFS = (
    (UserEdit, "entity_id", "entity"),
    (IdentityCandidate, "a_id", "entity"),
    (IdentityCandidate, "b_id", "entity"),
    (Merge, "into_id", "entity"),
)
_ENTITY_MODELS = {
    "conference": Conference,
    "event": Event,
    "talk": Talk,
    "person": Person,
    "paper": Paper,
    "post": Post,
}


def _dangling_conditions():
    """(label, model, where-clause) for every reference that may point at a missing row."""
    for table in SQLModel.metadata.sorted_tables:
        for col in table.columns:
            for fk in col.foreign_keys:
                parent = fk.column
                yield (
                    f"{table.name}.{col.name}",
                    table,
                    col,
                    col.is_not(None) & ~select(parent).where(parent == col).exists(),
                )
    for model, id_col, entity_col in _LOGICAL_REFS:
        table = model.__table__
        for entity, target in _ENTITY_MODELS.items():
            col = table.c[id_col]
            cond = (table.c[entity_col] == entity) & ~select(target.id).where(target.id == col).exists()
            if model is UserEdit:
                cond = cond & (col >= 0)  # a stale edit (negative id) names no row on purpose: kb.corrections
            yield (f"{table.name}.{id_col}[{entity}]", table, col, cond)


def find_dangling(session: Session) -> dict[str, int]:
    """Rows whose reference points at a row that does not exist (possible only without enforced FKs)."""
    out = {}
    for label, table, _col, cond in _dangling_conditions():
        n = session.exec(select(func.count()).select_from(table).where(cond)).one()
        if n:
            out[label] = n
    return out


def _counts(session: Session) -> dict[str, int]:
    return {t.name: session.exec(select(func.count()).select_from(t)).one() for t in SQLModel.metadata.sorted_tables}


def find_orphans(engine: Engine) -> dict[str, int]:
    """Rows a full :func:`kb.store.garbage_collect` would remove, per table.

    Runs the real collector and rolls it back, so the report always agrees
    with what ``--fix`` does even when the collection rules change. Its
    DELETEs make it a writer: it takes the write lock at BEGIN (``BEGIN
    IMMEDIATE``), so it waits for a running import instead of failing with
    "database is locked" when its read snapshot went stale.
    """
    from kb.store import garbage_collect

    with engine.execution_options(kb_write=True).connect() as conn:
        trans = conn.begin()
        try:
            with Session(conn) as session:
                before = _counts(session)
                garbage_collect(session)
                after = _counts(session)
        finally:
            trans.rollback()
    return {name: before[name] - after[name] for name in before if before[name] != after[name]}


def stale_posts(session: Session, root: Path | None = None) -> list[tuple[str, str]]:
    """Posts whose file is gone or whose sha256 no longer matches (paths relative to ``root``, default cwd)."""
    root = root or Path.cwd()
    out = []
    for path, sha in session.exec(select(Post.path, Post.sha256).order_by(Post.path)).all():
        file = Path(path) if Path(path).is_absolute() else root / path
        try:
            digest = hashlib.sha256(file.read_bytes()).hexdigest()
        except OSError:
            out.append((path, "missing"))
            continue
        if digest != sha:
            out.append((path, "changed"))
    return out


def integrity_messages(session: Session) -> list[str]:
    """SQLite's ``PRAGMA integrity_check`` (plus ``foreign_key_check``) messages other than "ok"."""
    conn = session.connection()
    if not is_sqlite(conn.engine):
        return []  # PostgreSQL checks its own pages; dangling rows are covered by find_dangling
    rows = [r[0] for r in conn.exec_driver_sql("PRAGMA integrity_check").all()]
    return [] if rows == ["ok"] else rows


def check(engine: Engine, root: Path | None = None, files: bool = True) -> CheckReport:
    """Everything :class:`CheckReport` lists; read-only.

    >>> check(engine).ok                             # doctest: +SKIP
    True
    """
    report = CheckReport(backend=engine.dialect.name)
    with session_scope(engine) as session:
        report.integrity = integrity_messages(session)
        report.dangling = find_dangling(session)
        from kb.corrections import stale_edits

        report.stale_edits = stale_edits(session)
        if files:
            report.stale_posts = stale_posts(session, root)
    if not report.integrity:
        report.orphans = find_orphans(engine)
    return report


def fix(engine: Engine) -> CheckReport:
    """Repair dangling references (the FK's own ON DELETE rule: null it or delete the row), then garbage-collect.

    Returns the report after the repair. Corruption (``integrity_check``) and
    stale posts are left alone: they need a backup or ``kb import``.
    """
    from kb.store import garbage_collect

    with session_scope(engine, write=True) as session:
        for _ in range(3):  # deleting a row can leave its own children dangling (no FK enforcement)
            found = False
            for _label, table, col, cond in _dangling_conditions():
                if not session.exec(select(func.count()).select_from(table).where(cond)).one():
                    continue
                found = True
                fk = next(iter(col.foreign_keys), None)
                if fk is not None and col.nullable and (fk.ondelete or "").upper() == "SET NULL":
                    session.exec(update(table).where(cond).values({col.name: None}))
                else:
                    session.exec(delete(table).where(cond))
            if not found:
                break
        garbage_collect(session)
    return check(engine)
