"""initial schema: the tables of kb/models.py as they were before kb had migrations

Databases created before migrations existed are stamped with this revision
(see kb.migrations.ensure_schema).

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "conference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("location", sa.String(), nullable=True),
        sa.Column("url", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("conference", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_conference_key"), ["key"], unique=True)

    op.create_table(
        "identitycandidate",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("a_id", sa.Integer(), nullable=False),
        sa.Column("b_id", sa.Integer(), nullable=False),
        sa.Column("score", sa.Float(), nullable=False),
        sa.Column("reason", sa.String(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entity", "a_id", "b_id"),
    )
    with op.batch_alter_table("identitycandidate", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_identitycandidate_a_id"), ["a_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_identitycandidate_b_id"), ["b_id"], unique=False)

    op.create_table(
        "merge",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("from_id", sa.Integer(), nullable=False),
        sa.Column("into_id", sa.Integer(), nullable=False),
        sa.Column("from_name", sa.String(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("merge", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_merge_into_id"), ["into_id"], unique=False)

    op.create_table(
        "paper",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=True),
        sa.Column("year", sa.Integer(), nullable=True),
        sa.Column("venue", sa.String(), nullable=True),
        sa.Column("type", sa.String(), nullable=False),
        sa.Column("doi", sa.String(), nullable=True),
        sa.Column("arxiv_id", sa.String(), nullable=True),
        sa.Column("url", sa.String(), nullable=True),
        sa.Column("publisher", sa.String(), nullable=True),
        sa.Column("pages", sa.String(), nullable=True),
        sa.Column("volume", sa.String(), nullable=True),
        sa.Column("issue", sa.String(), nullable=True),
        sa.Column("et_al", sa.Boolean(), nullable=False),
        sa.Column("citekey", sa.String(), nullable=True),
        sa.Column("pinned", sa.Boolean(), nullable=False),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("paper", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_paper_arxiv_id"), ["arxiv_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_paper_citekey"), ["citekey"], unique=True)
        batch_op.create_index(batch_op.f("ix_paper_doi"), ["doi"], unique=False)

    op.create_table(
        "person",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("family", sa.String(), nullable=False),
        sa.Column("given", sa.String(), nullable=False),
        sa.Column("family_key", sa.String(), nullable=False),
        sa.Column("family_block", sa.String(), nullable=False),
        sa.Column("given_key", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=True),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_person_family_block"), ["family_block"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_family_key"), ["family_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_given_key"), ["given_key"], unique=False)
        batch_op.create_index(batch_op.f("ix_person_key"), ["key"], unique=True)

    op.create_table(
        "useredit",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("entity", sa.String(), nullable=False),
        sa.Column("entity_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(), nullable=False),
        sa.Column("value", sa.String(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("entity", "entity_id", "field"),
    )
    with op.batch_alter_table("useredit", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_useredit_entity_id"), ["entity_id"], unique=False)

    op.create_table(
        "authorship",
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["paper_id"], ["paper.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("paper_id", "position"),
    )
    with op.batch_alter_table("authorship", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_authorship_person_id"), ["person_id"], unique=False)

    op.create_table(
        "event",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=True),
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["conference_id"], ["conference.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_event_conference_id"), ["conference_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_event_key"), ["key"], unique=True)

    op.create_table(
        "paperkey",
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["paper_id"], ["paper.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("key"),
    )
    with op.batch_alter_table("paperkey", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_paperkey_paper_id"), ["paper_id"], unique=False)

    op.create_table(
        "personalias",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("alias", sa.String(), nullable=False),
        sa.Column("key", sa.String(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("person_id", "alias"),
    )
    with op.batch_alter_table("personalias", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_personalias_key"), ["key"], unique=False)
        batch_op.create_index(batch_op.f("ix_personalias_person_id"), ["person_id"], unique=False)

    op.create_table(
        "post",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("path", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("title", sa.String(), nullable=True),
        sa.Column("date", sa.String(), nullable=True),
        sa.Column("draft", sa.Boolean(), nullable=False),
        sa.Column("conference_id", sa.Integer(), nullable=True),
        sa.Column("body", sa.Text(), nullable=False),
        sa.Column("problems", sa.Text(), nullable=False),
        sa.Column("imported_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["conference_id"], ["conference.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
    )
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_post_conference_id"), ["conference_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_post_path"), ["path"], unique=True)

    op.create_table(
        "mention",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("role", sa.String(), nullable=False),
        sa.Column("spelled", sa.String(), nullable=True),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("post_id", "person_id"),
    )
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mention_person_id"), ["person_id"], unique=False)

    op.create_table(
        "postevent",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("post_id", "event_id"),
    )
    with op.batch_alter_table("postevent", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_postevent_event_id"), ["event_id"], unique=False)

    op.create_table(
        "reference",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("marker", sa.String(), nullable=True),
        sa.Column("raw", sa.Text(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=True),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["paper_id"], ["paper.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("post_id", "position"),
    )
    with op.batch_alter_table("reference", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_reference_paper_id"), ["paper_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_reference_post_id"), ["post_id"], unique=False)

    op.create_table(
        "talk",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("key", sa.String(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("title", sa.String(), nullable=True),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("post_id", "key"),
    )
    with op.batch_alter_table("talk", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_talk_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_talk_post_id"), ["post_id"], unique=False)

    op.create_table(
        "citation",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("talk_id", sa.Integer(), nullable=True),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("marker", sa.String(), nullable=False),
        sa.Column("context", sa.Text(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["paper_id"], ["paper.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["talk_id"], ["talk.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("post_id", "position"),
    )
    with op.batch_alter_table("citation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_citation_paper_id"), ["paper_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_citation_post_id"), ["post_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_citation_talk_id"), ["talk_id"], unique=False)

    op.create_table(
        "link",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("label", sa.String(), nullable=False),
        sa.Column("kind", sa.String(), nullable=False),
        sa.Column("talk_id", sa.Integer(), nullable=True),
        sa.Column("person_id", sa.Integer(), nullable=True),
        sa.Column("paper_id", sa.Integer(), nullable=True),
        sa.Column("event_id", sa.Integer(), nullable=True),
        sa.Column("empty", sa.Boolean(), nullable=False),
        sa.Column("malformed", sa.Boolean(), nullable=False),
        sa.Column("schemeless", sa.Boolean(), nullable=False),
        sa.Column("line", sa.Integer(), nullable=True),
        sa.ForeignKeyConstraint(["event_id"], ["event.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["paper_id"], ["paper.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="SET NULL"),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["talk_id"], ["talk.id"], ondelete="SET NULL"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("post_id", "position"),
    )
    with op.batch_alter_table("link", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_link_event_id"), ["event_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_link_paper_id"), ["paper_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_link_person_id"), ["person_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_link_post_id"), ["post_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_link_talk_id"), ["talk_id"], unique=False)

    op.create_table(
        "talkspeaker",
        sa.Column("talk_id", sa.Integer(), nullable=False),
        sa.Column("person_id", sa.Integer(), nullable=False),
        sa.Column("position", sa.Integer(), nullable=False),
        sa.ForeignKeyConstraint(["person_id"], ["person.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["talk_id"], ["talk.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("talk_id", "person_id"),
    )
    with op.batch_alter_table("talkspeaker", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_talkspeaker_person_id"), ["person_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("talkspeaker", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_talkspeaker_person_id"))

    op.drop_table("talkspeaker")
    with op.batch_alter_table("link", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_link_talk_id"))
        batch_op.drop_index(batch_op.f("ix_link_post_id"))
        batch_op.drop_index(batch_op.f("ix_link_person_id"))
        batch_op.drop_index(batch_op.f("ix_link_paper_id"))
        batch_op.drop_index(batch_op.f("ix_link_event_id"))

    op.drop_table("link")
    with op.batch_alter_table("citation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_citation_talk_id"))
        batch_op.drop_index(batch_op.f("ix_citation_post_id"))
        batch_op.drop_index(batch_op.f("ix_citation_paper_id"))

    op.drop_table("citation")
    with op.batch_alter_table("talk", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_talk_post_id"))
        batch_op.drop_index(batch_op.f("ix_talk_event_id"))

    op.drop_table("talk")
    with op.batch_alter_table("reference", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_reference_post_id"))
        batch_op.drop_index(batch_op.f("ix_reference_paper_id"))

    op.drop_table("reference")
    with op.batch_alter_table("postevent", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_postevent_event_id"))

    op.drop_table("postevent")
    with op.batch_alter_table("mention", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mention_person_id"))

    op.drop_table("mention")
    with op.batch_alter_table("post", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_post_path"))
        batch_op.drop_index(batch_op.f("ix_post_conference_id"))

    op.drop_table("post")
    with op.batch_alter_table("personalias", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_personalias_person_id"))
        batch_op.drop_index(batch_op.f("ix_personalias_key"))

    op.drop_table("personalias")
    with op.batch_alter_table("paperkey", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paperkey_paper_id"))

    op.drop_table("paperkey")
    with op.batch_alter_table("event", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_event_key"))
        batch_op.drop_index(batch_op.f("ix_event_conference_id"))

    op.drop_table("event")
    with op.batch_alter_table("authorship", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_authorship_person_id"))

    op.drop_table("authorship")
    with op.batch_alter_table("useredit", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_useredit_entity_id"))

    op.drop_table("useredit")
    with op.batch_alter_table("person", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_person_key"))
        batch_op.drop_index(batch_op.f("ix_person_given_key"))
        batch_op.drop_index(batch_op.f("ix_person_family_key"))
        batch_op.drop_index(batch_op.f("ix_person_family_block"))

    op.drop_table("person")
    with op.batch_alter_table("paper", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paper_doi"))
        batch_op.drop_index(batch_op.f("ix_paper_citekey"))
        batch_op.drop_index(batch_op.f("ix_paper_arxiv_id"))

    op.drop_table("paper")
    with op.batch_alter_table("merge", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_merge_into_id"))

    op.drop_table("merge")
    with op.batch_alter_table("identitycandidate", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_identitycandidate_b_id"))
        batch_op.drop_index(batch_op.f("ix_identitycandidate_a_id"))

    op.drop_table("identitycandidate")
    with op.batch_alter_table("conference", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_conference_key"))

    op.drop_table("conference")
