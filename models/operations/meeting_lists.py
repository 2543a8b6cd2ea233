"""The list of network meetings: one query for the meeting list page and the JSON API. The
caller passes the viewer's scope, an SQL condition on NetworkMeeting (web/permissions.py's
`meeting_scope`)."""

from __future__ import annotations

from typing import Any, Literal

import sqlalchemy as sa

from .. import clock
from ..meetings import NetworkMeeting


def meeting_list(scope: sa.ColumnElement[bool], when: Literal["upcoming", "past"] = "upcoming") -> sa.Select[Any]:
    """Upcoming (not ended, soonest first) or past (started, latest first)."""
    query = sa.select(NetworkMeeting).where(scope)
    now = clock.now()
    if when == "past":
        return query.where(NetworkMeeting.starts_at < now).order_by(NetworkMeeting.starts_at.desc(), NetworkMeeting.id)
    return query.where(NetworkMeeting.ends_at >= now).order_by(NetworkMeeting.starts_at, NetworkMeeting.id)
