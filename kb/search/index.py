"""The SQLite full-text index: one document per talk, paper, person and post.

Layout (all SQLite-specific SQL of kb lives here and in :mod:`kb.db`):

``search_doc``  one row per entity, ``id = entity_id * 4 + kind code`` so an FTS
                rowid names its entity without a join; columns title, names,
                body, conf, year and ``tags`` ("y2019", generated from year):
                a year filter is an FTS term, intersected inside the index
                instead of joined row by row (10× faster for common words).
``search_fts``  FTS5, external content = search_doc, ``unicode61
                remove_diacritics 2`` with 2- and 3-letter prefix indexes.
``search_term`` the vocabulary (and each word reversed) for typo candidates.
``search_dirty`` documents changed since the vocabulary was last brought up to date.

Triggers on the core tables rebuild the documents of exactly the rows a
statement touched, so the index is right after *any* write: re-import, user
edits, merges, ``garbage_collect``, cascades, even a hand-written UPDATE.
Triggers on ``search_doc`` keep ``search_fts`` in step. We measured this
against skipping the triggers and rebuilding after a bulk import
(``benchmarks/README.md``, "Search"): triggers win for ``kb import``;
:func:`suspended` gives bulk loaders the rebuild path.
"""

from __future__ import annotations

import re
import warnings
from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.engine import Connection, Engine
from sqlmodel import Session

from kb.db import is_sqlite
from kb.models import Authorship, Conference, Event, Paper, Person, PersonAlias, Post, Talk, TalkSpeaker
from kb.search.fts import SCHEMA_VERSION, VOCAB_MAX, VOCAB_MIN, terms_of

YEAR_TAG = re.compile(r"^y\d+$")  # the tags column holds "y2019": year filters become index lookups

# Table names come from the models: fixed identifiers, never user input.
T, TS, E, C, PO = (
    Talk.__tablename__,
    TalkSpeaker.__tablename__,
    Event.__tablename__,
    Conference.__tablename__,
    Post.__tablename__,
)
PA, AU, PE, AL = Paper.__tablename__, Authorship.__tablename__, Person.__tablename__, PersonAlias.__tablename__

_COLS = "id, kind, entity_id, title, names, body, conf, year"
_DATE_YEAR = "CASE WHEN po.date GLOB '[12][0-9][0-9][0-9]*' THEN CAST(substr(po.date, 1, 4) AS INTEGER) END"


def upsert(select: str) -> str:
    """Bring search_doc in line with ``select`` (rows of _COLS), touching only changed rows.

    UPDATE…FROM plus INSERT…WHERE NOT EXISTS rather than an UPSERT clause:
    inside a trigger, the firing statement's conflict policy (an ``INSERT OR
    REPLACE`` somewhere in kb) would override ours, and REPLACE skips delete
    triggers unless recursive triggers are on. (No alias on the UPDATE target:
    triggers do not allow one.)
    """
    return f"""UPDATE search_doc SET title = n.title, names = n.names, body = n.body, conf = n.conf, year = n.year
FROM ({select}) AS n
WHERE search_doc.id = n.id AND (search_doc.title IS NOT n.title OR search_doc.names IS NOT n.names
  OR search_doc.body IS NOT n.body OR search_doc.conf IS NOT n.conf OR search_doc.year IS NOT n.year);
INSERT INTO search_doc({_COLS}) SELECT * FROM ({select}) AS n WHERE NOT EXISTS (SELECT 1 FROM search_doc s WHERE s.id = n.id);"""


def talk_docs(where: str) -> str:
    """SELECT of the documents of the talks matching ``where`` (a fixed SQL condition on ``t``)."""
    return f"""SELECT t.id * 4 AS id, 'talk' AS kind, t.id AS entity_id, coalesce(t.title, '') AS title,
  coalesce((SELECT group_concat(name, '; ') FROM (SELECT p.name AS name FROM {TS} ts JOIN {PE} p ON p.id = ts.person_id
            WHERE ts.talk_id = t.id ORDER BY ts.position)), '') AS names,
  trim(coalesce(e.name, '') || char(10) || coalesce(t.summary, ''), char(10)) AS body,
  coalesce(c.name, '') AS conf, coalesce(c.year, {_DATE_YEAR}) AS year
FROM {T} t LEFT JOIN {E} e ON e.id = t.event_id LEFT JOIN {PO} po ON po.id = t.post_id
  LEFT JOIN {C} c ON c.id = coalesce(e.conference_id, po.conference_id)
WHERE {where}"""


