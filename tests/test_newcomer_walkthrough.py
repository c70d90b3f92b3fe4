"""Issue 17: the README's "Five minutes with kb" works as written (commands from the README, the UI steps by Pilot)."""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import sys

from sqlmodel import select

from kb.db import open_db, session_scope
from kb.models import Talk
from kb.tui import make_app
from test_tui_helpers import cursor_to, press, screen_text, settle, type_text
from tests.conftest import IMPORTS, REPO

NEW_TITLE = "Reproducible, reusable and robust reinforcement learning"


def _walkthrough() -> list[list[str]]:
    readme = (REPO / "README.md").read_text()
    section = readme.split("## Five minutes with kb", 1)[1].split("\n## ", 1)[0]
    block = re.search(r"```bash\n(.*?)```", section, re.DOTALL).group(1)
    return [shlex.split(line.split("#", 1)[0]) for line in block.splitlines() if line.strip()]


def _kb(args: list[str], cwd) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(REPO)}
    env.pop("KB_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "kb", *args[1:]],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )


async def test_the_readme_walkthrough_works_as_written(tmp_path):
    shutil.copytree(IMPORTS, tmp_path / "imports")
    steps = _walkthrough()
    assert [s[:2] for s in steps] == [
        ["kb", "import"],
        ["kb", "list"],
        ["kb", "search"],
        ["kb"],
        ["kb", "import"],
        ["kb", "search"],
        ["kb", "export"],
    ]
    out = [_kb(step, tmp_path) for step in steps[:3]]
    assert all(p.returncode == 0 for p in out), [p.stderr for p in out]
    assert (
        out[0].stdout.startswith("13 new, 0 updated")
        and "66 talks, 344 people and 112 papers added, 4 enriched" in out[0].stdout
    )
    assert "NeurIPS" in out[1].stdout
    assert "(untitled talk)" in out[2].stdout and "Joelle Pineau" in out[2].stdout

    engine = open_db(tmp_path / "data" / "kb.sqlite")  # step 4, `kb`: the UI steps the README describes
    app = make_app(engine)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        await press(pilot, "slash")
        await type_text(pilot, "pineau")
        await press(pilot, "enter")
        assert type(app.screen).__name__ == "PersonScreen" and "Joelle Pineau" in screen_text(app)
        await cursor_to(pilot, "(untitled talk)")
        await press(pilot, "enter")
        assert type(app.screen).__name__ == "TalkScreen"
        await press(pilot, "e", "enter", "ctrl+u")
        await type_text(pilot, NEW_TITLE)
        await press(pilot, "enter")
        assert NEW_TITLE in screen_text(app)
    engine.dispose()

    out = [_kb(step, tmp_path) for step in steps[4:]]
    assert all(p.returncode == 0 for p in out), [p.stderr for p in out]
    assert out[0].stdout.startswith("0 new, 13 updated")
    assert NEW_TITLE in out[1].stdout and "(untitled talk)\n               Joelle Pineau" not in out[1].stdout
    bib = (tmp_path / "neurips.bib").read_text()
    assert out[2].stderr == "14 paper(s) written to neurips.bib (bibtex).\n" and bib.count("\n@") + 1 == 14
    engine = open_db(tmp_path / "data" / "kb.sqlite")
    with session_scope(engine) as s:
        assert len(s.exec(select(Talk).where(Talk.title == NEW_TITLE)).all()) == 1
    engine.dispose()
