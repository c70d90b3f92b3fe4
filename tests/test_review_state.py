"""Review states move on with the user's work (new → edited → reviewed → edited again), and kb sync takes
the KB's trained model along (or says why not)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from click.testing import CliRunner
from sqlmodel import select

from kb import corrections, review, teach
from kb.cli import main
from kb.db import open_db, session_scope
from kb.importer import import_paths
from kb.ingest.talks import model as talk_model
from kb.models import Post, Talk, TrainedModel
from kb.sync import sync
from kb.tui import make_app
from kb.tui.history import Location
from test_tui_helpers import press, screen_text, settle, type_text, unsure_heads

ACL = Path(__file__).resolve().parents[1] / "imports" / "acl-2019-florence-bertology.md"


@pytest.fixture
def kb(tmp_path):
    folder = tmp_path / "notes"
    folder.mkdir()
    shutil.copy(ACL, folder / ACL.name)
    engine = open_db(tmp_path / "kb.sqlite")
    import_paths(engine, [folder])
    yield engine
    engine.dispose()
    teach.use_shipped()


def state(engine) -> str:
    with session_scope(engine) as s:
        return review.states(s, [1])[1]


async def test_an_edit_after_accepting_makes_the_post_edited_again(kb):
    app = make_app(kb, start=Location("review", 1))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "r")
        assert " reviewed · " in screen_text(app) and state(kb) == "reviewed"
        await press(pilot, "k")
        await press(pilot, "ctrl+u")
        await type_text(pilot, "keynote")
        await press(pilot, "enter")
        assert " edited · " in screen_text(app)
        assert state(kb) == "edited"
        await press(pilot, "r")
        assert state(kb) == "reviewed"
    with session_scope(kb) as s:
        assert review.waiting(s) == 0


def test_a_correction_from_the_command_line_too(kb):
    with session_scope(kb, write=True) as s:
        review.mark_reviewed(s, 1)
        assert review.waiting(s) == 0
    talk = 1
    result = CliRunner().invoke(
        main, ["--db", str(kb.url.database), "corrections", "set-talk", str(talk), "kind", "keynote"]
    )
    assert result.exit_code == 0, result.output
    assert state(kb) == "edited"
    with session_scope(kb) as s:
        assert review.waiting(s) == 1
        assert s.get(Talk, talk).kind == "keynote"


def test_a_kb_wide_rule_leaves_other_posts_reviewed(kb):
    with session_scope(kb, write=True) as s:
        review.mark_reviewed(s, 1)
        assert corrections.not_person(s, "Kevin Clark") == 1  # re-writes the post, but the user did not edit it
    assert state(kb) == "reviewed"


def _install_model(engine) -> str:
    """The shipped model's files stored as this KB's own (what kb train stores, without the minute of training)."""
    lines, spans = (
        talk_model.HERE.joinpath("lines.crfsuite").read_bytes(),
        talk_model.HERE.joinpath("spans.crfsuite").read_bytes(),
    )
    sha = teach.model_sha(lines, spans)
    with session_scope(engine, write=True) as s:
        s.add(TrainedModel(name=teach.NAME, sha256=sha, lines=lines, spans=spans, meta="{}"))
    return sha


def test_sync_takes_the_trained_model_along(kb, tmp_path):
    sha = _install_model(kb)
    target = open_db(tmp_path / "copy.sqlite")
    report = sync(kb, target)
    assert report.model.startswith(f"{sha[:12]} copied")
    assert teach.current(target)["sha256"] == sha
    with session_scope(target) as t:
        assert t.exec(select(Post.path)).all()  # the posts came too (extracted with the copied model)
    assert sync(kb, target).model == f"{sha[:12]} already there"
    back = open_db(tmp_path / "plain.sqlite")
    import_paths(back, [tmp_path / "notes"])
    assert sync(back, target).model == ("the source has none (it uses the shipped model); the target keeps its own")
    assert teach.current(target)["sha256"] == sha
    result = CliRunner().invoke(main, ["sync", "--from", str(kb.url.database), "--to", str(tmp_path / "third.sqlite")])
    assert result.exit_code == 0 and f"trained model: {sha[:12]} copied" in result.output
    for e in (target, back):
        e.dispose()


@pytest.fixture
def unsure():
    """The CVPR tutorial's three parts read at confidence 0.32 (tests/test_tui_helpers.unsure_heads)."""
    with unsure_heads():
        yield


def test_kb_review_opens_the_post_with_most_unsure_talks_until_they_are_corrected(tmp_path, unsure):
    cvpr = ACL.parent / "cvpr-2022-new-orleans-diffusion-tutorial.md"
    folder = tmp_path / "two"
    folder.mkdir()
    for post in (ACL, cvpr):
        shutil.copy(post, folder / post.name)
    engine = open_db(tmp_path / "two.sqlite")
    import_paths(engine, [folder])
    with session_scope(engine) as s:
        ids = {p.rsplit("/", 1)[-1]: i for p, i in s.exec(select(Post.path, Post.id)).all()}
        assert review.most_unsure(s) == ids[cvpr.name]  # four talks under 0.6, the ACL notes none
        data = review.post_for_review(s, ids[cvpr.name])
        unsure = [t["id"] for t in data["talks"] if t["confidence"] < review.LOW_CONFIDENCE]
    assert len(unsure) == 4
    with session_scope(engine, write=True) as s:
        corrections.set_talk(s, unsure[0], "kind", "tutorial")
        corrections.delete_talk(s, unsure[1])
    with session_scope(engine) as s:
        assert review.most_unsure(s) == ids[cvpr.name]  # two unsure talks left
    with session_scope(engine, write=True) as s:
        corrections.set_talk(s, unsure[2], "kind", "tutorial")
    with session_scope(engine) as s:
        assert review.most_unsure(s) == ids[cvpr.name]  # one left
    with session_scope(engine, write=True) as s:
        corrections.set_talk(s, unsure[3], "kind", "tutorial")
    with session_scope(engine) as s:
        assert review.most_unsure(s) == ids[ACL.name]  # none left: the post with more talks
    engine.dispose()
