"""The import contract that keeps ``kb`` quick to start (issue 16): checked in a fresh interpreter via ``sys.modules``.

``kb --help``, ``kb --version`` and the read-only commands on a SQLite KB must not import SQLAlchemy,
SQLModel, Textual, Alembic or the extractor's crfsuite; help and version not even Rich or rapidfuzz.
Timings live in benchmarks/bench_startup.py; this is the behaviour that makes them hold.
"""

from __future__ import annotations

import json
import subprocess
import sys

import pytest

from tests.conftest import IMPORTS, REPO

HEAVY = {
    "sqlalchemy",
    "sqlmodel",
    "textual",
    "rapidfuzz",
    "pycrfsuite",
    "alembic",
    "pydantic",
    "rich",
    "kb.models",
    "kb.db",
    "kb.ingest",
    "markdown_it",
    "numpy",
    "httpx",  # only kb enrich (network) imports it
}
# Run kb's command line as the `kb` script does, then report which of HEAVY got imported.
WRAPPER = """
import json, sys
args, heavy = json.loads(sys.argv[1]), json.loads(sys.argv[2])
sys.argv = ["kb", *args]
from kb.cli import main
try:
    main()
except SystemExit as exc:
    code = exc.code
else:
    code = 0
loaded = sorted(h for h in heavy if h in sys.modules)
sys.stderr.write("\\nKB-MODULES " + json.dumps({"code": code, "loaded": loaded}) + "\\n")
"""


def run_kb(*args: str) -> tuple[str, dict]:
    env = {"PATH": "/usr/bin:/bin", "COLUMNS": "100", "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", WRAPPER, json.dumps(args), json.dumps(sorted(HEAVY))],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    report = [line for line in proc.stderr.splitlines() if line.startswith("KB-MODULES ")]
    assert report, proc.stderr
    return proc.stdout, json.loads(report[-1].removeprefix("KB-MODULES "))


@pytest.fixture(scope="module")
def kb_file(tmp_path_factory):
    from kb.db import open_db
    from kb.importer import import_paths

    path = tmp_path_factory.mktemp("startup") / "kb.sqlite"
    engine = open_db(path)
    assert not import_paths(engine, sorted(IMPORTS.glob("*.md"))[:4]).failed
    engine.dispose()
    return path


def test_importing_kb_cli_imports_nothing_heavy():
    proc = subprocess.run(
        [sys.executable, "-c", "import json, sys, kb.cli; print(json.dumps(sorted(sys.modules)))"],
        check=True,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
    )
    loaded = {m for m in json.loads(proc.stdout) if m in HEAVY or m.split(".")[0] in HEAVY}
    assert loaded == set()


@pytest.mark.parametrize("args", [["--help"], ["--version"], ["search", "--help"], ["list", "--help"]])
def test_help_and_version_import_neither_the_database_layer_nor_rich(args):
    out, report = run_kb(*args)
    assert report == {"code": 0, "loaded": []}
    assert ("Usage:" in out) if "--help" in args else out.startswith("kb, version ")


def test_read_only_commands_answer_without_sqlalchemy(kb_file):
    db = ["--db", str(kb_file)]
    out, report = run_kb(*db, "search", "learning", "--json")
    hits = json.loads(out)
    assert hits and {"kind", "id", "title", "snippet", "score"} <= set(hits[0])
    assert report["code"] == 0
    assert set(report["loaded"]) <= {"rapidfuzz"}  # search ranks with rapidfuzz; nothing else

    for args in (["list", "talks", "--limit", "5"], ["stats"], ["list", "papers", "--json"], ["search", "zzqxv"]):
        out, report = run_kb(*db, *args)
        assert report["code"] == 0 and out.strip(), args
        assert set(report["loaded"]) <= {"rich", "rapidfuzz"}, args


