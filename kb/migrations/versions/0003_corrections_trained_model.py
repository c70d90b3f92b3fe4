"""corrections of a post's extraction, their training examples, and the KB's own talk model

* ``useredit.post_id`` / ``anchor`` / ``stale``: a talk's edits name their post and the talk as
  the extractor last found it, so a re-import finds the talk again after small changes of its
  source; an edit that no longer applies is kept (``stale``) and reported by ``kb check``.
* ``annotation``: each corrected post's record in the gold-file schema, keyed by the post's git
  blob sha (a training example, ``kb corrections export``).
* ``trainedmodel``: the talk labellers ``kb train`` fitted for this KB.

Only ADD COLUMN / CREATE TABLE / CREATE INDEX: no table is rebuilt.

Revision ID: 0003
Revises: 0002
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("useredit", sa.Column("post_id", sa.Integer(), nullable=True))
    op.add_column("useredit", sa.Column("anchor", sa.Text(), nullable=True))
    op.add_column("useredit", sa.Column("stale", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.create_index("ix_useredit_post_id", "useredit", ["post_id"], unique=False)
    op.create_table(
        "annotation",
        sa.Column("post_id", sa.Integer(), nullable=False),
        sa.Column("sha", sa.String(), nullable=False),
        sa.Column("record", sa.Text(), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["post_id"], ["post.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("post_id"),
    )
    op.create_index("ix_annotation_sha", "annotation", ["sha"], unique=False)
    op.create_table(
        "trainedmodel",
        sa.Column("name", sa.String(), nullable=False),
        sa.Column("sha256", sa.String(), nullable=False),
        sa.Column("meta", sa.Text(), nullable=False),
        sa.Column("lines", sa.LargeBinary(), nullable=False),
        sa.Column("spans", sa.LargeBinary(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("name"),
    )


def downgrade() -> None:
    op.drop_table("trainedmodel")
    op.drop_index("ix_annotation_sha", table_name="annotation")
    op.drop_table("annotation")
    op.drop_index("ix_useredit_post_id", table_name="useredit")
    for col in ("stale", "anchor", "post_id"):
        op.execute(f"ALTER TABLE useredit DROP COLUMN {col}")
