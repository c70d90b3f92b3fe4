"""Issue 19, item 7: the same posts give the same knowledge base whatever the order, the concurrency or the
number of re-imports, and ``kb sync`` converges to ``dump(source) == dump(target)``.

Random subsets and orders of the sample posts (and of a few real-corpus train documents when ../shared is
mounted) are imported one at a time, through the importer's worker pool, by two ``kb import`` processes at
once, again with ``--force``, and synced to a fresh database; every one of them must dump byte for byte the
same. The seeds are fixed, so a failure names its subset and order.
"""

from __future__ import annotations

import csv
import itertools
import os
import random
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlmodel import select

from kb.curation import edit_field
from kb.db import open_db, session_scope
from kb.importer import import_paths
from kb.maintenance import dump, dump_json
from kb.models import IdentityCandidate, Person, PersonAlias
from kb.sync import sync
from tests.conftest import IMPORTS, REPO, SHARED

REALCORPUS = SHARED / "realcorpus"
SEEDS = (1, 2, 3)


def _real_train_posts(n: int = 6) -> list[Path]:
    """A fixed handful of multi-talk ML/NLP notes from the train split (at most 16 KB each, to stay quick)."""
    with open(REALCORPUS / "splits.tsv", encoding="utf-8") as f:
        train = {row["repo"] for row in csv.DictReader(f, delimiter="\t") if row["split"] == "train"}
    with open(REALCORPUS / "MANIFEST.tsv", encoding="utf-8") as f:
        rows = [
            r
            for r in csv.DictReader(f, delimiter="\t")
            if r["repo"] in train
            and r["kind"] == "multi"
            and r["field"] in ("ml", "nlp")
            and int(r["bytes"]) <= 16_000
            and r["file"].endswith(".md")
        ]
    return [REALCORPUS / r["file"] for r in sorted(rows, key=lambda r: r["file"])[:n]]


@pytest.fixture(params=["samples", "samples+realcorpus"])
def pool(request, tmp_path, monkeypatch) -> list[Path]:
    """The posts to draw from, copied under tmp_path/posts; paths relative to tmp_path (the working folder)."""
    sources = sorted(IMPORTS.glob("*.md"))
    if request.param == "samples+realcorpus":
        if not (REALCORPUS / "MANIFEST.tsv").exists():
            pytest.skip(f"real-corpus half skipped: {REALCORPUS} is not mounted (../shared)")
        sources += _real_train_posts()
    folder = tmp_path / "posts"
    folder.mkdir()
    for i, src in enumerate(sources):  # real-corpus names repeat across repositories (README.md): number them
        shutil.copyfile(src, folder / (src.name if src.parent == IMPORTS else f"rc{i:02d}-{src.name}"))
    monkeypatch.chdir(tmp_path)
    return sorted(p.relative_to(tmp_path) for p in folder.iterdir())


def _dump(engine) -> str:
    with session_scope(engine) as s:
        return dump_json(s)


def _one_by_one(engine, posts: list[Path], force: bool = False) -> None:
    for post in posts:
        summary = import_paths(engine, [post], force=force, workers=1)
        assert not summary.failed, summary.failed


