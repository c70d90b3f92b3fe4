"""New, updated or unchanged: decided in the write transaction when the caller already extracted the post
(worker processes, ``prepare_file``), before extracting when it did not."""

from __future__ import annotations

from sqlmodel import select

from kb.db import open_db, session_scope
from kb.importer import import_file, import_paths, prepare_file
from kb.models import Post

POST = "# Notes from PyCon {n}\n\n## Keynote: Fast Builds {n}\n\nBy Jane Doe.\n"


def _posts(tmp_path, n: int):
    out = []
    for i in range(n):
        path = tmp_path / f"post-{i:02d}.md"
        path.write_text(POST.format(n=i), encoding="utf-8")
        out.append(path)
    return out


def test_statuses_through_worker_processes(tmp_path):
    engine = open_db(tmp_path / "kb.sqlite")
    paths = _posts(tmp_path, 17)  # ≥ PARALLEL_MIN_FILES: extracted by the pool, written here
    first = import_paths(engine, paths, workers=2)
    assert [r.status for r in first.results] == ["new"] * 17
    paths[3].write_text(POST.format(n=3) + "\nEdited.\n", encoding="utf-8")
    again = import_paths(engine, paths, workers=2)
    assert [r.status for r in again.results] == ["unchanged"] * 3 + ["updated"] + ["unchanged"] * 13
    with session_scope(engine) as s:
        assert s.exec(select(Post.body).where(Post.path.like("%post-03.md"))).one().endswith("Edited.\n")
        assert len(s.exec(select(Post.id)).all()) == 17


def test_statuses_of_one_prepared_file(tmp_path):
    engine = open_db(tmp_path / "kb.sqlite")
    (path,) = _posts(tmp_path, 1)
    assert import_file(engine, path, prepared=prepare_file(path)).status == "new"
    assert import_file(engine, path, prepared=prepare_file(path)).status == "unchanged"
    assert import_file(engine, path).status == "unchanged"
    assert import_file(engine, path, force=True, prepared=prepare_file(path)).status == "updated"
    path.write_text(POST.format(n=9), encoding="utf-8")
    assert import_file(engine, path).status == "updated"
    bib = tmp_path / "refs.bib"
    bib.write_text("@article{doe2020, title={Fast Builds}, author={Doe, Jane}, year={2020}}\n", encoding="utf-8")
    assert import_file(engine, bib, prepared=prepare_file(bib)).status == "new"
    bib.write_text(bib.read_text(encoding="utf-8") + "\n@misc{roe2021, title={Slow Builds}, year={2021}}\n")
    assert import_file(engine, bib, prepared=prepare_file(bib)).status == "updated"


def test_the_collector_skips_what_lived_before_the_import_only_while_it_runs(tmp_path):
    import gc

    engine = open_db(tmp_path / "kb.sqlite")
    paths = _posts(tmp_path, 3)
    gc.unfreeze()
    during = []
    summary = import_paths(engine, paths, on_file=lambda path, result: during.append(gc.get_freeze_count()))
    assert summary.count("new") == 3
    assert min(during) > 0  # frozen while posts are read and written …
    assert gc.get_freeze_count() == 0  # … and given back to the collector afterwards
    assert import_paths(engine, paths).count("unchanged") == 3 and gc.get_freeze_count() == 0
    gc.freeze()  # a caller that froze objects itself: left as it was
    frozen = gc.get_freeze_count()
    paths[0].write_text("# Another post\n", encoding="utf-8")
    assert import_paths(engine, paths).count("updated") == 1
    assert gc.get_freeze_count() > frozen // 2  # not unfrozen (a few frozen objects were freed meanwhile)
    gc.unfreeze()
