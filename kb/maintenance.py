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
import json
from collections import defaultdict
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import DateTime, Table, delete, func, update
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session, SQLModel, select

from kb.db import is_sqlite, session_scope
from kb.models import (Authorship, Citation, Conference, Event, IdentityCandidate, Link, Mention, Merge, Paper,
                       PaperKey, Person, PersonAlias, Post, PostEvent, Reference, Talk, TalkSpeaker, UserEdit)

DUMP_FORMAT = "kb-dump/1"


# ---------------------------------------------------------------- dump


def _rows(conn: Connection, model) -> list[dict[str, Any]]:
    return [dict(r) for r in conn.execute(select(model.__table__)).mappings()]


def _plain(row: dict[str, Any], table: Table, refs: dict[str, dict[int, Any]], skip: tuple[str, ...] = ()) -> dict:
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


def _sorted(items: list[dict], *keys: str) -> list[dict]:
    return sorted(items, key=lambda d: tuple(json.dumps(d.get(k), sort_keys=True, default=str) for k in keys)
                  + (json.dumps(d, sort_keys=True, default=str),))


def dump(session: Session, body: bool = True) -> dict[str, Any]:
    """The whole knowledge base by natural keys (see the module docstring); ``body=False`` hashes post bodies."""
    session.flush()
    conn = session.connection()
    conferences, events, people, papers = (_rows(conn, m) for m in (Conference, Event, Person, Paper))
    posts, talks = _rows(conn, Post), _rows(conn, Talk)
    keys: dict[int, list[str]] = defaultdict(list)
    for k in _rows(conn, PaperKey):
        keys[k["paper_id"]].append(k["key"])
    refs: dict[str, dict[int, Any]] = {
        "conference": {r["id"]: r["key"] for r in conferences},
        "event": {r["id"]: r["key"] for r in events},
        "person": {r["id"]: r["key"] for r in people},
        # A paper is named by its smallest identity key; keyless papers (should not exist) by their fields.
        "paper": {r["id"]: min(keys[r["id"]]) if keys[r["id"]] else
                  "fields:" + json.dumps([r["title"], r["year"], r["doi"], r["arxiv_id"], r["url"]]) for r in papers},
        "post": {r["id"]: r["path"] for r in posts},
    }
    refs["talk"] = {t["id"]: [refs["post"].get(t["post_id"]), t["key"]] for t in talks}
    by_post: dict[str, dict[int, list]] = {}
    for model in (Reference, Citation, Link, Mention, PostEvent):
        grouped: dict[int, list] = defaultdict(list)
        for r in _rows(conn, model):
            grouped[r["post_id"]].append(_plain(r, model.__table__, refs, skip=("post_id",)))
        by_post[model.__tablename__] = grouped
    speakers: dict[int, list] = defaultdict(list)
    for r in _rows(conn, TalkSpeaker):
        speakers[r["talk_id"]].append(r)
    talks_of: dict[int, list] = defaultdict(list)
    for t in talks:
        item = _plain(t, Talk.__table__, refs, skip=("post_id",))
        item["speakers"] = [refs["person"].get(s["person_id"]) for s in sorted(speakers[t["id"]], key=lambda s: s["position"])]
        talks_of[t["post_id"]].append(item)
    for rows in by_post["citation"].values():
        for c in rows:  # within its post a talk is named by its key alone
            c["talk"] = c["talk"][1] if c["talk"] else None
    for rows in by_post["link"].values():
        for link in rows:
            link["talk"] = link["talk"][1] if link["talk"] else None

    post_items = []
    for p in posts:
        item = _plain(p, Post.__table__, refs, skip=("body", "problems"))
        item["body"] = p["body"] if body else "sha256:" + hashlib.sha256(p["body"].encode()).hexdigest()
        item["problems"] = json.loads(p["problems"] or "[]")
        item["talks"] = sorted(talks_of[p["id"]], key=lambda t: (t["position"], t["key"]))
        for name in ("reference", "citation", "link"):
            item[name + "s"] = sorted(by_post[name][p["id"]], key=lambda r: r["position"])
        item["mentions"] = _sorted(by_post["mention"][p["id"]], "person")
        item["events"] = sorted(e["event"] for e in by_post["postevent"][p["id"]])
        post_items.append(item)

    aliases: dict[int, list[str]] = defaultdict(list)
    for a in _rows(conn, PersonAlias):
        aliases[a["person_id"]].append(a["alias"])
    authors: dict[int, list] = defaultdict(list)
    for a in _rows(conn, Authorship):
        authors[a["paper_id"]].append((a["position"], refs["person"].get(a["person_id"])))
    person_items = [_plain(p, Person.__table__, refs) | {"aliases": sorted(aliases[p["id"]])} for p in people]
    paper_items = [_plain(p, Paper.__table__, refs) | {"ref": refs["paper"][p["id"]], "keys": sorted(keys[p["id"]]),
                                                        "authors": [name for _, name in sorted(authors[p["id"]])]}
                   for p in papers]

    def entity_ref(entity: str, entity_id: int) -> Any:
        return refs.get(entity, {}).get(entity_id, f"<missing {entity} {entity_id}>")

    edits = [{"entity": e["entity"], "of": entity_ref(e["entity"], e["entity_id"]), "field": e["field"],
              "value": e["value"]} for e in _rows(conn, UserEdit)]
    merges = [{"entity": m["entity"], "from_name": m["from_name"], "into": entity_ref(m["entity"], m["into_id"])}
              for m in _rows(conn, Merge)]
    candidates = [{"entity": c["entity"], "pair": sorted([entity_ref(c["entity"], c["a_id"]), entity_ref(c["entity"], c["b_id"])],
                                                         key=str), "score": round(c["score"], 3), "reason": c["reason"]}
                  for c in _rows(conn, IdentityCandidate)]
    return {
        "format": DUMP_FORMAT,
        "conferences": _sorted([_plain(c, Conference.__table__, refs) for c in conferences], "key"),
        "events": _sorted([_plain(e, Event.__table__, refs) for e in events], "key"),
        "people": _sorted(person_items, "key"),
        "papers": _sorted(paper_items, "ref"),
        "posts": _sorted(post_items, "path"),
        "user_edits": _sorted(edits, "entity", "of", "field"),
        "merges": _sorted(merges, "entity", "into", "from_name"),
        "identity_candidates": _sorted(candidates, "entity", "pair"),
    }


