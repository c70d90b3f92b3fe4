"""The store and importer tests again, on PostgreSQL (the ``engine`` fixture is overridden below).

Same test functions, imported from tests/test_store.py and tests/test_importer.py:
whatever they check on SQLite must hold on PostgreSQL too.
"""

from __future__ import annotations

import pytest

from kb.db import open_db
from tests.test_importer import (
    test_bad_file_is_reported_and_nothing_is_written,
    test_crash_inside_extraction_writes_nothing,
)
from tests.test_store import *  # noqa: F401,F403

pytestmark = pytest.mark.postgres


@pytest.fixture
def engine(pg_url):
    eng = open_db(pg_url)
    assert eng.dialect.name == "postgresql"
    yield eng
    eng.dispose()
