"""The command layer: every command works, has an example, and is documented in the README."""

from __future__ import annotations

import json
import re

from click.testing import CliRunner

from kb.cli import main
from kb.ingest.pipeline import extract
from tests.conftest import REPO, SAMPLE, SAMPLE_GOLD


def run(*args, **kw):
    return CliRunner().invoke(main, [str(a) for a in args], catch_exceptions=False, **kw)


def test_import_stats_list(tmp_path, sample_path):
    db = tmp_path / "kb.sqlite"
    r = run("--db", db, "import", sample_path)
    assert r.exit_code == 0, r.output
    assert "1 new, 0 updated, 0 unchanged, 0 failed" in r.output
    stats = json.loads(run("--db", db, "stats", "--json").output)
    assert stats["talks"] == 6 and stats["papers"] == 18 and stats["conferences"] == 1
    talks = json.loads(run("--db", db, "list", "talks", "--json").output)
    assert [t["speakers"] for t in talks][2] == ["Ross Girshick"]
    confs = json.loads(run("--db", db, "list", "conferences", "--json").output)
    assert confs[0]["name"] == "ICCV" and confs[0]["events"] == 4


def test_kb_db_environment_variable(tmp_path, sample_path):
    db = tmp_path / "env.sqlite"
    r = run("import", sample_path, env={"KB_DB": str(db)})
    assert r.exit_code == 0 and db.exists()


def test_extract_json_is_the_pipeline_output_and_touches_no_db(tmp_path, sample_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    r = run("extract", sample_path, "--json")
    assert r.exit_code == 0
    assert json.loads(r.output) == json.loads(json.dumps(extract(sample_path.read_text(), sample_path.name).to_json()))
    assert not (tmp_path / "data").exists()


def test_extract_bad_file_one_line_error(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_bytes(b"\xff\xfe")
    r = run("extract", bad)
    assert r.exit_code == 1 and r.stderr.count("\n") == 1 and "bad.md" in r.stderr


def test_eval_sample_is_perfect_for_talks_and_papers():
    """`kb eval` on our sample post's gold (the seed's own gold is checked in tests/test_eval_fixtures.py)."""
    data = json.loads(run("eval", SAMPLE_GOLD, "--posts", SAMPLE.parent, "--json").output)
    assert data["totals"]["talks"]["f1"] == 1.0
    assert data["totals"]["papers"]["f1"] == 1.0
    table = run("eval", SAMPLE_GOLD, env={"COLUMNS": "120"}).output  # the post is found beside its gold file
    assert "iccv-2017-venice.md" in table and "talks" in table and "1.00" in table
    narrow = run("eval", SAMPLE_GOLD, env={"COLUMNS": "80"}).output  # eight columns: a long name folds, never cut
    assert "…" not in narrow and "iccv-2017-venice.md" in "".join(
        line.split("│")[1].strip() for line in narrow.splitlines() if line.startswith("│") and "│" in line[1:]
    )


def test_help_has_examples_and_readme_documents_every_command():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert "Examples:" in run("--help").output
    for name, _command in main.commands.items():
        help_text = run(name, "--help").output
        assert "Example" in help_text, name
        assert re.search(rf"`kb {re.escape(name)}\b", readme), f"README does not document `kb {name}`"


def test_missing_path_is_an_error(tmp_path):
    r = run("--db", tmp_path / "x.sqlite", "import", tmp_path / "nope.md")
    assert r.exit_code == 2 and "no such file" in r.stderr
