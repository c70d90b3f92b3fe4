"""Curation is durable: edits and merges are re-applied when a *changed* post is re-imported."""

from __future__ import annotations

import shutil

from sqlmodel import select

from kb.curation import edit_field, merge_papers, merge_people
from kb.db import session_scope
from kb.importer import import_paths
from kb.maintenance import check, dump_json, fix
from kb.models import Citation, Merge, Paper, Person, Talk, TalkSpeaker, UserEdit


def _one(s, model, **where):
    q = select(model)
    for k, v in where.items():
        q = q.where(getattr(model, k) == v)
    return s.exec(q).one()


def _dump(engine) -> str:
    with session_scope(engine) as s:
        return dump_json(s)


def _curate(engine) -> dict[str, int]:
    """The edits and merges a user makes in the TUI; returns the ids they touched."""
    with session_scope(engine, write=True) as s:
        talk = _one(s, Talk, title="Speed and accuracy trade-offs for modern detectors")
        edit_field(s, "talk", talk.id, "title", "Speed/accuracy trade-offs of modern detectors")
        yolo = _one(s, Paper, title="You only look once: Unified, real-time object detection")
        edit_field(s, "paper", yolo.id, "venue", "CVPR")
        kendall = _one(s, Person, name="Alex Kendall")
        edit_field(s, "person", kendall.id, "url", "https://kendall.example.net/")
        girshick, howard = _one(s, Person, name="Ross Girshick"), _one(s, Person, name="Andrew G. Howard")
        merge_people(s, howard.id, girshick.id)  # a (wrong, but deliberate) user decision
        ssd = _one(s, Paper, title="SSD: Single shot multibox detector")
        merge_papers(s, ssd.id, yolo.id)
        return {"talk": talk.id, "yolo": yolo.id, "kendall": kendall.id, "girshick": girshick.id}


def _assert_curation_holds(engine, ids: dict[str, int]) -> None:
    with session_scope(engine) as s:
        assert s.get(Talk, ids["talk"]).title == "Speed/accuracy trade-offs of modern detectors"
        assert s.get(Paper, ids["yolo"]).venue == "CVPR"
        assert s.get(Person, ids["kendall"]).url == "https://kendall.example.net/"
        assert s.exec(select(Person).where(Person.name == "Andrew G. Howard")).first() is None
        howard_talk = s.exec(select(Talk).where(Talk.title.like("%mobile devices%"))).one()
        speakers = s.exec(select(TalkSpeaker.person_id).where(TalkSpeaker.talk_id == howard_talk.id)).all()
        assert speakers == [ids["girshick"]]
        assert s.exec(select(Paper).where(Paper.title.like("SSD%"))).first() is None
        assert {"[6]", "[8]"} <= set(s.exec(select(Citation.marker).where(Citation.paper_id == ids["yolo"])))
        assert len(s.exec(select(UserEdit).where(UserEdit.entity != "kb")).all()) == 3
        assert len(s.exec(select(Merge)).all()) == 2
        undo = s.exec(select(UserEdit.field).where(UserEdit.entity == "kb").order_by(UserEdit.field)).all()
        assert [f.split(":")[:2] for f in undo] == [["merged", "paper"], ["merged", "person"]]  # kb.merges.unmerge


def test_edits_and_merges_survive_a_changed_post(engine, sample_path, tmp_path):
    post = tmp_path / "iccv.md"
    shutil.copy(sample_path, post)
    original = post.read_text(encoding="utf-8")
    import_paths(engine, [post])
    ids = _curate(engine)
    # merge_papers drops the merged paper's author list, and a co-author on nothing else is left
    # behind (kb.curation does not garbage-collect): what `kb check --fix` is for.
    assert check(engine, files=False).orphans == {"person": 1, "personalias": 1}
    assert fix(engine).ok
    curated = _dump(engine)

    # The author edits the post: more prose, a reworded talk, a cite dropped, a typo fixed elsewhere.
    changed = (
        original.replace("It was a careful comparison", "It was a careful (hour-long) comparison")
        .replace("we talked for half an hour", "we talked for an hour")
        .replace("Anytime prediction [18]", "Anytime prediction")
        + "\n\nP.S. Slides for every talk are linked above.\n"
    )
    post.write_text(changed, encoding="utf-8")
    assert import_paths(engine, [post]).results[0].status == "updated"
    _assert_curation_holds(engine, ids)
    assert check(engine, files=False).ok

    # Changed again and back: the database returns to exactly the curated state.
    post.write_text(original, encoding="utf-8")
    assert import_paths(engine, [post]).results[0].status == "updated"
    _assert_curation_holds(engine, ids)
    assert _dump(engine) == curated


def test_a_merge_also_applies_to_posts_imported_later(engine, sample_path, tmp_path):
    import_paths(engine, [sample_path])
    ids = _curate(engine)
    later = tmp_path / "later.md"
    later.write_text(
        "---\ntitle: ICCV 2017 day two\n---\n\n# ICCV 2017\n\nThe first talk was on "
        "[Efficient networks](https://example.org/slides/efficient.pdf) by "
        "[Andrew G. Howard](http://howard.example.org/).\n",
        encoding="utf-8",
    )
    assert import_paths(engine, [later]).results[0].status == "new"
    with session_scope(engine) as s:
        assert s.exec(select(Person).where(Person.name == "Andrew G. Howard")).first() is None
        talk = s.exec(select(Talk).where(Talk.title.like("Efficient networks%"))).one()
        assert s.exec(select(TalkSpeaker.person_id).where(TalkSpeaker.talk_id == talk.id)).all() == [ids["girshick"]]
    _assert_curation_holds(engine, ids)
