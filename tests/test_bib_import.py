"""``kb import refs.bib``: new papers, enriched papers, broken entries, and the keys they bring."""

from __future__ import annotations

import pytest
from click.testing import CliRunner
from sqlmodel import select

from kb.citekeys import set_citekey
from kb.db import session_scope
from kb.export import Selection, formats
from kb.importer import import_paths
from kb.models import Paper, UserEdit

ENRICH = r"""
@inproceedings{lin2017focal,
  author = {Lin, Tsung-Yi and Goyal, Priya and Girshick, Ross and He, Kaiming and Doll{\'a}r, Piotr},
  title = {Focal Loss for Dense Object Detection},
  booktitle = {ICCV}, year = {2017}, pages = {2980--2988}, doi = {10.1109/ICCV.2017.324},
}
@misc{howardmobilenets,
  author = {Howard, Andrew G. and others},
  title = {{MobileNets}},
  year = {2017}, eprint = {1704.04861}, archivePrefix = {arXiv},
  url = {https://github.com/tensorflow/models/blob/master/research/slim/nets/mobilenet_v1.md},
}
@article{brandnew2024,
  author = {Sch{\"o}lkopf, Bernhard and Doe, Jane},
  title = {A Brand New Paper on {Causal} Things},
  journal = {JMLR}, year = {2024}, volume = {25},
}
"""

BROKEN = """
@article{good1, author = {Doe, Jane}, title = {First good entry}, journal = {J}, year = {2020}}

@article{broken2, author = {Roe, Richard}, title = {Never closed, year = {2020}

@article{good3, author = {Poe, Edgar}, title = {Third good entry}, journal = {J}, year = {2021}}
"""


def write(tmp_path, name: str, text: str):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def paper(engine, **where) -> Paper:
    with session_scope(engine) as session:
        q = select(Paper)
        for k, v in where.items():
            q = q.where(getattr(Paper, k) == v)
        return session.exec(q).one()


def test_bib_enriches_existing_papers_and_adds_new_ones(tmp_path, sampled):
    before = paper(sampled, arxiv_id="1704.04861")
    assert before.url is None
    result = import_paths(sampled, [write(tmp_path, "refs.bib", ENRICH)]).results[0]
    assert result.status == "new", result.error
    assert result.counts.papers == 1 and result.counts.enriched == 2
    assert result.notes[0].endswith("3 entries: 1 new, 2 enriched, 0 already known")
    focal = paper(sampled, doi="10.1109/ICCV.2017.324")  # matched on title + year + first author
    # the same title twice: the better-capitalised spelling is kept, whichever came first (kb.store)
    assert focal.title == "Focal Loss for Dense Object Detection" and focal.pages == "2980-2988"
    assert focal.venue == "Proceedings of the IEEE International Conference on Computer Vision"  # never overwritten
    mobilenets = paper(sampled, arxiv_id="1704.04861")  # matched on the arXiv id despite another title
    assert mobilenets.id == before.id
    assert mobilenets.url == "https://github.com/tensorflow/models/blob/master/research/slim/nets/mobilenet_v1.md"
    assert mobilenets.title == before.title
    new = paper(sampled, citekey="brandnew2024")  # a new paper keeps the key its .bib gave it
    assert new.title == "A Brand New Paper on Causal Things" and new.volume == "25"


def test_existing_papers_adopt_the_bib_key_when_they_have_none(tmp_path, sampled):
    import_paths(sampled, [write(tmp_path, "refs.bib", ENRICH)])
    assert paper(sampled, doi="10.1109/ICCV.2017.324").citekey == "lin2017focal"
    assert paper(sampled, arxiv_id="1704.04861").citekey == "howardmobilenets"


