"""The transactional outbox: an email is a row written in the same transaction as the change
it reports. `send_pending` (run by `flask --app web send-outbox`) delivers them afterwards,
retrying failures with exponential backoff and recording the last error; after MAX_ATTEMPTS
a message is marked FAILED and left for a person to look at."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import clock
from ..enums import OutboxStatus
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


# --- the sending side ---------------------------------------------------------------------------
MAX_ATTEMPTS = 6
RETRY_BASE = dt.timedelta(minutes=1)
RETRY_CAP = dt.timedelta(hours=6)
# While one sender works on a message, others leave it alone for this long; if the sender dies
# mid-way the message becomes due again (at-least-once delivery, never lost).
CLAIM_LEASE = dt.timedelta(minutes=10)


@dataclass
class SendStats:
    sent: int = 0
    retried: int = 0  # failed this time, will be tried again later
    failed: int = 0  # gave up after MAX_ATTEMPTS
    skipped: int = 0  # taken by another sender meanwhile

    @property
    def total(self) -> int:
        return self.sent + self.retried + self.failed


def retry_delay(attempts: int) -> dt.timedelta:
    """Exponential backoff: 1, 2, 4, 8 ... minutes after the 1st, 2nd, 3rd ... failure, at most 6 h."""
    return min(RETRY_BASE * (2 ** max(attempts - 1, 0)), RETRY_CAP)


def send_pending(
    session: Session,
    sender: Callable[[OutboxMessage], None],
    *,
    batch: int = 100,
    now: Optional[dt.datetime] = None,
    max_attempts: int = MAX_ATTEMPTS,
) -> SendStats:
    """Deliver due messages with `sender` (which raises on failure), oldest first.

    Unlike the domain operations this commits, once per message: an email cannot be unsent,
    so "sent" must be on disk before the next one goes, and a claim must be visible to other
    senders (the claim is a conditional UPDATE, so two senders never deliver the same row).
    """
    now = now or clock.now()
    due = sa.and_(OutboxMessage.status == OutboxStatus.PENDING, OutboxMessage.next_attempt_at <= now)
    ids = list(
        session.scalars(
            sa.select(OutboxMessage.id)
            .where(due)
            .order_by(OutboxMessage.next_attempt_at, OutboxMessage.id)
            .limit(batch)
        )
    )
    session.commit()
    stats = SendStats()
    for message_id in ids:
        claimed = session.execute(
            sa.update(OutboxMessage)
            .where(OutboxMessage.id == message_id, due)
            .values(next_attempt_at=now + CLAIM_LEASE)
            .execution_options(synchronize_session=False)
        )
        session.commit()
        if claimed.rowcount != 1:
            stats.skipped += 1
            continue
        message = session.get(OutboxMessage, message_id)
        if message is None:  # deleted meanwhile
            continue
        message.attempts += 1
        try:
            sender(message)
        except Exception as exc:  # any delivery failure is recorded and retried, never raised
            message.last_error = f"{type(exc).__name__}: {exc}"[:2000]
            if message.attempts >= max_attempts:
                message.status = OutboxStatus.FAILED
                stats.failed += 1
            else:
                message.next_attempt_at = now + retry_delay(message.attempts)
                stats.retried += 1
        else:
            message.status = OutboxStatus.SENT
            message.sent_at = clock.now()
            message.last_error = ""
            stats.sent += 1
        session.commit()
    return stats
