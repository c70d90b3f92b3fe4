"""kb.curation: edits and merges, and that both survive re-importing the post."""

from __future__ import annotations

import pytest
from sqlmodel import select

from kb.curation import CurationError, edit_field, merge_papers, merge_people
from kb.db import session_scope
from kb.importer import import_paths
from kb.models import (
    Authorship,
    Citation,
    Link,
    Mention,
    Merge,
    Paper,
    PaperKey,
    Person,
    PersonAlias,
    Talk,
    TalkSpeaker,
    UserEdit,
)


def _person(session, name: str) -> Person:
    return session.exec(select(Person).where(Person.name == name)).one()


def _paper(session, title: str) -> Paper:
    return session.exec(select(Paper).where(Paper.title == title)).one()


def _speakers(session, talk_title: str) -> list[str]:
    talk = session.exec(select(Talk).where(Talk.title == talk_title)).one()
    rows = session.exec(
        select(Person.name).join(TalkSpeaker, TalkSpeaker.person_id == Person.id).where(TalkSpeaker.talk_id == talk.id)
    )
    return list(rows)


def test_edit_talk_title_survives_reimport(sampled, sample_path):
    with session_scope(sampled, write=True) as s:
        talk = s.exec(select(Talk).where(Talk.title == "Designing networks for mobile devices")).one()
        edit_field(s, "talk", talk.id, "title", "Designing networks for mobile phones")
        talk_id = talk.id
    import_paths(sampled, [sample_path], force=True)
    with session_scope(sampled) as s:
        assert s.get(Talk, talk_id).title == "Designing networks for mobile phones"
        edit = s.exec(select(UserEdit).where(UserEdit.entity == "talk", UserEdit.entity_id == talk_id)).one()
        assert (edit.field, edit.value) == ("title", "Designing networks for mobile phones")


def test_edit_paper_year_is_typed_and_kept(sampled, sample_path):
    with session_scope(sampled, write=True) as s:
        paper = _paper(s, "Fast R-CNN")
        edit_field(s, "paper", paper.id, "year", "2016")
        paper_id = paper.id
    import_paths(sampled, [sample_path], force=True)
    with session_scope(sampled) as s:
        assert s.get(Paper, paper_id).year == 2016


def test_edit_person_name_keeps_identity(sampled, sample_path):
    with session_scope(sampled, write=True) as s:
        howard = _person(s, "Andrew G. Howard")
        edit_field(s, "person", howard.id, "name", "Andrew G.  Howard (Google)")
        howard_id = howard.id
    import_paths(sampled, [sample_path], force=True)
    with session_scope(sampled) as s:
        assert s.get(Person, howard_id).name == "Andrew G. Howard (Google)"
        assert _speakers(s, "Designing networks for mobile devices") == ["Andrew G. Howard (Google)"]


def test_edit_rejects_unknown_field_and_bad_year(sampled):
    with session_scope(sampled, write=True) as s:
        paper = _paper(s, "Fast R-CNN")
        with pytest.raises(CurationError):
            edit_field(s, "paper", paper.id, "citekey", "x")
        with pytest.raises(CurationError):
            edit_field(s, "paper", paper.id, "year", "last year")
        with pytest.raises(CurationError):
            edit_field(s, "person", 10**6, "name", "Nobody")


def test_merge_people_moves_talks_papers_and_aliases(sampled, sample_path):
    with session_scope(sampled, write=True) as s:
        girshick, kendall = _person(s, "Ross Girshick"), _person(s, "Alex Kendall")
        merge_people(s, kendall.id, girshick.id)
        v_id, z_id = girshick.id, kendall.id
    with session_scope(sampled) as s:
        assert s.get(Person, z_id) is None
        assert _speakers(s, "Uncertainty in deep geometric vision") == ["Ross Girshick"]
        assert s.exec(select(Authorship).where(Authorship.person_id == z_id)).first() is None
        assert s.exec(select(Mention).where(Mention.person_id == z_id)).first() is None
        assert s.exec(select(Link).where(Link.person_id == z_id)).first() is None
        aliases = set(s.exec(select(PersonAlias.alias).where(PersonAlias.person_id == v_id)))
        assert {"Alex Kendall", "Ross Girshik"} <= aliases
        m = s.exec(select(Merge)).one()
        assert (m.entity, m.from_id, m.into_id, m.from_name) == ("person", z_id, v_id, "Alex Kendall")
        assert getattr(m, "from_key", "alex kendall") == "alex kendall"
    import_paths(sampled, [sample_path], force=True)
    with session_scope(sampled) as s:  # the importer resolves the old name to the survivor
        assert _speakers(s, "Uncertainty in deep geometric vision") == ["Ross Girshick"]
        assert s.exec(select(Person).where(Person.name == "Alex Kendall")).first() is None


def test_merge_papers_moves_citations_and_keys(sampled, sample_path):
    with session_scope(sampled, write=True) as s:
        prior, inverting = (
            _paper(s, "Fast R-CNN"),
            _paper(s, "Rich feature hierarchies for accurate object detection and semantic segmentation"),
        )
        merge_papers(s, inverting.id, prior.id)
        p_id, i_id = prior.id, inverting.id
    with session_scope(sampled) as s:
        assert s.get(Paper, i_id) is None
        assert s.exec(select(Citation).where(Citation.paper_id == i_id)).first() is None
        assert s.exec(select(PaperKey).where(PaperKey.paper_id == i_id)).first() is None
        assert len(s.exec(select(PaperKey).where(PaperKey.paper_id == p_id)).all()) >= 2
        m = s.exec(select(Merge)).one()
        assert getattr(m, "from_key", "title:x") and m.from_name.startswith("Rich feature hierarchies")
    import_paths(sampled, [sample_path], force=True)
    with session_scope(sampled) as s:
        assert s.exec(select(Paper).where(Paper.title.like("Rich feature hierarchies%"))).first() is None
        markers = set(s.exec(select(Citation.marker).where(Citation.paper_id == p_id)))
        assert {"[3]", "[4]"} <= markers


def test_merge_refuses_self_and_missing(sampled):
    with session_scope(sampled, write=True) as s:
        v = _person(s, "Ross Girshick")
        with pytest.raises(CurationError):
            merge_people(s, v.id, v.id)
        with pytest.raises(CurationError):
            merge_people(s, 10**6, v.id)
