"""`kb eval` over the seed and the team's gold fixtures, with the quality bar as thresholds."""

from __future__ import annotations

import pytest

from kb.evaluate import evaluate
from tests.conftest import FIXTURES, IMPORTS, SEED_GOLD

# Issue targets: talks >= 0.90, people >= 0.95, papers >= 0.95, citation links >= 0.90.
THRESHOLDS = {"talks": 0.90, "people": 0.95, "papers": 0.95, "citations": 0.90}


def gold_files():
    files = sorted(FIXTURES.glob("*.gold.json"))
    if SEED_GOLD.exists():
        files.append(SEED_GOLD)
    return files


@pytest.fixture(scope="module")
def result():
    files = gold_files()
    assert len(files) >= 12, "the evaluation set has gone missing"
    return evaluate(files, IMPORTS)


@pytest.mark.parametrize("entity", sorted(THRESHOLDS))
def test_f1_meets_the_bar(result, entity):
    f1 = result["totals"][entity]["f1"]
    assert f1 >= THRESHOLDS[entity], f"{entity} F1 {f1:.3f} < {THRESHOLDS[entity]}"


def test_every_fixture_extracts(result):
    assert len(result["files"]) == len(gold_files())


def test_seed_is_exact():
    if not SEED_GOLD.exists():
        pytest.skip("../shared not mounted")
    scores = evaluate([SEED_GOLD])["totals"]
    assert all(scores[k]["f1"] == 1.0 for k in ("talks", "people", "papers", "citations", "events", "links"))
