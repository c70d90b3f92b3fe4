"""Writing an output file safely: a private temporary file next to it, renamed over it when complete.

The temporary file is created with ``O_EXCL`` under a random name
(:func:`tempfile.mkstemp`) in the target's directory, so a pre-existing file
or symlink such as ``F.tmp`` is never written through, a failed write never
leaves half a file under the name, and the rename is atomic.
"""

from __future__ import annotations

import os
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TextIO


def _mode_for(target: Path) -> int:
    """The target's own mode when it exists, else what ``open()`` would give a new file (0666 minus umask)."""
    try:
        return target.stat().st_mode & 0o7777
    except OSError:
        umask = os.umask(0)
        os.umask(umask)
        return 0o666 & ~umask


@contextmanager
def replace_atomically(target: Path | str, encoding: str = "utf-8") -> Iterator[TextIO]:
    """``with replace_atomically("refs.bib") as f: f.write(text)`` — all of it under the name, or nothing."""
    target = Path(target)
    fd, tmp = tempfile.mkstemp(dir=target.parent, prefix=f".{target.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding=encoding) as f:
            yield f
            f.flush()
            os.fsync(f.fileno())
        os.chmod(tmp, _mode_for(target))
        os.replace(tmp, target)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def write_text_atomically(target: Path | str, text: str, encoding: str = "utf-8") -> None:
    with replace_atomically(target, encoding) as f:
        f.write(text)
