"""The one place kb talks to the network (``kb enrich``): polite, patient, cached.

* a User-Agent naming kb, its version and the user's contact (``KB_CONTACT`` / ``--contact``), which
  also puts Crossref and OpenAlex requests in their "polite pool" (``mailto=``);
* one request per source at a time, spaced by the source's rate limit (arXiv asks for 3 s);
* timeouts; retries with exponential backoff on 429, 5xx, timeouts and dropped connections, honouring
  ``Retry-After``; then one :class:`FetchError` saying what happened;
* an on-disk cache (one SQLite table, keyed by URL without the contact) of answers that will not change
  (200 and 404), so a second run asks the network nothing.
"""

from __future__ import annotations

import email.utils
import sqlite3
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlencode

import httpx

PROJECT_URL = "https://pypi.org/project/kb/"
# Seconds between two requests to one source. arXiv's API terms ask for one request every 3 s; the
# others document no lower bound for unauthenticated use, so kb keeps to about one a second.
RATE = {"arxiv": 3.0}
DEFAULT_RATE = 1.0
RETRY_STATUS = {429, 500, 502, 503, 504}
MAX_RETRY_AFTER = 120.0  # a server asking for more than this is treated as down
CACHED_STATUS = {200, 404}
MAX_BODY = 8 * 2**20


class FetchError(Exception):
    """The source could not be asked (down, refusing, timing out, or kb is offline)."""


@dataclass
class Answer:
    url: str
    status: int
    body: bytes
    cached: bool = False


def user_agent(contact: str | None) -> str:
    try:
        from importlib.metadata import version

        v = version("kb")
    except Exception:  # running from a source tree that was never installed
        v = "0"
    who = f"+{PROJECT_URL}" + (f"; mailto:{contact}" if contact else "")
    return f"kb/{v} ({who})"


class Cache:
    """``url → (status, body)`` in a small SQLite file next to the knowledge base."""

    def __init__(self, path: Path | None):
        self.path = path
        self._conn: sqlite3.Connection | None = None
        if path is not None:
            path.parent.mkdir(parents=True, exist_ok=True)
            self._conn = sqlite3.connect(path, timeout=30)
            self._conn.execute(
                "CREATE TABLE IF NOT EXISTS http_cache (url TEXT PRIMARY KEY, status INTEGER NOT NULL,"
                " body BLOB NOT NULL, fetched_at TEXT NOT NULL)"
            )
            self._conn.commit()

    def get(self, url: str) -> tuple[int, bytes] | None:
        if self._conn is None:
            return None
        row = self._conn.execute("SELECT status, body FROM http_cache WHERE url = ?", (url,)).fetchone()
        return None if row is None else (int(row[0]), bytes(row[1]))

    def put(self, url: str, status: int, body: bytes) -> None:
        if self._conn is None:
            return
        self._conn.execute(
            "INSERT OR REPLACE INTO http_cache (url, status, body, fetched_at) VALUES (?, ?, ?, ?)",
            (url, status, body, datetime.now(UTC).isoformat(timespec="seconds")),
        )
        self._conn.commit()

    def forget(self, url: str) -> None:
        if self._conn is not None:
            self._conn.execute("DELETE FROM http_cache WHERE url = ?", (url,))
            self._conn.commit()

    def close(self) -> None:
        if self._conn is not None:
            self._conn.close()
            self._conn = None


def _read(r: httpx.Response) -> bytes:
    """The body, refusing more than MAX_BODY (a metadata record is a few kB; more is not an answer)."""
    body = bytearray()
    for chunk in r.iter_bytes():
        body += chunk
        if len(body) > MAX_BODY:
            raise FetchError(f"an answer larger than {MAX_BODY // 2**20} MiB (refused)")
    return bytes(body)


def retry_after(value: str | None) -> float | None:
    """Seconds from a ``Retry-After`` header (delta-seconds or an HTTP date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - datetime.now(UTC)).total_seconds())


class Fetcher:
    """GET with rate limits, retries and the cache. ``transport``, ``sleep`` and ``clock`` are for tests."""

    def __init__(
        self,
        cache: Cache,
        contact: str | None = None,
        *,
        timeout: float = 20.0,
        retries: int = 4,
        backoff: float = 1.0,
        refresh: bool = False,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] | None = None,
        clock: Callable[[], float] | None = None,
    ):
        self.cache = cache
        self.contact = contact
        self.retries = max(1, retries)
        self.backoff = backoff
        self.refresh = refresh
        self.sleep = sleep or (lambda seconds: time.sleep(seconds))  # looked up when called (tests patch it)
        self.clock = clock or time.monotonic
        self.requests = 0  # how many went out over the network
        self._last: dict[str, float] = {}
        self.client = httpx.Client(
            headers={"User-Agent": user_agent(contact)},
            timeout=timeout,
            follow_redirects=True,
            transport=transport,
        )

    def close(self) -> None:
        self.client.close()
        self.cache.close()

    def url(self, base: str, params: dict[str, str] | None = None) -> str:
        """The request's URL as cached: without the contact, so changing it does not empty the cache."""
        return base + ("?" + urlencode(params) if params else "")

    def get(self, source: str, base: str, params: dict[str, str] | None = None, *, polite: bool = False) -> Answer:
        url = self.url(base, params)
        if not self.refresh:
            hit = self.cache.get(url)
            if hit is not None:
                return Answer(url, hit[0], hit[1], cached=True)
        sent = dict(params or {})
        if polite and self.contact:
            sent["mailto"] = self.contact
        status, body = self._fetch(source, base, sent)
        if status in CACHED_STATUS:
            self.cache.put(url, status, body)
        return Answer(url, status, body)

    def _wait_turn(self, source: str, not_before: float = 0.0) -> None:
        """Sleep until the source's rate limit (and a retry's backoff, ``not_before``) allow the next request."""
        last = self._last.get(source)
        due = max(not_before, last + RATE.get(source, DEFAULT_RATE) if last is not None else 0.0)
        wait = due - self.clock()
        if wait > 0:
            self.sleep(wait)
        self._last[source] = self.clock()

    def _fetch(self, source: str, base: str, params: dict[str, str]) -> tuple[int, bytes]:
        problem = ""
        not_before = 0.0
        for attempt in range(self.retries):
            self._wait_turn(source, not_before)
            self.requests += 1
            delay = self.backoff * 2**attempt
            try:
                with self.client.stream("GET", base, params=params or None) as r:
                    if r.status_code in RETRY_STATUS:
                        problem = f"HTTP {r.status_code}"
                        asked = retry_after(r.headers.get("Retry-After"))
                        if asked is not None:
                            if asked > MAX_RETRY_AFTER:
                                raise FetchError(f"{problem}: asked to wait {asked:.0f} s")
                            delay = max(delay, asked)
                    elif r.status_code in (200, 404):
                        return r.status_code, _read(r)
                    else:
                        raise FetchError(f"HTTP {r.status_code}")
            except httpx.TimeoutException:
                problem = "timed out"
            except httpx.TransportError as exc:
                problem = f"connection failed ({type(exc).__name__})"
            not_before = self.clock() + delay  # the backoff, or the rate limit when that is longer
        raise FetchError(f"{problem} after {self.retries} attempt(s)")
