"""a past quarter's target never changes: milestone.frozen_on

When the period or a goal changes, the quarters that have ended get a milestone row holding
their target as it was, marked frozen (models/operations/programme.py); the linear targets of
the quarters after them spread what is left of the goal. Existing rows are not frozen.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-06 10:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0009'
down_revision = '0008'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.add_column(sa.Column('frozen_on', sa.Date(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table('milestone', schema=None) as batch_op:
        batch_op.drop_column('frozen_on')