def test_an_old_schema_still_takes_the_full_path(kb_file, tmp_path):
    """The fast path is only for a KB at the current schema: an older one is migrated as before."""
    import shutil
    import sqlite3

    old = tmp_path / "old.sqlite"
    shutil.copy(kb_file, old)
    with sqlite3.connect(old) as c:
        c.execute("UPDATE search_meta SET value = 'stale' WHERE key = 'state'")
    c.close()
    out, report = run_kb("--db", str(old), "stats", "--json")
    assert report["code"] == 0 and json.loads(out)["posts"] == 4
    assert "sqlalchemy" in report["loaded"]
    with sqlite3.connect(old) as c:  # opening it the usual way rebuilt the index
        assert c.execute("SELECT value FROM search_meta WHERE key = 'state'").fetchone() == ("live",)
    c.close()
    out, report = run_kb("--db", str(old), "stats", "--json")  # and from then on, the fast path
    assert "sqlalchemy" not in report["loaded"] and json.loads(out)["posts"] == 4


TUI = r"""
import json, sys
from kb.tui.app import KbApp
from kb.tui import open_app

warm_up = KbApp._warm_up
KbApp._warm_up = lambda self: None  # started by hand below, so the first frame is checked alone
app = open_app(sys.argv[1])
seen = {}

async def pilot(p):
    from kb.tui.docview import DocView
    while not (type(p.app.screen).__name__ == "HomeScreen" and p.app.screen.query_one(DocView)._lines):
        await p.pause(0.001)
    seen["first_frame"] = sorted(m for m in ("sqlalchemy", "sqlmodel", "kb.models", "kb.db") if m in sys.modules)
    seen["home"] = "\n".join(line.plain if hasattr(line, "plain") else str(line)
                             for line in p.app.screen.query_one(DocView)._lines)
    warm_up(p.app)
    await p.app.workers.wait_for_complete()
    await p.pause()
    seen["engine_opened"] = p.app.engine_open
    await p.press("1")
    await p.app.workers.wait_for_complete()
    await p.pause()
    seen["then"] = type(p.app.screen).__name__
    p.app.exit()

app.run(headless=True, size=(100, 30), auto_pilot=pilot)
print(json.dumps(seen))
"""


def test_tui_first_frame_is_drawn_before_sqlalchemy_is_loaded(kb_file):
    from kb import fastread

    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    proc = subprocess.run(
        [sys.executable, "-c", TUI, str(kb_file)],
        check=False,
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=120,
        env=env,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    seen = json.loads(proc.stdout.strip().splitlines()[-1])
    assert seen["first_frame"] == []
    conn = fastread.connect(str(kb_file))
    summary = fastread.home_summary(conn)
    conn.close()
    assert summary["conferences"] and all(c["name"] in seen["home"] for c in summary["conferences"])
    assert seen["engine_opened"] and seen["then"] == "ListScreen"


def test_import_in_a_terminal_shows_progress_and_finishes(tmp_path):
    """The consoles are made on first use; the import's progress bar (a Rich Live on stderr) still gets a real one."""
    import os
    import pty

    master, slave = pty.openpty()
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO), "TERM": "xterm", "COLUMNS": "100"}
    post = min(IMPORTS.glob("*.md"))
    proc = subprocess.Popen(
        [sys.executable, "-m", "kb", "import", str(post), "--db", str(tmp_path / "kb.sqlite")],
        cwd=REPO,
        env=env,
        stdin=subprocess.DEVNULL,
        stdout=slave,
        stderr=slave,
    )
    os.close(slave)
    chunks = []
    while True:
        try:
            data = os.read(master, 4096)
        except OSError:  # the child closed the terminal
            break
        if not data:
            break
        chunks.append(data)
    os.close(master)
    assert proc.wait(timeout=120) == 0
    shown = b"".join(chunks).decode(errors="replace")
    assert "importing" in shown and "1/1" in shown  # the bar was drawn
    assert "1 new, 0 updated, 0 unchanged, 0 failed post(s)" in shown
