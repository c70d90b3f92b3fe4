"""Extraction speed per post, learned talk labellers vs the rule detectors alone, on one core.

    python benchmarks/bench_extract.py            # the real corpus (../shared/realcorpus), else imports/
    python benchmarks/bench_extract.py --limit 300 --json benchmarks/out/extract.json

Reports mean and median milliseconds per post for: a bare markdown-it parse (the baseline measured in
the same run), ``extract(rules_only=True)`` and ``extract()``; and the ratios to the baseline. Model
loading and wordfreq's tables are warmed up before timing (a one-off cost of the process).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

from markdown_it import MarkdownIt

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO))

from kb.corpus import manifest, shared_dir  # noqa: E402
from kb.ingest.pipeline import MAX_TEXT, extract  # noqa: E402


def posts(limit: int | None) -> list[tuple[str, str]]:
    root = shared_dir()
    if root is not None:
        docs = sorted(manifest(root).values(), key=lambda d: d.sha)
        out = [(d.file.name, d.text()) for d in docs]
    else:
        out = [(p.name, p.read_text(encoding="utf-8")) for p in sorted((REPO / "imports").glob("*.md"))]
    out = [(n, t) for n, t in out if len(t) <= MAX_TEXT]
    return out[:limit] if limit else out


def timed(fn, items) -> list[float]:
    out = []
    for name, text in items:
        t0 = time.perf_counter()
        fn(text, name)
        out.append((time.perf_counter() - t0) * 1000)
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--limit", type=int, default=None)
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args()
    items = posts(args.limit)
    md = MarkdownIt("commonmark").enable("table")
    extract(items[0][1], items[0][0])  # load models and word tables
    runs = {
        "markdown-it parse": timed(lambda t, n: md.parse(t), items),
        "extract, rules only": timed(lambda t, n: extract(t, n, rules_only=True), items),
        "extract (learned)": timed(lambda t, n: extract(t, n), items),
    }
    base = statistics.mean(runs["markdown-it parse"])
    size = statistics.mean(len(t) for _, t in items)
    print(f"{len(items)} posts, mean {size / 1024:.1f} KiB")
    result = {"posts": len(items), "mean_bytes": round(size)}
    for name, ms in runs.items():
        mean, med = statistics.mean(ms), statistics.median(ms)
        print(
            f"{name:22} mean {mean:7.2f} ms  median {med:7.2f} ms  p95 {sorted(ms)[int(0.95 * len(ms))]:7.2f} ms"
            f"  ×{mean / base:5.1f} the parse"
        )
        result[name] = {"mean_ms": round(mean, 2), "median_ms": round(med, 2), "ratio_to_parse": round(mean / base, 1)}
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(json.dumps(result, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
