"""kb at scale: a 100k-paper / 20k-talk KB, timing and peak memory of every everyday operation.

    python benchmarks/bench_scale.py                      # synth KB + 1,000 real posts imported on top
    python benchmarks/bench_scale.py --build posts --posts 5000   # the KB from 5,000 gen_corpus posts instead
    python benchmarks/bench_scale.py --json benchmarks/out/scale.json

Each phase runs in its own fresh interpreter, so "peak" is that process's
maximum resident set (interpreter, libraries and kb included), the figure a
user's machine sees; the budget is 300 MiB per operation:

build   the KB: ``benchmarks/synth.py`` bulk rows (100k papers, 20k talks, 50k people)
        or ``--build posts``: ``kb import`` of N ``gen_corpus`` posts into an empty DB
import  ``kb import`` of ``--posts`` more generated posts into the big KB, then the same again (unchanged)
search  ``kb.search.search`` over bench_search's query mix: p50 / p95
export  ``kb export`` of every paper as BibTeX (the first run also assigns citekeys)
tui     a fresh ``kb`` TUI process until the home screen is drawn (bench_tui's probe)
dump    ``kb dump --no-body``;  check: ``kb check`` (integrity, dangling, orphans)
"""

from __future__ import annotations

import argparse
import json
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

BUDGET_MIB = 300
PHASES = ("build", "import", "search", "export", "tui", "dump", "check")


def _rss_mib() -> float:
    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def phase(name: str, db: Path, posts: int, build: str, seed: int) -> dict:
    """Run one phase in this process; returns its figures (``peak_mib`` = this process's max RSS)."""
    from kb.db import open_db, session_scope

    out: dict = {"phase": name}
    t0 = time.perf_counter()
    if name == "build":
        if build == "synth":
            from benchmarks.synth import build as synth

            counts = synth(open_db(db), papers=100_000, talks=20_000, people=50_000, posts=500, seed=seed)
            out["what"] = f"synth: {counts.papers} papers, {counts.talks} talks, {counts.people} people"
        else:
            from benchmarks.gen_corpus import generate
            from kb.importer import import_paths

            files = generate(db.parent / "build-posts", posts, seed=seed)
            summary = import_paths(open_db(db), files)
            out["what"] = f"kb import of {len(files)} gen_corpus posts ({summary.count('failed')} failed)"
            out["posts_per_s"] = round(len(files) / (time.perf_counter() - t0), 1)
    elif name == "import":
        from benchmarks.gen_corpus import generate
        from kb.importer import import_paths

        files = generate(db.parent / "more-posts", posts, seed=seed + 1)
        engine = open_db(db)
        t0 = time.perf_counter()
        summary = import_paths(engine, files)
        first = time.perf_counter() - t0
        t1 = time.perf_counter()
        again = import_paths(engine, files)
        out |= {
            "posts": len(files),
            "failed": summary.count("failed"),
            "posts_per_s": round(len(files) / first, 1),
            "unchanged_reimport_s": round(time.perf_counter() - t1, 2),
            "unchanged": again.count("unchanged"),
        }
        out["seconds"] = round(first, 2)
    elif name == "search":
        import random

        from benchmarks.bench_search import MIX, pct
        from kb.search import search

        engine = open_db(db)
        queries = [q for qs in MIX.values() for q in qs] + ["segmentation vedaldi", "Scalable Representations"]
        times = []
        with session_scope(engine) as s:
            search(s, "warm up")
            order = queries * 10
            random.Random(seed).shuffle(order)
            for q in order:
                t1 = time.perf_counter()
                search(s, q, limit=20)
                times.append((time.perf_counter() - t1) * 1000)
        out |= {"queries": len(times), "p50_ms": round(pct(times, 50), 2), "p95_ms": round(pct(times, 95), 2)}
    elif name == "export":
        from kb.export import Selection, run

        engine = open_db(db)
        target = db.parent / "all.bib"
        first = run(engine, "bibtex", Selection(), output=target)
        t1 = time.perf_counter()
        run(engine, "bibtex", Selection(), output=target)
        out |= {
            "papers": first.papers,
            "first_s": round(t1 - t0, 2),
            "again_s": round(time.perf_counter() - t1, 2),
            "bytes": target.stat().st_size,
        }
    elif name == "dump":
        from kb.maintenance import write_dump

        target = db.parent / "dump.json"
        with session_scope(open_db(db)) as s, target.open("w", encoding="utf-8") as f:
            write_dump(s, f, body=False)  # what `kb dump --no-body -o FILE` does
        out["bytes"] = target.stat().st_size
    elif name == "check":
        from kb.maintenance import check

        report = check(open_db(db), files=False)
        out |= {"ok": report.ok, "orphans": report.orphans, "dangling": report.dangling}
    else:
        raise SystemExit(f"unknown phase {name}")
    out.setdefault("seconds", round(time.perf_counter() - t0, 2))
    out["peak_mib"] = _rss_mib()
    return out


