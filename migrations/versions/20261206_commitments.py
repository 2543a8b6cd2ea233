"""companies' commitments to offer places (issue #25 section 1)

`commitment` (a company's promise under a procurement contract, a land or lease agreement, a
social agreement or a voluntary pledge: reference unique per contracting department, a valid
period), `commitment_promise` (what was promised per year, per kind, never negative),
`commitment_settings` (the recommendations' boost for companies behind, 0 = off), and
`follow_up.company_id` (where a client got a job or an internship, counted for the company's
commitment; only for those two results).

Revision ID: 0015
Revises: 0012
Create Date: 2026-12-06 07:35:22.099931
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0015'
down_revision = '0012'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('commitment',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('company_id', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum('procurement', 'land_lease', 'social_agreement', 'pledge', name='commitment_source', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('reference', sa.String(length=60), nullable=False),
    sa.Column('department', sa.String(length=120), nullable=False),
    sa.Column('period_from', sa.Date(), nullable=False),
    sa.Column('period_to', sa.Date(), nullable=False),
    sa.Column('notes', sa.Text(), nullable=False),
    sa.Column('created_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('length(department) > 0', name=op.f('ck_commitment_department_given')),
    sa.CheckConstraint('length(reference) > 0', name=op.f('ck_commitment_reference_given')),
    sa.CheckConstraint('period_to >= period_from', name=op.f('ck_commitment_period_order')),
    sa.ForeignKeyConstraint(['company_id'], ['company.id'], name=op.f('fk_commitment_company_id_company')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment')),
    sa.UniqueConstraint('department', 'reference', name=op.f('uq_commitment_department'))
    )
    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.create_index(batch_op.f('ix_commitment_company_id'), ['company_id'], unique=False)
        batch_op.create_index(batch_op.f('ix_commitment_department'), ['department'], unique=False)

    op.create_table('commitment_promise',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('commitment_id', sa.Integer(), nullable=False),
    sa.Column('kind', sa.Enum('visits', 'shadowing_days', 'internships', 'hires', name='promise_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('per_year', sa.Integer(), nullable=False),
    sa.CheckConstraint('per_year >= 0', name=op.f('ck_commitment_promise_per_year_not_negative')),
    sa.ForeignKeyConstraint(['commitment_id'], ['commitment.id'], name=op.f('fk_commitment_promise_commitment_id_commitment'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_promise')),
    sa.UniqueConstraint('commitment_id', 'kind', name=op.f('uq_commitment_promise_commitment_id'))
    )
    op.create_table('commitment_settings',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('ranking_boost_pct', sa.Integer(), nullable=False),
    sa.Column('updated_by_id', sa.Integer(), nullable=True),
    sa.Column('updated_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('id = 1', name=op.f('ck_commitment_settings_single_row')),
    sa.CheckConstraint('ranking_boost_pct BETWEEN 0 AND 20', name=op.f('ck_commitment_settings_boost_range')),
    sa.ForeignKeyConstraint(['updated_by_id'], ['user_account.id'], name=op.f('fk_commitment_settings_updated_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_commitment_settings'))
    )
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.add_column(sa.Column('company_id', sa.Integer(), nullable=True))
        batch_op.create_index(batch_op.f('ix_follow_up_company_id'), ['company_id'], unique=False)
        batch_op.create_foreign_key(batch_op.f('fk_follow_up_company_id_company'), 'company', ['company_id'], ['id'], ondelete='SET NULL')
        batch_op.create_check_constraint(
            op.f('ck_follow_up_company_for_job'), "company_id IS NULL OR result IN ('job', 'internship')"
        )



def downgrade() -> None:
    with op.batch_alter_table('follow_up', schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f('ck_follow_up_company_for_job'), type_='check')
        batch_op.drop_constraint(batch_op.f('fk_follow_up_company_id_company'), type_='foreignkey')
        batch_op.drop_index(batch_op.f('ix_follow_up_company_id'))
        batch_op.drop_column('company_id')

    op.drop_table('commitment_settings')
    op.drop_table('commitment_promise')
    with op.batch_alter_table('commitment', schema=None) as batch_op:
        batch_op.drop_index(batch_op.f('ix_commitment_department'))
        batch_op.drop_index(batch_op.f('ix_commitment_company_id'))

    op.drop_table('commitment')
