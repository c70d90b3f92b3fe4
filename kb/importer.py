"""``kb import``: find post files, read them safely, one transaction per post.

A bad file (binary, not UTF-8, empty, broken front matter, unreadable, gone,
not a regular file, a link out of the folder, too slow to read) becomes one
error line naming the file; nothing of it is written and the other files still
import, whether they are extracted here or in worker processes.
"""

from __future__ import annotations

import collections
import contextlib
import gc
import hashlib
import itertools
import multiprocessing
import os
import random
import re
import signal
import stat
import threading
import time
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy import bindparam
from sqlalchemy.engine import Engine
from sqlalchemy.exc import DBAPIError
from sqlmodel import Session, select

from kb.db import IN_CHUNK, Query, describe_db_error, is_storage_error, is_transient_error, lock_keys, session_scope
from kb.errors import BadBibtex, BadInput, KbError
from kb.identity import paper_keys, person_row
from kb.ingest.bibtex import parse_bibtex
from kb.ingest.paper_meta import apply_identifiers
from kb.ingest.pipeline import extract
from kb.ingest.records import Extraction
from kb.models import Post, UserEdit
from kb.search import bulk_import
from kb.store import KNOWN, MAX_AUTHORS, WriteCounts, write_post

POST_SUFFIXES = (".md", ".markdown", ".rst")  # reST notes are read as Markdown (kb.ingest.rst)
BIB_SUFFIXES = (".bib",)
# Extraction cost grows faster than linearly with post size (people × authors, blocks × papers): a
# 256 KiB post (20× the usual 4-15 KiB) extracts in < 1 s, 10 MB would take minutes. Refuse, clearly.
MAX_POST_BYTES = 256 * 1024
MAX_BIB_BYTES = 20 * 1024 * 1024  # .bib files are parsed entry by entry: linear, big exports are normal
MAX_ATTEMPTS = 12  # write transactions per post that lost a race to a concurrent importer
# Seconds one file may spend being read (extraction, .bib parsing) before it fails with one line. Posts under
# the size cap extract in well under a second; the budget is the backstop for what the regexes still miss.
POST_TIME_BUDGET = 20.0


@dataclass
class FileResult:
    path: str
    status: str  # new, updated, unchanged, failed
    error: str | None = None
    counts: WriteCounts = field(default_factory=WriteCounts)
    problems: list[str] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # shown to the user: what a .bib import merged or skipped
    retries: int = 0  # write transactions rolled back and run again after losing a race to another importer


@dataclass
class ImportSummary:
    results: list[FileResult] = field(default_factory=list)

    def count(self, status: str) -> int:
        return sum(r.status == status for r in self.results)

    @property
    def failed(self) -> list[FileResult]:
        return [r for r in self.results if r.status == "failed"]

    def totals(self) -> WriteCounts:
        total = WriteCounts()
        for r in self.results:
            total.talks += r.counts.talks
            total.people += r.counts.people
            total.papers += r.counts.papers
            total.enriched += r.counts.enriched
        return total


def scan(paths: Iterable[str | Path], follow_symlinks: bool = False) -> Iterator[tuple[Path, str | None]]:
    """(file, why it is refused or None) for each file to import, in a stable order; folders recursively.

    Inside a folder, a symbolic link to a file is followed only when it stays inside that folder (any
    link with ``follow_symlinks``), linked folders are never entered, hidden files and folders skipped.
    """
    for raw in paths:
        path = Path(raw)
        if not path.is_dir():
            yield path, None  # named by the user: read_text still refuses anything but a regular file
            continue
        root, found = path.resolve(), []
        for folder, subfolders, names in os.walk(path):  # does not descend into linked folders
            subfolders[:] = [d for d in subfolders if not d.startswith(".")]
            found += [
                Path(folder, n)
                for n in names
                if not n.startswith(".") and Path(n).suffix.lower() in POST_SUFFIXES + BIB_SUFFIXES
            ]
        for file in sorted(found):
            yield file, None if follow_symlinks else _leaves(file, root)


