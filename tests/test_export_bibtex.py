"""BibTeX export: the real ``bibtex`` binary accepts it, it round-trips, and citekeys stay put."""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import bibtexparser
import pytest
from bibtexparser import middlewares
from sqlalchemy import func
from sqlmodel import select

from kb.db import open_db, session_scope
from kb.export import Selection, formats, run
from kb.export.bibtex import entry_type, format_bibtex, untitled
from kb.export.records import PaperRecord, load_records
from kb.importer import import_paths
from kb.latex import braces_balanced, decode_latex_value
from kb.models import Authorship, Paper, PaperKey, Person

REPO = Path(__file__).resolve().parents[1]
SAMPLE = REPO / "tests" / "fixtures" / "sample" / "iccv-2017-venice.md"
IMPORTS = REPO / "imports"
sys.path.insert(0, str(REPO))  # benchmarks/ holds the synthetic library generator

from benchmarks.bench_export import store_records, synthetic_records  # noqa: E402

# Warnings about missing or conflicting *content* (an arXiv preprint has no
# publisher); anything else bibtex says is a syntax problem.
CONTENT_WARNING = re.compile(
    r"^Warning--(empty |to sort, need|can't use both|there's a number but no|"
    r"page numbers missing|neither )"
)
ERROR_LINE = re.compile(
    r"error messages?\)|I was expecting|^Illegal|I'm skipping|Repeated entry|Too many commas|"
    r"[Uu]nbalanced|couldn't open|^Sorry---|isn't style-file defined|is undefined"
)


def run_bibtex(tmp_path: Path, bib: str, name: str = "refs") -> list[str]:
    """Run the real bibtex on ``bib`` with \\citation{*} and plain.bst; return its syntax complaints."""
    if shutil.which("bibtex") is None:
        pytest.skip("the bibtex binary is not installed (Debian: texlive-binaries texlive-base; .ci/run installs them)")
    (tmp_path / f"{name}.bib").write_text(bib, encoding="utf-8")
    (tmp_path / f"{name}.aux").write_text(
        f"\\citation{{*}}\n\\bibstyle{{plain}}\n\\bibdata{{{name}}}\n", encoding="utf-8"
    )
    proc = subprocess.run(["bibtex", name], cwd=tmp_path, capture_output=True, text=True, timeout=120)
    blg = (tmp_path / f"{name}.blg").read_text(encoding="utf-8", errors="replace")
    problems = [
        line
        for line in (blg + "\n" + proc.stdout).splitlines()
        if (not CONTENT_WARNING.match(line) and line.startswith("Warning--"))
        or (not line.startswith("Warning--") and ERROR_LINE.search(line))
    ]
    assert proc.returncode in (0, 1) or problems, f"bibtex exited {proc.returncode}:\n{blg}"
    assert (tmp_path / f"{name}.bbl").exists()
    return problems


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    """The test sample post + every sample post in imports/, exported once (keys assigned)."""
    engine = open_db(tmp_path_factory.mktemp("corpus") / "kb.sqlite")
    summary = import_paths(engine, [SAMPLE, IMPORTS])
    assert not summary.failed, [r.error for r in summary.failed]
    yield engine
    engine.dispose()


def export(engine, fmt: str = "bibtex", **kw) -> str:
    unicode = kw.pop("unicode", False)
    with session_scope(engine, write=True) as session:
        return formats[fmt](session, Selection(**kw), unicode=unicode)


# ---------------------------------------------------------------- the bibtex binary


def test_bibtex_accepts_the_sample_export(tmp_path, sampled):
    bib = export(sampled)
    assert bib.count("\n@") + 1 == 18 and braces_balanced(bib)
    assert run_bibtex(tmp_path, bib) == []
    assert r"{\textbraceright}" not in bib  # nothing hostile in the sample: plain, readable output
    assert "title = {Mask {R-CNN}}" in bib
    assert "title = {{SSD}: Single shot multibox detector}" in bib
    assert "title = {What uncertainties do we need in {Bayesian} deep learning for computer vision?}" in bib
    assert "author = {Chollet, Fran{\\c{c}}ois}" in bib


@pytest.mark.parametrize("unicode", [False, True])
def test_bibtex_accepts_the_corpus_export(tmp_path, corpus, unicode):
    assert run_bibtex(tmp_path, export(corpus, unicode=unicode)) == []


@pytest.mark.parametrize("unicode", [False, True])
def test_bibtex_accepts_a_generated_1000_entry_library(tmp_path, unicode):
    engine = open_db(tmp_path / "kb.sqlite")
    with session_scope(engine, write=True) as session:
        store_records(session, synthetic_records(1000, seed=11))
    bib = export(engine, unicode=unicode)
    engine.dispose()
    assert bib.count("\n@") + 1 == 1000 and braces_balanced(bib)
    assert r"{\textbraceright}{\textbraceleft}{\textbackslash}end" in bib  # the hostile titles are in there
    assert run_bibtex(tmp_path, bib) == []


