"""A post's conference and events are read at the Core level and attached to the session as if the ORM had
loaded them (issue 16, ``speed10``): the object already in the session is the one given back, a change to an
attached one is an UPDATE at the next flush, and a post stored twice (its conference and events found again,
their blanks filled) gives the rows the ORM's queries gave."""

from __future__ import annotations

from sqlmodel import select

from kb import store
from kb.db import open_db, session_scope
from kb.ingest.records import Conference as ConferenceRecord
from kb.ingest.records import Event as EventRecord
from kb.ingest.records import Extraction
from kb.models import Conference, Event


def test_attached_rows_are_the_sessions_and_their_changes_are_written(tmp_path):
    engine = open_db(tmp_path / "kb.sqlite")
    with session_scope(engine, write=True) as session:
        session.add(Conference(key="iccv|2019", name="ICCV", year=2019))
    with session_scope(engine, write=True) as session:
        rows = store._CONFERENCE.run(session.connection(), key="iccv|2019").all()
        (conf,) = store._attach(session, Conference, rows)
        assert (conf.name, conf.year, conf.location) == ("ICCV", 2019, None)
        assert (
            store._attach(session, Conference, rows) == [conf] and store._attach(session, Conference, rows)[0] is conf
        )
        assert session.get(Conference, conf.id) is conf
        conf.location = "Seoul"
    with session_scope(engine) as session:
        assert session.exec(select(Conference.location)).one() == "Seoul"


def test_a_post_stored_twice_finds_its_conference_and_events_again(tmp_path):
    engine = open_db(tmp_path / "kb.sqlite")
    x = Extraction(source="p.md", title="Notes", text="body")
    x.conference = ConferenceRecord(name="ICCV", year=2019)
    x.events = [EventRecord(name="Workshop on Vision", kind="other")]
    with session_scope(engine, write=True) as session:
        store.write_post(session, x, "p.md", "a")
    x.conference = ConferenceRecord(name="ICCV", year=2019, location="Seoul", url="https://iccv2019.thecvf.com")
    x.events = [EventRecord(name="Workshop on Vision", kind="workshop", url="https://w.example.org")]
    with session_scope(engine, write=True) as session:
        store.write_post(session, x, "q.md", "b")
    with session_scope(engine) as session:
        confs = session.exec(select(Conference)).all()
        events = session.exec(select(Event)).all()
    assert [(c.key, c.location, c.url) for c in confs] == [("iccv|2019", "Seoul", "https://iccv2019.thecvf.com")]
    assert [(e.name, e.kind, e.url, e.conference_id) for e in events] == [
        ("Workshop on Vision", "workshop", "https://w.example.org", confs[0].id)
    ]
