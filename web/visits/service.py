"""Visits from the web side: the domain operations plus the emails they cause.

Every view that books or moves a visit (project leader's pages, the employer portal, the
emailed answer link, the API) calls these instead of the bare operations, so that each change
writes its notifications into the outbox in the same transaction. The caller commits; a
rolled-back change therefore sends nothing. With MAIL_SEND_AFTER_REQUEST the outbox is
delivered right after the request's commit, never before.

Every email about a visit, and its calendar entry, is made from the workplace's view of the
visit (web/employer/visitor.py), not from the visit: the same mail goes to the supervisor, so
nothing the officers or project leaders wrote can reach the company through a template; the
reason a project leader types when cancelling goes to the participant and the project
leaders, not to the supervisor.
"""

from __future__ import annotations

import datetime as dt
import logging
from typing import Any, Optional

import sqlalchemy as sa
from flask import current_app, g, has_request_context

from models import Candidate, Offer, Referral, User, Visit, VisitEvent, clock, consent_in_force
from models.enums import DeclineReason, Party, Role, VisitStatus
from models.operations import eligibility
from models.operations import visits as visit_ops

from .. import links
from ..calendar import CANCEL, REQUEST, ics_attachment
from ..employer.visitor import visitor_view
from ..extensions import db
from ..mail import send_pending_now
from ..notify import in_email_language, notify
from ..transactions import after_commit

log = logging.getLogger(__name__)

ANSWER_LINK_PURPOSE = "visit-answer"
ANSWER_LINK_DAYS = links.DEFAULT_MAX_AGE.days


# --- recipients -------------------------------------------------------------------------------
def _project_leader_emails(visit: Visit) -> list[str]:
    """The project leader who proposed the visit; all active project leaders if unknown."""
    if visit.proposed_by is not None and visit.proposed_by.active:
        return [visit.proposed_by.email]
    return list(db.session.scalars(sa.select(User.email).where(User.role == Role.PROJECT_LEADER, User.active)))


def officer_emails(visit: Visit) -> list[str]:
    """The welfare officers whose live referral brought the participant here."""
    query = (
        sa.select(User.email)
        .join(Referral, Referral.referred_by_id == User.id)
        .where(
            Referral.candidate_id == visit.candidate_id,
            eligibility.referral_taking_part(),
            User.active,
        )
        .distinct()
    )
    return list(db.session.scalars(query))


def _participant_email(visit: Visit) -> str:
    return (visit.candidate.email or "").strip()


def _calendar_holders(visit: Visit) -> list[tuple[str, str]]:
    """Who gets the visit's calendar entry: the supervisor, and the participant if reachable."""
    holders = [("supervisor", visit.supervisor_email), ("participant", _participant_email(visit))]
    return [(recipient, email) for recipient, email in holders if email]


def answer_url(visit: Visit) -> str:
    """The supervisor's signed, single-use accept/decline link (valid seven days)."""
    token = links.make_token(ANSWER_LINK_PURPOSE, visit.id)
    return links.public_url("employer.answer_link", token=token)


def visit_url(visit: Visit) -> str:
    return links.public_url("visits.show", visit_id=visit.id)


def _view(visit: Visit) -> dict[str, Any]:
    """The workplace's view of the visit, in the emails' language: what every visit email and
    calendar entry is made from."""
    return in_email_language(lambda: visitor_view(visit))


# --- sending after the request ------------------------------------------------------------------
def send_after_request() -> None:
    """With MAIL_SEND_AFTER_REQUEST, deliver the outbox once this request's changes are
    committed (transactions.after_commit); rows of a rolled-back request are never written,
    so they cannot be sent."""
    if not has_request_context() or not current_app.config.get("MAIL_SEND_AFTER_REQUEST"):
        return
    if g.get("_outbox_send_scheduled"):
        return
    g._outbox_send_scheduled = True
    app = current_app._get_current_object()  # type: ignore[attr-defined]

    def deliver() -> None:
        try:
            send_pending_now(app)
        except Exception:  # the mail stays in the outbox; send-outbox will retry it
            log.exception("sending the outbox after the request failed")

    after_commit(deliver)


