"""The PostgreSQL search backend: the same query language and :class:`Hit` results as the SQLite index.

Layout (all PostgreSQL-specific search SQL lives here):

``search_doc``   one row per talk, paper, person and post, ``id = entity_id * 4 + kind code``
                 (as on SQLite), text columns title, names, body, conf, plus ``year`` and a
                 generated ``tsv`` tsvector — title weight A, names B, conf C, body D — under a
                 GIN index. The text search configuration ``kb_search`` is ``simple`` with
                 ``unaccent`` in front: case and diacritics folded, no stemming (prefix search
                 as you type, like FTS5's unicode61).
``search_term``  the vocabulary, with a pg_trgm GIN index: typo candidates come from
                 trigram similarity, then the same edit-distance budget as on SQLite decides.
``search_dirty`` documents changed since the vocabulary was last refreshed (append-only,
                 so concurrent importers never conflict on it).

Statement-level triggers (with transition tables) on the core tables recompute
exactly the documents a statement touched, so the index is right after any
write — imports, edits, merges, garbage collection, cascades — and a bulk
INSERT costs one recomputation, not one per row.
"""

from __future__ import annotations

import warnings

from rapidfuzz.distance import OSA
from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from kb.search.query import Query, Words, conf_forms
from kb.search.rank import Candidate, Hit, rank

VERSION = "pg-3"
KIND_CODE = {"talk": 0, "paper": 1, "person": 2, "post": 3}
KIND_OF_CODE = {v: k for k, v in KIND_CODE.items()}
WEIGHTS = "{0.1, 0.2, 0.6, 1.0}"  # D body, C conf, B names, A title: SQLite's bm25 weights 1, 2, 6, 10
COMMON, SAMPLE = 5_000, 100  # as kb.search: too many matches to rank them all → newest title/name matches
VOCAB_MIN, VOCAB_MAX = 3, 30
MAX_VARIANTS = 4
TRGM_THRESHOLD = "0.2"  # "veladi" ~ "vedaldi" is 0.25: pg_trgm's default 0.3 would miss it

_DATE_YEAR = "CASE WHEN po.date ~ '^[12][0-9]{3}' THEN substr(po.date, 1, 4)::int END"
_COLS = "id, kind, entity_id, title, names, body, conf, year"

# One SELECT per document kind, of the documents of the entity ids ``ids`` (columns as _COLS). Ids are
# joined through unnest() (a semi-join on the primary key), never "= ANY(ids)": a bulk INSERT hands over
# 20,000 ids, and an array search per row would make a 100k-paper load quadratic.
DOC_SELECTS = {
    "talks": (
        "talk",
        f"""SELECT t.id::bigint * 4, 'talk', t.id, coalesce(t.title, ''),
  coalesce((SELECT string_agg(p.name, '; ' ORDER BY ts.position) FROM talkspeaker ts JOIN person p ON p.id = ts.person_id
            WHERE ts.talk_id = t.id), ''),
  trim(both E'\\n' from coalesce(e.name, '') || E'\\n' || coalesce(t.summary, '')),
  coalesce(c.name, ''), coalesce(c.year, {_DATE_YEAR})
FROM talk t LEFT JOIN event e ON e.id = t.event_id LEFT JOIN post po ON po.id = t.post_id
  LEFT JOIN conference c ON c.id = coalesce(e.conference_id, po.conference_id)
WHERE t.id IN (SELECT unnest(ids))""",
    ),
    "papers": (
        "paper",
        """SELECT pa.id::bigint * 4 + 1, 'paper', pa.id, coalesce(pa.title, ''),
  coalesce((SELECT string_agg(p.name, '; ' ORDER BY a.position) FROM authorship a JOIN person p ON p.id = a.person_id
            WHERE a.paper_id = pa.id), ''),
  '', coalesce(pa.venue, ''), pa.year
FROM paper pa WHERE pa.id IN (SELECT unnest(ids))""",
    ),
    "people": (
        "person",
        """SELECT p.id::bigint * 4 + 2, 'person', p.id, p.name,
  coalesce((SELECT string_agg(DISTINCT al.alias, '; ' ORDER BY al.alias) FROM personalias al
            WHERE al.person_id = p.id AND al.alias <> p.name), ''),
  '', '', NULL::int
FROM person p WHERE p.id IN (SELECT unnest(ids))""",
    ),
    "posts": (
        "post",
        f"""SELECT po.id::bigint * 4 + 3, 'post', po.id, coalesce(po.title, po.path), '', po.body,
  coalesce(c.name, ''), coalesce(c.year, {_DATE_YEAR})
FROM post po LEFT JOIN conference c ON c.id = po.conference_id WHERE po.id IN (SELECT unnest(ids))""",
    ),
}

