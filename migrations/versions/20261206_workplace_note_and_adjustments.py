"""what a workplace is told: structured adjustments and the "Till arbetsplatsen" text

`candidate.adjustments` (a bit mask over models.enums.ADJUSTMENTS: interpreter, language
support, breaks) and `candidate.to_workplace`, the text written to be shown to the company.
Together with `needs_accessible` they are all a company learns about a visitor's needs;
`needs_other` becomes internal (officer and project leader only). Existing `needs_other`
texts are deliberately not copied into `to_workplace`: they were written as notes, not for
the company, so every candidate starts with no adjustments and an empty text.

Revision ID: 0006
Revises: 0005
Create Date: 2026-12-06 04:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0006'
down_revision = '0005'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('candidate', schema=None) as batch_op:
        batch_op.add_column(sa.Column('adjustments', sa.Integer(), nullable=False, server_default='0'))
        batch_op.add_column(sa.Column('to_workplace', sa.Text(), nullable=False, server_default=''))


def downgrade() -> None:
    with op.batch_alter_table('candidate', schema=None) as batch_op:
        batch_op.drop_column('to_workplace')
        batch_op.drop_column('adjustments')
