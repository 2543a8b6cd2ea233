"""a quarter the steering group signs off: quarter_signoff, quarter_approval, quarter_correction

A quarter's report compiled by the project leader (TH compiles), each party's approval of the
figures' fingerprint, and once every party has approved, the report kept as it was approved:
its JSON and the csv and xlsx bytes. Later recomputations that differ are kept as corrections
beside it, with the day they were found; the approved report is never rewritten.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-06 11:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0011'
down_revision = '0010'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('quarter_signoff',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('quarter', sa.String(length=7), nullable=False),
    sa.Column('quarter_start', sa.Date(), nullable=False),
    sa.Column('quarter_end', sa.Date(), nullable=False),
    sa.Column('compiled_by_id', sa.Integer(), nullable=True),
    sa.Column('compiled_by_name', sa.String(length=200), nullable=False),
    sa.Column('compiled_by_organisation', sa.String(length=200), nullable=False),
    sa.Column('compiled_at', sa.DateTime(timezone=True), nullable=False),
    sa.Column('signed_off_at', sa.DateTime(timezone=True), nullable=True),
    sa.Column('report_sha256', sa.String(length=64), nullable=True),
    sa.Column('report_json', sa.Text(), nullable=True),
    sa.Column('report_csv', sa.LargeBinary(), nullable=True),
    sa.Column('report_xlsx', sa.LargeBinary(), nullable=True),
    sa.CheckConstraint('(signed_off_at IS NULL) = (report_json IS NULL) AND (report_json IS NULL) = (report_csv IS NULL) AND (report_csv IS NULL) = (report_xlsx IS NULL) AND (report_xlsx IS NULL) = (report_sha256 IS NULL)', name=op.f('ck_quarter_signoff_signed_off_report_complete')),
    sa.CheckConstraint('quarter_end >= quarter_start', name=op.f('ck_quarter_signoff_quarter_order')),
    sa.ForeignKeyConstraint(['compiled_by_id'], ['user_account.id'], name=op.f('fk_quarter_signoff_compiled_by_id_user_account')),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_quarter_signoff_programme_id_programme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarter_signoff')),
    sa.UniqueConstraint('programme_id', 'quarter_start', name=op.f('uq_quarter_signoff_programme_id'))
    )
    op.create_table('quarter_approval',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('signoff_id', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('user_id', sa.Integer(), nullable=True),
    sa.Column('user_name', sa.String(length=200), nullable=False),
    sa.Column('report_sha256', sa.String(length=64), nullable=False),
    sa.Column('approved_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_quarter_approval_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['signoff_id'], ['quarter_signoff.id'], name=op.f('fk_quarter_approval_signoff_id_quarter_signoff'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['user_id'], ['user_account.id'], name=op.f('fk_quarter_approval_user_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarter_approval')),
    sa.UniqueConstraint('signoff_id', 'organisation_id', name=op.f('uq_quarter_approval_signoff_id'))
    )
    op.create_table('quarter_correction',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('signoff_id', sa.Integer(), nullable=False),
    sa.Column('path', sa.String(length=300), nullable=False),
    sa.Column('approved_value', sa.Text(), nullable=False),
    sa.Column('previous_value', sa.Text(), nullable=False),
    sa.Column('corrected_value', sa.Text(), nullable=False),
    sa.Column('detected_at', sa.DateTime(timezone=True), nullable=False),
    sa.ForeignKeyConstraint(['signoff_id'], ['quarter_signoff.id'], name=op.f('fk_quarter_correction_signoff_id_quarter_signoff'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_quarter_correction'))
    )
    with op.batch_alter_table('quarter_correction', schema=None) as batch_op:
        batch_op.create_index('ix_quarter_correction_signoff', ['signoff_id', 'path'], unique=False)



def downgrade() -> None:
    with op.batch_alter_table('quarter_correction', schema=None) as batch_op:
        batch_op.drop_index('ix_quarter_correction_signoff')

    op.drop_table('quarter_correction')
    op.drop_table('quarter_approval')
    op.drop_table('quarter_signoff')
