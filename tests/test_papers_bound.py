"""The paper-mention classifier's score bound (kb.ingest.papers.bound) rejects only candidates the
classifier itself rejects: on real candidate spans (train/dev posts of ../shared/realcorpus and the
sample posts under imports/), the pruned and unpruned decisions, features and mentions are the same."""

from __future__ import annotations

import math
from pathlib import Path

import pycrfsuite
import pytest

from kb.corpus import manifest, shared_dir
from kb.ingest.papers import tagger as paper_model
from kb.ingest.papers.bound import MARGIN, ScoreBound, logit, score_bound
from kb.ingest.papers.candidates import candidates
from kb.ingest.papers.features import LATE, candidate_features, line_context, line_words
from kb.ingest.pipeline import MAX_TEXT, prepare
from kb.ingest.talks.units import units

REPO = Path(__file__).resolve().parent.parent
SHARED = shared_dir()


def _posts() -> list[tuple[str, str]]:
    out = [(p.name, p.read_text(encoding="utf-8")) for p in sorted((REPO / "imports").glob("*.md"))]
    if SHARED is not None:  # train and dev only: the test split is for evaluation
        docs = sorted((d for d in manifest(SHARED).values() if d.split in ("train", "dev")), key=lambda d: d.sha)
        out += [(d.file.name, d.text()) for d in docs[::6]]
    return [(n, t) for n, t in out if len(t) <= MAX_TEXT]


@pytest.fixture(scope="module")
def prepared():
    return [prepare(text, name) for name, text in _posts()]


@pytest.fixture(scope="module")
def model():
    t = paper_model.tagger()
    if t is None:
        pytest.skip("the paper-mention model is not shipped in this checkout")
    bound = score_bound(t, LATE)
    assert bound is not None  # the shipped model is the two-label classifier the bound is exact for
    return t, bound


def _probability(t: pycrfsuite.Tagger, feats: list[str]) -> float:
    t.set([feats])
    return t.marginal("P", 0)


def test_the_bound_reads_the_model_as_the_tagger_scores_it(prepared, model):
    """sigmoid(sum of the per-attribute weights) is crfsuite's probability (the dump has six decimals)."""
    t, bound = model
    n = 0
    for p in prepared:
        for _, _, feats in paper_model.line_candidates(p.blocks, p.ref_blocks):
            for f in feats:
                assert abs(_probability(t, f) - 1 / (1 + math.exp(-bound.score(f)))) < 1e-4
                n += 1
    assert n > 1000


def test_pruning_keeps_every_candidate_that_can_pass_and_its_features(prepared, model):
    t, bound = model
    threshold = paper_model.THRESHOLD
    kept = dropped = passed = 0
    for p in prepared:
        full = paper_model.line_candidates(p.blocks, p.ref_blocks)
        pruned = paper_model.line_candidates(p.blocks, p.ref_blocks, bound, threshold)
        assert [(u.block, u.start, [c.text for c in cs]) for u, cs, _ in full] == [
            (u.block, u.start, [c.text for c in cs]) for u, cs, _ in pruned
        ]
        for (_, _, fs), (_, _, ps) in zip(full, pruned, strict=True):
            for f, g in zip(fs, ps, strict=True):
                prob = _probability(t, f)
                # exact upper bound: the late families add at most late_max to what the rest scores
                late = sum(bound.delta.get(a, 0.0) for a in f if a.split("=", 1)[0] in LATE)
                assert late <= bound.late_max + 1e-9
                if g is None:
                    dropped += 1
                    assert prob < threshold
                    assert bound.score(f) - late + bound.late_max < logit(threshold) - MARGIN + 1e-6
                else:
                    kept += 1
                    assert g == f  # the same features in the same order: the same score to the last bit
                    passed += prob >= threshold
    assert passed > 0 and dropped > 10 * kept  # it prunes, and real passes are among the kept


def test_find_mentions_gives_the_same_mentions_with_and_without_the_bound(prepared, model, monkeypatch):
    with_bound = [paper_model.find_mentions(p.blocks, p.ref_blocks) for p in prepared]
    monkeypatch.setattr(paper_model, "score_bound", lambda t, late: None)
    without = [paper_model.find_mentions(p.blocks, p.ref_blocks) for p in prepared]
    assert with_bound == without
    assert sum(map(len, with_bound)) > 0


