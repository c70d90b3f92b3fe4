"""Fuzz the whole import with Hypothesis: 10k+ generated posts, no unhandled exception, hostile inputs timed.

    python benchmarks/fuzz_import.py --cases 10000 [--seed 1] [--json out.json]

The strategies below are also what tests/test_fuzz.py uses (with fewer cases).

Three sources, because random text alone rarely reaches the interesting code:
Markdown/HTML/citation fragments glued at random, front matter blocks (valid
YAML/TOML, broken, aliased), and the sample posts mutated (slices deleted,
duplicated, swapped, fragments spliced in, bytes flipped).
"""

from __future__ import annotations

import sys
from collections.abc import Callable
from pathlib import Path

import yaml
from hypothesis import strategies as st

REPO = Path(__file__).resolve().parents[1]
SAMPLES = [p.read_text(encoding="utf-8") for p in sorted((REPO / "imports").glob("*.md"))]
_SEED = REPO.parent / "shared" / "corpus" / "iccv-2019-seoul.md"
if _SEED.exists():
    SAMPLES.append(_SEED.read_text(encoding="utf-8"))

FRAGMENTS = [
    "\n",
    "\n\n",
    "# ",
    "## ",
    "### References\n",
    "## Bibliography\n",
    "**References**\n",
    "> ",
    ">> ",
    "- ",
    "* ",
    "1. ",
    "  - ",
    "    ",
    "\t",
    "[1]",
    "[2-4]",
    "[3,4,5]",
    "[1-50,1-50]",
    "[^1]",
    "[^1]: ",
    "[He2016]",
    "[@key]",
    "(Smith, 2019)",
    "(Devlin et al., 2019; Vaswani et al., 2017)",
    "Smith et al. (2018)",
    "(1, 2)",
    "[",
    "]",
    "(",
    ")",
    "![img](",
    "](http://",
    "](",
    "<https://x.org>",
    "https://arxiv.org/abs/1706.03762",
    "doi:10.1000/xyz",
    "https://doi.org/10.1145/3292500",
    "www.example.org/slides.pdf",
    "[slides]()",
    "[[a](b)](c)",
    "**",
    "__",
    "_",
    "`",
    "```\n",
    "~~~\n",
    "```bibtex\n@article{a,\n  title={T},\n  author={Smith, A and Doe, B},\n  year={2019}\n}\n```\n",
    "@inproceedings{",
    "<div>",
    "</div>",
    "<a href='x'>",
    "</a>",
    "<br>",
    "<table><tr><td>",
    "<!-- ",
    " -->",
    "|",
    "| Title | Speaker |\n|---|---|\n",
    "---\n",
    "+++\n",
    "...\n",
    "title: x\n",
    "date: 2019-10-30\n",
    "{% highlight python %}",
    "{% endhighlight %}",
    "{{< figure src=x >}}",
    "{{ site.url }}",
    "Andrea Vedaldi",
    "A. Veladi",
    "Prof. ",
    "Dr. ",
    "Workshop on ",
    "Tutorial: ",
    "Keynote by ",
    "Invited talk: ",
    "Panel",
    "talk by ",
    " — ",
    " - ",
    ", ",
    ". ",
    '"',
    "'",
    "é",
    "√©",
    "Ã©",
    "\u200b",
    "\ufeff",
    "\r\n",
    "\r",
    "\\",
    "\\'e",
    '{\\"o}',
    "&amp;",
    "&#x41;",
    "$x^2$",
    "ICCV 2019",
    "NeurIPS",
    "2019",
    "1999",
    "pp. 1-10",
    "et al.",
    "Jr.",
    "van der ",
    "李飞飞",
]

fragments_text = st.lists(st.one_of(st.sampled_from(FRAGMENTS), st.text(max_size=12)), max_size=80).map("".join)

_scalar = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(-10, 3000),
    st.floats(allow_nan=True),
    st.text(max_size=12),
    st.dates().map(str),
)
_yaml_value = st.recursive(
    _scalar,
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=6), inner, max_size=3),
    max_leaves=8,
)
_keys = st.sampled_from(["title", "date", "tags", "draft", "published", "categories", "conference", "location", "url"])


def _yaml_block(d: dict) -> str:
    try:
        return "---\n" + yaml.safe_dump(d, allow_unicode=True) + "---\n"
    except yaml.YAMLError:
        return "---\n---\n"


