"""SVG snapshots of the review screen on our own sample posts (imports/), at 100×30 and 160×48.

Update with ``pytest --snapshot-update tests/test_tui_review_snapshots.py``.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from kb.db import open_db
from kb.importer import import_paths
from kb.tui import make_app
from kb.tui.history import Location
from test_tui_helpers import settle, unsure_heads

IMPORTS = Path(__file__).resolve().parents[1] / "imports"
POSTS = ("acl-2019-florence-bertology.md", "cvpr-2022-new-orleans-diffusion-tutorial.md")


@pytest.fixture(scope="module")
def engine(tmp_path_factory):
    folder = tmp_path_factory.mktemp("review-snap") / "notes"
    folder.mkdir()
    for name in POSTS:
        shutil.copy(IMPORTS / name, folder / name)
    eng = open_db(folder.parent / "kb.sqlite")
    with unsure_heads():  # the CVPR tutorial's three parts, at 0.32
        assert [r.status for r in import_paths(eng, [folder]).results] == ["new", "new"]
        yield eng
    eng.dispose()


async def _settle(pilot) -> None:
    await settle(pilot)


@pytest.mark.parametrize("size", [(100, 30), (160, 48)])
def test_review_most_unsure_post(snap_compare, engine, size):
    """kb review without a post: the CVPR tutorial notes, three talks under 0.6 confidence."""
    assert snap_compare(make_app(engine, start=Location("review", None)), terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", [(100, 30), (160, 48)])
def test_review_table_post_third_talk(snap_compare, engine, size):
    """The ACL notes with the third talk selected: the source scrolled to its table row."""
    app = make_app(engine, start=Location("review", 1))
    assert snap_compare(app, press=["down", "down"], terminal_size=size, run_before=_settle)


@pytest.mark.parametrize("size", [(100, 30), (160, 48)])
def test_review_table_post_last_paper(snap_compare, engine, size):
    """The ACL notes with the list's last row (a paper) selected: the source scrolled to its citation."""
    app = make_app(engine, start=Location("review", 1))
    assert snap_compare(app, press=["end"], terminal_size=size, run_before=_settle)
