"""Start-up of everyday ``kb`` commands, whole process, against ``python -c "import sqlite3"`` in the same run.

    python benchmarks/bench_startup.py                 # builds /tmp/kb-bench/startup-100k.sqlite once
    python benchmarks/bench_startup.py --runs 7 --json benchmarks/out/startup.json

Each command runs as a fresh ``python -m kb …`` (this checkout first on ``PYTHONPATH``) on a
100k-paper KB (``benchmarks/synth.py`` through ``bench_tui.make_kb``); the baseline is a bare
interpreter importing sqlite3. Runs are interleaved (baseline, then every command, N times) so
load from other jobs hits both sides alike; the figures are medians, with each command's peak RSS
(``wait4``'s ``ru_maxrss``). Then every command runs once under ``python -X importtime``: its total
import time and the modules that cost the most (cumulative, top level and self) are printed and
written to the JSON, so a heavy import that sneaks back onto a fast path shows up here.

Targets (issue 16): ≤ 0.3 s and ≤ 4× the baseline each; peak RSS ≤ 300 MiB.
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

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

DEFAULT_DB = Path("/tmp/kb-bench/startup-100k.sqlite")
BASELINE = ("python -c 'import sqlite3'", [sys.executable, "-c", "import sqlite3"])


def commands(db: Path) -> list[tuple[str, list[str]]]:
    kb = [sys.executable, "-m", "kb"]
    return [
        ("kb --help", [*kb, "--help"]),
        ("kb --version", [*kb, "--version"]),
        ("kb search Q --json", [*kb, "--db", str(db), "search", "contrastive learning", "--json"]),
        ("kb list talks --limit 20", [*kb, "--db", str(db), "list", "talks", "--limit", "20"]),
        ("kb stats", [*kb, "--db", str(db), "stats"]),
    ]


def _env() -> dict[str, str]:
    env = dict(
        os.environ, PYTHONPATH=str(ROOT) + os.pathsep + os.environ.get("PYTHONPATH", ""), COLUMNS="120", NO_COLOR="1"
    )
    env.pop("KB_DB", None)
    return env


def run_once(argv: list[str], env: dict[str, str]) -> tuple[float, float]:
    """(seconds, peak RSS in MiB) of one whole process; a failing command stops the benchmark."""
    t0 = time.perf_counter()
    proc = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t0
    proc.returncode = os.waitstatus_to_exitcode(status)
    stderr = proc.stderr.read().decode(errors="replace")
    proc.stderr.close()
    if proc.returncode != 0:
        raise SystemExit(f"{' '.join(argv)}: exit {proc.returncode}\n{stderr}")
    return seconds, usage.ru_maxrss / 1024


def import_profile(argv: list[str], env: dict[str, str], top: int = 8) -> dict:
    """``python -X importtime``: total import µs, the top-level imports and the costliest modules by self time."""
    proc = subprocess.run(
        [argv[0], "-X", "importtime", *argv[1:]], check=True, cwd=ROOT, env=env, capture_output=True, text=True
    )
    rows = []  # (self µs, cumulative µs, depth, module)
    for line in proc.stderr.splitlines():
        if not line.startswith("import time:") or "self [us]" in line:
            continue
        self_us, cum_us, name = line[len("import time:") :].split("|")
        depth = (len(name) - len(name.lstrip())) // 2
        rows.append((int(self_us), int(cum_us), depth, name.strip()))
    top_level = sorted((r for r in rows if r[2] == 0), key=lambda r: -r[1])
    return {
        "total_ms": round(sum(r[1] for r in rows if r[2] == 0) / 1000, 1),
        "modules": len(rows),
        "top_level_ms": [(r[3], round(r[1] / 1000, 1)) for r in top_level[:top]],
        "self_ms": [(r[3], round(r[0] / 1000, 1)) for r in sorted(rows, key=lambda r: -r[0])[:top]],
        "heavy": sorted(
            {r[3].split(".")[0] for r in rows}
            & {"sqlalchemy", "sqlmodel", "textual", "rapidfuzz", "pycrfsuite", "alembic", "pydantic", "rich"}
        ),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", type=Path, default=DEFAULT_DB, help="the 100k KB (built when missing)")
    ap.add_argument("--papers", type=int, default=100_000)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--json", type=Path, default=None, help="write the figures here too")
    args = ap.parse_args()
    if not args.db.exists():
        from benchmarks.bench_tui import make_kb

        t0 = time.perf_counter()
        print(f"building {args.db} ({args.papers} papers) …", flush=True)
        make_kb(args.db, papers=args.papers)
        print(f"  {time.perf_counter() - t0:.0f} s", flush=True)
    env = _env()
    cmds = [BASELINE, *commands(args.db)]
    for _, argv in cmds:  # warm the page cache and .pyc files; not timed
        run_once(argv, env)
    times: dict[str, list[float]] = {name: [] for name, _ in cmds}
    peaks: dict[str, float] = dict.fromkeys(times, 0.0)
    for _ in range(args.runs):
        for name, argv in cmds:
            seconds, rss = run_once(argv, env)
            times[name].append(seconds)
            peaks[name] = max(peaks[name], rss)
    base = statistics.median(times[BASELINE[0]])
    result = {
        "runs": args.runs,
        "db": str(args.db),
        "baseline_s": round(base, 4),
        "load_average": os.getloadavg(),
        "commands": [],
    }
    print(
        f"baseline {BASELINE[0]}: {base * 1000:.1f} ms (median of {args.runs}); load average "
        f"{' '.join(f'{x:.2f}' for x in os.getloadavg())}"
    )
    print(f"{'command':<28} {'median':>9} {'ratio':>7} {'peak RSS':>9}   target <= 0.3 s, <= 4x, <= 300 MiB")
    for name, argv in cmds[1:]:
        med = statistics.median(times[name])
        row = {
            "command": name,
            "median_s": round(med, 4),
            "ratio": round(med / base, 2),
            "min_s": round(min(times[name]), 4),
            "peak_mib": round(peaks[name], 1),
            "importtime": import_profile(argv, env),
        }
        result["commands"].append(row)
        ok = med <= 0.3 and med / base <= 4 and peaks[name] <= 300
        print(f"{name:<28} {med * 1000:7.1f}ms {med / base:6.1f}x {peaks[name]:6.1f}MiB   {'ok' if ok else 'NOT MET'}")
    print("\nimports (python -X importtime, one run each):")
    for row in result["commands"]:
        imp = row["importtime"]
        print(
            f"  {row['command']}: {imp['total_ms']} ms in {imp['modules']} modules; heavy: "
            f"{', '.join(imp['heavy']) or 'none'}"
        )
        print("    top level: " + ", ".join(f"{m} {ms}" for m, ms in imp["top_level_ms"]))
        print("    self:      " + ", ".join(f"{m} {ms}" for m, ms in imp["self_ms"]))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
