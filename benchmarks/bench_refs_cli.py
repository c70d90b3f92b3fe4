"""``kb refs parse FILE --json`` end to end, start-up included (issue 16: ≥ 2,000 refs/s).

    python benchmarks/bench_refs_cli.py                      # 1,669 refdata strings, 5 runs
    python benchmarks/compare_trees.py /tmp/before bench_refs_cli.py --rounds 3

The file: a seeded sample (``random.Random(16)``) of 1,669 of ``shared/refdata`` good + core strings,
whitespace collapsed, one a line. Each run is a fresh ``python -m kb refs parse`` of the ``kb`` package
imported here (its checkout on ``PYTHONPATH``), with its own cache folder (``XDG_CACHE_HOME``) kept across
the runs: the first run of a process ever may build caches, the figures are medians over the runs after it.
Wall time and CPU time (``wait4``) per run; the same for a 3-reference file (start-up) and for
``python -c pass``.
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import kb
from benchmarks import report
from kb.corpus import shared_dir

N_REFS = 1669


def refs_file(dest: Path) -> Path:
    root = shared_dir()
    if root is None:
        raise SystemExit("no shared/refdata (KB_SHARED)")
    texts = []
    for name in ("good.jsonl", "core.jsonl"):
        for line in (root / "refdata" / name).open(encoding="utf-8"):
            text = " ".join(json.loads(line)["text"].split())
            if text:
                texts.append(text)
    dest.write_text("\n".join(random.Random(16).sample(texts, N_REFS)) + "\n", encoding="utf-8")
    return dest


def timed(cmd: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(wall seconds, CPU seconds) of one run of ``cmd``."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if status:
        raise SystemExit(f"{cmd}: exit status {status}")
    return wall, usage.ru_utime + usage.ru_stime


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    tree = Path(kb.__file__).resolve().parent.parent
    with tempfile.TemporaryDirectory() as tmp:
        tmpdir = Path(tmp)
        big = refs_file(tmpdir / "refs.txt")
        small = tmpdir / "refs3.txt"
        small.write_text("".join(big.read_text(encoding="utf-8").splitlines(keepends=True)[:3]), encoding="utf-8")
        env = dict(os.environ, PYTHONPATH=str(tree), XDG_CACHE_HOME=str(tmpdir / "cache"))
        parse = [sys.executable, "-m", "kb", "refs", "parse"]
        first = timed([*parse, str(big), "--json"], env)
        full, start, bare = [], [], []
        for _ in range(args.runs):
            full.append(timed([*parse, str(big), "--json"], env))
            start.append(timed([*parse, str(small), "--json"], env))
            bare.append(timed([sys.executable, "-c", "pass"], env))

    def med(runs: list[tuple[float, float]], k: int) -> float:
        return statistics.median(r[k] for r in runs)

    figures = {
        "refs": N_REFS,
        "refs_per_s_wall": round(N_REFS / med(full, 0), 1),
        "refs_per_s_cpu": round(N_REFS / med(full, 1), 1),
        "wall_s": round(med(full, 0), 3),
        "cpu_s": round(med(full, 1), 3),
        "first_run_wall_s": round(first[0], 3),
        "startup_3_refs_wall_s": round(med(start, 0), 3),
        "startup_3_refs_cpu_s": round(med(start, 1), 3),
        "python_pass_wall_s": round(med(bare, 0), 3),
        "per_ref_cpu_ms": round(1000 * (med(full, 1) - med(start, 1)) / (N_REFS - 3), 3),
    }
    report(figures, args.json, 28)


if __name__ == "__main__":
    main()