def paper_docs(where: str) -> str:
    return f"""SELECT pa.id * 4 + 1 AS id, 'paper' AS kind, pa.id AS entity_id, coalesce(pa.title, '') AS title,
  coalesce((SELECT group_concat(name, '; ') FROM (SELECT p.name AS name FROM {AU} a JOIN {PE} p ON p.id = a.person_id
            WHERE a.paper_id = pa.id ORDER BY a.position)), '') AS names,
  '' AS body, coalesce(pa.venue, '') AS conf, pa.year AS year
FROM {PA} pa WHERE {where}"""


def person_docs(where: str) -> str:
    return f"""SELECT p.id * 4 + 2 AS id, 'person' AS kind, p.id AS entity_id, p.name AS title,
  coalesce((SELECT group_concat(alias, '; ') FROM (SELECT DISTINCT al.alias AS alias FROM {AL} al
            WHERE al.person_id = p.id AND al.alias <> p.name ORDER BY al.alias)), '') AS names,
  '' AS body, '' AS conf, NULL AS year
FROM {PE} p WHERE {where}"""


def post_docs(where: str) -> str:
    return f"""SELECT po.id * 4 + 3 AS id, 'post' AS kind, po.id AS entity_id, coalesce(po.title, po.path) AS title,
  '' AS names, po.body AS body, coalesce(c.name, '') AS conf, coalesce(c.year, {_DATE_YEAR}) AS year
FROM {PO} po LEFT JOIN {C} c ON c.id = po.conference_id WHERE {where}"""


def talk_doc_sql(where: str) -> str:
    return upsert(talk_docs(where))


def paper_doc_sql(where: str) -> str:
    return upsert(paper_docs(where))


def person_doc_sql(where: str) -> str:
    return upsert(person_docs(where))


def post_doc_sql(where: str) -> str:
    return upsert(post_docs(where))


def _delete_doc(expr: str) -> str:
    return f"DELETE FROM search_doc WHERE id = {expr};"


def _talks_in_conference(conf: str) -> str:
    return (
        f"t.id IN (SELECT t2.id FROM {T} t2 JOIN {E} e2 ON e2.id = t2.event_id WHERE e2.conference_id = {conf}"
        f" UNION SELECT t3.id FROM {T} t3 JOIN {PO} p3 ON p3.id = t3.post_id WHERE p3.conference_id = {conf})"
    )


# (name, table, event, body): every way a core write can change a document.
TRIGGERS: list[tuple[str, str, str, str]] = [
    ("talk_ai", T, "AFTER INSERT", talk_doc_sql("t.id = NEW.id")),
    ("talk_au", T, "AFTER UPDATE OF title, summary, event_id, post_id", talk_doc_sql("t.id = NEW.id")),
    ("talk_ad", T, "AFTER DELETE", _delete_doc("OLD.id * 4")),
    ("ts_ai", TS, "AFTER INSERT", talk_doc_sql("t.id = NEW.talk_id")),
    ("ts_au", TS, "AFTER UPDATE", talk_doc_sql("t.id IN (OLD.talk_id, NEW.talk_id)")),
    ("ts_ad", TS, "AFTER DELETE", talk_doc_sql("t.id = OLD.talk_id")),
    ("paper_ai", PA, "AFTER INSERT", paper_doc_sql("pa.id = NEW.id")),
    ("paper_au", PA, "AFTER UPDATE OF title, venue, year", paper_doc_sql("pa.id = NEW.id")),
    ("paper_ad", PA, "AFTER DELETE", _delete_doc("OLD.id * 4 + 1")),
    ("au_ai", AU, "AFTER INSERT", paper_doc_sql("pa.id = NEW.paper_id")),
    ("au_au", AU, "AFTER UPDATE", paper_doc_sql("pa.id IN (OLD.paper_id, NEW.paper_id)")),
    ("au_ad", AU, "AFTER DELETE", paper_doc_sql("pa.id = OLD.paper_id")),
    ("person_ai", PE, "AFTER INSERT", person_doc_sql("p.id = NEW.id")),
    (
        "person_au",
        PE,
        "AFTER UPDATE OF name",
        person_doc_sql("p.id = NEW.id")
        + talk_doc_sql(f"t.id IN (SELECT talk_id FROM {TS} WHERE person_id = NEW.id)")
        + paper_doc_sql(f"pa.id IN (SELECT paper_id FROM {AU} WHERE person_id = NEW.id)"),
    ),
    ("person_ad", PE, "AFTER DELETE", _delete_doc("OLD.id * 4 + 2")),
    ("alias_ai", AL, "AFTER INSERT", person_doc_sql("p.id = NEW.person_id")),
    ("alias_au", AL, "AFTER UPDATE", person_doc_sql("p.id IN (OLD.person_id, NEW.person_id)")),
    ("alias_ad", AL, "AFTER DELETE", person_doc_sql("p.id = OLD.person_id")),
    ("post_ai", PO, "AFTER INSERT", post_doc_sql("po.id = NEW.id")),
    ("post_au", PO, "AFTER UPDATE OF title, body, path", post_doc_sql("po.id = NEW.id")),
    (
        "post_au_conf",
        PO,
        "AFTER UPDATE OF conference_id, date",
        post_doc_sql("po.id = NEW.id") + talk_doc_sql("t.post_id = NEW.id"),
    ),
    ("post_ad", PO, "AFTER DELETE", _delete_doc("OLD.id * 4 + 3")),
    ("event_au", E, "AFTER UPDATE OF name, conference_id", talk_doc_sql("t.event_id = NEW.id")),
    (
        "conf_au",
        C,
        "AFTER UPDATE OF name, year",
        talk_doc_sql(_talks_in_conference("NEW.id")) + post_doc_sql("po.conference_id = NEW.id"),
    ),
]

