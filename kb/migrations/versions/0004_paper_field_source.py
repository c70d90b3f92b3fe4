"""enrichment provenance: ``paperfieldsource`` (kb enrich)

One row per paper, field and metadata source: the value the source gave, its API URL, when, and what
became of it (set, same, conflict, kept, accepted, rejected; field ``*``: the source was asked).

Only CREATE TABLE / CREATE INDEX: no table is rebuilt.

Revision ID: 0004
Revises: 0003
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "paperfieldsource",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("paper_id", sa.Integer(), nullable=False),
        sa.Column("field", sa.String(), nullable=False),
        sa.Column("value", sa.Text(), nullable=True),
        sa.Column("source", sa.String(), nullable=False),
        sa.Column("url", sa.String(), nullable=False),
        sa.Column("status", sa.String(), nullable=False),
        sa.Column("fetched_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["paper_id"], ["paper.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint("paper_id", "field", "source"),
    )
    op.create_index("ix_paperfieldsource_paper_id", "paperfieldsource", ["paper_id"], unique=False)


def downgrade() -> None:
    op.drop_index("ix_paperfieldsource_paper_id", table_name="paperfieldsource")
    op.drop_table("paperfieldsource")
