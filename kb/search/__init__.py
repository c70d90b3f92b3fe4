"""Search over talks, papers, people and posts: the API the CLI and the TUI share.

    from kb.search import search
    with session_scope(engine) as session:
        for hit in search(session, 'speaker:vedaldi year:2019', limit=20):
            print(hit.kind, hit.id, hit.title, hit.snippet, hit.score)

``search(session, query, limit=20) -> list[Hit]`` is the whole contract:

* ``Hit(kind, id, title, snippet, score, corrected=False)``: ``kind`` is
  "talk", "paper", "person" or "post" and ``id`` the row's primary key in that
  table; ``snippet`` is plain text (no Rich markup: escape it like any data)
  with matches between ``MARK_OPEN`` « and ``MARK_CLOSE`` » — ``Hit.parts()``
  gives ``[(text, is_match), …]`` for styling; ``corrected`` says the hit was
  found only through typo corrections. Hits come best first; ``score`` is only
  comparable within one list. ``limit`` is capped at ``MAX_LIMIT`` (500).
* Nothing to search for (blank, or only punctuation/emoji) gives ``[]``; filters
  alone (``type:talk year:2019``) list matching rows, talks first.
* The query language is described in :mod:`kb.search.query` (free text,
  "phrases", ``speaker:`` ``author:`` ``year:2019`` ``year:2018..2020``
  ``conf:ICCV`` ``type:talk|paper|person|post``). Any input is accepted: broken
  syntax is read as words and never raises.
* Every word is a prefix (search as you type); diacritics and case are ignored.
  When the words as typed find fewer than ``limit`` hits, typo corrections
  (``Veladi`` → ``vedaldi``, ``tranformer`` → ``transformer``) add more, ranked
  below every exact hit.
* On SQLite the FTS5 index of :mod:`kb.search.index` answers; elsewhere (or
  while the index is being rebuilt) a portable LIKE search with the same
  results shape does (:mod:`kb.search.fallback`).

Maintenance is automatic: triggers keep the index right after any write;
``kb.importer.import_paths`` wraps big imports in ``bulk_import(engine,
files)`` (no triggers, one rebuild: cheaper then); ``reindex(session)``
rebuilds from scratch and ``refresh(session)`` brings the typo vocabulary up
to date (``bulk_import`` calls it after every import; words of documents
changed since are still used for corrections, read on the fly).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING

from kb.dbbase import register_schema_hook
from kb.search import fts
from kb.search.query import Query, parse_query
from kb.search.rank import MARK_CLOSE, MARK_OPEN, Hit, split_marks

if TYPE_CHECKING:
    from sqlmodel import Session

__all__ = [
    "MARK_CLOSE",
    "MARK_OPEN",
    "Hit",
    "Query",
    "bulk_import",
    "parse_query",
    "refresh",
    "reindex",
    "search",
    "search_sqlite",
    "split_marks",
]


def _install_index(engine) -> None:
    from kb.search import index

    index.install(engine)


def _install_pg(engine) -> None:  # PostgreSQL: tsvector + GIN, unaccent, pg_trgm (kb/search/pg.py)
    from kb.search import pg

    pg.install(engine)


register_schema_hook(_install_index)
register_schema_hook(_install_pg)

MAX_LIMIT = 500


def _is_pg(engine) -> bool:
    return engine.dialect.name == "postgresql"


def reindex(session: Session) -> None:
    """Rebuild the whole index in the caller's (write) transaction.  ``kb search --reindex``"""
    from kb.search import index, pg

    (pg.reindex if _is_pg(session.connection().engine) else index.reindex)(session)


def refresh(session: Session) -> int:
    """Bring the typo vocabulary up to date with the documents changed since the last call."""
    from kb.search import index, pg

    return (pg.refresh_vocabulary if _is_pg(session.connection().engine) else index.refresh_vocabulary)(session)


@contextmanager
def bulk_import(engine, files: int) -> Iterator[None]:
    """Around ``import_paths``: SQLite picks triggers or one rebuild; PostgreSQL refreshes the vocabulary after."""
    from kb.search import index, pg

    if not _is_pg(engine):
        with index.bulk_import(engine, files):
            yield
        return
    yield
    from kb.db import session_scope

    with session_scope(engine, write=True) as session:
        pg.refresh_vocabulary(session)


def search(session: Session, query: str, limit: int = 20) -> list[Hit]:
    """Hits for ``query``, best first; never raises for any query text.

    >>> search(session, "Veladi")[0].title            # doctest: +SKIP
    'Andrea Vedaldi'
    """
    q = parse_query(query)
    limit = max(1, min(int(limit), MAX_LIMIT))
    if not q.kinds or q.is_empty:
        return []
    conn = session.connection()
    if _is_pg(conn.engine):
        from kb.search import pg

        if pg.is_live(conn):
            return pg.search(session, q, limit)
    raw = conn.connection.dbapi_connection if conn.engine.dialect.name == "sqlite" else None
    if raw is None or not fts.is_live(raw):
        from kb.search import fallback

        return fallback.search(session, q, limit)
    return fts.search(raw, q, limit)


def search_sqlite(conn, query: str, limit: int = 20) -> list[Hit] | None:
    """:func:`search` on a plain ``sqlite3`` connection (``kb search`` without SQLAlchemy); None when the
    index is not live there (then open the database and use :func:`search`, whose fallback answers)."""
    q = parse_query(query)
    limit = max(1, min(int(limit), MAX_LIMIT))
    if not q.kinds or q.is_empty:
        return []
    if not fts.is_live(conn):
        return None
    return fts.search(conn, q, limit)
