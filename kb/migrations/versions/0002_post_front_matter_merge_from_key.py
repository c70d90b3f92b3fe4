"""post.front_matter, merge.from_key and an index on merge(entity, from_id)

* ``post.front_matter``: the file's text before the stored body, so head + body
  is the post again and it can be re-extracted from the database alone (``kb
  sync`` replays posts this way). Existing posts get '' (they replay from the
  body with their stored title, date and draft flag).
* ``merge.from_key``: the merged-away row's natural key, so a merge can be
  replayed in another database where ids mean nothing. NULL for old merges
  (``kb sync`` then falls back to the person key of ``from_name``).
* ``ix_merge_entity_from_id``: ``kb.queries.merged_into`` follows merge chains
  by ``(entity, from_id)``; without it every step scans the table.

Only ADD COLUMN / CREATE INDEX: no table is rebuilt, so no row can be lost
(SQLite would otherwise copy every table, and a DROP TABLE with foreign keys
on cascades into the children).

Revision ID: 0002
Revises: 0001
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("post", sa.Column("front_matter", sa.Text(), server_default="", nullable=False))
    op.add_column("merge", sa.Column("from_key", sa.String(), nullable=True))
    op.create_index("ix_merge_entity_from_id", "merge", ["entity", "from_id"], unique=False)


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite >= 3.35, PostgreSQL): batch mode would rebuild the tables.
    op.drop_index("ix_merge_entity_from_id", table_name="merge")
    op.execute("ALTER TABLE merge DROP COLUMN from_key")
    op.execute("ALTER TABLE post DROP COLUMN front_matter")
