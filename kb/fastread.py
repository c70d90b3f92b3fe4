"""Read-only commands on a plain ``sqlite3`` connection: ``kb stats``, ``kb list`` and ``kb search``
answer without importing SQLAlchemy, SQLModel or the models (~0.4 s of a 0.5 s start-up).

:func:`connect` hands out a connection only for a SQLite knowledge base that opening it the usual
way (:func:`kb.db.open_db`) would leave untouched: a file named by a path (not a URL), holding kb's
tables at the newest migration (:data:`kb.migrations.HEAD`) and a current, live search index.
Anything else — no file, an empty one, not a database, an older schema, an index being rebuilt,
PostgreSQL — gets None, and the caller takes the usual path, whose messages and repairs stay the
only ones. Every statement here is fixed SQL with bound values; the results are exactly those of
:func:`kb.queries.stats` and :func:`kb.queries.list_rows` (``tests/test_fastread.py`` compares
them row for row).
"""

from __future__ import annotations

import sqlite3
from pathlib import Path
from typing import Any

from kb.dbbase import BUSY_TIMEOUT_MS, db_value

STATS_TABLES = (
    ("posts", "post"),
    ("conferences", "conference"),
    ("events", "event"),
    ("talks", "talk"),
    ("people", "person"),
    ("papers", "paper"),
    ("references", "reference"),
    ("citations", "citation"),
    ("links", "link"),
)
CHUNK = 500  # ids bound per IN (…): well under SQLite's variable limit


def connect(db: str | None = None) -> sqlite3.Connection | None:
    """A read transaction on the SQLite KB named by ``db`` (``--db``, ``KB_DB``, default), or None."""
    value = db_value(db)
    if "://" in value:
        return None
    path = Path(value).expanduser()
    try:
        if not path.is_file() or path.stat().st_size == 0:
            return None
    except OSError:
        return None
    conn = None
    try:
        conn = sqlite3.connect(path, timeout=BUSY_TIMEOUT_MS / 1000, isolation_level=None)
        conn.execute("BEGIN")  # one snapshot for every statement of the command
        if _current(conn):
            return conn
    except sqlite3.Error:
        pass
    if conn is not None:
        conn.close()
    return None


def _current(conn: sqlite3.Connection) -> bool:
    from kb.migrations import HEAD
    from kb.search import fts

    tables = {
        name
        for (name,) in conn.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name IN ('alembic_version', 'post', 'search_meta')"
        )
    }
    if tables != {"alembic_version", "post", "search_meta"}:
        return False
    revision = conn.execute("SELECT version_num FROM alembic_version").fetchall()
    return revision == [(HEAD,)] and fts.is_current(conn)


def stats(conn: sqlite3.Connection) -> dict[str, int]:
    return {label: conn.execute(f"SELECT count(*) FROM {table}").fetchone()[0] for label, table in STATS_TABLES}


def _chunks(ids: list[int]):
    for i in range(0, len(ids), CHUNK):
        part = ids[i : i + CHUNK]
        yield part, ", ".join("?" * len(part))


def _names_by(conn: sqlite3.Connection, link: str, owner: str, ids: list[int]) -> dict[int, list[str]]:
    """{owner id: people's names in position order} through ``link`` (talkspeaker, authorship)."""
    out: dict[int, list[str]] = {i: [] for i in ids}
    for part, marks in _chunks(ids):
        for owner_id, name in conn.execute(
            f"SELECT l.{owner}, p.name FROM {link} l JOIN person p ON p.id = l.person_id"
            f" WHERE l.{owner} IN ({marks}) ORDER BY l.position",
            part,
        ):
            out[owner_id].append(name)
    return out


def _counts(conn: sqlite3.Connection, table: str, column: str, ids: list[int]) -> dict[int, int]:
    out: dict[int, int] = {}
    for part, marks in _chunks(ids):
        out.update(
            conn.execute(f"SELECT {column}, count(*) FROM {table} WHERE {column} IN ({marks}) GROUP BY {column}", part)
        )
    return out