def test_early_features_decide_before_the_late_ones_are_built(prepared, model):
    """``keep`` sees no late family; refusing gives None, accepting gives the full features."""
    n = 0
    for p in prepared[:20]:
        for u in units(p.blocks, p.ref_blocks):
            block = p.blocks[u.block]
            lw = line_words(block, u)
            shared = line_context(block, u, lw)
            for c in candidates(block, u, u.block):
                n += _check_early(block, u, c, shared, lw)
    assert n > 100


def _check_early(block, u, c, shared, lw) -> int:
    seen: list[list[str]] = []
    full = candidate_features(block, u, c, shared, lw)
    assert candidate_features(block, u, c, shared, lw, lambda e: seen.append(e) or False) is None
    own = full[: len(full) - len(shared)]
    assert seen[0] == [a for a in own if a.split("=", 1)[0] not in LATE]  # all the early ones, in order
    assert candidate_features(block, u, c, shared, lw, lambda e: True) == full
    return 1


def test_thresholds_the_bound_cannot_reason_about_prune_nothing(model):
    _, bound = model
    assert bound.may_pass(-1e9, 1.0) and bound.may_pass(-1e9, 0.0)
    assert not bound.may_pass(-1e9, 0.7) and bound.may_pass(logit(0.7) - bound.late_max, 0.7)


def _train(tmp_path: Path, items: list[tuple[list[list[str]], list[str]]]) -> pycrfsuite.Tagger:
    tr = pycrfsuite.Trainer(verbose=False)
    for xs, ys in items:
        tr.append(xs, ys)
    tr.set_params({"max_iterations": 20})
    path = tmp_path / "m.crfsuite"
    tr.train(str(path))
    t = pycrfsuite.Tagger()
    t.open(str(path))
    return t


def test_models_the_bound_is_not_exact_for_get_none(tmp_path):
    three = _train(tmp_path, [([["x=1"]], ["P"]), ([["x=2"]], ["N"]), ([["x=3"]], ["Q"])])
    assert ScoreBound.from_tagger(three, LATE) is None  # a third label
    chained = _train(tmp_path, [([["x=1"], ["x=2"]], ["P", "N"]), ([["x=2"], ["x=1"]], ["N", "P"])])
    assert ScoreBound.from_tagger(chained, LATE) is None  # transitions between items
    two = _train(tmp_path, [([["x=1", "person"]], ["P"]), ([["x=2"]], ["N"])])
    bound = ScoreBound.from_tagger(two, LATE)
    assert bound is not None and bound.delta["x=1"] > 0 > bound.delta["x=2"]
    assert bound.late_max == pytest.approx(max(0.0, bound.delta["person"]), abs=1e-6)


def test_without_room_to_dump_the_model_every_candidate_is_scored(tmp_path):
    """crfsuite's Tagger.info() writes the model to a temporary file: on a full disk (here a file-size
    limit, and an empty cache folder) neither the bound nor the reference parser's weight tables can be
    built; extraction then scores every candidate and tags references with crfsuite's own tagger, with the
    same result (an import that stops on a full disk read the posts before it whole:
    tests/test_hardening_disk.py)."""
    import json
    import os
    import resource
    import subprocess
    import sys

    post = REPO / "imports" / "acl-2019-florence-bertology.md"

    def extract_json(fsize: int | None) -> dict:
        def limit() -> None:
            if fsize is not None:
                resource.setrlimit(resource.RLIMIT_FSIZE, (fsize, fsize))

        run = subprocess.run(
            [sys.executable, "-m", "kb", "extract", str(post), "--json"],
            cwd=tmp_path,
            env=os.environ | {"PYTHONPATH": str(REPO), "XDG_CACHE_HOME": str(tmp_path / f"cache-{fsize}")},
            capture_output=True,
            text=True,
            timeout=300,
            preexec_fn=limit,
        )
        assert run.returncode == 0, run.stderr
        return json.loads(run.stdout)

    room = extract_json(None)
    assert len(room["papers"]) >= 10
    assert extract_json(4096) == room