def _leaves(file: Path, root: Path) -> str | None:
    """Why ``file`` is not imported from the folder ``root``: a symbolic link leading out of it."""
    if file.is_symlink() and not file.resolve().is_relative_to(root):
        return "symbolic link to a file outside the folder being imported: not followed"
    return None


def discover(paths: Iterable[str | Path], follow_symlinks: bool = False) -> Iterator[Path]:
    """Files to import (or to report as refused), in a stable order: folders are searched recursively."""
    return (path for path, _ in scan(paths, follow_symlinks))


def _read_bytes(path: Path, limit: int) -> bytes:
    """At most ``limit + 1`` bytes of a regular file. Anything else is never read: a FIFO would block
    forever, a device never end (opened non-blocking, so that opening a FIFO does not block either)."""
    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as f:
        mode = os.fstat(fd).st_mode
        if stat.S_ISDIR(mode):
            raise IsADirectoryError(path)
        if not stat.S_ISREG(mode):
            raise BadInput(str(path), "not a regular file (a FIFO, socket or device): not read")
        return f.read(limit + 1)


def read_text(path: Path, limit: int = MAX_POST_BYTES) -> tuple[str, str]:
    """(text, sha256) of a post file, or :class:`BadInput` saying what is wrong with it."""
    name = str(path)
    try:
        data = _read_bytes(path, limit)  # never more than the limit in memory, whatever the file's size
    except FileNotFoundError:
        raise BadInput(name, "no such file") from None
    except IsADirectoryError:
        raise BadInput(name, "is a directory") from None
    except OSError as exc:
        raise BadInput(name, f"cannot read: {exc.strerror or exc}") from None
    if len(data) > limit:
        size = f"{limit // (1024 * 1024)} MiB" if limit >= 1024 * 1024 else f"{limit // 1024} KiB"
        raise BadInput(
            name,
            f"file is larger than {size}, too big for a conference-notes post (split it)"
            if limit == MAX_POST_BYTES
            else f"file is larger than {size}",
        )
    if b"\x00" in data[:8192] or b"\x00" in data:
        line = data[: data.index(b"\x00")].count(b"\n") + 1
        raise BadInput(name, "binary file (contains NUL bytes), not a Markdown post", line=line)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise BadInput(
            name, f"not valid UTF-8 (byte 0x{data[exc.start]:02x} at offset {exc.start})", line=line
        ) from None
    if not text.strip():
        raise BadInput(name, "empty file")
    return text, hashlib.sha256(data).hexdigest()


def _store_path(path: Path) -> str:
    try:
        return str(path.resolve().relative_to(Path.cwd().resolve()))
    except ValueError:
        return str(path.resolve())


class OverBudget(BaseException):
    """The time budget of one file ran out. Not an ``Exception``: no ``except Exception`` in the stages may
    swallow it and carry on with the next stage."""


@contextlib.contextmanager
def time_budget(seconds: float) -> Iterator[None]:
    """Interrupt the block with :class:`OverBudget` after ``seconds`` (0: no limit).

    SIGALRM, so a stalled regex is interrupted too (``re`` checks for signals while it matches). Signals
    reach only a process's main thread: run from another thread (the TUI), the block is not bounded.
    """
    if not seconds or threading.current_thread() is not threading.main_thread() or not hasattr(signal, "setitimer"):
        yield
        return

    def expire(signum, frame):
        raise OverBudget()

    previous = signal.signal(signal.SIGALRM, expire)
    signal.setitimer(signal.ITIMER_REAL, seconds)
    try:
        yield
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def _failure(key: str, exc: BaseException, budget: float = 0) -> str:
    """The one line that reports ``exc``, met while importing the file stored as ``key``."""
    if isinstance(exc, KbError):
        line = str(exc)
    elif isinstance(exc, OverBudget):
        line = (
            f"{key}: gave up after {budget:g} s: reading this post takes too long (pathological text?); nothing stored"
        )
    elif isinstance(exc, RecursionError):
        line = f"{key}: too deeply nested to parse"
    else:  # a database error's str() carries the whole SQL statement and its parameters: its first line only
        detail = (str(getattr(exc, "orig", None) or exc).strip().splitlines() or [""])[0][:300]
        line = f"{key}: internal error while importing: {type(exc).__name__}: {detail}"
    return re.sub(r"\s*[\r\n]+\s*", " ", line)