def test_bibtex_accepts_hostile_titles(tmp_path):
    recs = [
        PaperRecord(1, "a2019", "article", "}{\\end{document}", 2019, "J & K", authors=[]),
        PaperRecord(2, "b2019", "inproceedings", "50% of $x_0$ & more", 2019, "C_1", authors=[]),
        PaperRecord(3, "c2019", "misc", "{{{ unbalanced \\", 2019, None, url="https://x.org/{a}"),
    ]
    bib = format_bibtex(recs)
    assert braces_balanced(bib)
    assert run_bibtex(tmp_path, bib) == []
    bbl = (tmp_path / "refs.bbl").read_text(encoding="utf-8")
    assert r"{\textbackslash}end{\textbraceleft}document{\textbraceright}" in bbl


# ---------------------------------------------------------------- round trip


def _parse(bib: str):
    lib = bibtexparser.parse_string(
        bib, append_middleware=[middlewares.SeparateCoAuthors(), middlewares.SplitNameParts()]
    )
    assert not lib.failed_blocks, lib.failed_blocks
    return {e.key: e for e in lib.entries}


def _dashes(text: str | None) -> str | None:
    return re.sub(r"\s*[-‐‑‒–—]+\s*", "-", text) if text else text


def _squash(text: str | None) -> str | None:
    return " ".join(text.split()) if text else text


def assert_entry_matches(entry, rec: PaperRecord) -> None:
    f = {k: v.value for k, v in entry.fields_dict.items()}
    dec = {k: decode_latex_value(v) for k, v in f.items() if k not in ("author", "url", "doi", "eprint")}
    assert entry.entry_type == entry_type(rec)
    assert dec.get("title") == (_squash(rec.title) or untitled(rec))  # a stand-in names an untitled paper
    venue = dec.get("booktitle") or dec.get("journal") or dec.get("howpublished")
    assert venue == _squash(rec.venue)
    assert dec.get("year") == (str(rec.year) if rec.year is not None else None)
    assert _dashes(dec.get("pages")) == _dashes(_squash(rec.pages))
    assert dec.get("volume") == _squash(rec.volume) and dec.get("number") == _squash(rec.issue)
    assert (dec.get("publisher") or dec.get("school") or dec.get("institution")) == _squash(rec.publisher)
    assert f.get("doi") == (rec.doi.replace("{", "%7B").replace("}", "%7D").replace(" ", "%20") if rec.doi else None)
    assert f.get("eprint") == rec.arxiv_id
    if rec.url:
        assert f["url"].replace("%7B", "{").replace("%7D", "}").replace("%20", " ") == rec.url
    names = []
    for parts in f.get("author", []):
        family = decode_latex_value(" ".join(parts.von + parts.last))
        names.append((family, decode_latex_value(" ".join(parts.first))))
    expected = [(_squash(a.family), _squash(a.given) or "") for a in rec.authors if a.family or a.given]
    if rec.et_al and expected:
        expected.append(("others", ""))
    assert names == expected


def test_round_trip_corpus_fields_equal_the_database(corpus):
    bib = export(corpus)
    entries = _parse(bib)
    with session_scope(corpus) as session:
        records = load_records(session, None)
    assert len(entries) == len(records) > 50
    for rec in records:
        assert_entry_matches(entries[rec.citekey], rec)


@pytest.mark.parametrize("unicode", [False, True])
def test_round_trip_generated_library(unicode):
    records = synthetic_records(1000, seed=3)
    entries = _parse(format_bibtex(records, unicode=unicode))
    for rec in records:
        assert_entry_matches(entries[rec.citekey], rec)


def _snapshot(engine):
    with session_scope(engine) as session:
        papers = [p.model_dump() for p in session.exec(select(Paper).order_by(Paper.id))]
        authors = session.exec(
            select(Authorship.paper_id, Authorship.position, Authorship.person_id).order_by(
                Authorship.paper_id, Authorship.position
            )
        ).all()
        people = session.exec(select(Person.id, Person.name, Person.family, Person.given).order_by(Person.id)).all()
        keys = session.exec(select(func.count()).select_from(PaperKey)).one()
    return papers, authors, people, keys


def test_importing_the_export_into_the_same_db_changes_nothing(tmp_path):
    engine = open_db(tmp_path / "kb.sqlite")
    import_paths(engine, [SAMPLE, IMPORTS])
    out = tmp_path / "refs.bib"
    run(engine, "bibtex", output=out)
    before = _snapshot(engine)
    summary = import_paths(engine, [out])
    result = summary.results[0]
    assert result.status == "new" and result.counts.papers == 0 and result.counts.enriched == 0, result.notes
    assert "0 new, 0 enriched" in result.notes[0]
    assert _snapshot(engine) == before
    run(engine, "bibtex", output=tmp_path / "again.bib")
    assert (tmp_path / "again.bib").read_text(encoding="utf-8") == out.read_text(encoding="utf-8")
    engine.dispose()


# ---------------------------------------------------------------- citekeys


def _keys(engine) -> dict[int, str]:
    with session_scope(engine) as session:
        return dict(session.exec(select(Paper.id, Paper.citekey)).all())