# (table, event, the columns a document depends on, [(doc function, SQL of entity ids from the rows "r")]).
# An UPDATE only counts when one of those columns changed: the importer's second UPDATE of a post
# (its front matter) must not re-tokenise the body.
_UPD = "UPDATE"
_EVENTS = ("INSERT", _UPD, "DELETE")
TRIGGERS: list[tuple[str, str, str, list[tuple[str, str]]]] = [
    *[("talk", ev, "id, title, summary, event_id, post_id", [("talks", "SELECT id FROM r")]) for ev in _EVENTS],
    *[("talkspeaker", ev, "talk_id, person_id, position", [("talks", "SELECT talk_id FROM r")]) for ev in _EVENTS],
    *[("paper", ev, "id, title, venue, year", [("papers", "SELECT id FROM r")]) for ev in _EVENTS],
    *[("authorship", ev, "paper_id, person_id, position", [("papers", "SELECT paper_id FROM r")]) for ev in _EVENTS],
    *[("person", ev, "id, name", [("people", "SELECT id FROM r")]) for ev in ("INSERT", "DELETE")],
    (
        "person",
        _UPD,
        "id, name",
        [
            ("people", "SELECT id FROM r"),
            ("talks", "SELECT ts.talk_id FROM talkspeaker ts JOIN r ON r.id = ts.person_id"),
            ("papers", "SELECT a.paper_id FROM authorship a JOIN r ON r.id = a.person_id"),
        ],
    ),
    *[("personalias", ev, "person_id, alias", [("people", "SELECT person_id FROM r")]) for ev in _EVENTS],
    *[
        ("post", ev, "id, title, body, path, conference_id", [("posts", "SELECT id FROM r")])
        for ev in ("INSERT", "DELETE")
    ],
    ("post", _UPD, "id, title, body, path, conference_id, date", [("posts", "SELECT id FROM r")]),
    ("post", _UPD, "id, conference_id, date", [("talks", "SELECT t.id FROM talk t JOIN r ON r.id = t.post_id")]),
    ("event", _UPD, "id, name, conference_id", [("talks", "SELECT t.id FROM talk t JOIN r ON r.id = t.event_id")]),
    (
        "conference",
        _UPD,
        "id, name, year",
        [
            (
                "talks",
                "SELECT t.id FROM talk t JOIN event e ON e.id = t.event_id JOIN r ON r.id = e.conference_id"
                " UNION SELECT t.id FROM talk t JOIN post po ON po.id = t.post_id JOIN r ON r.id = po.conference_id",
            ),
            ("posts", "SELECT po.id FROM post po JOIN r ON r.id = po.conference_id"),
        ],
    ),
]

