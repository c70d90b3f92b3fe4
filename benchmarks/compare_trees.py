"""Before/after in the same run: a benchmark of this checkout and of another one (e.g. the commit before a
speed change, ``git worktree add /tmp/before <commit>``), run alternately, medians side by side.

    python benchmarks/compare_trees.py /tmp/before bench_extract.py --limit 400
    python benchmarks/compare_trees.py /tmp/before bench_import.py --posts 300 --real 200 --rounds 2

The benchmark script is this checkout's (it must accept ``--json PATH``: bench_extract, bench_import do);
only the ``kb`` package it measures comes from either checkout. Rounds alternate before/after so that a
machine shared with other work loads both alike; each figure is the median over the rounds. The other
checkout reads the real corpus from this one's ``shared/`` (``KB_SHARED``) when it has none beside it.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent


def flatten(data: dict, prefix: str = "") -> dict[str, float]:
    out: dict[str, float] = {}
    for key, value in data.items():
        if isinstance(value, dict):
            out.update(flatten(value, f"{prefix}{key} / "))
        elif isinstance(value, (int, float)) and not isinstance(value, bool):
            out[prefix + key] = float(value)
    return out


# The script puts its own checkout first on sys.path; ``kb`` imported before it runs stays the one measured.
_RUN = (
    "import runpy, sys; sys.path.insert(0, sys.argv[1]); import kb; "
    "sys.argv = sys.argv[2:]; runpy.run_path(sys.argv[0], run_name='__main__')"
)


def run(tree: Path, script: str, args: list[str], env: dict[str, str]) -> dict[str, float]:
    """The figures of this checkout's ``script`` measuring the ``kb`` package of ``tree``."""
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "figures.json"
        code = HERE / "benchmarks" / script
        subprocess.run(
            [sys.executable, "-c", _RUN, str(tree), str(code), *args, "--json", str(out)],
            cwd=tree,
            env=env,
            check=True,
            stdout=subprocess.DEVNULL,
        )
        return flatten(json.loads(out.read_text(encoding="utf-8")))


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("before", type=Path, help="the other checkout (the code before the change)")
    ap.add_argument("script", help="a benchmark under benchmarks/, e.g. bench_extract.py")
    ap.add_argument("--rounds", type=int, default=2)
    args, rest = ap.parse_known_args()
    env = dict(os.environ)
    from kb.corpus import shared_dir  # this checkout's

    shared = shared_dir()
    if shared is not None:
        env.setdefault("KB_SHARED", str(shared))
    runs: dict[str, list[dict[str, float]]] = {"before": [], "after": []}
    for _ in range(args.rounds):
        runs["before"].append(run(args.before.resolve(), args.script, rest, env))
        runs["after"].append(run(HERE, args.script, rest, env))
    print(f"{args.script} {' '.join(rest)}: medians of {args.rounds} alternating rounds")
    print(f"{'figure':48} {'before':>10} {'after':>10} {'after/before':>12}")
    for key in runs["after"][0]:
        b = statistics.median(r[key] for r in runs["before"] if key in r)
        a = statistics.median(r[key] for r in runs["after"])
        print(f"{key:48} {b:10.2f} {a:10.2f} {a / b if b else float('nan'):12.2f}")
    return 0


if __name__ == "__main__":
    sys.path.insert(0, str(HERE))
    sys.exit(main())