# --- the wrappers every view calls ---------------------------------------------------------------
def propose_visit(
    offer: Offer,
    candidate: Candidate,
    start: dt.datetime,
    end: dt.datetime,
    *,
    by: Optional[User],
    supervisor_name: Optional[str] = None,
    supervisor_email: Optional[str] = None,
    allow_holiday: bool = False,
    from_list: Optional[int] = None,
    availability_override: Optional[str] = None,
) -> Visit:
    """Book a proposal (noted on the recommendation list `from_list` it came from, if any) and
    email the supervisor the accept/decline link. Outside the participant's availability only
    with `availability_override`, the reason (models/operations/availability.py)."""
    visit = visit_ops.book_visit(
        db.session, offer, candidate, start, end, by=by, supervisor_name=supervisor_name,
        supervisor_email=supervisor_email, allow_holiday=allow_holiday, from_list=from_list,
        availability_override=availability_override,
    )
    notify(
        "visit_proposed", to=visit.supervisor_email, view=_view(visit), answer_url=answer_url(visit),
        valid_days=ANSWER_LINK_DAYS,
    )
    send_after_request()
    return visit


def apply_transition(
    visit: Visit,
    to: VisitStatus,
    *,
    by: Optional[User],
    party: Party,
    reason: str = "",
    actual_start: Optional[dt.datetime] = None,
    actual_end: Optional[dt.datetime] = None,
    decline_reason: Optional[DeclineReason] = None,
    expected_version: Optional[int] = None,
) -> VisitEvent:
    """Move the visit (see models.operations.visits.transition) and tell those concerned."""
    previous = visit.status
    event = visit_ops.transition(
        db.session, visit, to, by=by, party=party, reason=reason, actual_start=actual_start,
        actual_end=actual_end, decline_reason=decline_reason, expected_version=expected_version,
    )
    _notify_transition(visit, previous, event)
    send_after_request()
    return event


def reschedule_visit(
    visit: Visit,
    start: dt.datetime,
    end: dt.datetime,
    *,
    by: Optional[User],
    allow_holiday: bool = False,
    expected_version: Optional[int] = None,
    availability_override: Optional[str] = None,
) -> VisitEvent:
    """Give a live visit a new time; a confirmed visit's calendars get an updated entry."""
    event = visit_ops.reschedule(
        db.session, visit, start, end, by=by, allow_holiday=allow_holiday, expected_version=expected_version,
        availability_override=availability_override,
    )
    view = _view(visit)
    if visit.status == VisitStatus.CONFIRMED:
        for recipient, to in _calendar_holders(visit):
            notify("visit_rescheduled", to=to, view=view, recipient=recipient,
                   attachments=[ics_attachment(visit, view, REQUEST, to)])
    else:
        link = answer_url(visit) if visit.status == VisitStatus.PROPOSED else None
        notify(
            "visit_rescheduled", to=visit.supervisor_email, view=view, recipient="supervisor",
            answer_url=link, valid_days=ANSWER_LINK_DAYS,
        )
    send_after_request()
    return event


def correct_visit_times(
    visit: Visit, *, actual_start: dt.datetime, actual_end: dt.datetime, by: Optional[User], reason: str,
    expected_version: Optional[int] = None,
) -> VisitEvent:
    """Correct a completed visit's times; the outcome and everybody's mail stay as they were."""
    return visit_ops.correct_times(
        db.session, visit, actual_start=actual_start, actual_end=actual_end, by=by, reason=reason,
        expected_version=expected_version,
    )


