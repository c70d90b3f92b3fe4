"""Issue 19, item 9 (the smaller breaks): NUL in a user edit, out-of-range ids, negative limits."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest
from sqlalchemy import update
from sqlmodel import select

from kb.curation import edit_field
from kb.db import open_db, session_scope
from kb.export import Selection, SelectionError, run
from kb.importer import import_paths
from kb.models import Talk, UserEdit
from kb.queries import list_rows
from tests.conftest import IMPORTS, REPO

POSTS = sorted(IMPORTS.glob("*.md"))[:2]


def kb(*args: str, cwd) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(REPO)}
    env.pop("KB_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "kb.cli", "--db", str(cwd / "kb.sqlite"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )


@pytest.fixture
def imported(tmp_path):
    engine = open_db(tmp_path / "kb.sqlite")
    assert not import_paths(engine, POSTS).failed
    yield engine
    engine.dispose()


def _first_talk(s) -> Talk:
    return s.exec(select(Talk).order_by(Talk.id)).first()


def test_a_hand_edit_drops_control_characters(imported):
    with session_scope(imported, write=True) as s:
        talk = _first_talk(s)
        edit = edit_field(s, "talk", talk.id, "title", "Deep\x00 nets\x1b[31m")
        summary = edit_field(s, "talk", talk.id, "summary", "line one\x00\nline two")
        assert (edit.value, talk.title) == ("Deep nets[31m", "Deep nets[31m")
        assert summary.value == "line one\nline two"


@pytest.mark.postgres
def test_a_nul_in_a_user_edit_syncs_to_postgresql(imported, pg_url):
    from kb.sync import sync

    with session_scope(imported, write=True) as s:
        talk = _first_talk(s)
        edit_field(s, "talk", talk.id, "title", "Deep nets")
        # as an older kb stored it: the NUL kept
        s.exec(update(UserEdit).where(UserEdit.entity_id == talk.id).values(value="Deep\x00 nets"))
        s.exec(update(Talk).where(Talk.id == talk.id).values(title="Deep\x00 nets"))
    target = open_db(pg_url)
    report = sync(imported, target)
    assert report.edits == 1 and not report.skipped
    with session_scope(target) as s:
        assert s.exec(select(UserEdit.value)).all() == ["Deep nets"]
        assert "Deep nets" in s.exec(select(Talk.title)).all()
    assert sync(imported, target).edits == 0  # carried over: nothing to do the second time
    target.dispose()


def test_an_out_of_range_talk_id_is_an_error_not_a_traceback(imported, tmp_path):
    proc = kb("export", "--talk", "99999999999999999999999", cwd=tmp_path)
    assert proc.returncode == 2 and "Traceback" not in proc.stderr and "--talk" in proc.stderr, proc.stderr
    with pytest.raises(SelectionError, match="no talk with id"):
        run(imported, "bibtex", Selection(talk_id=10**30))
    with pytest.raises(SelectionError, match="no talk with id"):
        run(imported, "bibtex", Selection(talk_id=-(10**30)))


def test_a_negative_limit_is_refused_and_zero_lists_nothing(imported, tmp_path):
    proc = kb("list", "talks", "--limit", "-1", cwd=tmp_path)
    assert proc.returncode == 2 and "--limit" in proc.stderr and "Traceback" not in proc.stderr
    assert kb("list", "talks", "--limit", "0", "--json", cwd=tmp_path).stdout.strip() == "[]"
    assert kb("list", "talks", "--limit", "99999999999999999999999", cwd=tmp_path).returncode == 2
    with session_scope(imported) as s:
        with pytest.raises(ValueError):
            list_rows(s, "talks", -1)
        assert len(list_rows(s, "talks", 1)) == 1 and list_rows(s, "talks", 0) == []
