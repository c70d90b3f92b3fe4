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
        talk = _one(s, Talk, title="Neural Archtecure and Beyond")
        edit_field(s, "talk", talk.id, "title", "Neural Architecture and Beyond")
        prior = _one(s, Paper, title="Deep image prior")
        edit_field(s, "paper", prior.id, "venue", "CVPR")
        zoph = _one(s, Person, name="Barret Zoph")
        edit_field(s, "person", zoph.id, "url", "https://barretzoph.example.org/")
        vedaldi, zhou = _one(s, Person, name="Andrea Vedaldi"), _one(s, Person, name="Bolei Zhou")
        merge_people(s, zhou.id, vedaldi.id)  # a (wrong, but deliberate) user decision
        inverting = _one(s, Paper, title="Understanding deep image representations by inverting them")
        merge_papers(s, inverting.id, prior.id)
        return {"talk": talk.id, "prior": prior.id, "zoph": zoph.id, "vedaldi": vedaldi.id}


def _assert_curation_holds(engine, ids: dict[str, int]) -> None:
    with session_scope(engine) as s:
        assert s.get(Talk, ids["talk"]).title == "Neural Architecture and Beyond"
        assert s.get(Paper, ids["prior"]).venue == "CVPR"
        assert s.get(Person, ids["zoph"]).url == "https://barretzoph.example.org/"
        assert s.exec(select(Person).where(Person.name == "Bolei Zhou")).first() is None
        zhou_talk = s.exec(select(Talk).where(Talk.title.like("%latent semantics%"))).one()
        speakers = s.exec(select(TalkSpeaker.person_id).where(TalkSpeaker.talk_id == zhou_talk.id)).all()
        assert speakers == [ids["vedaldi"]]
        assert s.exec(select(Paper).where(Paper.title.like("Understanding deep image representations%"))).first() is None
        assert {"[3]", "[4]"} <= set(s.exec(select(Citation.marker).where(Citation.paper_id == ids["prior"])))
        assert len(s.exec(select(UserEdit).where(UserEdit.entity != "kb")).all()) == 3
        assert len(s.exec(select(Merge)).all()) == 2
        undo = s.exec(select(UserEdit.field).where(UserEdit.entity == "kb").order_by(UserEdit.field)).all()
        assert [f.split(":")[:2] for f in undo] == [["merged", "paper"], ["merged", "person"]]  # kb.merges.unmerge


def test_edits_and_merges_survive_a_changed_post(engine, seed_path, tmp_path):
    post = tmp_path / "iccv.md"
    shutil.copy(seed_path, post)
    original = post.read_text(encoding="utf-8")
    import_paths(engine, [post])
    ids = _curate(engine)
    # merge_papers drops the merged paper's author list, and a co-author on nothing else is left
    # behind (kb.curation does not garbage-collect): what `kb check --fix` is for.
    assert check(engine, files=False).orphans == {"person": 1, "personalias": 1}
    assert fix(engine).ok
    curated = _dump(engine)

    # The author edits the post: more prose, a reworded talk, a cite dropped, a typo fixed elsewhere.
    changed = (original.replace("This talk gave a holistic view", "This talk (an hour long) gave a holistic view")
               .replace("Bolei Zhou et all. showed", "Bolei Zhou and colleagues showed")
               .replace("Plateform aware NAS [23]", "Plateform aware NAS")
               + "\n\nP.S. Slides for every talk are linked above.\n")
    post.write_text(changed, encoding="utf-8")
    assert import_paths(engine, [post]).results[0].status == "updated"
    _assert_curation_holds(engine, ids)
    assert check(engine, files=False).ok

    # Changed again and back: the database returns to exactly the curated state.
    post.write_text(original, encoding="utf-8")
    assert import_paths(engine, [post]).results[0].status == "updated"
    _assert_curation_holds(engine, ids)
    assert _dump(engine) == curated


def test_a_merge_also_applies_to_posts_imported_later(engine, seed_path, tmp_path):
    import_paths(engine, [seed_path])
    ids = _curate(engine)
    later = tmp_path / "later.md"
    later.write_text("---\ntitle: ICCV 2019 day two\n---\n\n# ICCV 2019\n\nThe first talk was on "
                     "[GAN dissection](https://example.org/slides/gan.pdf) by [Bolei Zhou](http://bzhou.example.org/).\n",
                     encoding="utf-8")
    assert import_paths(engine, [later]).results[0].status == "new"
    with session_scope(engine) as s:
        assert s.exec(select(Person).where(Person.name == "Bolei Zhou")).first() is None
        talk = s.exec(select(Talk).where(Talk.title.like("GAN dissection%"))).one()
        assert s.exec(select(TalkSpeaker.person_id).where(TalkSpeaker.talk_id == talk.id)).all() == [ids["vedaldi"]]
    _assert_curation_holds(engine, ids)