@dataclass
class Prepared:
    """A post read and extracted ahead of its transaction (possibly in a worker process)."""

    text: str
    sha: str
    extraction: Extraction | None = None


@dataclass
class Failed:
    """A file that could not be read or extracted ahead: its error line (plain text, so it always pickles)."""

    error: str


def _budget(seconds: float | None) -> float:
    return POST_TIME_BUDGET if seconds is None else seconds


def prepare_file(path: Path, budget: float | None = None) -> Prepared | Failed:
    """Read and extract one post without touching the database: the CPU-heavy half of an import.

    Runs in worker processes: whatever goes wrong comes back as a :class:`Failed` line, never as an
    exception object (one that does not survive pickling would break the whole pool).
    """
    budget = _budget(budget)
    try:
        text, sha = read_text(path, MAX_BIB_BYTES if path.suffix.lower() in BIB_SUFFIXES else MAX_POST_BYTES)
        if path.suffix.lower() in BIB_SUFFIXES:
            return Prepared(text, sha)
        with time_budget(budget):
            return Prepared(text, sha, extract(text, source=_store_path(path)))
    except BaseException as exc:  # reported by import_file, in order, like any other failure
        if isinstance(exc, (KeyboardInterrupt, SystemExit)):
            raise
        return Failed(_failure(_store_path(path), exc, budget))