SCHEMA = [
    "CREATE EXTENSION IF NOT EXISTS unaccent",
    "CREATE EXTENSION IF NOT EXISTS pg_trgm",
    """DO $$ BEGIN
  IF NOT EXISTS (SELECT 1 FROM pg_ts_config WHERE cfgname = 'kb_search') THEN
    CREATE TEXT SEARCH CONFIGURATION kb_search (COPY = simple);
    ALTER TEXT SEARCH CONFIGURATION kb_search ALTER MAPPING FOR asciiword, asciihword, hword_asciipart, word, hword,
      hword_part, numword, numhword, hword_numpart WITH unaccent, simple;
  END IF;
END $$""",
    "CREATE TABLE IF NOT EXISTS search_meta (key text PRIMARY KEY, value text)",
    """CREATE TABLE IF NOT EXISTS search_doc (id bigint PRIMARY KEY, kind text NOT NULL, entity_id integer NOT NULL,
  title text NOT NULL DEFAULT '', names text NOT NULL DEFAULT '', body text NOT NULL DEFAULT '',
  conf text NOT NULL DEFAULT '', year integer,
  tsv tsvector GENERATED ALWAYS AS (setweight(to_tsvector('kb_search', title), 'A')
    || setweight(to_tsvector('kb_search', names), 'B') || setweight(to_tsvector('kb_search', conf), 'C')
    || setweight(to_tsvector('kb_search', left(body, 300000)), 'D')) STORED)""",
    "CREATE INDEX IF NOT EXISTS search_doc_tsv ON search_doc USING gin (tsv)",
    "CREATE INDEX IF NOT EXISTS search_doc_kind_year ON search_doc (kind, year)",
    "CREATE TABLE IF NOT EXISTS search_term (term text PRIMARY KEY)",
    "CREATE INDEX IF NOT EXISTS search_term_trgm ON search_term USING gin (term gin_trgm_ops)",
    "CREATE TABLE IF NOT EXISTS search_dirty (seq bigserial PRIMARY KEY, id bigint NOT NULL)",
]
OBJECTS = ["search_dirty", "search_term", "search_doc", "search_meta"]


def _function_ddl() -> list[str]:
    out = []
    for name, (kind, select) in DOC_SELECTS.items():
        # UPDATE only what changed, INSERT only what is new: an unchanged document is never re-tokenised
        # (INSERT … ON CONFLICT would compute the generated tsvector before finding the conflict).
        out.append(f"""CREATE OR REPLACE FUNCTION kb_search_{name}(ids integer[]) RETURNS void LANGUAGE sql AS $f$
DELETE FROM search_doc WHERE id IN (SELECT x::bigint * 4 + {KIND_CODE[kind]} FROM unnest(ids) x)
  AND NOT EXISTS (SELECT 1 FROM {kind} x WHERE x.id = search_doc.entity_id);
WITH n({_COLS}) AS ({select}),
  changed AS (UPDATE search_doc s SET title = n.title, names = n.names, body = n.body, conf = n.conf, year = n.year
    FROM n WHERE s.id = n.id AND (s.title, s.names, s.body, s.conf, s.year) IS DISTINCT FROM
                                 (n.title, n.names, n.body, n.conf, n.year) RETURNING s.id)
INSERT INTO search_doc ({_COLS}) SELECT * FROM n WHERE NOT EXISTS (SELECT 1 FROM search_doc s WHERE s.id = n.id);
$f$""")
    for i, (_table, event, cols, calls) in enumerate(TRIGGERS):
        rows = {
            "INSERT": f"SELECT {cols} FROM new_rows",
            "DELETE": f"SELECT {cols} FROM old_rows",
            _UPD: f"(SELECT {cols} FROM new_rows EXCEPT SELECT {cols} FROM old_rows) UNION "
            f"(SELECT {cols} FROM old_rows EXCEPT SELECT {cols} FROM new_rows)",
        }[event]
        body = "".join(f"  PERFORM kb_search_{fn}(ARRAY(WITH r AS ({rows}) {sql}));\n" for fn, sql in calls)
        out.append(f"""CREATE OR REPLACE FUNCTION kb_search_trg_{i}() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
{body}  RETURN NULL;
END $f$""")
    return out


