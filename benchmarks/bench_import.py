"""Import throughput against a bare markdown-it parse of the same files, in the same run.

    python benchmarks/bench_import.py --posts 300                 # generated posts only
    python benchmarks/bench_import.py --posts 500 --real 700      # + train/dev posts of ../shared/realcorpus

Prints posts/s of a first import into a fresh SQLite DB, the ratio of that time to a bare
``markdown-it-py`` parse of the same files, the ratio of an unchanged re-import to the first import,
the time to re-import after one post changed (the whole folder, and that post alone), and this
process's peak RSS. Targets (issue 16): ≥ 100 posts/s, ≤ 4× bare parse, re-import ≤ 5 %, a changed
post ≤ 50 ms, peak ≤ 300 MiB.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from markdown_it import MarkdownIt

from benchmarks.gen_corpus import generate
from kb.db import open_db
from kb.importer import import_paths


def real_posts(dest: Path, n: int, seed: int) -> list[Path]:
    """Up to ``n`` train/dev posts of the real corpus (never test), copied under ``dest`` with their suffix."""
    from kb.corpus import manifest, shared_dir

    root = shared_dir()
    if root is None or n <= 0:
        return []
    docs = sorted((d for d in manifest(root).values() if d.split in ("train", "dev")), key=lambda d: d.sha)
    random.Random(seed).shuffle(docs)
    dest.mkdir(parents=True, exist_ok=True)
    out = []
    for i, doc in enumerate(docs[:n]):
        target = dest / f"real-{i:04d}{doc.file.suffix if doc.file.suffix in ('.md', '.rst', '.markdown') else '.md'}"
        shutil.copyfile(doc.file, target)
        out.append(target)
    return out


def _cpu() -> float:
    """CPU seconds of this process and of its finished children: what the machine spent, whatever its load."""
    own, kids = resource.getrusage(resource.RUSAGE_SELF), resource.getrusage(resource.RUSAGE_CHILDREN)
    return own.ru_utime + own.ru_stime + kids.ru_utime + kids.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--posts", type=int, default=300, help="generated posts (benchmarks/gen_corpus.py)")
    ap.add_argument("--real", type=int, default=0, help="real-corpus posts (train/dev splits) added")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--repeat", type=int, default=5, help="changed-post re-imports timed (median)")
    ap.add_argument("--json", type=Path, default=None, help="also write the figures here")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        paths = generate(tmpdir / "posts", args.posts, args.seed) + real_posts(tmpdir / "real", args.real, args.seed)
        texts = [p.read_text(encoding="utf-8", errors="replace") for p in paths]
        md = MarkdownIt("commonmark").enable("table")
        t0 = time.perf_counter()
        for text in texts:
            md.parse(text)
        bare = time.perf_counter() - t0

        engine = open_db(tmpdir / "kb.sqlite")
        import_paths(engine, paths[:1])  # warm-up: model load, first connection
        engine.dispose()
        engine = open_db(tmpdir / "bench.sqlite")
        cpu0 = _cpu()
        t0 = time.perf_counter()
        first = import_paths(engine, paths)
        first_s = time.perf_counter() - t0
        first_cpu = _cpu() - cpu0  # this process and its extraction workers (reaped when the import ends)
        t0 = time.perf_counter()
        again = import_paths(engine, paths)
        again_s = time.perf_counter() - t0
        victim = paths[len(paths) // 2]
        folder, alone = [], []
        for i in range(args.repeat):  # one post edited, then the whole set imported again / that post alone
            victim.write_text(victim.read_text(encoding="utf-8") + f"\nEdited {i}.\n", encoding="utf-8")
            t0 = time.perf_counter()
            changed = import_paths(engine, paths)
            folder.append(time.perf_counter() - t0)
            assert changed.count("updated") == 1, changed.results
            victim.write_text(victim.read_text(encoding="utf-8") + f"\nEdited again {i}.\n", encoding="utf-8")
            t0 = time.perf_counter()
            assert import_paths(engine, [victim]).count("updated") == 1
            alone.append(time.perf_counter() - t0)
        failed = first.count("failed")
        n = len(paths)
        print(
            f"posts                 {n} ({args.posts} generated + {n - args.posts} real; "
            f"{sum(len(t) for t in texts) / n / 1024:.1f} KiB avg), {failed} failed"
        )
        print(f"bare markdown-it      {bare:.3f} s  ({n / bare:.0f} posts/s)")
        print(f"first import          {first_s:.3f} s  ({n / first_s:.0f} posts/s)   target >= 100 posts/s")
        print(f"ratio to bare parse   {first_s / bare:.1f}x   target <= 4x")
        print(f"first import CPU      {first_cpu:.2f} s = {1000 * first_cpu / n:.1f} ms per post (importer + workers)")
        print(f"unchanged re-import   {again_s:.3f} s  = {100 * again_s / first_s:.1f} % of first   target <= 5 %")
        print(
            f"one post changed      {1000 * statistics.median(folder):.0f} ms re-importing all {n} "
            f"(median of {args.repeat}), {1000 * statistics.median(alone):.0f} ms that post alone   target <= 50 ms"
        )
        print(
            f"talks {first.totals().talks}, people {first.totals().people}, papers {first.totals().papers}; "
            f"re-import unchanged {again.count('unchanged')}"
        )
        peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        print(
            f"peak RSS              {peak:.0f} MiB (this process; extraction workers are forks of it)   target <= 300 MiB"
        )
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            figures = {
                "posts": n,
                "bare_parse_s": round(bare, 3),
                "first_import_s": round(first_s, 3),
                "posts_per_s": round(n / first_s, 1),
                "ratio_to_parse": round(first_s / bare, 1),
                "first_import_cpu_ms_per_post": round(1000 * first_cpu / n, 1),
                "unchanged_pct_of_first": round(100 * again_s / first_s, 1),
                "changed_folder_ms": round(1000 * statistics.median(folder)),
                "changed_alone_ms": round(1000 * statistics.median(alone)),
                "peak_rss_mib": round(peak),
            }
            args.json.write_text(json.dumps(figures, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
