"""kb on PostgreSQL: concurrent importers, and search latency on a 100k-paper KB next to SQLite's.

    python benchmarks/bench_postgres.py                        # a throwaway server (tests/pg_server.py)
    python benchmarks/bench_postgres.py --url postgresql://kb@host/kbbench   # an existing, empty database
    python benchmarks/bench_postgres.py --posts 1000 --importers 4 --verify --json benchmarks/out/pg.json

1. ``gen_corpus`` posts (default 1,000) imported by N ``kb import`` processes at
   once into one PostgreSQL database, each with its share of the files plus a
   few of its neighbour's (so posts are also raced for): posts/s, transaction
   retries, and duplicates — people or paper identity keys that occur twice
   (0 by construction: unique constraints) — and, with ``--verify``, whether the
   result equals a one-process import of the same posts in commit order
   (``kb dump``), which catches near-duplicates no constraint could.
   The same posts by one importer into PostgreSQL and into SQLite, for scale.
2. ``benchmarks/synth.py``'s 100k-paper / 20k-talk KB loaded into both backends;
   ``kb.search.search`` over bench_search's query mix, p50/p95 on each.
"""

from __future__ import annotations

import argparse
import json
import random
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

WORKER = """
import json, sys, time
from kb.db import open_db
from kb.importer import import_paths
engine = open_db(sys.argv[1])
t0 = time.perf_counter()
workers = int(sys.argv[2])  # 1 when several importers share the cores: their own extraction pools would thrash
s = import_paths(engine, sys.argv[3:], workers=workers or None)
print(json.dumps({"new": s.count("new"), "unchanged": s.count("unchanged"), "failed": s.count("failed"),
                  "retries": sum(r.retries for r in s.results), "seconds": time.perf_counter() - t0,
                  "errors": [r.error[:200] for r in s.failed][:3]}))
"""


