"""``kb enrich`` (network): each paper is asked of the sources that own its identifiers.

For every paper with an arXiv id, a DOI, an ACL Anthology id, an OpenReview id or a DBLP key, the owning
source is asked (:data:`kb.enrich.sources.BY_SCHEME`; a DOI goes to Crossref, then DataCite, then OpenAlex
until one knows it). All the network happens before the paper's write transaction; what the sources said is
then written in one transaction per paper (:mod:`kb.enrich.apply`), so a failure never leaves half a paper.
A source that is down or answers garbage gives one line in the report for that paper and is asked again
next run; a paper a source already answered for is skipped (resumable) unless ``refresh``.
"""

from __future__ import annotations

import os
from collections import Counter, defaultdict
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from sqlalchemy.engine import Engine
from sqlmodel import select

from kb.db import session_scope
from kb.enrich.apply import apply_record, mark_asked
from kb.enrich.http import Cache, Fetcher, FetchError
from kb.enrich.record import Record, SourceError
from kb.enrich.sources import BY_SCHEME
from kb.ingest.identifiers import _doi_ids
from kb.models import Paper, PaperFieldSource, PaperKey
from kb.store import edited_fields

# The order records are written in: the publisher's record of a paper before a preprint's, OpenAlex last.
PRECEDENCE = ("acl", "crossref", "datacite", "dblp", "openreview", "arxiv", "openalex")
# A preprint's record may name the published version's DOI: that is asked too, in the same run. (The ACL
# Anthology's DOIs are its own registrations, so they are not asked again elsewhere.)
FOLLOWED = {"arxiv"}


@dataclass
class NetReport:
    papers: int = 0  # papers with an identifier a source can answer for
    asked: int = 0  # papers some source was asked about this run
    resumed: int = 0  # papers every relevant source had already answered for (skipped)
    found: Counter = field(default_factory=Counter)  # source → papers it knew
    notfound: Counter = field(default_factory=Counter)  # source → papers it did not know
    fields: Counter = field(default_factory=Counter)  # field → papers it was filled in
    conflicts: list[tuple[int, str, str]] = field(default_factory=list)  # (paper, field, source)
    failures: list[tuple[int, str, str]] = field(default_factory=list)  # (paper, source, what went wrong)
    requests: int = 0  # requests that went over the network (the cache answered the rest)
    speakers: list[str] = field(default_factory=list)  # what kb.enrich.speakers did
    titles: dict[int, str] = field(default_factory=dict)  # the papers named above, for people to read

    def to_json(self) -> dict:
        return {
            "papers": self.papers,
            "asked": self.asked,
            "resumed": self.resumed,
            "found": dict(sorted(self.found.items())),
            "notfound": dict(sorted(self.notfound.items())),
            "fields": dict(sorted(self.fields.items())),
            "conflicts": [
                {"paper": p, "title": self.titles.get(p), "field": f, "source": s} for p, f, s in self.conflicts
            ],
            "failures": [
                {"paper": p, "title": self.titles.get(p), "source": s, "error": e} for p, s, e in self.failures
            ],
            "requests": self.requests,
            "speakers": self.speakers,
        }


def default_cache_path(db_file: str | None) -> Path:
    """Next to a SQLite knowledge base (``kb.sqlite`` → ``kb.sqlite.http-cache``); else the user's cache dir."""
    if db_file:
        return Path(db_file).with_name(Path(db_file).name + ".http-cache")
    base = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(base) / "kb" / "http-cache.sqlite"


def _identifiers(engine: Engine, only: set[int] | None) -> dict[int, list[tuple[str, str]]]:
    """paper id → [(scheme, value)] for the schemes some source answers for."""
    out: dict[int, dict[str, str]] = defaultdict(dict)
    with session_scope(engine) as s:
        # The columns first: they keep the DOI's case as the source gave it (keys are folded), so the URL
        # asked, hence the cache entry, is the same whichever run asks.
        for pid, doi, arxiv in s.exec(select(Paper.id, Paper.doi, Paper.arxiv_id)).all():
            if only is None or pid in only:
                out[pid].update({k: v for k, v in (("doi", doi), ("arxiv", arxiv)) if v})
        for pid, key in s.exec(select(PaperKey.paper_id, PaperKey.key)).all():
            scheme, _, value = key.partition(":")
            if scheme in BY_SCHEME and value and (only is None or pid in only):
                out[pid].setdefault(scheme, value)
    asked = {pid: askable(ids) for pid, ids in out.items()}
    return {pid: sorted(ids.items()) for pid, ids in asked.items() if ids}


def askable(ids: dict[str, str]) -> dict[str, str]:
    """The identifiers (scheme → value) some source answers for. arXiv's and the ACL Anthology's own DOIs
    (``10.48550/arXiv.…``, ``10.18653/v1/…``) are asked of them, not of the DOI registries."""
    out = {k: v for k, v in ids.items() if k in BY_SCHEME and v}
    doi = out.get("doi")
    owners = [i for i in _doi_ids(doi) if i.scheme in ("arxiv", "acl")] if doi else []
    if owners:
        del out["doi"]
        for i in owners:
            out.setdefault(i.scheme, i.value)
    return out


def _answered(engine: Engine) -> dict[tuple[int, str], str]:
    """(paper, source) → "found" / "notfound" for the sources that answered before."""
    with session_scope(engine) as s:
        rows = s.exec(
            select(PaperFieldSource.paper_id, PaperFieldSource.source, PaperFieldSource.status).where(
                PaperFieldSource.field == "*"
            )
        ).all()
    return {(pid, source): status for pid, source, status in rows}


