"""A virtual table for lists of any length: only the visible rows are fetched and drawn.

:class:`RowSource` holds the ordered ids of a list and fetches rows by id in pages (an LRU
of pages), so 100k papers cost one id query plus a page per screenful. :class:`VirtualTable`
is a line-API ``ScrollView`` with a sticky header line; no widget per row.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from rich.cells import cell_len, set_cell_size
from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding
from textual.events import Click, Resize
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from kb.tui.messages import Open
from kb.tui.safe import clean


@dataclass
class Column:
    key: str
    label: str
    width: int = 0  # the width it would like; 0: a flexible column (titles) sharing what is left over
    align: str = "left"
    sort: str | None = None  # the kb.queries sort name, when sortable
    least: int = 0  # never narrower than this ("NeurIPS 2018" keeps its year); 0: min(width, 6)
    grow: bool = False  # takes a share of a wide terminal beyond ``width`` (venues, authors, locations)


class RowSource:
    """Ordered ids plus a page cache of display rows fetched through ``fetch(ids) -> {id: row}``."""

    def __init__(
        self, fetch: Callable[[list[int]], dict[int, dict[str, Any]]], page_size: int = 100, max_pages: int = 64
    ) -> None:
        self.fetch = fetch
        self.page_size = page_size
        self.max_pages = max_pages
        self.ids: list[int] = []
        self._pages: OrderedDict[int, dict[int, dict[str, Any]]] = OrderedDict()

    def __len__(self) -> int:
        return len(self.ids)

    def set_ids(self, ids: list[int]) -> None:
        self.ids = ids
        self._pages.clear()

    def invalidate(self) -> None:
        self._pages.clear()

    def row(self, index: int) -> dict[str, Any] | None:
        if not 0 <= index < len(self.ids):
            return None
        number = index // self.page_size
        page = self._pages.get(number)
        if page is None:
            page = self.fetch(self.ids[number * self.page_size : (number + 1) * self.page_size])
            for row in page.values():  # clean untrusted text once per fetch, not once per frame
                for key, value in row.items():
                    if isinstance(value, str):
                        row[key] = clean(value)
            self._pages[number] = page
            if len(self._pages) > self.max_pages:
                self._pages.popitem(last=False)
        else:
            self._pages.move_to_end(number)
        return page.get(self.ids[index])


class VirtualTable(ScrollView, can_focus=True):
    """Rows drawn on demand from a :class:`RowSource`; Enter or a click opens the row."""

    COMPONENT_CLASSES = {
        "table--header",
        "table--sorted",
        "table--cursor",
        "table--cursor-blur",
        "table--odd",
        "table--empty",
    }

    BINDINGS = [
        Binding("up,k", "move(-1)", "Up", show=False),
        Binding("down,j", "move(1)", "Down", show=False),
        Binding("pageup", "page(-1)", "Page up", show=False),
        Binding("pagedown,space", "page(1)", "Page down", show=False),
        Binding("home", "edge(-1)", "First", show=False),
        Binding("end", "edge(1)", "Last", show=False),
        Binding("enter", "activate", "Open"),
    ]

    cursor: reactive[int] = reactive(0, repaint=True)

    @dataclass
    class HeaderClicked(Message):
        column: Column

    @dataclass
    class CursorMoved(Message):
        index: int

    def __init__(
        self,
        columns: list[Column],
        source: RowSource,
        *,
        open_row: Callable[[dict], Open | None],
        empty_text: str = "Nothing here.",
        id: str | None = None,
    ) -> None:
        super().__init__(id=id)
        self.columns = columns
        self.source = source
        self.open_row = open_row
        self.empty_text = empty_text
        self.sort_key: str | None = None
        self.descending = False
        self._widths: list[int] = []

    # --- geometry ----------------------------------------------------------------------------
    @property
    def body_height(self) -> int:
        return max(self.size.height - 1, 1)

    FLEX_LEAST = 0.4  # flexible columns (titles) get at least this share of the row…
    FLEX_MOST = 0.5  # …and at most this share, once every fixed column has its preferred width

    def _layout_columns(self, width: int) -> None:
        """Share the row: titles at least 40 %, every fixed column at least its ``least`` width, then
        fixed columns toward their preferred width; on a wide terminal, what titles cannot use (past 50 %)
        goes to the ``grow`` columns, so a long venue is not cut while the title column stays half empty."""
        flexible = [c for c in self.columns if not c.width] or [self.columns[0]]
        fixed = [c for c in self.columns if c not in flexible]
        room = max(width - len(self.columns), 8 * len(self.columns))
        floor = {id(c): min(c.least or min(c.width, 6), c.width) for c in fixed}
        spare = max(room - int(room * self.FLEX_LEAST) - sum(floor.values()), 0)
        wanted = sum(c.width - floor[id(c)] for c in fixed)
        ratio = min(1.0, spare / wanted) if wanted else 1.0
        widths = {id(c): floor[id(c)] + int((c.width - floor[id(c)]) * ratio) for c in fixed}
        left = room - sum(widths.values())
        growers = [c for c in fixed if c.grow]
        extra = left - int(room * self.FLEX_MOST)
        if ratio == 1.0 and growers and extra > 0:
            total = sum(c.width for c in growers)
            for c in growers:
                widths[id(c)] += extra * c.width // total
            left = room - sum(widths.values())
        share = max(left // len(flexible), 8)
        self._widths = [widths.get(id(c), share) for c in self.columns]

    def reset(self, cursor: int = 0, scroll_y: float = 0) -> None:
        """Call after the source's ids changed."""
        self.virtual_size = Size(self.size.width, len(self.source) + 1)
        self.cursor = max(0, min(cursor, len(self.source) - 1))
        self.scroll_to(y=min(scroll_y, max(len(self.source) + 1 - self.size.height, 0)), animate=False, immediate=True)
        self._follow()
        self.refresh()

    def on_resize(self, event: Resize) -> None:
        self._layout_columns(self.scrollable_content_region.width)
        self.virtual_size = Size(self.scrollable_content_region.width, len(self.source) + 1)

    def notify_style_update(self) -> None:
        super().notify_style_update()
        self._style_cache = {}
        self.refresh()

    def _style(self, *names: str) -> Style:
        """The widget's style plus component styles, cached until the theme or CSS changes."""
        key = names
        cache = getattr(self, "_style_cache", None)
        if cache is None:  # notify_style_update can run before __init__ finishes
            cache = self._style_cache = {}
        if key not in cache:
            style = self.rich_style
            for name in names:
                style = style + self.get_component_rich_style(name)
            cache[key] = style
        return cache[key]

    def watch_has_focus(self, _focused: bool) -> None:
        self.refresh()

    # --- drawing ------------------------------------------------------------------------------
    def _cells(self, values: list[str], style: Style, styles: list[Style] | None = None) -> Strip:
        segments: list[Segment] = []
        for n, (col, width, value) in enumerate(zip(self.columns, self._widths, values, strict=False)):
            size = cell_len(value)
            if size > width:
                text = set_cell_size(value, max(width - 1, 0)) + "…"
            else:
                text = value.rjust(width) if col.align == "right" else value
            segments.append(Segment(" ", style))
            segments.append(Segment(set_cell_size(text, width), styles[n] if styles else style))
        return Strip(segments)

    def render_line(self, y: int) -> Strip:
        width = self.size.width
        base = self._style()
        if not self._widths:
            self._layout_columns(self.scrollable_content_region.width)
        if y == 0:
            header = self._style("table--header")
            labels, styles = [], []
            for col in self.columns:
                arrow = (" ▼" if self.descending else " ▲") if col.sort and col.sort == self.sort_key else ""
                labels.append(col.label + arrow)
                styles.append(self._style("table--header", "table--sorted") if arrow else header)
            return self._cells(labels, header, styles).adjust_cell_length(width, header)
        index = y - 1 + int(self.scroll_y)
        if not len(self.source):
            if y == 1:
                return Strip([Segment(" " + self.empty_text, self._style("table--empty"))]).adjust_cell_length(
                    width, base
                )
            return Strip.blank(width, base)
        row = self.source.row(index)
        if row is None:
            return Strip.blank(width, base)
        names = ["table--odd"] if index % 2 else []
        if index == self.cursor:
            names.append("table--cursor" if self.has_focus else "table--cursor-blur")
        style = self._style(*names)
        values = ["" if row.get(c.key) is None else str(row.get(c.key)) for c in self.columns]
        return self._cells(values, style).adjust_cell_length(width, style)

    # --- cursor ------------------------------------------------------------------------------
    def _follow(self) -> None:
        """Scroll so the cursor row is visible."""
        top = int(self.scroll_y)
        if self.cursor < top:
            self.scroll_to(y=self.cursor, animate=False, immediate=True)
        elif self.cursor >= top + self.body_height:
            self.scroll_to(y=self.cursor - self.body_height + 1, animate=False, immediate=True)

    def watch_cursor(self, old: int, new: int) -> None:
        self._follow()
        self.post_message(self.CursorMoved(new))

    def action_move(self, step: int) -> None:
        if len(self.source):
            self.cursor = max(0, min(self.cursor + step, len(self.source) - 1))

    def action_page(self, step: int) -> None:
        if not len(self.source):
            return
        offset = self.cursor - int(self.scroll_y)
        self.scroll_to(y=self.scroll_y + step * self.body_height, animate=False, immediate=True)
        self.cursor = max(0, min(int(self.scroll_y) + offset, len(self.source) - 1))

    def action_edge(self, step: int) -> None:
        if len(self.source):
            self.cursor = 0 if step < 0 else len(self.source) - 1

    def action_activate(self) -> None:
        row = self.source.row(self.cursor)
        if row is not None:
            message = self.open_row(row)
            if message is not None:
                self.post_message(message)

    @property
    def current_row(self) -> dict[str, Any] | None:
        return self.source.row(self.cursor)

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is None:
            return
        if offset.y == 0:
            x = 0
            for col, width in zip(self.columns, self._widths, strict=False):
                x += width + 1
                if offset.x < x:
                    if col.sort:
                        self.post_message(self.HeaderClicked(col))
                    return
            return
        index = offset.y - 1 + int(self.scroll_y)
        if 0 <= index < len(self.source):
            self.cursor = index
            self.action_activate()
