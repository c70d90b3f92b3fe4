"""``kb enrich --offline``: what the papers already in a database imply about themselves, without the network.

Importing a post fills a paper from its identifiers at once (:mod:`kb.ingest.paper_meta`); this
brings papers stored before that (an older kb, a ``.bib`` file, a synced database) up to the same
state: identifiers read from the paper's URL become identity keys (``acl:P19-1266``), and year,
venue, type, DOI and arXiv id are filled where the row has none. A field the user set by hand
(:class:`kb.models.UserEdit`) is never touched. Two rows that turn out to share an identifier are
not merged on the spot: they become an :class:`IdentityCandidate` for the user to decide (merge
dialog, ``kb.curation.merge``).

Network sources (arXiv, Crossref, ACL Anthology, …) are in :mod:`kb.enrich.network`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field

from sqlalchemy.engine import Engine
from sqlmodel import Session, select

from kb.db import session_scope
from kb.ingest.paper_meta import apply_identifiers, id_keys
from kb.ingest.records import ParsedReference
from kb.models import IdentityCandidate, Paper, PaperKey
from kb.store import edited_fields

FILLED = ("year", "venue", "type", "doi", "arxiv_id")
BATCH = 500


@dataclass
class EnrichReport:
    papers: int = 0  # papers looked at
    changed: int = 0  # papers that gained a field or a key
    fields: Counter = field(default_factory=Counter)  # field → how many papers gained it
    keys: int = 0  # identity keys added
    candidates: list[tuple[int, int, str]] = field(default_factory=list)  # (paper, paper, shared key)

    def to_json(self) -> dict:
        return {
            "papers": self.papers,
            "changed": self.changed,
            "fields": dict(sorted(self.fields.items())),
            "keys": self.keys,
            "candidates": [{"a": a, "b": b, "key": k} for a, b, k in self.candidates],
        }


def _reference(paper: Paper, keys: list[str]) -> ParsedReference:
    ref = ParsedReference(
        raw="",
        title=paper.title,
        year=paper.year,
        venue=paper.venue,
        type=paper.type or "misc",
        doi=paper.doi,
        arxiv_id=paper.arxiv_id,
        url=paper.url,
    )
    for key in keys:
        scheme, _, value = key.partition(":")
        if scheme not in ("title", "doi", "arxiv") and value:
            ref.ids.setdefault(scheme, value)
    return ref


def enrich_offline(engine: Engine) -> EnrichReport:
    """Fill every paper from its identifiers, in one write transaction; returns what changed."""
    report = EnrichReport()
    with session_scope(engine, write=True) as session:
        owner: dict[str, int] = {}
        keys: dict[int, list[str]] = defaultdict(list)
        for pid, key in session.exec(select(PaperKey.paper_id, PaperKey.key)).all():
            owner[key] = pid
            keys[pid].append(key)
        ids = list(session.exec(select(Paper.id).order_by(Paper.id)).all())
        for start in range(0, len(ids), BATCH):
            part = ids[start : start + BATCH]
            locked = edited_fields(session, "paper", part)
            for paper in session.exec(select(Paper).where(Paper.id.in_(part)).order_by(Paper.id)).all():
                report.papers += 1
                if _enrich_one(session, paper, keys[paper.id], owner, locked.get(paper.id, set()), report):
                    report.changed += 1
        _record_candidates(session, report)
    return report


def _enrich_one(
    session: Session, paper: Paper, keys: list[str], owner: dict[str, int], locked: set[str], report: EnrichReport
) -> bool:
    ref = apply_identifiers(_reference(paper, keys))
    changed = False
    for name in FILLED:
        value = getattr(ref, name)
        if name in locked or value in (None, "") or getattr(paper, name) == value:
            continue
        if name == "type" and paper.type not in (None, "", "misc"):
            continue  # the post's own type stands
        if name != "type" and getattr(paper, name) not in (None, ""):
            continue  # only what the row lacks
        setattr(paper, name, value)
        report.fields[name] += 1
        changed = True
    for key in id_keys(ref):
        holder = owner.get(key)
        if holder is None:
            session.add(PaperKey(key=key, paper_id=paper.id))
            owner[key] = paper.id
            keys.append(key)
            report.keys += 1
            changed = True
        elif holder != paper.id:
            report.candidates.append((min(holder, paper.id), max(holder, paper.id), key))
    return changed


def _record_candidates(session: Session, report: EnrichReport) -> None:
    seen: set[tuple[int, int]] = set()
    for a, b, key in report.candidates:
        if (a, b) in seen:
            continue
        seen.add((a, b))
        exists = session.exec(
            select(IdentityCandidate.id).where(
                IdentityCandidate.entity == "paper", IdentityCandidate.a_id == a, IdentityCandidate.b_id == b
            )
        ).first()
        if exists is None:
            session.add(
                IdentityCandidate(
                    entity="paper",
                    a_id=a,
                    b_id=b,
                    score=100.0,
                    reason=f"same identifier {key}; not merged automatically",
                )
            )
