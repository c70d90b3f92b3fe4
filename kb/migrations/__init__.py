"""Schema migrations (Alembic) and bringing any database to the current schema.

Design, as :func:`ensure_schema` (called by :func:`kb.db.open_db`) runs it:

* **fresh database** (no kb tables): ``create_all`` from the models, then
  ``stamp head`` — one step, no replay of history;
* **at head**: nothing (one ``SELECT`` on ``alembic_version``; Alembic is not
  even imported);
* **older revision**: ``upgrade head``;
* **no ``alembic_version`` but kb tables** (made before kb had migrations, i.e.
  revision :data:`BASELINE`): ``stamp BASELINE`` then ``upgrade head``.

All of it happens in one transaction holding the database's write lock
(``BEGIN IMMEDIATE`` on SQLite, an advisory lock on PostgreSQL), so two
processes opening a new or old database at once neither race nor both
migrate: the second waits, sees ``head`` and does nothing. SQLite and
PostgreSQL both have transactional DDL, so a crash mid-migration leaves the
old schema.

New revision after changing kb/models.py::

    python -m kb.migrations revision -m "what changed"   # autogenerate against a scratch DB at head

then review the file in ``kb/migrations/versions/`` and bump :data:`HEAD`.
Tables not in ``SQLModel.metadata`` (the search index) are never compared.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:  # SQLAlchemy is imported when a function runs: HEAD is read on start-up paths (kb.fastread)
    from sqlalchemy.engine import Connection, Engine

HERE = Path(__file__).resolve().parent
HEAD = "0005"  # the newest revision in versions/ (a test checks it against Alembic's view)
BASELINE = "0001"  # the schema of databases made before kb had migrations
_PG_LOCK_KEY = 0x6B62_6D69  # "kbmi": advisory lock serialising migrators on PostgreSQL


def include_object(obj, name, type_, reflected, compare_to) -> bool:
    """Autogenerate hook: compare only kb's own tables (and their indexes, constraints…)."""
    from sqlmodel import SQLModel

    if type_ == "table":
        return name in SQLModel.metadata.tables
    table = getattr(obj, "table", None)
    return table is None or table.name in SQLModel.metadata.tables


def alembic_config(connection: Connection | None = None, url: str | None = None):
    """An Alembic ``Config`` for kb's migrations (no alembic.ini needed)."""
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", str(HERE))
    if url:
        cfg.set_main_option("sqlalchemy.url", url)
    if connection is not None:
        cfg.attributes["connection"] = connection
    return cfg


def script_head() -> str:
    """The head revision as Alembic reads it from versions/ (slower than :data:`HEAD`)."""
    from alembic.script import ScriptDirectory

    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def current_revision(conn: Connection) -> str | None:
    """The revision stamped in the database, or None (no ``alembic_version`` table or row)."""
    from sqlalchemy import inspect

    if not inspect(conn).has_table("alembic_version"):
        return None
    row = conn.exec_driver_sql("SELECT version_num FROM alembic_version").first()
    return row[0] if row else None


def has_kb_tables(conn: Connection) -> bool:
    from sqlalchemy import inspect

    return inspect(conn).has_table("post")


def refuse_foreign(conn: Connection) -> None:
    """Raise unless the database is empty or kb's own: kb never adds its tables to someone else's database."""
    if has_kb_tables(conn):
        return
    from sqlalchemy import inspect

    tables = sorted(inspect(conn).get_table_names())
    if tables:
        from kb.db import DatabaseUnusable

        shown = ", ".join(tables[:5]) + (", …" if len(tables) > 5 else "")
        raise DatabaseUnusable(
            f"not a kb database (it holds other tables: {shown}); kb opens only an empty database or its own"
        )


def upgrade(conn: Connection, revision: str = "head") -> None:
    """Run migrations up to ``revision`` in the caller's transaction."""
    from alembic import command

    command.upgrade(alembic_config(conn), revision)


def downgrade(conn: Connection, revision: str) -> None:
    from alembic import command

    command.downgrade(alembic_config(conn), revision)


def stamp(conn: Connection, revision: str = "head") -> None:
    from alembic import command

    command.stamp(alembic_config(conn), revision)


def _locked_begin(engine: Engine):
    """A transaction holding the write lock, so only one process migrates at a time."""
    if engine.dialect.name == "sqlite":
        return engine.execution_options(kb_write=True).begin()  # BEGIN IMMEDIATE (kb.db)
    return engine.begin()


def ensure_schema(engine: Engine) -> str:
    """Bring the database to :data:`HEAD` (see the module docstring); returns what was done.

    >>> ensure_schema(make_engine("/tmp/new.sqlite"))   # doctest: +SKIP
    'created'
    """
    with engine.connect() as conn:
        if current_revision(conn) == HEAD and has_kb_tables(conn):
            return "current"
        refuse_foreign(conn)
    with _locked_begin(engine) as conn:
        if engine.dialect.name == "postgresql":
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_PG_LOCK_KEY})")
        refuse_foreign(conn)
        rev = current_revision(conn)  # again: another process may have migrated while we waited
        if rev == HEAD:
            return "current"
        if rev is None and not has_kb_tables(conn):
            from sqlmodel import SQLModel

            SQLModel.metadata.create_all(conn)
            stamp(conn, "head")
            return "created"
        if rev is None:
            stamp(conn, BASELINE)
        upgrade(conn, "head")
        return "upgraded"


def main(argv: list[str] | None = None) -> None:
    """``python -m kb.migrations revision -m MSG`` | ``upgrade [REV] [--db URL]`` | ``current [--db URL]``."""
    import argparse

    from alembic import command

    from kb.db import make_engine, resolve_db_url

    ap = argparse.ArgumentParser(prog="python -m kb.migrations", description=main.__doc__)
    ap.add_argument("action", choices=["revision", "upgrade", "current", "heads"])
    ap.add_argument("revision", nargs="?", default="head")
    ap.add_argument("-m", "--message", default="change")
    ap.add_argument("--rev-id", default=None, help="revision id (default: the next 4-digit number)")
    ap.add_argument("--db", default=None, help="database (default: a scratch SQLite DB at head, for revision)")
    args = ap.parse_args(argv)
    if args.action == "heads":
        print(script_head())
        return
    if args.action == "revision":
        import tempfile

        with tempfile.TemporaryDirectory() as tmp:
            engine = make_engine(args.db or Path(tmp) / "scratch.sqlite")
            with engine.begin() as conn:
                upgrade(conn, "head")
                rev_id = args.rev_id or f"{int(current_revision(conn) or 0) + 1:04d}"
                command.revision(alembic_config(conn), message=args.message, autogenerate=True, rev_id=rev_id)
            engine.dispose()
        return
    engine = make_engine(resolve_db_url(args.db))
    with _locked_begin(engine) as conn:
        if args.action == "upgrade":
            upgrade(conn, args.revision)
        print(current_revision(conn))
    engine.dispose()