def import_file(
    engine: Engine,
    path: Path,
    force: bool = False,
    prepared: Prepared | Failed | None = None,
    budget: float | None = None,
) -> FileResult:
    """Import one file in its own transaction; never raises for bad input.

    Reading the file (extraction, .bib parsing) may take ``budget`` seconds (default
    :data:`POST_TIME_BUDGET`, 0: unbounded); past that the file fails with one line.
    """
    key = _store_path(path)
    budget = _budget(budget)
    if isinstance(prepared, Failed):
        return FileResult(key, "failed", error=prepared.error)
    try:
        if prepared is not None:
            text, sha = prepared.text, prepared.sha
        else:
            text, sha = read_text(path, MAX_BIB_BYTES if path.suffix.lower() in BIB_SUFFIXES else MAX_POST_BYTES)
        if prepared is None and not force:  # not read by a caller that compared the hashes: maybe nothing to do
            with session_scope(engine) as session:
                if session.exec(select(Post.sha256).where(Post.path == key)).first() == sha:
                    return FileResult(key, "unchanged")
        stored = [False]  # new or updated: whether the write transaction found the post stored

        def was_stored(session: Session) -> None:
            found = session.info.pop(_STORED, None)  # what _write read under SQLite's write lock, if it did
            if found is None:
                found = session.exec(select(Post.id).where(Post.path == key)).first() is not None
            stored[0] = found

        if path.suffix.lower() in BIB_SUFFIXES:
            # A .bib file is stored like a post whose only content is its reference list.
            with time_budget(budget and budget * max(1.0, len(text) / MAX_POST_BYTES)):  # linear: per 256 KiB
                refs, problems = parse_bibtex(text, key)
                refs = [apply_identifiers(r) for r in refs]  # a .bib url/doi names the paper as a post's link would
            skipped = [f"{p.message} (line {p.line})" if p.line else p.message for p in problems]
            if not refs:
                first = problems[0].message.removeprefix(f"{key}: ") if problems else ""
                raise BadBibtex(
                    key,
                    "no BibTeX entry could be read" + (f" ({first})" if first else ""),
                    line=problems[0].line if problems else None,
                )
            bib = Extraction(source=key, title=path.name, papers=refs)

            def write_bib(session: Session) -> WriteCounts:
                lock_keys(session, lambda: identity_keys(bib))
                was_stored(session)
                return write_post(session, bib, key, sha)

            counts, retries = _write(engine, key, sha, force, write_bib)
            if counts is None:
                return FileResult(key, "unchanged", retries=retries)
            unnamed = sum(not (r.doi or r.arxiv_id or r.title or r.ids) for r in refs)  # kept as raw references only
            known = len(refs) - unnamed - counts.papers - counts.enriched
            notes = [
                f"{key}: {len(refs)} entries: {counts.papers} new, {counts.enriched} enriched, "
                f"{known} already known"
                + (f", {unnamed} without title or identifier" if unnamed else "")
                + (f"; {len(skipped)} skipped" if skipped else "")
            ]
            status = "updated" if stored[0] else "new"
            return FileResult(key, status, counts=counts, problems=skipped, notes=notes + skipped, retries=retries)
        if prepared is not None and prepared.extraction:
            extraction = prepared.extraction
        else:
            with time_budget(budget):
                extraction = extract(text, source=key)
        head = text[: len(text) - len(extraction.text)] if text.endswith(extraction.text) else ""

        def write(session: Session) -> WriteCounts:
            lock_keys(session, lambda: identity_keys(extraction))  # before any read: see kb.db.lock_keys
            was_stored(session)
            return write_post(session, extraction, key, sha, front_matter=head)  # head + body = the file

        counts, retries = _write(engine, key, sha, force, write)
        if counts is None:
            return FileResult(key, "unchanged", retries=retries)
        return FileResult(
            key,
            "updated" if stored[0] else "new",
            counts=counts,
            retries=retries,
            problems=[p.message for p in extraction.problems if p.severity == "warning"],
        )
    except (Exception, OverBudget) as exc:  # one post must never stop the import …
        if is_storage_error(exc):  # … but a full disk stops them all: nothing after this one can be written
            raise StorageFull(key, describe_db_error(exc)) from exc
        return FileResult(key, "failed", error=_failure(key, exc, budget))


class StorageFull(KbError):
    """Writing a post failed for want of space or on an I/O error: its transaction was rolled back."""

    def __init__(self, key: str, detail: str):
        super().__init__(f"{key}: {detail}")
        self.key, self.detail = key, detail


def identity_keys(x: Extraction) -> set[str]:
    """The shared rows a post may create or change, as lock names: its conference, the name blocks of its
    people (what :class:`kb.identity.PeopleResolver` compares a name with) and its papers' identities."""
    keys = set()
    if x.conference:
        keys.add(f"conference:{x.conference.name.lower()}|{x.conference.year or ''}")
    names = [p.name for p in x.people] + [s for t in x.talks for s in t.speakers]
    names += [a.full if a.given else a.family_full for ref in x.papers for a in ref.authors[:MAX_AUTHORS]]
    for name in names:
        if name and name.strip():
            ref = person_row(" ".join(name.split()))
            keys.add("person:" + (ref.family_key[:2] or ref.key))
    for ref in x.papers:
        for k in paper_keys(ref):  # a title key without its year and surname: years ±1 meet too
            keys.add("paper:" + (k.split("|", 1)[0] if k.startswith("title:") else k))
    return keys


_STORED = "kb_post_stored"  # session.info: whether _write's look at the post's sha found it stored
_STORED_SHA_AND_EDIT = Query(
    lambda: select(
        select(Post.sha256).where(Post.path == bindparam("path")).scalar_subquery(),
        select(UserEdit.id).limit(1).scalar_subquery(),
    )
)


