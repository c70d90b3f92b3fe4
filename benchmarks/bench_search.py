"""Search latency on a synthetic KB against a raw FTS5 MATCH of the same terms, in the same run.

    python benchmarks/bench_search.py                    # 100k papers, 20k talks, 50k people
    python benchmarks/bench_search.py --scale 0.1 --import-cost --json benchmarks/out/search.json

Builds the KB with :mod:`benchmarks.synth` (bulk inserts, one index rebuild),
then times ``kb.search.search`` (limit 20) over a fixed query mix — rare word,
common word, prefix, typo, filtered — each query ``--repeat`` times in a
seeded shuffled order, and the raw FTS5 query ``SELECT rowid FROM search_fts
WHERE search_fts MATCH ? ORDER BY rank LIMIT 20`` for the same words (the
first-stage expression search builds, without filters, typo expansion,
re-ranking or snippets), on a plain sqlite3 connection.
Goals: p95 <= 20 ms and <= 2x raw FTS5. Reports index size (dbstat), peak RSS
and the Python-side peak of one query (tracemalloc).

``--import-cost`` also measures how the index is kept up to date: the
per-row triggers (what ``kb import`` uses) against skipping them and
rebuilding once after a bulk load, both for posts imported through
``kb.importer`` and for the synthetic bulk load.
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import sqlite3
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.synth import build  # noqa: E402
from kb.db import open_db, session_scope  # noqa: E402
from kb.search import parse_query, search  # noqa: E402
from kb.search.index import index_size, suspended  # noqa: E402
from kb.search.query import fts_expression  # noqa: E402

MIX = {
    "rare": [],  # filled from the index: words in 2-10 documents
    "common": ["learning", "networks", "segmentation", "for"],
    "prefix": ["zo", "contr", "transf", "segm", "le", "vedal"],
    "typo": ["tranformers", "segmentaton", "Vedaldy", "Scholkpof", "atention", "reconstruciton"],
    "filtered": [
        "year:2019 conf:ICCV",
        "author:vedaldi",
        "speaker:zoph year:2018..2020",
        "type:paper attention",
        "learning year:2019",
        "conf:NeurIPS diffusion",
        "type:talk segmentation year:2015..2020",
    ],
}


def pct(values: list[float], p: float) -> float:
    values = sorted(values)
    return values[min(len(values) - 1, int(round(p / 100 * (len(values) - 1))))]


def rare_words(db: Path, n: int = 4) -> list[str]:
    con = sqlite3.connect(db)
    rows = con.execute(
        "SELECT term FROM search_vocab WHERE doc BETWEEN 2 AND 10 AND length(term) >= 6"
        " AND term GLOB '[a-z]*' AND term NOT GLOB '*[0-9]*' ORDER BY term"
    ).fetchall()
    con.close()
    return [r[0] for r in random.Random(1).sample(rows, min(n, len(rows)))]


def raw_expression(query: str) -> str:
    return fts_expression(parse_query(query)) or '""'


def time_queries(engine, db: Path, mix: dict[str, list[str]], repeat: int) -> dict[str, dict]:
    work = [(cat, q) for cat, qs in mix.items() for q in qs for _ in range(repeat)]
    random.Random(7).shuffle(work)
    ours: dict[str, list[float]] = {c: [] for c in mix}
    raw: dict[str, list[float]] = {c: [] for c in mix}
    con = sqlite3.connect(db)
    raw_sql = "SELECT rowid FROM search_fts WHERE search_fts MATCH ? ORDER BY rank LIMIT 20"
    with session_scope(engine) as session:
        for _cat, q in work[: len(mix)]:  # warm caches and statement cache once
            search(session, q)
        for cat, q in work:
            t0 = time.perf_counter()
            search(session, q, limit=20)
            ours[cat].append((time.perf_counter() - t0) * 1000)
            expr = raw_expression(q)
            t0 = time.perf_counter()
            con.execute(raw_sql, (expr,)).fetchall()
            raw[cat].append((time.perf_counter() - t0) * 1000)
    con.close()
    ours["all"] = [x for c in mix for x in ours[c]]
    raw["all"] = [x for c in mix for x in raw[c]]
    return {
        c: {
            "n": len(ours[c]),
            "ours_p50": pct(ours[c], 50),
            "ours_p95": pct(ours[c], 95),
            "raw_p50": pct(raw[c], 50),
            "raw_p95": pct(raw[c], 95),
        }
        for c in ours
    }


def python_peak_kib(engine) -> float:
    """tracemalloc peak of the heaviest query of the mix (Python objects only; SQLite's cache is in RSS)."""
    peak = 0
    with session_scope(engine) as session:
        for q in ("learning", "tranformers", "year:2019 conf:ICCV", "zo"):
            tracemalloc.start()
            search(session, q)
            peak = max(peak, tracemalloc.get_traced_memory()[1])
            tracemalloc.stop()
    return peak / 1024


def import_cost(tmp: Path, scale: float, posts: int) -> dict[str, float]:
    """Seconds to keep the index: triggers vs one rebuild after a bulk load (posts and synthetic rows)."""
    from benchmarks.gen_corpus import generate
    from kb.importer import import_paths

    paths = generate(tmp / "posts", posts, seed=7)
    out: dict[str, float] = {}

    def timed(name: str, fn) -> None:
        t0 = time.perf_counter()
        fn()
        out[name] = time.perf_counter() - t0

    warm = open_db(tmp / "warm.sqlite")
    import_paths(warm, paths[:2])  # model load, first connection
    warm.dispose()
    e1 = open_db(tmp / "imp-triggers.sqlite")
    timed("posts_triggers", lambda: import_paths(e1, paths))
    e2 = open_db(tmp / "imp-rebuild.sqlite")

    def bulk_then_rebuild() -> None:
        with suspended(e2):
            import_paths(e2, paths)

    timed("posts_rebuild", bulk_then_rebuild)
    n = dict(
        papers=int(100_000 * scale),
        talks=int(20_000 * scale),
        people=int(50_000 * scale),
        posts=max(10, int(500 * scale)),
    )
    e3 = open_db(tmp / "synth-triggers.sqlite")
    timed("synth_triggers", lambda: build(e3, **n, index="triggers"))
    e4 = open_db(tmp / "synth-rebuild.sqlite")
    timed("synth_rebuild", lambda: build(e4, **n, index="rebuild"))
    # One more post into the big KB: incremental triggers vs what a rebuild would cost there.
    one = paths[:1]
    timed("one_post_into_synth_triggers", lambda: import_paths(e4, one))
    with session_scope(e4, write=True) as s:
        from kb.search import reindex

        timed("rebuild_synth_index", lambda: reindex(s))
    for e in (e1, e2, e3, e4):
        e.dispose()
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--scale", type=float, default=1.0, help="1.0 = 100k papers, 20k talks, 50k people")
    ap.add_argument("--repeat", type=int, default=20)
    ap.add_argument("--import-cost", action="store_true")
    ap.add_argument("--posts", type=int, default=100, help="posts for --import-cost")
    ap.add_argument("--json", type=Path)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmpdir:
        tmp = Path(tmpdir)
        db = tmp / "synth.sqlite"
        engine = open_db(db)
        counts = build(
            engine,
            papers=int(100_000 * args.scale),
            talks=int(20_000 * args.scale),
            people=int(50_000 * args.scale),
            posts=max(10, int(500 * args.scale)),
        )
        with session_scope(engine) as s:
            size = index_size(s)
            docs = s.connection().exec_driver_sql("SELECT count(*) FROM search_doc").scalar()
        mix = dict(MIX, rare=rare_words(db))
        results = time_queries(engine, db, mix, args.repeat)
        py_peak = python_peak_kib(engine)
        rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
        db_mib = db.stat().st_size / 2**20
        print(
            f"KB: {counts.papers} papers, {counts.talks} talks, {counts.people} people, {counts.posts} posts;"
            f" {docs} search documents; built and indexed in {counts.seconds:.1f} s"
        )
        print(
            f"index size {size / 2**20:.1f} MiB (search_* tables, dbstat) of a {db_mib:.1f} MiB database file;"
            f" peak RSS {rss_mib:.0f} MiB; Python peak per query {py_peak:.0f} KiB"
        )
        print(
            f"\n{'queries':<10}{'n':>5}{'ours p50':>10}{'ours p95':>10}{'raw p50':>10}{'raw p95':>10}{'p95 ratio':>11}"
        )
        for cat, r in results.items():
            ratio = r["ours_p95"] / r["raw_p95"] if r["raw_p95"] else float("inf")
            print(
                f"{cat:<10}{r['n']:>5}{r['ours_p50']:>9.2f}m{r['ours_p95']:>9.2f}m{r['raw_p50']:>9.2f}m"
                f"{r['raw_p95']:>9.2f}m{ratio:>10.1f}x"
            )
        print("(ms; goals: p95 <= 20 ms and <= 2x raw FTS5)")
        print("mix:", json.dumps(mix, ensure_ascii=False))
        report = {
            "counts": vars(counts),
            "docs": docs,
            "index_bytes": size,
            "db_bytes": db.stat().st_size,
            "peak_rss_mib": rss_mib,
            "python_peak_kib": py_peak,
            "latency_ms": results,
            "mix": mix,
        }
        engine.dispose()
        if args.import_cost:
            cost = import_cost(tmp, args.scale, args.posts)
            report["import_cost_s"] = cost
            print(f"\nindex upkeep, seconds ({args.posts} generated posts; synthetic rows at scale {args.scale}):")
            for k, v in cost.items():
                print(f"  {k:<32}{v:8.2f}")
        if args.json:
            args.json.parent.mkdir(parents=True, exist_ok=True)
            args.json.write_text(json.dumps(report, indent=2, ensure_ascii=False), encoding="utf-8")


if __name__ == "__main__":
    main()