def _ask(fetcher: Fetcher, module, value: str) -> tuple[Record | None, str]:
    """(record or None when the source does not know it, the URL asked). Raises FetchError / SourceError."""
    base, params, polite = module.request(value)
    answer = fetcher.get(module.NAME, base, params, polite=polite)
    if answer.status == 404:
        return None, answer.url
    try:
        return module.parse(answer.body, answer.url), answer.url
    except SourceError:
        fetcher.cache.forget(answer.url)  # garbage is not an answer to keep: ask again next run
        raise


# A source that failed this many papers in a row (down, refusing, timing out) is not asked again this run:
# the remaining papers get their line in the report at once instead of minutes of retries each.
DOWN_AFTER = 3


@dataclass
class _Run:
    """What one run keeps across papers."""

    fetcher: Fetcher
    report: NetReport
    done: dict[tuple[int, str], str]
    sources: set[str] | None
    down_after: int
    streak: Counter = field(default_factory=Counter)  # source → consecutive failures
    down: dict[str, str] = field(default_factory=dict)  # source → why it was given up


def enrich_network(
    engine: Engine,
    fetcher: Fetcher,
    *,
    refresh: bool = False,
    papers: set[int] | None = None,
    sources: set[str] | None = None,
    on_paper: Callable[[int, int], None] | None = None,
    down_after: int = DOWN_AFTER,
) -> NetReport:
    """Ask the sources about every paper (or ``papers``); see the module docstring."""
    from kb.enrich.speakers import speakers_from_authors

    report = NetReport()
    idents = _identifiers(engine, papers)
    run = _Run(fetcher, report, {} if refresh else _answered(engine), sources, down_after)
    report.papers = len(idents)
    touched: list[int] = []
    for n, (pid, ids) in enumerate(sorted(idents.items()), 1):
        records, misses, pending = _ask_paper(run, pid, list(ids))
        if not pending:
            report.resumed += 1
        else:
            report.asked += 1
        if records or misses:
            _write(engine, pid, records, misses, report)
            touched.append(pid)
        if on_paper is not None:
            on_paper(n, len(idents))
    report.requests = fetcher.requests
    named = sorted({p for p, *_ in report.conflicts} | {p for p, *_ in report.failures})
    if named:
        with session_scope(engine) as s:
            report.titles = {
                pid: title or "(untitled)"
                for pid, title in s.exec(select(Paper.id, Paper.title).where(Paper.id.in_(named))).all()
            }
    if touched:
        report.speakers = speakers_from_authors(engine, touched)
    return report


def _ask_paper(run: _Run, pid: int, ids: list[tuple[str, str]]) -> tuple[list[Record], list[tuple[str, str]], bool]:
    """(records found, (source, url) that do not know the paper, whether anything was to be asked)."""
    records: list[Record] = []
    misses: list[tuple[str, str]] = []
    pending = False
    for scheme, value in ids:  # grows: an identifier a source reveals (arXiv → DOI) is followed too
        for module in BY_SCHEME[scheme]:
            name = module.NAME
            if run.sources is not None and name not in run.sources:
                continue
            before = run.done.get((pid, name))
            if before == "found" or any(r.source == name for r in records):
                break  # this source answered already (this run or an earlier one)
            if before == "notfound":
                continue  # it did not know the paper then: ask the next one, as then
            pending = True
            if name in run.down:
                run.report.failures.append((pid, name, f"not asked: down earlier in this run ({run.down[name]})"))
                break
            try:
                record, url = _ask(run.fetcher, module, value)
            except FetchError as exc:
                run.report.failures.append((pid, name, str(exc)))
                run.streak[name] += 1
                if run.streak[name] >= run.down_after:
                    run.down[name] = str(exc)
                break  # the next source in the chain is a fallback for "unknown", not for "down"
            except SourceError as exc:
                run.report.failures.append((pid, name, str(exc)))
                break
            run.streak[name] = 0
            if record is None:
                misses.append((name, url))
                run.report.notfound[name] += 1
                continue
            records.append(record)
            run.report.found[name] += 1
            if name in FOLLOWED:
                for found in (("doi", record.doi), ("arxiv", record.arxiv_id)):
                    if found[1] and all(sch != found[0] for sch, _ in ids):
                        ids.append(found)
            break
    return records, misses, pending


def _write(engine: Engine, pid: int, records: list[Record], misses: list[tuple[str, str]], report: NetReport) -> None:
    records = sorted(records, key=lambda r: PRECEDENCE.index(r.source))
    with session_scope(engine, write=True) as s:
        paper = s.get(Paper, pid)
        if paper is None:  # merged or removed while the sources were asked
            return
        locked = edited_fields(s, "paper", [pid]).get(pid, set())
        filled: set[str] = set()
        for rec in records:
            for name, status in apply_record(s, paper, rec, locked, filled).items():
                if status == "set":
                    report.fields[name] += 1
                elif status == "conflict":
                    report.conflicts.append((pid, name, rec.source))
        for source, url in misses:
            mark_asked(s, pid, source, url, False)


def open_fetcher(
    db_file: str | None, contact: str | None, *, cache: Path | None = None, refresh: bool = False
) -> Fetcher:
    contact = contact or os.environ.get("KB_CONTACT") or None
    return Fetcher(Cache(cache or default_cache_path(db_file)), contact, refresh=refresh)
