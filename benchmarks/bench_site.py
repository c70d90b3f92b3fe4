"""Time, size and peak memory of ``kb site`` (and of a rebuild with nothing changed).

    python benchmarks/bench_site.py --db /tmp/x.sqlite                 # an existing KB (e.g. the sample posts)
    python benchmarks/bench_site.py --papers 100000 --talks 20000 --people 50000 --posts 500   # synth KB first

Each build runs in a fresh process; ``peak_mib`` is that process's maximum RSS.
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

REPO = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(REPO))  # this checkout's kb, not an installed one


def build_once(db: Path, out: Path, layout: str) -> dict:
    from kb.db import open_db
    from kb.site import build_site

    picture = None
    if layout != "none":
        from kb.graph import page_picture

        picture = page_picture(layout)
    t0, c0 = time.perf_counter(), time.process_time()
    report = build_site(open_db(db, create=False), out, picture=picture)
    seconds, cpu = time.perf_counter() - t0, time.process_time() - c0
    size = sum(p.stat().st_size for p in out.rglob("*") if p.is_file())
    index = (out / "search-index.js").stat().st_size
    return {
        "seconds": round(seconds, 2),
        "cpu_seconds": round(cpu, 2),  # this process's own CPU time: the machine may be shared
        "pages": report.pages,
        "written": len(report.written),
        "mib": round(size / 2**20, 1),
        "index_mib": round(index / 2**20, 1),
        "peak_mib": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--db", type=Path, help="an existing KB (default: a synthetic one, built first)")
    ap.add_argument("--papers", type=int, default=100_000)
    ap.add_argument("--talks", type=int, default=20_000)
    ap.add_argument("--people", type=int, default=50_000)
    ap.add_argument("--posts", type=int, default=500)
    ap.add_argument(
        "--layout",
        choices=["none", "python", "graphviz"],
        default="none",
        help="pictures on the pages (default none: the page build alone)",
    )
    ap.add_argument("--out", type=Path, help="the site folder (default: a temporary one)")
    ap.add_argument("--once", action="store_true", help="only the first build, not the unchanged rebuild")
    ap.add_argument("--child", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(build_once(args.db, args.out, args.layout)))
        return
    tmp = Path(tempfile.mkdtemp(prefix="kb-bench-site-"))
    db = args.db
    if db is None:
        from benchmarks.synth import build
        from kb.db import open_db

        db = tmp / "synth.sqlite"
        t0 = time.perf_counter()
        counts = build(open_db(db), papers=args.papers, talks=args.talks, people=args.people, posts=args.posts)
        print(f"synthetic KB: {counts} in {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    out = args.out or tmp / "site"
    for label in ("first build", "again, unchanged")[: 1 if args.once else 2]:
        done = subprocess.run(
            [sys.executable, __file__, "--child", "--db", str(db), "--out", str(out), "--layout", args.layout],
            capture_output=True,
            text=True,
            cwd=REPO,
            check=True,
        )
        print(label, done.stdout.strip())


if __name__ == "__main__":
    main()
