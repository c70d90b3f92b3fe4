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
import time
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, Engine, make_url
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, create_engine

from kb import models  # noqa: F401  (registers the tables)
from kb.dbbase import (  # noqa: F401  (DEFAULT_DB, register_schema_hook: callers import them from here)
    BUSY_TIMEOUT_MS,
    DEFAULT_DB,
    DatabaseUnusable,
    NoKnowledgeBase,
    _schema_hooks,
    db_value,
    describe_db_error,
    register_schema_hook,
    resolve_db_url,
)


def _engine_url(db: str | os.PathLike[str] | None) -> tuple[str | URL, str | None]:
    """(what ``create_engine`` gets, the SQLite file path or None).

    A plain path is a path, never parsed as a URL: ``copy #1?.sqlite`` is that
    file, not ``copy `` with a fragment and a query.
    """
    value = db_value(db)
    if "://" not in value:
        path = str(Path(value).expanduser())
        return URL.create("sqlite", database=path), path
    url = resolve_db_url(value)
    if url.startswith("sqlite:"):
        return url, make_url(url).database
    return url, None


# Values bound in one ``IN (…)``: SQLite refuses more than SQLITE_MAX_VARIABLE_NUMBER per statement (999 in
# builds before 3.32, 32,766 since; a 100k-entry .bib has 300k paper keys), PostgreSQL 65,535.
IN_CHUNK = 500


def chunks(values: Iterable, size: int = IN_CHUNK) -> Iterator[list]:
    """``values`` in lists of at most ``size``, for ``column.in_(chunk)`` one statement at a time."""
    batch = []
    for value in values:
        batch.append(value)
        if len(batch) == size:
            yield batch
            batch = []
    if batch:
        yield batch


def in_ids(session: Session, column, ids: Iterable[int]):
    """``column IN ids`` with any number of integer ids, in one statement and one bound parameter when many:
    ``json_each(?)`` on SQLite, ``= ANY(%s)`` on PostgreSQL (kb.store's garbage collection after a huge .bib)."""
    ids = sorted({int(i) for i in ids})
    if len(ids) <= IN_CHUNK:
        return column.in_(ids)
    from sqlalchemy import BigInteger, any_, bindparam, func, literal_column
    from sqlalchemy import select as sa_select
    from sqlalchemy.dialects.postgresql import ARRAY

    if session.get_bind().dialect.name == "sqlite":
        import json

        return column.in_(sa_select(literal_column("value")).select_from(func.json_each(json.dumps(ids))))
    return column == any_(bindparam(None, ids, type_=ARRAY(BigInteger)))


class _InsertPlan:
    """A table's INSERT of given columns as SQLite text, with each column's bind processor (what SQLAlchemy would
    apply to the value: a bool to 0/1, a datetime to its text), so that :func:`insert_rows` binds the same values."""

    __slots__ = ("columns", "head", "row", "procs")

    def __init__(self, head: str, row: str, columns: tuple[str, ...], procs: list):
        self.head, self.row, self.columns, self.procs = head, row, columns, procs

    def params(self, rows: list[dict]) -> list[tuple]:
        cols, procs = self.columns, self.procs
        if not any(procs):
            return [tuple([r[c] for c in cols]) for r in rows]
        return [
            tuple([v if f is None or v is None else f(v) for v, f in zip([r[c] for c in cols], procs, strict=True)])
            for r in rows
        ]


_PLANS: dict[tuple, _InsertPlan | None] = {}


def _insert_plan(conn, table, columns: tuple[str, ...]) -> _InsertPlan | None:
    """The plan of ``INSERT INTO table (columns)`` on SQLite, or None where SQLAlchemy must build the statement:
    another backend, or a column left out that has a default SQLAlchemy fills in (a Python-side default)."""
    dialect = conn.dialect
    key = (dialect.name, table, columns)
    if key in _PLANS:
        return _PLANS[key]
    plan = None
    if dialect.name == "sqlite" and all(c in table.c for c in columns):
        left_out = [c for c in table.columns if c.name not in columns]
        columns = tuple(c.name for c in table.columns if c.name in columns)  # in the table's order, as SQLAlchemy
        if all(c.default is None and c.onupdate is None for c in left_out):
            quote = dialect.identifier_preparer.quote
            names = ", ".join(quote(c) for c in columns)
            plan = _InsertPlan(
                f"INSERT INTO {quote(table.name)} ({names}) VALUES ",
                "(" + ", ".join("?" * len(columns)) + ")",
                columns,
                [table.c[c].type._cached_bind_processor(dialect) for c in columns],
            )
    _PLANS[key] = plan
    return plan