def list_rows(conn: sqlite3.Connection, kind: str, limit: int | None = None) -> list[dict[str, Any]]:
    """Rows for ``kb list KIND``, as :func:`kb.queries.list_rows` gives them."""
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be 0 or more, not {limit}")
    n = -1 if limit is None else limit  # SQLite: LIMIT -1 is no limit

    def rows(sql: str) -> list[tuple]:
        return conn.execute(sql + " LIMIT ?", (n,)).fetchall()

    if kind == "talks":
        talks = rows(
            "SELECT t.id, t.title, t.kind, e.name, po.path FROM talk t JOIN post po ON po.id = t.post_id"
            " LEFT OUTER JOIN event e ON e.id = t.event_id ORDER BY po.path, t.position"
        )
        speakers = _names_by(conn, "talkspeaker", "talk_id", [t[0] for t in talks])
        return [
            {"id": i, "title": title, "speakers": speakers[i], "kind": k, "event": event, "post": path}
            for i, title, k, event, path in talks
        ]
    if kind == "people":
        people = rows("SELECT id, name, url FROM person ORDER BY family_key, given")
        ids = [p[0] for p in people]
        talks = _counts(conn, "talkspeaker", "person_id", ids)
        papers = _counts(conn, "authorship", "person_id", ids)
        mentioned = set(_counts(conn, "mention", "person_id", ids))
        return [
            {
                "id": i,
                "name": name,
                "url": url,
                "talks": talks.get(i, 0),
                "papers": papers.get(i, 0),
                "mentioned": i in mentioned,
            }
            for i, name, url in people
        ]
    if kind == "papers":
        papers = rows(
            "SELECT id, title, et_al, venue, year, type, doi, arxiv_id, url, citekey FROM paper"
            " ORDER BY year DESC, title"
        )
        authors = _names_by(conn, "authorship", "paper_id", [p[0] for p in papers])
        return [
            {
                "id": i,
                "title": title,
                "authors": authors[i],
                "et_al": bool(et_al),
                "venue": venue,
                "year": year,
                "type": type_,
                "doi": doi,
                "arxiv": arxiv,
                "url": url,
                "citekey": citekey,
            }
            for i, title, et_al, venue, year, type_, doi, arxiv, url, citekey in papers
        ]
    if kind == "conferences":
        confs = rows(
            "SELECT c.id, c.name, c.year, c.location, c.url,"
            " (SELECT count(*) FROM event e WHERE e.conference_id = c.id),"
            " (SELECT count(*) FROM post po WHERE po.conference_id = c.id)"
            " FROM conference c ORDER BY c.year DESC, c.name"
        )
        return [
            {"id": i, "name": name, "year": year, "location": location, "url": url, "events": events, "posts": posts}
            for i, name, year, location, url, events, posts in confs
        ]
    if kind == "events":
        events = rows(
            "SELECT e.id, e.name, e.kind, e.url, c.id, c.name, c.year FROM event e"
            " LEFT OUTER JOIN conference c ON c.id = e.conference_id ORDER BY e.name"
        )
        return [
            {
                "id": i,
                "name": name,
                "kind": k,
                "url": url,
                "conference": None if cid is None else f"{cname} {cyear or ''}".strip(),
            }
            for i, name, k, url, cid, cname, cyear in events
        ]
    if kind == "posts":
        posts = rows("SELECT id, path, title, date, draft FROM post ORDER BY date DESC, path")
        return [
            {"id": i, "path": path, "title": title, "date": date, "draft": bool(draft)}
            for i, path, title, date, draft in posts
        ]
    from kb.queries import LIST_KINDS

    raise ValueError(f"unknown list kind {kind!r}; choose from {', '.join(LIST_KINDS)}")


def _by_conference(conn: sqlite3.Connection, sql: str, ids: list[int]) -> dict[int, int]:
    """{conference id: n} from ``sql`` (``… WHERE cid IN ({marks}) …``), chunked like every IN here."""
    out: dict[int, int] = {}
    for part, marks in _chunks(ids):
        out.update(conn.execute(sql.format(marks=marks), part))
    return out


def home_summary(conn: sqlite3.Connection, recent: int = 8) -> dict[str, Any]:
    """The TUI's home page data, as :func:`kb.queries.home_summary` gives it (its first frame needs no SQLAlchemy)."""
    confs = conn.execute(
        "SELECT id, name, year, location FROM conference ORDER BY year DESC, name LIMIT 200"
    ).fetchall()
    ids = [c[0] for c in confs]
    counts = {
        "events": _by_conference(
            conn,
            "SELECT conference_id, count(*) FROM event WHERE conference_id IN ({marks}) GROUP BY conference_id",
            ids,
        ),
        "talks": _by_conference(
            conn,
            "SELECT po.conference_id, count(t.id) FROM post po JOIN talk t ON t.post_id = po.id"
            " WHERE po.conference_id IN ({marks}) GROUP BY po.conference_id",
            ids,
        ),
        "papers": _by_conference(
            conn,
            "SELECT cid, count(DISTINCT pid) FROM (SELECT po.conference_id AS cid,"
            " ci.paper_id AS pid FROM post po JOIN citation ci ON ci.post_id = po.id UNION"
            " SELECT po.conference_id, r.paper_id FROM post po JOIN reference r"
            " ON r.post_id = po.id WHERE r.paper_id IS NOT NULL)"
            " WHERE cid IN ({marks}) GROUP BY cid",
            ids,
        ),
        "posts": _by_conference(
            conn,
            "SELECT conference_id, count(*) FROM post WHERE conference_id IN ({marks}) GROUP BY conference_id",
            ids,
        ),
    }
    posts = conn.execute("SELECT id, title, date, path FROM post ORDER BY date DESC, id DESC LIMIT ?", (recent,))
    waiting = conn.execute(
        "SELECT count(*) FROM post WHERE NOT (lower(path) LIKE '%.bib') AND id NOT IN"
        " (SELECT entity_id FROM useredit WHERE entity = 'post' AND field = 'review')"
    ).fetchone()[0]
    return {
        "totals": stats(conn),
        "conferences": [
            {
                "id": i,
                "name": name,
                "year": year,
                "location": location,
                **{k: counts[k].get(i, 0) for k in ("events", "talks", "papers", "posts")},
            }
            for i, name, year, location in confs
        ],
        "posts": [{"id": i, "title": title, "date": date, "path": path} for i, title, date, path in posts],
        "to_review": waiting,
    }
