"""kb dump is deterministic and id-free; kb check finds (and --fix repairs) what is wrong."""

from __future__ import annotations

import json
import shutil

from click.testing import CliRunner
from sqlalchemy import delete
from sqlmodel import select

from kb.cli import main
from kb.db import open_db, session_scope
from kb.importer import import_paths
from kb.maintenance import check, dump, dump_json, fix
from kb.models import Paper, Person, Post, UserEdit
from tests.conftest import IMPORTS


def _dump(engine, body=True) -> str:
    with session_scope(engine) as s:
        return dump_json(s, body=body)


def _samples(n=4):
    return sorted(IMPORTS.glob("*.md"))[:n]


def test_reimport_of_unchanged_corpus_gives_identical_dump(engine, sample_path):
    posts = [sample_path, *_samples()]
    import_paths(engine, posts)
    first = _dump(engine)
    again = import_paths(engine, posts)
    assert {r.status for r in again.results} == {"unchanged"}
    assert _dump(engine) == first
    forced = import_paths(engine, posts, force=True)
    assert {r.status for r in forced.results} == {"updated"}
    assert _dump(engine) == first


def test_dump_has_no_row_ids_so_equivalent_dbs_match(tmp_path, sample_path):
    """Same knowledge, different ids (B's first rows were placeholders, deleted later): same dump."""
    a, b = open_db(tmp_path / "a.sqlite"), open_db(tmp_path / "b.sqlite")
    posts = _samples(3)
    with session_scope(b, write=True) as s:
        s.add(Paper(title="placeholder", pinned=True))
        s.add(Person(key="place holder", name="Place Holder"))
    import_paths(a, [sample_path, *posts])
    import_paths(b, [sample_path, *posts])
    with session_scope(b, write=True) as s:
        s.exec(delete(Paper).where(Paper.title == "placeholder"))
        s.exec(delete(Person).where(Person.key == "place holder"))
    with session_scope(a) as s1, session_scope(b) as s2:
        assert (
            s1.exec(select(Paper.id).order_by(Paper.id.desc())).first()
            != s2.exec(select(Paper.id).order_by(Paper.id.desc())).first()
        )
    assert _dump(a) == _dump(b)
    data = json.loads(_dump(a, body=False))
    assert data["posts"][0]["body"].startswith("sha256:")
    text_ = _dump(a)
    assert '"id"' not in text_ and "imported_at" not in text_ and "created_at" not in text_


def test_dump_names_rows_by_natural_keys(sampled):
    with session_scope(sampled, write=True) as s:
        talk = s.exec(select(Post)).one()
        girshick = s.exec(select(Person).where(Person.key == "ross girshick")).one()
        s.add(UserEdit(entity="person", entity_id=girshick.id, field="url", value="https://example.org/rg"))
    with session_scope(sampled) as s:
        data = dump(s)
    post = data["posts"][0]
    assert post["path"] == talk.path and post["conference"] == "iccv|2017"
    assert any("ross girshick" in t["speakers"] for t in post["talks"])
    cited = {c["paper"] for c in post["citations"]}
    assert cited <= {p["ref"] for p in data["papers"]}
    assert data["user_edits"] == [
        {"entity": "person", "of": "ross girshick", "field": "url", "value": "https://example.org/rg"}
    ]


def test_check_clean_db_is_ok(sampled):
    report = check(sampled)
    assert report.ok, report.to_json()


