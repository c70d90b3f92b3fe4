"""Speed work must not change a byte of what kb extracts or stores: record a reference, compare to it.

    python benchmarks/check_identical.py record             # before a change (writes benchmarks/out/identical.json)
    python benchmarks/check_identical.py compare            # after it: 0 differences, else exit 1
    python benchmarks/check_identical.py compare --quick    # extraction only (no imports)

What is compared:

* ``kb extract --json`` (the same ``extract(...).to_json()``, in this process) of every post under
  ``imports/``, every ``tests/fixtures/**/*.md`` and every annotated real post (``corpus/annotations``
  → ``../shared/realcorpus`` by blob sha; only a digest of each is kept and only names are printed);
* ``kb dump`` of a database made by importing ``imports/`` (one process);
* ``kb dump`` of a database made by importing ``imports/`` + 40 generated posts + 60 train/dev real
  posts (worker processes, search-index bulk path), and again after one post was edited and the
  folder re-imported, and after that post alone was re-imported with another edit.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import json
import shutil
import sys
import tempfile
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

DEFAULT = REPO / "benchmarks" / "out" / "identical.json"


def post_files() -> list[tuple[str, Path]]:
    """(label, path) of every post whose extraction is compared."""
    from kb.corpus import annotated, shared_dir

    out = [(f"imports/{p.name}", p) for p in sorted((REPO / "imports").glob("*.md"))]
    out += [(str(p.relative_to(REPO)), p) for p in sorted((REPO / "tests" / "fixtures").rglob("*.md"))]
    root = shared_dir()
    if root is not None:
        out += [(f"annotated/{doc.sha}", doc.file) for doc, _ in annotated(root)]
    return out


def extractions() -> dict[str, str]:
    """label → sha256 of the post's ``kb extract --json`` text (or of its error line)."""
    from kb.errors import KbError
    from kb.importer import read_text
    from kb.ingest.pipeline import extract

    out = {}
    for label, path in post_files():
        try:
            text, _ = read_text(path)
            data = extract(text, source=path.name).to_json()
            blob = json.dumps(data, ensure_ascii=False, sort_keys=True, indent=1)
        except KbError as exc:
            blob = f"error: {exc}"
        out[label] = hashlib.sha256(blob.encode()).hexdigest()
    return out


def dump(engine) -> str:
    from kb.db import session_scope
    from kb.maintenance import write_dump

    buf = io.StringIO()
    with session_scope(engine) as session:
        write_dump(session, buf)
    return buf.getvalue()


def digest(text: str) -> str:
    return hashlib.sha256(text.encode()).hexdigest()


def dumps() -> dict[str, str]:
    """name → sha256 of ``kb dump`` after each import scenario."""
    from benchmarks.bench_import import real_posts
    from benchmarks.gen_corpus import generate
    from kb.db import open_db
    from kb.importer import import_paths

    out = {}
    imports = sorted((REPO / "imports").glob("*.md"))
    tmpdir = Path(tempfile.gettempdir()) / "kb-check-identical"  # fixed: stored paths are in the dump
    shutil.rmtree(tmpdir, ignore_errors=True)
    tmpdir.mkdir()
    try:
        engine = open_db(tmpdir / "a.sqlite")
        import_paths(engine, imports)
        out["dump: import imports/"] = digest(dump(engine))
        engine.dispose()
        paths = imports + generate(tmpdir / "gen", 40, 11) + real_posts(tmpdir / "real", 60, 11)
        engine = open_db(tmpdir / "b.sqlite")
        import_paths(engine, paths, workers=2)
        out["dump: imports + 40 generated + 60 real"] = digest(dump(engine))
        victim = paths[len(paths) // 2]
        victim.write_text(victim.read_text(encoding="utf-8") + "\nEdited once.\n", encoding="utf-8")
        import_paths(engine, paths, workers=2)
        out["dump: one post edited, folder re-imported"] = digest(dump(engine))
        victim.write_text(victim.read_text(encoding="utf-8") + "\nEdited twice.\n", encoding="utf-8")
        import_paths(engine, [victim])
        out["dump: that post edited again, imported alone"] = digest(dump(engine))
        engine.dispose()
    finally:
        shutil.rmtree(tmpdir, ignore_errors=True)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("action", choices=("record", "compare"))
    ap.add_argument("--ref", type=Path, default=DEFAULT)
    ap.add_argument("--quick", action="store_true", help="extractions only, no import scenarios")
    args = ap.parse_args()
    now = extractions()
    if not args.quick:
        now.update(dumps())
    if args.action == "record":
        args.ref.parent.mkdir(parents=True, exist_ok=True)
        args.ref.write_text(json.dumps(now, indent=1, sort_keys=True) + "\n", encoding="utf-8")
        print(f"recorded {len(now)} outputs in {args.ref}")
        return 0
    ref = json.loads(args.ref.read_text(encoding="utf-8"))
    differ = [k for k in now if k in ref and ref[k] != now[k]]
    missing = [k for k in ref if k not in now and (not args.quick or not k.startswith("dump:"))]
    for k in differ:
        print(f"DIFFERENT  {k}")
    for k in missing:
        print(f"MISSING    {k}")
    print(f"{len(now)} outputs compared, {len(differ)} different, {len(missing)} missing")
    return 1 if differ or missing else 0


if __name__ == "__main__":
    sys.exit(main())
