"""The review screen's source pane: every extracted span highlighted by label (title, speaker, event, cite,
link) on our ACL sample post, and hostile post text shown literally with the spans still on the right words."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from kb.db import open_db, session_scope
from kb.importer import import_paths
from kb.review import post_for_review
from kb.tui import make_app
from kb.tui.history import Location
from kb.tui.safe import clean
from kb.tui.source import SourceView, source_marks
from test_tui_helpers import press, screen_text, settle

ACL = Path(__file__).resolve().parents[1] / "imports" / "acl-2019-florence-bertology.md"


def spans(lines: list[str], marks, line: int) -> set[tuple[str, str]]:
    """(role, the text it covers) on 1-based ``line``."""
    return {(role, lines[line - 1][s:e]) for s, e, role in marks.get(line - 1, []) if e > s}


def gutters(text: str) -> dict[str, str]:
    """{line number: its gutter letter (" " for none)} of the source rows on screen."""
    out = {}
    for row in text.splitlines():
        m = re.match(r"^\s*(\d+) (.) ", row)
        if m:
            out[m.group(1)] = m.group(2)
    return out


def _data(tmp_path, name: str, text: str | None = None):
    folder = tmp_path / "notes"
    folder.mkdir(exist_ok=True)
    if text is None:
        shutil.copy(ACL, folder / name)
    else:
        (folder / name).write_text(text, encoding="utf-8")
    engine = open_db(tmp_path / "kb.sqlite")
    import_paths(engine, [folder / name])
    with session_scope(engine) as s:
        return engine, post_for_review(s, 1)


def test_each_label_marks_its_words_in_the_acl_notes(tmp_path):
    engine, data = _data(tmp_path, ACL.name)
    lines = [clean(line) for line in data["lines"]]
    marks = source_marks(lines, data)
    assert spans(lines, marks, 11) >= {
        ("link", "ACL 2019"),
        ("link", "http://www.acl2019.org/"),
        ("cite", "(Devlin et al., 2019)"),
    }
    assert spans(lines, marks, 29) >= {
        ("title", "Energy and Policy Considerations for Deep Learning in NLP"),
        ("speaker", "Emma Stubell"),
        ("link", "slides"),
    }
    assert ("event", "BlackboxNLP workshop") in spans(lines, marks, 43)
    assert ("cite", "(Clark et al., 2019)") in spans(lines, marks, 43)
    assert not marks.get(32)  # "### Notes": nothing extracted there
    engine.dispose()


async def test_the_gutter_letters_and_scrolling_to_a_line(tmp_path):
    engine, _ = _data(tmp_path, ACL.name)
    app = make_app(engine, start=Location("review", 1))
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        view = app.screen.query_one(SourceView)
        view.focus()
        view.goto(40)
        await press(pilot, "down", "down")  # the cursor on line 43
        assert view.cursor == 42
        assert view.scroll_y <= 42 < view.scroll_y + view.size.height
        rows = gutters(screen_text(app))
        assert (rows["43"], rows["41"], rows["42"], rows["45"]) == ("E", "C", " ", " ")  # 45: "## References"
        await press(pilot, "tab")
        energy = next(n for n, t in enumerate(app.screen.data["talks"]) if t["line"] == 29)
        app.screen.query_one("#review-talks").highlighted = energy  # selecting a talk scrolls to its line
        await settle(pilot)
        assert view.cursor == 28 and view.scroll_y <= 28 < view.scroll_y + view.size.height
        rows = gutters(screen_text(app))
        assert (rows["28"], rows["29"], rows["33"]) == ("T", "T", " ")
        assert "T title · S speaker · E event · C cite · L link" in screen_text(app)
    engine.dispose()


HOSTILE = """---
title: "Hostile notes"
---
# Hostile notes

## Talks

- [bold red]x[/] and \x1b[31mred\x1b[0m by Jane Doe
- A second talk on graphs by John Roe ([slides](https://evil.example/[red]s[/]))

The [i]Robust[/i] results were great; see \x1b[1m(Smith et al., 2019)\x1b[0m.

## References

Smith, J., & Doe, J. (2019). A paper about [blink]things[/blink]. In Proc. X.
"""


async def test_hostile_text_is_literal_and_its_spans_sit_on_the_words_shown(tmp_path):
    engine, data = _data(tmp_path, "hostile.md", HOSTILE)
    lines = [clean(line) for line in data["lines"]]
    marks = source_marks(lines, data)
    assert ("cite", "(Smith et al., 2019)") in spans(lines, marks, 11)  # offsets of the cleaned line
    assert ("link", "https://evil.example/[red]s[/]") in spans(lines, marks, 9)
    assert ("speaker", "Jane Doe") in spans(lines, marks, 8)
    app = make_app(engine, start=Location("review", 1))
    async with app.run_test(size=(160, 40)) as pilot:
        await settle(pilot)
        text = screen_text(app)
        assert "[bold red]x[/] and red by Jane Doe" in text
        assert "([slides](https://evil.example/[red]s[/]))" in text
        assert "The [i]Robust[/i] results were great; see (Smith et al., 2019)." in text
        assert "\x1b" not in text
    engine.dispose()
