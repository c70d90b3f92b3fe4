"""Engine, sessions and schema: the only core module that knows the backend.

``open_db("data/kb.sqlite")`` or ``open_db("postgresql://user@host/kb")``.
SQLite gets WAL, a busy timeout and foreign keys; everything SQLite-specific
(pragmas, FTS5) lives here and in :mod:`kb.search`.

Writers: on SQLite ``session_scope(engine, write=True)`` takes the write lock
at BEGIN, so writers queue and readers never block. On PostgreSQL (READ
COMMITTED) writers run in parallel; :func:`lock_keys` serialises the ones that
touch the same natural keys, unique constraints back that up, and
:func:`is_transient_error` tells callers which failures to retry whole.
The schema is Alembic's (:mod:`kb.migrations`), brought to head by :func:`open_db`.
"""

from __future__ import annotations

import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import event
from sqlalchemy.engine import Engine
from sqlmodel import Session, SQLModel, create_engine

from kb import models  # noqa: F401  (registers the tables)

DEFAULT_DB = "data/kb.sqlite"
BUSY_TIMEOUT_MS = 30_000

# Hooks run after the tables exist (kb.search registers its index here), so
# that db.py need not import the modules built on top of it.
_schema_hooks: list[Callable[[Engine], None]] = []


def register_schema_hook(hook: Callable[[Engine], None]) -> None:
    if hook not in _schema_hooks:
        _schema_hooks.append(hook)


def resolve_db_url(db: str | os.PathLike[str] | None = None) -> str:
    """``--db`` beats ``KB_DB`` beats ``data/kb.sqlite``; plain paths become sqlite URLs."""
    value = str(db) if db else os.environ.get("KB_DB") or DEFAULT_DB
    if "://" in value:
        if value.startswith("postgres://"):
            value = "postgresql://" + value[len("postgres://"):]
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://"):]
        return value
    return f"sqlite:///{Path(value).expanduser()}"


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


# SQLSTATEs of a transaction that lost a race and may simply be run again (PostgreSQL):
# unique_violation (two posts inserting the same new person/paper key), serialization_failure, deadlock.
_RETRY_SQLSTATES = {"23505", "23503", "40001", "40P01"}


def lock_keys(session: Session, keys: Iterable[str]) -> None:
    """Serialise this write transaction with concurrent ones that touch any of the same natural ``keys``.

    SQLite: nothing to do, ``BEGIN IMMEDIATE`` already lets one writer in at a
    time. PostgreSQL: transaction-scoped advisory locks on the keys' hashes,
    taken in sorted order (so two importers can never deadlock on them) before
    anything is read: two posts introducing the same author, paper, event or
    conference resolve it one after the other, exactly as a sequential import
    would; posts that share nothing still write in parallel. Unique constraints
    and the importer's retry loop remain the backstop.
    """
    conn = session.connection()
    if is_sqlite(conn.engine):
        return
    hashes = sorted({int.from_bytes(hashlib.blake2b(k.encode(), digest_size=8).digest(), "big", signed=True)
                     for k in keys if k})
    if hashes:  # a function scan over unnest() takes them in array order: sorted, the same in every process
        conn.exec_driver_sql("SELECT count(pg_advisory_xact_lock(h)) FROM unnest(%(h)s::bigint[]) AS h", {"h": hashes})


def is_transient_error(exc: BaseException) -> bool:
    """True when a failed write transaction lost a race to another writer and may be retried whole."""
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) in _RETRY_SQLSTATES:
        return True
    # SQLite: only a lock wait that outlasted busy_timeout; its IntegrityErrors are real bugs (writers are serial).
    return "database is locked" in str(orig) or "database table is locked" in str(orig)


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


def _sqlite_begin(conn) -> None:
    # Writers take the write lock at BEGIN, so two writers queue on
    # busy_timeout instead of failing with "database is locked" when a read
    # transaction tries to upgrade; readers stay deferred and never block.
    write = conn.get_execution_options().get("kb_write", False)
    conn.exec_driver_sql("BEGIN IMMEDIATE" if write else "BEGIN")


def make_engine(db: str | os.PathLike[str] | None = None) -> Engine:
    url = resolve_db_url(db)
    if url.startswith("sqlite:///"):
        path = url[len("sqlite:///"):]
        if path and path != ":memory:":
            Path(path).parent.mkdir(parents=True, exist_ok=True)
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "isolation_level": None})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(url, pool_pre_ping=True)
        # executemany INSERTs (kb.store's bulk rows) as multi-row VALUES pages, not one statement per row:
        # a round trip each, and the search index's statement triggers would fire once per row.
        engine.dialect.use_insertmanyvalues_wo_returning = True
    return engine


def init_schema(engine: Engine) -> None:
    """Bring the core tables to the newest migration, then let hooks (the search index) build theirs.

    A fresh database gets ``create_all`` + ``alembic stamp head``; an older one
    ``alembic upgrade head``, under the write lock (see :mod:`kb.migrations`).
    """
    from kb.migrations import ensure_schema

    ensure_schema(engine)
    for hook in _schema_hooks:
        hook(engine)


def open_db(db: str | os.PathLike[str] | None = None) -> Engine:
    """Engine with the schema created or migrated to the newest revision (idempotent)."""
    engine = make_engine(db)
    init_schema(engine)
    return engine


@contextmanager
def session_scope(engine: Engine, write: bool = False) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error.

    ``write=True`` takes SQLite's write lock up front (``BEGIN IMMEDIATE``).
    """
    bind = engine.execution_options(kb_write=True) if write else engine
    with Session(bind, expire_on_commit=False) as session:
        try:
            yield session
            session.commit()
        except BaseException:
            session.rollback()
            raise
