"""Modal screens: search, help, edit a field, pick a row to merge, confirm."""

from __future__ import annotations

import time
from typing import Any

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import ModalScreen
from textual.widgets import Button, Input, Label, OptionList
from textual.widgets.option_list import Option
from textual.worker import get_current_worker

from kb import queries
from kb.db import session_scope
from kb.tui import pages
from kb.tui.actions import search
from kb.tui.docview import Block, DocView
from kb.tui.messages import Open
from kb.tui.safe import clean

KIND_TITLES = {
    "person": "People",
    "talk": "Talks",
    "paper": "Papers",
    "conference": "Conferences",
    "event": "Events",
    "post": "Posts",
}


def _marked(snippet: str) -> Text:
    """A search snippet with its « » match marks turned into highlighted spans."""
    text = Text()
    for n, part in enumerate(clean(snippet).replace("»", "«").split("«")):
        text.append(part, style="link" if n % 2 else "meta")
    return text


def hit_blocks(hits: list[Any]) -> list[Block]:
    """Hits grouped by kind (people, talks, papers, … in that order), best first inside a group."""
    blocks: list[Block] = []
    for kind, label in KIND_TITLES.items():
        group = [h for h in hits if h.kind == kind]
        if not group:
            continue
        blocks += pages.heading(label, len(group))[int(not blocks) :]
        for h in group:
            blocks.append(Block(Text(clean(h.title) or "(untitled)"), "link", (h.kind, h.id), 2))
            if h.snippet:
                blocks.append(Block(_marked(h.snippet), "meta", None, 4))
    return blocks


