"""The store's SQLite statements sent as text (kb.db.insert_rows, insert_ids): the same rows, bound values and
statement counts as SQLAlchemy's Core INSERTs, and SQLAlchemy's own path wherever it would fill a default."""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import event

from kb.db import _insert_plan, insert_ids, insert_rows, open_db
from kb.models import Link, Mention, Paper, Person, Post, Talk, TalkSpeaker, UserEdit


def _rows(conn, table) -> list[tuple]:
    cols = ", ".join(f'"{c.name}", typeof("{c.name}")' for c in table.columns)
    return conn.exec_driver_sql(f'SELECT {cols} FROM "{table.name}" ORDER BY rowid').all()


def _counting(engine) -> list[str]:
    seen: list[str] = []
    event.listen(engine, "before_cursor_execute", lambda conn, cur, stmt, *a: seen.append(stmt))
    return seen


def _setup(conn) -> None:
    """The rows the inserted ones point to (foreign keys are on)."""
    conn.execute(Post.__table__.insert(), [{"path": "a.md", "sha256": "0"}])
    conn.execute(Talk.__table__.insert(), [{"id": 7, "post_id": 1, "key": "t", "position": 0}])
    conn.execute(
        Person.__table__.insert(),
        [{"id": i, "key": f"p{i}", "name": f"P {i}", "family": "P", "family_key": "p"} for i in (1, 2, 3)],
    )


def test_insert_rows_binds_what_sqlalchemy_binds(tmp_path):
    fast, slow = open_db(tmp_path / "fast.sqlite"), open_db(tmp_path / "slow.sqlite")
    fast_seen, slow_seen = _counting(fast), _counting(slow)
    links = [
        {
            "post_id": 1,
            "position": i,
            "url": f"https://x.org/{i}",
            "label": "ä" * i,
            "kind": "paper",
            "line": i,
            "empty": i % 2 == 0,  # Boolean: SQLAlchemy's bind processor makes it 0/1
            "malformed": False,
            "schemeless": True,
            "talk_id": None,
            "person_id": None,
            "paper_id": None,
            "event_id": None,
        }
        for i in range(5)
    ]
    mentions = [{"post_id": 1, "person_id": i, "role": "speaker", "spelled": None, "spelling": "A B"} for i in (3, 1)]
    speakers = [{"talk_id": 7, "person_id": 2, "position": 0, "spelling": "Jane Doe"}]
    for engine, insert in ((fast, insert_rows), (slow, lambda c, t, rows: rows and c.execute(t.insert(), rows))):
        with engine.begin() as conn:
            _setup(conn)
            for table, rows in (
                (Link.__table__, links),
                (Mention.__table__, mentions),
                (TalkSpeaker.__table__, speakers),
            ):
                insert(conn, table, rows)
                insert(conn, table, [])  # nothing: no statement
    with fast.connect() as a, slow.connect() as b:
        for table in (Link.__table__, Mention.__table__, TalkSpeaker.__table__):
            assert _rows(a, table) == _rows(b, table)
            assert _rows(a, table)
    # the same statements, one per non-empty list (and the three of _setup)
    assert [s for s in fast_seen if s.startswith("INSERT")] == [s for s in slow_seen if s.startswith("INSERT")]
    assert len([s for s in fast_seen if s.startswith("INSERT")]) == 6


def test_insert_ids_as_text_matches_sqlalchemy(tmp_path):
    fast, slow = open_db(tmp_path / "fast.sqlite"), open_db(tmp_path / "slow.sqlite")
    people = [
        {
            "key": f"k{i}",
            "name": f"N {i}",
            "family": "N",
            "given": str(i),
            "family_key": "n",
            "family_block": "n",
            "given_key": str(i),
            "url": None,
        }
        for i in range(700)  # more than one statement's worth of bound values
    ]
    with fast.begin() as conn:
        ids = insert_ids(conn, Person.__table__, people)
    with slow.begin() as conn:
        slow_ids = []
        for row in people:
            slow_ids += conn.execute(Person.__table__.insert().returning(Person.__table__.c.id), [row]).scalars().all()
    assert ids == slow_ids == list(range(1, 701))
    with fast.connect() as a, slow.connect() as b:
        assert _rows(a, Person.__table__) == _rows(b, Person.__table__)


