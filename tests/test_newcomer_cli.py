"""Issue 17, items 1-7: the CLI as a new user meets it (own sample posts only, nothing from ../shared)."""

from __future__ import annotations

import json
import os
import re
import signal
import sqlite3
import stat
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from kb.cli import main
from tests.conftest import IMPORTS, REPO

POST = IMPORTS / "neurips-2018-montreal-cold-week.md"


def run(*args, env: dict | None = None, **kw):
    return CliRunner().invoke(main, [str(a) for a in args], env={"KB_DB": None, **(env or {})}, **kw)


def kb(*args: str, cwd: Path, stdout=subprocess.PIPE, **kw) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(REPO)}
    env.pop("KB_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "kb", *args],
        check=False,
        cwd=cwd,
        env=env,
        stdout=stdout,
        stderr=subprocess.PIPE,
        text=True,
        timeout=300,
        **kw,
    )


def one_error_line(stderr: str) -> str:
    lines = stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("error: ") and "Traceback" not in stderr, stderr
    return lines[0]


@pytest.fixture
def kbfile(tmp_path) -> Path:
    db = tmp_path / "kb.sqlite"
    r = run("--db", db, "import", *sorted(IMPORTS.glob("*.md")))
    assert r.exit_code == 0, r.output
    return db


# ---------------------------------------------------------------- 1: --db after the command


def test_db_is_accepted_after_every_command_that_uses_a_database(tmp_path):
    db = tmp_path / "after.sqlite"
    r = run("import", POST, "--db", db)
    assert r.exit_code == 0, r.output
    assert "1 new, 0 updated" in r.output and db.is_file()
    assert json.loads(run("stats", "--json", "--db", db).output)["posts"] == 1
    talks = json.loads(run("list", "talks", "--json", "--db", db).output)
    assert len(talks) == 8 and {t["post"] for t in talks} == {"imports/neurips-2018-montreal-cold-week.md"}
    for args in (["search", "vedaldi"], ["dump"], ["check"], ["export"], ["tui"], ["init"]):
        assert "--db PATH|URL" in run(*args, "--help").output, args


def test_db_after_the_command_beats_db_before_it(tmp_path):
    db = tmp_path / "real.sqlite"
    assert run("import", POST, "--db", db).exit_code == 0
    r = run("--db", tmp_path / "other.sqlite", "stats", "--json", "--db", db)
    assert r.exit_code == 0 and json.loads(r.output)["posts"] == 1
    assert not (tmp_path / "other.sqlite").exists()


# ---------------------------------------------------------------- 2: reading never creates a knowledge base

READERS = (["stats"], ["list", "talks"], ["search", "deep"], ["dump"], ["check"], ["export"], ["tui"])


@pytest.mark.parametrize("args", READERS, ids=lambda a: a[0])
def test_a_read_only_command_never_creates_a_knowledge_base(tmp_path, args):
    missing = tmp_path / "no" / "such" / "dir" / "x.sqlite"
    r = run(*args, "--db", missing)
    assert r.exit_code == 1
    assert one_error_line(r.stderr) == (
        f"error: no knowledge base at {missing} (create one with `kb import` or `kb init`)"
    )
    assert list(tmp_path.iterdir()) == []


def test_kb_stats_outside_a_repository_creates_no_data_folder(tmp_path):
    proc = kb("stats", cwd=tmp_path)
    assert proc.returncode == 1
    assert one_error_line(proc.stderr) == (
        "error: no knowledge base at data/kb.sqlite (create one with `kb import` or `kb init`)"
    )
    assert list(tmp_path.iterdir()) == []


def test_an_empty_file_is_no_knowledge_base_until_kb_import_or_kb_init(tmp_path):
    db = tmp_path / "empty.sqlite"
    db.touch()
    r = run("stats", "--db", db)
    assert r.exit_code == 1 and "no knowledge base at" in one_error_line(r.stderr)
    assert db.stat().st_size == 0 and sorted(p.name for p in tmp_path.iterdir()) == ["empty.sqlite"]
    r = run("init", "--db", db)
    assert r.exit_code == 0 and f"knowledge base ready at {db}" in r.output
    assert json.loads(run("stats", "--json", "--db", db).output)["posts"] == 0


def test_sync_never_creates_its_source(tmp_path):
    r = run("sync", "--from", tmp_path / "gone.sqlite", "--to", tmp_path / "target.sqlite")
    assert r.exit_code == 1 and "no knowledge base at" in one_error_line(r.stderr)
    assert list(tmp_path.iterdir()) == []


# ---------------------------------------------------------------- 3: bad --db targets


def test_a_folder_as_database_is_one_line_naming_it(tmp_path):
    r = run("stats", "--db", tmp_path)
    assert r.exit_code == 1 and one_error_line(r.stderr).startswith(f"error: {tmp_path}: cannot open the database")


# ---------------------------------------------------------------- 4: write errors


