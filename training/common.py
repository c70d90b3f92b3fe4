"""What the training scripts share: finding the annotated corpus, and recording a trained model."""

from __future__ import annotations

import hashlib
import json
import sys
from pathlib import Path

from kb.corpus import shared_dir


def corpus_root(shared: Path | None) -> Path | None:
    """``--shared`` or ``$KB_SHARED`` or ``../shared``; None (said on stderr) when none holds the corpus."""
    root = shared or shared_dir()
    if root is None:
        print("no shared/realcorpus found (set KB_SHARED or --shared)", file=sys.stderr)
    return root


def record_model(path: Path, record: Path, **info) -> dict:
    """Write ``record`` (JSON): ``info`` plus the model file's sha256 and size; returns it."""
    meta = {**info, "model": {"sha256": hashlib.sha256(path.read_bytes()).hexdigest(), "bytes": path.stat().st_size}}
    record.write_text(json.dumps(meta, indent=1) + "\n", encoding="utf-8")
    return meta
