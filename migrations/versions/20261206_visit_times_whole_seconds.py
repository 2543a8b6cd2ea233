"""visit times in whole seconds, and a visit dated by when it took place

The counting rule (docs/counting.md) measures a visit in whole seconds and counts it on the
local date of its actual start. From this revision the app stores visit times truncated to the
second and sets `visit_date` from the actual start when an outcome is recorded; this brings the
rows written before it into line. There is nothing to undo on downgrade (the old code reads the
truncated times and the dates as they are).

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-06 05:00:00.000000
"""

from __future__ import annotations

import datetime as dt
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from alembic import op

revision = '0005'
down_revision = '0004'
branch_labels = None
depends_on = None

STOCKHOLM = ZoneInfo("Europe/Stockholm")  # as models/clock.py, written out: a migration stands alone
visit = sa.table(
    "visit",
    sa.column("id", sa.Integer),
    sa.column("start_at", sa.DateTime(timezone=True)),
    sa.column("end_at", sa.DateTime(timezone=True)),
    sa.column("actual_start", sa.DateTime(timezone=True)),
    sa.column("actual_end", sa.DateTime(timezone=True)),
    sa.column("visit_date", sa.Date),
)
TIMES = ("start_at", "end_at", "actual_start", "actual_end")


def _aware(value: dt.datetime | None) -> dt.datetime | None:
    if value is None:
        return None
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


def _stored(value: dt.datetime | None, dialect: str) -> dt.datetime | None:
    if value is None:
        return None
    value = value.replace(microsecond=0)
    return value.replace(tzinfo=None) if dialect == "sqlite" else value


def upgrade() -> None:
    connection = op.get_bind()
    dialect = connection.dialect.name
    rows = connection.execute(sa.select(visit)).mappings().all()
    for row in rows:
        times = {name: _aware(row[name]) for name in TIMES}
        changes: dict[str, object] = {}
        for name, value in times.items():
            if value is not None and value.microsecond:
                changes[name] = _stored(value, dialect)
        took_place = times["actual_start"]
        if took_place is not None:
            day = took_place.astimezone(STOCKHOLM).date()
            if day != row["visit_date"]:
                changes["visit_date"] = day
        if changes:
            connection.execute(sa.update(visit).where(visit.c.id == row["id"]).values(**changes))


def downgrade() -> None:
    pass
