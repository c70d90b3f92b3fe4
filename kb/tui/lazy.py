"""kb's database layer as the TUI's screens see it, imported on first use.

The first frame (the home page) is drawn from a plain sqlite3 read (:mod:`kb.fastread`) while
SQLAlchemy, SQLModel and the models (~0.4 s of imports) load in a worker thread behind it; every
other screen reads through :mod:`kb.queries` as before, named here so that importing a screen
module does not import the database layer.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any


class _LazyModule:
    def __init__(self, name: str):
        self._name = name

    def __getattr__(self, attr: str) -> Any:
        return getattr(importlib.import_module(self._name), attr)


queries: Any = _LazyModule("kb.queries")


def query(name: str) -> Callable[..., Any]:
    """``kb.queries.<name>``, looked up when called (for screens' class attributes)."""

    def call(*args: Any, **kw: Any) -> Any:
        return getattr(queries, name)(*args, **kw)

    call.__name__ = name
    return call


def session_scope(engine: Any, write: bool = False):
    from kb.db import session_scope as scope

    return scope(engine, write=write)


def db_errors() -> type[Exception]:
    """SQLAlchemy's base error, for an ``except`` clause (evaluated only when something is raised)."""
    from sqlalchemy.exc import SQLAlchemyError

    return SQLAlchemyError


class DeferredEngine:
    """A SQLite KB that :func:`kb.fastread.connect` accepted, opened with SQLAlchemy on first use
    (:attr:`kb.tui.app.KbApp.engine`); until then the home page reads it with plain sqlite3."""

    def __init__(self, db: str | None):
        self.db = db

    def open(self) -> Any:
        from kb.db import open_db

        return open_db(self.db, create=False)


def warm() -> None:
    """Import what the next screens need (run in a worker thread once the first frame is up)."""
    import kb.db
    import kb.queries  # noqa: F401
