"""The transactional outbox: an email is a row written in the same transaction as the change
it reports. `send_pending` (run by `flask --app web send-outbox`) delivers them afterwards."""

from __future__ import annotations

from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..system import OutboxMessage


def enqueue(
    session: Session,
    *,
    to: str,
    subject: str,
    text: str,
    html: str = "",
    kind: str = "",
    attachments: Optional[list[dict[str, str]]] = None,
    dedupe_key: Optional[str] = None,
) -> Optional[OutboxMessage]:
    """Add an email to the outbox; with `dedupe_key`, a second call with the same key adds
    nothing and returns None (so reminders are idempotent)."""
    if dedupe_key is not None and session.scalar(
        sa.select(OutboxMessage.id).where(OutboxMessage.dedupe_key == dedupe_key)
    ):
        return None
    message = OutboxMessage(
        to_addr=to,
        subject=subject,
        body_text=text,
        body_html=html,
        kind=kind,
        attachments=attachments or [],
        dedupe_key=dedupe_key,
    )
    session.add(message)
    session.flush()
    return message