def _write(
    engine: Engine, key: str, sha: str, force: bool, write: Callable[[Session], WriteCounts]
) -> tuple[WriteCounts | None, int]:
    """Run ``write`` in one write transaction: (its counts, or None when the post is already stored as it
    is now; how many times the transaction was retried).

    The sha is checked again under the write lock: another ``kb import`` may
    have stored the same file since our first look. A transaction that lost a
    race to a concurrent writer (PostgreSQL: two posts introducing the same new
    person or paper → unique violation; serialization failure; deadlock) is
    rolled back whole and retried, so the retry sees the winner's rows.
    """
    for attempt in range(MAX_ATTEMPTS):
        try:
            with session_scope(engine, write=True) as session:
                if session.get_bind().dialect.name == "sqlite":
                    # One statement: the stored sha, and whether the KB holds any user edit. Writers are serial
                    # on SQLite, so both still hold when the post is written (kb.store.KNOWN).
                    stored_sha, edit = _STORED_SHA_AND_EDIT.run(session.connection(), path=key).one()
                    if not force and stored_sha == sha:
                        return None, attempt
                    session.info[_STORED] = stored_sha is not None
                    session.info[KNOWN] = (stored_sha is not None, edit is not None)
                elif not force and session.exec(select(Post.sha256).where(Post.path == key)).first() == sha:
                    return None, attempt
                return write(session), attempt
        except DBAPIError as exc:
            if attempt == MAX_ATTEMPTS - 1 or not is_transient_error(exc):
                raise
            # Jittered, growing, capped: the racers should not collide again, nor wait long.
            time.sleep(random.uniform(0, min(0.5, 0.01 * 2**attempt)))
    raise AssertionError("unreachable")


PARALLEL_MIN_FILES = 16  # below this, starting worker processes costs more than it saves


AHEAD_PER_WORKER = 8  # extracted posts allowed to wait for the writer, per worker


def _bounded_map(
    pool: ProcessPoolExecutor, paths: list[Path], window: int, budget: float
) -> Iterator[tuple[Path, Prepared | Failed | None]]:
    """(path, prepare_file(path)) in order, with at most ``window`` extractions submitted ahead.

    ``pool.map`` would submit every file at once, and when extraction outruns
    the writer the finished Extractions pile up: 5,000 posts peaked at 306 MiB.
    None for a file means "read it in this process": once a worker has died
    (killed, out of memory) the pool is unusable, and the rest is read here.
    """
    pending: collections.deque = collections.deque()
    queue = iter(paths)
    broken = False

    def submit(path: Path) -> None:
        nonlocal broken
        future = None
        if not broken:
            try:
                future = pool.submit(prepare_file, path, budget)
            except BrokenProcessPool:
                broken = True
        pending.append((path, future))

    for path in itertools.islice(queue, window):
        submit(path)
    while pending:
        path, future = pending.popleft()
        result = None
        if future is not None:
            try:
                result = future.result()
            except BrokenProcessPool:
                broken = True
            except Exception as exc:  # noqa: BLE001 - this result could not travel back: this file fails alone
                result = Failed(_failure(_store_path(path), exc))
        if (following := next(queue, None)) is not None:
            submit(following)
        yield path, result


class ImportStopped(KbError):
    """The database could not be written (disk full, I/O error): the import stopped. Each post that was
    written is whole; the one being written and the rest were not written at all."""

    def __init__(self, summary: ImportSummary, not_imported: int, detail: str):
        super().__init__(detail)
        self.summary = summary
        self.not_imported = not_imported
        self.detail = detail

    def one_line(self) -> str:
        done = self.summary.count("new") + self.summary.count("updated")
        return (
            f"stopped: cannot write to the database (disk full?): {self.detail}; {done} posts imported, "
            f"{self.not_imported} not imported; free some space and run kb import again"
        )


class ImportInterrupted(KeyboardInterrupt):
    """Ctrl-C during :func:`import_paths`: what was imported (each post whole or not at all) and what was not."""

    def __init__(self, summary: ImportSummary, not_started: int):
        super().__init__()
        self.summary = summary
        self.not_started = not_started

    def one_line(self) -> str:
        done = self.summary.count("new") + self.summary.count("updated")
        return f"interrupted: {done} posts imported, {self.not_started} not started; run again to continue"


