"""Searching the audit trail for the periodic log review: one query for the page and the export."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts import User
from ..db import parse_id
from ..system import AuditEvent
from .user_admin import name_or_email_matches


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""  # an account id, or part of an email address or name
    action: str = ""
    target_type: str = ""
    target_id: Optional[int] = None
    since: Optional[dt.datetime] = None  # inclusive
    until: Optional[dt.datetime] = None  # exclusive
    success: Optional[bool] = None

    def describe(self) -> dict[str, object]:
        """The filter for the audit record of an export: codes and ids, no names or emails."""
        return {
            "filter_actor": bool(self.actor),
            "filter_action": self.action,
            "filter_target_type": self.target_type,
            "filter_target_id": self.target_id,
            "filter_since": self.since.isoformat() if self.since else None,
            "filter_until": self.until.isoformat() if self.until else None,
            "filter_success": self.success,
        }


def search(f: AuditFilter) -> sa.Select[tuple[AuditEvent, Optional[str]]]:
    """Events matching the filter with the actor's email, newest first."""
    stmt = sa.select(AuditEvent, User.email.label("actor_email")).outerjoin(User, User.id == AuditEvent.actor_id)
    actor = f.actor.strip()
    if actor.isdigit():
        try:
            stmt = stmt.where(AuditEvent.actor_id == parse_id(actor))
        except ValueError:  # a number no account can have
            stmt = stmt.where(sa.false())
    elif actor:
        stmt = stmt.where(name_or_email_matches(actor))
    if f.action:
        stmt = stmt.where(AuditEvent.action == f.action)
    if f.target_type:
        stmt = stmt.where(AuditEvent.target_type == f.target_type)
    if f.target_id is not None:
        stmt = stmt.where(AuditEvent.target_id == f.target_id)
    if f.since is not None:
        stmt = stmt.where(AuditEvent.at >= f.since)
    if f.until is not None:
        stmt = stmt.where(AuditEvent.at < f.until)
    if f.success is not None:
        stmt = stmt.where(AuditEvent.success.is_(f.success))
    return stmt.order_by(AuditEvent.at.desc(), AuditEvent.id.desc())


def count(session: Session, stmt: sa.Select) -> int:  # type: ignore[type-arg]
    return session.scalar(sa.select(sa.func.count()).select_from(stmt.order_by(None).subquery())) or 0


def known_values(session: Session, column: sa.orm.InstrumentedAttribute[str]) -> list[str]:
    """The distinct values of an audit column (actions, target types) for the filter's choices."""
    return [v for v in session.scalars(sa.select(column).distinct().order_by(column)) if v]
