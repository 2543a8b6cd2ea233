"""Feedback by template, through the mail: the supervisor gets a signed link to fill the
template after the visit (on a phone as well as a desk), and the participant gets the part of
it meant for them directly, by email through the outbox (or as the printable page the officer
hands over). Both mails are written in the caller's transaction and sent once (dedupe keys)."""

from __future__ import annotations

import datetime as dt
from typing import Optional

import sqlalchemy as sa

from models import Candidate, Feedback, Visit, clock
from models.operations import feedback as feedback_ops
from models.operations import surveys as survey_ops

from .. import labels, links
from ..extensions import db
from ..notify import notify

LINK_PURPOSE = "visit-feedback"
LINK_MAX_AGE = dt.timedelta(days=survey_ops.LINK_DAYS)
REQUEST_WINDOW_DAYS = 30


def feedback_url(visit: Visit) -> str:
    return links.public_url("feedback.by_link", token=links.make_token(LINK_PURPOSE, visit.id))


def request_feedback(*, now: Optional[dt.datetime] = None) -> int:
    """Mail the supervisor of every visit that ended in the last 30 days with an outcome and no
    feedback yet a link to the template, once per visit; returns how many were written."""
    now = now or clock.now()
    visits = db.session.scalars(
        sa.select(Visit)
        .where(
            Visit.status.in_(feedback_ops.FEEDBACK_STATUSES),
            Visit.end_at <= now,
            Visit.end_at > now - dt.timedelta(days=REQUEST_WINDOW_DAYS),
            ~sa.exists().where(Feedback.visit_id == Visit.id),
        )
        .order_by(Visit.end_at, Visit.id)
    ).all()
    written = 0
    for visit in visits:
        to = (visit.supervisor_email or visit.offer.supervisor_email or "").strip()
        message = notify(
            "feedback_request", to=to, link=feedback_url(visit), company=visit.offer.company.name,
            day=visit.visit_date.isoformat(), first_name=visit.candidate.first_name,
            expires_on=(now + LINK_MAX_AGE).astimezone(clock.STOCKHOLM).date(),
            dedupe_key=f"feedback-request:{visit.id}",
        )
        written += message is not None
    return written


def send_to_participant(feedback: Feedback) -> bool:
    """The participant's part of the feedback, in plain Swedish, to their own address while
    their consent to take part is in force; no ratings, no internal note."""
    candidate = feedback.visit.candidate
    allowed = db.session.scalar(
        sa.select(sa.exists().where(Candidate.id == candidate.id, survey_ops.may_ask_participant()))
    )
    if not allowed or "@" not in (candidate.email or ""):
        return False
    message = notify(
        "feedback_to_participant", to=candidate.email, first_name=candidate.first_name,
        company=feedback.visit.offer.company.name, day=feedback.visit.visit_date.isoformat(),
        attended=feedback.attended, strengths=feedback.strengths, to_develop=feedback.to_develop,
        welcome_again=feedback.would_welcome_again,
        further=None if feedback.further_interest.value == "none"
        else str(labels.FURTHER_INTEREST_LABELS[feedback.further_interest.value]),
        message=feedback.message_to_participant, from_name=feedback.filled_by_name,
        dedupe_key=f"feedback-participant:{feedback.id}",
    )
    return message is not None
