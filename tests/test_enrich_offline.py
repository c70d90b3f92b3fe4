"""``kb enrich --offline``: papers already in a database are filled from their own identifiers (issue 15)."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlmodel import select

from kb.db import session_scope
from kb.enrich import enrich_offline
from kb.models import IdentityCandidate, Paper, PaperKey, UserEdit

REPO = Path(__file__).resolve().parent.parent


def _old_rows(engine) -> tuple[int, int, int]:
    """Papers as an older kb stored them: URL kept, but no identifier keys beyond DOI/arXiv/title, no year."""
    with session_scope(engine, write=True) as s:
        linked = Paper(title="Deep Dominance", url="https://www.aclweb.org/anthology/P19-1266.pdf")
        by_doi = Paper(url="https://doi.org/10.18653/v1/P19-1266", doi="10.18653/v1/P19-1266")
        edited = Paper(
            title="Densely Connected Convolutional Networks",
            url="http://openaccess.thecvf.com/content_cvpr_2017/papers/Huang_Densely_Connected_Convolutional_CVPR_2017_paper.pdf",
        )
        s.add_all([linked, by_doi, edited])
        s.flush()
        s.add_all(
            [
                PaperKey(key="title:deep dominance||", paper_id=linked.id),
                PaperKey(key="doi:10.18653/v1/p19-1266", paper_id=by_doi.id),
                PaperKey(key="title:densely connected convolutional networks||", paper_id=edited.id),
                UserEdit(entity="paper", entity_id=edited.id, field="venue", value=None),
            ]
        )
        return linked.id, by_doi.id, edited.id


def test_offline_enrichment_fills_rows_and_keeps_edits(engine):
    linked, by_doi, edited = _old_rows(engine)
    report = enrich_offline(engine)
    assert (report.papers, report.changed, report.keys) == (3, 3, 2)
    assert report.candidates == [(linked, by_doi, "acl:P19-1266")]
    with session_scope(engine) as s:
        rows = {p.id: p for p in s.exec(select(Paper)).all()}
        keys = sorted(s.exec(select(PaperKey.key, PaperKey.paper_id)).all())
        candidates = s.exec(
            select(IdentityCandidate.entity, IdentityCandidate.a_id, IdentityCandidate.b_id, IdentityCandidate.reason)
        ).all()
    assert (rows[linked].year, rows[linked].venue, rows[linked].type) == (2019, "ACL", "inproceedings")
    assert (rows[by_doi].year, rows[by_doi].venue, rows[by_doi].type) == (2019, "ACL", "inproceedings")
    assert (rows[edited].year, rows[edited].venue, rows[edited].type) == (2017, None, "inproceedings")  # venue: user's
    assert keys == sorted(
        [
            ("acl:P19-1266", linked),
            ("cvf:CVPR2017/Huang_Densely_Connected_Convolutional_CVPR_2017", edited),
            ("doi:10.18653/v1/p19-1266", by_doi),
            ("title:deep dominance||", linked),
            ("title:densely connected convolutional networks||", edited),
        ]
    )
    assert candidates == [("paper", linked, by_doi, "same identifier acl:P19-1266; not merged automatically")]
    again = enrich_offline(engine)  # idempotent: nothing left to fill, the candidate is not recorded twice
    assert (again.changed, again.keys) == (0, 0)
    with session_scope(engine) as s:
        assert len(s.exec(select(IdentityCandidate)).all()) == 1


def _kb(*args: str, db: Path) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kb", "--db", str(db), *args], check=False, cwd=REPO, capture_output=True, text=True
    )


def test_cli_enrich_offline(engine, tmp_path):
    """(``kb enrich`` over the network is tests/test_enrich_net.py's, with recorded responses.)"""
    _old_rows(engine)
    db = tmp_path / "kb.sqlite"
    proc = _kb("enrich", "--offline", "--json", db=db)
    assert proc.returncode == 0, proc.stderr
    data = json.loads(proc.stdout)
    assert (data["papers"], data["changed"], data["keys"]) == (3, 3, 2)
    assert data["fields"] == {"type": 3, "venue": 2, "year": 3}
