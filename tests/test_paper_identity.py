"""A paper is identified by its identifiers first: the same paper via two URLs, via a link and a
reference entry, or via DOI and arXiv is one Paper row (issue 15). Checked on the database rows."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

from sqlmodel import select

from kb.db import session_scope
from kb.importer import import_paths
from kb.models import Citation, Paper, PaperKey, Reference

REPO = Path(__file__).resolve().parent.parent


def _import(engine, tmp_path: Path, posts: dict[str, str]) -> None:
    paths = []
    for name, text in posts.items():
        path = tmp_path / name
        path.write_text(text, encoding="utf-8")
        paths.append(path)
    summary = import_paths(engine, paths, workers=1)
    assert [r.status for r in summary.results] == ["new"] * len(paths), summary.results


def _papers(engine) -> list[tuple[Paper, list[str]]]:
    with session_scope(engine) as s:
        out = []
        for paper in s.exec(select(Paper).order_by(Paper.id)).all():
            keys = s.exec(select(PaperKey.key).where(PaperKey.paper_id == paper.id).order_by(PaperKey.key)).all()
            s.expunge(paper)
            out.append((paper, list(keys)))
        return out


TWO_URLS = """# EMNLP 2019 notes

## Keynote: Evaluation by Rotem Dror

Rotem Dror presented [Deep Dominance - How to Properly Compare Deep Neural Models](https://www.aclweb.org/anthology/P19-1266.pdf),
and the Anthology page is [here](https://aclweb.org/anthology/P19-1266/).
"""


def test_the_same_paper_via_two_urls_in_one_post_is_one_row(engine, tmp_path):
    _import(engine, tmp_path, {"a.md": TWO_URLS})
    [(paper, keys)] = _papers(engine)
    assert (paper.title, paper.year, paper.venue, paper.type) == (
        "Deep Dominance - How to Properly Compare Deep Neural Models",
        2019,
        "ACL",
        "inproceedings",
    )
    assert keys == ["acl:P19-1266", "title:deep dominance how to properly compare deep neural models|2019|"]


def test_the_same_paper_via_two_urls_in_two_posts_is_one_row(engine, tmp_path):
    _import(
        engine,
        tmp_path,
        {
            "a.md": "# Notes\n\n## Talk by Rotem Dror\n\nRotem Dror presented [this work](https://www.aclweb.org/anthology/P19-1266.pdf).\n",
            "b.md": "# More notes\n\n## Talk by Roi Reichart\n\nRoi Reichart presented [the paper](https://doi.org/10.18653/v1/P19-1266).\n",
        },
    )
    [(paper, keys)] = _papers(engine)
    assert keys == ["acl:P19-1266", "doi:10.18653/v1/p19-1266"]
    assert (paper.title, paper.year, paper.doi) == (None, 2019, "10.18653/v1/P19-1266")
    with session_scope(engine) as s:
        assert len(s.exec(select(Citation).where(Citation.paper_id == paper.id)).all()) == 2


LISTED = """# NAACL 2019

## Keynote: Comparing models, by Rotem Dror

Rotem Dror talked about comparing deep models [1].

## References

1. Rotem Dror, Segev Shlomov, and Roi Reichart. 2019. Deep Dominance - How to Properly Compare Deep Neural Models. In Proceedings of ACL, pages 2773–2785.
2. Ashish Vaswani, Noam Shazeer, Niki Parmar, Jakob Uszkoreit, Llion Jones, Aidan N. Gomez, Lukasz Kaiser, and Illia Polosukhin. 2017. Attention is all you need. In Advances in Neural Information Processing Systems, pages 5998–6008.
"""

LINKED = """# ACL 2019 day 2

## Talk: Rotem Dror on significance testing

Rotem Dror presented [Deep Dominance - How to Properly Compare Deep Neural Models](https://www.aclweb.org/anthology/P19-1266.pdf).
"""


def test_a_link_and_a_reference_entry_are_one_row(engine, tmp_path):
    _import(engine, tmp_path, {"listed.md": LISTED, "linked.md": LINKED})
    rows = {p.title: (p, keys) for p, keys in _papers(engine)}
    assert len(rows) == 2, rows  # Deep Dominance once, Attention once
    paper, keys = rows["Deep Dominance - How to Properly Compare Deep Neural Models"]
    assert "acl:P19-1266" in keys  # the link's identifier joined the listed paper
    assert paper.year == 2019
    with session_scope(engine) as s:
        cited_by = {c.post_id for c in s.exec(select(Citation).where(Citation.paper_id == paper.id)).all()}
        listed = s.exec(select(Reference).where(Reference.paper_id == paper.id)).all()
    assert len(cited_by) == 2 and len(listed) == 1


def test_a_link_and_a_reference_entry_in_one_post_are_one_paper(engine, tmp_path):
    post = LISTED.replace(
        "deep models [1].",
        "deep models [1], and [Attention is all you need](https://arxiv.org/abs/1706.03762) came up.",
    )
    _import(engine, tmp_path, {"both.md": post})
    rows = {p.title: (p, keys) for p, keys in _papers(engine)}
    assert len(rows) == 2
    paper, keys = rows["Attention is all you need"]
    assert paper.arxiv_id == "1706.03762" and "arxiv:1706.03762" in keys
    assert paper.venue == "Advances in Neural Information Processing Systems"  # what the post said stays


def test_doi_and_arxiv_are_one_row(engine, tmp_path):
    _import(
        engine,
        tmp_path,
        {
            "a.md": "# Day 1\n\n## Talk by Ashish Vaswani\n\nAshish Vaswani presented [the paper](https://arxiv.org/pdf/1706.03762v5.pdf).\n",
            "b.md": "# Day 2\n\n## Talk by Noam Shazeer\n\nNoam Shazeer presented [it again](https://doi.org/10.48550/arXiv.1706.03762).\n",
            "c.md": (
                "# Day 3\n\n## Talk by Niki Parmar\n\nNiki Parmar cited [1].\n\n## References\n\n"
                "1. A. Vaswani et al. Attention is all you need. 2017. arXiv:1706.03762. doi:10.48550/arXiv.1706.03762\n"
            ),
        },
    )
    [(paper, keys)] = _papers(engine)
    assert keys[:2] == ["arxiv:1706.03762", "doi:10.48550/arxiv.1706.03762"]
    assert (paper.arxiv_id, paper.year, paper.title) == ("1706.03762", 2017, "Attention is all you need")


def test_extract_json_carries_identifiers_and_offline_fields(tmp_path):
    post = tmp_path / "p.md"
    post.write_text(
        "# CVPR notes\n\n## Talk by Gao Huang\n\nGao Huang presented "
        "[DenseNet](http://openaccess.thecvf.com/content_cvpr_2017/papers/"
        "Huang_Densely_Connected_Convolutional_CVPR_2017_paper.pdf) and "
        "[Tong et al.](https://proceedings.mlr.press/v97/tong19a.html).\n",
        encoding="utf-8",
    )
    out = subprocess.run(
        [sys.executable, "-m", "kb", "extract", str(post), "--json"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    )
    papers = {p["url"]: p for p in json.loads(out.stdout)["papers"]}
    cvf = papers[
        "http://openaccess.thecvf.com/content_cvpr_2017/papers/Huang_Densely_Connected_Convolutional_CVPR_2017_paper.pdf"
    ]
    assert (cvf["title"], cvf["year"], cvf["venue"], cvf["type"], cvf["authors"]) == (
        None,
        2017,
        "CVPR",
        "inproceedings",
        [{"family": "Huang", "given": ""}],
    )
    assert cvf["ids"] == {"cvf": "CVPR2017/Huang_Densely_Connected_Convolutional_CVPR_2017"}
    pmlr = papers["https://proceedings.mlr.press/v97/tong19a.html"]
    assert (pmlr["title"], pmlr["year"], pmlr["venue"], pmlr["authors"], pmlr["et_al"], pmlr["ids"]) == (
        None,
        2019,
        "ICML",
        [{"family": "Tong", "given": ""}],
        True,
        {"pmlr": "v97/tong19a"},
    )


# ------------------------------------------------------------------ export (issue 15, item 5)

LINKS_ONLY = """# ACL 2019 notes

## Talk by Rotem Dror

Rotem Dror presented [this work](https://www.aclweb.org/anthology/P19-1266.pdf), building on
[Tong et al.](https://proceedings.mlr.press/v97/tong19a.html) and
[Attention is all you need](https://arxiv.org/abs/1706.03762v5).
"""


def test_bibtex_export_uses_identifiers_and_real_keys(engine, tmp_path):
    from kb.export import formats
    from kb.export.records import Selection

    _import(engine, tmp_path, {"p.md": LINKS_ONLY})
    with session_scope(engine, write=True) as s:
        bib = formats["bibtex"](s, Selection(), unicode=False)
        csl = json.loads(formats["csl-json"](s, Selection(), unicode=True))
    entries = {e.split(",", 1)[0]: e for e in bib.split("\n\n")}
    assert set(entries) == {"@inproceedings{aclP19-1266", "@inproceedings{tong2019", "@misc{AttentionAllYou2017"}
    assert "booktitle = {ACL}" in entries["@inproceedings{aclP19-1266"]
    assert "year = {2019}" in entries["@inproceedings{aclP19-1266"]
    assert "url = {https://www.aclweb.org/anthology/P19-1266.pdf}" in entries["@inproceedings{aclP19-1266"]
    assert "author = {Tong and others}" in entries["@inproceedings{tong2019"]
    assert "booktitle = {ICML}" in entries["@inproceedings{tong2019"]
    arxiv = entries["@misc{AttentionAllYou2017"]
    for field in ("eprint = {1706.03762}", "eprinttype = {arxiv}", "archivePrefix = {arXiv}", "year = {2017}"):
        assert field in arxiv
    assert not any(k.split("{", 1)[1].startswith("ref") for k in entries)
    assert {c["id"] for c in csl} == {"aclP19-1266", "tong2019", "AttentionAllYou2017"}
    acl = next(c for c in csl if c["id"] == "aclP19-1266")
    assert (acl["type"], acl["container-title"], acl["issued"], acl["URL"]) == (
        "paper-conference",
        "ACL",
        {"date-parts": [[2019]]},
        "https://www.aclweb.org/anthology/P19-1266.pdf",
    )


def test_a_bib_entry_and_a_post_link_are_one_row(engine, tmp_path):
    bib = tmp_path / "refs.bib"
    bib.write_text(
        "@inproceedings{dror-etal-2019-deep,\n  title = {Deep Dominance - How to Properly Compare Deep Neural Models},\n"
        "  author = {Dror, Rotem and Shlomov, Segev and Reichart, Roi},\n  booktitle = {Proceedings of ACL},\n"
        "  year = {2019},\n  url = {https://aclanthology.org/P19-1266},\n}\n",
        encoding="utf-8",
    )
    assert [r.status for r in import_paths(engine, [bib], workers=1).results] == ["new"]
    _import(
        engine,
        tmp_path,
        {
            "p.md": "# Notes\n\n## Talk by Roi Reichart\n\nRoi Reichart presented "
            "[this](https://www.aclweb.org/anthology/P19-1266.pdf).\n"
        },
    )
    [(paper, keys)] = _papers(engine)
    assert (paper.title, paper.venue, paper.citekey) == (
        "Deep Dominance - How to Properly Compare Deep Neural Models",
        "Proceedings of ACL",
        "dror-etal-2019-deep",
    )
    assert "acl:P19-1266" in keys
