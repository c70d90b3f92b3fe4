"""The review screen's source pane: a post's Markdown, one row per line, every extracted span highlighted.

Labels (gutter letter, style): talk title ``T``, speaker ``S``, event ``E``, citation ``C``, link ``L``.
The text is untrusted: lines are cleaned (:func:`kb.tui.safe.clean`: no escape codes, no control
characters) *before* the spans are looked up, so offsets are those of the text shown, and each row is a
``Text`` (never markup).
"""

from __future__ import annotations

from typing import Any, ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.events import Click, Resize
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from kb.tui.safe import clean

ROLES = ("title", "speaker", "event", "cite", "link")  # gutter priority, too
MARKS = {"title": "T", "speaker": "S", "event": "E", "cite": "C", "link": "L"}
LEGEND = "T title · S speaker · E event · C cite · L link"
Marks = dict[int, list[tuple[int, int, str]]]


def _find(line: str, needle: str, start: int = 0) -> int:
    return line.lower().find(needle.lower(), start) if needle else -1


def _talk_marks(lines: list[str], talks: list[dict[str, Any]], add) -> None:
    starts = sorted({t["line"] for t in talks if t.get("line")})
    for t in talks:
        line = t.get("line")
        if not line or not 1 <= line <= len(lines):
            continue
        i = line - 1
        after = [s for s in starts if s > line]
        last = min(len(lines), line + 4, (after[0] - 1) if after else len(lines))
        title = clean(t.get("title"))
        add(i, 0, 0, "title")  # the talk's own line, even when its title is inferred
        for j in range(i, max(last, i + 1)) if title else ():
            at = _find(lines[j], title)
            if at >= 0:
                add(j, at, at + len(title), "title")
                break
        for name in t.get("speakers") or []:
            name = clean(name)
            for j in range(i, last):
                k = _find(lines[j], name)
                if k >= 0:
                    add(j, k, k + len(name), "speaker")
                    break


def source_marks(lines: list[str], data: dict[str, Any]) -> Marks:
    """{line index: [(start, end, role)]} over the cleaned ``lines``: talks, events, citations and links."""
    marks: Marks = {}

    def add(i: int, start: int, end: int, role: str) -> None:
        marks.setdefault(i, []).append((start, end, role))

    _talk_marks(lines, data.get("talks") or [], add)
    for name in {clean(e) for e in data.get("events") or [] if e}:
        for i, text in enumerate(lines):
            at = _find(text, name)
            while at >= 0:
                add(i, at, at + len(name), "event")
                at = _find(text, name, at + len(name))
    for line, marker in data.get("cites") or []:
        if line and 1 <= line <= len(lines):
            marker = clean(marker)
            marker = marker.removeprefix("text:")  # a cited title: its words
            at = _find(lines[line - 1], marker)
            add(line - 1, at, at + len(marker), "cite") if at >= 0 else add(line - 1, 0, 0, "cite")
    for line, url, label in data.get("links") or []:
        if line and 1 <= line <= len(lines):
            found = False
            for needle in (clean(url), clean(label)):
                at = _find(lines[line - 1], needle)
                if at >= 0:
                    add(line - 1, at, at + len(needle), "link")
                    found = True
            if not found:
                add(line - 1, 0, 0, "link")
    return marks


