"""Bad input: one clear line naming the file, nothing written, the rest still import."""

from __future__ import annotations

import pytest
from click.testing import CliRunner

from kb.cli import main
from kb.db import session_scope
from kb.importer import discover, import_paths
from kb.queries import stats

GOOD = "---\ntitle: CVPR 2020 notes\n---\nThe first talk was on [Seeing things](https://e.org/slides/s.pdf) by [Jane Roe](https://roe.example.org/).\n"

BAD = {
    "binary.md": b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
    "latin1.md": "---\ntitle: x\n---\nCaf\xe9 au lait\n".encode("latin-1"),
    "empty.md": b"",
    "blank.md": b"  \n\n\t\n",
    "yaml.md": b"---\ntitle: [unclosed\ndate: 2019-01-01\n---\nbody\n",
    "toml.md": b"+++\ntitle = \n+++\nbody\n",
    "unclosed.md": b"---\ntitle: never closed\ndate: 2019-01-01\n\nbody text\n",
    "alias-bomb.md": b"---\na: &a [x, x]\nb: [*a, *a]\n---\nbody\n",
}
EXPECTED = {
    "binary.md": "binary file",
    "latin1.md": ":4: not valid UTF-8",
    "empty.md": "empty file",
    "blank.md": "empty file",
    "yaml.md": "YAML front matter",
    "toml.md": "TOML front matter",
    "unclosed.md": ":1: front matter opened with '---' is never closed",
    "alias-bomb.md": "aliases are not allowed",
}


@pytest.mark.parametrize("name", sorted(BAD))
def test_bad_file_is_reported_and_nothing_is_written(engine, tmp_path, name):
    path = tmp_path / name
    path.write_bytes(BAD[name])
    summary = import_paths(engine, [path])
    [result] = summary.results
    assert result.status == "failed"
    assert name in result.error and EXPECTED[name] in result.error
    assert "\n" not in result.error
    with session_scope(engine) as s:
        assert stats(s)["posts"] == 0


def test_the_rest_still_import_and_exit_code_is_nonzero(tmp_path):
    inbox = tmp_path / "inbox"
    inbox.mkdir()
    (inbox / "good.md").write_text(GOOD, encoding="utf-8")
    for name, data in BAD.items():
        (inbox / name).write_bytes(data)
    db = tmp_path / "kb.sqlite"
    result = CliRunner().invoke(main, ["--db", str(db), "import", str(inbox)])
    assert result.exit_code == 1
    assert "1 new" in result.output and f"{len(BAD)} failed" in result.output
    for name in BAD:
        assert sum(name in line for line in result.stderr.splitlines()) == 1, name
    listing = CliRunner().invoke(main, ["--db", str(db), "list", "talks", "--json"])
    assert '"Seeing things"' in listing.output


def test_discover_is_recursive_sorted_and_skips_hidden(tmp_path):
    (tmp_path / "b").mkdir()
    (tmp_path / ".git").mkdir()
    for rel in ("b/z.md", "a.markdown", "refs.bib", "notes.txt", ".git/x.md", "b/y.MD"):
        (tmp_path / rel).write_text("x", encoding="utf-8")
    found = [p.relative_to(tmp_path).as_posix() for p in discover([tmp_path])]
    assert found == ["a.markdown", "b/y.MD", "b/z.md", "refs.bib"]


def test_crash_inside_extraction_writes_nothing(engine, tmp_path, monkeypatch):
    import kb.store

    def boom(*args, **kwargs):
        raise RuntimeError("disk on fire")

    path = tmp_path / "p.md"
    path.write_text(GOOD, encoding="utf-8")
    monkeypatch.setattr(kb.store, "_links", boom)
    [result] = import_paths(engine, [path]).results
    assert result.status == "failed" and "disk on fire" in result.error
    with session_scope(engine) as s:
        assert all(v == 0 for v in stats(s).values())
