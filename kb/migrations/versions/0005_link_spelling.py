"""the spelling each person link was made from: ``talkspeaker``, ``authorship`` and ``mention.spelling``

The name a post gave a speaker, an author or a mentioned person, as identity resolution looked it up
(``K. Zhang``, whichever person it resolved to). A link spelled with initials that a second full name
makes ambiguous (``Kai Zhang``, then ``Kaiming Zhang``) moves to a person of its own, and back when the
ambiguity goes (:mod:`kb.initials`), so the knowledge base does not depend on the order posts came in.

Existing links get NULL: the spelling is not known, and such a link stays with its person. A speaker or
mention link gets it when its post is imported again; an author link when its paper's author list is
written again (an unknown spelling ranks as the person's name, kb.store.author_list_rank).

Only ADD COLUMN: no table is rebuilt.

Revision ID: 0005
Revises: 0004
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

TABLES = ("talkspeaker", "authorship", "mention")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("spelling", sa.String(), nullable=True))


def downgrade() -> None:
    # Plain ALTER TABLE … DROP COLUMN (SQLite >= 3.35, PostgreSQL): batch mode would rebuild the tables.
    for table in TABLES:
        op.execute(f"ALTER TABLE {table} DROP COLUMN spelling")
