"""the data generation: a counter the database raises when changed data commits; an index
for the language filter

One row (`data_generation`: an epoch and a count) and, on every table but the app's bookkeeping,
a trigger that raises the count in the writing transaction (models/changes.py). A kept result
(the quarterly report, a ranked list) is kept under the generation it was computed at, so a
change from any client of the database, the app or psql, is seen at once, and a rolled-back
one never. The triggers are (re)installed after every migration by migrations/env.py.

Revision ID: 0017
Revises: 0014b
Create Date: 2026-12-06 08:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017'
down_revision = '0014b'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('data_generation',
    sa.Column('id', sa.Integer(), autoincrement=False, nullable=False),
    sa.Column('epoch', sa.String(length=32), nullable=False),
    sa.Column('n', sa.BigInteger(), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_data_generation_one_row')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_data_generation'))
    )
    # The recommendation lists' language filter reads the distinct languages off this index.
    op.create_index('ix_candidate_languages', 'candidate', ['languages'], unique=False)


def downgrade() -> None:
    # The triggers go first (on SQLite they would name a table that no longer exists).
    from models import changes

    op.drop_index('ix_candidate_languages', table_name='candidate')
    op.drop_table('data_generation')
    changes.install(op.get_bind())
