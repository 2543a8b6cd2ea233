"""The audit trail: one call records who did what to which record (ids only)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Optional

from sqlalchemy.orm import Session

from ..accounts import User
from ..system import AuditEvent


@dataclass(frozen=True)
class Origin:
    """Where an action came from: the client address and the request id."""

    ip: str = ""
    request_id: str = ""


def record(
    session: Session,
    action: str,
    *,
    actor: Optional[User] = None,
    target: Any = None,
    target_type: str = "",
    target_id: Optional[int] = None,
    success: bool = True,
    origin: Origin = Origin(),
    **details: Any,
) -> AuditEvent:
    """Add an audit event to the session (it commits with the change it describes).

    `details` must hold ids, counts and codes only, never names or identity numbers.
    """
    if target is not None:
        target_type = target_type or type(target).__tablename__
        target_id = target_id if target_id is not None else target.id
    event = AuditEvent(
        action=action,
        actor_id=actor.id if actor is not None else None,
        actor_role=str(actor.role) if actor is not None else "",
        target_type=target_type,
        target_id=target_id,
        success=success,
        ip=origin.ip[:45],
        request_id=origin.request_id[:40],
        details=details,
    )
    session.add(event)
    return event
