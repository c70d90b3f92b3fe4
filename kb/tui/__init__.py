"""The terminal UI: the only part of kb that imports Textual.

``make_app(engine).run()`` is what ``kb`` and ``kb tui`` do; tests build the app the same way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from sqlalchemy.engine import Engine

    from kb.tui.app import KbApp


def make_app(engine: "Engine", **options) -> "KbApp":
    """The kb terminal app over ``engine`` (see :class:`kb.tui.app.KbApp` for ``options``)."""
    from kb.tui.app import KbApp

    return KbApp(engine, **options)
