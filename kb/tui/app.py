"""The kb terminal app: one place that turns :class:`Open` messages into screens and history."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from textual.app import App
from textual.binding import Binding
from textual.widgets import Input

from kb.tui.actions import open_in_browser
from kb.tui.history import History, Location
from kb.tui.lazy import DeferredEngine
from kb.tui.lists import ListScreen
from kb.tui.messages import Open
from kb.tui.pages import LIST_TITLES
from kb.tui.palette import BrowseProvider, EntityProvider
from kb.tui.safe import clean
from kb.tui.screens import PAGE_SCREENS, KbScreen

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

_GENERIC_ACTIONS = {
    "scroll_left",
    "scroll_right",
    "page_left",
    "page_right",
    "focus_next",
    "focus_previous",
    "copy_text",
    "command_palette",
    "maximize",
    "minimize",
}
LIST_KEYS = {str(n): kind for n, kind in enumerate(LIST_TITLES, start=1)}


class KbApp(App):
    """Browse the knowledge base: home → lists → detail pages, with search and history."""

    CSS_PATH = "app.tcss"
    TITLE = "kb"
    COMMANDS = App.COMMANDS | {EntityProvider, BrowseProvider}
    BINDINGS = [
        Binding("slash", "search", "Search"),
        Binding("escape,backspace,alt+left", "back", "Back"),
        Binding("right_square_bracket,alt+right", "forward", "Forward", show=False),
        Binding("h", "home", "Home", show=False),
        *[Binding(key, f"show_list('{kind}')", LIST_TITLES[kind], show=False) for key, kind in LIST_KEYS.items()],
        Binding("t", "toggle_theme", "Theme", show=False),
        Binding("question_mark", "help", "Help"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, engine: Engine | DeferredEngine, *, start: Location | None = None) -> None:
        """``engine``: the database, or a :class:`~kb.tui.lazy.DeferredEngine` (what ``kb`` passes for a current
        SQLite KB): the home page is then read with plain sqlite3 and the engine opened behind the first frame."""
        super().__init__()
        self._engine = engine
        self.fast_db = engine.db if isinstance(engine, DeferredEngine) else None
        self.history = History()
        self.start = start or Location("home")

    @property
    def engine(self) -> Engine:
        if isinstance(self._engine, DeferredEngine):
            self._engine = self._engine.open()
        return self._engine

    @property
    def engine_open(self) -> bool:
        return not isinstance(self._engine, DeferredEngine)

    def on_mount(self) -> None:
        self.go(self.start)
        if not self.engine_open:
            self.call_after_refresh(self._warm_up)

    def _warm_up(self) -> None:
        """After the first frame: load the database layer in a thread, then open the engine; until then the
        home page needs neither."""
        from kb.tui.lazy import warm

        def work() -> None:
            warm()
            self.call_from_thread(lambda: self.engine)

        self.run_worker(work, thread=True, exclusive=False, group="warm-up")

    # --- navigation: the one place that decides ---------------------------------------------
    def on_open(self, message: Open) -> None:
        message.stop()
        if message.kind == "url":
            self.browse(str(message.id))
        elif message.kind == "back":
            for _ in range(int(message.id or 1)):
                self._save_state()
                if self.history.back() is None:
                    break
            if self.history.current:
                self._show(self.history.current)
        elif message.kind == "home":
            self.go(Location("home"))
        else:
            self.go(Location(message.kind, message.id))

    def go(self, location: Location) -> None:
        self._save_state()
        self._show(self.history.visit(location))

    def replace_location(self, location: Location) -> None:
        """Show ``location`` instead of the current entry (a merged row's new home)."""
        if self.history.current is not None:
            self.history.entries[self.history.cursor] = location
        else:
            self.history.visit(location)
        self._show(location)

    def _save_state(self) -> None:
        screen = self._main_screen()
        current = self.history.current
        if screen is not None and current is not None and screen.location is current:
            current.state = screen.save_state()

    def _main_screen(self) -> KbScreen | None:
        for screen in reversed(self.screen_stack):
            if isinstance(screen, KbScreen):
                return screen
        return None

    def _make_screen(self, location: Location) -> KbScreen:
        if location.kind == "list":
            return ListScreen(location)
        if location.kind == "review":
            from kb.tui.review import ReviewScreen

            return ReviewScreen(location)
        return PAGE_SCREENS[location.kind](location)

    def _show(self, location: Location) -> None:
        screen = self._make_screen(location)
        if isinstance(self.screen, KbScreen):
            self.switch_screen(screen)
        else:
            self.push_screen(screen)

    def action_back(self) -> None:
        self._save_state()
        location = self.history.back()
        if location is None:
            self.notify("This is where you started.", timeout=2)
            return
        self._show(location)

    def action_forward(self) -> None:
        self._save_state()
        location = self.history.forward()
        if location is not None:
            self._show(location)

    def action_home(self) -> None:
        self.go(Location("home"))

    def action_show_list(self, kind: str) -> None:
        self.go(Location("list", kind))

    # --- modal screens and actions ----------------------------------------------------------
    def action_search(self) -> None:
        from kb.tui.dialogs import SearchScreen  # modal screens load on first use: faster start

        def chosen(target: tuple[str, Any] | None) -> None:
            if target is not None:
                self.post_message(Open(*target))

        self.push_screen(SearchScreen(), chosen)

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        # In a text box "/" types a slash: don't advertise it as Search there.
        if action == "search" and isinstance(self.focused, Input):
            return False
        return True

    def action_help(self) -> None:
        from kb.tui.dialogs import HelpScreen

        keys: list[tuple[str, str]] = []
        seen = set()
        for _key, active in self.screen.active_bindings.items():
            binding = active.binding
            if binding.action.split(".")[-1] in _GENERIC_ACTIONS:
                continue
            if not binding.description or binding.description in seen:
                continue
            seen.add(binding.description)
            keys.append((self.get_key_display(binding), binding.description))
        self.push_screen(HelpScreen(keys))

    def action_toggle_theme(self) -> None:
        self.theme = "textual-light" if self.current_theme.dark else "textual-dark"

    def browse(self, url: str) -> None:
        if open_in_browser(url):
            self.notify(f"Opened {clean(url)}", timeout=3)
        else:
            self.copy_to_clipboard(url)
            self.notify(f"No graphical browser here; copied the link instead:\n{clean(url)}", timeout=6)
