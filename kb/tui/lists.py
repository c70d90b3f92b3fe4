"""Browsable lists (conferences, talks, people, papers, links, posts): virtual, sortable, filterable."""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.reactive import reactive
from textual.widget import Widget
from textual.widgets import Input
from textual.worker import get_current_worker

from kb.tui.lazy import db_errors, queries
from kb.tui.messages import Open
from kb.tui.pages import LIST_TITLES
from kb.tui.safe import clean
from kb.tui.screens import KbScreen
from kb.tui.table import Column, RowSource, VirtualTable

COLUMNS: dict[str, list[Column]] = {
    "conferences": [
        Column("name", "Conference", 0, sort="name"),
        Column("year", "Year", 6, "right", "year", 4),
        Column("location", "Location", 16, least=10, grow=True),
        Column("events", "Events", 7, "right"),
        Column("talks", "Talks", 6, "right", "talks"),
        Column("papers", "Papers", 7, "right", "papers"),
    ],
    "talks": [
        Column("title", "Title", 0, sort="title"),
        Column("speakers", "Speakers", 22, least=14, grow=True),
        Column("event", "Event", 18, sort="event", least=10, grow=True),
        Column("conference", "Conference", 16, sort="conference", least=12),  # "NeurIPS 2018" whole
        Column("type", "Kind", 9, sort="kind", least=7),
    ],
    "people": [
        Column("name", "Name", 0, sort="name"),
        Column("talks", "Talks", 6, "right", "talks"),
        Column("papers", "Papers", 7, "right", "papers"),
        Column("url", "Homepage", 30, least=14, grow=True),
    ],
    "papers": [
        Column("title", "Title", 0, sort="title"),
        Column("authors", "Authors", 24, least=14, grow=True),
        Column("year", "Year", 5, "right", "year", 4),
        Column("venue", "Venue", 16, sort="venue", least=10, grow=True),
        Column("cited", "Cited", 6, "right", "cited", 5),
    ],
    "links": [
        Column("label", "Label", 0, sort="label"),
        Column("type", "Kind", 9, sort="kind", least=7),
        Column("url", "URL", 0, sort="url"),
        Column("owner", "Belongs to", 20, least=12, grow=True),
    ],
    "posts": [
        Column("title", "Title", 0, sort="title"),
        Column("date", "Date", 10, sort="date", least=10),
        Column("conference", "Conference", 16, least=12, grow=True),
        Column("talks", "Talks", 6, "right"),
        Column("review", "Review", 8, least=8),
    ],
}


class StatusLine(Widget):
    """One line of text that repaints without a layout pass (it changes on every cursor move)."""

    text: reactive[str] = reactive("", layout=False)

    def render(self) -> Text:
        return Text(self.text)


def _open_row(row: dict[str, Any]) -> Open:
    if row["kind"] == "link":
        return Open(*row["target"])
    return Open(row["kind"], row["id"])