def _trigger_ddl() -> list[str]:
    out = []
    for i, (table, event, _cols, _calls) in enumerate(TRIGGERS):
        ref = {
            "INSERT": "NEW TABLE AS new_rows",
            "DELETE": "OLD TABLE AS old_rows",
            _UPD: "OLD TABLE AS old_rows NEW TABLE AS new_rows",
        }[event]
        out.append(f"DROP TRIGGER IF EXISTS kb_search_{i} ON {table}")
        out.append(
            f"CREATE TRIGGER kb_search_{i} AFTER {event} ON {table} REFERENCING {ref} "
            f"FOR EACH STATEMENT EXECUTE FUNCTION kb_search_trg_{i}()"
        )
    out.append("""CREATE OR REPLACE FUNCTION kb_search_dirty() RETURNS trigger LANGUAGE plpgsql AS $f$
BEGIN
  INSERT INTO search_dirty(id) SELECT id FROM new_rows;
  RETURN NULL;
END $f$""")
    for ev in ("INSERT", "UPDATE"):
        ref = "NEW TABLE AS new_rows" if ev == "INSERT" else "OLD TABLE AS old_rows NEW TABLE AS new_rows"
        out.append(f"DROP TRIGGER IF EXISTS kb_search_dirty_{ev.lower()} ON search_doc")
        out.append(
            f"CREATE TRIGGER kb_search_dirty_{ev.lower()} AFTER {ev} ON search_doc REFERENCING {ref} "
            "FOR EACH STATEMENT EXECUTE FUNCTION kb_search_dirty()"
        )
    return out


# ---------------------------------------------------------------- install and upkeep

_INSTALL_LOCK = 0x6B62_7365  # "kbse": one process builds the index, the others wait and find it built


def is_live(conn: Connection) -> bool:
    """The index exists, is of this version and is live (checked without ever raising inside a transaction)."""
    if conn.exec_driver_sql("SELECT to_regclass('search_meta')").scalar() is None:
        return False
    meta = dict(conn.exec_driver_sql("SELECT key, value FROM search_meta").all())
    return meta.get("version") == VERSION and meta.get("state") == "live"


def rebuild(conn: Connection) -> None:
    """(Re)create every search object and fill it from the core tables, in the caller's transaction."""
    for name in OBJECTS:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name} CASCADE")
    for ddl in SCHEMA + _function_ddl() + _trigger_ddl():
        conn.exec_driver_sql(ddl)
    for name, (kind, _) in DOC_SELECTS.items():
        conn.exec_driver_sql(f"SELECT kb_search_{name}(ARRAY(SELECT id FROM {kind}))")
    _refresh(conn)
    conn.exec_driver_sql(
        "INSERT INTO search_meta VALUES ('version', %(v)s), ('state', 'live') "
        "ON CONFLICT (key) DO UPDATE SET value = excluded.value",
        {"v": VERSION},
    )


def install(engine: Engine) -> None:
    """Schema hook (kb.db.open_db): build the index when missing or outdated; cheap when it is live."""
    if engine.dialect.name != "postgresql":
        return
    try:
        with engine.connect() as conn:
            if is_live(conn):
                return
        with engine.begin() as conn:
            conn.exec_driver_sql(f"SELECT pg_advisory_xact_lock({_INSTALL_LOCK})")
            if not is_live(conn):
                rebuild(conn)
    except Exception as exc:  # noqa: BLE001 - e.g. no right to CREATE EXTENSION: search falls back to LIKE
        warnings.warn(
            f"kb search index not built on PostgreSQL ({type(exc).__name__}: {str(exc).splitlines()[0]}); "
            "search falls back to LIKE (a superuser can run: CREATE EXTENSION unaccent; "
            "CREATE EXTENSION pg_trgm;)",
            RuntimeWarning,
            stacklevel=2,
        )


def _refresh(conn: Connection) -> int:
    last = conn.exec_driver_sql("SELECT max(seq) FROM search_dirty").scalar()
    if last is None:
        return 0
    # Sorted, in one statement: concurrent refreshes lock new terms in the same order, never a deadlock.
    conn.exec_driver_sql(
        "INSERT INTO search_term(term) SELECT DISTINCT u.lexeme FROM search_doc d"
        " JOIN (SELECT DISTINCT id FROM search_dirty WHERE seq <= %(last)s) x ON x.id = d.id, unnest(d.tsv) u"
        " WHERE length(u.lexeme) BETWEEN %(lo)s AND %(hi)s ORDER BY 1 ON CONFLICT DO NOTHING",
        {"last": last, "lo": VOCAB_MIN, "hi": VOCAB_MAX},
    )
    return conn.exec_driver_sql("DELETE FROM search_dirty WHERE seq <= %(last)s", {"last": last}).rowcount


