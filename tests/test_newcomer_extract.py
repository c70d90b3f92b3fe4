"""Issue 17, item 13: an event named in one section's text does not swallow the talks of the next section."""

from __future__ import annotations

from sqlmodel import select

from kb.ingest.pipeline import extract
from tests.conftest import IMPORTS


def _events(name: str) -> dict[str, str | None]:
    x = extract((IMPORTS / name).read_text(), name)
    return {(t.title or ", ".join(t.speakers)): t.event for t in x.talks}


def test_tuesday_keynotes_are_not_filed_under_the_monday_tutorial():
    events = _events("neurips-2018-montreal-cold-week.md")
    tutorial = "Adversarial Robustness: Theory and Practice"
    assert events["Threat models and how attacks are actually computed"] == tutorial  # Monday, same section
    assert events["Training robust models"] == tutorial
    assert events["Joelle Pineau"] is None and events["Kunle Olukotun"] is None  # "## Tuesday": keynotes
    assert events["The tradeoffs of large scale learning"] is None  # "## Thursday": not Tuesday's oral session


def test_an_event_in_a_section_still_covers_that_sections_talks():
    text = (
        "---\ntitle: Notes\n---\n\n## Day one\n\nWe went to the workshop on [Robust Vision](http://rv.example.org).\n\n"
        "- **Seeing in the dark** by Jane Smith\n- **Edge detection at scale** by Paul Jones\n\n## Day two\n\n"
        "- **Keynote: Learning to see** by Ann Lee\n"
    )
    x = extract(text, "notes.md")
    assert {t.title: t.event for t in x.talks} == {
        "Seeing in the dark": "Robust Vision",
        "Edge detection at scale": "Robust Vision",
        "Learning to see": None,
    }


def test_a_non_ascii_initial_keeps_its_period():
    """`Kaiser, Ł.` was stored as "Ł Kaiser" (issue 17, item 11): Ł, Š, Ö are initials like L."""
    from kb.ingest.refparse import parse_reference

    ref = parse_reference("Kaiser, Ł. and Šimon, Ö. (2017). Attention heads here. In ICML.")
    assert [(a.family, a.given) for a in ref.authors] == [("Kaiser", "Ł."), ("Šimon", "Ö.")]
    x = extract((IMPORTS / "acl-2019-florence-bertology.md").read_text(), "acl.md")
    attention = next(p for p in x.papers if p.title == "Attention is all you need")
    assert ("Kaiser", "Ł.") in [(a.family, a.given) for a in attention.authors]


def _papers_by_title(db) -> dict[str, tuple[int | None, int, set[str]]]:
    from sqlmodel import select

    from kb.db import session_scope
    from kb.models import Authorship, Paper, PaperKey

    with session_scope(db) as s:
        out: dict[str, list] = {}
        for p in s.exec(select(Paper).where(Paper.title.is_not(None))):
            authors = len(s.exec(select(Authorship).where(Authorship.paper_id == p.id)).all())
            keys = set(s.exec(select(PaperKey.key).where(PaperKey.paper_id == p.id)))
            out.setdefault(p.title.lower(), []).append((p.year, authors, keys))
    return out


def test_a_title_known_by_a_link_and_by_a_reference_is_one_paper_in_any_order(tmp_path):
    """Issue 17, item 12: "Deep contextualized word representations" stood twice, once without year and authors."""
    from kb.db import open_db
    from kb.importer import import_paths

    posts = sorted(IMPORTS.glob("*.md"))
    results = []
    for name, order in (("forward", posts), ("backward", posts[::-1])):
        engine = open_db(tmp_path / f"{name}.sqlite")
        for post in order:  # one import per post: every later post meets the earlier one's rows
            assert not import_paths(engine, [post]).failed
        results.append(_papers_by_title(engine))
        engine.dispose()
    for papers in results:
        assert {t: len(v) for t, v in papers.items() if len(v) > 1} == {}
        elmo = papers["deep contextualized word representations"][0]
        assert elmo[:2] == (2018, 7)
        # found again by its ACL Anthology id and by title (with and without year and first author)
        assert {
            "acl:N18-1202",
            "title:deep contextualized word representations|2018|peters",
            "title:deep contextualized word representations|2018|",
        } <= elmo[2]
    assert {t: v[0][:2] for t, v in results[0].items()} == {t: v[0][:2] for t, v in results[1].items()}


def _name_of(engine, key: str) -> tuple[str, str, str]:
    """The person a spelling's key names (its own key follows its fullest spelling, issue 19)."""
    from sqlmodel import select

    from kb.db import session_scope
    from kb.models import Person, PersonAlias

    with session_scope(engine) as s:
        [pid] = set(s.exec(select(PersonAlias.person_id).where(PersonAlias.key == key)).all())
        p = s.get(Person, pid)
        return p.name, p.family, p.given


def test_a_person_is_shown_under_the_fullest_spelling_in_any_order(tmp_path):
    """Issue 17, item 11: "A. Mohamed, also written Abdelrahman Mohamed" is now the other way round."""
    from kb.db import open_db
    from kb.importer import import_paths

    posts = sorted(IMPORTS.glob("*.md"))
    for name, order in (("forward", posts), ("backward", posts[::-1])):
        engine = open_db(tmp_path / f"{name}.sqlite")
        for post in order:
            assert not import_paths(engine, [post]).failed
        assert _name_of(engine, "a mohamed") == ("Abdelrahman Mohamed", "Mohamed", "Abdelrahman")
        assert _name_of(engine, "bernhard scholkopf")[0] == "Bernhard Schölkopf"  # the accent kept
        assert _name_of(engine, "zico kolter")[0] == "Zico Kolter"  # not "Prof. Zico Kolter"
        engine.dispose()


def test_a_name_set_by_hand_is_never_replaced_by_a_fuller_spelling(tmp_path):
    from kb import curation
    from kb.db import open_db, session_scope
    from kb.importer import import_paths
    from kb.models import PersonAlias

    first, second = tmp_path / "a.md", tmp_path / "b.md"
    ref = "---\ntitle: {day}\n---\n\n## References\n\n1. Mohamed, {given} (2020). Speech models that {verb}. In Interspeech.\n"
    first.write_text(ref.format(day="Day one", given="A.", verb="listen to everything"))
    second.write_text(ref.format(day="Day two", given="Abdelrahman", verb="talk to everyone"))
    engine = open_db(tmp_path / "kb.sqlite")
    assert not import_paths(engine, [first]).failed
    assert _name_of(engine, "a mohamed")[0] == "A. Mohamed"
    with session_scope(engine, write=True) as s:
        pid = s.exec(select(PersonAlias.person_id).where(PersonAlias.key == "a mohamed")).one()
        curation.edit_field(s, "person", pid, "name", "A.-R. Mohamed")
    assert not import_paths(engine, [second]).failed
    assert _name_of(engine, "a mohamed")[0] == "A.-R. Mohamed"
    engine.dispose()
