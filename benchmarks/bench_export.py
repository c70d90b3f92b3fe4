"""BibTeX export speed against bibtexparser's own ``write_string``, in the same run.

    python benchmarks/bench_export.py --entries 100000

Both sides get the same synthetic papers (seeded; accents, LaTeX specials,
acronyms, CJK, et al.). bibtexparser writes a Library of plain-Unicode entries
(its default unparse stack, which encloses values; and, stricter, the in-place
stack that skips its deep copy). kb's side is the whole formatter: LaTeX
encoding, title protection, names, entries, layout. Target: kb ≤ 1.5× the
default ``write_string``. Also prints the end-to-end export from a SQLite DB
(two queries + formatting) for the same entries.

``synthetic_records`` and ``store_records`` are reused by tests/test_export_bibtex.py.
"""

from __future__ import annotations

import argparse
import gc
import random
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import bibtexparser  # noqa: E402
from bibtexparser.middlewares import default_unparse_stack  # noqa: E402
from bibtexparser.model import Entry, Field  # noqa: E402
from sqlalchemy import insert  # noqa: E402

from kb.citekeys import make_citekey, suffixed  # noqa: E402
from kb.export.bibtex import format_bibtex  # noqa: E402
from kb.export.records import Author, PaperRecord  # noqa: E402

FAMILIES = (
    "Vedaldi",
    "Schölkopf",
    "Łukasz",
    "van der Maaten",
    "Khansari-Zadeh",
    "O'Neil",
    "Jégou",
    "Müller",
    "Zhang",
    "García Márquez",
    "de la Cruz",
    "Nguyễn",
    "Smith",
    "Dvořák",
    "Øvergaard",
    "Çelik",
    "李",
)
GIVEN = (
    "Andrea",
    "Bernhard",
    "Kaiser",
    "Laurens",
    "S. M.",
    "M.-W.",
    "Hervé",
    "J.",
    "Ruth",
    "José",
    "Ana",
    "Thị",
    "Zoë",
    "",
    "Søren",
    "小明",
)
WORDS = (
    "deep",
    "learning",
    "networks",
    "GAN",
    "ImageNet",
    "T-Net",
    "via",
    "of",
    "the",
    "Gaussian",
    "BERT’s",
    "robust",
    "3D",
    "causal",
    "inference",
    "self-supervised",
    "100%",
    "x_0",
    "C++",
    "R&D",
    "#1",
    "~approx",
    "a^2",
    "Über",
    "naïve",
    "“quoted”",
    "—",
    "…",
    "{braced}",
    "back\\slash",
    "$\\alpha$",
    "中文",
    "🙂",
)
HOSTILE = (
    "}{\\end{document}",
    "50% of $x_0$ & more",
    "@misc{evil, title={x}}",
    "\\input{/etc/passwd}",
    "unbalanced { brace",
    "} closing first",
    "tab\there\nnewline",
    "and others",
    "Title, with, commas",
)
VENUES = (
    "Proceedings of the IEEE International Conference on Computer Vision",
    "NeurIPS",
    "Nature",
    "Journal of Machine Learning Research",
    "arXiv preprint",
    "Proc. R&D Conf.",
    "ACM SIGMOD #42",
)
TYPES = ("inproceedings", "article", "misc", "book", "incollection", "phdthesis", "techreport")


def synthetic_records(n: int, seed: int = 7, hostile: bool = True) -> list[PaperRecord]:
    """``n`` papers with unique Better BibTeX keys; same seed, same papers."""
    rnd = random.Random(seed)
    taken: set[str] = set()
    out: list[PaperRecord] = []
    for i in range(1, n + 1):
        words = [rnd.choice(WORDS) for _ in range(rnd.randint(3, 12))]
        if hostile and rnd.random() < 0.08:
            words.insert(rnd.randrange(len(words) + 1), rnd.choice(HOSTILE))
        title = " ".join(words)
        title = title[0].upper() + title[1:]
        authors = [Author(rnd.choice(FAMILIES), rnd.choice(GIVEN)) for _ in range(rnd.randint(0, 6))]
        if hostile and rnd.random() < 0.03 and authors:
            authors[0] = Author("Gates Foundation and Partners, Inc.", "")
        year = rnd.choice((None, *range(1990, 2025)))
        ptype = rnd.choice(TYPES)
        arxiv = (
            f"{rnd.randint(10, 24):02d}{rnd.randint(1, 12):02d}.{rnd.randint(0, 99999):05d}"
            if rnd.random() < 0.3
            else None
        )
        venue = rnd.choice(VENUES) if rnd.random() < 0.8 else None
        key = suffixed(make_citekey(authors[0].family if authors else "", title, year) or f"ref{i}", taken)
        taken.add(key.lower())
        out.append(
            PaperRecord(
                id=i,
                citekey=key,
                type=ptype,
                title=title if rnd.random() < 0.97 else None,
                year=year,
                venue=venue,
                doi=f"10.{rnd.randint(1000, 9999)}/x_{i}<{i}>" if rnd.random() < 0.4 else None,
                arxiv_id=arxiv,
                url=f"https://example.org/p?id={i}&q=a b{{c}}" if rnd.random() < 0.3 else None,
                publisher=rnd.choice(("MIT Press", "Springer & Co", None)),
                pages=rnd.choice((None, f"{i}-{i + 9}", f"{i}–{i + 3}", "e1003")),
                volume=rnd.choice((None, "12", "3(2)")),
                issue=rnd.choice((None, "4", "S1")),
                et_al=rnd.random() < 0.2,
                authors=authors,
            )
        )
    return out


