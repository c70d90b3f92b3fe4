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

from rapidfuzz import process
from rapidfuzz.distance import OSA
from sqlalchemy.engine import Connection
from sqlmodel import Session

from kb.db import is_sqlite, register_schema_hook
from kb.search import fallback, index, pg
from kb.search.query import Query, Words, fts_expression, parse_query
from kb.search.rank import MARK_CLOSE, MARK_OPEN, Candidate, Hit, rank, split_marks

__all__ = ["Hit", "MARK_CLOSE", "MARK_OPEN", "Query", "bulk_import", "parse_query", "refresh", "reindex", "search",
           "split_marks"]

register_schema_hook(index.install)
register_schema_hook(pg.install)  # PostgreSQL: tsvector + GIN, unaccent, pg_trgm (kb/search/pg.py)

MAX_LIMIT = 500
MAX_VARIANTS = 4  # corrections per word: more only adds noise and OR branches
COMMON = 5_000  # matches beyond which ranking all of them by bm25 takes longer than a keystroke allows
SAMPLE = 100  # newest title/name matches re-ranked instead, for such common words
MAX_YEAR_TERMS = 200  # a year range wider than this is filtered by a join, not by OR-ing year tags


def _is_pg(engine) -> bool:
    return engine.dialect.name == "postgresql"


def reindex(session: Session) -> None:
    """Rebuild the whole index in the caller's (write) transaction.  ``kb search --reindex``"""
    (pg.reindex if _is_pg(session.connection().engine) else index.reindex)(session)


def refresh(session: Session) -> int:
    """Bring the typo vocabulary up to date with the documents changed since the last call."""
    return (pg.refresh_vocabulary if _is_pg(session.connection().engine) else index.refresh_vocabulary)(session)


@contextmanager
def bulk_import(engine, files: int) -> Iterator[None]:
    """Around ``import_paths``: SQLite picks triggers or one rebuild; PostgreSQL refreshes the vocabulary after."""
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
    if _is_pg(conn.engine) and pg.is_live(conn):
        return pg.search(session, q, limit)
    if not is_sqlite(conn.engine) or not _index_live(conn):
        return fallback.search(session, q, limit)
    if not q.has_text:
        return rank(_filtered(conn, q, limit), q, None, limit)
    pool = max(3 * limit, 60)  # candidates handed to the re-ranker
    years = _year_terms(conn, q)
    found = _candidates(conn, q, None, years, pool, tier=0)
    variants: dict[str, Words] = {}
    if len(found) < limit:
        variants = typo_variants(conn, q)
        if variants:
            seen = {c.id for c in found}
            found += [c for c in _candidates(conn, q, variants, years, pool, tier=1) if c.id not in seen]
    return rank(_with_text(conn, found), q, variants, limit)


def _year_terms(conn: Connection, q: Query) -> tuple[int, ...] | None:
    """The years a year filter allows, clamped to the years in the index; None: filter by a join instead."""
    if q.year_min is None and q.year_max is None:
        return ()
    first = _rows(conn, "SELECT min(year) FROM search_doc")[0][0]  # two index lookups
    last = _rows(conn, "SELECT max(year) FROM search_doc")[0][0]
    if first is None or last is None:
        return None
    lo = first if q.year_min is None else max(q.year_min, first)
    hi = last if q.year_max is None else min(q.year_max, last)
    if lo > hi:
        return (lo,)  # no document can match; one tag keeps the expression valid
    return tuple(range(lo, hi + 1)) if hi - lo < MAX_YEAR_TERMS else None


def _candidates(conn: Connection, q: Query, variants: dict[str, Words] | None, years: tuple[int, ...] | None,
                pool: int, tier: int) -> list[Candidate]:
    """The best ``pool`` documents by bm25, unless the words are too common to rank every match.

    FTS5 computes bm25 for every match before it can sort (~0.8 µs each): a
    word in 30,000 documents costs ~30 ms, too slow per keystroke. A capped
    count (~1 ms) tells us; then we take the newest matches in titles and
    names (FTS5 walks rowids in order and stops at the LIMIT) and let the
    re-ranker order them.
    """
    join = years is None  # a year range too wide for tags: filter through search_doc instead
    expr = fts_expression(q, variants, years=years or ())
    if _fts(conn, expr, q, COMMON, tier, order="count", join=join)[0].id < COMMON:
        return _fts(conn, expr, q, pool, tier, join=join)
    narrow = fts_expression(q, variants, text_columns="title names", years=years or ())
    found = _fts(conn, narrow, q, SAMPLE, tier, order="rowid", join=join)
    if len(found) < SAMPLE:
        seen = {c.id for c in found}
        found += [c for c in _fts(conn, expr, q, SAMPLE, tier, order="rowid", join=join) if c.id not in seen]
    return found


def _index_live(conn: Connection) -> bool:
    try:
        row = conn.exec_driver_sql("SELECT value FROM search_meta WHERE key = 'state'").first()
    except Exception:  # noqa: BLE001 - no index table yet: use the fallback
        return False
    return bool(row) and row[0] == "live"