def test_a_key_is_never_replaced_and_a_taken_key_is_not_adopted(tmp_path, engine):
    import_paths(engine, [write(tmp_path, "a.bib", "@misc{Same2020, title={Paper A}, year=2020, author={A, B}}")])
    import_paths(
        engine,
        [
            write(
                tmp_path,
                "b.bib",
                "@misc{same2020, title={Paper B}, year=2020, author={C, D}}\n"
                "@misc{other, title={Paper A}, year=2020, author={A, B}}",
            )
        ],
    )
    assert paper(engine, title="Paper A").citekey == "Same2020"  # already had one: kept
    assert paper(engine, title="Paper B").citekey is None  # bibtex keys ignore case: taken
    with session_scope(engine, write=True) as session:
        formats["bibtex"](session, Selection())
    assert paper(engine, title="Paper B").citekey == "cPaperB2020"


def test_broken_entry_is_named_and_the_rest_import(tmp_path, engine):
    result = import_paths(engine, [write(tmp_path, "broken.bib", BROKEN)]).results[0]
    assert result.status == "new"
    assert any("'broken2'" in p and "line 4" in p for p in result.problems), result.problems
    assert any("'broken2'" in n for n in result.notes)
    with session_scope(engine) as session:
        titles = set(session.exec(select(Paper.title)))
    assert {"First good entry", "Third good entry"} <= titles


def test_a_bib_file_with_no_readable_entry_fails_with_its_name(tmp_path, engine):
    result = import_paths(engine, [write(tmp_path, "bad.bib", "@article{only, title = {never closed\n")]).results[0]
    assert result.status == "failed"
    assert "bad.bib" in result.error and "no BibTeX entry" in result.error and "'only'" in result.error


def test_cli_reports_merge_and_skipped_entries(tmp_path, sampled):
    from kb.cli import main

    db = str(sampled.url.database)
    r = CliRunner().invoke(main, ["--db", db, "import", str(write(tmp_path, "refs.bib", ENRICH + BROKEN))])
    assert r.exit_code == 0, r.output
    assert "1 new, 2 enriched" in r.stderr or "3 new, 2 enriched" in r.stderr, r.stderr
    assert "'broken2'" in r.stderr
    assert "enriched" in r.stdout


def test_set_citekey_is_a_user_edit_that_reimports_respect(tmp_path, sampled):
    focal = paper(sampled, title="Focal loss for dense object detection")
    with session_scope(sampled, write=True) as session:
        set_citekey(session, focal.id, "lin:focal")
        with pytest.raises(ValueError, match="not valid"):
            set_citekey(session, focal.id, "has space")
        other = session.exec(select(Paper).where(Paper.id != focal.id)).first()
        with pytest.raises(ValueError, match="already used"):
            set_citekey(session, other.id, "LIN:FOCAL")
        edit = session.exec(select(UserEdit).where(UserEdit.entity == "paper", UserEdit.entity_id == focal.id)).one()
        assert (edit.field, edit.value) == ("citekey", "lin:focal")
    import_paths(sampled, [write(tmp_path, "refs.bib", ENRICH)])
    import_paths(sampled, [sample_post(sampled)], force=True)
    assert paper(sampled, id=focal.id).citekey == "lin:focal"
    with session_scope(sampled, write=True) as session:
        bib = formats["bibtex"](session, Selection())
    assert "@inproceedings{lin:focal," in bib


def sample_post(engine):
    from kb.models import Post

    with session_scope(engine) as session:
        path = session.exec(select(Post.path).where(Post.path.like("%iccv-2017-venice.md"))).one()
    from pathlib import Path

    return Path(path)


def test_reimporting_a_bib_keeps_every_key(tmp_path, engine):
    path = write(tmp_path, "refs.bib", ENRICH)
    import_paths(engine, [path])
    with session_scope(engine, write=True) as session:
        formats["bibtex"](session, Selection())
        keys = dict(session.exec(select(Paper.id, Paper.citekey)).all())
    import_paths(engine, [path], force=True)
    with session_scope(engine) as session:
        assert dict(session.exec(select(Paper.id, Paper.citekey)).all()) == keys


def test_entries_without_title_or_identifier_are_counted_apart(tmp_path, engine):
    text = "@misc{named, title={Has a title}, year=2020}\n@misc{bare, note={nothing to identify}, year=2020}\n"
    result = import_paths(engine, [write(tmp_path, "mixed.bib", text)]).results[0]
    assert "1 new, 0 enriched, 0 already known, 1 without title or identifier" in result.notes[0]