def _import_concurrently(url: str, files: list[Path], importers: int, cwd: Path) -> dict:
    slices = [files[i::importers] + files[(i + 1) % importers :: importers][:5] for i in range(importers)]
    t0 = time.perf_counter()
    procs = [
        subprocess.Popen(
            [sys.executable, "-c", WORKER, url, "1", *map(str, s)],
            cwd=cwd,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for s in slices
    ]
    outs = [p.communicate() for p in procs]
    wall = time.perf_counter() - t0
    rows = [
        json.loads(o.strip().splitlines()[-1]) if p.returncode == 0 else {"error": e[-400:]}
        for p, (o, e) in zip(procs, outs, strict=False)
    ]
    return {
        "importers": importers,
        "seconds": round(wall, 1),
        "posts_per_s": round(len(files) / wall, 1),
        "new": sum(r.get("new", 0) for r in rows),
        "failed": sum(r.get("failed", 0) for r in rows),
        "retries": sum(r.get("retries", 0) for r in rows),
        "errors": [r for r in rows if "error" in r or r.get("errors")],
    }


def _duplicates(url: str) -> dict:
    import psycopg

    with psycopg.connect(url) as c:
        return {
            "people": c.execute("SELECT count(*) - count(DISTINCT key) FROM person").fetchone()[0],
            "paper_keys": c.execute("SELECT count(*) - count(DISTINCT key) FROM paperkey").fetchone()[0],
            "posts": c.execute("SELECT count(*) FROM post").fetchone()[0],
        }


def _one_importer(db: str, files: list[Path], cwd: Path) -> float:
    t0 = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-c", WORKER, db, "0", *map(str, files)], cwd=cwd, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    return round(len(files) / (time.perf_counter() - t0), 1)


def _dump(db: str) -> str:
    from kb.db import open_db, session_scope
    from kb.maintenance import dump_json

    engine = open_db(db)
    with session_scope(engine) as s:
        text = dump_json(s, body=False)
    engine.dispose()
    return text


def _search_latency(db: str, repeat: int) -> dict:
    from benchmarks.bench_search import MIX, pct
    from kb.db import open_db, session_scope
    from kb.search import search

    engine = open_db(db)
    queries = [q for qs in MIX.values() for q in qs] + ["segmentation vedaldi", "Scalable Representations"]
    work = queries * repeat
    random.Random(7).shuffle(work)
    times = []
    with session_scope(engine) as s:
        for q in queries:
            search(s, q)  # warm up
        for q in work:
            t0 = time.perf_counter()
            search(s, q, limit=20)
            times.append((time.perf_counter() - t0) * 1000)
    engine.dispose()
    return {"queries": len(times), "p50_ms": round(pct(times, 50), 2), "p95_ms": round(pct(times, 95), 2)}


def _synth(db: str) -> float:
    from benchmarks.synth import build
    from kb.db import open_db

    engine = open_db(db)
    t0 = time.perf_counter()
    build(engine, papers=100_000, talks=20_000, people=50_000, posts=500, seed=7)
    if engine.dialect.name == "postgresql":  # synth writes explicit ids: move the sequences past them
        from sqlmodel import SQLModel

        with engine.begin() as conn:
            for t in SQLModel.metadata.sorted_tables:
                if "id" in t.c and t.c.id.primary_key:
                    conn.exec_driver_sql(
                        f"SELECT setval(pg_get_serial_sequence('\"{t.name}\"', 'id'), "
                        f'coalesce((SELECT max(id) FROM "{t.name}"), 0) + 1, false)'
                    )
        from kb.db import session_scope
        from kb.search import refresh

        with session_scope(engine, write=True) as s:
            refresh(s)  # what kb import does after an import: the typo vocabulary
        with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            conn.exec_driver_sql("VACUUM ANALYZE")  # what autovacuum would do shortly after a bulk load
    engine.dispose()
    return round(time.perf_counter() - t0, 1)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--url", help="an existing PostgreSQL server's database URL (default: start a throwaway server)")
    ap.add_argument("--posts", type=int, default=1000)
    ap.add_argument("--importers", type=int, default=4)
    ap.add_argument("--verify", action="store_true", help="also compare with a one-process import (slow)")
    ap.add_argument("--repeat", type=int, default=10, help="runs of each search query")
    ap.add_argument("--skip-search", action="store_true")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    import signal

    from benchmarks.gen_corpus import generate
    from tests.pg_server import PgServer

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # `timeout` / kill: still stop the server below
    server = PgServer(url=args.url) if args.url else PgServer.start()
    out: dict = {}
    try:
        with tempfile.TemporaryDirectory() as tmp_name:
            tmp = Path(tmp_name)
            files = [p.relative_to(tmp) for p in generate(tmp / "posts", args.posts, seed=7)]
            url = server.create_database("kb_bench_concurrent")
            from kb.db import open_db

            open_db(url).dispose()
            print(f"{len(files)} posts; {args.importers} importers at once into PostgreSQL …", flush=True)
            out["concurrent"] = _import_concurrently(url, files, args.importers, tmp)
            out["duplicates"] = _duplicates(url)
            print("concurrent import:", out["concurrent"], out["duplicates"], flush=True)
            out["one_importer_pg_posts_per_s"] = _one_importer(server.create_database("kb_bench_one"), files, tmp)
            out["one_importer_sqlite_posts_per_s"] = _one_importer(str(tmp / "one.sqlite"), files, tmp)
            print(
                "one importer: PostgreSQL",
                out["one_importer_pg_posts_per_s"],
                "posts/s, SQLite",
                out["one_importer_sqlite_posts_per_s"],
                "posts/s",
                flush=True,
            )
            if args.verify:
                import psycopg

                with psycopg.connect(url) as c:
                    order = [r[0] for r in c.execute("SELECT path FROM post ORDER BY id")]
                seq = server.create_database("kb_bench_sequential")
                _one_importer(seq, [Path(p) for p in order], tmp)
                out["equals_sequential_import"] = _dump(url) == _dump(seq)
                print("equals a sequential import in commit order:", out["equals_sequential_import"], flush=True)
            if not args.skip_search:
                print("loading the 100k-paper KB into SQLite and PostgreSQL …", flush=True)
                pg = server.create_database("kb_bench_search")
                out["search"] = {
                    "sqlite": {"load_s": _synth(str(tmp / "synth.sqlite"))},
                    "postgresql": {"load_s": _synth(pg)},
                }
                out["search"]["sqlite"] |= _search_latency(str(tmp / "synth.sqlite"), args.repeat)
                out["search"]["postgresql"] |= _search_latency(pg, args.repeat)
                print("search, 100k papers:", out["search"], flush=True)
    finally:
        server.stop()
    print(json.dumps(out, indent=1))
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(out, indent=1) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
