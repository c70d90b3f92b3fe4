"""Messages widgets post upward; the app decides what they mean."""

from __future__ import annotations

from dataclasses import dataclass

from textual.message import Message


@dataclass
class Open(Message):
    """Show an entity: ``Open("person", 4)``, ``Open("list", "papers")``, or ``Open("url", "https://…")``."""

    kind: str
    id: int | str | None = None
