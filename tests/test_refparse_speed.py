"""The reference parser's speed work (issue 16) keeps its output: cached weight tables equal the ones built
from the model, a process that parses only plain references loads neither crfsuite nor bibtexparser, and
every refdata string parses to the same JSON with the cached tables as with fresh ones."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from kb.ingest.records import paper_to_json
from kb.ingest.refparse import model, parse_reference

REPO = Path(__file__).resolve().parent.parent


def test_cached_tables_equal_the_built_ones(tmp_path):
    built = model.FastTagger.tables(model.get_tagger())
    path = tmp_path / "tables.npz"
    model.save_tables(path, built)
    read = model.load_tables(path)
    assert read is not None
    a, b = model.FastTagger(tables=built), model.FastTagger(tables=read)
    assert a.labels == b.labels
    assert a.rows == b.rows
    assert a.window_rows == b.window_rows
    assert np.array_equal(a.matrix, b.matrix) and a.matrix.dtype == b.matrix.dtype
    assert np.array_equal(a.trans, b.trans)
    # a torn or foreign file is not a cache: the tables are built again
    path.write_bytes(b"not a zip")
    assert model.load_tables(path) is None
    assert model.load_tables(tmp_path / "missing.npz") is None


def test_cache_is_named_by_the_model_bytes(tmp_path):
    one, two = tmp_path / "a.crfsuite", tmp_path / "b.crfsuite"
    one.write_bytes(b"model one")
    two.write_bytes(b"model two")
    assert model.tables_cache(one) != model.tables_cache(two)
    assert model.tables_cache(one) == model.tables_cache(one)


def _parse_in_subprocess(cache: Path, lines: list[str]) -> tuple[list[dict], list[str]]:
    code = (
        "import json, sys\n"
        "from kb.ingest.records import paper_to_json\n"
        "from kb.ingest.refparse import parse_reference\n"
        "out = [paper_to_json(parse_reference(line)) for line in json.loads(sys.stdin.read())]\n"
        "mods = [m for m in ('pycrfsuite', 'bibtexparser') if m in sys.modules]\n"
        "print(json.dumps([out, mods]))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "XDG_CACHE_HOME": str(cache), "PYTHONPATH": str(REPO), "HOME": str(cache)}
    done = subprocess.run(
        [sys.executable, "-c", code], input=json.dumps(lines), capture_output=True, text=True, env=env, check=True
    )
    return json.loads(done.stdout)


REFS = [
    "He, K., Zhang, X., Ren, S., & Sun, J. (2016). Deep residual learning for image recognition. CVPR.",
    "[3] Vaswani, A. et al. Attention is all you need. In NeurIPS, 2017, pp. 5998–6008.",
    "Montavon, Gr√©goire, and Klaus-Robert M\u00fcller. Methods for interpreting deep networks. 2018.",
]


def test_second_process_reads_the_cache_and_parses_the_same(tmp_path):
    first, mods_first = _parse_in_subprocess(tmp_path, REFS)
    assert list((tmp_path / "kb" / "refparse").glob("tables-*.npz"))  # written by the first process
    assert "pycrfsuite" in mods_first  # it built the tables from the model
    second, mods_second = _parse_in_subprocess(tmp_path, REFS)
    assert mods_second == []  # read back: neither crfsuite nor bibtexparser imported
    assert first == second == [paper_to_json(parse_reference(r)) for r in REFS]


def test_refdata_strings_parse_the_same_with_cached_tables(tmp_path, monkeypatch):
    from kb.corpus import shared_dir

    root = shared_dir()
    if root is None or not (root / "refdata" / "core.jsonl").is_file():
        pytest.skip("no shared/refdata")
    lines = [json.loads(line)["text"] for line in (root / "refdata" / "core.jsonl").open(encoding="utf-8")][:300]
    fresh = [paper_to_json(parse_reference(t)) for t in lines]
    path = tmp_path / "tables.npz"
    model.save_tables(path, model.FastTagger.tables(model.get_tagger()))
    monkeypatch.setattr(model, "_fast", model.FastTagger(tables=model.load_tables(path)))
    assert [paper_to_json(parse_reference(t)) for t in lines] == fresh
