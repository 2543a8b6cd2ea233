"""changes to the agreement: agreement_change and agreement_approval

Every written change to the agreement (an extension of the period, goals, budget, period,
other) with its summary, reason and decision day, and each party's approval of it: the day and
who signed for the party (one approval per party and change).

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-06 10:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0010'
down_revision = '0009'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('agreement_change',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('extension', 'period', 'goals', 'budget', 'other', name='agreement_change_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('decided_on', sa.Date(), nullable=False),
    sa.Column('summary', sa.Text(), nullable=False),
    sa.Column('reason', sa.Text(), nullable=False),
    sa.Column('previous_ends_on', sa.Date(), nullable=True),
    sa.Column('new_ends_on', sa.Date(), nullable=True),
    sa.Column('details', sa.JSON(), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('(previous_ends_on IS NULL) = (new_ends_on IS NULL)', name=op.f('ck_agreement_change_period_change_complete')),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_agreement_change_programme_id_programme'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_agreement_change_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_change'))
    )
    with op.batch_alter_table('agreement_change', schema=None) as batch_op:
        batch_op.create_index('ix_agreement_change_programme', ['programme_id', 'decided_on'], unique=False)

    op.create_table('agreement_approval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('change_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('approved_on', sa.Date(), nullable=False),
    sa.Column('signed_by', sa.String(length=200), nullable=False),
    sa.ForeignKeyConstraint(['change_id'], ['agreement_change.id'], name=op.f('fk_agreement_approval_change_id_agreement_change'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_agreement_approval_organisation_id_organisation')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_agreement_approval')),
    sa.UniqueConstraint('change_id', 'organisation_id', name=op.f('uq_agreement_approval_change_id'))
    )


def downgrade() -> None:
    op.drop_table('agreement_approval')
    with op.batch_alter_table('agreement_change', schema=None) as batch_op:
        batch_op.drop_index('ix_agreement_change_programme')

    op.drop_table('agreement_change')
