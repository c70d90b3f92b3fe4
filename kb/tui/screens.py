"""The main screens: home, detail pages, the post reader. Lists live in :mod:`kb.tui.lists`.

Each screen shows one :class:`~kb.tui.history.Location`; it loads its own data and hands
names to the app as :class:`~kb.tui.messages.Open` messages (the app decides and keeps history).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, VerticalScroll
from textual.events import Click
from textual.screen import Screen
from textual.widgets import Footer, Static

from kb.tui import pages
from kb.tui.docview import Block, DocView
from kb.tui.history import Location
from kb.tui.lazy import queries, query, session_scope
from kb.tui.messages import Open
from kb.tui.safe import clean


class Breadcrumb(Static):
    """Where the user came from: the last few history entries; a click goes back there."""

    COMPONENT_CLASSES = {"crumbs--current", "crumbs--sep"}

    def show(self, trail: list[Location]) -> None:
        self._trail = trail
        text = Text(" kb ")
        sep = self.get_component_rich_style("crumbs--sep")
        for n, loc in enumerate(trail):
            text.append("›", style=sep)
            label = clean(loc.title or loc.kind)
            label = label if len(label) <= 40 else label[:39] + "…"
            style = self.get_component_rich_style("crumbs--current") if n == len(trail) - 1 else ""
            text.append(f" {label} ", style=style)
        self.update(text)

    def on_click(self, event: Click) -> None:
        trail = getattr(self, "_trail", [])
        x = 4
        for n, loc in enumerate(trail):
            label = clean(loc.title or loc.kind)
            x += 1 + min(len(label), 40) + 2
            if event.x < x:
                steps = len(trail) - 1 - n
                if steps:
                    self.post_message(Open("back", steps))
                return


class KbScreen(Screen):
    """A screen that shows one history location."""

    def __init__(self, location: Location) -> None:
        super().__init__()
        self.location = location

    def compose(self) -> ComposeResult:
        yield Breadcrumb(id="crumbs")
        yield from self.compose_body()
        yield Footer()

    def compose_body(self) -> ComposeResult:
        yield from ()

    def set_title(self, title: str) -> None:
        self.location.title = title
        self.sub_title = clean(title)
        self.query_one(Breadcrumb).show(self.app.history.trail())

    def save_state(self) -> dict[str, Any]:
        return {}

    def reload(self) -> None:
        """Show fresh data (after an edit or a merge)."""

    def session(self, write: bool = False):
        return session_scope(self.app.engine, write=write)


class PageScreen(KbScreen):
    """A page of blocks in one DocView: home and every detail screen."""

    kind: ClassVar[str] = ""
    load: ClassVar[Callable[..., dict | None]]
    build: ClassVar[Callable[[dict], list[Block]]]

    def compose_body(self) -> ComposeResult:
        yield DocView(id="page")

    def on_mount(self) -> None:
        self.reload(self.location.state)

    def fetch(self) -> dict | None:
        with self.session() as s:
            return type(self).load(s, self.location.id)

    def reload(self, state: dict[str, Any] | None = None) -> None:
        state = state if state is not None else self.save_state()
        self.data = self.fetch()
        view = self.query_one(DocView)
        if self.data is None:
            with self.session() as s:
                moved = (
                    queries.merged_into(s, self.kind, self.location.id) if self.kind in ("person", "paper") else None
                )
            if moved is not None:
                self.app.replace_location(Location(self.kind, moved))
                return
            view.set_blocks(
                pages.title(
                    f"This {self.kind} is no longer in the knowledge base.",
                    "It may have been removed by a re-import. Press esc to go back.",
                )
            )
            self.set_title(f"missing {self.kind}")
            return
        view.set_blocks(type(self).build(self.data), state.get("cursor", 0), state.get("scroll_y"))
        self.set_title(self.page_title())
        view.focus()

    def page_title(self) -> str:
        return str(self.data.get("title") or self.data.get("name") or self.kind)

    def save_state(self) -> dict[str, Any]:
        return self.query_one(DocView).state()

    def target_url(self) -> str | None:
        """The URL to open with ``o``: the link under the cursor, else the page's own first URL."""
        target = self.query_one(DocView).current_target
        if target and target[0] == "url":
            return target[1]
        urls = (self.data or {}).get("urls") or [(self.data or {}).get("url")]
        return next((u for u in urls if u), None)

    def action_browse(self) -> None:
        url = self.target_url()
        if url:
            self.post_message(Open("url", url))
        else:
            self.notify("No link here to open.", severity="warning")

    def action_edit(self) -> None:
        from kb.tui.dialogs import start_edit

        start_edit(self)

    def action_merge(self) -> None:
        from kb.tui.dialogs import start_merge

        start_merge(self)

    def action_copy_url(self) -> None:
        url = self.target_url()
        if url:
            self.app.copy_to_clipboard(url)
            self.notify(f"Copied {clean(url)}")