front_matter = st.one_of(
    st.dictionaries(st.one_of(_keys, st.text(max_size=6)), _yaml_value, max_size=5).map(_yaml_block),
    fragments_text.map(lambda t: "---\n" + t + "\n---\n"),  # broken YAML, or a horizontal rule
    fragments_text.map(lambda t: "+++\n" + t + "\n+++\n"),  # broken TOML
    st.just("---\na: &a [x, x]\nb: [*a, *a]\n---\n"),  # aliases are refused
    st.just('+++\ntitle = "T"\ndate = 2019-10-30\ntags = ["a", "b"]\n+++\n'),
    st.just("---\ntitle: unclosed\n"),
    st.just(""),
)


@st.composite
def mutated_sample(draw) -> str:
    """A sample post with a few random edits."""
    text = draw(st.sampled_from(SAMPLES))
    for _ in range(draw(st.integers(1, 6))):
        op = draw(st.sampled_from(["delete", "duplicate", "insert", "swap_lines", "truncate", "replace_char"]))
        i = draw(st.integers(0, len(text)))
        j = draw(st.integers(i, min(len(text), i + 300)))
        if op == "delete":
            text = text[:i] + text[j:]
        elif op == "duplicate":
            text = text[:j] + text[i:j] + text[j:]
        elif op == "insert":
            text = text[:i] + draw(st.sampled_from(FRAGMENTS)) + text[i:]
        elif op == "swap_lines":
            lines = text.split("\n")
            a, b = draw(st.integers(0, len(lines) - 1)), draw(st.integers(0, len(lines) - 1))
            lines[a], lines[b] = lines[b], lines[a]
            text = "\n".join(lines)
        elif op == "truncate":
            text = text[:j]
        elif op == "replace_char" and text:
            k = min(i, len(text) - 1)
            text = text[:k] + draw(st.characters()) + text[k + 1 :]
    return text


post_text = st.one_of(
    mutated_sample(),
    st.tuples(front_matter, fragments_text).map("".join),
    st.text(max_size=300),
)


@st.composite
def post_bytes(draw) -> bytes:
    """What a file on disk may hold: a post, its bytes flipped, or noise."""
    kind = draw(st.sampled_from(["text", "flipped", "noise"]))
    if kind == "noise":
        return draw(st.binary(max_size=3000))
    data = bytearray(draw(post_text).encode("utf-8", "surrogatepass"))
    if kind == "flipped" and data:
        for _ in range(draw(st.integers(1, 5))):
            data[draw(st.integers(0, len(data) - 1))] = draw(st.integers(0, 255))
    return bytes(data)


# ---------------------------------------------------------------- hostile inputs


