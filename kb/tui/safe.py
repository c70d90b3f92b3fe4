"""Text from posts is untrusted: show it literally, never as markup or terminal control codes."""

from __future__ import annotations

from rich.text import Text

from kb.terminal import clean

__all__ = ["clean", "plain"]


def plain(value: object, style: str = "", newlines: bool = False) -> Text:
    """A Rich Text holding ``value`` literally (Text never parses markup)."""
    return Text(clean(value, newlines), style=style)