_FTS_COLS = "title, names, body, conf, tags"
# Not INSERT OR IGNORE: the firing statement's conflict policy would override it (see upsert).
_DIRTY = " INSERT INTO search_dirty(id) SELECT NEW.id WHERE NOT EXISTS (SELECT 1 FROM search_dirty WHERE id = NEW.id);"
SYNC_TRIGGERS: list[tuple[str, str, str, str]] = [
    (
        "doc_ai",
        "search_doc",
        "AFTER INSERT",
        f"INSERT INTO search_fts(rowid, {_FTS_COLS}) VALUES (NEW.id, NEW.title, NEW.names, NEW.body, NEW.conf, NEW.tags);"
        + _DIRTY,
    ),
    (
        "doc_ad",
        "search_doc",
        "AFTER DELETE",
        f"INSERT INTO search_fts(search_fts, rowid, {_FTS_COLS}) VALUES ('delete', OLD.id, OLD.title, OLD.names, OLD.body, OLD.conf, OLD.tags);",
    ),
    (
        "doc_au",
        "search_doc",
        "AFTER UPDATE",
        f"INSERT INTO search_fts(search_fts, rowid, {_FTS_COLS}) VALUES ('delete', OLD.id, OLD.title, OLD.names, OLD.body, OLD.conf, OLD.tags);"
        f" INSERT INTO search_fts(rowid, {_FTS_COLS}) VALUES (NEW.id, NEW.title, NEW.names, NEW.body, NEW.conf, NEW.tags);"
        + _DIRTY,
    ),
]

TABLES = [
    "CREATE TABLE IF NOT EXISTS search_meta (key TEXT PRIMARY KEY, value TEXT)",
    """CREATE TABLE IF NOT EXISTS search_doc (id INTEGER PRIMARY KEY, kind TEXT NOT NULL, entity_id INTEGER NOT NULL,
       title TEXT NOT NULL DEFAULT '', names TEXT NOT NULL DEFAULT '', body TEXT NOT NULL DEFAULT '',
       conf TEXT NOT NULL DEFAULT '', year INTEGER,
       tags TEXT GENERATED ALWAYS AS (coalesce('y' || year, '')) VIRTUAL)""",
    "CREATE INDEX IF NOT EXISTS search_doc_year ON search_doc(year)",
    f"""CREATE VIRTUAL TABLE IF NOT EXISTS search_fts USING fts5({_FTS_COLS}, content='search_doc', content_rowid='id',
       tokenize='unicode61 remove_diacritics 2', prefix='2 3')""",
    "CREATE TABLE IF NOT EXISTS search_term (term TEXT PRIMARY KEY, rev TEXT NOT NULL) WITHOUT ROWID",
    "CREATE INDEX IF NOT EXISTS search_term_rev ON search_term(rev)",
    "CREATE TABLE IF NOT EXISTS search_dirty (id INTEGER PRIMARY KEY)",
    "CREATE VIRTUAL TABLE IF NOT EXISTS search_vocab USING fts5vocab(search_fts, 'row')",
]
OBJECTS = ["search_vocab", "search_fts", "search_doc", "search_term", "search_dirty", "search_meta"]