def refresh_vocabulary(session: Session) -> int:
    """Add the words of documents changed since the last call to the typo vocabulary (after an import)."""
    session.flush()
    conn = session.connection()
    return _refresh(conn) if is_live(conn) else 0


def reindex(session: Session) -> None:
    rebuild(session.connection())


# ---------------------------------------------------------------- queries


def _lexeme(word: str, prefix: bool, weights: str = "") -> str:
    # Query words are letters and digits only (kb.search.query.words); quoting makes even those inert.
    suffix = ("*" if prefix and len(word) > 1 else "") + weights
    return "'" + word.replace("\\", "\\\\").replace("'", "''") + "'" + (":" + suffix if suffix else "")


def _term(word: str, variants: dict[str, Words], weights: str = "") -> str:
    extra = [_lexeme(v, False, weights) for v in variants.get(word, ())]
    own = _lexeme(word, True, weights)
    return f"({' | '.join([own, *extra])})" if extra else own


def _phrase(ws: Words, weights: str = "", prefix: bool = True) -> str:
    return "(" + " <-> ".join(_lexeme(w, prefix and i == len(ws) - 1, weights) for i, w in enumerate(ws)) + ")"


def tsquery(q: Query, variants: dict[str, Words] | None = None, narrow: bool = False) -> str:
    """The ``to_tsquery('kb_search', …)`` text for ``q``, mirroring kb.search.query.fts_expression.

    >>> tsquery(parse_query('speaker:zoph nas'))            # doctest: +SKIP
    "'nas':* & ('zoph':*B)"
    """
    variants = variants or {}
    text = "AB" if narrow else ""  # narrow: free-text words only in titles and names
    parts = [_term(t, variants, text) for t in q.terms] + [_phrase(p, text) for p in q.phrases]
    parts += ["(" + " & ".join(_term(w, variants, "B") for w in group) + ")" for group in q.speakers + q.authors]
    parts += [
        "(" + " | ".join(_phrase(f, "C") if len(f) > 1 else _lexeme(f[0], False, "C") for f in conf_forms(c)) + ")"
        for c in q.confs
    ]
    return " & ".join(parts)


def _where(q: Query, params: dict) -> str:
    conds = []
    if set(q.kinds) != set(KIND_CODE):
        conds.append("d.kind = ANY(%(kinds)s)")
        params["kinds"] = sorted(q.kinds)
    if q.year_min is not None:
        conds.append("d.year >= %(ymin)s")
        params["ymin"] = q.year_min
    if q.year_max is not None:
        conds.append("d.year <= %(ymax)s")
        params["ymax"] = q.year_max
    return " AND ".join(conds) or "TRUE"


def _match(conn: Connection, expr: str, q: Query, limit: int, tier: int, order: str) -> list[Candidate]:
    params: dict = {"q": expr, "n": limit}
    where = _where(q, params)
    base = f"FROM search_doc d, to_tsquery('kb_search', %(q)s) query WHERE d.tsv @@ query AND {where}"
    if order == "count":
        n = conn.exec_driver_sql(f"SELECT count(*) FROM (SELECT 1 {base} LIMIT %(n)s) s", params).scalar()
        return [Candidate(kind="", id=n or 0, title="")]
    rank_sql, order_sql = (
        (f"ts_rank('{WEIGHTS}', d.tsv, query)", "r DESC, d.id DESC") if order == "rank" else ("0.0", "d.id DESC")
    )
    rows = conn.exec_driver_sql(f"SELECT d.id, {rank_sql} AS r {base} ORDER BY {order_sql} LIMIT %(n)s", params).all()
    return [Candidate(kind=KIND_OF_CODE[i % 4], id=i, title="", bm25=-float(r), tier=tier) for i, r in rows]


def _candidates(conn: Connection, q: Query, variants: dict[str, Words] | None, pool: int, tier: int) -> list[Candidate]:
    """The best ``pool`` by ts_rank, unless the words are so common that ranking every match is too slow."""
    expr = tsquery(q, variants)
    if _match(conn, expr, q, COMMON, tier, "count")[0].id < COMMON:
        return _match(conn, expr, q, pool, tier, "rank")
    found = _match(conn, tsquery(q, variants, narrow=True), q, SAMPLE, tier, "newest")
    if len(found) < SAMPLE:
        seen = {c.id for c in found}
        found += [c for c in _match(conn, expr, q, SAMPLE, tier, "newest") if c.id not in seen]
    return found


