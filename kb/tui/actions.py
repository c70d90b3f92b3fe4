"""What the UI does outside itself: open a browser, make BibTeX, run a search."""

from __future__ import annotations

import re
import webbrowser
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from sqlmodel import Session


def search(session: Session, query: str, limit: int = 50) -> list[Any]:
    """kb.search hits (``kind, id, title, snippet, score``), best first; imported on first use (startup speed)."""
    from kb.search import search as run_search

    return list(run_search(session, query, limit))


def in_terminal(browser: webbrowser.BaseBrowser) -> bool:
    """Console browsers (lynx, w3m, www-browser…) would take over the terminal the app is drawing on."""
    return isinstance(browser, webbrowser.GenericBrowser) and not isinstance(browser, webbrowser.BackgroundBrowser)


def open_in_browser(url: str) -> bool:
    """Open ``url`` in a graphical browser; False when there is none (the caller says so)."""
    if not re.match(r"^(https?|ftp)://", url, re.I):
        return False
    try:
        browser = webbrowser.get()
    except webbrowser.Error:
        return False
    if in_terminal(browser):
        return False
    try:
        return bool(browser.open(url, new=2))
    except Exception:  # noqa: BLE001 - a broken browser setup must not crash the app
        return False


def bibtex_for(session: Session, paper_id: int) -> str:
    """One paper as BibTeX through kb.export (which assigns and stores a citekey: use a write session)."""
    from kb.export.bibtex import format_bibtex
    from kb.export.records import load_records

    return format_bibtex(load_records(session, [paper_id]))