class HomeScreen(PageScreen):
    kind = "home"
    load = staticmethod(lambda s, _id: queries.home_summary(s))
    build = staticmethod(pages.home_page)

    def fetch(self) -> dict | None:
        """Before the database layer is loaded (the app's first frame), a plain sqlite3 read gives the same data."""
        db = getattr(self.app, "fast_db", None)
        if db is not None:
            from kb.fastread import connect, home_summary

            conn = connect(db)
            if conn is not None:
                try:
                    return home_summary(conn)
                finally:
                    conn.close()
        return super().fetch()

    def page_title(self) -> str:
        return "Home"


class TalkScreen(PageScreen):
    kind = "talk"
    load = staticmethod(query("talk_detail"))
    build = staticmethod(pages.talk_page)
    BINDINGS = [Binding("o", "browse", "Browser"), Binding("e", "edit", "Edit")]


class PersonScreen(PageScreen):
    kind = "person"
    load = staticmethod(query("person_detail"))
    build = staticmethod(pages.person_page)
    BINDINGS = [Binding("o", "browse", "Homepage"), Binding("e", "edit", "Edit"), Binding("m", "merge", "Merge…")]


class PaperScreen(PageScreen):
    kind = "paper"
    load = staticmethod(query("paper_detail"))
    build = staticmethod(pages.paper_page)
    BINDINGS = [
        Binding("o", "browse", "Browser"),
        Binding("b", "bibtex", "Copy BibTeX"),
        Binding("e", "edit", "Edit"),
        Binding("m", "merge", "Merge…"),
        # Named in the heading of the disagreements, which only a paper that has some shows.
        Binding("a", "accept", "Take source's", show=False),
        Binding("x", "reject", "Keep post's", show=False),
    ]

    def on_open(self, message: Open) -> None:
        if message.kind == "conflict":  # enter on a disagreement: say what the keys do, open nothing
            message.stop()
            self.notify("a: take the source's value (becomes your edit) · x: keep the post's")

    def _conflict(self) -> int | None:
        """The conflict under the cursor, else the only one on the page."""
        target = self.query_one(DocView).current_target
        if target and target[0] == "conflict":
            return int(target[1])
        conflicts = (self.data or {}).get("conflicts") or []
        if len(conflicts) == 1:
            return conflicts[0]["id"]
        self.notify(
            "Move the cursor to a disagreement first." if conflicts else "Post and sources agree here.",
            severity="warning",
        )
        return None

    def _decide(self, take: bool) -> None:
        row = self._conflict()
        if row is None:
            return
        from kb.enrich.apply import accept, reject

        with self.session(write=True) as s:
            decided = (accept if take else reject)(s, row)
            what = f"{decided.field}: {decided.source}'s value taken" if take else f"{decided.field}: the post's kept"
        self.reload(self.save_state())
        self.notify(what)

    def action_accept(self) -> None:
        self._decide(True)

    def action_reject(self) -> None:
        self._decide(False)

    def action_bibtex(self) -> None:
        from kb.tui.actions import bibtex_for

        with self.session(write=True) as s:
            text = bibtex_for(s, self.location.id)
        self.app.copy_to_clipboard(text)
        self.notify("BibTeX copied to the clipboard.")


class ConferenceScreen(PageScreen):
    kind = "conference"
    load = staticmethod(query("conference_detail"))
    build = staticmethod(pages.conference_page)
    BINDINGS = [Binding("o", "browse", "Website")]


class EventScreen(PageScreen):
    kind = "event"
    load = staticmethod(query("event_detail"))
    build = staticmethod(pages.event_page)
    BINDINGS = [Binding("o", "browse", "Website")]


class PostScreen(PageScreen):
    """The post as written (Markdown) beside what was extracted from it."""

    kind = "post"
    load = staticmethod(query("post_detail"))
    build = staticmethod(pages.post_side)
    BINDINGS = [Binding("tab", "app.focus_next", "Switch pane", show=True), Binding("r", "review", "Review")]

    def action_review(self) -> None:
        self.post_message(Open("review", self.location.id))

    def compose_body(self) -> ComposeResult:
        from textual.widgets import Markdown

        with Horizontal(id="post"):
            yield DocView(id="page")
            with VerticalScroll(id="post-body"):
                yield Markdown(id="markdown", open_links=False)

    def reload(self, state: dict[str, Any] | None = None) -> None:
        super().reload(state)
        if self.data is not None:
            self.query_one("#markdown").update(clean(self.data["body"], newlines=True))

    def on_markdown_link_clicked(self, event) -> None:
        """A link in the post opens the person, paper or talk it points to, else the browser."""
        event.stop()
        href = event.href
        target = (self.data or {}).get("targets", {}).get(href)
        if target:
            self.post_message(Open(*target))
        elif href.startswith(("http://", "https://")):
            self.post_message(Open("url", href))
        else:
            self.notify(f"Not a web link: {clean(href)}", severity="warning")


PAGE_SCREENS: dict[str, type[PageScreen]] = {
    "home": HomeScreen,
    "talk": TalkScreen,
    "person": PersonScreen,
    "paper": PaperScreen,
    "conference": ConferenceScreen,
    "event": EventScreen,
    "post": PostScreen,
}
