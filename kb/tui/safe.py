"""Text from posts is untrusted: show it literally, never as markup or terminal control codes."""

from __future__ import annotations

import re

from rich.text import Text

_ANSI = re.compile(r"\x1b(?:\[[0-?]*[ -/]*[@-~]|\][^\x07\x1b]*(?:\x07|\x1b\\)?|[PX^_][^\x1b]*(?:\x1b\\)?|[@-Z\\-_])")
# C0/C1 controls and DEL, bidi overrides/isolates (they reorder the rest of the line).
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def clean(value: object, newlines: bool = False) -> str:
    """``value`` as plain printable text: escapes and control characters removed, tabs to spaces.

    >>> clean("[bold red]x[/]\\x1b[31m!")
    '[bold red]x[/]!'
    """
    text = "" if value is None else str(value)
    text = _ANSI.sub("", text).replace("\t", "    ")
    if not newlines:
        text = text.replace("\r\n", " ").replace("\n", " ").replace("\r", " ")
    else:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return _CONTROL.sub("", text)


def plain(value: object, style: str = "", newlines: bool = False) -> Text:
    """A Rich Text holding ``value`` literally (Text never parses markup)."""
    return Text(clean(value, newlines), style=style)
