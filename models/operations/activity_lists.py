"""The list of group activities with its filters: one query for the activity list page and the
JSON API. The caller passes the viewer's scope, an SQL condition on Activity
(web/permissions.py's `activity_scope`)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Literal, Optional

import sqlalchemy as sa

from .. import clock
from ..enums import ActivityType
from ..visits import Activity


@dataclass(frozen=True)
class ActivityFilters:
    type: Optional[ActivityType] = None
    # Upcoming: not ended yet, soonest first. Past: started already, latest first.
    when: Literal["upcoming", "past"] = "upcoming"


def activity_list(scope: sa.ColumnElement[bool], filters: ActivityFilters) -> sa.Select[Any]:
    query = sa.select(Activity).where(scope)
    if filters.type:
        query = query.where(Activity.type == filters.type)
    now = clock.now()
    if filters.when == "past":
        return query.where(Activity.starts_at < now).order_by(Activity.starts_at.desc(), Activity.id)
    return query.where(Activity.ends_at >= now).order_by(Activity.starts_at, Activity.id)
