"""The database after importing the sample post holds exactly what its gold says; re-import is idempotent."""

from __future__ import annotations

import shutil

from sqlmodel import select

from kb.db import session_scope
from kb.importer import import_paths
from kb.models import (
    Authorship,
    Citation,
    Conference,
    Event,
    Link,
    Mention,
    Paper,
    Person,
    PersonAlias,
    Post,
    Reference,
    Talk,
    TalkSpeaker,
    UserEdit,
)
from kb.queries import stats


def _talks(session):
    rows = session.exec(select(Talk).order_by(Talk.position)).all()
    out = []
    for t in rows:
        speakers = session.exec(
            select(Person.name)
            .join(TalkSpeaker, TalkSpeaker.person_id == Person.id)
            .where(TalkSpeaker.talk_id == t.id)
            .order_by(TalkSpeaker.position)
        ).all()
        event = session.get(Event, t.event_id) if t.event_id else None
        links = session.exec(select(Link.url).where(Link.talk_id == t.id).order_by(Link.position)).all()
        cites = session.exec(
            select(Reference.marker)
            .join(Citation, Citation.paper_id == Reference.paper_id)
            .where(Citation.talk_id == t.id)
        ).all()
        out.append(
            {
                "title": t.title,
                "speakers": speakers,
                "kind": t.kind,
                "event": event.name if event else None,
                "links": links,
                "cites": sorted(set(cites), key=lambda m: int(m.strip("[]"))),
            }
        )
    return out


def test_sample_fills_the_db_as_the_gold_says(sampled, sample_gold):
    with session_scope(sampled) as s:
        conf = s.exec(select(Conference)).one()
        assert (conf.name, conf.year, conf.location, conf.url) == (
            "ICCV",
            2017,
            "Venice",
            "http://iccv2017.thecvf.com/",
        )
        post = s.exec(select(Post)).one()
        assert post.draft is True and post.title == "ICCV 2017 in Venice" and post.conference_id == conf.id
        events = s.exec(select(Event)).all()
        assert len(events) == 4 and {e.kind for e in events} == {"workshop", "tutorial"}
        assert all(e.conference_id == conf.id for e in events)

        talks = _talks(s)
        assert len(talks) == 6
        for got, want in zip(talks, sample_gold["talks"], strict=True):
            assert got["title"] == want["title"] and got["event"] == want["event"]
            assert got["speakers"] == want["speakers"]
            assert got["kind"] == want["kind"]
            assert got["links"] == want["links"]
            assert got["cites"] == sorted(want["cites"], key=lambda m: int(m.strip("[]")))

        mentioned = s.exec(
            select(Person.name, Person.url, Mention.role).join(Mention, Mention.person_id == Person.id)
        ).all()
        assert set(mentioned) == {(p["name"], p["url"], p["role"]) for p in sample_gold["people"]}

        papers = s.exec(select(Paper)).all()
        assert len(papers) == 18
        refs = {r.marker: r for r in s.exec(select(Reference)).all()}
        assert len(refs) == 18 and all(r.raw for r in refs.values())
        for want in sample_gold["papers"]:
            paper = s.get(Paper, refs[want["ref"]].paper_id)
            assert (paper.title, paper.venue, paper.year, paper.type) == (
                want["title"],
                want["venue"],
                want["year"],
                want["type"],
            )
            authors = s.exec(
                select(Person.family, Person.given)
                .join(Authorship, Authorship.person_id == Person.id)
                .where(Authorship.paper_id == paper.id)
                .order_by(Authorship.position)
            ).all()
            assert [{"family": f, "given": g} for f, g in authors] == [
                {"family": a["family"], "given": a["given"]} for a in want["authors"]
            ]


