"""Note names for an Obsidian or Logseq vault: safe as file names everywhere, and unique.

A note's name is its file name without ``.md`` and the target of every
``[[wikilink]]`` to it, so it may hold none of ``[ ] | # ^`` (link syntax),
``/ \\ : * ? " < >`` (paths on any system), control characters, a leading
dot (hidden files, ``..``) or a Windows device name (``CON``, ``NUL`` …).
Names are unique without regard to case (macOS and Windows folders).

>>> note_name("../../etc/passwd")
'etc passwd'
>>> note_name("CON"), note_name("  .hidden. "), note_name("a/b: c|d [[e]]#^")
('CON_', 'hidden', 'a b c d e')
"""

from __future__ import annotations

import re
import unicodedata

_BAD = re.compile(r'[\x00-\x1f\x7f\[\]|#^/\\:*?"<>%]+')
_RESERVED = re.compile(r"^(con|prn|aux|nul|com[0-9]|lpt[0-9])(\..*)?$", re.IGNORECASE)
MAX_BYTES = 150  # file systems allow 255 bytes a name; room for " (talk 123456)" and ".md"


def note_name(text: str | None, fallback: str = "untitled") -> str:
    name = unicodedata.normalize("NFC", text or "")
    name = " ".join(_BAD.sub(" ", name).split()).strip(" .")
    while len(name.encode("utf-8")) > MAX_BYTES:
        name = name[:-1].rstrip(" .")
    if not name:
        name = fallback
    return name + "_" if _RESERVED.match(name) else name


class NameBook:
    """Gives each (kind, id) one name, unique in the vault; the first comer keeps the bare name."""

    def __init__(self):
        self.names: dict[tuple[str, int], str] = {}
        self.keys: dict[str, tuple[str, int]] = {}  # name → (kind, id)
        self.taken: set[str] = set()

    def add(self, kind: str, id_: int, text: str | None) -> str:
        name = note_name(text, f"{kind} {id_}")
        if name.lower() in self.taken:
            name = f"{name} ({kind} {id_})"
        self.taken.add(name.lower())
        self.names[(kind, id_)] = name
        self.keys[name] = (kind, id_)
        return name

    def get(self, kind: str, id_: int) -> str | None:
        return self.names.get((kind, id_))

    def link(self, kind: str, id_: int | None) -> str | None:
        """``[[Name]]`` of (kind, id), or None when the vault has no such note."""
        name = self.names.get((kind, id_)) if id_ is not None else None
        return f"[[{name}]]" if name else None

    def key_of(self, link: str) -> tuple[str, int] | None:
        return self.keys.get(link[2:-2])