def insert_rows(conn, table, rows: list[dict]) -> None:
    """``conn.execute(table.insert(), rows)`` (one executemany; every row with the first row's keys), sent to
    SQLite as its text: SQLAlchemy spends ~10x more building and compiling the statement than SQLite running it.
    The same statement, the same bound values (the columns' bind processors applied), the same events."""
    if not rows:
        return
    plan = _insert_plan(conn, table, tuple(rows[0]))
    if plan is None:
        conn.execute(table.insert(), rows)
        return
    conn.exec_driver_sql(plan.head + plan.row, plan.params(rows))


class Query:
    """A Core statement built once (``build()``, with ``bindparam(name)`` and ``bindparam(name, expanding=True)``
    for an ``IN`` list), run with values for them: ``Q.run(conn, ids=[…])`` is ``conn.execute(stmt, {ids: […]})``.

    On SQLite the statement's compiled text is sent through ``exec_driver_sql``, each ``IN`` list spelled out as
    SQLAlchemy spells it (``?, ?, ?``): the same statement and bound values, the same events, without building,
    caching and compiling it again for every post (~60-100 µs a statement, where SQLite needs a few). Not for
    statements whose result columns SQLAlchemy converts (a bool, a datetime), nor an empty ``IN`` list: those
    run as usual."""

    __slots__ = ("_build", "_stmt", "_text")

    def __init__(self, build: Callable[[], Any]):
        self._build = build
        self._stmt = None
        self._text: dict[str, tuple | None] = {}  # dialect name → (parts, names, fixed values, expanding) or None

    @property
    def stmt(self):
        if self._stmt is None:
            self._stmt = self._build()
        return self._stmt

    def _compiled(self, dialect) -> tuple | None:
        got = self._text.get(dialect.name, False)
        if got is not False:
            return got
        plan = None
        if dialect.name == "sqlite":
            compiled = self.stmt.compile(dialect=dialect)
            names = list(compiled.positiontup or ())
            binds = compiled.binds
            expanding = {n for n in names if binds[n].expanding}
            fixed = {n: binds[n].effective_value for n in names if n not in expanding and binds[n].value is not None}
            parts = compiled.string.split("__[POSTCOMPILE_")
            convert = any(
                col[3]._cached_result_processor(dialect, None) is not None for col in compiled._result_columns
            ) or any(binds[n].type._cached_bind_processor(dialect) is not None for n in names)
            if (
                not convert
                and len(parts) == len(expanding) + 1
                and all(parts[i + 1].find("]") > 0 for i in range(len(expanding)))
            ):
                order = [p[: p.index("]")] for p in parts[1:]]
                if sorted(order) == sorted(expanding):
                    plan = (
                        parts[0],
                        [(n, p[p.index("]") + 1 :]) for n, p in zip(order, parts[1:], strict=True)],
                        names,
                        fixed,
                        expanding,
                    )
        self._text[dialect.name] = plan
        return plan

    def run(self, conn, **values):
        """The statement's result on ``conn`` (a Connection) with these values."""
        plan = self._compiled(conn.dialect)
        if plan is None or any(not values[n] for n in plan[4]):
            return conn.execute(self.stmt, values)
        head, tails, names, fixed, expanding = plan
        sql = head + "".join(", ".join("?" * len(values[n])) + tail for n, tail in tails)
        params = []
        for n in names:
            if n in expanding:
                params.extend(values[n])
            else:
                params.append(values[n] if n in values else fixed[n])
        return conn.exec_driver_sql(sql, tuple(params))