def test_plan_leaves_defaults_and_other_backends_to_sqlalchemy(tmp_path):
    engine = open_db(tmp_path / "kb.sqlite")
    with engine.connect() as conn:
        # a left-out column with a Python-side default (Post.imported_at, UserEdit.created_at, Paper.pinned)
        assert _insert_plan(conn, Post.__table__, ("path", "sha256")) is None
        assert _insert_plan(conn, UserEdit.__table__, ("entity", "entity_id", "field", "value")) is None
        assert _insert_plan(conn, Paper.__table__, ("title",)) is None
        assert _insert_plan(conn, TalkSpeaker.__table__, ("talk_id", "person_id", "position", "spelling")) is not None
        # a column the table does not have: SQLAlchemy says what is wrong
        assert _insert_plan(conn, TalkSpeaker.__table__, ("talk_id", "nope")) is None

        class _Other:  # another dialect (PostgreSQL keeps SQLAlchemy's statements)
            name = "postgresql"

        class _Conn:
            dialect = _Other()

        assert _insert_plan(_Conn(), TalkSpeaker.__table__, ("talk_id", "person_id", "position", "spelling")) is None
    # a value with a bind processor on a column kept: applied as SQLAlchemy applies it
    with engine.begin() as conn:
        insert_rows(
            conn,
            UserEdit.__table__,
            [
                {
                    "entity": "talk",
                    "entity_id": 1,
                    "field": "title",
                    "value": "x",
                    "created_at": datetime(2024, 1, 2, 3, 4, 5, tzinfo=UTC),
                    "post_id": None,
                    "anchor": None,
                    "stale": False,
                }
            ],
        )
        assert conn.exec_driver_sql("SELECT created_at, stale FROM useredit").one() == ("2024-01-02 03:04:05.000000", 0)


def test_query_as_text_is_sqlalchemys_statement(tmp_path):
    """Every store query kept as a kb.db.Query: on SQLite the text sent and the rows read are SQLAlchemy's."""
    from kb import identity, importer, initials, store
    from kb.db import Query

    engine = open_db(tmp_path / "kb.sqlite")
    with engine.begin() as conn:
        _setup(conn)
        conn.exec_driver_sql(
            "INSERT INTO personalias(person_id, alias, key) VALUES (1, 'P One', 'p one'), (2, 'P2', 'p2')"
        )
        conn.exec_driver_sql(
            "INSERT INTO paper(title, type, et_al, pinned) VALUES ('T', 'misc', 0, 0), ('U', 'misc', 0, 0)"
        )
        conn.exec_driver_sql("INSERT INTO paperkey(key, paper_id) VALUES ('title:t|2019|p', 1), ('title:t||', 2)")
        conn.exec_driver_sql("INSERT INTO authorship(paper_id, position, person_id) VALUES (1, 0, 1), (1, 1, 2)")
        conn.exec_driver_sql(
            "INSERT INTO merge(entity, from_id, into_id, from_name, from_key, created_at) VALUES ('paper', 9, 1, '', 'x', '2024-01-01')"
        )
    cases = [
        (identity._ALIAS_OWNERS, {"keys": ["p one", "p2", "nobody"]}),
        (identity.ALIASES_OF, {"ids": [2, 1, 1]}),
        (identity._PAPER_KEYS, {"keys": ["title:t|2019|p", "title:t||"]}),
        (identity._FIRST_OF_TITLE, {"lo": "title:t|", "hi": "title:t|\U0010ffff"}),
        (store._MERGED_INTO, {"ids": [1, 2]}),
        (store._AUTHOR_LISTS, {"ids": [1]}),
        (store._AUTHORS_OF, {"ids": [1, 2]}),
        (initials._FAMILIES, {"fams": ["p", "q"]}),
        (importer._STORED_SHA_AND_EDIT, {"path": "a.md"}),
        (importer._STORED_SHA_AND_EDIT, {"path": "b.md"}),
    ]
    seen = _counting(engine)
    found = 0
    with engine.connect() as conn:
        for query, values in cases:
            assert isinstance(query, Query)
            start = len(seen)
            fast = query.run(conn, **values).all()
            text = [s for s in seen[start:] if s != "BEGIN"]
            middle = len(seen)
            slow = conn.execute(query.stmt, values).all()
            assert [tuple(r) for r in fast] == [tuple(r) for r in slow]
            assert text == seen[middle:]  # one statement, spelled as SQLAlchemy spells it
            assert len(text) == 1
            found += bool(fast)
        assert [tuple(r) for r in store._AUTHORS_OF.run(conn, ids=[]).all()] == []  # empty list: SQLAlchemy's path
    assert found == len(cases)  # each found rows (b.md: a row of NULLs)