def _create_triggers(conn: Connection, triggers: list[tuple[str, str, str, str]]) -> None:
    for name, table, when, body in triggers:
        conn.exec_driver_sql(f"CREATE TRIGGER IF NOT EXISTS search_{name} {when} ON {table} BEGIN {body} END")


def _drop_triggers(conn: Connection) -> None:
    for name, *_ in TRIGGERS + SYNC_TRIGGERS + MARK_TRIGGERS:
        conn.exec_driver_sql(f"DROP TRIGGER IF EXISTS search_{name}")


# While suspended, a write to any table documents are made of only flags the index as out of date
# (once per transaction: the WHEN clause), so a bulk load that changed nothing skips the rebuild.
_MARK = "UPDATE search_meta SET value = 'changed' WHERE key = 'bulk'"
_UNMARKED = "WHEN (SELECT value FROM search_meta WHERE key = 'bulk') IS NOT 'changed'"
MARK_TRIGGERS: list[tuple[str, str, str, str]] = [
    (f"mark_{table}_{op[0].lower()}", f"{table} {_UNMARKED}", f"AFTER {op}", _MARK + ";")  # ON t WHEN …
    for table in (T, TS, PA, AU, PE, AL, PO, E, C)
    for op in ("INSERT", "UPDATE", "DELETE")
]


def _meta(conn: Connection, key: str) -> str | None:
    row = conn.exec_driver_sql("SELECT value FROM search_meta WHERE key = ?", (key,)).first()
    return row[0] if row else None


def _set_meta(conn: Connection, key: str, value: str) -> None:
    conn.exec_driver_sql(
        "INSERT INTO search_meta(key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value",
        (key, value),
    )


def has_fts5(conn: Connection) -> bool:
    return bool(conn.exec_driver_sql("SELECT sqlite_compileoption_used('ENABLE_FTS5')").scalar())


def is_installed(conn: Connection) -> bool:
    """The index exists, is of this version and is not being bulk-loaded."""
    exists = conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'search_meta'").first()
    return bool(exists) and _meta(conn, "version") == SCHEMA_VERSION and _meta(conn, "state") == "live"


def rebuild(conn: Connection) -> None:
    """Drop and rebuild every search object from the core tables, in the caller's transaction."""
    _drop_triggers(conn)
    for name in OBJECTS:
        conn.exec_driver_sql(f"DROP TABLE IF EXISTS {name}")
    for ddl in TABLES:
        conn.exec_driver_sql(ddl)
    # Bulk fill without triggers, then one FTS 'rebuild': far cheaper than row-at-a-time sync.
    for select in (talk_docs("true"), paper_docs("true"), person_docs("true"), post_docs("true")):
        conn.exec_driver_sql(f"INSERT INTO search_doc({_COLS}) {select}")
    conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('rebuild')")
    conn.exec_driver_sql("INSERT INTO search_fts(search_fts) VALUES ('optimize')")
    terms = [
        t
        for (t,) in conn.exec_driver_sql("SELECT term FROM search_vocab")
        if VOCAB_MIN <= len(t) <= VOCAB_MAX and not YEAR_TAG.match(t)
    ]
    _add_terms(conn, terms)
    _create_triggers(conn, TRIGGERS + SYNC_TRIGGERS)
    _set_meta(conn, "version", SCHEMA_VERSION)
    _set_meta(conn, "state", "live")


def install(engine: Engine) -> None:
    """Schema hook: create (or upgrade, or finish a bulk load of) the index; cheap when it is up to date."""
    if not is_sqlite(engine):
        return
    try:
        with engine.connect() as conn:
            if is_installed(conn) or not has_fts5(conn):
                return
        with engine.execution_options(kb_write=True).begin() as conn:
            if not is_installed(conn):  # another process may have built it while we waited for the lock
                rebuild(conn)
    except Exception as exc:  # noqa: BLE001 - a broken index must not stop kb from opening its data
        if type(exc).__name__ == "DatabaseUnusable" or "malformed" in str(exc):
            return  # a damaged database: the command itself says so, in one line (kb.db)
        warnings.warn(
            f"kb search index not built ({type(exc).__name__}: {exc}); search falls back to LIKE",
            RuntimeWarning,
            stacklevel=2,
        )


