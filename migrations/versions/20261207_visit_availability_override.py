"""a visit booked outside the participant's availability keeps the reason why

`visit.availability_override` is the project leader's written reason for booking a visit on a
day or at a time the participant has not said they can (models/operations/availability.py);
empty for every visit that fits, and for the visits booked before this revision (availability
was not checked then, so there is nothing to record for them).

Revision ID: 0013
Revises: 0016
Create Date: 2026-12-07 08:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0013'
down_revision = '0016'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.add_column(sa.Column('availability_override', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('visit', schema=None) as batch_op:
        batch_op.drop_column('availability_override')