def insert_ids(conn, table, rows: list[dict]) -> list[int]:
    """Insert ``rows`` into ``table`` (integer primary key ``id``) and return their new ids, in ``rows``' order.

    SQLAlchemy's ordered RETURNING (``sort_by_parameter_order``) sends SQLite one INSERT per row (its RETURNING
    order is not guaranteed). A multi-row INSERT gives the same ids: in one write transaction (SQLite's writers
    are serial) each row of a VALUES list gets the largest rowid plus one, in order, so the ids sorted are
    the rows' ids in order (checked: consecutive). PostgreSQL keeps SQLAlchemy's ordered path.
    """
    if not rows:
        return []
    if conn.dialect.name != "sqlite":
        return list(
            conn.execute(table.insert().returning(table.c.id, sort_by_parameter_order=True), rows).scalars().all()
        )
    out: list[int] = []
    per = max(1, IN_CHUNK // len(rows[0]))  # rows a statement: at most ~IN_CHUNK bound values (SQLite < 3.32: 999)
    plan = _insert_plan(conn, table, tuple(rows[0]))
    for start in range(0, len(rows), per):
        part = rows[start : start + per]
        if plan is None:
            ids = sorted(conn.execute(table.insert().returning(table.c.id), part).scalars().all())
        else:  # the multi-row INSERT … RETURNING SQLAlchemy would send, as text (insert_rows)
            sql = (
                plan.head
                + ", ".join([plan.row] * len(part))
                + " RETURNING "
                + conn.dialect.identifier_preparer.quote("id")
            )
            ids = sorted([i for (i,) in conn.exec_driver_sql(sql, tuple(v for t in plan.params(part) for v in t))])
        if len(ids) != len(part) or ids[-1] - ids[0] != len(part) - 1:  # rowids past 2**63 - 1 are random
            raise AssertionError(f"{table.name}: inserted ids are not consecutive; cannot tell which row got which")
        out += ids
    return out


_DEFAULTS: dict[type, list] = {}


def loaded_row(model, **values):
    """``model(**values)`` as the ORM makes a row it loads: the fields' defaults (factories called), then
    ``values``, straight into the instance dict. SQLModel's constructor costs ~0.13 ms a row, this ~2 µs.
    For rows inserted at the Core level and then attached as loaded, or added to the session as usual."""
    spec = _DEFAULTS.get(model)
    if spec is None:
        from sqlalchemy.orm import configure_mappers

        configure_mappers()  # (what a constructor or a query does first)
        spec = _DEFAULTS[model] = [
            (name, f.default_factory, f.default) for name, f in model.model_fields.items() if not f.is_required()
        ]
    obj = model.__mapper__.class_manager.new_instance()
    data = {name: factory() if factory is not None else default for name, factory, default in spec}
    obj.__dict__.update(data | values)
    return obj


def is_sqlite(engine: Engine) -> bool:
    return engine.dialect.name == "sqlite"


# SQLSTATEs of a transaction that lost a race and may simply be run again (PostgreSQL):
# unique_violation (two posts inserting the same new person/paper key), serialization_failure, deadlock.
_RETRY_SQLSTATES = {"23505", "23503", "40001", "40P01"}


def lock_keys(session: Session, keys: Iterable[str] | Callable[[], Iterable[str]]) -> None:
    """Serialise this write transaction with concurrent ones that touch any of the same natural ``keys`` (or
    those ``keys()`` makes: not made at all on SQLite, where they would be thrown away).

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
    if callable(keys):
        keys = keys()
    hashes = sorted(
        {int.from_bytes(hashlib.blake2b(k.encode(), digest_size=8).digest(), "big", signed=True) for k in keys if k}
    )
    if hashes:  # a function scan over unnest() takes them in array order: sorted, the same in every process
        conn.exec_driver_sql("SELECT count(pg_advisory_xact_lock(h)) FROM unnest(%(h)s::bigint[]) AS h", {"h": hashes})


def is_transient_error(exc: BaseException) -> bool:
    """True when a failed write transaction lost a race to another writer and may be retried whole."""
    orig = getattr(exc, "orig", exc)
    if getattr(orig, "sqlstate", None) in _RETRY_SQLSTATES:
        return True
    # SQLite: only a lock wait that outlasted busy_timeout; its IntegrityErrors are real bugs (writers are serial).
    return "database is locked" in str(orig) or "database table is locked" in str(orig)


_SQLITE_IOERR, _SQLITE_FULL = 10, 13  # primary result codes (extended codes keep them in the low byte)


def is_storage_error(exc: BaseException) -> bool:
    """True when a write failed because the database cannot grow or be written: disk full, quota, file size
    limit, I/O error. Nothing later in the same run can be written either, so an import stops on it."""
    import errno

    if isinstance(exc, OSError) and exc.errno in (errno.ENOSPC, errno.EDQUOT, errno.EFBIG, errno.EIO):
        return True
    orig = getattr(exc, "orig", None) or exc
    code = getattr(orig, "sqlite_errorcode", None)
    if isinstance(code, int) and code & 0xFF in (_SQLITE_IOERR, _SQLITE_FULL):
        return True
    if str(getattr(orig, "sqlstate", None) or "").startswith("53"):  # PostgreSQL: disk full, out of memory …
        return True
    text = str(orig).lower()
    return any(m in text for m in ("database or disk is full", "disk i/o error", "no space left on device"))


def _sqlite_pragmas(dbapi_conn, _record) -> None:  # pragma: no cover - trivial
    cur = dbapi_conn.cursor()
    tables = {r[0] for r in cur.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
    if not tables or "post" in tables:  # kb's own or new: WAL (persistent); a foreign file is left as it is
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
    if write:
        try:
            _refuse_corrupt(conn)
        except BaseException:
            conn.exec_driver_sql("ROLLBACK")
            raise


def _refuse_corrupt(conn) -> None:
    """Before the first write on a connection: ``PRAGMA quick_check``; a damaged file is never written to.

    Writing into a database with corrupted pages spreads the damage (and
    ``kb import`` used to report success). The result is kept per connection.
    """
    info = conn.connection.info
    if "kb_quick_check" not in info:
        rows = [r[0] for r in conn.exec_driver_sql("PRAGMA quick_check(3)").all()]
        info["kb_quick_check"] = None if rows == ["ok"] else " ".join("; ".join(rows).split())
    if info["kb_quick_check"]:
        raise DatabaseUnusable(
            f"{conn.engine.url.database}: the database is damaged "
            f"(quick_check: {info['kb_quick_check'][:200]}); "
            "refusing to write to it: restore a backup, or `kb dump` what can still be read"
        )


def require_writable(engine: Engine) -> None:
    """Raise :class:`DatabaseUnusable` now (not post by post) when writes to ``engine`` would be refused."""
    if is_sqlite(engine):
        with engine.execution_options(kb_write=True).begin():
            pass


def make_engine(db: str | os.PathLike[str] | None = None, create: bool = True) -> Engine:
    """An engine for ``db``; ``create=False`` raises :class:`NoKnowledgeBase` for a SQLite file that does not
    exist or is empty, and never creates its folder."""
    url, path = _engine_url(db)
    if path is not None:
        if not create and path and path != ":memory:" and not _has_bytes(Path(path)):
            from kb.terminal import clean

            raise NoKnowledgeBase(clean(path))
        if path and path != ":memory:":
            try:
                Path(path).parent.mkdir(parents=True, exist_ok=True)
            except OSError as exc:
                why = "not a folder" if isinstance(exc, FileExistsError) else exc.strerror or exc
                raise DatabaseUnusable(f"{path}: cannot create the database's folder: {why}") from exc
        engine = create_engine(url, connect_args={"timeout": BUSY_TIMEOUT_MS / 1000, "isolation_level": None})
        event.listen(engine, "connect", _sqlite_pragmas)
        event.listen(engine, "begin", _sqlite_begin)
    else:
        engine = create_engine(url, pool_pre_ping=True)
        # executemany INSERTs (kb.store's bulk rows) as multi-row VALUES pages, not one statement per row:
        # a round trip each, and the search index's statement triggers would fire once per row.
        engine.dialect.use_insertmanyvalues_wo_returning = True
    return engine


def _has_bytes(path: Path) -> bool:
    """False for a missing or empty file; a folder or an unreadable path is left for SQLite to report."""
    try:
        return path.stat().st_size > 0 or not path.is_file()
    except FileNotFoundError:
        return False
    except OSError:
        return True


def _refuse_missing(engine: Engine, where: str) -> None:
    """:class:`NoKnowledgeBase` unless the database holds kb's tables (or another program's: refused later)."""
    from sqlalchemy import inspect

    with engine.connect() as conn:
        if not inspect(conn).get_table_names():
            raise NoKnowledgeBase(where)


def init_schema(engine: Engine) -> None:
    """Bring the core tables to the newest migration, then let hooks (the search index) build theirs.

    A fresh database gets ``create_all`` + ``alembic stamp head``; an older one
    ``alembic upgrade head``, under the write lock (see :mod:`kb.migrations`).
    """
    from kb.migrations import ensure_schema

    ensure_schema(engine)
    for hook in _schema_hooks:
        hook(engine)


def open_db(db: str | os.PathLike[str] | None = None, create: bool = True) -> Engine:
    """Engine with the schema created or migrated to the newest revision (idempotent).

    ``create=False`` (commands that only read) never creates a knowledge base: a missing or empty
    SQLite file, or a server database without tables, raises :class:`NoKnowledgeBase`.

    Raises :class:`DatabaseUnusable` (one line, password redacted) for a file
    that is not a database or is damaged, a folder it cannot write, a server it
    cannot reach, or a database that is neither empty nor kb's own.
    """
    from kb.terminal import redact_url

    where = redact_url(db_value(db))
    engine = make_engine(db, create)
    try:
        _init_waiting(engine, where, create)
    except NoKnowledgeBase:
        engine.dispose()
        raise
    except DBAPIError as exc:
        engine.dispose()
        from kb.terminal import redact

        raise DatabaseUnusable(
            f"{where}: cannot open the database: {redact(describe_db_error(exc), resolve_db_url(db))}"
        ) from exc
    except DatabaseUnusable as exc:
        engine.dispose()
        raise DatabaseUnusable(f"{where}: {exc}") from exc
    return engine


def _init_waiting(engine: Engine, where: str, create: bool) -> None:
    """Check and create or migrate the schema, waiting (up to the busy timeout) while another process holds
    the lock: two imports started at once on a new SQLite file both switch it to WAL and create its
    tables, and the loser of that race is told "database is locked" at once, without SQLite's busy wait."""
    deadline = time.monotonic() + BUSY_TIMEOUT_MS / 1000
    while True:
        try:
            if not create:
                _refuse_missing(engine, where)
            init_schema(engine)
            return
        except DBAPIError as exc:
            if not is_transient_error(exc) or time.monotonic() > deadline:
                raise
            engine.dispose()  # the next connection tries the connect pragmas (WAL) again
            time.sleep(0.05)


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
