"""The write half of ``kb import`` alone: CPU and SQL statements per stored post.

    python benchmarks/bench_store.py --posts 300 --real 200
    python benchmarks/compare_trees.py /tmp/before bench_store.py --posts 300 --real 200 --rounds 3

Posts (``gen_corpus`` + train/dev posts of the real corpus, as ``bench_import.py``) are extracted first,
untimed; then each is written in its own transaction (``import_file`` with the extraction given, what the
importer's writer does with a worker's result) into a fresh SQLite KB with the search index's triggers on,
three passes: a first import, the same posts again with ``force`` (every post updated in place: its rows
replaced, the shared ones found again), and the first pass into a second fresh KB (a second sample).
Reports CPU per post (this process; the collector frozen as ``import_paths`` does) and the SQL statements
sent per post, counted with SQLAlchemy's ``before_cursor_execute`` event.
"""

from __future__ import annotations

import argparse
import gc
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import event

from benchmarks import report
from benchmarks.bench_import import real_posts
from benchmarks.gen_corpus import generate
from kb.db import open_db
from kb.importer import Prepared, import_file, read_text
from kb.ingest.pipeline import extract


def store_all(engine, prepared: list[tuple[Path, Prepared]], force: bool) -> tuple[float, list[int], float]:
    """(CPU seconds, statements per post, wall seconds) of writing every post in its own transaction."""
    counter = [0]

    def count(*_args) -> None:
        counter[0] += 1

    event.listen(engine, "before_cursor_execute", count)
    per_post = []
    try:
        cpu0, t0 = time.process_time(), time.perf_counter()
        for path, prep in prepared:
            before = counter[0]
            result = import_file(engine, path, force=force, prepared=prep)
            assert result.status in ("new", "updated"), result
            per_post.append(counter[0] - before)
        return time.process_time() - cpu0, per_post, time.perf_counter() - t0
    finally:
        event.remove(engine, "before_cursor_execute", count)


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=300, help="generated posts (benchmarks/gen_corpus.py)")
    ap.add_argument("--real", type=int, default=200, help="real-corpus posts (train/dev splits) added")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        paths = generate(tmpdir / "posts", args.posts, args.seed) + real_posts(tmpdir / "real", args.real, args.seed)
        prepared = []
        for path in paths:
            text, sha = read_text(path)
            prepared.append((path, Prepared(text, sha, extract(text, source=path.name))))
        n = len(prepared)
        gc.collect()
        gc.freeze()  # as import_paths does
        engine = open_db(tmpdir / "a.sqlite")
        first_cpu, first_stmts, first_wall = store_all(engine, prepared, force=False)
        again_cpu, again_stmts, _ = store_all(engine, prepared, force=True)
        engine.dispose()
        engine = open_db(tmpdir / "b.sqlite")
        second_cpu, _, _ = store_all(engine, prepared, force=False)
        engine.dispose()
        figures = {
            "posts": n,
            "first_store_cpu_ms_per_post": round(1000 * min(first_cpu, second_cpu) / n, 2),
            "first_store_wall_ms_per_post": round(1000 * first_wall / n, 2),
            "restore_cpu_ms_per_post": round(1000 * again_cpu / n, 2),
            "first_statements_per_post": round(sum(first_stmts) / n, 2),
            "first_statements_median": statistics.median(first_stmts),
            "first_statements_max": max(first_stmts),
            "restore_statements_per_post": round(sum(again_stmts) / n, 2),
        }
        report(figures, args.json)


if __name__ == "__main__":
    main()
