"""Issue 19, items 1, 2 and 5: a bad file never aborts an import (parallel or not), no post stalls it
(linear-time regexes, a per-post time budget), and nothing outside the folder given is read."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
import time
from pathlib import Path

import pytest
from sqlmodel import select

import kb.importer
from kb.db import session_scope
from kb.importer import PARALLEL_MIN_FILES, import_paths
from kb.models import Post
from tests.conftest import REPO

GOOD = (
    "---\ntitle: ICCV 2019 notes {i}\n---\nThe first talk was on [Seeing things {i}](https://e.org/s{i}.pdf) "
    "by [Jane Roe](https://roe.example.org/).\n"
)


def _folder(root: Path, n: int = PARALLEL_MIN_FILES + 4) -> Path:
    root.mkdir()
    for i in range(n):
        (root / f"p{i:03d}.md").write_text(GOOD.format(i=i), encoding="utf-8")
    return root


def _kb(tmp_path: Path, *args: str, timeout: float = 300) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "kb.cli", "--db", str(tmp_path / "kb.sqlite"), *args],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=timeout,
        env=os.environ | {"PYTHONPATH": str(REPO)},
    )


def _posts(engine) -> set[str]:
    with session_scope(engine) as s:
        return {Path(p).name for p in s.exec(__import__("sqlmodel").select(Post.path))}


# ---------------------------------------------------------------- item 1: bad files in a parallel import

BAD = {
    "bad-utf8.md": (b"---\ntitle: x\n---\nhello \xc3\x28 world\n", "not valid UTF-8"),
    "bad-yaml.md": (b"---\ntitle: [unclosed\ndate: 2019-01-01\n---\nbody\n", "YAML front matter"),
    "bad-binary.md": (b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR", "binary file"),
}


def test_bad_files_in_a_parallel_import_fail_alone_each_on_one_line(tmp_path):
    mix = _folder(tmp_path / "mix")
    for name, (data, _) in BAD.items():
        (mix / name).write_bytes(data)
    (mix / "dangling.md").symlink_to(mix / "gone.md")  # inside the folder, but nothing there
    unreadable = mix / "unreadable.md"
    unreadable.write_text(GOOD.format(i="u"), encoding="utf-8")
    unreadable.chmod(0)
    can_read = os.access(unreadable, os.R_OK)  # root reads anything
    r = _kb(tmp_path, "import", "mix")
    assert "Traceback" not in r.stderr and "BrokenProcessPool" not in r.stderr, r.stderr
    assert r.returncode == 1
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    for name, (_, why) in BAD.items():
        assert sum(name in line and why in line for line in errors) == 1, (name, errors)
    assert sum("dangling.md" in line and "no such file" in line for line in errors) == 1, errors
    if not can_read:
        assert sum("unreadable.md" in line and "cannot read" in line for line in errors) == 1, errors
    good = PARALLEL_MIN_FILES + 4 + can_read
    assert f"{good} new" in r.stdout and f"{len(errors)} failed" in r.stdout, r.stdout
    again = _kb(tmp_path, "import", "mix")  # nothing was half-done: the second run only re-reports
    assert f"0 new, 0 updated, {good} unchanged, {len(errors)} failed" in again.stdout, again.stdout


def test_files_deleted_mid_import_fail_alone(engine, tmp_path):
    mix = _folder(tmp_path / "mix", 24)
    doomed = [mix / "p001.md", mix / "p020.md"]  # one submitted to a worker at once, one later

    def on_file(path, result):
        if result is None and path.name == "p000.md":  # before any worker has read anything
            for p in doomed:
                p.unlink()

    summary = import_paths(engine, [mix], on_file=on_file, workers=2)
    failed = {Path(r.path).name: r.error for r in summary.failed}
    assert set(failed) == {"p001.md", "p020.md"}
    assert all("no such file" in e and "\n" not in e for e in failed.values()), failed
    assert summary.count("new") == 22


def _exit_in_workers(parent: int, real):
    def extract(text, source="<post>", **kw):
        if "Seeing things 5]" in text and os.getpid() != parent:
            os._exit(3)  # a worker killed (OOM killer, signal) while reading this post
        return real(text, source, **kw)

    return extract


def test_a_dead_worker_does_not_abort_the_import(engine, tmp_path, monkeypatch):
    mix = _folder(tmp_path / "mix")
    monkeypatch.setattr(kb.importer, "extract", _exit_in_workers(os.getpid(), kb.importer.extract))
    summary = import_paths(engine, [mix], workers=2)
    assert summary.failed == [] and summary.count("new") == PARALLEL_MIN_FILES + 4  # the rest read here


def test_bad_input_survives_pickling():
    import pickle

    from kb.errors import BadFrontMatter, BadInput

    for exc in (BadInput("a.md", "broken", 3), BadFrontMatter("b.md", "YAML front matter: x")):
        back = pickle.loads(pickle.dumps(exc))
        assert type(back) is type(exc) and str(back) == str(exc) and back.line == exc.line


# ---------------------------------------------------------------- item 2: no post stalls an import

ADVERSARIAL = {
    "talk-by-spaces.md": "Talk by " + " " * 200_000 + "x\n",
    "jean-dashes.md": "-".join(["Jean"] * 12_000) + "\n",
    "liquid-openers.md": "{% " * 60_000 + "\n",
    "pandoc-unclosed.md": "[" + "@a a " * 3_000 + "\n",
    "hugo-openers.md": "{{< figure " * 20_000 + "\n",
}


def _bib(authors: int) -> str:
    names = " and ".join(f"Author{i}, First{i}" for i in range(authors))
    return "@article{big,\n  title={A Paper With Many Authors},\n  author={" + names + "},\n  year={2019}\n}\n"


def test_backtracking_inputs_import_within_budget(engine, tmp_path, monkeypatch):
    """Each used to take 9 s to many minutes. With a budget far above what a linear pass needs (and
    below what the old regexes took), every one must be stored, not fail on the budget."""
    for name, text in ADVERSARIAL.items():
        (tmp_path / name).write_text(text, encoding="utf-8")
    (tmp_path / "authors.bib").write_text(_bib(4_000), encoding="utf-8")
    summary = import_paths(engine, [tmp_path], budget=8)
    assert {r.path.rsplit("/", 1)[-1]: r.status for r in summary.results} == {
        name: "new" for name in [*ADVERSARIAL, "authors.bib"]
    }, [r.error for r in summary.failed]


def _stalling(real):
    def extract(text, source="<post>", **kw):
        if "STALL" in text:
            re.match(r"(a+)+b", "a" * 64)  # catastrophic backtracking: would run for ages
        return real(text, source, **kw)

    return extract


@pytest.mark.parametrize("files", [3, PARALLEL_MIN_FILES + 4])  # in this process / in worker processes
def test_a_post_over_its_time_budget_fails_alone(engine, tmp_path, monkeypatch, files):
    mix = _folder(tmp_path / "mix", files)
    (mix / "p001.md").write_text(GOOD.format(i=1) + "STALL\n", encoding="utf-8")
    monkeypatch.setattr(kb.importer, "extract", _stalling(kb.importer.extract))
    summary = import_paths(engine, [mix], budget=1)
    [failed] = summary.failed
    assert failed.path.endswith("p001.md") and "gave up after 1 s" in failed.error and "\n" not in failed.error
    assert summary.count("new") == files - 1
    assert "p001.md" not in _posts(engine)


def test_time_budget_is_lifted_afterwards():
    with kb.importer.time_budget(0.05):
        pass
    time.sleep(0.1)  # an alarm left armed would raise OverBudget here
    with pytest.raises(kb.importer.OverBudget):
        with kb.importer.time_budget(0.05):
            re.match(r"(a+)+b", "a" * 64)


# ---------------------------------------------------------------- item 5: links out of the folder, FIFOs


def test_symlinks_out_of_the_folder_are_not_followed(tmp_path):
    secret = tmp_path / "outside" / "secret.md"
    secret.parent.mkdir()
    secret.write_text(GOOD.format(i="secret"), encoding="utf-8")
    special = tmp_path / "special"
    special.mkdir()
    (special / "notes.md").write_text(GOOD.format(i=0), encoding="utf-8")
    (special / "passwd.md").symlink_to("/etc/passwd")
    (special / "secret.md").symlink_to(secret)
    (special / "inside.md").symlink_to(special / "notes.md")  # stays in the folder: fine
    (special / "linked").symlink_to(secret.parent, target_is_directory=True)  # a linked folder is not entered
    r = _kb(tmp_path, "import", "special")
    assert r.returncode == 1, r.stderr
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2 and all("outside the folder" in e for e in errors), errors
    assert {e.split()[1] for e in errors} == {"special/passwd.md:", "special/secret.md:"}
    dump = _kb(tmp_path, "dump")
    assert "root:" not in dump.stdout and "secret" not in dump.stdout
    assert [p["path"] for p in json.loads(dump.stdout)["posts"]] == ["special/notes.md"]


def test_follow_symlinks_is_opt_in(engine, tmp_path):
    outside = tmp_path / "outside.md"
    outside.write_text(GOOD.format(i="out"), encoding="utf-8")
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "link.md").symlink_to(outside)
    assert import_paths(engine, [tmp_path / "in"]).count("failed") == 1
    assert import_paths(engine, [tmp_path / "in"], follow_symlinks=True).count("new") == 1


def test_a_fifo_is_never_read(tmp_path):
    (tmp_path / "in").mkdir()
    os.mkfifo(tmp_path / "in" / "pipe.md")
    os.mkfifo(tmp_path / "named.md")
    (tmp_path / "in" / "ok.md").write_text(GOOD.format(i=0), encoding="utf-8")
    r = _kb(tmp_path, "import", "named.md", "in", timeout=60)  # blocked forever before
    errors = [line for line in r.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 2 and all("not a regular file" in e for e in errors), r.stderr
    assert "1 new" in r.stdout and r.returncode == 1
    x = _kb(tmp_path, "extract", "named.md", timeout=60)
    assert x.returncode != 0 and "not a regular file" in x.stderr and "Traceback" not in x.stderr


@pytest.mark.parametrize("date", ["2020-0-30 22:10:00", "2020-02-30", "2019-13-01"])
def test_an_impossible_front_matter_date_is_no_date_not_an_internal_error(engine, tmp_path, date):
    """Found by benchmarks/fuzz_import.py: PyYAML read '2020-0-30' as a timestamp and raised ValueError."""
    post = tmp_path / "odd-date.md"
    post.write_text(f"---\ntitle: Day one\ndate: {date}\n---\n\nNotes.\n", encoding="utf-8")
    assert import_paths(engine, [post]).results[0].status == "new"
    with session_scope(engine) as s:
        stored = s.exec(select(Post)).one()
    assert (stored.title, stored.date) == ("Day one", None)
    x = _kb(tmp_path, "extract", str(post), timeout=120)
    assert x.returncode == 0 and "Traceback" not in x.stderr, x.stderr
