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


def _refdata_lines(limit: int) -> list[str]:
    from kb.corpus import shared_dir

    root = shared_dir()
    if root is None or not (root / "refdata" / "good.jsonl").is_file():
        pytest.skip("no shared/refdata")
    out = []
    for name in ("good.jsonl", "core.jsonl"):
        with (root / "refdata" / name).open(encoding="utf-8") as f:
            out += [" ".join(json.loads(line)["text"].split()) for _, line in zip(range(limit), f, strict=False)]
    return out


def test_decoding_together_gives_each_sequence_bit_for_bit():
    from kb.ingest.refparse.features import tokenize
    from kb.ingest.refparse.markup import prepare

    lines = _refdata_lines(250) + ["", "x", "Vaswani"]
    tokens = [tokenize(prepare(t)[0]) for t in lines]
    fast = model.get_fast_tagger()
    alone = []
    for toks in tokens:
        if not toks:
            alone.append(([], 1.0))
            continue
        scores, infos = fast.emissions(toks)
        labels, best = fast.viterbi(scores)
        alone.append((model._apply_rules(infos, labels), model.math.exp(best - fast.log_partition(scores))))
    together = model.tag_many(tokens, confidence=True)
    assert together == alone  # labels equal, probabilities equal as floats (==, not approximately)
    assert [labels for labels, _ in model.tag_many(tokens)] == [labels for labels, _ in alone]


def test_parse_references_equals_parse_reference_one_by_one():
    from kb.ingest.refparse import parse_references

    lines = _refdata_lines(150) + [
        "@article{he2016, title={Deep Residual Learning}, author={He, Kaiming}, year={2016}}",
        "[4] Simonyan, K. Very deep networks. _arXiv preprint arXiv:1409.1556_ (2014).",
    ]
    assert [paper_to_json(r) for r in parse_references(lines)] == [paper_to_json(parse_reference(t)) for t in lines]


def test_refs_parse_command_prints_what_it_printed_line_by_line(tmp_path):
    from click.testing import CliRunner

    from kb.cli import main

    lines = _refdata_lines(120)
    path = tmp_path / "refs.txt"
    path.write_text("\n".join(lines[:50]) + "\n\n   \n" + "\n".join(lines[50:]) + "\n", encoding="utf-8")
    from kb.terminal import json_text

    want = "".join(json_text(paper_to_json(parse_reference(t))) + "\n" for t in lines)
    got = CliRunner().invoke(main, ["refs", "parse", str(path), "--json"])
    assert got.exit_code == 0, got.output
    assert got.output == want
