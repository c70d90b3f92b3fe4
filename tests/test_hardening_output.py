"""Issue 19, item 6: no terminal escapes from post data, no password, no writing through a planted symlink."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import REPO

TERMINAL_ACTIVE = ("\x1b", "\x07", "\x9b", "\x00", "\u202e")

EVIL_POST = """---
title: "Evil \\e]0;owned\\a notes \\e[2J"
---
# ICCV 2019 notes \x1b[31mred\x1b[0m

## Learning Deep \x1b]8;;http://evil.example\x07Representations\x1b]8;;\x07 \u2014 Andrea Vedaldi

Andrea Vedaldi talked about \x9b2J visualising representations [1].

## References

1. A. Vedaldi. Understanding models \x1b[5mvia\x1b[0m visualisation. ICCV, 2019.
"""


def kb(*args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = os.environ | {"PYTHONPATH": str(REPO)}
    env.pop("KB_DB", None)
    return subprocess.run(
        [sys.executable, "-m", "kb.cli", "--db", str(cwd / "kb.sqlite"), *args],
        cwd=cwd,
        env=env,
        capture_output=True,
        text=True,
        encoding="utf-8",
        errors="surrogateescape",
        timeout=300,
    )


def assert_inert(proc: subprocess.CompletedProcess) -> None:
    for stream in (proc.stdout, proc.stderr):
        for ch in TERMINAL_ACTIVE:
            assert ch not in stream, (ch, stream)
    assert "Traceback" not in proc.stderr, proc.stderr


@pytest.fixture
def evil(tmp_path) -> Path:
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "iccv-\x1b[2J-notes.md").write_text(EVIL_POST, encoding="utf-8")
    return tmp_path


def test_post_data_and_file_names_never_reach_the_terminal_raw(evil):
    imported = kb("import", "posts", cwd=evil)
    assert imported.returncode == 0, imported.stderr
    assert_inert(imported)
    for args in (
        ["list", "posts"],
        ["list", "talks"],
        ["list", "people"],
        ["list", "papers"],
        ["search", "representations"],
        ["search", "vedaldi"],
        ["dump"],
        ["export", "--format", "markdown"],
        ["export"],
        ["export", "--format", "csl-json"],
    ):
        proc = kb(*args, cwd=evil)
        assert proc.returncode == 0, (args, proc.stderr)
        assert_inert(proc)
        assert proc.stdout.strip() and "No matches" not in proc.stdout, args
    listing = kb("list", "posts", cwd=evil).stdout
    assert "Evil" in listing and "notes" in listing  # the text stays, only the control sequences go
    # JSON keeps the data, escaped: a script reading it gets the title back as stored
    data = json.loads(kb("list", "posts", "--json", cwd=evil).stdout)
    assert any("\x1b]0;owned\x07" in (row.get("title") or "") for row in data)
    assert_inert(kb("list", "posts", "--json", cwd=evil))
    # kb check names the changed post by its (hostile) path
    (evil / "posts" / "iccv-\x1b[2J-notes.md").write_text(EVIL_POST + "\nmore\n", encoding="utf-8")
    checked = kb("check", cwd=evil)
    assert checked.returncode == 1 and "stale post" in checked.stdout
    assert_inert(checked)


def test_an_import_error_naming_a_hostile_file_is_inert(tmp_path):
    posts = tmp_path / "posts"
    posts.mkdir()
    (posts / "bad-\x1b]0;owned\x07.md").write_bytes(b"---\ntitle: [unclosed\n---\nhello \xc3\x28 world\n")
    proc = kb("import", "posts", cwd=tmp_path)
    assert proc.returncode == 1 and "error" in proc.stderr
    assert_inert(proc)


def _plant(target: Path, victim: Path) -> None:
    os.symlink(victim, target.with_name(target.name + ".tmp"))


@pytest.mark.parametrize("command", [["export"], ["export", "--format", "markdown"], ["dump"]])
def test_output_files_are_never_written_through_a_planted_tmp_symlink(evil, command):
    assert kb("import", "posts", cwd=evil).returncode == 0
    victim = evil / "victim.txt"
    victim.write_text("precious\n")
    out = evil / "out.txt"
    _plant(out, victim)
    proc = kb(*command, "-o", str(out), cwd=evil)
    assert proc.returncode == 0, proc.stderr
    assert victim.read_text() == "precious\n"
    assert out.is_file() and not out.is_symlink() and "Vedaldi" in out.read_text(encoding="utf-8")
    assert sorted(p.name for p in evil.iterdir() if "out" in p.name) == ["out.txt", "out.txt.tmp"]  # no temp left


def test_database_passwords_are_redacted():
    from kb.terminal import redact, redact_url

    assert redact_url("postgresql://kb:s3cret@db.example.org:5432/kb") == "postgresql://kb:***@db.example.org:5432/kb"
    assert "s3cret" not in redact_url("postgresql+psycopg://kb@db/kb?password=s3cret&sslmode=require")
    assert redact_url("data/copy #1?.sqlite") == "data/copy #1?.sqlite"
    assert redact("auth failed with s3cret", "postgresql://kb:s3cret@db/kb") == "auth failed with ***"


@pytest.mark.postgres
def test_kb_stats_never_prints_the_database_password(pg_url, tmp_path):
    url = pg_url.replace("postgresql://postgres@", "postgresql://postgres:s3cret-pw@")  # trust auth ignores it
    assert kb("--db", url, "init", cwd=tmp_path).returncode == 0  # reading never creates a knowledge base
    proc = kb("--db", url, "stats", cwd=tmp_path)  # the last --db wins
    assert proc.returncode == 0, proc.stderr
    assert "s3cret-pw" not in proc.stdout + proc.stderr and "***" in proc.stdout