@contextmanager
def suspended(engine: Engine) -> Iterator[None]:
    """Bulk-load without index triggers, then rebuild once (what ``benchmarks/synth.py`` uses).

    Until the rebuild the index is marked stale, so a crash in between is
    repaired by the next ``open_db``. If nothing was written meanwhile (by
    anyone), the triggers come back without a rebuild.
    """
    if not is_sqlite(engine):
        yield
        return
    with engine.execution_options(kb_write=True).begin() as conn:
        was_live = is_installed(conn)
        conn.exec_driver_sql("CREATE TABLE IF NOT EXISTS search_meta (key TEXT PRIMARY KEY, value TEXT)")
        _set_meta(conn, "state", "stale")
        _set_meta(conn, "bulk", "unchanged")
        _drop_triggers(conn)
        _create_triggers(conn, MARK_TRIGGERS)
    yield
    with engine.execution_options(kb_write=True).begin() as conn:
        if was_live and _meta(conn, "bulk") == "unchanged":  # e.g. re-importing unchanged posts
            _drop_triggers(conn)
            _create_triggers(conn, TRIGGERS + SYNC_TRIGGERS)
            _set_meta(conn, "state", "live")
        else:
            rebuild(conn)


# Measured (benchmarks/README.md, "Search"): triggers cost ~8 ms of CPU per generated post; a rebuild
# ~16 µs per document. A bulk import of n posts (~40 documents each) into an index of D documents is
# cheaper as one rebuild when 8000 n > 16 (D + 40 n), i.e. n > D / 460; we ask for a margin.
BULK_MIN_FILES = 20
BULK_DOCS_PER_FILE = 400


def bulk_pays(files: int, docs: int) -> bool:
    """Whether importing ``files`` posts into an index of ``docs`` documents is cheaper with one rebuild.

    >>> bulk_pays(1000, 0), bulk_pays(5, 0), bulk_pays(100, 170_500), bulk_pays(1000, 170_500)
    (True, False, False, True)
    """
    return files >= BULK_MIN_FILES and files * BULK_DOCS_PER_FILE > docs


@contextmanager
def bulk_import(engine: Engine, files: int) -> Iterator[None]:
    """Around ``import_paths``: the cheaper index upkeep for an import of ``files`` posts.

    Per-row triggers, then the typo vocabulary brought up to date; or, when it
    pays, no triggers and one rebuild at the end (which also rebuilds the vocabulary).
    """
    if not is_sqlite(engine):
        yield
        return
    docs = None
    with engine.connect() as conn:
        if is_installed(conn):
            docs = conn.exec_driver_sql("SELECT count(*) FROM search_doc").scalar()
    if docs is not None and bulk_pays(files, docs):
        with suspended(engine):
            yield
        return
    yield
    from kb.db import session_scope  # here, not at the top: kb.db is imported by the modules kb.search serves

    with session_scope(engine, write=True) as session:
        refresh_vocabulary(session)


def refresh_vocabulary(session: Session) -> int:
    """Add the words of documents changed since the last call to the typo vocabulary.

    Called after each import (see :func:`bulk_import`). Words that
    left the index stay in the vocabulary: a stale candidate only adds an OR
    branch that matches nothing. Returns the number of documents read.
    """
    session.flush()  # pending ORM writes fire their triggers now
    conn = session.connection()
    if (
        not is_sqlite(conn.engine)
        or not conn.exec_driver_sql("SELECT 1 FROM sqlite_master WHERE name = 'search_dirty'").first()
    ):
        return 0
    rows = conn.exec_driver_sql(
        "SELECT d.title, d.names, d.body, d.conf FROM search_dirty x JOIN search_doc d ON d.id = x.id"
    ).all()
    _add_terms(conn, sorted(terms_of(rows)))
    conn.exec_driver_sql("DELETE FROM search_dirty")
    return len(rows)


def _add_terms(conn: Connection, terms: list[str]) -> None:
    if terms:  # an empty executemany is not a no-op in SQLAlchemy
        conn.exec_driver_sql(
            "INSERT OR IGNORE INTO search_term(term, rev) VALUES (?, ?)", [(t, t[::-1]) for t in terms]
        )


def reindex(session: Session) -> None:
    """Rebuild the whole index in the caller's (write) transaction.  ``kb search --reindex``"""
    conn = session.connection()
    if is_sqlite(conn.engine) and has_fts5(conn):
        rebuild(conn)


def index_size(session: Session) -> int:
    """Bytes used by the search tables and indexes (SQLite's dbstat)."""
    conn = session.connection()
    row = conn.exec_driver_sql("SELECT sum(pgsize) FROM dbstat WHERE name LIKE 'search%'").first()
    return int(row[0] or 0)