def _exit_with_parent(parent: int) -> None:
    """Worker initializer: exit when the importer is gone (SIGKILL, OOM killer, closed terminal).

    Forked workers hold the task pipe's write end themselves, so they never see
    EOF and would otherwise sleep forever, ~90 MB each (found by the crash test).
    Ctrl-C reaches the whole process group: workers ignore it, the importer stops them.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)

    def watch() -> None:
        while os.getppid() == parent:
            time.sleep(0.2)
        os._exit(0)

    threading.Thread(target=watch, daemon=True, name="exit-with-parent").start()


def preload_extraction() -> None:
    """Load what extraction loads on its first post and never changes after: wordfreq's English table, the
    reference parser (numpy, its weight tables), the paper-mention model and its score bound, the span tagger's
    weights (:mod:`kb.ingest.talks.fastcrf`). Called before the workers are forked, they inherit it: each
    worker's first post cost ~0.4 s CPU more without it, and this ~0.35 s once. Loading only: no extraction's output depends on whether it ran."""
    from kb.ingest.lexicon import lexicon, title_words, zipf
    from kb.ingest.papers.bound import score_bound
    from kb.ingest.papers.features import LATE
    from kb.ingest.papers.tagger import tagger
    from kb.ingest.refparse.model import get_fast_tagger
    from kb.ingest.talks.fastcrf import span_tagger
    from kb.ingest.talks.model import SPANS_MODEL

    lexicon(), title_words()
    zipf("the")  # imports wordfreq and reads its English frequencies
    get_fast_tagger()
    paper_tagger = tagger()
    if paper_tagger is not None:
        score_bound(paper_tagger, LATE)
    span_tagger(SPANS_MODEL)


def _changed(engine: Engine, files: list[Path], force: bool) -> set[Path]:
    """Files whose content differs from what is stored (all of them with ``force``)."""
    if force:
        return set(files)
    keys = {path: _store_path(path) for path in files}
    query = select(Post.path, Post.sha256)
    with session_scope(engine) as session:  # the posts named (a few files), or every post (a folder)
        named = query.where(Post.path.in_(list(keys.values())))
        stored = dict(session.exec(named if len(keys) <= IN_CHUNK else query).all())
    changed = set()
    for path in files:
        try:
            if stored.get(keys[path]) != hashlib.sha256(_read_bytes(path, MAX_BIB_BYTES)).hexdigest():
                changed.add(path)
        except (OSError, BadInput):
            changed.add(path)  # import_file reports it
    return changed


def import_paths(
    engine: Engine,
    paths: Iterable[str | Path],
    force: bool = False,
    on_file: Callable[[Path, FileResult | None], None] | None = None,
    workers: int | None = None,
    follow_symlinks: bool = False,
    budget: float | None = None,
) -> ImportSummary:
    """Import files in order, one transaction each. Extraction is pure, so with many changed
    files it runs ahead in ``workers`` processes while this process writes.

    Every file gets a result: a bad one fails with one line, whatever process met the error.
    Ctrl-C stops after the post being written is rolled back and raises :class:`ImportInterrupted`.
    ``follow_symlinks``: also follow links that lead out of a folder being imported.
    ``budget``: seconds each file may take to read (default :data:`POST_TIME_BUDGET`).
    """
    from kb.teach import activate

    summary = ImportSummary()
    budget = _budget(budget)
    found = list(scan(paths, follow_symlinks))
    files = [path for path, _ in found]
    refused = {path: why for path, why in found if why}
    readable = [path for path in files if path not in refused]
    changed = _changed(engine, readable, force)  # one read transaction, one hash per file
    todo = [p for p in files if p in changed]
    if todo:
        activate(engine)  # the KB's own talk model (kb train), else the shipped one; forked workers inherit it
    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if len(todo) >= PARALLEL_MIN_FILES else 1
    pool, interrupted, stopped = None, False, None
    try:
        with contextlib.ExitStack() as stack:
            prepared: dict[Path, Prepared | Failed | None] = {}
            ahead = iter(())
            if workers > 1 and any(path.suffix.lower() not in BIB_SUFFIXES for path in todo):
                preload_extraction()  # once here rather than in every worker forked below (frozen with the rest)
            if todo and not gc.get_freeze_count():  # (a caller that froze objects itself keeps its own scheme)
                # What is alive now (modules, models, word tables, caches) lives on through the import: the
                # collector stops walking it, here and in the workers forked below (whose pages it no longer
                # touches): ~10 % less CPU for a few hundred posts. Unfrozen when the import ends.
                gc.freeze()
                stack.callback(gc.unfreeze)
            if workers > 1:
                pool = stack.enter_context(
                    ProcessPoolExecutor(
                        workers,
                        mp_context=multiprocessing.get_context("fork"),
                        initializer=_exit_with_parent,
                        initargs=(os.getpid(),),
                    )
                )
                ahead = _bounded_map(pool, todo, AHEAD_PER_WORKER * workers, budget)
            if todo:  # nothing to write (all unchanged): no index upkeep, no write transaction
                stack.enter_context(bulk_import(engine, len(todo)))  # per-row triggers, or one rebuild
            try:
                _import_each(engine, files, refused, changed, prepared, ahead, workers, force, budget, summary, on_file)
            except KeyboardInterrupt:  # leave the block normally: the search index is still brought up to date
                interrupted = True
                if pool is not None:
                    pool.shutdown(wait=False, cancel_futures=True)
                _count_if_committed(engine, files, changed, force, summary)
            except StorageFull as full:
                stopped = full.detail
                if pool is not None:
                    pool.shutdown(wait=False, cancel_futures=True)
    except KeyboardInterrupt:  # a second Ctrl-C while the index was being updated
        interrupted = True
    except Exception as exc:  # the search index's finish (a stale index is rebuilt by the next open_db)
        if not is_storage_error(exc):
            raise
        stopped = stopped or describe_db_error(exc)
    if interrupted:
        raise ImportInterrupted(summary, len(files) - len(summary.results))
    if stopped is not None:
        raise ImportStopped(summary, len(files) - len(summary.results), stopped)
    return summary


def _count_if_committed(
    engine: Engine, files: list[Path], changed: set[Path], force: bool, summary: ImportSummary
) -> None:
    """Ctrl-C between a post's commit and its result being counted: the post is stored, so it counts as
    imported ("interrupted: N posts imported" is what the database holds). Its stored hash tells; with
    ``force`` an unchanged post's old copy would read as this one, so nothing is added then."""
    if force or len(summary.results) >= len(files):
        return
    path = files[len(summary.results)]
    if path in changed and not _changed(engine, [path], force=False):
        summary.results.append(FileResult(_store_path(path), "new"))


def _import_each(
    engine: Engine,
    files: list[Path],
    refused: dict[Path, str],
    changed: set[Path],
    prepared: dict[Path, Prepared | Failed | None],
    ahead: Iterator,
    workers: int,
    force: bool,
    budget: float,
    summary: ImportSummary,
    on_file: Callable[[Path, FileResult | None], None] | None,
) -> None:
    """The loop of :func:`import_paths`: each file in order, one result each, appended to ``summary``."""
    for path in files:
        if on_file:
            on_file(path, None)
        if path in refused:
            result = FileResult(str(path), "failed", error=f"{path}: {refused[path]}")
        elif path not in changed:  # its bytes hash to what is stored: nothing to read again
            result = FileResult(_store_path(path), "unchanged")
        else:
            if workers > 1 and path in changed:
                while path not in prepared:
                    done_path, prep = next(ahead)
                    prepared[done_path] = prep
            result = import_file(engine, path, force=force, prepared=prepared.pop(path, None), budget=budget)
        summary.results.append(result)
        if on_file:
            on_file(path, result)
