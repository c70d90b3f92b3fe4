"""The annotated real corpus: our gold files (standoff, keyed by blob sha) over third-party posts.

The posts themselves are never in this repository (their licences mostly say nothing): they live in
``../shared/realcorpus/`` with a ``MANIFEST.tsv`` (file, repo, path, commit, blob_sha, bytes,
license, kind, event, field, format) and ``splits.tsv`` (train/dev/test by repository). Our
annotations live in ``corpus/annotations/<blob_sha>.gold.json`` (second annotators' files in
``corpus/annotations/second/``), so a post is found again by the sha of its exact bytes.

More posts we collected ourselves from public repositories (never from a repository reserved for
evaluation, ``../shared/corpus/excluded-repos.sha256``) are training data too: their provenance is
``corpus/collected/MANIFEST.tsv`` (same columns), their annotations ``corpus/annotations/collected/``,
and their texts stay outside this repository in ``$KB_COLLECTED`` or ``../collected/`` (a
``posts/`` folder as the manifest names them). Without those texts they are left out.
"""

from __future__ import annotations

import csv
import hashlib
import json
import os
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ANNOTATIONS = REPO_ROOT / "corpus" / "annotations"
COLLECTED = REPO_ROOT / "corpus" / "collected" / "MANIFEST.tsv"
SPLITS = ("train", "dev", "test")


def shared_dir() -> Path | None:
    """``$KB_SHARED`` or the ``shared/`` folder beside this checkout; None when absent."""
    for cand in (os.environ.get("KB_SHARED"), REPO_ROOT.parent / "shared"):
        if cand and (Path(cand) / "realcorpus" / "MANIFEST.tsv").is_file():
            return Path(cand)
    return None


def collected_dir() -> Path | None:
    """``$KB_COLLECTED`` or the ``collected/`` folder beside this checkout: the texts of our collected posts."""
    for cand in (os.environ.get("KB_COLLECTED"), REPO_ROOT.parent / "collected"):
        if cand and (Path(cand) / "posts").is_dir():
            return Path(cand)
    return None


@dataclass(frozen=True)
class Doc:
    sha: str
    file: Path  # absolute path of the post under realcorpus/
    repo: str
    split: str
    kind: str  # multi | single
    format: str  # plain-md, rst, jekyll, hugo, txt, other
    field: str

    def text(self) -> str:
        data = self.file.read_bytes()
        if git_blob_sha(data) != self.sha:
            raise ValueError(f"{self.file}: bytes do not match blob {self.sha} (the corpus changed)")
        return data.decode("utf-8", errors="replace")


def original_path(file: Path) -> str:
    """Where a corpus post lived in its repository, as its author named it: the corpus keeps
    ``posts/<owner>--<name>/<path with / as __>``; ``<name>/<path>`` is what a user importing their
    notes folder would give kb. Other files: the path as it is."""
    repo = file.parent.name
    if "--" not in repo:
        return str(file)
    return f"{repo.split('--', 1)[1]}/{file.name.replace('__', '/')}"


def git_blob_sha(data: bytes) -> str:
    return hashlib.sha1(b"blob %d\0" % len(data) + data).hexdigest()


def manifest(root: Path) -> dict[str, Doc]:
    """blob sha → :class:`Doc` for every post of ``root/realcorpus``."""
    base = root / "realcorpus"
    with open(base / "splits.tsv", encoding="utf-8") as f:
        split = {r["repo"]: r["split"] for r in csv.DictReader(f, delimiter="\t")}
    out = {}
    with open(base / "MANIFEST.tsv", encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            out[r["blob_sha"]] = Doc(
                r["blob_sha"], base / r["file"], r["repo"], split[r["repo"]], r["kind"], r["format"], r["field"]
            )
    return out


def collected() -> dict[str, Doc]:
    """blob sha → :class:`Doc` for every collected post whose text is here (all of them train)."""
    base = collected_dir()
    if base is None or not COLLECTED.is_file():
        return {}
    with open(COLLECTED, encoding="utf-8") as f:
        rows = list(csv.DictReader(f, delimiter="\t"))
    return {
        r["blob_sha"]: Doc(r["blob_sha"], base / r["file"], r["repo"], "train", r["kind"], r["format"], r["field"])
        for r in rows
        if (base / r["file"]).is_file()
    }


def annotated(root: Path, splits: tuple[str, ...] = SPLITS, folder: Path = ANNOTATIONS) -> Iterator[tuple[Doc, dict]]:
    """(document, gold record) for every annotation in ``folder`` whose post is in ``splits``, by sha;
    with the default folder, also our collected posts (train) whose texts are here."""
    docs = manifest(root)
    for path in sorted(folder.glob("*.gold.json")):
        sha = path.name.split(".")[0]
        doc = docs.get(sha)
        if doc is None:
            raise ValueError(f"{path}: no post with blob sha {sha} in {root / 'realcorpus' / 'MANIFEST.tsv'}")
        if doc.split in splits:
            yield doc, json.loads(path.read_text(encoding="utf-8"))
    if folder != ANNOTATIONS or "train" not in splits:
        return
    extra = collected()
    for path in sorted((folder / "collected").glob("*.gold.json")):
        doc = extra.get(path.name.split(".")[0])
        if doc is not None:
            yield doc, json.loads(path.read_text(encoding="utf-8"))
