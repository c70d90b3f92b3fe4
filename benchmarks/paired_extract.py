"""Extraction before/after, post by post: two warm processes (this checkout's ``kb`` and another's) extract the
same post one right after the other, in turn which goes first, so that a shared machine's load falls on both
within milliseconds, not within whole runs.

    taskset -c 1 python benchmarks/paired_extract.py /tmp/before --limit 300

``compare_trees.py`` alternates whole runs: under another job's load single runs moved by ±30 % here and its
ratios said nothing about a 3 % change; the paired figures moved by ±1.5 % between runs. Each process first does
what ``bench_extract.py`` does before its learned pass (the models loaded, a rules-only pass over the posts), then
times ``extract()`` of each post with ``time.process_time`` (CPU of that process alone).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def worker(limit: int) -> None:
    """Read post numbers on stdin, write each extraction's CPU milliseconds on stdout (first, once warm, how many
    posts it has)."""
    import runpy

    from kb.ingest.pipeline import extract

    posts = runpy.run_path(str(HERE / "benchmarks" / "bench_extract.py"))["posts"]  # this checkout's, by its path

    items = posts(limit)
    extract(items[0][1], items[0][0])
    for name, text in items:
        extract(text, name, rules_only=True)
    print(len(items), flush=True)  # ready: how many posts
    for line in sys.stdin:
        name, text = items[int(line)]
        t0 = time.process_time()
        extract(text, name)
        print(json.dumps((time.process_time() - t0) * 1000), flush=True)


# The tree's kb imported first (as compare_trees.py does), then this file by its path: the other tree's
# benchmarks/ may not have it.
_RUN = (
    "import runpy, sys; sys.path.insert(0, sys.argv[1]); import kb; "
    "runpy.run_path(sys.argv[2])['worker'](int(sys.argv[3]))"
)


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("before", type=Path, help="the other checkout (the code before the change)")
    ap.add_argument("--limit", type=int, default=300)
    args = ap.parse_args()
    sys.path.insert(0, str(HERE))
    from kb.corpus import shared_dir  # this checkout's

    env = dict(os.environ)
    shared = shared_dir()
    if shared is not None:
        env.setdefault("KB_SHARED", str(shared))
    trees = {"before": args.before.resolve(), "after": HERE}
    procs = {
        k: subprocess.Popen(
            [sys.executable, "-c", _RUN, str(tree), __file__, str(args.limit)],
            cwd=tree,
            env=env,
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            text=True,
        )
        for k, tree in trees.items()
    }
    n = min(int(p.stdout.readline() or 0) for p in procs.values())  # both read the same posts
    ms: dict[str, list[float]] = {"before": [], "after": []}
    for i in range(n):
        for k in ("before", "after") if i % 2 == 0 else ("after", "before"):
            procs[k].stdin.write(f"{i}\n")
            procs[k].stdin.flush()
            ms[k].append(json.loads(procs[k].stdout.readline()))
    for p in procs.values():
        p.stdin.close()
        p.wait()
    before, after = ms["before"], ms["after"]
    print(f"{n} posts, CPU ms per post, each post extracted by both in turn")
    print(f"{'':22} {'before':>8} {'after':>8} {'after/before':>12}")
    for name, fn in (("mean", statistics.mean), ("median", statistics.median)):
        b, a = fn(before), fn(after)
        print(f"{name:22} {b:8.2f} {a:8.2f} {a / b:12.3f}")
    ratio = statistics.median(y / x for x, y in zip(before, after, strict=True) if x > 0)
    print(f"{'median of per-post ratios':40} {ratio:12.3f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
