"""Back/forward navigation: a plain list and a cursor (no Textual here)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any


@dataclass
class Location:
    """Where the user is: ``Location("person", 4)``, ``Location("list", "papers")``, ``Location("home")``.

    ``title`` is filled in once the screen knows it (for the breadcrumb); ``state`` keeps the
    cursor, filter and sort so that going back lands where the user left.
    """

    kind: str
    id: int | str | None = None
    title: str = ""
    state: dict[str, Any] = field(default_factory=dict)

    def same_place(self, other: Location) -> bool:
        return (self.kind, self.id) == (other.kind, other.id)


class History:
    """Visited locations with a cursor; visiting somewhere new drops the forward part."""

    def __init__(self, limit: int = 200) -> None:
        self.entries: list[Location] = []
        self.cursor = -1
        self.limit = limit

    @property
    def current(self) -> Location | None:
        return self.entries[self.cursor] if 0 <= self.cursor < len(self.entries) else None

    @property
    def can_go_back(self) -> bool:
        return self.cursor > 0

    @property
    def can_go_forward(self) -> bool:
        return self.cursor < len(self.entries) - 1

    def visit(self, location: Location) -> Location:
        current = self.current
        if current is not None and current.same_place(location):
            return current
        del self.entries[self.cursor + 1 :]
        self.entries.append(location)
        if len(self.entries) > self.limit:
            del self.entries[0]
        self.cursor = len(self.entries) - 1
        return location

    def back(self) -> Location | None:
        if not self.can_go_back:
            return None
        self.cursor -= 1
        return self.current

    def forward(self) -> Location | None:
        if not self.can_go_forward:
            return None
        self.cursor += 1
        return self.current

    def trail(self, most: int = 4) -> list[Location]:
        """The last few locations up to the cursor, oldest first (the breadcrumb)."""
        return self.entries[max(0, self.cursor + 1 - most) : self.cursor + 1]
