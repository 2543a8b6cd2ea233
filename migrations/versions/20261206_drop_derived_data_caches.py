"""drop the derived-data caches

The quarterly report is computed afresh for every request and nothing is kept per data
version any more (issue #19): the per-programme report snapshot and the data version counters
that every write transaction raised are dropped. The downgrade creates both tables again,
empty (the code of that revision fills them as it reads). Whole tables are dropped and
created, so SQLite needs no batch mode here.

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-06 05:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0007'
down_revision = '0006'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.drop_table('report_snapshot')
    op.drop_table('data_version')


def downgrade() -> None:
    op.create_table('data_version',
    sa.Column('name', sa.String(length=40), nullable=False),
    sa.Column('value', sa.BigInteger(), nullable=False),
    sa.PrimaryKeyConstraint('name', name=op.f('pk_data_version'))
    )
    op.create_table('report_snapshot',
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('as_of', sa.Date(), nullable=False),
    sa.Column('data_version', sa.BigInteger(), nullable=False),
    sa.Column('computed_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('payload', sa.JSON(), nullable=False),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_report_snapshot_programme_id_programme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('programme_id', name=op.f('pk_report_snapshot'))
    )