def test_girshick_is_one_person_speaker_and_author(sampled):
    with session_scope(sampled) as s:
        people = s.exec(select(Person).where(Person.family == "Girshick")).all()
        assert len(people) == 1
        girshick = people[0]
        assert girshick.name == "Ross Girshick"
        aliases = set(s.exec(select(PersonAlias.alias).where(PersonAlias.person_id == girshick.id)))
        assert "Ross Girshik" in aliases  # how the post misspells him
        assert s.exec(select(TalkSpeaker).where(TalkSpeaker.person_id == girshick.id)).all()
        authored = s.exec(
            select(Reference.marker)
            .join(Authorship, Authorship.paper_id == Reference.paper_id)
            .where(Authorship.person_id == girshick.id)
        ).all()
        assert sorted(authored) == ["[3]", "[4]", "[5]", "[7]", "[9]"]


def _snapshot(engine):
    """Every row of every table, minus import timestamps."""
    from sqlmodel import SQLModel

    out = {}
    with engine.connect() as conn:
        for name, table in SQLModel.metadata.tables.items():
            rows = conn.execute(table.select()).mappings().all()
            out[name] = sorted(tuple(sorted((k, str(v)) for k, v in r.items() if k != "imported_at")) for r in rows)
    return out


def test_importing_twice_is_idempotent(sampled, sample_path):
    before = _snapshot(sampled)
    again = import_paths(sampled, [sample_path])
    assert [r.status for r in again.results] == ["unchanged"]
    assert _snapshot(sampled) == before
    forced = import_paths(sampled, [sample_path], force=True)
    assert [r.status for r in forced.results] == ["updated"]
    after = _snapshot(sampled)
    assert {k: len(v) for k, v in after.items()} == {k: len(v) for k, v in before.items()}
    assert after["talk"] == before["talk"] and after["paper"] == before["paper"] and after["person"] == before["person"]


def test_changed_post_replaces_its_rows_and_keeps_user_edits(engine, sample_path, tmp_path):
    post = tmp_path / "post.md"
    shutil.copy(sample_path, post)
    import_paths(engine, [post])
    with session_scope(engine, write=True) as s:
        talk = s.exec(select(Talk).where(Talk.title.startswith("Instance segmentation"))).one()
        talk.title = "Mask R-CNN and RoIAlign (edited)"
        s.add(UserEdit(entity="talk", entity_id=talk.id, field="title", value=talk.title))
        edited_id = talk.id
    text = post.read_text(encoding="utf-8")
    text = text.replace("The third and last talk of the tutorial", "The third and final talk of the tutorial")
    text = text.replace("Anytime prediction [18]", "Anytime prediction")
    post.write_text(text, encoding="utf-8")
    result = import_paths(engine, [post])
    assert [r.status for r in result.results] == ["updated"]
    with session_scope(engine) as s:
        talk = s.get(Talk, edited_id)
        assert talk.title == "Mask R-CNN and RoIAlign (edited)"
        assert len(s.exec(select(Talk)).all()) == 6
        howard = s.exec(select(Talk).where(Talk.title == "Designing networks for mobile devices")).one()
        cites = s.exec(
            select(Reference.marker)
            .join(Citation, Citation.paper_id == Reference.paper_id)
            .where(Citation.talk_id == howard.id)
        ).all()
        assert "[18]" not in cites and "[17]" in cites
        assert stats(s)["posts"] == 1


def test_removed_post_content_is_garbage_collected(engine, tmp_path):
    post = tmp_path / "p.md"
    post.write_text(
        "# NeurIPS 2019\n\nThe first talk was on [Deep things](https://x.org/slides/a.pdf) by "
        '[Jane Roe](https://jane.example.org/).\n\n## References\n\n[1] Roe, Jane. "A paper." 2019.\n',
        encoding="utf-8",
    )
    import_paths(engine, [post])
    with session_scope(engine) as s:
        assert stats(s)["papers"] == 1 and stats(s)["talks"] == 1
    post.write_text("# NeurIPS 2019\n\nNothing to see, I was ill.\n", encoding="utf-8")
    import_paths(engine, [post])
    with session_scope(engine) as s:
        counts = stats(s)
        assert counts["papers"] == 0 and counts["talks"] == 0 and counts["people"] == 0
