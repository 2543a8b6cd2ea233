"""Retention: a candidate whose case has been closed longer than the retention period is
anonymised. Identity, contact details and free text go; what the statistics count stays
(target group, gender, the visits, feedback scores, activities, follow-ups), so the quarterly
report is the same before and after.

`flask --app web purge-expired` runs this in batches; nothing here commits.
"""

from __future__ import annotations

import calendar
import datetime as dt
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import clock
from ..candidates import Candidate, Referral, ReferralEvent
from ..enums import ReferralStatus
from ..followup import Feedback, SurveyAnswer, SurveyInvitation
from ..selection import SelectionMeetingItem, SelectionPosition
from ..system import OutboxMessage
from ..visits import Visit, VisitEvent
from .audit import Origin, record

ANONYMISED_NAME = "Anonymiserad"


def months_before(moment: dt.datetime, months: int) -> dt.datetime:
    """The same clock time `months` calendar months earlier (the 31st becomes the month's last day)."""
    index = moment.year * 12 + (moment.month - 1) - months
    year, month = divmod(index, 12)
    day = min(moment.day, calendar.monthrange(year, month + 1)[1])
    return moment.replace(year=year, month=month + 1, day=day)


def expired_candidates(session: Session, cutoff: dt.datetime) -> sa.Select[tuple[int]]:
    """Ids of candidates not yet anonymised whose every referral is closed, the last one
    before `cutoff`. A candidate referred again (an open referral) is kept."""
    own = Referral.candidate_id == Candidate.id
    latest_closed = sa.select(sa.func.max(Referral.closed_at)).where(own).scalar_subquery()
    still_open = sa.exists().where(
        own, sa.or_(Referral.status != ReferralStatus.CLOSED, Referral.closed_at.is_(None))
    )
    return (
        sa.select(Candidate.id)
        .where(
            Candidate.anonymised_at.is_(None),
            sa.exists().where(own),
            ~still_open,
            latest_closed < cutoff,
        )
        .order_by(Candidate.id)
    )


def anonymise_candidate(
    session: Session, candidate: Candidate, *, at: Optional[dt.datetime] = None, origin: Origin = Origin()
) -> None:
    """Remove everything that identifies the candidate or says something personal in free
    text; keep the rows and codes that the reports count. Audited as "candidate_anonymised"."""
    at = at or clock.now()
    old_email = candidate.email
    candidate.first_name = ANONYMISED_NAME
    candidate.last_name = ""
    candidate.pin_encrypted = None
    candidate.pin_hash = None
    candidate.pin_masked = None
    candidate.birth_date = None
    candidate.phone = None
    candidate.email = None
    candidate.postcode = None
    candidate.area = None
    candidate.lat = None
    candidate.lon = None
    candidate.needs_accessible = False  # a health-related need: personal, not statistics
    candidate.adjustments = []
    candidate.to_workplace = ""
    candidate.needs_other = ""
    candidate.anonymised_at = at

    referral_ids = sa.select(Referral.id).where(Referral.candidate_id == candidate.id)
    visit_ids = sa.select(Visit.id).where(Visit.candidate_id == candidate.id)
    invitation_ids = sa.select(SurveyInvitation.id).where(SurveyInvitation.candidate_id == candidate.id)
    # Bulk updates of free text only: no status, date or score changes, so reports stay equal.
    blank = [
        sa.update(Referral).where(Referral.candidate_id == candidate.id).values(reason="", return_reason=""),
        sa.update(ReferralEvent).where(ReferralEvent.referral_id.in_(referral_ids)).values(reason=""),
        # what AF and AMF said about the person in the selection, and the meeting's reasons
        sa.update(SelectionPosition).where(SelectionPosition.referral_id.in_(referral_ids)).values(comment=""),
        sa.update(SelectionMeetingItem).where(SelectionMeetingItem.referral_id.in_(referral_ids)).values(reason=""),
        sa.update(VisitEvent).where(VisitEvent.visit_id.in_(visit_ids)).values(reason=""),
        sa.update(Feedback)
        .where(Feedback.visit_id.in_(visit_ids))
        .values(strengths="", to_develop="", message_to_participant="", internal_note=""),
        sa.update(SurveyAnswer).where(SurveyAnswer.invitation_id.in_(invitation_ids)).values(text=""),
        sa.update(SurveyInvitation).where(SurveyInvitation.candidate_id == candidate.id).values(email=""),
    ]
    for statement in blank:
        session.execute(statement.execution_options(synchronize_session=False))
    # Visit rows carry a version counter; go through the ORM so it stays consistent.
    for visit in session.scalars(sa.select(Visit).where(Visit.candidate_id == candidate.id)):
        if visit.status_reason:
            visit.status_reason = ""
    if old_email:
        session.execute(sa.delete(OutboxMessage).where(OutboxMessage.to_addr == old_email))
    record(session, "candidate_anonymised", target=candidate, origin=origin)
    session.flush()
    # Loaded relationships would still show the old free text; reload them when next used.
    for referral in candidate.referrals:
        session.expire(referral)