@pytest.mark.skipif(not Path("/dev/full").is_char_device(), reason="no /dev/full on this system")
@pytest.mark.parametrize(
    "args",
    (
        ["export"],
        ["export", "--format", "markdown"],
        ["dump"],
        ["list", "papers"],
        ["list", "talks", "--json"],
        ["stats"],
        ["search", "graph"],
    ),
    ids=" ".join,
)
def test_standard_output_on_a_full_disk_is_one_line_and_a_failure(kbfile, tmp_path, args):
    with open("/dev/full", "w") as full:
        proc = kb(*args, "--db", str(kbfile), cwd=tmp_path, stdout=full)
    assert proc.returncode == 1
    assert one_error_line(proc.stderr) == "error: cannot write the output: No space left on device"


@pytest.mark.skipif(not Path("/dev/full").is_char_device(), reason="no /dev/full on this system")
@pytest.mark.parametrize("command", ["export", "dump"])
def test_output_to_a_full_device_fails_and_leaves_the_device_alone(kbfile, tmp_path, command):
    """`-o /dev/full` used to replace the device by a regular file (temp file + rename) and say it worked."""
    proc = kb(command, "--db", str(kbfile), "-o", "/dev/full", cwd=tmp_path)
    assert proc.returncode == 1
    assert one_error_line(proc.stderr) == "error: /dev/full: No space left on device"
    assert stat.S_ISCHR(os.stat("/dev/full").st_mode)


