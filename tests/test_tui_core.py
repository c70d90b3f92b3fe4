"""The TUI's plain-Python parts: history, untrusted text, paging; and that kb's core never imports textual."""

from __future__ import annotations

import subprocess
import sys

from kb.tui.history import History, Location
from kb.tui.safe import clean, plain


def test_core_never_imports_textual():
    code = (
        "import importlib, sys\n"
        "mods = ['kb', 'kb.cli', 'kb.store', 'kb.queries', 'kb.curation', 'kb.importer', 'kb.db', 'kb.tui']\n"
        "try:\n    import kb.search\nexcept ImportError:\n    pass\n"
        "for m in mods:\n    importlib.import_module(m)\n"
        "assert 'textual' not in sys.modules, sorted(m for m in sys.modules if m.startswith('textual'))\n"
        "print('ok')\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_history_back_forward_and_truncation():
    h = History()
    for n in range(3):
        h.visit(Location("person", n))
    assert h.current.id == 2 and h.can_go_back and not h.can_go_forward
    assert h.back().id == 1 and h.back().id == 0 and h.back() is None
    assert h.forward().id == 1
    h.visit(Location("paper", 9))  # a new visit drops the forward part
    assert [e.id for e in h.entries] == [0, 1, 9] and h.forward() is None
    assert h.visit(Location("paper", 9)) is h.current  # same place twice is one entry
    assert [e.id for e in h.trail(2)] == [1, 9]


def test_history_is_bounded():
    h = History(limit=5)
    for n in range(12):
        h.visit(Location("talk", n))
    assert len(h.entries) == 5 and h.current.id == 11


def test_clean_shows_markup_literally_and_drops_controls():
    assert clean("[bold red]x[/]") == "[bold red]x[/]"
    assert clean("\x1b[31mred\x1b[0m and \x1b]8;;http://evil\x07link\x1b]8;;\x07") == "red and link"
    assert clean("a\x00b\x07c\u202ed\tz") == "abcd    z"
    assert clean("two\nlines") == "two lines" and clean("two\r\nlines", newlines=True) == "two\nlines"
    assert plain("[b]x[/b]").plain == "[b]x[/b]" and not plain("[b]x[/b]").spans


def test_row_source_fetches_pages_on_demand():
    from kb.tui.table import RowSource

    calls = []

    def fetch(ids):
        calls.append(list(ids))
        return {i: {"id": i} for i in ids}

    source = RowSource(fetch, page_size=10, max_pages=2)
    source.set_ids(list(range(100_000)))
    assert source.row(5) == {"id": 5} and source.row(7) == {"id": 7}
    assert len(calls) == 1 and len(calls[0]) == 10
    source.row(99_999)
    source.row(50_000)
    source.row(0)  # evicted (two pages kept): fetched again
    assert len(calls) == 4 and source.row(100_000) is None


def test_list_queries_filter_sort_and_window(sampled):
    from kb import queries
    from kb.db import session_scope

    with session_scope(sampled) as s:
        for kind in queries.BROWSE_KINDS:
            for sort in queries.LIST_SORTS[kind]:
                up = queries.list_ids(s, kind, "", sort)
                down = queries.list_ids(s, kind, "", sort, descending=True)
                assert sorted(up) == sorted(down)
                rows = queries.list_window(s, kind, up[:5])
                assert set(rows) == set(up[:5])
        people = queries.list_ids(s, "people", "girshick")
        assert [queries.list_window(s, "people", people)[i]["name"] for i in people] == ["Ross Girshick"]
        assert queries.list_ids(s, "people", "girshik") == people  # aliases match too
        assert queries.list_ids(s, "papers", "100%_") == []  # LIKE wildcards in input are literal
        hits = queries.find_by_name(s, "howard")
        assert (hits[0].kind, hits[0].title) == ("person", "Andrew G. Howard")
        assert {h.kind for h in hits} == {"person"}  # names only: no talk or paper title says howard
