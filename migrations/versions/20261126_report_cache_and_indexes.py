"""report cache and indexes

A database-wide version counter per kind of derived data and the last computed quarterly
report per programme (so every worker serves the same cached report until its inputs change),
and the visit indexes the benchmarks called for (list by start, needs-action by status).

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-26 00:53:16.202600
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0003'
down_revision = '0002'
branch_labels = None
depends_on = None


def upgrade() -> None:
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
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.create_index('ix_visit_start', ['start_at', 'id'], unique=False)
        batch_op.create_index('ix_visit_status_end', ['status', 'end_at'], unique=False)
        batch_op.create_index('ix_visit_status_start', ['status', 'start_at'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_index('ix_visit_status_start')
        batch_op.drop_index('ix_visit_status_end')
        batch_op.drop_index('ix_visit_start')

    op.drop_table('report_snapshot')
    op.drop_table('data_version')