def test_lock_keys_makes_no_keys_on_sqlite(tmp_path):
    """On SQLite the writers are serial: the importer's lock names (a person_row per name, paper keys) are not
    even made."""
    from kb.db import lock_keys, session_scope

    def never():
        raise AssertionError("lock names made on SQLite")

    engine = open_db(tmp_path / "kb.sqlite")
    with session_scope(engine, write=True) as session:
        lock_keys(session, never)
        lock_keys(session, ["person:ab"])


def test_person_row_is_a_fresh_ref_each_time():
    """person_row's parse is cached; the PersonRef is new each call (the resolver renames the ones it holds)."""
    from kb.identity import person_row, recanonical

    a = person_row("A. Vedaldi", url="https://a.org")
    assert (a.key, a.family, a.given, a.family_key, a.given_key, a.url) == (
        "a vedaldi",
        "Vedaldi",
        "A.",
        "vedaldi",
        "a",
        "https://a.org",
    )
    assert recanonical(a, {"A. Vedaldi", "Andrea Vedaldi"}, lambda key: True)
    assert a.name == "Andrea Vedaldi"
    b = person_row("A. Vedaldi")
    assert b is not a and (b.name, b.given, b.key, b.url) == ("A. Vedaldi", "A.", "a vedaldi", None)


def test_url_update_as_core_is_the_orm_statement(tmp_path):
    """The resolver's url update, as Core under write_post (no autoflush, no Person object loaded): the text the
    ORM sent, the same row changed; with a Person loaded (kb.enrich) the ORM's update keeps the object in line."""
    from sqlalchemy import update

    from kb.db import session_scope
    from kb.identity import _SET_URL, PeopleResolver, person_row, person_values

    engine = open_db(tmp_path / "kb.sqlite")
    seen = _counting(engine)
    with engine.begin() as conn:
        conn.execute(Person.__table__.insert(), [person_values(person_row(n)) for n in ("Jane Doe", "John Roe")])
    with session_scope(engine, write=True) as session, session.no_autoflush:
        people = PeopleResolver(session, ["Jane Doe"])
        assert people.get("Jane Doe", url="https://jane.example.org").id == 1
        people.flush()
    core = [s for s in seen if s.startswith("UPDATE person")]
    with engine.connect() as conn:
        orm_text = str(update(Person).where(Person.id == 1).values(url="x").compile(dialect=conn.dialect))
        assert conn.exec_driver_sql("SELECT url FROM person WHERE id = 1").scalar() == "https://jane.example.org"
    assert core == [orm_text] == [_SET_URL._compiled(engine.dialect)[0]]
    with session_scope(engine, write=True) as session:
        loaded = session.get(Person, 2)
        people = PeopleResolver(session, ["John Roe"])
        assert people.get("John Roe", url="https://john.example.org").id == 2
        people.flush()
        assert loaded.url == "https://john.example.org"  # the ORM's update brought the loaded object in line
