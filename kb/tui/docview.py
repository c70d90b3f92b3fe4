"""A scrollable page of text lines where some blocks are links (line API, one widget per page).

Detail screens describe themselves as a list of :class:`Block`; the view wraps them to the
width, draws only the visible lines (``render_line``) and moves a cursor over the blocks that
have a target. Enter or a click posts :class:`~kb.tui.messages.Open` upward.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len
from rich.style import Style
from rich.text import Span, Text
from textual.binding import Binding
from textual.events import Click, Resize
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from kb.tui.messages import Open

ROLES = ("title", "heading", "text", "meta", "link", "url", "label", "hint", "warn")


@dataclass
class Block:
    """One paragraph of a page. ``text`` must already be safe (see :mod:`kb.tui.safe`).

    Spans of ``text`` may use a role name (``"meta"``) as their style; it becomes the
    ``doc--meta`` style of app.tcss when drawn. ``label`` puts a field name in a left column.
    """

    text: Text
    role: str = "text"
    target: tuple[str, Any] | None = None
    indent: int = 0
    label: str = ""


@dataclass
class _Line:
    text: Text
    block: int


LABEL_WIDTH = 12


class DocView(ScrollView, can_focus=True):
    """A page of blocks with a link cursor."""

    COMPONENT_CLASSES = {f"doc--{role}" for role in ROLES} | {"doc--cursor", "doc--cursor-blur"}

    BINDINGS = [
        Binding("up,k", "cursor(-1)", "Up", show=False),
        Binding("down,j", "cursor(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown,space", "page(1)", "Page down", show=False),
        Binding("home", "edge(-1)", "Top", show=False),
        Binding("end", "edge(1)", "Bottom", show=False),
        Binding("enter", "activate", "Open", show=True),
    ]

    cursor: reactive[int] = reactive(0, always_update=True, repaint=True)

    def __init__(self, blocks: list[Block] | None = None, *, id: str | None = None, classes: str | None = None):
        super().__init__(id=id, classes=classes)
        self.blocks: list[Block] = blocks or []
        self._lines: list[_Line] = []
        self._block_lines: dict[int, tuple[int, int]] = {}
        self._targets: list[int] = []  # block indices that can be opened, in page order
        self._laid_width = 0
        self._pending: tuple[int, float] | None = None

    # --- content -------------------------------------------------------------------------
    def set_blocks(self, blocks: list[Block], cursor: int = 0, scroll_y: float | None = None) -> None:
        self.blocks = blocks
        self._targets = [i for i, b in enumerate(blocks) if b.target is not None]
        self._laid_width = 0
        self._pending = (cursor, scroll_y if scroll_y is not None else -1)
        self._layout()

    @property
    def current_target(self) -> tuple[str, Any] | None:
        if not self._targets:
            return None
        return self.blocks[self._targets[min(self.cursor, len(self._targets) - 1)]].target

    @property
    def text(self) -> str:
        """Every laid-out line as plain text (tests and copy)."""
        return "\n".join(line.text.plain.rstrip() for line in self._lines)

    def state(self) -> dict[str, Any]:
        return {"cursor": self.cursor, "scroll_y": self.scroll_y}

    # --- layout ----------------------------------------------------------------------------
    def _content_width(self) -> int:
        return max(self.scrollable_content_region.width, 20)

    def _layout(self) -> None:
        if not self.is_mounted or self.size.width == 0:
            return
        width = self._content_width()
        console = self.app.console
        lines: list[_Line] = []
        self._block_lines = {}
        for i, block in enumerate(self.blocks):
            start = len(lines)
            indent = block.indent + 1
            label_w = LABEL_WIDTH if block.label else 0
            avail = max(width - indent - label_w - 1, 8)
            wrapped = block.text.wrap(console, avail, overflow="fold") if block.text.plain else [Text("")]
            for n, piece in enumerate(wrapped):
                line = Text(" " * indent)
                if label_w:
                    line.append((block.label if n == 0 else "").ljust(label_w), style="label")
                line.append_text(piece)
                lines.append(_Line(line, i))
            self._block_lines[i] = (start, len(lines) - 1)
        self._lines = lines
        self._laid_width = width
        self.virtual_size = Size(width, len(lines))
        if self._pending is not None:
            cursor, scroll_y = self._pending
            self._pending = None
            self.cursor = max(0, min(cursor, len(self._targets) - 1))
            if scroll_y >= 0:
                self.scroll_to(y=scroll_y, animate=False, immediate=True)
            else:
                self._show_cursor()
        self.refresh()

    def on_resize(self, event: Resize) -> None:
        if self._content_width() != self._laid_width:
            self._layout()

    def on_mount(self) -> None:
        self._layout()

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self.refresh()

    # --- drawing ---------------------------------------------------------------------------
    def _style(self, role: str) -> Style:
        # The full style: a partial one cannot resolve "auto" colours such as $text against the background.
        return self.get_component_rich_style(f"doc--{role}", default=Style())

    def render_line(self, y: int) -> Strip:
        index = y + int(self.scroll_y)
        width = self.size.width
        base = self.rich_style
        if index >= len(self._lines):
            return Strip.blank(width, base)
        line = self._lines[index]
        block = self.blocks[line.block]
        text = Text(
            line.text.plain,
            style=base + self._style(block.role),
            spans=[
                Span(s.start, s.end, self._style(s.style) if isinstance(s.style, str) else s.style)
                for s in line.text.spans
            ],
        )
        if (
            block.target is not None
            and self._targets
            and self._targets[min(self.cursor, len(self._targets) - 1)] == line.block
        ):
            text.stylize(self._style("cursor" if self.has_focus else "cursor-blur"), block.indent + 1)
        strip = Strip(text.render(self.app.console), cell_len(text.plain))
        return strip.adjust_cell_length(width, base)

    def watch_has_focus(self, _focused: bool) -> None:
        self.refresh()

    # --- cursor ----------------------------------------------------------------------------
    def _show_cursor(self) -> None:
        if not self._targets:
            return
        block = self._targets[min(self.cursor, len(self._targets) - 1)]
        first, last = self._block_lines.get(block, (0, 0))
        if self.cursor == 0 and first < self.size.height:
            self.scroll_to(y=0, animate=False, immediate=True)
            return
        self.scroll_to_region(Region(0, first, 1, last - first + 1), animate=False, immediate=True)

    def action_cursor(self, step: int) -> None:
        if not self._targets:
            self.scroll_to(y=self.scroll_y + step, animate=False)
            return
        new = self.cursor + step
        if 0 <= new < len(self._targets):
            self.cursor = new
            self._show_cursor()
        else:  # past the last link: keep scrolling the text
            self.scroll_to(y=self.scroll_y + step, animate=False)

    def action_page(self, step: int) -> None:
        height = max(self.size.height - 1, 1)
        self.scroll_to(y=self.scroll_y + step * height, animate=False, immediate=True)
        top, bottom = int(self.scroll_y), int(self.scroll_y) + self.size.height - 1
        visible = [n for n, b in enumerate(self._targets) if top <= self._block_lines[b][0] <= bottom]
        if visible:
            current = self.cursor
            if current not in visible:
                self.cursor = visible[0] if step > 0 else visible[-1]

    def action_edge(self, step: int) -> None:
        if step < 0:
            self.cursor = 0
            self.scroll_to(y=0, animate=False, immediate=True)
        else:
            self.cursor = max(len(self._targets) - 1, 0)
            self.scroll_end(animate=False, immediate=True)

    def action_activate(self) -> None:
        target = self.current_target
        if target is not None:
            self.post_message(Open(*target))

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        index = offset.y + int(self.scroll_y)
        if not 0 <= index < len(self._lines):
            return
        block = self._lines[index].block
        if block in self._targets:
            self.cursor = self._targets.index(block)
            self.action_activate()
