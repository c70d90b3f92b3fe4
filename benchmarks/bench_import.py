"""Import throughput against a bare markdown-it parse of the same files, in the same run.

    python benchmarks/bench_import.py --posts 300

Prints posts/s of a first import into a fresh SQLite DB, the ratio of that time to
a bare ``markdown-it-py`` parse of the same files, and the ratio of an unchanged
re-import to the first import. Targets: ≥ 100 posts/s, ≤ 4× bare parse, re-import ≤ 5 %.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from markdown_it import MarkdownIt  # noqa: E402

from benchmarks.gen_corpus import generate  # noqa: E402
from kb.db import open_db  # noqa: E402
from kb.importer import import_paths  # noqa: E402


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=300)
    ap.add_argument("--seed", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        paths = generate(tmpdir / "posts", args.posts, args.seed)
        texts = [p.read_text(encoding="utf-8") for p in paths]
        md = MarkdownIt("commonmark").enable("table")
        t0 = time.perf_counter()
        for text in texts:
            md.parse(text)
        bare = time.perf_counter() - t0

        engine = open_db(tmpdir / "kb.sqlite")
        import_paths(engine, paths[:1])  # warm-up: model load, first connection
        engine.dispose()
        engine = open_db(tmpdir / "bench.sqlite")
        t0 = time.perf_counter()
        first = import_paths(engine, paths)
        first_s = time.perf_counter() - t0
        t0 = time.perf_counter()
        again = import_paths(engine, paths)
        again_s = time.perf_counter() - t0
        failed = first.count("failed")
        print(f"posts                 {len(paths)} ({sum(len(t) for t in texts) / len(texts) / 1024:.1f} KiB avg), "
              f"{failed} failed")
        print(f"bare markdown-it      {bare:.3f} s  ({len(paths) / bare:.0f} posts/s)")
        print(f"first import          {first_s:.3f} s  ({len(paths) / first_s:.0f} posts/s)   target >= 100 posts/s")
        print(f"ratio to bare parse   {first_s / bare:.1f}x   target <= 4x")
        print(f"unchanged re-import   {again_s:.3f} s  = {100 * again_s / first_s:.1f} % of first   target <= 5 %")
        print(f"talks {first.totals().talks}, people {first.totals().people}, papers {first.totals().papers}; "
              f"re-import unchanged {again.count('unchanged')}")


if __name__ == "__main__":
    main()
