"""Corrections of a post's extraction (kb.corrections): durable, matched again after small changes, training examples."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import select

from kb import corrections
from kb.cli import main
from kb.corpus import git_blob_sha
from kb.correct_record import apply_record
from kb.curation import edit_field
from kb.db import open_db, session_scope
from kb.importer import import_paths
from kb.maintenance import check
from kb.models import Annotation, Person, Post, Talk, TalkSpeaker, UserEdit

POST = """---
title: Notes from ACL 2019
---
# ACL 2019

The talks I saw on the second day:

| Talk | Speaker |
| --- | --- |
| Energy and Policy Considerations for Deep Learning in NLP | Emma Strubell |
| What Does BERT Look At? An Analysis of BERT's Attention | Kevin Clark |
| Attention is not Explanation | Sarthak Jain |
"""


def talks(engine) -> list[tuple[int, str | None, list[str], int | None]]:
    """(id, title, speakers, line) of every talk, in order."""
    with session_scope(engine) as s:
        out = []
        for t in s.exec(select(Talk).order_by(Talk.position)).all():
            names = s.exec(
                select(Person.name)
                .join(TalkSpeaker, TalkSpeaker.person_id == Person.id)
                .where(TalkSpeaker.talk_id == t.id)
                .order_by(TalkSpeaker.position)
            ).all()
            out.append((t.id, t.title, list(names), t.line))
        return out


@pytest.fixture
def acl(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    post = folder / "acl.md"
    post.write_text(POST, encoding="utf-8")
    engine = open_db(tmp_path / "kb.sqlite")
    assert import_paths(engine, [folder]).results[0].status == "new"
    return engine, folder, post


def test_corrections_of_a_talk_table_stay_through_reimport(acl):
    engine, folder, post = acl
    before = talks(engine)
    # what the extractor reads: one talk per row
    assert [(t, sp, line) for _, t, sp, line in before] == [
        ("Energy and Policy Considerations for Deep Learning in NLP", ["Emma Strubell"], 10),
        ("What Does BERT Look At? An Analysis of BERT's Attention", ["Kevin Clark"], 11),
        ("Attention is not Explanation", ["Sarthak Jain"], 12),
    ]
    energy, bert, attention = (t[0] for t in before)
    with session_scope(engine, write=True) as s:
        corrections.set_talk(s, bert, "speakers", ["Kevin Clark", "Urvashi Khandelwal"])  # a co-speaker
        corrections.delete_talk(s, attention)  # "not a talk" …
        corrections.add_talk(s, s.exec(select(Post.id)).one(), 12, speakers=["Sarthak Jain", "Byron C. Wallace"])
        corrections.set_talk(s, energy, "kind", "keynote")
    after = talks(engine)
    assert after[:2] == [
        (energy, "Energy and Policy Considerations for Deep Learning in NLP", ["Emma Strubell"], 10),
        (bert, "What Does BERT Look At? An Analysis of BERT's Attention", ["Kevin Clark", "Urvashi Khandelwal"], 11),
    ]
    assert after[2][1:] == ("Attention is not Explanation", ["Sarthak Jain", "Byron C. Wallace"], 12)  # … re-added
    assert len(after) == 3
    with session_scope(engine) as s:
        assert s.get(Talk, energy).kind == "keynote"
        edits = {(e.entity, e.field) for e in s.exec(select(UserEdit)).all()}
        assert edits == {("talk", "speakers"), ("talk", "kind"), ("post", "talk.delete#1"), ("post", "talk.add#1")}
    for force in (False, True):  # unchanged re-import, then --force: the same corrected talks
        import_paths(engine, [folder], force=force)
        assert talks(engine) == after
    with session_scope(engine) as s:
        assert s.get(Talk, energy).kind == "keynote"
        ann = s.exec(select(Annotation)).one()
        assert ann.sha == git_blob_sha(post.read_bytes())  # standoff, keyed like corpus/annotations/<sha>.gold.json
        record = json.loads(ann.record)
    assert [(t["title"], t["speakers"], t["kind"]) for t in record["talks"]] == [
        ("Energy and Policy Considerations for Deep Learning in NLP", ["Emma Strubell"], "keynote"),
        ("What Does BERT Look At? An Analysis of BERT's Attention", ["Kevin Clark", "Urvashi Khandelwal"], "talk"),
        ("Attention is not Explanation", ["Sarthak Jain", "Byron C. Wallace"], "other"),
    ]


def test_not_a_talk_and_not_a_person_survive_force(acl):
    engine, folder, _post = acl
    energy, bert, attention = (t[0] for t in talks(engine))
    with session_scope(engine, write=True) as s:
        corrections.delete_talk(s, bert)
        assert corrections.not_person(s, "Emma Strubell") == 1
    want = [
        (energy, "Energy and Policy Considerations for Deep Learning in NLP", [], 10),
        (attention, "Attention is not Explanation", ["Sarthak Jain"], 12),
    ]
    assert talks(engine) == want
    import_paths(engine, [folder], force=True)
    assert talks(engine) == want
    with session_scope(engine) as s:
        assert s.exec(select(Person.name).where(Person.name == "Emma Strubell")).all() == []
        assert s.exec(select(Person.name).where(Person.name == "Kevin Clark")).all() == ["Kevin Clark"]  # still named


def test_talk_edit_follows_a_small_title_change_and_is_kept_stale_when_the_talk_goes(acl):
    """Issue 19, item 4: "… NLP |" → "… NLP (2019) |" used to drop both edits without a word."""
    engine, folder, post = acl
    energy = talks(engine)[0][0]
    with session_scope(engine, write=True) as s:
        edit_field(s, "talk", energy, "title", "Energy and policy in NLP")  # the TUI's edit path
        corrections.set_talk(s, energy, "speakers", ["Emma Strubell", "Ananya Ganesh"])
    changed = POST.replace("Energy and Policy", "Energy & Policy").replace("second day:", "second day (Tuesday):\n")
    post.write_text(changed, encoding="utf-8")  # another title key, and a line further down
    import_paths(engine, [folder])
    now = talks(engine)
    assert now[0] == (energy, "Energy and policy in NLP", ["Emma Strubell", "Ananya Ganesh"], 11)
    assert check(engine, files=False).stale_edits == []

    post.write_text(
        POST.replace("| Energy and Policy Considerations for Deep Learning in NLP | Emma Strubell |\n", ""),
        encoding="utf-8",
    )
    import_paths(engine, [folder])
    assert "Energy and policy in NLP" not in [t for _, t, _, _ in talks(engine)]
    report = check(engine, files=False)
    assert not report.ok and report.dangling == {}
    assert sorted(f for _, f, _ in report.stale_edits) == ["speakers", "title"]
    result = CliRunner().invoke(main, ["--db", str(folder.parent / "kb.sqlite"), "check"])
    assert result.exit_code == 1 and "stale edit:" in result.output and "its talk is gone" in result.output

    post.write_text(POST, encoding="utf-8")  # the row comes back: the kept edits apply again
    import_paths(engine, [folder])
    assert talks(engine)[0][1:3] == ("Energy and policy in NLP", ["Emma Strubell", "Ananya Ganesh"])
    assert check(engine, files=False).stale_edits == []


def test_a_whole_record_changes_exactly_the_differing_rows(tmp_path, sample_path):
    engine = open_db(tmp_path / "kb.sqlite")
    import_paths(engine, [sample_path])
    before = talks(engine)
    from kb.ingest.pipeline import extract

    record = extract(sample_path.read_text(encoding="utf-8"), source=sample_path.name).to_json()
    record["talks"][0]["title"] = "Uncertainty in deep geometric vision (keynote)"
    del record["talks"][2]
    path = tmp_path / "fixed.json"
    path.write_text(json.dumps(record), encoding="utf-8")
    with session_scope(engine) as s:
        post_id = s.exec(select(Post.id)).one()
    with session_scope(engine, write=True) as s:
        done = apply_record(s, post_id, record)
    assert len(done.changed) == 2 and done.skipped == []
    after = talks(engine)
    assert after[0] == (before[0][0], "Uncertainty in deep geometric vision (keynote)", *before[0][2:])
    assert after[1:] == [before[1]] + before[3:]  # every other talk: same row, same values
    with session_scope(engine) as s:
        assert sorted((e.entity, e.field) for e in s.exec(select(UserEdit)).all()) == [
            ("post", "talk.delete#1"),
            ("talk", "title"),
        ]
    with session_scope(engine, write=True) as s:  # applying it again changes nothing
        assert apply_record(s, post_id, record).changed == []


def test_cli_import_refuses_bad_json_with_one_line_and_writes_nothing(tmp_path, sample_path):
    db = str(tmp_path / "kb.sqlite")
    runner = CliRunner()
    assert runner.invoke(main, ["--db", db, "import", str(sample_path)]).exit_code == 0
    bad = tmp_path / "bad.json"
    bad.write_text('{"talks": [\n  {"title": 3}\n', encoding="utf-8")
    result = runner.invoke(main, ["--db", db, "corrections", "import", str(sample_path), str(bad)])
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [f"error: {bad}: line 3: not JSON (Expecting ',' delimiter)"]
    bad.write_text('{"talks": [{"title": 3}]}', encoding="utf-8")
    result = runner.invoke(main, ["--db", db, "corrections", "import", str(sample_path), str(bad)])
    assert (
        result.exit_code == 1
        and result.output.strip() == f"error: {bad}: talk 1 needs a string title and a list of speaker names"
    )
    with session_scope(open_db(db)) as s:
        assert s.exec(select(UserEdit)).all() == []


def test_export_then_import_on_another_kb(tmp_path, sample_path):
    a, b = str(tmp_path / "a.sqlite"), str(tmp_path / "b.sqlite")
    runner = CliRunner()
    for db in (a, b):
        assert runner.invoke(main, ["--db", db, "import", str(sample_path)]).exit_code == 0
    tid = talks(open_db(a))[1][0]
    assert runner.invoke(main, ["--db", a, "corrections", "delete-talk", str(tid)]).exit_code == 0
    assert runner.invoke(main, ["--db", a, "corrections", "not-person", "Georgia Gkioxari"]).exit_code == 0
    out = tmp_path / "corr.json"
    assert runner.invoke(main, ["--db", a, "corrections", "export", "-o", str(out)]).exit_code == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    assert data["not_people"] == ["Georgia Gkioxari"] and len(data["annotations"]) == 1
    assert data["annotations"][0]["sha"] == git_blob_sha(Path(sample_path).read_bytes())
    result = runner.invoke(main, ["--db", b, "corrections", "import", str(out)])
    assert result.exit_code == 0, result.output
    assert [t[1:] for t in talks(open_db(b))] == [t[1:] for t in talks(open_db(a))]


def test_sync_carries_corrections(tmp_path, sample_path):
    from kb.maintenance import dump
    from kb.sync import sync

    src, dst = open_db(tmp_path / "a.sqlite"), open_db(tmp_path / "b.sqlite")
    import_paths(src, [sample_path])
    first, second = talks(src)[0][0], talks(src)[1][0]
    with session_scope(src, write=True) as s:
        corrections.set_talk(s, first, "speakers", ["Jane Doe"])
        corrections.delete_talk(s, second)
        corrections.not_person(s, "Georgia Gkioxari")
    sync(src, dst)
    assert [t[1:] for t in talks(dst)] == [t[1:] for t in talks(src)]
    again = sync(src, dst)
    assert again.edits == 0
    with session_scope(src) as s1, session_scope(dst) as s2:
        assert dump(s1)["user_edits"] == dump(s2)["user_edits"]


def test_control_characters_never_reach_a_correction(acl):
    engine, _folder, _post = acl
    energy = talks(engine)[0][0]
    with session_scope(engine, write=True) as s:
        corrections.set_talk(s, energy, "title", "Energy\x00 and \x1b[31mpolicy")
        corrections.set_talk(s, energy, "speakers", ["Emma\x07 Strubell", " "])
        with pytest.raises(corrections.CurationError, match="needs a kind"):
            corrections.set_talk(s, energy, "kind", "\x00")
    assert talks(engine)[0][1:3] == ("Energy and [31mpolicy", ["Emma Strubell"])


@pytest.mark.postgres
def test_corrections_and_the_kb_model_round_trip_through_postgres(tmp_path, sample_path, pg_url):
    from kb import teach
    from kb.maintenance import dump
    from kb.models import TrainedModel
    from kb.sync import sync

    src, pg, back = open_db(tmp_path / "a.sqlite"), open_db(pg_url), open_db(tmp_path / "b.sqlite")
    import_paths(src, [sample_path])
    first, second = talks(src)[0][0], talks(src)[1][0]
    with session_scope(src, write=True) as s:
        corrections.set_talk(s, first, "title", "Uncertainty in deep\x00 geometric vision")
        corrections.set_talk(s, first, "speakers", ["Jane Doe"])
        corrections.delete_talk(s, second)
        corrections.not_person(s, "Georgia Gkioxari")
    sync(src, pg)
    sync(pg, back)
    want = [t[1:] for t in talks(src)]
    assert [t[1:] for t in talks(pg)] == want and [t[1:] for t in talks(back)] == want
    with session_scope(src) as s1, session_scope(pg) as s2, session_scope(back) as s3:
        assert dump(s1)["user_edits"] == dump(s2)["user_edits"] == dump(s3)["user_edits"]
        assert s2.exec(select(Annotation.sha)).all() == s1.exec(select(Annotation.sha)).all()
    try:  # the KB's model is stored in PostgreSQL as bytes and comes back byte for byte
        model = teach.train(pg, base=teach.sample_examples(None)[:4])
        with session_scope(pg) as s:
            row = s.get(TrainedModel, "talks")
            assert (bytes(row.lines), bytes(row.spans), row.sha256) == (model.lines, model.spans, model.sha256)
    finally:
        teach.use_shipped()


def test_a_whole_record_also_says_who_is_not_a_person(acl):
    engine, folder, _ = acl
    from kb.ingest.pipeline import extract

    record = extract(POST, source="acl.md").to_json()
    assert "Kevin Clark" in [p["name"] for p in record["people"]]
    for t in record["talks"]:
        t["speakers"] = [s for s in t["speakers"] if s != "Kevin Clark"]
    record["people"] = [p for p in record["people"] if p["name"] != "Kevin Clark"]
    with session_scope(engine) as s:
        post_id = s.exec(select(Post.id)).one()
    without_people = {k: v for k, v in record.items() if k != "people"}
    with session_scope(engine, write=True) as s:  # no people list: nobody is said not to be a person
        assert not any(c.startswith("not a person") for c in apply_record(s, post_id, without_people).changed)
    with session_scope(engine, write=True) as s:
        done = apply_record(s, post_id, record)
    assert done.changed == ["not a person: 'Kevin Clark'"] and done.skipped == []
    with session_scope(engine) as s:
        assert s.exec(select(UserEdit.field).where(UserEdit.entity == "kb")).all() == ["not_person:kevin clark"]
    import_paths(engine, [folder], force=True)
    assert "Kevin Clark" not in {n for t in talks(engine) for n in t[2]}
    with session_scope(engine, write=True) as s:  # applied again: nothing left to do
        assert apply_record(s, post_id, record).changed == []


def test_a_speaker_named_otherwise_than_the_post_keeps_the_posts_spelling_in_the_training_example(tmp_path):
    from kb.ingest.talks.examples import example

    folder = tmp_path / "notes"
    folder.mkdir()
    acl = Path(__file__).resolve().parents[1] / "imports" / "acl-2019-florence-bertology.md"
    (folder / acl.name).write_text(acl.read_text(encoding="utf-8"), encoding="utf-8")
    engine = open_db(tmp_path / "kb.sqlite")
    import_paths(engine, [folder])
    energy = "Energy and Policy Considerations for Deep Learning in NLP"
    with session_scope(engine, write=True) as s:
        talk = s.exec(select(Talk).where(Talk.title == energy)).one()
        corrections.set_talk(s, talk.id, "speakers", ["Emma Strubell"])  # the post writes "Emma Stubell"
        post = s.get(Post, talk.post_id)
        record = json.loads(s.get(Annotation, post.id).record)
        text = post.front_matter + post.body
        people = set(s.exec(select(Person.name)).all())
    assert [
        (p["name"], p.get("spelled_in_post"))
        for p in record["people"]
        if "tubell" in p["name"].lower() or "trubell" in p["name"].lower()
    ] == [("Emma Strubell", "Emma Stubell")]
    assert "Emma Stubell" not in people and "Emma Strubell" in people  # the misspelled person is replaced

    def speaker_words(rec: dict) -> int:
        return sum(label == "SPEAKER" for labels in example(text, acl.name, rec)[0].span_labels for label in labels)

    unspelled = json.loads(json.dumps(record))
    for p in unspelled["people"]:
        p.pop("spelled_in_post", None)
    assert speaker_words(record) == speaker_words(unspelled) + 1  # "Emma Stubell", not just "Emma"


def test_a_records_untitled_talk_is_added_without_a_title(acl):
    engine, _folder, _ = acl
    from kb.ingest.pipeline import extract

    record = extract(POST, source="acl.md").to_json()
    record["talks"].append(
        {"title": None, "speakers": ["Jane Doe"], "kind": "keynote", "event": None, "links": [], "cites": []}
    )
    record["people"].append({"name": "Jane Doe", "role": "speaker", "url": None})
    with session_scope(engine, write=True) as s:
        post_id = s.exec(select(Post.id)).one()
        s.get(Post, post_id).body += "\nThe closing keynote was by Jane Doe.\n"
    with session_scope(engine, write=True) as s:
        post = s.get(Post, post_id)
        line = (post.front_matter + post.body).split("\n").index("The closing keynote was by Jane Doe.") + 1
        done = apply_record(s, post_id, record)
    assert done.changed == [f"added talk None on line {line}"], done
    assert talks(engine)[-1][1:] == (None, ["Jane Doe"], line)  # not the line's words as its title
