"""SQLite full-text search on a plain ``sqlite3`` connection: the read side of :mod:`kb.search.index`.

:func:`kb.search.search` hands it a session's own DB-API connection (same transaction);
``kb search`` on SQLite hands it a connection of its own (:mod:`kb.fastread`), so a search from
the command line never imports SQLAlchemy. Every value is a bound parameter; the only SQL built
from text is the FTS5 expression, which is itself bound (:func:`kb.search.query.fts_expression`).
"""

from __future__ import annotations

import sqlite3

from kb.search.query import Query, Words, fts_expression, words
from kb.search.rank import Candidate, Hit, rank

SCHEMA_VERSION = "2"
KIND_CODE = {"talk": 0, "paper": 1, "person": 2, "post": 3}
KIND_OF_CODE = {v: k for k, v in KIND_CODE.items()}
BM25_WEIGHTS = (10.0, 6.0, 1.0, 2.0, 0.0)  # title, names, body, conf, tags
VOCAB_MIN, VOCAB_MAX = 3, 30  # shorter words are not typo-corrected; longer ones are noise (hashes, URLs)

MAX_VARIANTS = 4  # corrections per word: more only adds noise and OR branches
COMMON = 5_000  # matches beyond which ranking all of them by bm25 takes longer than a keystroke allows
SAMPLE = 100  # newest title/name matches re-ranked instead, for such common words
MAX_YEAR_TERMS = 200  # a year range wider than this is filtered by a join, not by OR-ing year tags


def search(conn: sqlite3.Connection, q: Query, limit: int) -> list[Hit]:
    """Hits for a parsed query with text or filters, on a database whose index is live (:func:`is_live`)."""
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


def _meta(conn: sqlite3.Connection, key: str) -> str | None:
    try:
        rows = _rows(conn, "SELECT value FROM search_meta WHERE key = ?", (key,))
    except sqlite3.OperationalError:  # no index table yet
        return None
    return rows[0][0] if rows else None


def is_live(conn: sqlite3.Connection) -> bool:
    """The index answers: it is live (not being bulk-loaded)."""
    return _meta(conn, "state") == "live"


def is_current(conn: sqlite3.Connection) -> bool:
    """The index is of this version and live: what opening the database would otherwise (re)build."""
    return _meta(conn, "version") == SCHEMA_VERSION and is_live(conn)


def terms_of(rows) -> set[str]:
    """Vocabulary words of document rows (tuples of text fields)."""
    return {w for row in rows for field in row for w in words(field or "") if VOCAB_MIN <= len(w) <= VOCAB_MAX}


def pending_terms(conn: sqlite3.Connection, cap: int = 2000) -> set[str]:
    """Words of documents changed by writers that did not refresh the vocabulary (usually none)."""
    return terms_of(
        _rows(
            conn,
            "SELECT d.title, d.names, d.body, d.conf FROM search_dirty x JOIN search_doc d ON d.id = x.id LIMIT ?",
            (cap,),
        )
    )


def _year_terms(conn: sqlite3.Connection, q: Query) -> tuple[int, ...] | None:
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


def _candidates(
    conn: sqlite3.Connection,
    q: Query,
    variants: dict[str, Words] | None,
    years: tuple[int, ...] | None,
    pool: int,
    tier: int,
) -> list[Candidate]:
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


def _where(q: Query, params: list, id_col: str = "d.id", years: bool = True) -> str:
    """Kind and year conditions (on search_doc ``d``); values are bound, never formatted."""
    conds = []
    if set(q.kinds) != set(KIND_CODE):
        codes = sorted(KIND_CODE[k] for k in q.kinds)
        conds.append(f"{id_col} % 4 IN ({', '.join('?' * len(codes))})")
        params += codes
    if q.year_min is not None and years:
        conds.append("d.year >= ?")
        params.append(q.year_min)
    if q.year_max is not None and years:
        conds.append("d.year <= ?")
        params.append(q.year_max)
    return " AND ".join(conds) or "1"