def test_output_to_a_fifo_is_written_through_it(kbfile, tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    reader = subprocess.Popen(["cat", str(fifo)], stdout=subprocess.PIPE)
    proc = kb("export", "--db", str(kbfile), "-o", str(fifo), cwd=tmp_path)
    text = reader.communicate(timeout=60)[0].decode()
    assert proc.returncode == 0, proc.stderr
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert text.count("\n@") + text.startswith("@") == int(proc.stderr.split()[0]) == 112


def test_a_closed_pipe_is_one_line_and_a_failure(kbfile, tmp_path):
    env = os.environ | {"PYTHONPATH": str(REPO)}
    p = subprocess.Popen(
        [sys.executable, "-m", "kb", "dump", "--db", str(kbfile)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    p.stdout.read(10)
    p.stdout.close()  # like `kb dump | head -c 10`: the dump is far bigger than a pipe's buffer
    stderr = p.stderr.read()
    assert p.wait(timeout=60) == 1
    assert one_error_line(stderr) == "error: cannot write the output: Broken pipe"


@pytest.mark.parametrize("command", ["export", "dump"])
def test_an_output_file_that_cannot_be_created_is_one_line_and_no_file(kbfile, tmp_path, command):
    folder = Path("/sys") if os.geteuid() == 0 else tmp_path / "ro"  # sysfs refuses new files even to root
    if folder != Path("/sys"):
        folder.mkdir()
        folder.chmod(0o555)
    target = folder / "refs.out"
    proc = kb(command, "--db", str(kbfile), "-o", str(target), cwd=tmp_path)
    assert proc.returncode == 1
    assert one_error_line(proc.stderr) == f"error: {target}: Permission denied"
    assert not target.exists() and not [p for p in folder.iterdir() if p.name.startswith(".refs.out")]


# ---------------------------------------------------------------- 5: nothing to import


def test_importing_an_empty_folder_says_so_and_fails(tmp_path):
    (tmp_path / "notes").mkdir()
    (tmp_path / "notes" / "readme.txt").write_text("not a post")
    r = run("import", tmp_path / "notes", "--db", tmp_path / "kb.sqlite")
    assert r.exit_code == 1
    assert one_error_line(r.stderr) == (
        f"error: no posts (*.md, *.markdown, *.rst) or .bib files found in {tmp_path / 'notes'}"
    )
    assert not (tmp_path / "kb.sqlite").exists()


# ---------------------------------------------------------------- 6: Ctrl-C during an import


def _posts(db: Path) -> int:
    try:
        with sqlite3.connect(db, timeout=0.2) as conn:  # never wait on the writer: the import goes on meanwhile
            return conn.execute("SELECT count(*) FROM post").fetchone()[0]
    except sqlite3.Error:
        return 0


def test_ctrl_c_during_a_parallel_import_is_one_line_and_exit_130_and_a_rerun_finishes(tmp_path):
    folder = tmp_path / "many"
    folder.mkdir()
    for copy in range(8):  # 104 distinct posts: enough for the worker processes, and for Ctrl-C to come mid-way
        for post in sorted(IMPORTS.glob("*.md")):
            (folder / f"{post.stem}-{copy}.md").write_text(post.read_text() + f"\ncopy {copy}\n")
    db = tmp_path / "kb.sqlite"
    env = os.environ | {"PYTHONPATH": str(REPO)}
    p = subprocess.Popen(
        [sys.executable, "-m", "kb", "import", str(folder), "--db", str(db)],
        cwd=tmp_path,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        # as from a terminal: a job a non-interactive shell starts in the background (a CI runner's) inherits
        # SIGINT ignored, and Python then installs no KeyboardInterrupt for it
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    deadline = time.monotonic() + 120
    while _posts(db) < 3 and time.monotonic() < deadline and p.poll() is None:
        time.sleep(0.05)
    os.killpg(p.pid, signal.SIGINT)  # what Ctrl-C in a terminal does: the whole process group
    _out, err = p.communicate(timeout=120)
    assert p.returncode == 130, err
    assert "Traceback" not in err and "ForkProcess" not in err, err
    m = re.fullmatch(r"interrupted: (\d+) posts imported, (\d+) not started; run again to continue\n", err)
    assert m, err
    done, left = int(m[1]), int(m[2])
    assert done + left == 104 and done == _posts(db) and 3 <= done < 104
    again = kb("import", str(folder), "--db", str(db), cwd=tmp_path)
    assert again.returncode == 0, again.stderr
    assert again.stdout.startswith(f"{left} new, 0 updated, {done} unchanged, 0 failed")
    assert _posts(db) == 104


def test_a_post_committed_just_before_ctrl_c_counts_as_imported(tmp_path):
    """The race of the test above, made deterministic: Ctrl-C lands after a post's transaction committed
    but before its result was counted. The count must say what the database holds."""
    from kb.db import open_db
    from kb.importer import ImportSummary, _count_if_committed, import_file

    posts = sorted(IMPORTS.glob("*.md"))[:3]
    files = []
    for post in posts:
        (tmp_path / post.name).write_text(post.read_text())
        files.append(tmp_path / post.name)
    engine = open_db(tmp_path / "kb.sqlite")
    summary = ImportSummary()
    summary.results.append(import_file(engine, files[0]))
    import_file(engine, files[1])  # committed; Ctrl-C came before its result was appended
    _count_if_committed(engine, files, set(files[1:]), False, summary)
    assert [r.status for r in summary.results] == ["new", "new"]
    _count_if_committed(engine, files, set(files[1:]), False, summary)  # the third was never written
    assert len(summary.results) == 2
    forced = ImportSummary(results=summary.results[:1])
    _count_if_committed(engine, files, set(files), True, forced)  # with --force an old copy proves nothing
    assert len(forced.results) == 1


# ---------------------------------------------------------------- 7: help, search filters, --limit 0, completion


def test_every_example_file_in_the_help_exists():
    for name in main.commands:
        help_text = run(name, "--help").output
        for path in re.findall(r"\b(imports/[\w.-]+\.md)\b", help_text):
            assert (REPO / path).is_file(), (name, path)
    assert "imports/acl-2019-florence-bertology.md" in run("extract", "--help").output


def _titles(db: Path, query: str) -> set[tuple[str, str]]:
    r = run("--db", db, "search", query, "--json")
    assert r.exit_code == 0, r.output
    return {(h["kind"], h["title"]) for h in json.loads(r.output)}


def test_conf_nips_and_neurips_are_one_conference(kbfile):
    nips, neurips = _titles(kbfile, "conf:NIPS"), _titles(kbfile, "conf:NeurIPS")
    assert nips == neurips
    assert ("post", "NeurIPS 2018 in Montréal: notes from a very cold week") in nips
    assert ("paper", "Masked Autoregressive Flow for Density Estimation") in nips  # venue "NIPS", 2017


def test_conf_filter_takes_a_year(kbfile):
    y2018 = _titles(kbfile, 'conf:"NeurIPS 2018"')
    assert ("post", "NeurIPS 2018 in Montréal: notes from a very cold week") in y2018
    assert ("paper", "Masked Autoregressive Flow for Density Estimation") not in y2018
    assert _titles(kbfile, 'conf:"NeurIPS 2017"') == {("paper", "Masked Autoregressive Flow for Density Estimation")}
    assert _titles(kbfile, "conf:neurips-2018 type:post") == {
        ("post", "NeurIPS 2018 in Montréal: notes from a very cold week")
    }
    assert _titles(kbfile, 'conf:"NeurIPS 2018"') == _titles(kbfile, "conf:NeurIPS year:2018")


def test_list_limit_zero_lists_nothing_and_says_nothing(kbfile):
    r = run("--db", kbfile, "list", "talks", "--limit", "0")
    assert r.exit_code == 0 and r.output == ""


def test_shell_completion_works_and_is_documented():
    r = CliRunner().invoke(
        main, [], prog_name="kb", env={"_KB_COMPLETE": "bash_complete", "COMP_WORDS": "kb li", "COMP_CWORD": "1"}
    )
    assert r.exit_code == 0 and "plain,list" in r.output.split()
    readme = (REPO / "README.md").read_text()
    assert 'eval "$(_KB_COMPLETE=bash_source kb)"' in readme and "_KB_COMPLETE=zsh_source" in readme


@pytest.mark.postgres
def test_conf_aliases_and_years_on_postgres(pg_url):
    db = pg_url
    assert run("--db", db, "import", *sorted(IMPORTS.glob("*.md"))).exit_code == 0
    nips, neurips = _titles(db, "conf:NIPS"), _titles(db, "conf:NeurIPS")
    assert nips == neurips and ("post", "NeurIPS 2018 in Montréal: notes from a very cold week") in nips
    assert _titles(db, 'conf:"NeurIPS 2017"') == {("paper", "Masked Autoregressive Flow for Density Estimation")}
