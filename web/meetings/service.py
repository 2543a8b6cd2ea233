"""The meeting emails, written to the outbox in the request's transaction: the invitation with
its signed link (one use, valid until the meeting), and the answer to a sign-up (a place, the
waiting list, or a place that came free)."""

from __future__ import annotations

import datetime as dt

from models import MeetingInvitee, clock
from models.meetings import InviteeStatus
from models.operations import meetings as meeting_ops

from .. import links
from ..extensions import db
from ..notify import notify

LINK_PURPOSE = "meeting-invitation"
LINK_MAX_AGE = dt.timedelta(days=90)


def _facts(invitee: MeetingInvitee) -> dict[str, object]:
    meeting = invitee.meeting
    return {
        "title": meeting.title, "theme": meeting.theme, "place": meeting.place,
        "day": clock.local_date(meeting.starts_at).isoformat(),
        "start": meeting.starts_at.astimezone(clock.STOCKHOLM).strftime("%H:%M"),
        "end": meeting.ends_at.astimezone(clock.STOCKHOLM).strftime("%H:%M"),
        "company": invitee.company_name,
    }


def send_invitation(invitee: MeetingInvitee) -> None:
    link = links.public_url("meetings.answer", token=links.make_token(LINK_PURPOSE, invitee.id))
    notify("meeting_invitation", to=invitee.email, link=link, dedupe_key=f"meeting-invitation:{invitee.id}",
           **_facts(invitee))


def send_signup_answer(invitee: MeetingInvitee, *, promoted: bool = False) -> None:
    """Tell a company what its sign-up gave: a place, or its place on the waiting list."""
    position = meeting_ops.waiting_position(db.session, invitee)
    notify("meeting_signup", to=invitee.email, placed=invitee.status == InviteeStatus.SELECTED,
           promoted=promoted, position=position, **_facts(invitee))
