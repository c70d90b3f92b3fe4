"""The review screen: a post's Markdown source beside the talks extracted from it, corrected with one key.

Every key calls :mod:`kb.corrections` (or :func:`kb.review.mark_reviewed`) in a worker thread and then
shows the post again as stored, so what the screen shows is what a re-import gives. The source is
untrusted text: each line goes through :func:`kb.tui.safe.clean` into a ``Text`` (never markup).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.cells import cell_len
from rich.style import Style
from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.events import Click, Resize
from textual.geometry import Region, Size
from textual.reactive import reactive
from textual.screen import ModalScreen
from textual.scroll_view import ScrollView
from textual.strip import Strip
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from kb.tui.lists import StatusLine
from kb.tui.safe import clean
from kb.tui.screens import KbScreen

MARKS = {"title": "T", "speaker": "S", "unsure": "?"}


def source_marks(lines: list[str], talks: list[dict[str, Any]]) -> dict[int, list[tuple[int, int, str]]]:
    """{line index: [(start, end, role)]}: where each talk's title and speakers stand in the source."""
    marks: dict[int, list[tuple[int, int, str]]] = {}
    starts = sorted({t["line"] for t in talks if t.get("line")})
    for t in talks:
        line = t.get("line")
        if not line or not 1 <= line <= len(lines):
            continue
        i = line - 1
        after = [s for s in starts if s > line]
        last = min(len(lines), line + 4, (after[0] - 1) if after else len(lines))
        title = (t.get("title") or "").lower()
        marks.setdefault(i, []).append((0, 0, "title"))  # the talk's own line, even when its title is inferred
        for j in range(i, max(last, i + 1)) if title else ():
            at = lines[j].lower().find(title)
            if at >= 0:
                marks.setdefault(j, []).append((at, at + len(title), "title"))
                break
        for name in t.get("speakers") or []:
            for j in range(i, last):
                k = lines[j].lower().find(name.lower())
                if k >= 0:
                    marks.setdefault(j, []).append((k, k + len(name), "speaker"))
                    break
    return marks


class SourceView(ScrollView, can_focus=True):
    """The post's source, one line per row (line API: only visible lines are drawn), with a line cursor."""

    COMPONENT_CLASSES: ClassVar[set[str]] = {"source--gutter", "source--title", "source--speaker", "source--cursor",
                         "source--cursor-blur", "source--marked"}
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
        self.marks: dict[int, list[tuple[int, int, str]]] = {}
        self.gutter_width = 6

    def set_source(self, lines: list[str], marks: dict[int, list[tuple[int, int, str]]]) -> None:
        self.lines = [clean(line) for line in lines]  # untrusted: no markup, no escape codes, no control chars
        self.marks = marks
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
        sign = MARKS["title"] if "title" in roles else MARKS["speaker"] if "speaker" in roles else " "
        gutter = Text(f"{index + 1:>{self.gutter_width - 3}} {sign} ", style=self._style("gutter"))
        if sign != " ":
            gutter.stylize(self._style("title" if sign == MARKS["title"] else "speaker"), self.gutter_width - 2,
                           self.gutter_width - 1)
        body = Text(self.lines[index], style=base)
        if marks:
            body.stylize(self._style("marked"))
        for start, end, role in marks:
            if end > start:
                body.stylize(self._style(role), start, end)
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
            yield OptionList(*[Option(Text(clean(c)), id=str(n)) for n, c in enumerate(self.choices)],
                             id="edit-fields")
            yield Label("↑↓ choose · Enter pick · Esc cancel", id="edit-hint")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self.dismiss(self.choices[int(event.option.id or 0)])


