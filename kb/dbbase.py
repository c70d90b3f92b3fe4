"""What callers of :mod:`kb.db` need before (or without) SQLAlchemy: the default path, URL resolution,
the one-line error types and the schema-hook registry.

:mod:`kb.db` re-exports every name here, so ``from kb.db import DatabaseUnusable`` still works; this
module exists so that ``kb --help`` and the plain-sqlite3 read path (:mod:`kb.fastread`) can name
them without importing SQLAlchemy (~0.4 s of start-up).
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path

DEFAULT_DB = "data/kb.sqlite"
BUSY_TIMEOUT_MS = 30_000

# Hooks run after the tables exist (kb.search registers its index here), so
# that db.py need not import the modules built on top of it.
_schema_hooks: list[Callable] = []


def register_schema_hook(hook: Callable) -> None:
    if hook not in _schema_hooks:
        _schema_hooks.append(hook)


class DatabaseUnusable(Exception):
    """A database kb cannot or must not use (unreadable, not kb's, corrupted, unreachable); one line for the user."""


class NoKnowledgeBase(DatabaseUnusable):
    """A command that only reads was pointed at a database that does not exist (or holds no kb tables yet)."""

    def __init__(self, where: str):
        super().__init__(f"no knowledge base at {where} (create one with `kb import` or `kb init`)")


def describe_db_error(exc: BaseException) -> str:
    """The first line of a driver error (SQLAlchemy's str() adds the statement and a link)."""
    orig = getattr(exc, "orig", None) or exc
    return (str(orig).strip().splitlines() or [type(orig).__name__])[0][:300]


def db_value(db: str | os.PathLike[str] | None = None) -> str:
    """``--db`` beats ``KB_DB`` beats ``data/kb.sqlite``, as given (a path or a URL)."""
    return str(db) if db else os.environ.get("KB_DB") or DEFAULT_DB


def resolve_db_url(db: str | os.PathLike[str] | None = None) -> str:
    """``--db`` beats ``KB_DB`` beats ``data/kb.sqlite``; plain paths become sqlite URLs."""
    value = db_value(db)
    if "://" in value:
        if value.startswith("postgres://"):
            value = "postgresql://" + value[len("postgres://") :]
        if value.startswith("postgresql://"):
            value = "postgresql+psycopg://" + value[len("postgresql://") :]
        return value
    return f"sqlite:///{Path(value).expanduser()}"