def _filtered(conn: Connection, q: Query, limit: int) -> list[Candidate]:
    """Filters without words: newest first, talks before papers, people, posts (as on SQLite)."""
    params: dict = {"n": limit}
    where = _where(q, params)
    rows = conn.exec_driver_sql(
        f"SELECT d.id FROM search_doc d WHERE {where} ORDER BY d.id %% 4, d.year DESC NULLS LAST, d.title LIMIT %(n)s",
        params,
    ).all()
    return [Candidate(kind=KIND_OF_CODE[i % 4], id=i, title="") for (i,) in rows]


def _with_text(conn: Connection, found: list[Candidate]) -> list[Candidate]:
    if not found:
        return []
    rows = conn.exec_driver_sql(
        "SELECT id, title, names, body, conf, year FROM search_doc WHERE id = ANY(%(ids)s)",
        {"ids": [c.id for c in found]},
    ).all()
    docs = {r[0]: r for r in rows}
    return [
        Candidate(
            kind=c.kind, id=c.id // 4, title=d[1], names=d[2], body=d[3], conf=d[4], year=d[5], bm25=c.bm25, tier=c.tier
        )
        for c in found
        if (d := docs.get(c.id))
    ]


def typo_variants(conn: Connection, q: Query) -> dict[str, Words]:
    """Corrections from the vocabulary: pg_trgm proposes, the edit budget of the SQLite side decides
    (1 edit up to 5 letters, 2 beyond; words under 4 letters are left alone)."""
    wanted = [
        w
        for w in dict.fromkeys(q.terms + tuple(x for p in q.speakers + q.authors for x in p))
        if len(w) >= 4 and not w.isdigit()
    ]
    if not wanted:
        return {}
    conn.exec_driver_sql("SELECT set_config('pg_trgm.similarity_threshold', %(t)s, true)", {"t": TRGM_THRESHOLD})
    pending = {
        t
        for (t,) in conn.exec_driver_sql(  # words of documents changed since the last refresh
            "SELECT DISTINCT u.lexeme FROM search_doc d JOIN (SELECT DISTINCT id FROM search_dirty LIMIT 2000) x"
            " ON x.id = d.id, unnest(d.tsv) u WHERE length(u.lexeme) BETWEEN %(lo)s AND %(hi)s",
            {"lo": VOCAB_MIN, "hi": VOCAB_MAX},
        )
    }
    out: dict[str, Words] = {}
    for w in wanted:
        budget = 1 if len(w) <= 5 else 2
        lo, hi = len(w) - budget, len(w) + budget
        pool = {
            t
            for (t,) in conn.exec_driver_sql(
                "SELECT term FROM search_term WHERE term %% %(w)s AND length(term) BETWEEN %(lo)s AND %(hi)s",
                {"w": w, "lo": lo, "hi": hi},
            )
        }
        pool |= {t for t in pending if lo <= len(t) <= hi}
        scored = sorted((OSA.distance(w, t, score_cutoff=budget), t) for t in pool if not t.startswith(w))
        best = tuple(t for d, t in scored if d <= budget)[:MAX_VARIANTS]
        if best:
            out[w] = best
    return out


def search(session: Session, q: Query, limit: int) -> list[Hit]:
    """Hits for a parsed query (what :func:`kb.search.search` calls on PostgreSQL when the index is live)."""
    conn = session.connection()
    if not q.has_text:
        return rank(_with_text(conn, _filtered(conn, q, limit)), q, None, limit)
    pool = max(3 * limit, 60)
    found = _candidates(conn, q, None, pool, tier=0)
    variants: dict[str, Words] = {}
    if len(found) < limit:
        variants = typo_variants(conn, q)
        if variants:
            seen = {c.id for c in found}
            found += [c for c in _candidates(conn, q, variants, pool, tier=1) if c.id not in seen]
    return rank(_with_text(conn, found), q, variants, limit)