def talk_label(t: dict[str, Any]) -> Text:
    """A talk in the list: title, then speakers · kind · event · line, confidence when unsure."""
    text = Text(clean(t["title"]) or "(untitled)", style="bold")
    meta = [", ".join(clean(s) for s in t["speakers"]) or "no speaker", clean(t["kind"])]
    if t.get("event"):
        meta.append(clean(t["event"]))
    meta.append(f"line {t['line']}" if t.get("line") else "no line")
    text.append("\n  " + " · ".join(meta), style="dim")
    confidence = t.get("confidence", 1.0)
    text.append(f" · confidence {confidence:.2f}", style="bold yellow" if confidence < 0.6 else "dim")
    return text


class ReviewScreen(KbScreen):
    """``kb review``: correct one post's talks; every key is a durable correction."""

    AUTO_FOCUS = "#review-talks"

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("d", "delete", "Not a talk"),
        Binding("a", "add", "Add talk"),
        Binding("e,t", "edit('title')", "Title"),
        Binding("s", "edit('speakers')", "Speakers"),
        Binding("k", "edit('kind')", "Kind"),
        Binding("p", "not_person", "Not person"),
        Binding("r", "reviewed", "Reviewed"),
        Binding("tab", "app.focus_next", "Switch pane", show=False),
    ]

    def __init__(self, location) -> None:
        super().__init__(location)
        self.data: dict[str, Any] | None = None

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="review"):
            yield SourceView(id="source")
            yield OptionList(id="review-talks")
        yield StatusLine(id="status")

    def on_mount(self) -> None:
        self.query_one(StatusLine).text = " Loading…"
        self.refresh_post(select=self.location.state.get("talk"))

    # --- loading ---------------------------------------------------------------------------------
    def _load(self) -> dict[str, Any] | None:
        from kb import review

        with self.session() as s:
            if self.location.id is None:
                self.location.id = review.most_unsure(s)
            return review.post_for_review(s, self.location.id) if self.location.id is not None else None

    @work(thread=True, exclusive=True, group="review")
    def refresh_post(self, select: int | None = None, message: str = "") -> None:
        data = self._load()
        self.app.call_from_thread(self._show, data, select, message)

    @work(thread=True, exclusive=True, group="review")
    def correct(self, what: Callable[[Any], Any], done: str, select: Callable[[Any], int | None] | None = None) -> None:
        """Run ``what(session)`` in one write transaction (a worker thread), then show the post again."""
        from kb.curation import CurationError
        from kb.db import session_scope

        chosen = None
        try:
            with session_scope(self.app.engine, write=True) as s:
                result = what(s)
                chosen = select(result) if select else None
        except CurationError as exc:
            self.app.call_from_thread(self.notify, clean(exc), severity="error")
            done = ""
        except Exception as exc:  # noqa: BLE001 - a locked database: say so, keep the screen
            self.app.call_from_thread(self.notify, f"Could not save: {clean(exc)[:200]}", severity="error")
            done = ""
        data = self._load()
        self.app.call_from_thread(self._show, data, chosen, done)

    def _show(self, data: dict[str, Any] | None, select: int | None = None, message: str = "") -> None:
        talks_list = self.query_one(OptionList)
        source = self.query_one(SourceView)
        self.data = data
        if data is None:
            source.set_source(["No post to review: import some posts first (kb import imports/)."], {})
            talks_list.clear_options()
            self.set_title("review")
            self.query_one(StatusLine).text = " nothing to review"
            return
        old = talks_list.highlighted
        talks_list.clear_options()
        talks_list.add_options([Option(talk_label(t), id=str(t["id"])) for t in data["talks"]])
        source.set_source(data["lines"], source_marks(data["lines"], data["talks"]))
        self.set_title(f"Review: {data['title']}")
        ids = [t["id"] for t in data["talks"]]
        if data["talks"]:
            index = ids.index(select) if select in ids else min(old or 0, len(ids) - 1)
            talks_list.highlighted = index
            self.call_after_refresh(self._follow, index)  # once the source view has its size
        unsure = sum(t["confidence"] < 0.6 for t in data["talks"])
        self.query_one(StatusLine).text = (
            f" {data['state']} · {len(ids)} talk{'s' if len(ids) != 1 else ''}"
            f"{f' · {unsure} unsure' if unsure else ''} · {clean(data['path'].rsplit('/', 1)[-1])} · ? keys")
        if message:
            self.notify(message, timeout=3)
        if self.focused is None:
            talks_list.focus()

    def _follow(self, index: int) -> None:
        if self.data and 0 <= index < len(self.data["talks"]):
            line = self.data["talks"][index]["line"]
            if line:
                self.query_one(SourceView).goto(line - 1)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._follow(event.option_index)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._follow(event.option_index)
        self.query_one(SourceView).focus()

    def save_state(self) -> dict[str, Any]:
        talk = self.selected()
        return {"talk": talk["id"]} if talk else {}

    # --- keys --------------------------------------------------------------------------------------
    def selected(self) -> dict[str, Any] | None:
        if not self.data or not self.data["talks"]:
            return None
        index = self.query_one(OptionList).highlighted
        return self.data["talks"][index] if index is not None and index < len(self.data["talks"]) else None

    def _need_talk(self) -> dict[str, Any] | None:
        talk = self.selected()
        if talk is None:
            self.notify("No talk selected.", severity="warning")
        return talk

    def action_delete(self) -> None:
        from kb import corrections
        from kb.tui.dialogs import ConfirmScreen

        talk = self._need_talk()
        if talk is None:
            return
        name = clean(talk["title"]) or "(untitled)"

        def confirmed(yes: bool | None) -> None:
            if yes:
                self.correct(lambda s: corrections.delete_talk(s, talk["id"]), f"“{name}” is not a talk.")

        self.app.push_screen(ConfirmScreen(f"Not a talk: delete “{name}”?\n\nIt stays deleted on re-import."),
                             confirmed)

    def action_add(self) -> None:
        from kb import corrections

        if not self.data:
            return
        line = self.query_one(SourceView).cursor + 1
        post_id = self.data["id"]
        self.correct(lambda s: corrections.add_talk(s, post_id, line), f"Talk added from line {line}.",
                     select=lambda talk: talk.id)

    def action_edit(self, field: str) -> None:
        from kb import corrections
        from kb.tui.dialogs import EditScreen

        talk = self._need_talk()
        if talk is None:
            return
        values = {"title": talk["title"] or "", "speakers": "; ".join(talk["speakers"]), "kind": talk["kind"],
                  "event": talk["event"] or ""}
        ordered = {field: values[field], **{k: v for k, v in values.items() if k != field}}

        def save(result: tuple[str, str] | None) -> None:
            if result is None:
                return
            name, value = result
            if name == "speakers":
                sep = ";" if ";" in value else ","
                value = [v.strip() for v in value.split(sep) if v.strip()]
            elif name == "event":
                value = value.strip() or None
            self.correct(lambda s: corrections.set_talk(s, talk["id"], name, value), f"Saved the talk's {name}.",
                         select=lambda row: row.id if row is not None else None)

        self.app.push_screen(EditScreen("talk", ordered, focus_value=True), save)

    def action_not_person(self) -> None:
        from kb import corrections

        talk = self._need_talk()
        if talk is None:
            return
        if not talk["speakers"]:
            self.notify("This talk names no speaker.", severity="warning")
            return

        def chosen(name: str | None) -> None:
            if name:
                self.correct(lambda s: corrections.not_person(s, name),
                             f"“{clean(name)}” is not a person, in every post of this knowledge base.")

        self.app.push_screen(ChoiceScreen("Which name is not a person? (kept for the whole knowledge base)",
                                          talk["speakers"]), chosen)

    def action_reviewed(self) -> None:
        from kb import review

        if not self.data:
            return
        post_id = self.data["id"]
        talk = self.selected()
        self.correct(lambda s: review.mark_reviewed(s, post_id), "Marked reviewed.",
                     select=lambda _none: talk["id"] if talk else None)
