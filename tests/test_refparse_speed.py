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


# --- speed8: the token pass, the batched scorer and decoder, the caches --------------------------------------

TRICKY = [
    "",
    " ",
    "a\u2003b\x1cc\u00a0d \u3000e\tf\ng",  # Unicode whitespace: str.split and the regex agree
    "x](y) [a](b) [c]",
    "_Proc._ “Title.” (2019a), pp. 1–2; vol. 3(4): 10.1145/1.2 arXiv:1312.6034v2. ²³ ٣ ⅣI xiv MCMXC",
    "Ｗ www.X.org HTTP://Y ſtuff doi: DOI:10.1/x ISBN 978-3 @me [^1]: (12) 12. 3rd 2019/06/01 '90s ((a)) »q«",
    "__*em*__ *x_ _y* 'q' \"r\" ‘s’ «t» - – — … ...",
]


def _tokens_of(lines: list[str]) -> list[str]:
    from kb.ingest.refparse.markup import prepare

    out = set()
    for line in lines:
        out.update(line.split())
        out.update(prepare(line)[0].split())
    return sorted(out)


def test_token_pass_equals_the_plain_code():
    """Tokens, token features (in order), token kinds and contexts equal what the plain code before the speed
    work gives, on refdata strings and on tricky ones (Unicode whitespace and digits, links, quotes, emphasis)."""
    from kb.ingest.refparse import features, rules
    from kb.ingest.refparse.markup import prepare
    from tests import refparse_plain as plain

    lines = _refdata_lines(400) + TRICKY
    for line in lines:
        for text in (line, prepare(line)[0]):
            assert features.tokenize(text) == plain.tokenize(text)
            tokens = features.tokenize(text)
            if tokens:
                assert features.context_features(tokens) == plain.context_features(tokens)
    for token in _tokens_of(lines) + [c for c in "".join(TRICKY) if not c.isspace()]:
        assert features.token_features.__wrapped__(token) == plain.token_features(token), token
        assert rules.token_kind(token) == plain.token_kind(token), token
        assert rules.has_digit(token) == any(c.isdigit() for c in token)


def test_batched_scores_equal_one_list_at_a_time_bit_for_bit():
    from kb.ingest.refparse.features import tokenize
    from kb.ingest.refparse.markup import prepare

    lists = [tokenize(prepare(t)[0]) for t in _refdata_lines(120)] + [tokenize("x"), tokenize("a b")]
    lists = [t for t in lists if t]
    fast = model.FastTagger(tables=model.get_fast_tagger().tables(model.get_tagger()))
    together, infos = fast.emissions_many(lists)
    fast.clear_caches()  # each list alone, from empty pools
    at = 0
    for tokens, info in zip(lists, infos, strict=True):
        alone, alone_infos = fast.emissions(tokens)
        assert np.array_equal(together[at : at + len(tokens)], alone)
        assert alone_infos == info
        at += len(tokens)
    assert at == len(together)


def test_ordered_sums_add_each_group_row_after_row():
    """The pools' sums are what numpy's sum over one group's rows gives, to the last bit, empty groups included."""
    fast = model.get_fast_tagger()
    rng = np.random.default_rng(16)
    n_rows = fast.matrix.shape[0]
    groups = [list(rng.integers(0, n_rows - 1, size=int(k))) for k in rng.integers(0, 15, size=300)]
    sizes = np.array([len(g) for g in groups])
    flat = np.array([r for g in groups for r in g], dtype=np.intp)
    got = fast._ordered_sums(flat, sizes)
    for g, row in zip(groups, got, strict=True):
        want = fast.matrix[g].sum(axis=0) if g else np.zeros(fast.matrix.shape[1])
        assert np.array_equal(row, want)
    table = fast.window_table
    wins = [list(rng.integers(0, len(table), size=int(k))) for k in rng.integers(0, 8, size=200)]
    flat = np.array([w for g in wins for w in g], dtype=np.intp)
    got = fast._ordered_sums(flat, np.array([len(g) for g in wins]), table)
    for g, block in zip(wins, got, strict=True):
        want = fast.matrix[table[g]].sum(axis=0) if g else np.zeros((4, fast.matrix.shape[1]))
        assert np.array_equal(block, want)


def test_place_names_cache_equals_the_file(tmp_path, monkeypatch):
    from kb.ingest.refparse import features

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    built = features._load_places()
    assert built == (features.GAZETTEER, features.GAZETTEER_PARTS)
    (cache,) = (tmp_path / "kb" / "refparse").glob("places-*.json")
    assert features._load_places() == built  # read back
    cache.write_text('{"torn": ', encoding="utf-8")
    assert features._load_places() == built  # a torn or foreign copy is not used
    cache.write_text("[1, 2]", encoding="utf-8")
    assert features._load_places() == built


def test_numpy_loads_with_one_blas_thread_and_leaves_the_environment_alone():
    code = (
        "import os, sys\n"
        "import kb.ingest.refparse.model as m\n"
        "print(m.np is not None, 'numpy' in sys.modules, os.environ.get('OPENBLAS_NUM_THREADS'))\n"
    )
    env = {"PATH": "/usr/bin:/bin", "PYTHONPATH": str(REPO)}
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env, check=True)
    assert done.stdout.split() == ["True", "True", "None"]


def test_name_patterns_are_found_alike_folded_or_not():
    from kb.ingest import names
    from kb.ingest.refparse import rules

    texts = [*_refdata_lines(200), *TRICKY, "Doe, J., ET AL.", "Smith, Ph.D", "A. Editor (Eds.)", "ARXIV:1", "CoRR"]
    for text in texts:
        for folded, pattern in (
            (names._HAS_ET_AL, names._ET_AL),
            (names._HAS_ROLE, names._ROLE),
            (names._HAS_DEGREE, names._DEGREES),
            (rules.HAS_ARXIV_CUE, rules.ARXIV_CUE),
        ):
            assert folded.search(text) == (pattern.search(text) is not None)


def test_parse_references_gives_the_collector_back_as_it_found_it():
    import gc

    from kb.ingest.refparse import parse_references

    assert gc.isenabled()
    parse_references(["He, K. (2016). Deep residual learning. CVPR."])
    assert gc.isenabled()
    gc.disable()
    try:
        parse_references(["He, K. (2016). Deep residual learning. CVPR."])
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_threads_sharing_the_tagger_get_what_one_thread_gets(monkeypatch):
    """The pools grow in place under a lock: references parsed from several threads at once (a fresh tagger,
    every token new) come out as parsed one after the other."""
    from concurrent.futures import ThreadPoolExecutor

    from kb.ingest.refparse import parse_references

    lines = _refdata_lines(160)
    want = [paper_to_json(r) for r in parse_references(lines)]
    monkeypatch.setattr(model, "_fast", model.FastTagger(tables=model.get_fast_tagger().tables(model.get_tagger())))
    parts = [lines[i::8] for i in range(8)]
    with ThreadPoolExecutor(4) as pool:
        got = list(pool.map(lambda part: [paper_to_json(r) for r in parse_references(part)], parts))
    for i, part in enumerate(got):
        assert part == want[i::8]
