"""The reminder before the extension deadline: an email through the outbox to every project
leader and steering group member, once per programme, deadline and person."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from models.operations.agreement import due_extension_reminders

from .. import links
from ..extensions import db
from ..notify import notify


def send_extension_reminders(today: Optional[dt.date] = None) -> int:
    """Write the reminders that are due; returns how many were written (0 when run again)."""
    written = 0
    for due in due_extension_reminders(db.session, today):
        link = links.public_url("agreement.index", programme_id=due.programme.id)
        for user in due.recipients:
            if notify("extension_deadline", to=user.email, programme=due.programme, status=due.status, link=link,
                      dedupe_key=due.dedupe_key(user)):
                written += 1
    return written