def dump_json(session: Session, body: bool = True) -> str:
    """:func:`dump` as canonical JSON text (sorted keys, UTF-8, one trailing newline)."""
    return json.dumps(dump(session, body=body), sort_keys=True, ensure_ascii=False, indent=1, default=str) + "\n"


# ---------------------------------------------------------------- check


@dataclass
class CheckReport:
    """What :func:`check` found; ``ok`` when nothing needs attention."""

    backend: str = "sqlite"
    integrity: list[str] = field(default_factory=list)  # integrity_check messages other than "ok"
    dangling: dict[str, int] = field(default_factory=dict)  # "citation.paper_id" → rows pointing at nothing
    orphans: dict[str, int] = field(default_factory=dict)  # table → rows garbage collection would remove
    stale_posts: list[tuple[str, str]] = field(default_factory=list)  # (path, "changed" | "missing")

    @property
    def ok(self) -> bool:
        return not (self.integrity or self.dangling or self.orphans or self.stale_posts)

    @property
    def fixable(self) -> bool:
        """Problems ``fix`` repairs (stale posts need ``kb import``, corruption a restore)."""
        return bool(self.dangling or self.orphans)

    def to_json(self) -> dict[str, Any]:
        return asdict(self) | {"ok": self.ok}


# Rows that name another row without a declared foreign key: (model, id column, entity column or fixed entity).
_LOGICAL_REFS = ((UserEdit, "entity_id", "entity"), (IdentityCandidate, "a_id", "entity"),
                 (IdentityCandidate, "b_id", "entity"), (Merge, "into_id", "entity"))
_ENTITY_MODELS = {"conference": Conference, "event": Event, "talk": Talk, "person": Person, "paper": Paper, "post": Post}


def _dangling_conditions():
    """(label, model, where-clause) for every reference that may point at a missing row."""
    for table in SQLModel.metadata.sorted_tables:
        for col in table.columns:
            for fk in col.foreign_keys:
                parent = fk.column
                yield (f"{table.name}.{col.name}", table, col,
                       col.is_not(None) & ~select(parent).where(parent == col).exists())
    for model, id_col, entity_col in _LOGICAL_REFS:
        table = model.__table__
        for entity, target in _ENTITY_MODELS.items():
            col = table.c[id_col]
            yield (f"{table.name}.{id_col}[{entity}]", table, col,
                   (table.c[entity_col] == entity) & ~select(target.id).where(target.id == col).exists())


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
    with what ``--fix`` does even when the collection rules change.
    """
    from kb.store import garbage_collect

    with engine.connect() as conn:
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