def _seed_like(size: int) -> bytes:
    body = "\n".join(SAMPLES)
    return ("---\ntitle: big\n---\n" + (body * (size // max(len(body), 1) + 1)))[:size].encode("utf-8", "ignore")


def _bib_authors(n: int) -> bytes:
    names = " and ".join(f"Author{i}, First{i}" for i in range(n))
    return ("@article{big,\n  title={Many Authors},\n  author={" + names + "},\n  year={2019}\n}\n").encode()


HOSTILE: dict[str, Callable[[], bytes]] = {
    "10 MB post": lambda: _seed_like(10_000_000),
    "1 MB single line": lambda: ("word [1] (Smith, 2019) " * (1_000_000 // 23)).encode(),
    "250 KB post (just under the limit)": lambda: _seed_like(250_000),
    "10,000 nested blockquotes": lambda: ("> " * 10_000 + "deep\n").encode(),
    "10,000 nested lists": lambda: ("- " * 10_000 + "x\n").encode(),
    "2,000 indented list levels": lambda: "".join("  " * min(i, 60) + "- x\n" for i in range(2_000)).encode(),
    "10,000 nested HTML divs": lambda: ("<div>" * 10_000 + "x" + "</div>" * 10_000).encode(),
    "10,000 nested brackets": lambda: ("[" * 10_000 + "x" + "]" * 10_000).encode(),
    "binary data": lambda: bytes(range(256)) * 400,
    "invalid UTF-8": lambda: b"# Notes\n\nAndrea Vedaldi \xff\xfe\xc3\x28 talked.\n" * 100,
    "YAML alias bomb": lambda: (
        "---\na: &a [lol, lol, lol, lol, lol, lol, lol, lol, lol]\n"
        + "".join(f"{c}: &{c} [{', '.join(['*' + p] * 9)}]\n" for p, c in zip("abcdefgh", "bcdefghi", strict=False))
        + "title: boom\n---\nbody\n"
    ).encode(),
    "YAML 5,000 deep": lambda: ("---\nx: " + "[" * 5000 + "]" * 5000 + "\n---\nbody\n").encode(),
    "60 KB front matter": lambda: ("---\n" + "".join(f"k{i}: {'v' * 50}\n" for i in range(1200)) + "---\nb\n").encode(),
    "unclosed TOML": lambda: b'+++\ntitle = "x"\n\nNo closing line.\n',
    "cite range bomb": lambda: (
        "## Talk\n\nWe saw [" + ",".join(["1-50"] * 45_000) + '] here.\n\n## References\n\n[1] Smith, J. "T." 2019.\n'
    ).encode(),
    "20,000 references": lambda: (
        "## References\n\n" + "".join(f'[{i}] Smith, J. "Title {i}." 2019.\n' for i in range(20_000))
    )[:250_000].encode(),
    # Backtracking (issue 19): long runs of spaces, separators, brackets, repeated names, unclosed tags.
    "'Talk by ' + 200,000 spaces": lambda: ("Talk by " + " " * 200_000 + "x\n").encode(),
    "12,000 hyphenated names": lambda: ("-".join(["Jean"] * 12_000) + "\n").encode(),
    "20,000 names and 'and'": lambda: ("Jean and " * 20_000 + "(2019\n").encode(),
    "60,000 Liquid openers": lambda: ("{% " * 60_000 + "\n").encode(),
    "60,000 Liquid outputs": lambda: ("{{ " * 60_000 + "\n").encode(),
    "20,000 Hugo figures unclosed": lambda: ("{{< figure " * 20_000 + "\n").encode(),
    "unclosed pandoc cite, 3,000 keys": lambda: ("[" + "@a a " * 3_000 + "\n").encode(),
    "60,000 open brackets and parens": lambda: ("[(" * 60_000 + "\n").encode(),
    # markdown-it's link-label scan restarts at every '[' (kb.ingest.markdown.defuse_brackets bounds it).
    "128,000 image openers '!['": lambda: ("![" * 128_000 + "\n").encode(),
    "128,000 footnote openers '[^'": lambda: ("[^" * 128_000 + "\n").encode(),
    "128,000 nested brackets": lambda: ("[" * 128_000 + "]" * 128_000 + "\n")[:250_000].encode(),
    "'[' in every third word": lambda: ("word [ word " * 21_000 + "\n").encode(),
    "4,000 paragraphs of 63 '['": lambda: (("[" * 63 + "\n\n") * 3_900).encode(),
    "85,000 empty links, unclosed '[]('": lambda: ("[](" * 83_000 + "\n").encode(),
    "30,000 ' with ' after a talk": lambda: ("A talk" + " with " * 30_000 + "x\n").encode(),
    "bib entry, 4,000 authors": lambda: _bib_authors(4_000),
    "bib entry, 20,000 authors": lambda: _bib_authors(20_000),
    "empty file": lambda: b"",
    "only whitespace": lambda: b" \n\t\n" * 100,
    "BOM + CRLF": lambda: b"\xef\xbb\xbf---\r\ntitle: x\r\n---\r\n# ICCV 2019\r\n\r\nA talk by Jane Roe [1].\r\n",
}
"""Name → file bytes. Each must import or be refused with a clear error, quickly, in bounded memory."""


def run_hostile(engine, tmp: Path, measure_memory: bool = True) -> list[dict]:
    """Import every HOSTILE input; returns one row per input (status, error, seconds, peak MiB).

    ``measure_memory`` traces Python allocations per input (tracemalloc), which
    also makes everything several times slower: time and memory come from two runs.
    """
    import time
    import tracemalloc

    from kb.importer import import_file

    rows = []
    for name, make in HOSTILE.items():
        suffix = ".bib" if name.startswith("bib ") else ".md"
        path = tmp / ("hostile-" + "".join(c if c.isalnum() else "-" for c in name) + suffix)
        path.write_bytes(make())
        if measure_memory:
            tracemalloc.start()
        t0 = time.perf_counter()
        result = import_file(engine, path, force=True)  # the memory pass re-reads what the timing pass stored
        seconds = time.perf_counter() - t0
        peak = tracemalloc.get_traced_memory()[1] / 2**20 if measure_memory else None
        if measure_memory:
            tracemalloc.stop()
        rows.append(
            {
                "input": name,
                "bytes": path.stat().st_size,
                "status": result.status,
                "error": result.error,
                "seconds": round(seconds, 3),
                "peak_mib": None if peak is None else round(peak, 1),
            }
        )
    return rows


# ---------------------------------------------------------------- one fuzz case

ALLOWED = ("BadInput", "BadFrontMatter", "BadBibtex")


def check_stages(text: str) -> None:
    """Run each ingest stage on ``text``; only kb's own input errors may escape."""
    from kb.errors import BadInput
    from kb.ingest.citations import find_cites
    from kb.ingest.frontmatter import split_front_matter
    from kb.ingest.markdown import walk
    from kb.ingest.pipeline import extract
    from kb.ingest.references import find_references

    try:
        fm, body, offset = split_front_matter(text, "fuzz.md")
        assert isinstance(fm, dict) and text.endswith(body) and offset >= 0
    except BadInput:
        body, offset = text, 0
    blocks = walk(body, offset)
    refs, bibtex, used = find_references(blocks)
    assert used <= set(range(len(blocks)))
    for c in find_cites(body):
        assert 0 <= c.start <= len(body) and c.marker
    try:
        x = extract(text, "fuzz.md")
    except BadInput:
        return
    import json

    json.dumps(x.to_json())


def check_import(engine, path: Path, data: bytes):
    """Import ``data`` as ``path``: it is stored or refused as bad input, never an internal error."""
    from kb.importer import import_file

    path.write_bytes(data)
    result = import_file(engine, path, force=True)
    assert result.status in ("new", "updated", "unchanged", "failed"), result
    if result.status == "failed":
        assert "internal error" not in (result.error or ""), result.error
        assert "\n" not in result.error and str(path.name) in result.error, result.error
    return result


# ---------------------------------------------------------------- the long run


def peak_rss_mib() -> float:
    """This process's peak resident memory since it started running this program.

    Linux's ``ru_maxrss`` counts the memory of the process that forked us until our ``exec``
    (pytest's, when a test starts this script), so read the peak of our own address space instead.
    """
    try:
        for line in Path("/proc/self/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return round(int(line.split()[1]) / 1024, 1)
    except OSError:
        pass
    import resource

    return round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)


def main(argv: list[str] | None = None) -> None:
    import argparse
    import json
    import tempfile
    import time
    from collections import Counter

    from hypothesis import HealthCheck, given, seed, settings

    sys.path.insert(0, str(REPO))
    from kb.db import open_db
    from kb.maintenance import check

    ap = argparse.ArgumentParser(description="Fuzz every ingest stage and the whole import.")
    ap.add_argument("--cases", type=int, default=10_000)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--json", type=Path, help="write the figures here")
    ap.add_argument("--no-hostile", action="store_true")
    ap.add_argument("--hostile-only", action="store_true", help="just time the hostile inputs (no tracemalloc pass)")
    args = ap.parse_args(argv)
    if args.hostile_only:
        with tempfile.TemporaryDirectory() as tmp_name:
            engine = open_db(Path(tmp_name) / "hostile.sqlite")
            out = {"hostile": run_hostile(engine, Path(tmp_name), measure_memory=False), "max_rss_mib": peak_rss_mib()}
            engine.dispose()
        print(json.dumps(out, indent=1, ensure_ascii=False))
        return
    statuses: Counter[str] = Counter()
    slowest: list[tuple[float, str]] = []
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(tmp_name)
        engine = open_db(tmp / "fuzz.sqlite")
        n = [0]

        @seed(args.seed)
        @settings(
            max_examples=args.cases,
            deadline=None,
            database=None,
            derandomize=False,
            suppress_health_check=list(HealthCheck),
        )
        @given(text=post_text, data=post_bytes())
        def case(text: str, data: bytes) -> None:
            n[0] += 1
            t0 = time.perf_counter()
            check_stages(text)
            # Twenty paths, so posts replace each other and garbage collection runs all the time.
            result = check_import(
                engine, tmp / f"post-{n[0] % 20:02d}.md", data if n[0] % 2 else text.encode("utf-8", "surrogatepass")
            )
            statuses[result.status] += 1
            dt = time.perf_counter() - t0
            slowest.append((dt, text[:60]))
            slowest.sort(reverse=True)
            del slowest[5:]
            if n[0] % 1000 == 0:
                print(f"{n[0]} cases, {dict(statuses)}", file=sys.stderr, flush=True)

        t0 = time.perf_counter()
        case()
        elapsed = time.perf_counter() - t0
        report = check(engine, root=tmp, files=False)
        out = {
            "cases": n[0],
            "seconds": round(elapsed, 1),
            "statuses": dict(statuses),
            "slowest_case_s": [round(s, 3) for s, _ in slowest],
            "db_check_ok": report.ok,
        }
        if not report.ok:
            out["db_check"] = report.to_json()
        if not args.no_hostile:
            timed = run_hostile(engine, tmp, measure_memory=False)
            traced = {r["input"]: r["peak_mib"] for r in run_hostile(engine, tmp, measure_memory=True)}
            out["hostile"] = [r | {"peak_mib": traced[r["input"]]} for r in timed]
        engine.dispose()
    print(json.dumps(out, indent=1, ensure_ascii=False))
    if args.json:
        args.json.write_text(json.dumps(out, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    if not out["db_check_ok"]:
        sys.exit(1)


if __name__ == "__main__":
    main()
