"""SQLModel tables of the knowledge base.

Shared entities (Conference, Event, Person, Paper) are found again by a
natural ``key`` so that re-importing is idempotent and several posts meet on
the same rows. Post-owned rows (Talk, Reference, Citation, Link, Mention) hang
off their Post and are replaced when the post changes; talks keep their id
across re-imports through ``(post_id, key)``.

Many-to-many relations use explicit link models that carry their own columns
(``TalkSpeaker.position``, ``Authorship.position``, ``Citation.context``).
Portable SQL only: nothing here is specific to SQLite or PostgreSQL.
"""

from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import Column, DateTime, Index, LargeBinary, Text, UniqueConstraint, false
from sqlmodel import Field, SQLModel


def utcnow() -> datetime:
    return datetime.now(UTC)


class Conference(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)  # "iccv|2019"
    name: str
    year: int | None = None
    location: str | None = None
    url: str | None = None


class Post(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    path: str = Field(unique=True, index=True)
    sha256: str
    title: str | None = None
    date: str | None = None
    draft: bool = False
    conference_id: int | None = Field(default=None, foreign_key="conference.id", index=True, ondelete="SET NULL")
    body: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    problems: str = Field(default="[]", sa_column=Column(Text, nullable=False, default="[]"))  # JSON list
    # The file's text before ``body`` (its front matter block), so head + body is the file again and a
    # post can be re-extracted from the database alone (kb sync, a better extractor). Migration 0002.
    front_matter: str = Field(default="", sa_column=Column(Text, nullable=False, default="", server_default=""))
    imported_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Event(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)  # "<conference key>/<normalised name>"
    conference_id: int | None = Field(default=None, foreign_key="conference.id", index=True, ondelete="SET NULL")
    name: str
    kind: str = "other"  # workshop, tutorial, keynote, panel, main, session, other
    url: str | None = None


class Person(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    key: str = Field(unique=True, index=True)  # folded, lower-case canonical name
    name: str
    family: str = ""
    given: str = ""
    family_key: str = Field(default="", index=True)  # folded family name: a blocking key
    family_block: str = Field(default="", index=True)  # its first two letters …
    given_key: str = Field(default="", index=True)  # … with the folded first given name: the typo block
    url: str | None = None


class PersonAlias(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("person_id", "alias"),)
    id: int | None = Field(default=None, primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    alias: str
    key: str = Field(index=True)  # folded, lower-case alias


class Talk(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("post_id", "key"),)
    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True, ondelete="CASCADE")
    event_id: int | None = Field(default=None, foreign_key="event.id", index=True, ondelete="SET NULL")
    key: str  # stable within the post: normalised title, or "talk-N"
    position: int = 0
    title: str | None = None
    kind: str = "other"
    summary: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    line: int | None = None


class TalkSpeaker(SQLModel, table=True):
    talk_id: int = Field(foreign_key="talk.id", primary_key=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", primary_key=True, index=True, ondelete="CASCADE")
    position: int = 0
    # The name the post gave (what identity resolution looked up): a link spelled "K. Zhang" can leave
    # "Kai Zhang" once "Kaiming Zhang" makes that spelling ambiguous (kb.initials). NULL: made before 0005.
    spelling: str | None = None


class PostEvent(SQLModel, table=True):
    """The posts that name an event (an event can outlive any one post)."""

    post_id: int = Field(foreign_key="post.id", primary_key=True, ondelete="CASCADE")
    event_id: int = Field(foreign_key="event.id", primary_key=True, index=True, ondelete="CASCADE")


class Mention(SQLModel, table=True):
    """A person named in a post, with the role they play there."""

    post_id: int = Field(foreign_key="post.id", primary_key=True, ondelete="CASCADE")
    person_id: int = Field(foreign_key="person.id", primary_key=True, index=True, ondelete="CASCADE")
    role: str = "mentioned"  # speaker, author, mentioned
    spelled: str | None = None  # how the text wrote the name, when not as ``spelling``
    spelling: str | None = None  # the name the post gave, as resolved (TalkSpeaker.spelling; migration 0005)


class Paper(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    title: str | None = None
    year: int | None = None
    venue: str | None = None
    type: str = "misc"
    doi: str | None = Field(default=None, index=True)
    arxiv_id: str | None = Field(default=None, index=True)
    url: str | None = None
    publisher: str | None = None
    pages: str | None = None
    volume: str | None = None
    issue: str | None = None
    et_al: bool = False
    citekey: str | None = Field(default=None, unique=True, index=True)
    pinned: bool = False  # came from a .bib file or was edited: never garbage-collected


class PaperKey(SQLModel, table=True):
    """Every identity a paper is known by: ``doi:…``, ``arxiv:…``, ``title:…|year|surname``."""

    key: str = Field(primary_key=True)
    paper_id: int = Field(foreign_key="paper.id", index=True, ondelete="CASCADE")


class Authorship(SQLModel, table=True):
    paper_id: int = Field(foreign_key="paper.id", primary_key=True, ondelete="CASCADE")
    position: int = Field(primary_key=True)
    person_id: int = Field(foreign_key="person.id", index=True, ondelete="CASCADE")
    spelling: str | None = None  # the author's name as the reference gave it (TalkSpeaker.spelling)


class Reference(SQLModel, table=True):
    """A reference-list entry exactly as the post wrote it: the raw string is never lost."""

    __table_args__ = (UniqueConstraint("post_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True, ondelete="CASCADE")
    position: int
    marker: str | None = None
    raw: str = Field(sa_column=Column(Text, nullable=False))
    paper_id: int | None = Field(default=None, foreign_key="paper.id", index=True, ondelete="SET NULL")
    line: int | None = None


class Citation(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("post_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True, ondelete="CASCADE")
    position: int
    talk_id: int | None = Field(default=None, foreign_key="talk.id", index=True, ondelete="CASCADE")
    paper_id: int = Field(foreign_key="paper.id", index=True, ondelete="CASCADE")
    marker: str
    context: str = Field(default="", sa_column=Column(Text, nullable=False, default=""))
    line: int | None = None


class Link(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("post_id", "position"),)
    id: int | None = Field(default=None, primary_key=True)
    post_id: int = Field(foreign_key="post.id", index=True, ondelete="CASCADE")
    position: int
    url: str
    label: str = ""
    kind: str = "other"  # slides, homepage, video, code, paper, image, other
    talk_id: int | None = Field(default=None, foreign_key="talk.id", index=True, ondelete="SET NULL")
    person_id: int | None = Field(default=None, foreign_key="person.id", index=True, ondelete="SET NULL")
    paper_id: int | None = Field(default=None, foreign_key="paper.id", index=True, ondelete="SET NULL")
    event_id: int | None = Field(default=None, foreign_key="event.id", index=True, ondelete="SET NULL")
    empty: bool = False
    malformed: bool = False
    schemeless: bool = False
    line: int | None = None


class IdentityCandidate(SQLModel, table=True):
    """Two rows that may be the same person/paper, kept apart until a user decides."""

    __table_args__ = (UniqueConstraint("entity", "a_id", "b_id"),)
    id: int | None = Field(default=None, primary_key=True)
    entity: str  # "person" | "paper"
    a_id: int = Field(index=True)
    b_id: int = Field(index=True)
    score: float = 0.0
    reason: str = ""


class UserEdit(SQLModel, table=True):
    """A field the user set by hand; re-imports never overwrite it."""

    __table_args__ = (UniqueConstraint("entity", "entity_id", "field"),)
    id: int | None = Field(default=None, primary_key=True)
    entity: str  # "talk", "paper", "person", "event", "conference"
    entity_id: int = Field(index=True)
    field: str
    value: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))
    # Corrections of a post's extraction (kb.corrections, migration 0003). A talk's edits name the post and
    # the talk as the extractor last found it (``anchor``: JSON title, speakers, line, position), so a re-import
    # finds the talk again after small changes of its source. An edit whose talk is gone is kept, ``stale``
    # with a negative ``entity_id`` (never a row), and reported by ``kb check`` until it applies again.
    post_id: int | None = Field(default=None, index=True)
    anchor: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    stale: bool = Field(default=False, sa_column_kwargs={"server_default": false()})


class PaperFieldSource(SQLModel, table=True):
    """What a metadata source said about one field of a paper (``kb enrich``): provenance and conflicts.

    ``status``: ``set`` (the source filled a blank), ``same`` (it agrees with the post), ``conflict`` (it
    disagrees: the post's value is kept, the source's is here to accept), ``kept`` (the field was edited by
    hand, so never touched), ``accepted`` / ``rejected`` (the user decided a conflict). Field ``*`` records that
    the source was asked at all (``found`` / ``notfound``), which makes ``kb enrich`` resumable. Migration 0004.
    """

    __table_args__ = (UniqueConstraint("paper_id", "field", "source"),)
    id: int | None = Field(default=None, primary_key=True)
    paper_id: int = Field(foreign_key="paper.id", index=True, ondelete="CASCADE")
    field: str  # title, year, venue, doi, arxiv_id, abstract, authors (a JSON list), "*"
    value: str | None = Field(default=None, sa_column=Column(Text, nullable=True))
    source: str  # arxiv, crossref, datacite, acl, openreview, dblp, openalex
    url: str = ""  # the API URL the value came from
    status: str = "set"
    fetched_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Annotation(SQLModel, table=True):
    """A post's corrected record (the gold-file schema), written by every correction: a training example.

    Standoff: ``sha`` is the git blob sha of the post's text, as in ``corpus/annotations/<sha>.gold.json``.
    """

    post_id: int = Field(foreign_key="post.id", primary_key=True, ondelete="CASCADE")
    sha: str = Field(index=True)
    record: str = Field(sa_column=Column(Text, nullable=False))
    updated_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class TrainedModel(SQLModel, table=True):
    """The KB's own talk labellers (``kb train``); without a row the shipped models are used."""

    name: str = Field(primary_key=True)  # "talks"
    sha256: str  # of lines + spans: the same inputs give the same sha
    meta: str = Field(default="{}", sa_column=Column(Text, nullable=False, default="{}"))
    lines: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    spans: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


class Merge(SQLModel, table=True):
    """A user's decision that two people (or papers) are one; kept as history."""

    # (entity, from_id): where a merged-away id went (kb.queries.merged_into). Migration 0002.
    __table_args__ = (Index("ix_merge_entity_from_id", "entity", "from_id"),)
    id: int | None = Field(default=None, primary_key=True)
    entity: str  # "person" | "paper"
    from_id: int
    into_id: int = Field(index=True)
    from_name: str = ""
    # The merged-away row's natural key (person key, or the paper's smallest identity key): ids mean
    # nothing in another database, so kb sync replays merges by it. None for merges made before 0002.
    from_key: str | None = None
    created_at: datetime = Field(default_factory=utcnow, sa_type=DateTime(timezone=True))


ENTITY_TABLES: dict[str, type[SQLModel]] = {
    "conference": Conference,
    "event": Event,
    "talk": Talk,
    "person": Person,
    "paper": Paper,
    "post": Post,
}