def correct_visit_outcome(
    visit: Visit,
    to: VisitStatus,
    *,
    by: Optional[User],
    reason: str,
    actual_start: Optional[dt.datetime] = None,
    actual_end: Optional[dt.datetime] = None,
    expected_version: Optional[int] = None,
) -> VisitEvent:
    """A project leader's correction (completed ↔ no-show); the officers hear of it, since a
    no-show notice may have reached them."""
    event = visit_ops.correct_outcome(
        db.session, visit, to, by=by, reason=reason, actual_start=actual_start, actual_end=actual_end,
        expected_version=expected_version,
    )
    template = "visit_no_show" if visit.status == VisitStatus.NO_SHOW else "visit_outcome_corrected"
    for email in officer_emails(visit):
        notify(template, to=email, visit=visit, corrected=True)
    send_after_request()
    return event


def _notify_transition(visit: Visit, previous: VisitStatus, event: VisitEvent) -> None:
    to = event.to_status
    if to in (VisitStatus.ACCEPTED, VisitStatus.DECLINED):
        # To the project leaders only: these may carry the visit and the company's own comment.
        template = "visit_accepted" if to == VisitStatus.ACCEPTED else "visit_declined"
        for email in _project_leader_emails(visit):
            notify(template, to=email, view=_view(visit), visit=visit, visit_url=visit_url(visit), event=event)
    elif to == VisitStatus.CONFIRMED:
        view = _view(visit)
        for recipient, email in _calendar_holders(visit):
            notify("visit_confirmed", to=email, view=view, recipient=recipient,
                   attachments=[ics_attachment(visit, view, REQUEST, email)])
    elif to == VisitStatus.CANCELLED:
        _notify_cancelled(visit, previous, event)
    elif to == VisitStatus.NO_SHOW:
        for email in officer_emails(visit):
            notify("visit_no_show", to=email, visit=visit, corrected=False)


def _notify_cancelled(visit: Visit, previous: VisitStatus, event: VisitEvent) -> None:
    view = _view(visit)

    def send(recipient: str, email: str, **context: Any) -> None:
        # The reason is a project leader's words (also when they record the company's or the
        # participant's cancellation): the company is told who cancelled, never why.
        reason = "" if recipient == "supervisor" else event.reason
        notify("visit_cancelled", to=email, view=view, recipient=recipient, cancelled_by=event.by_party.value,
               reason=reason, **context)

    if previous == VisitStatus.CONFIRMED:
        # Those who got the invitation get a CANCEL that outranks it (SEQUENCE was bumped).
        for recipient, email in _calendar_holders(visit):
            send(recipient, email, attachments=[ics_attachment(visit, view, CANCEL, email)], calendar_attached=True)
    elif event.by_party != Party.EMPLOYER:
        send("supervisor", visit.supervisor_email)
    if event.by_party != Party.PROJECT_LEADER:
        for email in _project_leader_emails(visit):
            send("project_leader", email, visit_url=visit_url(visit))


def send_reminders(today: Optional[dt.date] = None) -> int:
    """Reminders to participant and supervisor for confirmed visits in the next two days.
    Idempotent: each reminder has a dedupe key, so running twice writes nothing new."""
    today = today or clock.local_today()
    visits = db.session.scalars(
        sa.select(Visit)
        .where(
            Visit.status == VisitStatus.CONFIRMED,
            Visit.candidate.has(consent_in_force()),  # a withdrawn consent ends all mail about them
            Visit.visit_date > today,
            Visit.visit_date <= today + dt.timedelta(days=2),
        )
        .order_by(Visit.start_at)
    )
    written = 0
    for visit in visits:
        key = f"reminder:{visit.id}:{visit.visit_date}"
        view = _view(visit)
        for recipient, email, dedupe_key in (
            ("supervisor", visit.supervisor_email, key),
            ("participant", _participant_email(visit), f"{key}:participant"),
        ):
            if notify("visit_reminder", to=email, view=view, recipient=recipient, dedupe_key=dedupe_key):
                written += 1
    return written