class SourceView(ScrollView, can_focus=True):
    """The post's source, one line per row (line API: only visible lines are drawn), with a line cursor."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "source--gutter",
        "source--cursor",
        "source--cursor-blur",
        "source--marked",
    } | {f"source--{r}" for r in ROLES}
    BINDINGS: ClassVar[list[Binding]] = [
        Binding("up", "move(-1)", "Up", show=False),
        Binding("down", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown", "page(1)", "Page down", show=False),
        Binding("home", "edge(-1)", "Top", show=False),
        Binding("end", "edge(1)", "Bottom", show=False),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, repaint=True)

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.lines: list[str] = []
        self.marks: Marks = {}
        self.gutter_width = 6

    def set_source(self, lines: list[str], data: dict[str, Any] | None = None) -> None:
        """Show ``lines`` (raw post text: cleaned here) with the spans of ``data`` (see :func:`source_marks`)."""
        self.lines = [clean(line) for line in lines]  # untrusted: no markup, no escape codes, no control chars
        self.marks = source_marks(self.lines, data or {})
        self.gutter_width = len(str(len(self.lines))) + 3
        width = max((cell_len(line) for line in self.lines), default=0) + self.gutter_width + 1
        self.virtual_size = Size(width, len(self.lines))
        self.cursor = max(0, min(self.cursor, len(self.lines) - 1))
        self.refresh()

    @property
    def text(self) -> str:
        return "\n".join(self.lines)

    def _style(self, name: str) -> Style:
        return self.get_component_rich_style(f"source--{name}", default=Style())

    def render_line(self, y: int) -> Strip:
        index = y + int(self.scroll_y)
        width = self.size.width
        base = self.rich_style
        if index >= len(self.lines):
            return Strip.blank(width, base)
        marks = self.marks.get(index, [])
        roles = {role for _s, _e, role in marks}
        role = next((r for r in ROLES if r in roles), None)
        gutter = Text(
            f"{index + 1:>{self.gutter_width - 3}} {MARKS[role] if role else ' '} ", style=self._style("gutter")
        )
        if role:
            gutter.stylize(self._style(role), self.gutter_width - 2, self.gutter_width - 1)
        body = Text(self.lines[index], style=base)
        if marks:
            body.stylize(self._style("marked"))
        for start, end, name in sorted(marks, key=lambda m: -ROLES.index(m[2])):  # the title's style wins
            if end > start:
                body.stylize(self._style(name), start, end)
        if index == self.cursor:
            body.stylize(self._style("cursor" if self.has_focus else "cursor-blur"))
            if not body.plain:
                body = Text(" ", style=self._style("cursor" if self.has_focus else "cursor-blur"))
        line = gutter + body
        strip = Strip(line.render(self.app.console), cell_len(line.plain))
        strip = strip.crop(int(self.scroll_x), int(self.scroll_x) + width) if self.scroll_x else strip
        return strip.adjust_cell_length(width, base)

    def watch_has_focus(self, _focused: bool) -> None:
        self.refresh()

    def goto(self, index: int, top: bool = True) -> None:
        """Put the cursor on line ``index`` (0-based) and scroll it into view (near the top when ``top``)."""
        if not self.lines:
            return
        self.cursor = max(0, min(index, len(self.lines) - 1))
        if top:
            self.scroll_to(y=max(self.cursor - 2, 0), animate=False, immediate=True)
        else:
            self.scroll_to_region(Region(0, self.cursor, 1, 1), animate=False, immediate=True)

    def action_move(self, step: int) -> None:
        self.goto(self.cursor + step, top=False)

    def action_page(self, step: int) -> None:
        self.goto(self.cursor + step * max(self.size.height - 1, 1), top=False)

    def action_edge(self, step: int) -> None:
        self.goto(0 if step < 0 else len(self.lines) - 1, top=False)

    def on_resize(self, _event: Resize) -> None:
        self.refresh()

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and 0 <= offset.y + int(self.scroll_y) < len(self.lines):
            self.goto(offset.y + int(self.scroll_y), top=False)


class ChoiceScreen(ModalScreen[str | None]):
    """Pick one of a few strings (↑↓, Enter); Esc cancels."""

    BINDINGS: ClassVar[list[Binding]] = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, question: str, choices: list[str]) -> None:
        super().__init__()
        self.question, self.choices = question, choices

    def compose(self) -> ComposeResult:
        with Vertical(id="edit-box"):
            yield Label(Text(self.question), id="edit-title")
            yield OptionList(*[Option(Text(clean(c)), id=str(n)) for n, c in enumerate(self.choices)], id="edit-fields")
            yield Label("↑↓ choose · Enter pick · Esc cancel", id="edit-hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[int(event.option.id or 0)])
