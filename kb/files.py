"""Writing an output file safely: a private temporary file next to it, renamed over it when complete.

The temporary file is created with ``O_EXCL`` under a random name
(:func:`tempfile.mkstemp`) in the target's directory, so a pre-existing file
or symlink such as ``F.tmp`` is never written through, a failed write never
leaves half a file under the name, and the rename is atomic.

A target that exists and is not a regular file (``/dev/stdout``, ``/dev/full``, a FIFO, a
terminal) is written to directly: replacing it by a file would destroy the device (``-o /dev/full``
once did exactly that), and its write errors reach the caller.
"""

from __future__ import annotations

import os
import stat
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


def _special(target: Path) -> bool:
    """True when ``target`` (its link followed) exists and is a device, FIFO or socket, not a regular file."""
    try:
        mode = target.stat().st_mode
    except OSError:
        return False
    return not stat.S_ISREG(mode) and not stat.S_ISDIR(mode)


@contextmanager
def replace_atomically(target: Path | str, encoding: str = "utf-8") -> Iterator[TextIO]:
    """``with replace_atomically("refs.bib") as f: f.write(text)`` — all of it under the name, or nothing."""
    target = Path(target)
    if _special(target):
        with open(target, "w", encoding=encoding) as f:
            yield f
        return
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