def test_check_finds_and_fix_repairs_dangling_and_orphans(sampled):
    raw = sampled.raw_connection()  # what a DB written without enforced foreign keys can hold
    try:
        cur = raw.cursor()
        cur.execute("PRAGMA foreign_keys=OFF")
        cur.execute("BEGIN")
        cur.execute("DELETE FROM paper WHERE id = (SELECT min(paper_id) FROM citation)")
        cur.execute(
            "INSERT INTO person(key, name, family, given, family_key, family_block, given_key)"
            " VALUES ('nobody here', 'Nobody Here', 'Here', 'Nobody', 'here', 'he', 'nobody')"
        )
        cur.execute(
            "INSERT INTO useredit(entity, entity_id, field, value, created_at)"
            " VALUES ('talk', 9999, 'title', 'gone', '2020-01-01')"
        )
        cur.execute("COMMIT")
        cur.execute("PRAGMA foreign_keys=ON")
    finally:
        raw.close()
    report = check(sampled)
    assert not report.ok
    assert report.dangling.get("citation.paper_id", 0) >= 1
    assert report.dangling.get("useredit.entity_id[talk]") == 1
    assert report.orphans.get("person", 0) >= 1
    after = fix(sampled)
    assert after.ok, after.to_json()
    with session_scope(sampled) as s:
        assert s.exec(select(Person).where(Person.key == "nobody here")).first() is None


def test_check_reports_changed_and_missing_post_files(engine, sample_path, tmp_path):
    a, b = tmp_path / "a.md", tmp_path / "b.md"
    shutil.copy(sample_path, a)
    shutil.copy(_samples(1)[0], b)
    import_paths(engine, [a, b])
    assert check(engine).ok
    a.write_text(a.read_text(encoding="utf-8") + "\nOne more line.\n", encoding="utf-8")
    b.unlink()
    stale = dict(check(engine).stale_posts)
    assert stale == {str(a.resolve()): "changed", str(b.resolve()): "missing"}


def test_dump_and_check_commands(tmp_path, sample_path):
    db = tmp_path / "kb.sqlite"
    runner = CliRunner()
    assert runner.invoke(main, ["--db", str(db), "import", str(sample_path)]).exit_code == 0
    r = runner.invoke(main, ["--db", str(db), "dump"])
    assert r.exit_code == 0 and json.loads(r.output)["format"] == "kb-dump/1"
    out = tmp_path / "d.json"
    assert runner.invoke(main, ["--db", str(db), "dump", "-o", str(out)]).exit_code == 0
    assert out.read_text(encoding="utf-8") == r.output
    r = runner.invoke(main, ["--db", str(db), "check"])
    assert r.exit_code == 0 and r.output.strip() == "ok"
    r = runner.invoke(main, ["--db", str(db), "check", "--json"])
    assert json.loads(r.output)["ok"] is True


def test_garbage_collection_forgets_candidates_and_talk_edits_of_deleted_rows(sampled):
    """Found by fuzzing: SQLite reuses ids, so a pair or an edit naming a deleted row would name a stranger."""
    from kb.models import IdentityCandidate, Talk
    from kb.store import garbage_collect

    with session_scope(sampled, write=True) as s:
        kept = s.exec(select(Person).where(Person.key == "ross girshick")).one()
        gone = Person(key="ross girshic", name="Ross Girshic")
        s.add(gone)
        s.flush()
        s.add(IdentityCandidate(entity="person", a_id=kept.id, b_id=gone.id, score=90.0))
        s.add(UserEdit(entity="talk", entity_id=10_000, field="title", value="a talk that left its post"))
        s.add(UserEdit(entity="talk", entity_id=s.exec(select(Talk.id)).first(), field="kind", value="keynote"))
    with session_scope(sampled, write=True) as s:
        garbage_collect(s)
    with session_scope(sampled) as s:
        assert s.exec(select(IdentityCandidate)).all() == []
        edits = {e.value: e for e in s.exec(select(UserEdit)).all()}
    # Issue 19: an edit whose talk left is kept, stale, under an id no row can have; kb check reports it.
    assert edits["keynote"].entity_id >= 0 and not edits["keynote"].stale
    left = edits["a talk that left its post"]
    assert left.stale and left.entity_id == -left.id
    report = check(sampled)
    assert report.dangling == {} and report.orphans == {} and not report.ok
    assert [f for _, f, _ in report.stale_edits] == ["title"]
