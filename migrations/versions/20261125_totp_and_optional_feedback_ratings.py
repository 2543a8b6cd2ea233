"""totp replay guard and optional feedback ratings

TOTP secrets are now stored encrypted (wider column), with the last used time step as a
replay guard and a per-account "second factor required" flag. Feedback ratings may be empty:
a no-show gets attendance "no" and nothing to rate. (Downgrading fails while such feedback
exists, rather than inventing ratings.)

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 23:45:31.447954
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op


revision = '0002'
down_revision = '0001'
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.alter_column('punctuality',
               existing_type=sa.SMALLINT(),
               nullable=True)
        batch_op.alter_column('interest',
               existing_type=sa.SMALLINT(),
               nullable=True)
        batch_op.alter_column('overall',
               existing_type=sa.SMALLINT(),
               nullable=True)

    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.add_column(sa.Column('totp_last_step', sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column('totp_required', sa.Boolean(), nullable=False, server_default=sa.false()))
        batch_op.alter_column('totp_secret',
               existing_type=sa.VARCHAR(length=64),
               type_=sa.String(length=200),
               existing_nullable=True)



def downgrade() -> None:
    with op.batch_alter_table('user_account', schema=None) as batch_op:
        batch_op.alter_column('totp_secret',
               existing_type=sa.String(length=200),
               type_=sa.VARCHAR(length=64),
               existing_nullable=True)
        batch_op.drop_column('totp_required')
        batch_op.drop_column('totp_last_step')

    with op.batch_alter_table('feedback', schema=None) as batch_op:
        batch_op.alter_column('overall',
               existing_type=sa.SMALLINT(),
               nullable=False)
        batch_op.alter_column('interest',
               existing_type=sa.SMALLINT(),
               nullable=False)
        batch_op.alter_column('punctuality',
               existing_type=sa.SMALLINT(),
               nullable=False)