def tui_start(db: Path) -> dict:
    """bench_tui's cold-start probe in a fresh interpreter, plus that process's peak RSS."""
    from benchmarks.bench_tui import STARTUP

    code = STARTUP + "\nimport resource\nprint(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss)\n"
    t0 = time.perf_counter()
    proc = subprocess.run([sys.executable, "-c", code, "kb", str(db)], capture_output=True, text=True, cwd=ROOT)
    seconds = time.perf_counter() - t0
    if proc.returncode:
        return {"phase": "tui", "error": proc.stderr.strip().splitlines()[-1:]}
    rss_kib = int(proc.stdout.split()[-1])
    return {"phase": "tui", "seconds": round(seconds, 2), "peak_mib": round(rss_kib / 1024, 1)}


def _child(name: str, args: argparse.Namespace) -> dict:
    if name == "tui":
        return tui_start(args.db)
    cmd = [
        sys.executable,
        __file__,
        "--phase",
        name,
        "--db",
        str(args.db),
        "--posts",
        str(args.posts),
        "--build",
        args.build,
        "--seed",
        str(args.seed),
    ]
    if name == "build":
        cmd[cmd.index("--posts") + 1] = str(args.build_posts)
    proc = subprocess.run(cmd, capture_output=True, text=True, cwd=ROOT)
    if proc.returncode:
        return {"phase": name, "error": proc.stderr.strip().splitlines()[-3:]}
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--phase", choices=PHASES, help="(internal) run one phase here and print its JSON")
    ap.add_argument("--db", type=Path, help="the KB (default: a temporary one, built first)")
    ap.add_argument("--build", choices=["synth", "posts"], default="synth")
    ap.add_argument("--build-posts", type=int, default=5000, help="posts for --build posts")
    ap.add_argument("--posts", type=int, default=1000, help="posts imported into the big KB by the import phase")
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--skip", nargs="*", default=[], choices=PHASES)
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    if args.phase:
        n = args.build_posts if args.phase == "build" and args.build == "posts" else args.posts
        print(json.dumps(phase(args.phase, args.db, n, args.build, args.seed)))
        return
    with tempfile.TemporaryDirectory() as tmp:
        reuse = args.db is not None and args.db.exists()
        args.db = args.db or Path(tmp) / "scale.sqlite"
        rows = []
        for name in PHASES:
            if name in args.skip or (name == "build" and reuse):
                continue
            row = _child(name, args)
            rows.append(row)
            over = " OVER BUDGET" if row.get("peak_mib", 0) > BUDGET_MIB else ""
            extra = {k: v for k, v in row.items() if k not in ("phase", "seconds", "peak_mib")}
            print(
                f"{name:7} {row.get('seconds', '-'):>8} s  peak {row.get('peak_mib', '-'):>6} MiB{over}  {extra}",
                flush=True,
            )
        import sqlite3

        con = sqlite3.connect(args.db)
        sizes = {
            t: con.execute(f"SELECT count(*) FROM {t}").fetchone()[0]
            for t in ("post", "talk", "paper", "person", "citation")
        }
        con.close()
        print(f"KB: {sizes}, {args.db.stat().st_size / 2**20:.0f} MiB")
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps({"kb": sizes, "phases": rows}, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
