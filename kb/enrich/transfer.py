"""``kb sync`` of enrichment: what sources said about papers goes along, named by the papers' identity keys.

``kb sync`` replays each post into the target, so a paper arrives there as the post describes it. Its
enrichment is then re-applied from the source's provenance rows: the rows are copied (with their status,
so a conflict the user accepted or rejected stays decided) and each source's record is written again
through :func:`kb.enrich.apply.apply_record`, which respects the target's hand edits. No network.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable

from sqlalchemy.engine import Engine
from sqlmodel import select

from kb.db import session_scope
from kb.enrich.apply import apply_record
from kb.enrich.network import PRECEDENCE
from kb.enrich.record import Record, authors_from_json
from kb.models import Paper, PaperFieldSource
from kb.store import edited_fields

_TEXT = ("title", "venue", "doi", "arxiv_id", "abstract")


def _record(source: str, rows: list[PaperFieldSource]) -> Record:
    rec = Record(source=source, url=rows[0].url)
    for r in rows:
        if r.field in _TEXT:
            setattr(rec, r.field, r.value)
        elif r.field == "year" and r.value and r.value.isdigit():
            rec.year = int(r.value)
        elif r.field == "authors":
            rec.authors = authors_from_json(r.value)
    return rec


def copy_enrichment(source: Engine, target: Engine, find_paper: Callable[[int], int | None]) -> tuple[int, list[str]]:
    """Carry every enriched paper's provenance over; returns (papers carried, what could not be)."""
    from kb.enrich.speakers import speakers_from_authors

    with session_scope(source) as s:
        rows = s.exec(select(PaperFieldSource).order_by(PaperFieldSource.id)).all()
        by_paper: dict[int, list[PaperFieldSource]] = defaultdict(list)
        for r in rows:
            s.expunge(r)
            by_paper[r.paper_id].append(r)
    carried: list[int] = []
    skipped: list[str] = []
    for pid, mine in sorted(by_paper.items()):
        there = find_paper(pid)
        with session_scope(target, write=True) as t:
            paper = t.get(Paper, there) if there is not None else None
            if paper is None:
                skipped.append(f"enrichment of paper {pid}: the paper is not in the target")
                continue
            locked = edited_fields(t, "paper", [paper.id]).get(paper.id, set())
            filled: set[str] = set()
            grouped: dict[str, list[PaperFieldSource]] = defaultdict(list)
            for r in mine:
                if r.field != "*":
                    grouped[r.source].append(r)
            for name in sorted(grouped, key=lambda n: PRECEDENCE.index(n) if n in PRECEDENCE else len(PRECEDENCE)):
                apply_record(t, paper, _record(name, grouped[name]), locked, filled)  # the values, as enrich wrote them
            t.flush()
            existing = {
                (r.field, r.source): r
                for r in t.exec(select(PaperFieldSource).where(PaperFieldSource.paper_id == paper.id)).all()
            }
            for r in mine:  # the provenance itself is the source's, verbatim: what happened there, and when
                row = existing.get((r.field, r.source)) or PaperFieldSource(
                    paper_id=paper.id, field=r.field, source=r.source
                )
                row.value, row.url, row.status, row.fetched_at = r.value, r.url, r.status, r.fetched_at
                t.add(row)
            carried.append(paper.id)
    if carried:
        speakers_from_authors(target, carried)
    return len(carried), skipped
