"""kb sync: a SQLite KB copied into PostgreSQL and back, curation included, dumps identical."""

from __future__ import annotations

import json

import pytest
from click.testing import CliRunner
from sqlmodel import select

from kb.cli import main
from kb.curation import edit_field, merge_papers, merge_people
from kb.db import open_db, session_scope
from kb.importer import import_paths
from kb.maintenance import dump_json
from kb.models import Paper, Person, Talk
from kb.sync import sync
from tests.conftest import IMPORTS

pytestmark = pytest.mark.postgres

BIB = """@inproceedings{vaswani2017attention,
  title={Attention is all you need},
  author={Vaswani, Ashish and Shazeer, Noam},
  booktitle={Advances in Neural Information Processing Systems},
  year={2017}
}
"""


def _dump(engine) -> str:
    with session_scope(engine) as s:
        return dump_json(s)


def _curated_sqlite(tmp_path, sample_path):
    engine = open_db(tmp_path / "src.sqlite")
    (tmp_path / "refs.bib").write_text(BIB, encoding="utf-8")
    assert not import_paths(engine, [sample_path, *sorted(IMPORTS.glob("*.md"))[:4], tmp_path / "refs.bib"]).failed
    with session_scope(engine, write=True) as s:
        talk = s.exec(select(Talk).where(Talk.title == "Speed and accuracy trade-offs for modern detectors")).one()
        edit_field(s, "talk", talk.id, "title", "Speed/accuracy trade-offs of modern detectors")
        yolo = s.exec(select(Paper).where(Paper.title.like("You only look once%"))).one()
        edit_field(s, "paper", yolo.id, "venue", "CVPR")
        girshick = s.exec(select(Person).where(Person.name == "Ross Girshick")).one()
        howard = s.exec(select(Person).where(Person.name == "Andrew G. Howard")).one()
        merge_people(s, howard.id, girshick.id)
        ssd = s.exec(select(Paper).where(Paper.title.like("SSD:%"))).one()
        merge_papers(s, ssd.id, yolo.id)
    from kb.export import Selection, run

    run(engine, "bibtex", Selection(), output=tmp_path / "all.bib")  # assigns citekeys: they must travel too
    from kb.maintenance import fix

    fix(engine)
    return engine


def test_sqlite_to_postgres_and_back_keeps_everything(tmp_path, sample_path, pg_url):
    src = _curated_sqlite(tmp_path, sample_path)
    want = _dump(src)
    pg = open_db(pg_url)
    report = sync(src, pg)
    assert report.posts_written == 6 and not report.skipped, report
    assert report.merges == 2 and report.edits == 2 and report.citekeys > 0
    assert _dump(pg) == want

    again = sync(src, pg)  # idempotent
    assert (again.posts_written, again.merges, again.edits, again.citekeys) == (0, 0, 0, 0)
    assert _dump(pg) == want

    back = open_db(tmp_path / "back.sqlite")
    sync(pg, back)
    assert _dump(back) == want
    for e in (src, pg, back):
        e.dispose()


def test_sync_into_a_kb_that_already_knows_some_people(tmp_path, sample_path, pg_url):
    """The target already holds the sample post (imported there): people and papers are found, not doubled."""
    src = _curated_sqlite(tmp_path, sample_path)
    pg = open_db(pg_url)
    import_paths(pg, [sample_path])
    report = sync(src, pg)
    assert report.posts_unchanged == 1 and report.posts_written == 5
    with session_scope(pg) as s:
        keys = s.exec(select(Person.key)).all()
        assert len(keys) == len(set(keys))
        assert s.exec(select(Person).where(Person.name == "Andrew G. Howard")).first() is None
        edited = s.exec(select(Talk).where(Talk.title == "Speed/accuracy trade-offs of modern detectors")).first()
        assert edited is not None
    assert _dump(pg) == _dump(src)


def test_sync_command(tmp_path, sample_path, pg_url):
    src = tmp_path / "kb.sqlite"
    runner = CliRunner()
    assert runner.invoke(main, ["--db", str(src), "import", str(sample_path)]).exit_code == 0
    r = runner.invoke(main, ["sync", "--from", str(src), "--to", pg_url, "--json"])
    assert r.exit_code == 0, r.output
    assert json.loads(r.output)["posts_written"] == 1
    r = runner.invoke(main, ["sync", "--from", pg_url, "--to", str(tmp_path / "copy.sqlite")])
    assert r.exit_code == 0 and "1 post" in r.output
