"""The terminal UI: the only part of kb that imports Textual.

``make_app(engine).run()`` is what ``kb`` and ``kb tui`` do; tests build the app the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from kb.tui.app import KbApp


def make_app(engine: Engine, **options) -> KbApp:
    """The kb terminal app over ``engine`` (see :class:`kb.tui.app.KbApp` for ``options``)."""
    from kb.tui.app import KbApp

    return KbApp(engine, **options)


def open_app(db: str | None, **options) -> KbApp:
    """The app over the KB named like ``--db`` (``KB_DB``, the default): a current SQLite KB starts without
    SQLAlchemy (home page from plain sqlite3, the engine opened behind the first frame); anything else is
    opened first, so that a missing or damaged database is one line before the screen is taken."""
    from kb.fastread import connect

    conn = connect(db)
    if conn is None:
        from kb.db import open_db

        return make_app(open_db(db, create=False), **options)
    conn.close()
    from kb.tui.lazy import DeferredEngine

    return make_app(DeferredEngine(db), **options)