def _draw(rnd: random.Random, pool: list[Path]) -> list[Path]:
    """A random subset (at least half the pool) in a random order."""
    chosen = rnd.sample(pool, rnd.randint(len(pool) // 2, len(pool)))
    rnd.shuffle(chosen)
    return chosen


def _kb(*args: str) -> subprocess.Popen:
    env = os.environ | {"PYTHONPATH": str(REPO)}
    env.pop("KB_DB", None)
    return subprocess.Popen(
        [sys.executable, "-m", "kb", *args], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )


def _two_processes(db: str, first: list[Path], second: list[Path]) -> None:
    """Two ``kb import`` processes on one database at once; each post is in at least one of the halves."""
    procs = [_kb("--db", db, "import", *map(str, half)) for half in (first, second)]
    for proc in procs:
        out, err = proc.communicate(timeout=600)
        assert proc.returncode == 0, err
        assert ", 0 failed" in out, out


def _halves(rnd: random.Random, posts: list[Path]) -> tuple[list[Path], list[Path]]:
    """Two overlapping halves, the shared posts met from both ends."""
    cut = len(posts) // 2
    overlap = max(1, len(posts) // 4)
    first, second = posts[: cut + overlap], posts[cut - overlap :]
    rnd.shuffle(first)
    return first, second[::-1]


@pytest.mark.slow
@pytest.mark.parametrize("seed", SEEDS)
def test_same_posts_same_kb_whatever_the_order_concurrency_or_reimports(pool, seed, tmp_path):
    rnd = random.Random(seed)
    posts = _draw(rnd, pool)

    sequential = open_db(tmp_path / "seq.sqlite")
    _one_by_one(sequential, posts)
    want = _dump(sequential)
    assert '"people": [\n{' in want  # people were found: the comparison is not between empty sections

    other = posts[:]
    rnd.shuffle(other)
    reordered = open_db(tmp_path / "reordered.sqlite")
    _one_by_one(reordered, other)
    assert _dump(reordered) == want, f"order {other} differs from {posts}"

    _one_by_one(sequential, other, force=True)  # every post read and written again
    assert _dump(sequential) == want, "import --force changed the KB"
    _one_by_one(sequential, posts[::-1], force=True)
    assert _dump(sequential) == want, "a second import --force changed the KB"

    pooled = open_db(tmp_path / "pooled.sqlite")  # extraction in worker processes, writes in their order
    summary = import_paths(pooled, other[::-1], workers=2)
    assert summary.count("new") == len(posts) and not summary.failed
    assert _dump(pooled) == want

    synced = open_db(tmp_path / "synced.sqlite")
    report = sync(sequential, synced)
    assert report.posts_written == len(posts) and not report.skipped, report
    assert _dump(synced) == want
    again = sync(sequential, synced)
    assert (again.posts_written, again.edits, again.merges) == (0, 0, 0)
    assert _dump(synced) == want
    for engine in (sequential, reordered, pooled, synced):
        engine.dispose()

    db = str(tmp_path / "two.sqlite")
    _two_processes(db, *_halves(rnd, posts))
    two = open_db(db)
    assert _dump(two) == want
    two.dispose()


@pytest.mark.slow
@pytest.mark.postgres
def test_same_kb_on_postgresql_sequential_concurrent_and_synced(pool, pg_server, tmp_path):
    """PostgreSQL: one by one in a random order, two processes at once, and a sync from SQLite: one KB."""
    rnd = random.Random(7)
    posts = _draw(rnd, pool)
    lite = open_db(tmp_path / "seq.sqlite")
    _one_by_one(lite, posts)
    want = _dump(lite)

    urls = [pg_server.create_database(f"kb_idem_{n}") for n in range(3)]
    try:
        sequential = open_db(urls[0])
        _one_by_one(sequential, rnd.sample(posts, len(posts)))
        assert _dump(sequential) == want
        _one_by_one(sequential, posts, force=True)
        assert _dump(sequential) == want
        sequential.dispose()

        _two_processes(urls[1], *_halves(rnd, posts))
        concurrent = open_db(urls[1])
        assert _dump(concurrent) == want
        concurrent.dispose()

        synced = open_db(urls[2])
        sync(lite, synced)
        assert _dump(synced) == want
        assert sync(lite, synced).posts_written == 0 and _dump(synced) == want
        synced.dispose()
    finally:
        lite.dispose()
        for n in range(3):
            pg_server.drop_database(f"kb_idem_{n}")


def test_force_reimport_keeps_a_person_keyed_by_the_fullest_spelling(tmp_path, monkeypatch):
    """The break as reported: 'A. Ratner' then 'Alexander Ratner' keyed the person 'a ratner', a forced
    re-import (or the other order) 're ratner'. The key follows the fullest spelling, in either order."""
    monkeypatch.chdir(tmp_path)
    a = Path("a.md")
    a.write_text('Notes.\n\n## References\n\n[1] A. Ratner, "Snorkel: rapid training data creation," 2017.\n')
    b = Path("b.md")
    b.write_text('Notes.\n\n## References\n\n[1] Alexander Ratner, "Data programming for everyone," 2016.\n')
    dumps = []
    for n, order in enumerate(([a, b], [b, a])):
        engine = open_db(tmp_path / f"{n}.sqlite")
        _one_by_one(engine, order)
        first = _dump(engine)
        _one_by_one(engine, order, force=True)
        assert _dump(engine) == first
        with session_scope(engine) as s:
            assert [(p.key, p.name) for p in s.exec(select(Person))] == [("alexander ratner", "Alexander Ratner")]
        dumps.append(first)
        engine.dispose()
    assert dumps[0] == dumps[1]


def _every_order(tmp_path: Path, texts: dict[str, str]) -> Iterator:
    """A database per order of the posts ``texts`` (name → text), imported one by one; each disposed after use."""
    for name, text in texts.items():
        Path(name).write_text(text)
    for n, order in enumerate(itertools.permutations(texts)):
        engine = open_db(tmp_path / f"order{n}.sqlite")
        _one_by_one(engine, [Path(p) for p in order])
        yield engine
        engine.dispose()


def test_a_bare_family_name_is_its_own_person_in_any_order(tmp_path, monkeypatch):
    """'Song' joined whichever Song was known first; now it never joins a named person automatically,
    and it is a candidate to each of them, whatever the order."""
    monkeypatch.chdir(tmp_path)
    texts = {
        "a.md": 'Notes.\n\n## References\n\n[1] Jiaming Song, "Denoising diffusion implicit models," 2020.\n',
        "b.md": 'Notes.\n\n## References\n\n[1] Y. Song, "Score-based generative modeling," 2021.\n',
        "c.md": 'Notes.\n\n## References\n\n[1] Song, "Sliced score matching," 2019.\n',
    }
    dumps = set()
    for engine in _every_order(tmp_path, texts):
        dumps.add(_dump(engine))
        with session_scope(engine) as s:
            names = {p.id: p.name for p in s.exec(select(Person))}
            pairs = {frozenset((names[c.a_id], names[c.b_id])) for c in s.exec(select(IdentityCandidate))}
        assert sorted(names.values()) == ["Jiaming Song", "Song", "Y. Song"]
        assert {frozenset(("Song", "Jiaming Song")), frozenset(("Song", "Y. Song"))} <= pairs
    assert len(dumps) == 1


ZHANGS = {
    "a.md": "Kai Zhang talked about denoising.\n",
    "b.md": "Kaiming Zhang talked about residuals.\n",
    "c.md": 'Notes.\n\n## References\n\n[1] K. Zhang, "Something," in Proc. CVPR, 2017.\n',
}


def people_and_pairs(engine) -> tuple[dict[str, list[str]], set[frozenset[str]]]:
    """({person name: sorted aliases}, {identity candidate pair by names})."""
    with session_scope(engine) as s:
        names = {p.id: p.name for p in s.exec(select(Person))}
        aliases = {
            name: sorted(a.alias for a in s.exec(select(PersonAlias).where(PersonAlias.person_id == pid)))
            for pid, name in names.items()
        }
        pairs = {frozenset((names[c.a_id], names[c.b_id])) for c in s.exec(select(IdentityCandidate))}
    return aliases, pairs


def test_initials_between_two_full_names_in_any_order(tmp_path, monkeypatch):
    """'K. Zhang' joined whichever of Kai and Kaiming came first; now, once both are known, it is a person of
    its own, a candidate to each, whatever the order: the one it had joined gives its links back."""
    monkeypatch.chdir(tmp_path)
    dumps = set()
    for engine in _every_order(tmp_path, ZHANGS):
        dumps.add(_dump(engine))
        assert people_and_pairs(engine) == (
            {"K. Zhang": ["K. Zhang"], "Kai Zhang": ["Kai Zhang"], "Kaiming Zhang": ["Kaiming Zhang"]},
            {frozenset(("K. Zhang", "Kai Zhang")), frozenset(("K. Zhang", "Kaiming Zhang"))},
        )
        with session_scope(engine) as s:  # the paper's author is the initial, spelled as the post spelled it
            (paper,) = dump(s)["papers"]
        assert (paper["authors"], paper["author_spellings"]) == (["k zhang"], ["K. Zhang"])
    assert len(dumps) == 1


def test_a_synced_person_name_edit_brings_its_alias_and_derived_fields(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    post = Path("a.md")
    post.write_text('Notes.\n\n## References\n\n[1] A. Mohamed, "Speech models that listen," in Interspeech, 2020.\n')
    source = open_db(tmp_path / "src.sqlite")
    _one_by_one(source, [post])
    with session_scope(source, write=True) as s:
        person = s.exec(select(Person)).one()
        edit_field(s, "person", person.id, "name", "Abdel-rahman Mohamed")
    want = _dump(source)
    assert '"Abdel-rahman Mohamed"' in want and '"given": "Abdel-rahman"' in want
    target = open_db(tmp_path / "dst.sqlite")
    sync(source, target)
    assert _dump(target) == want
    assert sync(source, target).edits == 0 and _dump(target) == want
    for engine in (source, target):
        engine.dispose()
