"""Shared fixtures: the seed post from ../shared, temporary databases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"
SEED = SHARED / "corpus" / "iccv-2019-seoul.md"
SEED_GOLD = SHARED / "corpus" / "iccv-2019-seoul.gold.json"
IMPORTS = REPO / "imports"
FIXTURES = REPO / "tests" / "fixtures"


def _need_seed() -> None:
    if not SEED.exists():
        pytest.skip(f"seed post not found at {SEED} (../shared is not mounted)")


@pytest.fixture
def seed_path() -> Path:
    _need_seed()
    return SEED


@pytest.fixture
def seed_text() -> str:
    _need_seed()
    return SEED.read_text(encoding="utf-8")


@pytest.fixture
def seed_gold() -> dict:
    _need_seed()
    return json.loads(SEED_GOLD.read_text(encoding="utf-8"))


@pytest.fixture
def engine(tmp_path):
    from kb.db import open_db

    eng = open_db(tmp_path / "kb.sqlite")
    yield eng
    eng.dispose()


@pytest.fixture
def seeded(engine, seed_path):
    """A database holding the imported seed post."""
    from kb.importer import import_paths

    summary = import_paths(engine, [seed_path])
    assert summary.count("new") == 1, summary.results
    return engine