def _where(q: Query, params: list, id_col: str = "d.id", years: bool = True) -> str:
    """Kind and year conditions (on search_doc ``d``); values are bound, never formatted."""
    conds = []
    if set(q.kinds) != set(index.KIND_CODE):
        codes = sorted(index.KIND_CODE[k] for k in q.kinds)
        conds.append(f"{id_col} % 4 IN ({', '.join('?' * len(codes))})")
        params += codes
    if q.year_min is not None and years:
        conds.append("d.year >= ?")
        params.append(q.year_min)
    if q.year_max is not None and years:
        conds.append("d.year <= ?")
        params.append(q.year_max)
    return " AND ".join(conds) or "1"


def _fts(conn: Connection, expr: str, q: Query, limit: int, tier: int = 0, order: str = "rank",
         join: bool = False) -> list[Candidate]:
    """Matching documents with the query's kind/year filters: the top ``limit`` by weighted bm25
    (``order="rank"``), the newest ``limit`` (``"rowid"``), or, for ``"count"``, one pseudo
    candidate whose id is the number of matches, counted up to ``limit``."""
    params: list = [expr]
    where = _where(q, params, id_col="f.rowid", years=join)
    weights = ", ".join(str(w) for w in index.BM25_WEIGHTS)
    join_sql = "JOIN search_doc d ON d.id = f.rowid" if join else ""
    if order == "count":
        sql = f"SELECT count(*) FROM (SELECT f.rowid FROM search_fts f {join_sql} WHERE search_fts MATCH ? AND {where} LIMIT ?)"
        return [Candidate(kind="", id=_rows(conn, sql, (*params, limit))[0][0] or 0, title="")]
    rank_sql, order_sql = (f"bm25(search_fts, {weights})", "r") if order == "rank" else ("0.0", "f.rowid DESC")
    sql = (f"SELECT f.rowid, {rank_sql} AS r FROM search_fts f {join_sql}"
           f" WHERE search_fts MATCH ? AND {where} ORDER BY {order_sql} LIMIT ?")
    rows = _rows(conn, sql, (*params, limit))
    return [Candidate(kind=index.KIND_OF_CODE[rid % 4], id=rid, title="", bm25=r, tier=tier) for rid, r in rows]


def _filtered(conn: Connection, q: Query, limit: int) -> list[Candidate]:
    """Filters without words (``type:talk year:2019``): newest first, talks before papers, people, posts."""
    params: list = []
    where = _where(q, params)
    rows = _rows(conn, f"SELECT d.id FROM search_doc d WHERE {where} ORDER BY d.id % 4, d.year DESC, d.title LIMIT ?",
                 (*params, limit))
    return _with_text(conn, [Candidate(kind=index.KIND_OF_CODE[i % 4], id=i, title="") for (i,) in rows])


def _with_text(conn: Connection, found: list[Candidate]) -> list[Candidate]:
    """Fill in the documents' text; ids become the entity's own id."""
    if not found:
        return []
    ids = [c.id for c in found]
    rows = _rows(conn, f"SELECT id, title, names, body, conf, year FROM search_doc WHERE id IN"
                       f" ({', '.join('?' * len(ids))})", tuple(ids))
    docs = {r[0]: r for r in rows}
    out = []
    for c in found:
        if d := docs.get(c.id):
            out.append(Candidate(kind=c.kind, id=c.id // 4, title=d[1], names=d[2], body=d[3], conf=d[4], year=d[5],
                                 bm25=c.bm25, tier=c.tier))
    return out


def typo_variants(conn: Connection, q: Query) -> dict[str, Words]:
    """Corrections for the query's words, from the indexed vocabulary.

    Candidates come from two index range scans (same first two letters, or
    same last two) within the edit budget's length band, never from a scan of
    every word; rapidfuzz's optimal-string-alignment distance then decides
    (1 edit up to 5 letters, 2 beyond; words under 4 letters are left alone).
    """
    pending = index.pending_terms(conn)
    out: dict[str, Words] = {}
    for w in dict.fromkeys(q.terms + tuple(x for p in q.speakers + q.authors for x in p)):
        if len(w) < 4 or w.isdigit():
            continue
        budget = 1 if len(w) <= 5 else 2
        lo, hi = len(w) - budget, len(w) + budget
        pre, suf = w[:2], w[::-1][:2]
        rows = _rows(conn,
                     "SELECT term FROM search_term WHERE term >= ? AND term < ? AND length(term) BETWEEN ? AND ?"
                     " UNION SELECT term FROM search_term WHERE rev >= ? AND rev < ? AND length(term) BETWEEN ? AND ?",
                     (pre, _next(pre), lo, hi, suf, _next(suf), lo, hi))
        pool = {t for (t,) in rows} | {t for t in pending if lo <= len(t) <= hi
                                       and (t.startswith(pre) or t.endswith(suf[::-1]))}
        pool = sorted(t for t in pool if not t.startswith(w))  # prefixes of w already match as typed
        scored = process.extract(w, pool, scorer=OSA.distance, score_cutoff=budget, limit=None)
        best = tuple(t for t, _, _ in sorted(scored, key=lambda x: (x[1], x[0])))[:MAX_VARIANTS]
        if best:
            out[w] = best
    return out


def _rows(conn: Connection, sql: str, params: tuple = ()) -> list[tuple]:
    """Run on the session's own sqlite3 connection (same transaction), skipping SQLAlchemy's
    result machinery: a quarter of a millisecond per statement, several statements per keystroke."""
    cursor = conn.connection.dbapi_connection.cursor()
    try:
        return cursor.execute(sql, params).fetchall()
    finally:
        cursor.close()


def _next(prefix: str) -> str:
    """The smallest string after every string starting with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
