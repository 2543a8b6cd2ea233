"""the report's own change count: `data_generation.report_n`

`n` goes on counting every change a ranked list may read; `report_n` leaves out the candidate
columns the quarterly report never reads (Swedish level, languages, interests, availability,
place, contact details: models/changes.py, REPORT_IGNORED_COLUMNS), so an officer editing a
profile no longer makes every reader of the steering figures wait for a new report. The
triggers are (re)installed after every migration by migrations/env.py.

Revision ID: 0017a
Revises: 0017
Create Date: 2026-12-06 12:00:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = '0017a'
down_revision = '0017'
branch_labels = None
depends_on = None


def upgrade() -> None:
    from models import changes

    # SQLite rebuilds the table: the triggers that name it go first (env.py puts them back).
    changes.install(op.get_bind(), counters=())
    with op.batch_alter_table('data_generation') as batch:
        batch.add_column(sa.Column('report_n', sa.BigInteger(), server_default='0', nullable=False))


def downgrade() -> None:
    from models import changes

    # SQLite rebuilds the table: the triggers that name it go first (env.py puts back those of `n`).
    changes.install(op.get_bind(), counters=())
    with op.batch_alter_table('data_generation') as batch:
        batch.drop_column('report_n')
