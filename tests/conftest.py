"""Shared fixtures: our own sample post (tests/fixtures/sample), the seed post from ../shared, temporary databases.

Tests import the sample post (``sample_path``, ``sample_gold``, ``sampled``). Only the few tests that check the
seed's own gold read ``SEED`` / ``SEED_GOLD``, and they skip with the reason when ../shared is not mounted beside
the repo.
"""

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
SAMPLE = FIXTURES / "sample" / "iccv-2017-venice.md"
SAMPLE_GOLD = FIXTURES / "sample" / "iccv-2017-venice.gold.json"


@pytest.fixture
def sample_path() -> Path:
    return SAMPLE


@pytest.fixture
def sample_gold() -> dict:
    return json.loads(SAMPLE_GOLD.read_text(encoding="utf-8"))


@pytest.fixture
def engine(tmp_path):
    from kb.db import open_db

    eng = open_db(tmp_path / "kb.sqlite")
    yield eng
    eng.dispose()


@pytest.fixture
def sampled(engine):
    """A database holding the imported sample post."""
    from kb.importer import import_paths

    summary = import_paths(engine, [SAMPLE])
    assert summary.count("new") == 1, summary.results
    return engine


# ---------------------------------------------------------------- PostgreSQL (tests/test_postgres*.py)


@pytest.fixture(scope="session")
def pg_server():
    """A private PostgreSQL server for the whole session (initdb + pg_ctl on a free port, see tests/pg_server.py).

    Skipped with the reason when none can be started here; on CI (``CI=true``) that is a failure instead.
    """
    import os

    from tests.pg_server import PgServer, PgUnavailable

    try:
        server = PgServer.start()
    except PgUnavailable as exc:
        if os.environ.get("CI", "").lower() == "true":
            pytest.fail(f"CI=true but PostgreSQL could not be started: {exc}")
        pytest.skip(f"PostgreSQL tests skipped: no local server could be started ({exc})")
    yield server
    server.stop()


_pg_databases = iter(range(1, 1_000_000))


@pytest.fixture
def pg_url(pg_server):
    """URL of a fresh, empty PostgreSQL database for one test (dropped afterwards)."""
    name = f"kb_test_{next(_pg_databases)}"
    url = pg_server.create_database(name)
    yield url
    pg_server.drop_database(name)
