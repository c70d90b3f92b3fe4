"""kb.curation: edits and merges, and that both survive re-importing the post."""

from __future__ import annotations

import pytest
from sqlmodel import select

from kb.curation import CurationError, edit_field, merge_papers, merge_people
from kb.db import session_scope
from kb.importer import import_paths
from kb.models import (Authorship, Citation, Link, Mention, Merge, Paper, PaperKey, Person, PersonAlias, Talk,
                       TalkSpeaker, UserEdit)


def _person(session, name: str) -> Person:
    return session.exec(select(Person).where(Person.name == name)).one()


def _paper(session, title: str) -> Paper:
    return session.exec(select(Paper).where(Paper.title == title)).one()


def _speakers(session, talk_title: str) -> list[str]:
    talk = session.exec(select(Talk).where(Talk.title == talk_title)).one()
    rows = session.exec(select(Person.name).join(TalkSpeaker, TalkSpeaker.person_id == Person.id)
                        .where(TalkSpeaker.talk_id == talk.id))
    return list(rows)


def test_edit_talk_title_survives_reimport(seeded, seed_path):
    with session_scope(seeded, write=True) as s:
        talk = s.exec(select(Talk).where(Talk.title == "Neural Archtecure and Beyond")).one()
        edit_field(s, "talk", talk.id, "title", "Neural Architecture and Beyond")
        talk_id = talk.id
    import_paths(seeded, [seed_path], force=True)
    with session_scope(seeded) as s:
        assert s.get(Talk, talk_id).title == "Neural Architecture and Beyond"
        edit = s.exec(select(UserEdit).where(UserEdit.entity == "talk", UserEdit.entity_id == talk_id)).one()
        assert (edit.field, edit.value) == ("title", "Neural Architecture and Beyond")


def test_edit_paper_year_is_typed_and_kept(seeded, seed_path):
    with session_scope(seeded, write=True) as s:
        paper = _paper(s, "Deep image prior")
        edit_field(s, "paper", paper.id, "year", "2017")
        paper_id = paper.id
    import_paths(seeded, [seed_path], force=True)
    with session_scope(seeded) as s:
        assert s.get(Paper, paper_id).year == 2017


def test_edit_person_name_keeps_identity(seeded, seed_path):
    with session_scope(seeded, write=True) as s:
        zoph = _person(s, "Barret Zoph")
        edit_field(s, "person", zoph.id, "name", "Barret  Zoph (Google Brain)")
        zoph_id = zoph.id
    import_paths(seeded, [seed_path], force=True)
    with session_scope(seeded) as s:
        assert s.get(Person, zoph_id).name == "Barret Zoph (Google Brain)"
        assert _speakers(s, "Neural Archtecure and Beyond") == ["Barret Zoph (Google Brain)"]


def test_edit_rejects_unknown_field_and_bad_year(seeded):
    with session_scope(seeded, write=True) as s:
        paper = _paper(s, "Deep image prior")
        with pytest.raises(CurationError):
            edit_field(s, "paper", paper.id, "citekey", "x")
        with pytest.raises(CurationError):
            edit_field(s, "paper", paper.id, "year", "last year")
        with pytest.raises(CurationError):
            edit_field(s, "person", 10**6, "name", "Nobody")


def test_merge_people_moves_talks_papers_and_aliases(seeded, seed_path):
    with session_scope(seeded, write=True) as s:
        vedaldi, zhou = _person(s, "Andrea Vedaldi"), _person(s, "Bolei Zhou")
        merge_people(s, zhou.id, vedaldi.id)
        v_id, z_id = vedaldi.id, zhou.id
    with session_scope(seeded) as s:
        assert s.get(Person, z_id) is None
        assert _speakers(s, "Understanding latent semantics") == ["Andrea Vedaldi"]
        assert s.exec(select(Authorship).where(Authorship.person_id == z_id)).first() is None
        assert s.exec(select(Mention).where(Mention.person_id == z_id)).first() is None
        assert s.exec(select(Link).where(Link.person_id == z_id)).first() is None
        aliases = set(s.exec(select(PersonAlias.alias).where(PersonAlias.person_id == v_id)))
        assert {"Bolei Zhou", "Andrea Veladi"} <= aliases
        m = s.exec(select(Merge)).one()
        assert (m.entity, m.from_id, m.into_id, m.from_name) == ("person", z_id, v_id, "Bolei Zhou")
        assert getattr(m, "from_key", "bolei zhou") == "bolei zhou"
    import_paths(seeded, [seed_path], force=True)
    with session_scope(seeded) as s:  # the importer resolves the old name to the survivor
        assert _speakers(s, "Understanding latent semantics") == ["Andrea Vedaldi"]
        assert s.exec(select(Person).where(Person.name == "Bolei Zhou")).first() is None


def test_merge_papers_moves_citations_and_keys(seeded, seed_path):
    with session_scope(seeded, write=True) as s:
        prior, inverting = _paper(s, "Deep image prior"), _paper(s, "Understanding deep image representations by inverting them")
        merge_papers(s, inverting.id, prior.id)
        p_id, i_id = prior.id, inverting.id
    with session_scope(seeded) as s:
        assert s.get(Paper, i_id) is None
        assert s.exec(select(Citation).where(Citation.paper_id == i_id)).first() is None
        assert s.exec(select(PaperKey).where(PaperKey.paper_id == i_id)).first() is None
        assert len(s.exec(select(PaperKey).where(PaperKey.paper_id == p_id)).all()) >= 2
        m = s.exec(select(Merge)).one()
        assert getattr(m, "from_key", "title:x") and m.from_name.startswith("Understanding deep image")
    import_paths(seeded, [seed_path], force=True)
    with session_scope(seeded) as s:
        assert s.exec(select(Paper).where(Paper.title.like("Understanding deep image representations%"))).first() is None
        markers = set(s.exec(select(Citation.marker).where(Citation.paper_id == p_id)))
        assert {"[3]", "[4]"} <= markers


def test_merge_refuses_self_and_missing(seeded):
    with session_scope(seeded, write=True) as s:
        v = _person(s, "Andrea Vedaldi")
        with pytest.raises(CurationError):
            merge_people(s, v.id, v.id)
        with pytest.raises(CurationError):
            merge_people(s, 10**6, v.id)
