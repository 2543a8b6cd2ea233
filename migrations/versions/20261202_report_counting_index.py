"""the quarterly report's counting visits index

`ix_visit_counting`: the visits the report counts (completed, 4–8 h) in the order it picks each
person's first one, so that the database reads and counts them from the index alone
(models/visits.py, COUNTING_VISIT_SQL), on PostgreSQL and SQLite alike.

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-02 07:20:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0004'
down_revision = '0003'
branch_labels = None
depends_on = None


def upgrade() -> None:
    # The predicate as COUNTING_VISIT_SQL says it at this revision (written out: a later change
    # of the rule comes with a migration of its own).
    op.create_index(
        'ix_visit_counting', 'visit', ['candidate_id', 'visit_date', 'actual_start', 'id'], unique=False,
        postgresql_include=['offer_id'],
        postgresql_where=sa.text(
            "status = 'completed' AND CASE WHEN actual_end - actual_start >= INTERVAL '14399.5 seconds' "
            "AND actual_end - actual_start < INTERVAL '28800.5 seconds' THEN 1 ELSE 0 END > 0"
        ),
        sqlite_where=sa.text(
            "status = 'completed' AND CASE WHEN ROUND((julianday(actual_end) - julianday(actual_start)) * 86400) "
            "BETWEEN 14400 AND 28800 THEN 1 ELSE 0 END > 0"
        ),
    )


def downgrade() -> None:
    op.drop_index('ix_visit_counting', table_name='visit')
