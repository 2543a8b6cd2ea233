"""Questionnaire emails: an invitation or reminder is written to the outbox in the caller's
transaction, with a signed link to the public answer page. Links are built on PUBLIC_BASE_URL,
never on the request's Host header."""

from __future__ import annotations

import datetime as dt
from typing import Optional

from models import Activity, Candidate, SurveyInvitation, Visit, clock
from models.clock import STOCKHOLM
from models.enums import SurveyMoment
from models.operations import surveys as survey_ops

from .. import links
from ..extensions import db
from ..notify import notify

LINK_PURPOSE = "survey"
LINK_MAX_AGE = dt.timedelta(days=survey_ops.LINK_DAYS)
EMPLOYEE_LINK_PURPOSE = "employee_survey"  # not single use: the supervisor forwards it to colleagues
EMPLOYEE_LINK_MAX_AGE = dt.timedelta(days=survey_ops.LINK_DAYS + 2)  # the visit's own dates decide


def employee_url(visit: Visit) -> str:
    """The link the supervisor forwards to colleagues: anyone with it answers once per sending,
    anonymously, for the company (models/operations/surveys.py, `save_employee_answers`)."""
    return links.public_url("surveys.employee_answer", token=links.make_token(EMPLOYEE_LINK_PURPOSE, visit.id))


def answer_url(invitation: SurveyInvitation) -> str:
    """A fresh signed link to the invitation (each email gets its own; any of them works until
    the questionnaire is completed, when the one used is spent and the rest say it is answered)."""
    language = invitation.candidate.preferred_language if invitation.candidate is not None else "sv"
    return links.public_url(
        "surveys.answer", token=links.make_token(LINK_PURPOSE, invitation.id),
        lang="en" if language == "en" else None,
    )


def _email(template: str, invitation: SurveyInvitation, dedupe_key: str) -> bool:
    # Plain values only: the invitation leads to the visit and the participant, and a company's
    # invitation uses the same templates. The company's "after" carries the colleagues' link.
    employee_link = None
    if invitation.survey.moment == SurveyMoment.COMPANY_AFTER and invitation.visit_id is not None:
        visit = db.session.get(Visit, invitation.visit_id)
        if visit is not None and survey_ops.employee_survey(db.session) is not None:
            employee_link = employee_url(visit)
    message = notify(
        template,
        to=invitation.email,
        for_participant=survey_ops.is_participant_moment(invitation.survey.moment),
        moment=invitation.survey.moment.value,
        link=answer_url(invitation),
        employee_link=employee_link,
        about_activity=invitation.activity_id is not None,
        expires_on=invitation.expires_at.astimezone(STOCKHOLM).date(),
        dedupe_key=dedupe_key,
    )
    return message is not None


def send_invitation(moment: SurveyMoment, visit: Visit, *, now: Optional[dt.datetime] = None) -> SurveyInvitation:
    """Invite the visit's participant or company (raises DomainError when that cannot be done)."""
    invitation = survey_ops.invite_for_visit(db.session, moment, visit, now=now)
    _email("survey_invitation", invitation, f"survey-invitation:{invitation.id}")
    return invitation


def send_activity_invitation(
    moment: SurveyMoment, activity: Activity, candidate: Candidate, *, now: Optional[dt.datetime] = None
) -> SurveyInvitation:
    """Invite a participant of a group activity (raises DomainError when that cannot be done)."""
    invitation = survey_ops.invite_for_activity(db.session, moment, activity, candidate, now=now)
    _email("survey_invitation", invitation, f"survey-invitation:{invitation.id}")
    return invitation


def send_due_invitations(*, now: Optional[dt.datetime] = None) -> tuple[int, int]:
    """Send every invitation the rules call for, about visits and group activities; (sent,
    skipped for want of an email address)."""
    sent = skipped = 0
    for due in survey_ops.due_invitations(db.session, now=now):
        if "@" not in survey_ops.respondent_email(due.moment, due.visit):
            skipped += 1
            continue
        send_invitation(due.moment, due.visit, now=now)
        sent += 1
    for about in survey_ops.due_activity_invitations(db.session, now=now):
        if "@" not in (about.candidate.email or ""):
            skipped += 1
            continue
        send_activity_invitation(about.moment, about.activity, about.candidate, now=now)
        sent += 1
    return sent, skipped


def send_reminders(*, now: Optional[dt.datetime] = None) -> int:
    """One reminder per unanswered invitation after a week. Idempotent: the outbox's dedupe key
    `survey-reminder:<id>` refuses a second one even if `reminded_at` was lost."""
    now = now or clock.now()
    written = 0
    for invitation in survey_ops.reminders_due(db.session, now=now):
        if _email("survey_reminder", invitation, f"survey-reminder:{invitation.id}"):
            written += 1
        invitation.reminded_at = now
    db.session.flush()
    return written
