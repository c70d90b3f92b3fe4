"""Writing the site: only pages whose bytes changed, each through a temporary file and a rename.

A page whose content is already on disk is not touched (its mtime and inode
stay), so a static host's sync or a browser cache sees only real changes. The
files of the previous build are listed in ``.kb-site`` (read at the end, never held whole); those the new
build no longer makes are removed, and nothing else in the folder is ever deleted.
"""

from __future__ import annotations

import contextlib
import filecmp
import os
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

MANIFEST = ".kb-site"


@dataclass
class WriteReport:
    written: list[str] = field(default_factory=list)
    unchanged: int = 0
    removed: list[str] = field(default_factory=list)

    @property
    def pages(self) -> int:
        return len(self.written) + self.unchanged


class SiteWriter:
    def __init__(self, out: Path):
        self.out = out
        self.files: set[str] = set()
        self.report = WriteReport()
        self.mode = new_file_mode()

    def write(self, rel: str, data: str | bytes) -> None:
        if not _inside(rel):  # paths are ours (kb.site.links), never post text; a guard all the same
            raise ValueError(f"not a path inside the site: {rel!r}")
        self.files.add(rel)
        if self._put(rel, data.encode("utf-8") if isinstance(data, str) else data):
            self.report.written.append(rel)
        else:
            self.report.unchanged += 1

    def write_pieces(self, rel: str, pieces: Iterable[str]) -> None:
        """Like :meth:`write` for a file too big to hold as one string: streamed to a temporary file,
        which replaces the page only when its bytes differ."""
        if not _inside(rel):
            raise ValueError(f"not a path inside the site: {rel!r}")
        self.files.add(rel)
        target = self.out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "w", encoding="utf-8", newline="") as f:
                for piece in pieces:
                    f.write(piece)
            if target.is_file() and filecmp.cmp(tmp, target, shallow=False):
                os.unlink(tmp)
                self.report.unchanged += 1
                return
            os.chmod(tmp, self.mode)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        self.report.written.append(rel)

    def _put(self, rel: str, raw: bytes) -> bool:
        return write_if_changed(self.out / rel, raw, self.mode)

    def stale(self) -> list[str]:
        """Files of the previous build (its manifest, still unchanged) that this build did not make."""
        try:
            with open(self.out / MANIFEST, encoding="utf-8") as f:
                return sorted({rel for line in f if _inside(rel := line.rstrip("\n")) and rel not in self.files})
        except (OSError, UnicodeDecodeError):
            return []

    def finish(self) -> WriteReport:
        for rel in self.stale():
            try:
                os.unlink(self.out / rel)
                self.report.removed.append(rel)
            except OSError:
                pass
        self._put(MANIFEST, "".join(f"{f}\n" for f in sorted(self.files)).encode("utf-8"))
        return self.report


def new_file_mode() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write_if_changed(target: Path, raw: bytes, mode: int | None = None) -> bool:
    """Write ``raw`` to ``target`` unless it holds exactly that already; True when written.

    Through a private temporary file renamed over the target: a reader never sees half a file. No fsync
    (a site has 100k pages): a crash may lose the newest files, and the next run writes them again.
    """
    try:
        if target.stat().st_size == len(raw) and target.read_bytes() == raw:
            return False
    except OSError:
        pass
    target.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(raw)
        os.chmod(tmp, new_file_mode() if mode is None else mode)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(tmp)
        raise
    return True


def _inside(rel: str) -> bool:
    parts = rel.split("/")
    return bool(rel) and not rel.startswith("/") and all(p not in ("", ".", "..") for p in parts) and "\\" not in rel
