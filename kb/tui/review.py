"""The review screen: a post's Markdown source beside what was extracted from it, corrected with one key.

Left, the source with every extracted span highlighted by label (:mod:`kb.tui.source`); right, the
post's talks (with the extractor's confidence), then its people and papers. Every key calls
:mod:`kb.corrections`, :mod:`kb.curation` or :mod:`kb.merges` (or :func:`kb.review.mark_reviewed`) in a
worker thread and then shows the post again as stored, so what the screen shows is what a re-import
gives. The people and papers keys (fix a name, merge, unmerge, identity candidates) are
:class:`kb.tui.review_identity.IdentityKeys`. Post text is untrusted: every string goes through
:func:`kb.tui.safe.clean` into a ``Text`` (never markup).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual import work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal
from textual.widgets import OptionList
from textual.widgets.option_list import Option

from kb.tui.lists import StatusLine
from kb.tui.review_identity import IdentityKeys
from kb.tui.safe import clean
from kb.tui.screens import KbScreen
from kb.tui.source import LEGEND, ChoiceScreen, SourceView

__all__ = ["ChoiceScreen", "ReviewScreen", "SourceView", "item_label", "talk_label"]


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


def item_label(kind: str, item: dict[str, Any]) -> Text:
    """A person or paper in the list: name (title), then role or year, line, duplicates and merges."""
    if kind == "talk":
        return talk_label(item)
    name = item["name"] if kind == "person" else item["title"]
    text = Text(clean(name) or "(untitled)", style="bold")
    meta = [clean(item["role"])] if kind == "person" else [str(item["year"] or "no year")]
    meta.append(f"line {item['line']}" if item.get("line") else "no line")
    text.append("\n  " + " · ".join(meta), style="dim")
    if item.get("candidates"):
        n = item["candidates"]
        text.append(f" · {n} possible duplicate{'s' if n != 1 else ''}", style="bold yellow")
    if item.get("merged"):
        text.append(" · merged: " + ", ".join(clean(m["name"]) for m in item["merged"]), style="dim")
    return text


class ReviewScreen(IdentityKeys, KbScreen):
    """``kb review``: correct one post's extraction; every key is a durable correction."""

    AUTO_FOCUS = "#review-talks"

    BINDINGS: ClassVar[list[Binding]] = [
        Binding("d", "delete", "Not a talk"),
        Binding("a", "add", "Add talk"),
        Binding("e,t", "edit('title')", "Title"),
        Binding("s", "edit('speakers')", "Speakers"),
        Binding("k", "edit('kind')", "Kind"),
        Binding("p", "not_person", "Not person"),
        Binding("r", "reviewed", "Reviewed"),
        Binding("n", "fix_name", "Name"),
        Binding("m", "merge", "Merge"),
        Binding("u", "unmerge", "Unmerge"),
        Binding("i", "identities", "Same?"),
        Binding("tab", "app.focus_next", "Switch pane", show=False),
    ]

    def __init__(self, location) -> None:
        super().__init__(location)
        self.data: dict[str, Any] | None = None
        self.items: list[tuple[str, dict[str, Any]]] = []  # the list's rows: (talk | person | paper | head, item)

    def compose_body(self) -> ComposeResult:
        with Horizontal(id="review"):
            yield SourceView(id="source")
            yield OptionList(id="review-talks")
        yield StatusLine(id="status")

    def on_mount(self) -> None:
        self.query_one(StatusLine).text = " Loading…"
        state = self.location.state
        self.refresh_post(select=state.get("item") or state.get("talk"))

    # --- loading ---------------------------------------------------------------------------------
    def _load(self) -> dict[str, Any] | None:
        from kb import review

        with self.session() as s:
            if self.location.id is None:
                self.location.id = review.most_unsure(s)
            return review.post_for_review(s, self.location.id) if self.location.id is not None else None

    @work(thread=True, exclusive=True, group="review")
    def refresh_post(self, select: int | str | None = None, message: str = "") -> None:
        data = self._load()
        self.app.call_from_thread(self._show, data, select, message)

    @work(thread=True, exclusive=True, group="review")
    def correct(
        self,
        what: Callable[[Any], Any],
        done: str,
        select: Callable[[Any], int | str | None] | None = None,
        edits_post: bool = True,
    ) -> None:
        """Run ``what(session)`` in one write transaction (a worker thread), then show the post again.

        ``edits_post``: the correction changes this post, which is "edited" again if it was reviewed."""
        from kb import review
        from kb.curation import CurationError
        from kb.db import session_scope

        chosen = None
        post_id = self.data["id"] if self.data else None
        try:
            with session_scope(self.app.engine, write=True) as s:
                result = what(s)
                chosen = select(result) if select else None
                if edits_post and post_id is not None:
                    review.unmark(s, post_id)
        except CurationError as exc:
            self.app.call_from_thread(self.notify, clean(exc), severity="error")
            done = ""
        except Exception as exc:  # noqa: BLE001 - a locked database: say so, keep the screen
            self.app.call_from_thread(self.notify, f"Could not save: {clean(exc)[:200]}", severity="error")
            done = ""
        data = self._load()
        self.app.call_from_thread(self._show, data, chosen, done)

    def _rows(self, data: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        rows: list[tuple[str, dict[str, Any]]] = [("talk", t) for t in data["talks"]]
        for kind, heading, key in (("person", "People", "people"), ("paper", "Papers", "papers")):
            if data.get(key):
                rows.append(("head", {"id": kind, "title": f"{heading} ({len(data[key])})"}))
                rows += [(kind, item) for item in data[key]]
        return rows

    def _show(self, data: dict[str, Any] | None, select: int | str | None = None, message: str = "") -> None:
        box = self.query_one(OptionList)
        source = self.query_one(SourceView)
        self.data = data
        if data is None:
            source.set_source(["No post to review: import some posts first (kb import imports/)."])
            box.clear_options()
            self.items = []
            self.set_title("review")
            self.query_one(StatusLine).text = " nothing to review"
            return
        old = box.highlighted
        self.items = self._rows(data)
        box.clear_options()
        box.add_options(
            [
                Option(Text(item["title"], style="bold reverse"), id=f"head:{item['id']}", disabled=True)
                if kind == "head"
                else Option(item_label(kind, item), id=f"{kind}:{item['id']}")
                for kind, item in self.items
            ]
        )
        source.set_source(data["lines"], data)
        self.set_title(f"Review: {data['title']}")
        keys = [f"{kind}:{item['id']}" for kind, item in self.items]
        wanted = f"talk:{select}" if isinstance(select, int) else select
        if self.items:
            index = keys.index(wanted) if wanted in keys else min(old or 0, len(keys) - 1)
            if self.items[index][0] == "head":
                index = min(index + 1, len(keys) - 1)
            box.highlighted = index
            self.call_after_refresh(self._follow, index)  # once the source view has its size
        talks = data["talks"]
        unsure = sum(t["confidence"] < 0.6 for t in talks)
        pairs = len(data.get("candidates") or [])
        self.query_one(StatusLine).text = (
            f" {data['state']} · {len(talks)} talk{'s' if len(talks) != 1 else ''}"
            f"{f' · {unsure} unsure' if unsure else ''}{f' · {pairs} possible duplicates (i)' if pairs else ''}"
            f" · {clean(data['path'].rsplit('/', 1)[-1])} · {LEGEND} · ? keys"
        )
        if message:
            self.notify(message, timeout=3)
        if self.focused is None:
            box.focus()

    def _follow(self, index: int) -> None:
        if 0 <= index < len(self.items):
            line = self.items[index][1].get("line")
            if line:
                self.query_one(SourceView).goto(line - 1)

    def on_option_list_option_highlighted(self, event: OptionList.OptionHighlighted) -> None:
        self._follow(event.option_index)

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        self._follow(event.option_index)
        self.query_one(SourceView).focus()

    def save_state(self) -> dict[str, Any]:
        current = self.current()
        return {"item": f"{current[0]}:{current[1]['id']}"} if current else {}

    def current(self) -> tuple[str, dict[str, Any]] | None:
        """The highlighted row of the list: (talk | person | paper, item), or None."""
        index = self.query_one(OptionList).highlighted
        if index is None or not 0 <= index < len(self.items) or self.items[index][0] == "head":
            return None
        return self.items[index]

    # --- keys --------------------------------------------------------------------------------------
    def selected(self) -> dict[str, Any] | None:
        """The highlighted talk, or None (a person, a paper or nothing is highlighted)."""
        current = self.current()
        return current[1] if current and current[0] == "talk" else None

    def _need_talk(self) -> dict[str, Any] | None:
        talk = self.selected()
        if talk is None:
            self.notify("Select a talk first (the list's first part).", severity="warning")
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

        self.app.push_screen(
            ConfirmScreen(f"Not a talk: delete “{name}”?\n\nIt stays deleted on re-import."), confirmed
        )

    def action_add(self) -> None:
        from kb import corrections

        if not self.data:
            return
        line = self.query_one(SourceView).cursor + 1
        post_id = self.data["id"]
        self.correct(
            lambda s: corrections.add_talk(s, post_id, line),
            f"Talk added from line {line}.",
            select=lambda talk: talk.id,
        )

    def action_edit(self, field: str) -> None:
        from kb import corrections
        from kb.tui.dialogs import EditScreen

        talk = self._need_talk()
        if talk is None:
            return
        values = {
            "title": talk["title"] or "",
            "speakers": "; ".join(talk["speakers"]),
            "kind": talk["kind"],
            "event": talk["event"] or "",
        }
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
            self.correct(
                lambda s: corrections.set_talk(s, talk["id"], name, value),
                f"Saved the talk's {name}.",
                select=lambda row: row.id if row is not None else None,
            )

        self.app.push_screen(EditScreen("talk", ordered, focus_value=True), save)

    def action_not_person(self) -> None:
        from kb import corrections

        current = self.current()
        names = [current[1]["name"]] if current and current[0] == "person" else None
        talk = self._need_talk() if names is None else None
        if names is None and talk is None:
            return
        names = names or talk["speakers"]
        if not names:
            self.notify("This talk names no speaker.", severity="warning")
            return

        def chosen(name: str | None) -> None:
            if name:
                self.correct(
                    lambda s: corrections.not_person(s, name),
                    f"“{clean(name)}” is not a person, in every post of this knowledge base.",
                )

        self.app.push_screen(
            ChoiceScreen("Which name is not a person? (kept for the whole knowledge base)", names), chosen
        )

    def action_reviewed(self) -> None:
        from kb import review

        if not self.data:
            return
        post_id = self.data["id"]
        current = self.current()
        self.correct(
            lambda s: review.mark_reviewed(s, post_id),
            "Marked reviewed.",
            select=lambda _none: f"{current[0]}:{current[1]['id']}" if current else None,
            edits_post=False,
        )
