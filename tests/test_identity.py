"""Identity resolution across posts and against the database."""

from __future__ import annotations

from sqlmodel import select

from kb.db import session_scope
from kb.importer import import_paths
from kb.models import IdentityCandidate, Paper, PaperKey, Person, PersonAlias


def write(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def people(engine):
    with session_scope(engine) as s:
        return {p.name for p in s.exec(select(Person))}


def test_initials_and_full_name_are_one_person(engine, tmp_path):
    a = write(
        tmp_path, "a.md", "The first talk was on Seeing by [Andrea Vedaldi](https://www.robots.ox.ac.uk/~vedaldi/).\n"
    )
    b = write(
        tmp_path,
        "b.md",
        'Notes.\n\n## References\n\n[1] A. Vedaldi and K. Lenc, "MatConvNet," in Proc. ACM MM, 2015.\n',
    )
    import_paths(engine, [a, b])
    with session_scope(engine) as s:
        [vedaldi] = s.exec(select(Person).where(Person.family == "Vedaldi")).all()
        aliases = set(s.exec(select(PersonAlias.alias).where(PersonAlias.person_id == vedaldi.id)))
    assert vedaldi.name == "Andrea Vedaldi" and "A. Vedaldi" in aliases


def test_dropped_accent_is_the_same_person(engine, tmp_path):
    a = write(tmp_path, "a.md", "Bernhard Schölkopf talked about causality for machine learning.\n")
    b = write(tmp_path, "b.md", "Bernhard Scholkopf talked about kernels and more kernels.\n")
    import_paths(engine, [a, b])
    assert [n for n in people(engine) if "lkopf" in n] == ["Bernhard Schölkopf"]


def test_misspelt_speaker_across_posts(engine, tmp_path):
    a = write(tmp_path, "a.md", 'Notes.\n\n## References\n\n[1] Vedaldi, Andrea. "Understanding." 2019.\n')
    b = write(tmp_path, "b.md", "The first talk was on [Seeing](https://x.org/slides/a.pdf) by Andrea Veladi.\n")
    import_paths(engine, [a, b])
    assert "Andrea Veladi" not in people(engine) and "Andrea Vedaldi" in people(engine)


def test_ambiguous_initials_are_kept_apart_as_candidates(engine, tmp_path):
    a = write(tmp_path, "a.md", "Kai Zhang talked about denoising.\n\nKaiming Zhang talked about residuals.\n")
    b = write(tmp_path, "b.md", 'Notes.\n\n## References\n\n[1] K. Zhang, "Something," in Proc. CVPR, 2017.\n')
    import_paths(engine, [a, b])
    with session_scope(engine) as s:
        zhangs = {p.name: p.id for p in s.exec(select(Person).where(Person.family == "Zhang"))}
        candidates = {(c.a_id, c.b_id) for c in s.exec(select(IdentityCandidate))}
    assert set(zhangs) == {"Kai Zhang", "Kaiming Zhang", "K. Zhang"}
    k = zhangs["K. Zhang"]
    assert {tuple(sorted((k, zhangs["Kai Zhang"]))), tuple(sorted((k, zhangs["Kaiming Zhang"])))} <= candidates


def test_papers_dedupe_across_posts(engine, tmp_path):
    a = write(
        tmp_path,
        "a.md",
        "Notes.\n\n## References\n\n"
        '[1] He, Kaiming, et al. "Deep residual learning for image recognition." CVPR. 2016.\n\n'
        '[2] Vaswani, Ashish, et al. "Attention is all you need." arXiv preprint arXiv:1706.03762 (2017).\n',
    )
    b = write(
        tmp_path,
        "b.md",
        "Notes.\n\n## References\n\n"
        '1. K. He, X. Zhang, S. Ren, and J. Sun, "Deep Residual Learning for Image Recognition," 2015.\n'
        "2. [Attention](https://arxiv.org/abs/1706.03762v5)\n",
    )
    import_paths(engine, [a, b])
    with session_scope(engine) as s:
        papers = s.exec(select(Paper)).all()
        keys = set(s.exec(select(PaperKey.key)))
    assert len(papers) == 2, [(p.title, p.year) for p in papers]
    assert "arxiv:1706.03762" in keys
