"""Error types that carry the file (and line) they are about.

The CLI turns each into one readable line: ``path:line: message``.
"""

from __future__ import annotations


class KbError(Exception):
    """Base of every error kb reports to the user."""


class BadInput(KbError):
    """A file kb cannot import: binary, not UTF-8, empty, broken front matter…"""

    def __init__(self, path: str, message: str, line: int | None = None):
        self.path = path
        self.line = line
        self.message = message
        super().__init__(self.one_line())

    def __reduce__(self):  # rebuilt from its fields: a worker process hands it to the importer by pickle
        return type(self), (self.path, self.message, self.line)

    def one_line(self) -> str:
        where = f"{self.path}:{self.line}" if self.line else self.path
        return f"{where}: {self.message}"


class BadFrontMatter(BadInput):
    pass


class BadBibtex(BadInput):
    pass


class NotFound(KbError):
    pass
