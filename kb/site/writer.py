"""Writing the site: only pages whose bytes changed, each through a temporary file and a rename.

A page whose content is already on disk is not touched (its mtime and inode
stay), so a static host's sync or a browser cache sees only real changes. The
files of the previous build are listed in ``.kb-site``; those the new build no
longer makes are removed, and nothing else in the folder is ever deleted.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
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
        try:
            old = (out / MANIFEST).read_text(encoding="utf-8").splitlines()
        except OSError:
            old = []
        self.previous = {line for line in old if line and _inside(line)}
        umask = os.umask(0)
        os.umask(umask)
        self.mode = 0o666 & ~umask

    def write(self, rel: str, data: str | bytes) -> None:
        if not _inside(rel):  # paths are ours (kb.site.links), never post text; a guard all the same
            raise ValueError(f"not a path inside the site: {rel!r}")
        self.files.add(rel)
        if self._put(rel, data.encode("utf-8") if isinstance(data, str) else data):
            self.report.written.append(rel)
        else:
            self.report.unchanged += 1

    def _put(self, rel: str, raw: bytes) -> bool:
        """Write ``raw`` unless the file holds it already; True when written."""
        target = self.out / rel
        try:
            if target.stat().st_size == len(raw) and target.read_bytes() == raw:
                return False
        except OSError:
            pass
        target.parent.mkdir(parents=True, exist_ok=True)
        # A private temporary file renamed over the page: a reader never sees half a page. No fsync per page
        # (100k pages): a crash may lose the newest pages, and the next build rewrites them.
        fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
        try:
            with os.fdopen(fd, "wb") as f:
                f.write(raw)
            os.chmod(tmp, self.mode)
            os.replace(tmp, target)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        return True

    def finish(self) -> WriteReport:
        for rel in sorted(self.previous - self.files):
            try:
                os.unlink(self.out / rel)
                self.report.removed.append(rel)
            except OSError:
                pass
        self._put(MANIFEST, "".join(f"{f}\n" for f in sorted(self.files)).encode("utf-8"))
        return self.report


def _inside(rel: str) -> bool:
    parts = rel.split("/")
    return bool(rel) and not rel.startswith("/") and all(p not in ("", ".", "..") for p in parts) and "\\" not in rel