def _fts(
    conn: sqlite3.Connection, expr: str, q: Query, limit: int, tier: int = 0, order: str = "rank", join: bool = False
) -> list[Candidate]:
    """Matching documents with the query's kind/year filters: the top ``limit`` by weighted bm25
    (``order="rank"``), the newest ``limit`` (``"rowid"``), or, for ``"count"``, one pseudo
    candidate whose id is the number of matches, counted up to ``limit``."""
    params: list = [expr]
    where = _where(q, params, id_col="f.rowid", years=join)
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    join_sql = "JOIN search_doc d ON d.id = f.rowid" if join else ""
    if order == "count":
        sql = f"SELECT count(*) FROM (SELECT f.rowid FROM search_fts f {join_sql} WHERE search_fts MATCH ? AND {where} LIMIT ?)"
        return [Candidate(kind="", id=_rows(conn, sql, (*params, limit))[0][0] or 0, title="")]
    rank_sql, order_sql = (f"bm25(search_fts, {weights})", "r") if order == "rank" else ("0.0", "f.rowid DESC")
    sql = (
        f"SELECT f.rowid, {rank_sql} AS r FROM search_fts f {join_sql}"
        f" WHERE search_fts MATCH ? AND {where} ORDER BY {order_sql} LIMIT ?"
    )
    rows = _rows(conn, sql, (*params, limit))
    return [Candidate(kind=KIND_OF_CODE[rid % 4], id=rid, title="", bm25=r, tier=tier) for rid, r in rows]


def _filtered(conn: sqlite3.Connection, q: Query, limit: int) -> list[Candidate]:
    """Filters without words (``type:talk year:2019``): newest first, talks before papers, people, posts."""
    params: list = []
    where = _where(q, params)
    rows = _rows(
        conn,
        f"SELECT d.id FROM search_doc d WHERE {where} ORDER BY d.id % 4, d.year DESC, d.title LIMIT ?",
        (*params, limit),
    )
    return _with_text(conn, [Candidate(kind=KIND_OF_CODE[i % 4], id=i, title="") for (i,) in rows])


def _with_text(conn: sqlite3.Connection, found: list[Candidate]) -> list[Candidate]:
    """Fill in the documents' text; ids become the entity's own id."""
    if not found:
        return []
    ids = [c.id for c in found]
    rows = _rows(
        conn,
        f"SELECT id, title, names, body, conf, year FROM search_doc WHERE id IN ({', '.join('?' * len(ids))})",
        tuple(ids),
    )
    docs = {r[0]: r for r in rows}
    out = []
    for c in found:
        if d := docs.get(c.id):
            out.append(
                Candidate(
                    kind=c.kind,
                    id=c.id // 4,
                    title=d[1],
                    names=d[2],
                    body=d[3],
                    conf=d[4],
                    year=d[5],
                    bm25=c.bm25,
                    tier=c.tier,
                )
            )
    return out


def typo_variants(conn: sqlite3.Connection, q: Query) -> dict[str, Words]:
    """Corrections for the query's words, from the indexed vocabulary.

    Candidates come from two index range scans (same first two letters, or
    same last two) within the edit budget's length band, never from a scan of
    every word; rapidfuzz's optimal-string-alignment distance then decides
    (1 edit up to 5 letters, 2 beyond; words under 4 letters are left alone).
    """
    from rapidfuzz import process  # here: only typo correction needs it
    from rapidfuzz.distance import OSA

    pending = pending_terms(conn)
    out: dict[str, Words] = {}
    for w in dict.fromkeys(q.terms + tuple(x for p in q.speakers + q.authors for x in p)):
        if len(w) < 4 or w.isdigit():
            continue
        budget = 1 if len(w) <= 5 else 2
        lo, hi = len(w) - budget, len(w) + budget
        pre, suf = w[:2], w[::-1][:2]
        rows = _rows(
            conn,
            "SELECT term FROM search_term WHERE term >= ? AND term < ? AND length(term) BETWEEN ? AND ?"
            " UNION SELECT term FROM search_term WHERE rev >= ? AND rev < ? AND length(term) BETWEEN ? AND ?",
            (pre, _next(pre), lo, hi, suf, _next(suf), lo, hi),
        )
        pool = {t for (t,) in rows} | {
            t for t in pending if lo <= len(t) <= hi and (t.startswith(pre) or t.endswith(suf[::-1]))
        }
        pool = sorted(t for t in pool if not t.startswith(w))  # prefixes of w already match as typed
        scored = process.extract(w, pool, scorer=OSA.distance, score_cutoff=budget, limit=None)
        best = tuple(t for t, _, _ in sorted(scored, key=lambda x: (x[1], x[0])))[:MAX_VARIANTS]
        if best:
            out[w] = best
    return out


def _rows(conn: sqlite3.Connection, sql: str, params: tuple = ()) -> list[tuple]:
    """Run on the plain sqlite3 connection (a session's own: same transaction), skipping SQLAlchemy's
    result machinery: a quarter of a millisecond per statement, several statements per keystroke."""
    cursor = conn.cursor()
    try:
        return cursor.execute(sql, params).fetchall()
    finally:
        cursor.close()


def _next(prefix: str) -> str:
    """The smallest string after every string starting with ``prefix``."""
    return prefix[:-1] + chr(ord(prefix[-1]) + 1)