class SearchScreen(ModalScreen[tuple[str, Any] | None]):
    """``/``: live results while typing; ↑↓ choose, Enter opens, Esc closes."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Close"),
        Binding("down", "move(1)", "Next", show=False),
        Binding("up", "move(-1)", "Previous", show=False),
        Binding("pagedown", "results_page(1)", show=False),
        Binding("pageup", "results_page(-1)", show=False),
    ]

    def __init__(self, query: str = "") -> None:
        super().__init__()
        self.initial = query

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box"):
            yield Label("Search talks, people, papers and posts", id="search-title")
            yield Input(
                value=self.initial, placeholder='words, "a phrase", speaker:name, year:2019 …', id="search-input"
            )
            yield DocView(id="search-results")
            yield Label("↑↓ choose · Enter open · Esc close", id="search-hint")

    def on_mount(self) -> None:
        box = self.query_one(Input)
        box.cursor_blink = not self.app.is_headless
        box.focus()
        self.query_one(DocView).set_blocks(pages.para("Type to search.", "hint"))
        if self.initial:
            self.run_search(self.initial)

    def on_input_changed(self, event: Input.Changed) -> None:
        self.run_search(event.value)

    @work(thread=True, exclusive=True, group="search")
    def run_search(self, text: str) -> None:
        worker = get_current_worker()
        time.sleep(0.08)  # let a burst of keystrokes settle: only the last query runs
        if worker.is_cancelled:
            return
        if not text.strip():
            blocks = pages.para("Type to search.", "hint")
        else:
            try:
                with session_scope(self.app.engine) as s:
                    hits = search(s, text, 50)
                blocks = hit_blocks(hits) or pages.para(f"Nothing matches “{clean(text)}”.", "hint")
            except Exception as exc:  # noqa: BLE001 - show the problem, keep the box usable
                blocks = pages.para(f"Search failed: {clean(exc)}", "warn")
        if not worker.is_cancelled:
            self.app.call_from_thread(self.query_one(DocView).set_blocks, blocks)

    def action_move(self, step: int) -> None:
        self.query_one(DocView).action_cursor(step)

    def action_results_page(self, step: int) -> None:
        self.query_one(DocView).action_page(step)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        target = self.query_one(DocView).current_target
        if target is not None:
            self.dismiss(target)

    def on_open(self, message: Open) -> None:
        message.stop()
        self.dismiss((message.kind, message.id))


class HelpScreen(ModalScreen[None]):
    """``?``: every key of the screen underneath, plus the mouse."""

    BINDINGS = [Binding("escape,q,question_mark", "dismiss(None)", "Close")]

    def __init__(self, keys: list[tuple[str, str]]) -> None:
        super().__init__()
        self.keys = keys

    def compose(self) -> ComposeResult:
        with Vertical(id="help-box"):
            yield DocView(id="help")

    def on_mount(self) -> None:
        blocks = pages.title("Keys", "Esc closes this help")
        blocks += pages.heading("On this screen")
        blocks += [Block(Text(desc), "text", None, 0, key) for key, desc in self.keys]
        blocks += pages.heading("Everywhere") + pages.para(
            "Every name is a link: move to it with ↑↓ and press Enter, or click it.\n"
            "ctrl+p jumps to any person, talk, paper or conference by name.\n"
            "esc or backspace goes back, ] goes forward; the top line shows where you came from.",
            "text",
            0,
        )
        view = self.query_one(DocView)
        view.set_blocks(blocks)
        view.focus()


class ConfirmScreen(ModalScreen[bool]):
    BINDINGS = [Binding("y", "dismiss(True)", "Yes"), Binding("n,escape", "dismiss(False)", "No")]

    def __init__(self, question: str) -> None:
        super().__init__()
        self.question = question

    def compose(self) -> ComposeResult:
        with Vertical(id="confirm-box"):
            yield Label(Text(self.question), id="confirm-question")
            with Horizontal(id="confirm-buttons"):
                yield Button("Yes (y)", id="yes", variant="error")
                yield Button("No (n)", id="no", variant="primary")

    def on_mount(self) -> None:
        self.query_one("#no", Button).focus()

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.dismiss(event.button.id == "yes")


class EditScreen(ModalScreen[tuple[str, str] | None]):
    """Choose a field (↑↓), edit its value, Enter saves, Esc cancels."""

    BINDINGS = [Binding("escape", "dismiss(None)", "Cancel")]

    def __init__(self, what: str, values: dict[str, Any], focus_value: bool = False) -> None:
        super().__init__()
        self.what = what
        self.values = values
        self.focus_value = focus_value  # start in the value box (the first field's), ready to type

    def compose(self) -> ComposeResult:
        with Vertical(id="edit-box"):
            yield Label(Text(f"Edit {self.what}"), id="edit-title")
            yield OptionList(
                *[Option(Text(f"{f}: {clean(v) if v is not None else ''}"), id=f) for f, v in self.values.items()],
                id="edit-fields",
            )
            yield Input(id="edit-value")
            yield Label(
                "↑↓ field · Tab to the value · Enter save · Esc cancel. Kept across re-imports.", id="edit-hint"
            )

    def on_mount(self) -> None:
        self.query_one(Input).cursor_blink = not self.app.is_headless
        fields = self.query_one(OptionList)
        fields.highlighted = 0
        if self.focus_value:
            first = next(iter(self.values.values()), None)
            self.query_one(Input).value = "" if first is None else clean(first, newlines=False)
            self.query_one(Input).focus()
        else:
            fields.focus()

    def _field(self) -> str:
        fields = self.query_one(OptionList)
        return fields.get_option_at_index(fields.highlighted or 0).id or ""

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        value = self.values.get(event.option.id or "")
        self.query_one(Input).value = "" if value is None else clean(value, newlines=False)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        self.dismiss((self._field(), event.value))


class PickScreen(ModalScreen[int | None]):
    """Find the other person (or paper) to merge into the one on screen."""

    BINDINGS = [
        Binding("escape", "dismiss(None)", "Cancel"),
        Binding("down", "move(1)", show=False),
        Binding("up", "move(-1)", show=False),
    ]

    def __init__(self, kind: str, exclude: int, prompt: str) -> None:
        super().__init__()
        self.kind, self.exclude, self.prompt = kind, exclude, prompt

    def compose(self) -> ComposeResult:
        with Vertical(id="search-box"):
            yield Label(Text(self.prompt), id="search-title")
            yield Input(placeholder="type a name", id="search-input")
            yield DocView(id="search-results")
            yield Label("↑↓ choose · Enter pick · Esc cancel", id="search-hint")

    def on_mount(self) -> None:
        self.query_one(Input).cursor_blink = not self.app.is_headless
        self.query_one(Input).focus()
        self.find("")

    def _suggest(self) -> list[Block]:
        """Before anything is typed: the rows the importer thought might be the same one."""
        with session_scope(self.app.engine) as s:
            maybe = queries.identity_candidates(s, self.kind, self.exclude)
        blocks = pages.para(f"Type part of the other {self.kind}'s name.", "hint")
        if maybe:
            blocks += pages.para("Possibly the same, found on import:", "hint")
            blocks += [Block(Text(clean(m["name"])), "link", (m["kind"], m["id"]), 2) for m in maybe]
        return blocks

    def on_input_changed(self, event: Input.Changed) -> None:
        self.find(event.value)

    @work(thread=True, exclusive=True, group="pick")
    def find(self, text: str) -> None:
        """Suggestions or names matching ``text``, looked up in a worker thread: typing never waits."""
        worker = get_current_worker()
        if not text.strip():
            blocks = self._suggest()
        else:
            with session_scope(self.app.engine) as s:
                hits = [h for h in queries.find_by_name(s, text, (self.kind,), 30) if h.id != self.exclude]
            blocks = [Block(Text(clean(h.title)), "link", (h.kind, h.id), 2) for h in hits]
            blocks = blocks or pages.para("No match.", "hint")
        if not worker.is_cancelled:
            self.app.call_from_thread(self.query_one(DocView).set_blocks, blocks)

    def action_move(self, step: int) -> None:
        self.query_one(DocView).action_cursor(step)

    def on_input_submitted(self, event: Input.Submitted) -> None:
        target = self.query_one(DocView).current_target
        if target is not None:
            self.dismiss(target[1])

    def on_open(self, message: Open) -> None:
        message.stop()
        self.dismiss(message.id)


# --- flows started from a detail screen ------------------------------------------------------


def start_edit(screen) -> None:
    from kb import curation

    kind, row_id = screen.kind, screen.location.id
    if kind not in curation.EDITABLE:
        screen.notify(f"A {kind} has no editable fields.", severity="warning")
        return
    from kb.models import ENTITY_TABLES

    with session_scope(screen.app.engine) as s:
        row = s.get(ENTITY_TABLES[kind], row_id)
        values = {f: getattr(row, f) for f in curation.EDITABLE[kind]} if row else {}

    def save(result: tuple[str, str] | None) -> None:
        if result is None:
            return
        field, value = result
        try:
            with session_scope(screen.app.engine, write=True) as s:
                curation.edit_field(s, kind, row_id, field, value)
        except curation.CurationError as exc:
            screen.notify(clean(exc), severity="error")
            return
        screen.notify(f"Saved {kind} {field}.")
        screen.reload()

    screen.app.push_screen(EditScreen(kind, values), save)


def start_merge(screen) -> None:
    from kb import curation

    kind, into_id = screen.kind, screen.location.id
    if kind not in ("person", "paper"):
        return
    name = screen.page_title()

    def picked(from_id: int | None) -> None:
        if from_id is None:
            return
        with session_scope(screen.app.engine) as s:
            other = queries.person_detail(s, from_id) if kind == "person" else queries.paper_detail(s, from_id)
        other_name = (other or {}).get("name") or (other or {}).get("title") or "?"
        question = (
            f"Merge “{clean(other_name)}” into “{clean(name)}”?\n\nIts talks, papers, citations and "
            f"aliases move here and “{clean(other_name)}” is removed. Re-imports keep the merge."
        )

        def confirmed(yes: bool | None) -> None:
            if not yes:
                return
            with session_scope(screen.app.engine, write=True) as s:
                curation.merge(s, kind, from_id, into_id)
            screen.notify(f"Merged “{clean(other_name)}” into “{clean(name)}”.")
            screen.reload()

        screen.app.push_screen(ConfirmScreen(question), confirmed)

    screen.app.push_screen(PickScreen(kind, into_id, f"Merge which {kind} into “{clean(name)}”?"), picked)