def store_records(session, records: list[PaperRecord]) -> None:
    """Insert the records as Paper, Person and Authorship rows (bulk; the caller commits)."""
    from kb.models import Authorship, Paper, Person

    people: dict[tuple[str, str], int] = {}
    for rec in records:
        for a in rec.authors:
            people.setdefault((a.family, a.given), len(people) + 1)
    session.execute(
        insert(Person),
        [
            {"id": pid, "key": f"p{pid}", "name": f"{g} {f}".strip(), "family": f, "given": g, "family_key": f.lower()}
            for (f, g), pid in people.items()
        ],
    )
    cols = (
        "id",
        "citekey",
        "type",
        "title",
        "year",
        "venue",
        "doi",
        "arxiv_id",
        "url",
        "publisher",
        "pages",
        "volume",
        "issue",
        "et_al",
    )
    session.execute(insert(Paper), [{c: getattr(r, c) for c in cols} for r in records])
    session.execute(
        insert(Authorship),
        [
            {"paper_id": r.id, "position": pos, "person_id": people[(a.family, a.given)]}
            for r in records
            for pos, a in enumerate(r.authors)
        ],
    )


def plain_entries(records: list[PaperRecord]) -> list[Entry]:
    """The same papers as bibtexparser entries with plain Unicode values (its own writer's input)."""
    out = []
    for r in records:
        fields = [Field("author", " and ".join(f"{a.family}, {a.given}" for a in r.authors))] if r.authors else []
        for key, value in (
            ("title", r.title),
            ("booktitle", r.venue),
            ("year", r.year),
            ("volume", r.volume),
            ("number", r.issue),
            ("pages", r.pages),
            ("publisher", r.publisher),
            ("doi", r.doi),
            ("url", r.url),
            ("eprint", r.arxiv_id),
        ):
            if value is not None:
                fields.append(Field(key, str(value)))
        out.append(Entry(r.type, r.citekey, fields))
    return out


def best_of(runs: int, *fns) -> list[float]:
    """Best time of each function over ``runs`` rounds, interleaved (A B A B …) with the GC off, as timeit does.

    Interleaving matters on a shared machine: load that comes and goes hits every side alike.
    """
    best = [float("inf")] * len(fns)
    gc.collect()
    gc.disable()
    try:
        for _ in range(runs):
            for i, fn in enumerate(fns):
                t0 = time.perf_counter()
                fn()
                best[i] = min(best[i], time.perf_counter() - t0)
    finally:
        gc.enable()
    return best


def build_db(engine, n: int, seed: int) -> str:
    """Fill ``engine`` with ``n`` papers: benchmarks/synth.py when it is there, else our own generator."""
    try:
        from benchmarks.synth import build
    except ImportError:
        from kb.db import session_scope

        with session_scope(engine, write=True) as session:
            store_records(session, synthetic_records(n, seed))
        return "bench_export.synthetic_records"
    build(engine, papers=n, talks=max(1, n // 5), people=max(1, n // 2), seed=seed)
    return "benchmarks/synth.py"


def compare(label: str, records: list[PaperRecord], runs: int, e2e=None) -> None:
    """Print kb's formatter (and, if given, the end-to-end export) against bibtexparser's write_string."""
    library = bibtexparser.Library()
    library.add(plain_entries(records))
    fmt = bibtexparser.BibtexFormat()
    fmt.indent = "  "
    fns = [
        lambda: bibtexparser.write_string(library, bibtex_format=fmt),
        lambda: bibtexparser.write_string(
            library, unparse_stack=default_unparse_stack(allow_inplace_modification=True), bibtex_format=fmt
        ),
        lambda: format_bibtex(records),
    ]
    if e2e is not None:
        fns.append(e2e)
    theirs, inplace, ours, *total = best_of(runs, *fns)
    print(f"== {label}: {len(records)} entries (best of {runs}, interleaved)")
    print(f"  bibtexparser write_string     {theirs:7.3f} s  (default unparse stack)")
    print(f"  bibtexparser write_string     {inplace:7.3f} s  (in-place unparse stack: no deep copy)")
    print(
        f"  kb format_bibtex              {ours:7.3f} s  = {ours / theirs:.2f}x write_string"
        f"  ({ours / inplace:.2f}x in-place)   target <= 1.5x"
    )
    if total:
        print(
            f"  kb export from SQLite         {total[0]:7.3f} s  = {total[0] / theirs:.2f}x write_string"
            f"  (read papers + authors, then format)"
        )


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--entries", type=int, default=100_000)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--runs", type=int, default=3)
    args = ap.parse_args()
    import logging

    logging.getLogger("bibtexparser").setLevel(logging.ERROR)  # its "deep-copies blocks" notice, once per run

    from kb.db import open_db, session_scope
    from kb.export import Selection, formats
    from kb.export.records import load_records

    with tempfile.TemporaryDirectory() as tmp:
        engine = open_db(Path(tmp) / "bench.sqlite")
        source = build_db(engine, args.entries, args.seed)
        with session_scope(engine, write=True) as session:
            t0 = time.perf_counter()
            records = load_records(session, None)  # the first export assigns every citekey
            first = time.perf_counter() - t0
        print(f"first export assigns {len(records)} citekeys: {first:.2f} s (once per paper, ever)")

        def from_db() -> None:
            with session_scope(engine, write=True) as session:
                formats["bibtex"](session, Selection())

        compare(f"library from {source}", records, args.runs, from_db)
        engine.dispose()
    compare(
        "hostile generated library (accents, specials, CJK, braces)",
        synthetic_records(args.entries, args.seed),
        args.runs,
    )


if __name__ == "__main__":
    main()