class ListScreen(KbScreen):
    """One list: type to filter (``f``), ``s``/``r`` or a header click to sort, Enter to open."""

    BINDINGS = [
        Binding("f", "focus_filter", "Filter"),
        Binding("s", "next_sort", "Sort"),
        Binding("r", "reverse", "Reverse"),
        Binding("o", "browse", "Browser"),
        Binding("escape", "leave_filter", "Back", show=False),
    ]

    def __init__(self, location) -> None:
        super().__init__(location)
        self.list_kind = str(location.id)
        state = location.state
        self.sort_key: str = state.get("sort") or queries.LIST_SORTS[self.list_kind][0]
        self.descending: bool = state.get("descending", False)

        def fetch(ids: list[int]) -> dict[int, dict[str, Any]]:
            try:
                with self.session() as s:
                    return queries.list_window(s, self.list_kind, ids)
            except db_errors() as exc:  # a locked or changed database: say so, keep the app alive
                self.notify(f"Could not read {self.list_kind}: {clean(exc)[:200]}", severity="error")
                return {}

        self.source = RowSource(fetch)

    def compose_body(self) -> ComposeResult:
        yield Input(
            value=self.location.state.get("filter", ""),
            placeholder="f  filter: type words from the names · ↓↑ move · Enter open · Esc back to the list",
            id="filter",
        )
        table = VirtualTable(
            COLUMNS[self.list_kind], self.source, open_row=_open_row, empty_text="Loading…", id="table"
        )
        table.sort_key, table.descending = (
            self.sort_key,
            queries.sorts_descending(self.list_kind, self.sort_key, self.descending),
        )
        yield table
        yield StatusLine(id="status")

    def on_mount(self) -> None:
        self.query_one(Input).cursor_blink = not self.app.is_headless
        self.set_title(LIST_TITLES[self.list_kind])
        self.query_one(VirtualTable).focus()
        self.load_ids(self.query_one(Input).value, restore=self.location.state)

    @work(thread=True, exclusive=True, group="list-ids")
    def load_ids(self, text: str, restore: dict[str, Any] | None = None, debounce: float = 0.0) -> None:
        worker = get_current_worker()
        if debounce:
            time.sleep(debounce)  # typing: only the query for the last keystroke runs
        if worker.is_cancelled:
            return
        with self.session() as s:
            ids = queries.list_ids(s, self.list_kind, text, self.sort_key, self.descending)
        if not worker.is_cancelled:
            self.app.call_from_thread(self._show_ids, ids, text, restore or {})

    def _show_ids(self, ids: list[int], text: str, restore: dict[str, Any]) -> None:
        table = self.query_one(VirtualTable)
        self.source.set_ids(ids)
        table.empty_text = (
            f"No {self.list_kind} match “{clean(text)}”." if text.strip() else f"No {self.list_kind} yet."
        )
        table.sort_key, table.descending = (
            self.sort_key,
            queries.sorts_descending(self.list_kind, self.sort_key, self.descending),
        )
        table.reset(restore.get("cursor", 0), restore.get("scroll_y", 0))
        self._status()

    def _status(self) -> None:
        table = self.query_one(VirtualTable)
        n = len(self.source)
        direction = (
            "descending" if queries.sorts_descending(self.list_kind, self.sort_key, self.descending) else "ascending"
        )
        where = f"{table.cursor + 1 if n else 0} of {n:,}"
        self.query_one(
            StatusLine
        ).text = f" {where} {self.list_kind} · sorted by {self.sort_key} ({direction}) · f filter · s sort · r reverse"

    def on_virtual_table_header_clicked(self, message: VirtualTable.HeaderClicked) -> None:
        if message.column.sort == self.sort_key:
            self.descending = not self.descending
        else:
            self.sort_key, self.descending = message.column.sort, False
        self.load_ids(self.query_one(Input).value)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.load_ids(event.value, debounce=0.12)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        """Enter in the filter opens the highlighted row, like a picker."""
        table = self.query_one(VirtualTable)
        table.focus()
        row = table.current_row
        if row is not None:  # posted by the screen: a message sent from inside a handler stops at its sender
            self.post_message(_open_row(row))

    def on_key(self, event) -> None:
        # Arrow keys in the filter box move the list cursor, like a picker.
        if self.focused is self.query_one(Input) and event.key in ("down", "up", "pagedown", "pageup"):
            table = self.query_one(VirtualTable)
            {
                "down": lambda: table.action_move(1),
                "up": lambda: table.action_move(-1),
                "pagedown": lambda: table.action_page(1),
                "pageup": lambda: table.action_page(-1),
            }[event.key]()
            event.stop()

    def action_focus_filter(self) -> None:
        self.query_one(Input).focus()

    def action_leave_filter(self) -> None:
        if self.focused is self.query_one(Input):
            self.query_one(VirtualTable).focus()
        else:
            self.app.action_back()

    def action_next_sort(self) -> None:
        sorts = queries.LIST_SORTS[self.list_kind]
        self.sort_key = sorts[(sorts.index(self.sort_key) + 1) % len(sorts)]
        self.descending = False
        self.load_ids(self.query_one(Input).value)

    def action_reverse(self) -> None:
        self.descending = not self.descending
        self.load_ids(self.query_one(Input).value)

    def action_browse(self) -> None:
        row = self.query_one(VirtualTable).current_row or {}
        url = row.get("url")
        if url:
            self.post_message(Open("url", url))
        else:
            self.notify("This row has no link to open.", severity="warning")

    def on_virtual_table_cursor_moved(self, _message: VirtualTable.CursorMoved) -> None:
        self._status()

    def save_state(self) -> dict[str, Any]:
        table = self.query_one(VirtualTable)
        return {
            "filter": self.query_one(Input).value,
            "sort": self.sort_key,
            "descending": self.descending,
            "cursor": table.cursor,
            "scroll_y": table.scroll_y,
        }
