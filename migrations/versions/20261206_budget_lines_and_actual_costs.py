"""the budget followed like the agreement's table: lines, financing per year, actual costs

`budget_line` (one amount per programme, agreement year and line: project leader, co-worker,
overhead, information material, travel), `budget_funding` (one party's financing of one
agreement year), `actual_cost` (what a line cost in a month, recorded by hand or imported from
the ledger) and `budget_settings` (the deviation threshold, 10 % unless set). Amounts are whole
kronor, never negative. Existing programmes start with no lines: the budget page offers the
programme's yearly financing as the first year's figures.

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06 09:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0008'
down_revision = '0007'
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table('budget_funding',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('organisation_id', sa.Integer(), nullable=False),
    sa.Column('amount_sek', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount_sek >= 0', name=op.f('ck_budget_funding_amount_not_negative')),
    sa.CheckConstraint('year >= 1', name=op.f('ck_budget_funding_year_positive')),
    sa.ForeignKeyConstraint(['organisation_id'], ['organisation.id'], name=op.f('fk_budget_funding_organisation_id_organisation')),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_budget_funding_programme_id_programme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_funding')),
    sa.UniqueConstraint('programme_id', 'organisation_id', 'year', name=op.f('uq_budget_funding_programme_id'))
    )
    op.create_table('budget_line',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('year', sa.Integer(), nullable=False),
    sa.Column('line', sa.Enum('project_leader', 'co_worker', 'overhead', 'information', 'travel', name='budget_line_kind', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('amount_sek', sa.Integer(), nullable=False),
    sa.CheckConstraint('amount_sek >= 0', name=op.f('ck_budget_line_amount_not_negative')),
    sa.CheckConstraint('year >= 1', name=op.f('ck_budget_line_year_positive')),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_budget_line_programme_id_programme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_budget_line')),
    sa.UniqueConstraint('programme_id', 'line', 'year', name=op.f('uq_budget_line_programme_id'))
    )
    op.create_table('budget_settings',
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('deviation_threshold_pct', sa.Integer(), nullable=False),
    sa.CheckConstraint('deviation_threshold_pct BETWEEN 1 AND 100', name=op.f('ck_budget_settings_threshold_range')),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_budget_settings_programme_id_programme'), ondelete='CASCADE'),
    sa.PrimaryKeyConstraint('programme_id', name=op.f('pk_budget_settings'))
    )
    op.create_table('actual_cost',
    sa.Column('id', sa.Integer(), nullable=False),
    sa.Column('programme_id', sa.Integer(), nullable=False),
    sa.Column('line', sa.Enum('project_leader', 'co_worker', 'overhead', 'information', 'travel', name='actual_cost_line', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('month', sa.Date(), nullable=False),
    sa.Column('amount_sek', sa.Integer(), nullable=False),
    sa.Column('source', sa.Enum('manual', 'import', name='cost_source', native_enum=False, create_constraint=True), nullable=False),
    sa.Column('recorded_by_id', sa.Integer(), nullable=True),
    sa.Column('recorded_at', sa.DateTime(timezone=True), nullable=False),
    sa.CheckConstraint('amount_sek >= 0', name=op.f('ck_actual_cost_amount_not_negative')),
    sa.ForeignKeyConstraint(['programme_id'], ['programme.id'], name=op.f('fk_actual_cost_programme_id_programme'), ondelete='CASCADE'),
    sa.ForeignKeyConstraint(['recorded_by_id'], ['user_account.id'], name=op.f('fk_actual_cost_recorded_by_id_user_account')),
    sa.PrimaryKeyConstraint('id', name=op.f('pk_actual_cost')),
    sa.UniqueConstraint('programme_id', 'line', 'month', name=op.f('uq_actual_cost_programme_id'))
    )


def downgrade() -> None:
    op.drop_table('actual_cost')
    op.drop_table('budget_settings')
    op.drop_table('budget_line')
    op.drop_table('budget_funding')