def test_keys_are_assigned_once_and_survive_reimport_and_reexport(tmp_path):
    engine = open_db(tmp_path / "kb.sqlite")
    import_paths(engine, [SAMPLE, IMPORTS])
    first = export(engine)
    keys = _keys(engine)
    assert all(keys.values()) and len(set(k.lower() for k in keys.values())) == len(keys)
    assert "girshickFastRCNN2015" in keys.values()
    import_paths(engine, [SAMPLE, IMPORTS], force=True)
    assert _keys(engine) == keys
    assert export(engine) == first
    engine.dispose()


def test_clashing_keys_get_letter_suffixes_and_keep_them(tmp_path):
    engine = open_db(tmp_path / "kb.sqlite")
    bib = tmp_path / "clash.bib"
    # No keys the importer could adopt would clash here: entries without a usable key get generated ones.
    bib.write_text(
        """
@article{x1, author={Vedaldi, Andrea}, title={Understanding models via visualizations}, year=2019, journal={A}}
@article{x2, author={Vedaldi, Andrea}, title={Understanding models via visualizations, part two}, year=2019, journal={B}}
""",
        encoding="utf-8",
    )
    import_paths(engine, [bib])
    with session_scope(engine, write=True) as session:
        session.exec(Paper.__table__.update().values(citekey=None))  # forget the .bib keys: generate ours
    export(engine)
    keys = sorted(_keys(engine).values())
    assert keys == ["vedaldiUnderstandingModelsVisualizations2019", "vedaldiUnderstandingModelsVisualizations2019a"]
    third = tmp_path / "third.bib"
    third.write_text(
        "@article{x3, author={Vedaldi, Andrea}, title={Understanding models via visualizations III},"
        " year=2019, journal={C}}",
        encoding="utf-8",
    )
    import_paths(engine, [third])
    with session_scope(engine, write=True) as session:
        session.exec(Paper.__table__.update().where(Paper.citekey == "x3").values(citekey=None))
    before = _keys(engine)
    export(engine)
    after = _keys(engine)
    assert {k: v for k, v in after.items() if k in before and before[k]} == {k: v for k, v in before.items() if v}
    assert sorted(after.values())[-1] == "vedaldiUnderstandingModelsVisualizations2019b"
    assert export(engine) == export(engine)
    engine.dispose()


# ---------------------------------------------------------------- selection and CLI


def test_selection_by_conference_talk_and_query(corpus):
    everything = export(corpus).count("\n@") + 1
    iccv = export(corpus, conference="ICCV 2017")
    assert iccv.count("\n@") + 1 == 18 < everything
    assert export(corpus, conference="iccv-2017") == iccv
    with session_scope(corpus) as session:
        from kb.models import Citation, Talk

        talk_id, n = session.exec(
            select(Citation.talk_id, func.count(func.distinct(Citation.paper_id)))
            .where(Citation.talk_id.is_not(None))
            .group_by(Citation.talk_id)
            .order_by(func.count().desc())
        ).first()
        assert session.get(Talk, talk_id) is not None
    assert export(corpus, talk_id=talk_id).count("\n@") + 1 == n
    girshick = export(corpus, query="Girshick")
    assert "Girshick" in girshick and girshick.count("\n@") + 1 < everything


def test_cli_export_to_file_and_errors(tmp_path, sampled):
    from click.testing import CliRunner

    from kb.cli import main

    db = str(sampled.url.database)
    runner = CliRunner()
    out = tmp_path / "refs.bib"
    r = runner.invoke(main, ["--db", db, "export", "-o", str(out)])
    assert r.exit_code == 0, r.output
    assert out.read_text(encoding="utf-8").startswith("@") and "written to" in r.stderr
    r = runner.invoke(main, ["--db", db, "export", "--format", "csl-json", "--conference", "ICCV 2017"])
    assert r.exit_code == 0 and r.stdout.lstrip().startswith("[")
    r = runner.invoke(main, ["--db", db, "export", "--conference", "Nowhere 1999"])
    assert r.exit_code == 2 and "no conference matches" in r.stderr
    r = runner.invoke(main, ["--db", db, "export", "--unicode"])
    assert r.exit_code == 0 and "Doll{\\'a}r" not in r.stdout and "Dollár, Piotr" in r.stdout


def test_a_paper_known_only_by_an_identifier_gets_a_bracketed_stand_in_title():
    from kb.export.bibtex import entry_fields
    from kb.export.records import PaperRecord

    fields = dict(entry_fields(PaperRecord(id=1, citekey="x", url="https://aclanthology.org/D19-1132/")))
    assert fields["title"] == "{[aclanthology.org/D19-1132]}"
    assert dict(entry_fields(PaperRecord(id=2, citekey="y", arxiv_id="1706.03762")))["title"] == "{[arXiv:1706.03762]}"
    assert dict(entry_fields(PaperRecord(id=3, citekey="z", doi="10.1/x_y")))["title"] == r"{[doi:10.1/x\_y]}"
    assert "title" not in dict(entry_fields(PaperRecord(id=4, citekey="w")))  # nothing to name it by
    assert (
        dict(entry_fields(PaperRecord(id=5, citekey="v", title="Real", url="https://a.org/p")))["title"]
        != "{[a.org/p]}"
    )
