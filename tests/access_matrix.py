"""The access matrix as the tests expect it: for every endpoint, which roles may use it.

The rules themselves live in web/permissions.py (the one place access is decided); this table
is the independent expectation that tests/test_access_matrix.py checks them against, route by
route and role by role, and docs/access-matrix.md is the same table for people.

Adding a route is one entry in EXPECTED:

    "area.endpoint": Route(only(PL, ADMIN), args=a_company),            # a GET page
    "area.action": Route(only(PL), args=a_visit, method="POST"),        # a form action

`allowed` names the roles that get the page (2xx, or a redirect that is not to the login page);
every other role must be refused (403; not logged in: sent to the login page; the JSON API may
answer 401/403/404). POST entries are only sent by refused roles, so the walk changes nothing.
`args(make, me)` builds the URL's arguments with the factories; `me` is the logged-in user
(None when anonymous), so an entry can point at the user's own company, unit or visit.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Optional

from models import User, clock
from models.enums import Role, VisitStatus

from .factories import Factory

ANONYMOUS = "anonymous"
ADMIN = Role.ADMIN.value
PL = Role.PROJECT_LEADER.value
WO = Role.WELFARE_OFFICER.value
EMPLOYER = Role.EMPLOYER.value
STEERING = Role.STEERING.value
SP = Role.SELECTION_PARTNER.value
LOGGED_IN = frozenset(r.value for r in Role)
EVERYONE = frozenset({ANONYMOUS, *LOGGED_IN})
ROLES = (ANONYMOUS, ADMIN, PL, WO, EMPLOYER, STEERING, SP)

Args = Callable[[Factory, Optional[User]], dict[str, Any]]


# API data endpoints: no role gets in with a browser session (bearer tokens only).
BY_TOKEN_ONLY: frozenset[str] = frozenset()


def only(*roles: str) -> frozenset[str]:
    return frozenset(roles)


@dataclass(frozen=True)
class Route:
    allowed: frozenset[str]
    args: Optional[Args] = None
    method: str = "GET"
    data: Optional[dict[str, Any]] = None


# --- URL arguments ---------------------------------------------------------------------------
def a_user(make: Factory, me: Optional[User]) -> dict[str, Any]:
    return {"user_id": make.user(Role.STEERING).id}


def a_set_password_link(make: Factory, me: Optional[User]) -> dict[str, Any]:
    from web.account.views import SET_PASSWORD_PURPOSE
    from web.links import make_token

    return {"token": make_token(SET_PASSWORD_PURPOSE, make.user(Role.STEERING).id)}


def an_export(fmt: str) -> Args:
    return lambda make, me: {"fmt": fmt}


def a_static_file(make: Factory, me: Optional[User]) -> dict[str, Any]:
    return {"filename": "css/app.css"}


def a_programme(make: Factory, me: Optional[User]) -> dict[str, Any]:
    return {"programme_id": make.programme().id}


def a_running_programme(make: Factory, me: Optional[User]) -> dict[str, Any]:
    """No URL argument, but the page needs a programme running today to show a report."""
    today = clock.local_today()
    make.programme(starts_on=today - dt.timedelta(days=400), ends_on=today + dt.timedelta(days=400))
    return {}


def a_running_programme_id(make: Factory, me: Optional[User]) -> dict[str, Any]:
    today = clock.local_today()
    return {"programme_id": make.programme(starts_on=today - dt.timedelta(days=400),
                                           ends_on=today + dt.timedelta(days=400)).id}


def a_compiled_quarter(make: Factory, me: Optional[User], *, signed: bool = False) -> dict[str, Any]:
    from models import QuarterSignoff

    signoff = QuarterSignoff(
        programme=make.programme(), quarter="2025-Q1", quarter_start=dt.date(2025, 1, 1),
        quarter_end=dt.date(2025, 3, 31), compiled_by_name="Projektledare",
    )
    if signed:
        signoff.signed_off_at, signoff.report_sha256 = clock.now(), "0" * 64
        signoff.report_json, signoff.report_csv, signoff.report_xlsx = '{"report": {}}\n', b"", b""
    make.session.add(signoff)
    make.session.flush()
    return {"signoff_id": signoff.id}


def a_referral_awaiting_selection(make: Factory, me: Optional[User]) -> dict[str, Any]:
    from models.enums import ReferralStatus

    return {"referral_id": make.candidate(status=ReferralStatus.SUBMITTED).referrals[0].id}


def a_selection_meeting(make: Factory, me: Optional[User]) -> dict[str, Any]:
    from models import SelectionMeeting, SelectionMeetingItem
    from models.enums import ReferralStatus

    referral = make.candidate(status=ReferralStatus.SUBMITTED).referrals[0]
    meeting = SelectionMeeting(held_on=clock.local_today(), items=[SelectionMeetingItem(referral=referral)])
    make.session.add(meeting)
    make.session.flush()
    return {"meeting_id": meeting.id}


def a_signed_quarter(make: Factory, me: Optional[User]) -> dict[str, Any]:
    return a_compiled_quarter(make, me, signed=True)


def with_fmt(builder: Optional[Args], fmt: str) -> Args:
    return lambda make, me: {**(builder(make, me) if builder else {}), "fmt": fmt}


def a_commitment(make: Factory, me: Optional[User]) -> dict[str, Any]:
    from models import Commitment, CommitmentPromise
    from models.commitments import CommitmentSource, PromiseKind

    commitment = Commitment(
        company=make.company(), source=CommitmentSource.PROCUREMENT, reference=f"AVT-{make._n()}",
        department="Serviceförvaltningen", period_from=dt.date(2026, 1, 1), period_to=dt.date(2027, 12, 31),
        promises=[CommitmentPromise(kind=PromiseKind.VISITS, per_year=4)],
    )
    make.session.add(commitment)
    make.session.flush()
    return {"commitment_id": commitment.id}


def a_company(make: Factory, me: Optional[User]) -> dict[str, Any]:
    return {"company_id": make.company().id}


def a_contact(make: Factory, me: Optional[User]) -> dict[str, Any]:
    company = make.company()
    return {"company_id": company.id, "contact_id": company.contacts[0].id}


def an_offer(make: Factory, me: Optional[User]) -> dict[str, Any]:
    return {"offer_id": make.offer().id}


def own_offer(make: Factory, me: Optional[User]) -> dict[str, Any]:
    """An offer of the employer's own company (anyone else: some company's offer)."""
    company = me.company if me is not None and me.company is not None else None
    return {"offer_id": make.offer(company).id}


def _candidate_for(make: Factory, me: Optional[User]) -> Any:
    """A candidate the acting welfare officer's unit referred (anyone else: another unit's)."""
    if me is not None and me.role == Role.WELFARE_OFFICER:
        return make.candidate(referred_by=me)
    return make.candidate()


def a_candidate(make: Factory, me: Optional[User]) -> dict[str, Any]:
    return {"candidate_id": _candidate_for(make, me).id}


def a_referral_step(step: str) -> Args:
    return lambda make, me: {"referral_id": _candidate_for(make, me).referrals[0].id, "step": step}


def a_visit(make: Factory, me: Optional[User]) -> dict[str, Any]:
    return {"visit_id": make.visit(_candidate_for(make, me)).id}


def own_company_visit(make: Factory, me: Optional[User]) -> dict[str, Any]:
    """A visit proposed to the employer's own company (anyone else: some company's)."""
    company = me.company if me is not None and me.company is not None else None
    return {"visit_id": make.visit(offer=make.offer(company)).id}


def a_visit_status(to: str) -> Args:
    return lambda make, me: {**a_visit(make, me), "to": to}


def an_answer_link(make: Factory, me: Optional[User]) -> dict[str, Any]:
    from web.links import make_token

    return {"token": make_token("visit-answer", make.visit().id)}


def a_calendar_feed(make: Factory, me: Optional[User]) -> dict[str, Any]:
    from models.operations.visits import create_calendar_feed

    _feed, token = create_calendar_feed(make.session, make.user(Role.PROJECT_LEADER))
    return {"token": token}


def an_activity(make: Factory, me: Optional[User]) -> dict[str, Any]:
    return {"activity_id": _activity(make).id}


def _activity(make: Factory) -> Any:
    from models import Activity
    from models.enums import ActivityType

    start = clock.now() + dt.timedelta(days=10)
    activity = Activity(
        type=ActivityType.WELLNESS, title="Promenad", starts_at=start, ends_at=start + dt.timedelta(hours=2)
    )
    make.session.add(activity)
    make.session.flush()
    return activity


def an_activity_participant(make: Factory, me: Optional[User]) -> dict[str, Any]:
    from models import ActivityParticipant

    activity = _activity(make)
    participant = ActivityParticipant(activity=activity, candidate=make.candidate())
    make.session.add(participant)
    make.session.flush()
    return {"activity_id": activity.id, "participant_id": participant.id}



def _meeting(make: Factory) -> Any:
    from models.operations import meetings as meeting_ops

    start = clock.local_datetime(clock.local_today() + dt.timedelta(days=30), dt.time(9, 0))
    return meeting_ops.create_meeting(make.session, meeting_ops.MeetingData(
        kind="theme", title="Tematräff", starts_at=start, ends_at=start + dt.timedelta(hours=2),
        capacity=9, quotas={"city": 3, "organisation": 3, "open": 3}))


def a_meeting(make: Factory, me: Optional[User]) -> dict[str, Any]:
    return {"meeting_id": _meeting(make).id}


def _meeting_invitee(make: Factory) -> Any:
    from models.operations import meetings as meeting_ops

    meeting = _meeting(make)
    company = make.company()
    return meeting_ops.invite(make.session, meeting, meeting_ops.facts_of(company), channel="city", company=company)


def a_meeting_invitee(make: Factory, me: Optional[User]) -> dict[str, Any]:
    invitee = _meeting_invitee(make)
    return {"meeting_id": invitee.meeting_id, "invitee_id": invitee.id}


def a_meeting_invitation_link(make: Factory, me: Optional[User]) -> dict[str, Any]:
    from web.links import make_token
    from web.meetings.service import LINK_PURPOSE

    return {"token": make_token(LINK_PURPOSE, _meeting_invitee(make).id)}


def _survey(make: Factory) -> Any:
    from models import Survey, SurveyQuestion
    from models.enums import QuestionKind, SurveyMoment

    survey = Survey(name="Före besöket", moment=SurveyMoment.PARTICIPANT_BEFORE)
    survey.questions = [
        SurveyQuestion(position=1, key="trygghet", kind=QuestionKind.LIKERT, text_sv="Jag känner mig trygg.",
                       text_en="I feel confident.")
    ]
    make.session.add(survey)
    make.session.flush()
    return survey


def a_survey(make: Factory, me: Optional[User]) -> dict[str, Any]:
    return {"survey_id": _survey(make).id}


def a_survey_question_action(action: str) -> Args:
    def build(make: Factory, me: Optional[User]) -> dict[str, Any]:
        survey = _survey(make)
        return {"survey_id": survey.id, "question_id": survey.questions[0].id, "action": action}

    return build


def a_survey_link(make: Factory, me: Optional[User]) -> dict[str, Any]:
    from models import SurveyInvitation
    from web.links import make_token

    invitation = SurveyInvitation(
        survey=_survey(make), candidate=make.candidate(), email="deltagare@test.example",
        expires_at=clock.now() + dt.timedelta(days=14),
    )
    make.session.add(invitation)
    make.session.flush()
    return {"token": make_token("survey", invitation.id)}


def an_employee_link(make: Factory, me: Optional[User]) -> dict[str, Any]:
    from models.operations.question_sets import install_missing
    from web.links import make_token

    install_missing(make.session)
    visit = make.visit(day=clock.local_today() - dt.timedelta(days=1), status=VisitStatus.COMPLETED, actual_hours=5)
    make.session.flush()
    return {"token": make_token("employee_survey", visit.id)}


def someone_elses_api_token(make: Factory, me: Optional[User]) -> dict[str, Any]:
    from models.operations.api_tokens import issue_token

    token, _secret = issue_token(make.session, make.user(Role.PROJECT_LEADER), name="Integration")
    return {"token_id": token.id}


def _completed_visit(make: Factory, candidate: Any = None, offer: Any = None) -> Any:
    from models.enums import VisitStatus

    day = clock.local_today() - dt.timedelta(days=7)
    return make.visit(candidate, offer, day=day, status=VisitStatus.COMPLETED, actual_hours=6)


def a_completed_visit_to_give_feedback_on(make: Factory, me: Optional[User]) -> dict[str, Any]:
    """A completed visit at the employer's own company (anyone else: some company's)."""
    company = me.company if me is not None and me.company is not None else None
    return {"visit_id": _completed_visit(make, offer=make.offer(company)).id}


def a_completed_visit(make: Factory, me: Optional[User]) -> dict[str, Any]:
    return {"visit_id": _completed_visit(make, _candidate_for(make, me)).id}


def a_feedback_link(make: Factory, me: Optional[User]) -> dict[str, Any]:
    from web.links import make_token

    return {"token": make_token("visit-feedback", _completed_visit(make, make.candidate()).id)}


def a_follow_up(make: Factory, me: Optional[User]) -> dict[str, Any]:
    candidate = _candidate_for(make, me)
    _completed_visit(make, candidate)
    return {"candidate_id": candidate.id, "months": 3}


# --- the table -------------------------------------------------------------------------------
EXPECTED: dict[str, Route] = {
    "static": Route(EVERYONE, args=a_static_file),
    # login, logout, password, second factor
    "auth.login": Route(EVERYONE),
    "auth.login_code": Route(LOGGED_IN),  # not logged in and no password step: back to the login page
    "auth.logout": Route(EVERYONE, method="POST"),
    "auth.change_password": Route(LOGGED_IN),
    "account.two_factor": Route(LOGGED_IN),
    "account.disable_two_factor": Route(LOGGED_IN, method="POST"),
    "account.set_password": Route(EVERYONE, args=a_set_password_link),
    # start page, help, health
    "main.index": Route(LOGGED_IN),
    "main.healthz": Route(EVERYONE),
    "main.set_language": Route(EVERYONE, method="POST"),
    "main.help_index": Route(EVERYONE),
    "main.guide": Route(EVERYONE, args=lambda make, me: {"lang": "sv", "name": "employer"}),
    "main.accessibility": Route(EVERYONE),
    # administration: accounts and the audit trail
    "admin.users": Route(only(ADMIN)),
    "admin.create_user": Route(only(ADMIN)),
    "admin.user_detail": Route(only(ADMIN), args=a_user),
    "admin.edit_user": Route(only(ADMIN), args=a_user),
    "admin.deactivate_user": Route(only(ADMIN), args=a_user, method="POST"),
    "admin.reactivate_user": Route(only(ADMIN), args=a_user, method="POST"),
    "admin.reset_password": Route(only(ADMIN), args=a_user, method="POST"),
    "admin.reset_two_factor": Route(only(ADMIN), args=a_user, method="POST"),
    "admin.audit": Route(only(ADMIN)),
    "admin.audit_export": Route(only(ADMIN), args=an_export("csv")),
    "admin.questionnaires": Route(only(ADMIN)),
    # candidate bank: project leaders, and officers for their own unit's clients
    "candidates.bank": Route(only(PL, WO)),
    "candidates.candidate": Route(only(PL, WO), args=a_candidate),
    "candidates.edit": Route(only(PL, WO), args=a_candidate),
    "candidates.record_consent": Route(only(PL, WO), args=a_candidate, method="POST"),
    "candidates.withdraw_consent": Route(only(PL, WO), args=a_candidate, method="POST"),
    "candidates.reveal_pin": Route(only(PL, WO), args=a_candidate, method="POST"),
    "candidates.referrals": Route(only(PL, WO)),  # a project leader is sent to the referrals to decide
    "candidates.new_referral": Route(only(WO)),
    "candidates.referral_step": Route(only(PL, WO), args=a_referral_step("avsluta"), method="POST"),
    "candidates.import_upload": Route(only(PL, WO)),
    "candidates.import_template": Route(only(PL, WO), args=an_export("xlsx")),
    "candidates.import_commit": Route(only(PL, WO), method="POST"),
    # the company network: project leaders and admins
    "companies.index": Route(only(PL, ADMIN)),
    "companies.new": Route(only(PL, ADMIN)),
    "companies.capacity": Route(only(PL, ADMIN)),
    "companies.detail": Route(only(PL, ADMIN), args=a_company),
    "companies.edit": Route(only(PL, ADMIN), args=a_company),
    "companies.contact_form": Route(only(PL, ADMIN), args=a_contact),
    "companies.contact_delete": Route(only(PL, ADMIN), args=a_contact, method="POST"),
    "companies.offer_new": Route(only(PL, ADMIN), args=a_company),
    "companies.offer": Route(only(PL, ADMIN), args=an_offer),
    "companies.offer_edit": Route(only(PL, ADMIN), args=an_offer),
    "companies.offer_toggle": Route(only(PL, ADMIN), args=an_offer, method="POST"),
    "companies.import_upload": Route(only(PL, ADMIN)),
    "companies.import_template": Route(only(PL, ADMIN), args=an_export("xlsx")),
    "companies.import_commit": Route(only(PL, ADMIN), method="POST"),
    # the employer portal: an employer's own company only; the supervisor's emailed link
    "employer.index": Route(only(EMPLOYER)),
    "employer.offers": Route(only(EMPLOYER)),
    "employer.offer_new": Route(only(EMPLOYER)),
    "employer.offer_edit": Route(only(EMPLOYER), args=own_offer),
    "employer.offer_toggle": Route(only(EMPLOYER), args=own_offer, method="POST"),
    "employer.visits": Route(only(EMPLOYER)),
    "employer.visit": Route(only(EMPLOYER), args=own_company_visit),
    "employer.answer_link": Route(EVERYONE, args=an_answer_link),
    # visits and bookings: project leaders; the visit page also for the referring unit
    "visits.index": Route(only(PL)),
    "visits.needs_action": Route(only(PL)),
    "visits.new": Route(only(PL)),
    "visits.calendar": Route(only(PL)),
    "visits.show": Route(only(PL, WO), args=a_visit),
    "visits.reschedule": Route(only(PL), args=a_visit),
    "visits.change_status": Route(only(PL), args=a_visit_status("cancelled"), method="POST"),
    "visits.correct": Route(only(PL), args=a_visit, method="POST"),
    "visits.correct_times": Route(only(PL), args=a_visit, method="POST"),
    "visits.feeds": Route(only(PL, WO, EMPLOYER)),
    "visits.revoke_feed": Route(only(PL, WO, EMPLOYER), method="POST"),
    "visits.feed": Route(EVERYONE, args=a_calendar_feed),
    # group activities: project leaders
    "activities.index": Route(only(PL)),
    "activities.new": Route(only(PL)),
    "activities.show": Route(only(PL), args=an_activity),
    "activities.edit": Route(only(PL), args=an_activity),
    "activities.register": Route(only(PL), args=an_activity, method="POST"),
    "activities.attendance": Route(only(PL), args=an_activity, method="POST"),
    "activities.unregister": Route(only(PL), args=an_activity_participant, method="POST"),
    # follow-up: the quarterly report for PL, steering and admins; programme settings for admins
    "reports.dashboard": Route(only(PL, STEERING, ADMIN), args=a_running_programme),
    "reports.print_page": Route(only(PL, STEERING, ADMIN), args=a_running_programme),
    "reports.chart": Route(only(PL, STEERING, ADMIN), args=a_running_programme),
    "reports.export": Route(only(PL, STEERING, ADMIN), args=with_fmt(a_running_programme, "csv")),
    "programme.index": Route(only(ADMIN)),
    "programme.new": Route(only(ADMIN)),
    "programme.edit": Route(only(ADMIN), args=a_programme),
    "programme.milestones": Route(
        only(ADMIN), args=lambda make, me: {**a_programme(make, me), "kind": "persons_workplace_visit"}
    ),
    # the agreement's budget: PL and admins edit, the steering group reads
    "budget.current": Route(only(PL, STEERING, ADMIN), args=a_running_programme),
    "budget.index": Route(only(PL, STEERING, ADMIN), args=a_programme),
    "budget.year": Route(only(PL, ADMIN), args=lambda make, me: {**a_programme(make, me), "year": 1}),
    "budget.costs": Route(only(PL, ADMIN), args=a_programme),
    "budget.threshold": Route(only(PL, ADMIN), args=a_programme, method="POST"),
    "budget.import_upload": Route(only(PL, ADMIN), args=a_programme),
    "budget.import_commit": Route(only(PL, ADMIN), args=a_programme, method="POST"),
    "budget.import_template": Route(only(PL, ADMIN), args=with_fmt(a_programme, "xlsx")),
    # the agreement: period, extension and changes; PL and admins record, the steering group reads
    "agreement.current": Route(only(PL, STEERING, ADMIN), args=a_running_programme),
    "agreement.index": Route(only(PL, STEERING, ADMIN), args=a_programme),
    "agreement.extend": Route(only(PL, ADMIN), args=a_running_programme_id),
    "agreement.change": Route(only(PL, ADMIN), args=a_programme),
    # a quarter the steering group signs off: PL compiles, a steering member of a party approves
    "signoff.index": Route(only(PL, STEERING, ADMIN), args=a_programme),
    "signoff.compile_quarter": Route(only(PL), args=a_programme, method="POST"),
    "signoff.show": Route(only(PL, STEERING, ADMIN), args=a_compiled_quarter),
    "signoff.approve": Route(only(STEERING), args=a_compiled_quarter, method="POST"),
    "signoff.download": Route(only(PL, STEERING, ADMIN), args=with_fmt(a_signed_quarter, "json")),
    # selection in consultation with AF and AMF: partners take positions, the project leader decides
    "selection.index": Route(only(PL, SP)),
    "selection.position": Route(only(SP), args=a_referral_awaiting_selection, method="POST"),
    "selection.new_meeting": Route(only(PL)),
    "selection.meeting": Route(only(PL, SP), args=a_selection_meeting),
    "selection.decide": Route(only(PL), args=a_selection_meeting, method="POST"),
    "selection.minutes": Route(only(PL, SP), args=with_fmt(a_selection_meeting, "xlsx")),
    # companies' commitments: PL and admins register and import, the steering group reads, the
    # project leader weighs them in the recommendations, an employer sees its own in the portal
    "commitments.index": Route(only(PL, STEERING, ADMIN)),
    "commitments.export": Route(only(PL, STEERING, ADMIN), args=an_export("xlsx")),
    "commitments.new": Route(only(PL, ADMIN)),
    "commitments.edit": Route(only(PL, ADMIN), args=a_commitment),
    "commitments.delete": Route(only(PL, ADMIN), args=a_commitment, method="POST"),
    "commitments.weight": Route(only(PL), method="POST"),
    "commitments.import_upload": Route(only(PL, ADMIN)),
    "commitments.import_commit": Route(only(PL, ADMIN), method="POST"),
    "commitments.import_template": Route(only(PL, ADMIN), args=an_export("xlsx")),
    "commitments.own": Route(only(EMPLOYER)),
    # network meetings: project leaders run them; the outcomes also for steering and admins;
    # the open sign-up and the invitation's answer page are public
    "meetings.index": Route(only(PL)),
    "meetings.new": Route(only(PL)),
    "meetings.show": Route(only(PL), args=a_meeting),
    "meetings.edit": Route(only(PL), args=a_meeting),
    "meetings.invite": Route(only(PL), args=a_meeting, method="POST"),
    "meetings.cancel": Route(only(PL), args=a_meeting_invitee, method="POST"),
    "meetings.attendance": Route(only(PL), args=a_meeting, method="POST"),
    "meetings.add_company": Route(only(PL), args=a_meeting_invitee, method="POST"),
    "meetings.offer_new": Route(only(PL), args=a_meeting_invitee),
    "meetings.selection": Route(only(PL), args=a_meeting),
    "meetings.apply_selection": Route(only(PL), args=a_meeting, method="POST"),
    "meetings.outcomes": Route(only(PL, STEERING, ADMIN)),
    "meetings.signup": Route(EVERYONE, args=a_meeting),
    "meetings.answer": Route(EVERYONE, args=a_meeting_invitation_link),
    # questionnaires: sets for PL and admins, sending for PL, answering by link
    "surveys.index": Route(only(PL, ADMIN)),
    "surveys.new_set": Route(only(PL, ADMIN)),
    "surveys.edit_set": Route(only(PL, ADMIN), args=a_survey),
    "surveys.question": Route(only(PL, ADMIN), args=a_survey),
    "surveys.question_action": Route(only(PL, ADMIN), args=a_survey_question_action("ner"), method="POST"),
    "surveys.send": Route(only(PL)),
    "surveys.send_for_visit": Route(only(PL), args=a_visit, method="POST"),
    "surveys.answer": Route(EVERYONE, args=a_survey_link),
    "surveys.employee_answer": Route(EVERYONE, args=an_employee_link),
    # workplace feedback (the template) and the officers' 3- and 6-month follow-ups
    "feedback.pending": Route(only(PL, EMPLOYER)),
    "feedback.fill": Route(only(PL, EMPLOYER), args=a_completed_visit_to_give_feedback_on),
    "feedback.participant_part": Route(only(PL, WO), args=a_completed_visit),
    "feedback.by_link": Route(EVERYONE, args=a_feedback_link),
    "followups.index": Route(only(WO)),
    "followups.record": Route(only(WO), args=a_follow_up),
    # matching: lists and the planner for project leaders; models for PL and admins; the audit also for steering
    "matching.offer_recommendations": Route(only(PL), args=an_offer),
    "matching.candidate_recommendations": Route(only(PL), args=a_candidate),
    "matching.plan": Route(only(PL)),
    "matching.plan_create": Route(only(PL), method="POST"),
    "matching.models": Route(only(PL, ADMIN)),
    "matching.duel": Route(only(PL, ADMIN)),
    "matching.duel_stop": Route(only(ADMIN), method="POST"),
    "matching.fairness": Route(only(PL, ADMIN, STEERING)),
    "matching.fairness_export": Route(only(PL, ADMIN, STEERING)),
    # personal API tokens: everyone their own; all tokens for admins
    "tokens.index": Route(LOGGED_IN),
    "tokens.all_tokens": Route(only(ADMIN)),
    "tokens.revoke": Route(only(ADMIN), args=someone_elses_api_token, method="POST"),
    # the JSON API: its description is public; every data endpoint takes a bearer token only, so a
    # logged-in browser (a session cookie) is refused for every role. Role by role with tokens:
    # tests/test_api_*.py.
    "api-docs.openapi_json": Route(EVERYONE),
    "api_reference.reference": Route(EVERYONE),
    **{
        endpoint: Route(BY_TOKEN_ONLY, args=args, method=method)
        for endpoint, args, method in [
            ("api_me.me", None, "GET"),
            ("api_candidates.list_candidates", None, "GET"),
            ("api_candidates.refer", None, "POST"),
            ("api_candidates.get_candidate", a_candidate, "GET"),
            ("api_candidates.update_candidate", a_candidate, "PATCH"),
            ("api_companies.list_companies", None, "GET"),
            ("api_companies.create_company", None, "POST"),
            ("api_companies.get_company", a_company, "GET"),
            ("api_companies.update_company", a_company, "PATCH"),
            ("api_commitments.list_commitments", None, "GET"),
            ("api_commitments.list_progress", None, "GET"),
            ("api_commitments.get_commitment", a_commitment, "GET"),
            ("api_commitments.get_progress", a_commitment, "GET"),
            ("api_offers.list_offers", None, "GET"),
            ("api_offers.create_offer", None, "POST"),
            ("api_offers.get_offer", an_offer, "GET"),
            ("api_offers.update_offer", an_offer, "PATCH"),
            ("api_visits.list_visits", None, "GET"),
            ("api_visits.propose_visit", None, "POST"),
            ("api_visits.get_visit", a_visit, "GET"),
            ("api_visits.transition", a_visit, "POST"),
            ("api_activities.list_activities", None, "GET"),
            ("api_activities.create_activity", None, "POST"),
            ("api_activities.get_activity", an_activity, "GET"),
            ("api_activities.update_activity", an_activity, "PATCH"),
            ("api_activities.register", an_activity, "POST"),
            ("api_activities.unregister", an_activity_participant, "DELETE"),
            ("api_activities.mark_attendance", an_activity, "POST"),
            ("api_meetings.list_meetings", None, "GET"),
            ("api_meetings.create_meeting", None, "POST"),
            ("api_meetings.get_meeting", a_meeting, "GET"),
            ("api_meetings.invite", a_meeting, "POST"),
            ("api_meetings.propose", a_meeting, "POST"),
            ("api_meetings.apply_selection", a_meeting, "POST"),
            ("api_meetings.mark_attendance", a_meeting, "POST"),
            ("api_meetings.outcomes", None, "GET"),
            ("api_recommendations.for_offer", an_offer, "GET"),
            ("api_recommendations.for_candidate", a_candidate, "GET"),
            ("api_programmes.list_programmes", None, "GET"),
            ("api_programmes.report", a_programme, "GET"),
            ("api_programmes.budget", a_programme, "GET"),
            ("api_programmes.agreement", a_programme, "GET"),
            ("api_programmes.list_signoffs", a_programme, "GET"),
            ("api_programmes.compile_signoff", a_programme, "POST"),
            ("api_programmes.get_signoff", lambda make, me: {**a_programme(make, me), "quarter": "2025-Q1"}, "GET"),
            ("api_selection.awaiting", None, "GET"),
            ("api_selection.record_position", a_referral_awaiting_selection, "PUT"),
            ("api_selection.list_meetings", None, "GET"),
            ("api_selection.create_meeting", None, "POST"),
            ("api_selection.get_meeting", a_selection_meeting, "GET"),
            ("api_selection.decide", a_selection_meeting, "POST"),
            ("api_programmes.approve_signoff", lambda make, me: {**a_programme(make, me), "quarter": "2025-Q1"},
             "POST"),
        ]
    },
}


# --- inside pages: start-page panels, and links a page shows only to some of its visitors ------
# Who sees each start-page panel (its permission check, whatever the data; a panel with nothing
# to show may still hide itself). A panel without an entry fails the suite, as a route does.
PANELS: dict[str, frozenset[str]] = {
    "account_security": LOGGED_IN,
    "api_tokens": LOGGED_IN,
    "admin_overview": only(ADMIN),
    "candidates_officer": only(WO),
    "candidates_waiting": only(PL),
    "employer-waiting": only(EMPLOYER),
    "feedback-pending": only(PL, EMPLOYER),
    "follow-ups-due": only(WO),
    "matching": only(PL, ADMIN, STEERING),
    "network-capacity": only(PL),
    "own-commitment": only(EMPLOYER),
    "programme-settings": only(ADMIN),
    "selection-waiting": only(SP),
    "steering-headline": only(PL, STEERING, ADMIN),
    "surveys": only(PL, ADMIN),
    "visits-needs-action": only(PL),
    "visits-this-week": only(PL),
}


@dataclass(frozen=True)
class Link:
    """A link on `page` to `target` that only the `allowed` roles among the page's visitors see."""

    page: str
    target: str
    allowed: frozenset[str]
    args: Optional[Args] = None


def a_company_with_an_offer(make: Factory, me: Optional[User]) -> dict[str, Any]:
    return {"company_id": make.offer().company_id}


LINKS: list[Link] = [
    Link("companies.detail", "visits.new", only(PL), args=a_company_with_an_offer),  # book a visit
    Link("tokens.index", "tokens.all_tokens", only(ADMIN)),
    Link("main.index", "employer.index", only(EMPLOYER)),  # the menu's "our company"
    Link("main.index", "commitments.index", only(PL, STEERING, ADMIN)),  # the menu's "commitments"
]
