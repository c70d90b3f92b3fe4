"""kb export --talks: talks as citable items that bibtex, biber and citeproc accept."""

from __future__ import annotations

import json
import re
import shutil
import subprocess

import pytest
from click.testing import CliRunner
from sqlalchemy import text

from kb.cli import main
from kb.db import session_scope
from kb.export.records import Selection, SelectionError
from kb.export.talks import export_talks, load_talks
from tests.test_export_bibtex import run_bibtex
from tests.test_site import engine, one, sample_db  # noqa: F401 (fixtures)

HOSTILE = "50% of {braces} \\textbf{x} & $math$ # _under_ ~tilde^"


def talks_bib(engine, **kw) -> str:  # noqa: F811
    with session_scope(engine) as s:
        return export_talks(s, "bibtex", Selection(**kw))


def test_talk_records_carry_speakers_meeting_place_and_slides(engine):  # noqa: F811
    talk_id, title = one(engine, "select id, title from talk where title like 'Score-Based%'")
    with session_scope(engine) as s:
        rec = next(r for r in load_talks(s) if r.id == talk_id)
        paper_keys = {
            k.lower() for (k,) in s.connection().execute(text("select citekey from paper where citekey is not null"))
        }
        keys = [r.key.lower() for r in load_talks(s)]
    assert rec.title == title and rec.meeting == "ICLR 2021" and rec.year == 2021
    assert rec.url == "https://iclr.cc/media/Slides/iclr/2021/song-sde.pdf"  # the slides before the paper link
    assert [a.family for a in rec.speakers] == ["Song"]
    assert rec.key.startswith("songScoreBasedGenerativeModeling2021")
    assert len(set(keys)) == len(keys) and not set(keys) & paper_keys


def test_bibtex_accepts_the_talk_entries(engine, tmp_path):  # noqa: F811
    with engine.begin() as conn:
        conn.execute(
            text("update talk set title = :t where id = (select min(talk_id) from talkspeaker)"), {"t": HOSTILE}
        )
    bib = talks_bib(engine)
    assert bib.count("@unpublished{") == one(engine, "select count(distinct talk_id) from talkspeaker")[0]
    assert "eventtitle = {ICLR 2021}" in bib
    assert run_bibtex(tmp_path, bib, "talks") == []
    bbl = (tmp_path / "talks.bbl").read_text()
    assert "ICLR 2021" in bbl and "score-based" in bbl.lower() and "50\\% of" in bbl  # the hostile title, escaped


@pytest.mark.skipif(shutil.which("biber") is None, reason="biber is not installed (Debian: biber; .ci/run installs it)")
def test_biber_validates_the_talk_entries_against_biblatex_data_model(engine, tmp_path):  # noqa: F811
    def warnings(name: str, bib: str) -> list[str]:
        (tmp_path / f"{name}.bib").write_text(bib, encoding="utf-8")
        proc = subprocess.run(
            ["biber", "--tool", "--validate-datamodel", f"{name}.bib"],
            cwd=tmp_path,
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert proc.returncode == 0, proc.stderr
        return re.findall(r"(?:WARN|ERROR) - (.*)", (tmp_path / f"{name}.bib.blg").read_text())

    assert len(warnings("bad", "@unpublished{x, author = {A}, title = {T}, bogus = {1}, year = {2019}}\n")) == 1
    assert warnings("talks", talks_bib(engine)) == []


def test_csl_speech_items(engine, tmp_path):  # noqa: F811
    with session_scope(engine) as s:
        items = json.loads(export_talks(s, "csl-json", Selection(conference="ICLR 2021")))
    assert items and all(i["type"] == "speech" for i in items)
    score = next(i for i in items if i["title"].startswith("Score-Based"))
    assert score["event-title"] == score["event"] == "ICLR 2021"
    # the post says only "Song"; a bare family name is a person of its own (kb.identity), not Hyun Ah Song
    assert score["author"] == [{"family": "Song"}] and score["issued"] == {"date-parts": [[2021]]}
    if shutil.which("pandoc") is None:
        pytest.skip("pandoc is not installed (optional: apt-get install pandoc)")
    (tmp_path / "talks.json").write_text(json.dumps(items))
    (tmp_path / "doc.md").write_text(f"As shown [@{score['id']}].\n")
    proc = subprocess.run(
        ["pandoc", "--citeproc", "--bibliography", "talks.json", "-t", "plain", "doc.md"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0 and "ICLR 2021" in proc.stdout, proc.stdout + proc.stderr


def test_export_talks_command(engine, tmp_path):  # noqa: F811
    db = str(engine.url.database)
    run = CliRunner()
    first = one(engine, "select min(talk_id) from talkspeaker")[0]
    result = run.invoke(main, ["--db", db, "export", "--talks", "--talk", str(first)])
    assert result.exit_code == 0 and result.output.count("@unpublished{") == 1
    out = tmp_path / "t.json"
    result = run.invoke(main, ["--db", db, "export", "--talks", "--format", "csl-json", "-o", str(out)])
    assert result.exit_code == 0 and "talk(s) written" in result.output
    assert len(json.loads(out.read_text())) == one(engine, "select count(*) from talk")[0]
    bad = run.invoke(main, ["--db", db, "export", "--talks", "--format", "markdown"])
    assert bad.exit_code == 2 and "bibtex or csl-json" in bad.output
    bad = run.invoke(main, ["--db", db, "export", "--talks", "--conference", "Nowhere", "-o", str(tmp_path / "n")])
    assert bad.exit_code == 2 and not (tmp_path / "n").exists()
    with session_scope(engine) as s, pytest.raises(SelectionError):
        load_talks(s, Selection(talk_id=10**9))
