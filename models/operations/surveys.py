"""Before/after questionnaires: the question sets per moment, invitations (one emailed link per
respondent), answers saved page by page, and which invitations and reminders are due.

Who is asked, and when (`due_invitations`, run by `flask send-surveys` and the project
leader's "send" page):
- participant before: once per participant, when a visit of theirs is confirmed and not begun;
- participant after: once per completed visit, within 30 days of it;
- company before: once per company, when its first visit is confirmed, to the supervisor;
- company after: after a completed visit, at most once per company and quarter.
A respondent without an email address is skipped (the project leader can ask on paper), and a
participant is only asked while their consent to take part is in force (not withdrawn, not
anonymised).
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session, contains_eager

from .. import clock
from ..accounts import User
from ..candidates import Candidate, consent_in_force
from ..clock import STOCKHOLM, local_midnight, quarter_start
from ..companies import Company, Offer
from ..enums import ActivityType, AttendanceStatus, QuestionKind, SurveyMoment, VisitStatus
from ..followup import Survey, SurveyAnswer, SurveyInvitation, SurveyQuestion
from ..visits import Activity, ActivityParticipant, Visit
from .errors import Conflict, DomainError
from .question_sets import (
    ACTIVITY_PARTICIPANT,
    QUESTIONNAIRES,
    WORKPLACE_COMPANY,
    WORKPLACE_EMPLOYEE,
    WORKPLACE_PARTICIPANT,
    workplace_code,
)

LINK_DAYS = 21  # an invitation (and every link to it) expires this long after it was sent
REMIND_AFTER_DAYS = 7
AFTER_WINDOW_DAYS = 30
PAGE_SIZE = 3  # questions per page of the answer form
KEY_PATTERN = re.compile(r"^[a-z][a-z0-9_]{0,59}$")

PARTICIPANT_MOMENTS = (SurveyMoment.PARTICIPANT_BEFORE, SurveyMoment.PARTICIPANT_AFTER)
BEFORE_MOMENTS = (SurveyMoment.PARTICIPANT_BEFORE, SurveyMoment.COMPANY_BEFORE)
# The answer scale is part of the questionnaire, worded like the questions in three versions.
LIKERT_SCALE: dict[str, tuple[str, str, str, str, str]] = {
    "sv": ("Stämmer inte alls", "Stämmer ganska dåligt", "Varken eller", "Stämmer ganska bra", "Stämmer helt"),
    "easy_sv": ("Nej, inte alls", "Nej, inte så mycket", "Lite grann", "Ja, ganska mycket", "Ja, helt"),
    "en": ("Strongly disagree", "Disagree", "Neither agree nor disagree", "Agree", "Strongly agree"),
}


def may_ask_participant() -> sa.ColumnElement[bool]:
    """SQL on Candidate: a consent to take part in the partnership is in force."""
    return sa.and_(Candidate.anonymised_at.is_(None), consent_in_force(companies=False))


def is_participant_moment(moment: SurveyMoment) -> bool:
    return moment in PARTICIPANT_MOMENTS


def question_text(question: SurveyQuestion, wording: str) -> str:
    """The question in the chosen wording ("sv", "easy_sv" or "en"), Swedish when one is missing."""
    if wording == "en" and question.text_en:
        return question.text_en
    if wording == "easy_sv" and question.text_easy_sv:
        return question.text_easy_sv
    return question.text_sv


# --- question sets ----------------------------------------------------------------------------
def active_survey(session: Session, moment: SurveyMoment, questionnaire: Optional[str] = None) -> Optional[Survey]:
    """The set in use for a moment of a questionnaire (the workplace visit's unless named)."""
    return session.scalar(
        sa.select(Survey)
        .where(
            Survey.moment == moment,
            Survey.questionnaire == (questionnaire or workplace_code(moment)),
            Survey.active.is_(True),
        )
        .order_by(Survey.version.desc(), Survey.id.desc())
    )


def save_survey(
    session: Session, *, name: str, moment: SurveyMoment, active: bool, survey: Optional[Survey] = None,
    questionnaire: Optional[str] = None, by: Optional[User] = None,
) -> Survey:
    """Create or rename a question set; making it active retires the other sets of its moment
    and questionnaire. A new set is the next version of its questionnaire's sets of that moment."""
    name = (name or "").strip()
    if not name:
        raise DomainError("Ge frågeuppsättningen ett namn.", field="name")
    if survey is None:
        code = questionnaire or workplace_code(moment)
        latest = session.scalar(
            sa.select(sa.func.max(Survey.version)).where(Survey.questionnaire == code, Survey.moment == moment)
        )
        survey = Survey(moment=moment, questionnaire=code, version=(latest or 0) + 1, created_by=by)
        session.add(survey)
    elif survey.moment != moment and _has_invitations(session, survey):
        raise Conflict("Enkäten har redan skickats ut och kan inte byta tillfälle.", field="moment")
    survey.name, survey.moment, survey.active = name, moment, active
    session.flush()
    if active:
        _retire_others(session, survey)
    return survey


def _retire_others(session: Session, survey: Survey) -> None:
    session.execute(
        sa.update(Survey)
        .where(Survey.moment == survey.moment, Survey.questionnaire == survey.questionnaire, Survey.id != survey.id)
        .values(active=False)
    )


def version_sent(session: Session, survey: Survey) -> bool:
    """Whether any set of this version of the questionnaire has been sent (or answered)."""
    return session.scalar(
        sa.select(
            sa.exists()
            .where(SurveyInvitation.survey_id == Survey.id)
            .where(Survey.questionnaire == survey.questionnaire, Survey.version == survey.version)
        )
    ) or False


def new_version(session: Session, survey: Survey, *, by: Optional[User] = None) -> Survey:
    """Copy the sets of `survey`'s version of its questionnaire (its "before" and "after") as the
    questionnaire's next version, in use instead of them; the old version is kept as history.
    Returns the copy of `survey`."""
    latest = session.scalar(sa.select(sa.func.max(Survey.version)).where(Survey.questionnaire == survey.questionnaire))
    version = (latest or 0) + 1
    siblings = session.scalars(
        sa.select(Survey).where(Survey.questionnaire == survey.questionnaire, Survey.version == survey.version)
    ).all()
    copy_of_survey = survey
    for old in siblings:
        copy = Survey(
            name=old.name, moment=old.moment, questionnaire=old.questionnaire, version=version, active=old.active,
            created_by=by,
            questions=[
                SurveyQuestion(position=q.position, key=q.key, kind=q.kind, text_sv=q.text_sv, text_en=q.text_en,
                               text_easy_sv=q.text_easy_sv)
                for q in sorted(old.questions, key=lambda q: q.position)
            ],
        )
        session.add(copy)
        old.active = False
        if old is survey:
            copy_of_survey = copy
    session.flush()
    return copy_of_survey


@dataclass
class QuestionnaireVersion:
    questionnaire: str
    version: int
    sets: list[Survey]
    sent: int  # links sent for the version's sets

    @property
    def active(self) -> bool:
        return any(s.active for s in self.sets)


def questionnaire_history(session: Session) -> dict[str, list[QuestionnaireVersion]]:
    """Per questionnaire (the standard ones first, in their order) its versions, newest first."""
    sent: dict[int, int] = {
        survey_id: n for survey_id, n in session.execute(
            sa.select(SurveyInvitation.survey_id, sa.func.count()).group_by(SurveyInvitation.survey_id)
        )
    }
    history: dict[str, dict[int, QuestionnaireVersion]] = {code: {} for code in QUESTIONNAIRES}
    for survey in session.scalars(sa.select(Survey).order_by(Survey.moment, Survey.id)):
        versions = history.setdefault(survey.questionnaire, {})
        entry = versions.setdefault(survey.version, QuestionnaireVersion(survey.questionnaire, survey.version, [], 0))
        entry.sets.append(survey)
        entry.sent += sent.get(survey.id, 0)
    return {code: sorted(v.values(), key=lambda e: -e.version) for code, v in history.items()}


def editable_set(session: Session, survey: Survey, *, by: Optional[User] = None) -> Survey:
    """The set to change: `survey` itself while its version is unsent, else a new version of it."""
    return new_version(session, survey, by=by) if version_sent(session, survey) else survey


@dataclass
class QuestionData:
    key: str
    kind: QuestionKind
    text_sv: str
    text_en: str
    text_easy_sv: str = ""


def save_question(
    session: Session, survey: Survey, data: QuestionData, question: Optional[SurveyQuestion] = None,
    *, by: Optional[User] = None,
) -> SurveyQuestion:
    """Add a question at the end of the set, or change one. Questions pair before/after by key.

    A set whose version has been sent is never changed: a change of wording, kind or key, or a
    new question, goes into a new version of the questionnaire (`editable_set`), and the
    returned question belongs to it. Saving a question unchanged changes nothing."""
    key = (data.key or "").strip().lower()
    if not KEY_PATTERN.match(key):
        raise DomainError(
            "Nyckeln ska vara ett kort ord med små bokstäver a–z, siffror eller _, t.ex. confidence.", field="key"
        )
    if any(q.key == key and q is not question for q in survey.questions):
        raise DomainError("Frågeuppsättningen har redan en fråga med den nyckeln.", field="key")
    if not (data.text_sv or "").strip():
        raise DomainError("Skriv frågan på svenska.", field="text_sv")
    if not (data.text_en or "").strip():
        raise DomainError("Skriv frågan på engelska.", field="text_en")
    kind = QuestionKind(data.kind)
    texts = (data.text_sv.strip(), data.text_en.strip(), (data.text_easy_sv or "").strip())
    if question is not None and (question.key, question.kind, question.text_sv, question.text_en,
                                 question.text_easy_sv) == (key, kind, *texts):
        return question
    if question is not None and question.kind != kind and _has_answers(session, question):
        raise Conflict("Frågan har svar och kan inte byta svarstyp. Lägg till en ny fråga i stället.", field="kind")
    editable = editable_set(session, survey, by=by)
    if editable is not survey and question is not None:
        question = next(q for q in editable.questions if q.position == question.position)
    survey = editable
    if question is None:
        question = SurveyQuestion(position=max((q.position for q in survey.questions), default=0) + 1)
        survey.questions.append(question)
    question.key, question.kind = key, kind
    question.text_sv, question.text_en = data.text_sv.strip(), data.text_en.strip()
    question.text_easy_sv = (data.text_easy_sv or "").strip()
    session.flush()
    return question


def delete_question(session: Session, question: SurveyQuestion) -> None:
    if _has_answers(session, question):
        raise Conflict(
            "Frågan har svar och kan inte tas bort. Gör en ny frågeuppsättning om frågan inte ska ställas längre."
        )
    survey = question.survey
    survey.questions.remove(question)
    session.flush()
    for position, remaining in enumerate(sorted(survey.questions, key=lambda q: q.position), start=1):
        remaining.position = -position  # two steps, so the unique (survey, position) never clashes
    session.flush()
    for remaining in survey.questions:
        remaining.position = -remaining.position
    session.flush()


def move_question(session: Session, question: SurveyQuestion, step: int) -> None:
    """Swap the question with its neighbour above (step −1) or below (step +1)."""
    ordered = sorted(question.survey.questions, key=lambda q: q.position)
    index = ordered.index(question)
    other_index = index + step
    if not 0 <= other_index < len(ordered):
        return
    other = ordered[other_index]
    a, b = question.position, other.position
    question.position = -1
    session.flush()
    other.position, question.position = a, b
    session.flush()


def _has_answers(session: Session, question: SurveyQuestion) -> bool:
    if question.id is None:
        return False
    return session.scalar(sa.select(sa.exists().where(SurveyAnswer.question_id == question.id))) or False


def _has_invitations(session: Session, survey: Survey) -> bool:
    return session.scalar(sa.select(sa.exists().where(SurveyInvitation.survey_id == survey.id))) or False


# --- invitations --------------------------------------------------------------------------------
def invite(
    session: Session,
    survey: Survey,
    *,
    email: str,
    candidate: Optional[Candidate] = None,
    company: Optional[Company] = None,
    visit: Optional[Visit] = None,
    activity: Optional[Activity] = None,
    now: Optional[dt.datetime] = None,
) -> SurveyInvitation:
    """One invitation to answer `survey`, for a participant or a company (never both), about a
    visit or a group activity."""
    now = now or clock.now()
    if is_participant_moment(survey.moment) != (candidate is not None) or (candidate is None) == (company is None):
        raise DomainError("En deltagarenkät går till en deltagare och en företagsenkät till ett företag.")
    email = (email or "").strip()
    if "@" not in email:
        if candidate is not None:
            raise DomainError("Deltagaren har ingen e-postadress, så enkäten kan inte skickas.", field="email")
        raise DomainError("Handledaren har ingen e-postadress, så enkäten kan inte skickas.", field="email")
    if not survey.active:
        raise Conflict("Frågeuppsättningen används inte längre. Skicka den aktiva i stället.")
    if candidate is not None and not session.scalar(
        sa.select(sa.exists().where(Candidate.id == candidate.id, may_ask_participant()))
    ):
        raise Conflict("Deltagaren har inget samtycke i kraft och ska inte få enkäter.", code="consent")
    invitation = SurveyInvitation(
        survey=survey, candidate=candidate, company=company, visit_id=visit.id if visit else None,
        activity_id=activity.id if activity else None, email=email,
        sent_at=now, expires_at=now + dt.timedelta(days=LINK_DAYS),
    )
    session.add(invitation)
    session.flush()
    return invitation


def check_open(invitation: SurveyInvitation, now: Optional[dt.datetime] = None) -> None:
    """Refuse answers to a finished or expired invitation (Conflict)."""
    if invitation.completed_at is not None:
        raise Conflict("Enkäten är redan besvarad. Tack!", code="used")
    if (now or clock.now()) >= invitation.expires_at:
        raise Conflict("Länken till enkäten har slutat gälla.", code="expired")


def answer_field(question: SurveyQuestion) -> str:
    """The form field that holds the answer to a question (errors name it)."""
    return f"q{question.id}"


def save_answers(
    session: Session,
    invitation: SurveyInvitation,
    answers: Mapping[int, Optional[str]],
    *,
    now: Optional[dt.datetime] = None,
) -> None:
    """Save the answers of one page (question id → what was given; blank clears an answer).

    A Likert answer must be a whole number from 1 to 5. Nothing is saved if one is wrong.
    """
    now = now or clock.now()
    check_open(invitation, now)
    questions = {q.id: q for q in invitation.survey.questions}
    parsed: dict[int, tuple[Optional[int], str]] = {}
    for question_id, raw in answers.items():
        question = questions.get(question_id)
        if question is None:
            raise DomainError("Frågan hör inte till den här enkäten.")
        value = (raw or "").strip()
        if question.kind == QuestionKind.LIKERT:
            if value and (not value.isdigit() or not 1 <= int(value) <= 5):
                raise DomainError("Välj ett svar från 1 till 5.", field=answer_field(question))
            parsed[question_id] = (int(value) if value else None, "")
        else:
            if len(value) > 4000:
                raise DomainError("Svaret får vara högst 4 000 tecken.", field=answer_field(question))
            parsed[question_id] = (None, value)
    existing = {a.question_id: a for a in invitation.answers}
    for question_id, (likert, text) in parsed.items():
        row = existing.get(question_id)
        if likert is None and not text:
            if row is not None:
                invitation.answers.remove(row)
            continue
        if row is None:
            invitation.answers.append(
                SurveyAnswer(question_id=question_id, likert=likert, text=text, answered_at=now)
            )
        elif (row.likert, row.text) != (likert, text):
            row.likert, row.text, row.answered_at = likert, text, now
    session.flush()


def complete(session: Session, invitation: SurveyInvitation, *, now: Optional[dt.datetime] = None) -> None:
    now = now or clock.now()
    check_open(invitation, now)
    invitation.completed_at = now
    session.flush()


def pages(survey: Survey) -> list[list[SurveyQuestion]]:
    questions = sorted(survey.questions, key=lambda q: q.position)
    return [questions[i : i + PAGE_SIZE] for i in range(0, len(questions), PAGE_SIZE)] or [[]]


# --- what is due --------------------------------------------------------------------------------
@dataclass(frozen=True)
class DueInvitation:
    moment: SurveyMoment
    visit: Visit

    @property
    def for_participant(self) -> bool:
        return is_participant_moment(self.moment)


def _due_rules(session: Session, now: dt.datetime) -> dict[SurveyMoment, sa.CTE]:
    """Per moment with an active questionnaire: the visits at the moment's time without an
    invitation yet (`id`, `candidate_id`, `company_id`), as a materialised CTE. `due_invitations`
    and `count_due_invitations` check the participant's consent (`_may_ask`) for those few only:
    written as one query, PostgreSQL hashed every consent before it found that no visit was left
    to check (the start page's count took 17 ms at a region's size; this way 10 ms)."""
    status = Visit.status  # kept equal to the latest event's status (see models/operations/reports.py)
    confirmed_ahead = sa.and_(status == VisitStatus.CONFIRMED, Visit.start_at > now)
    completed_recently = sa.and_(
        status == VisitStatus.COMPLETED,
        Visit.end_at <= now,
        Visit.end_at > now - dt.timedelta(days=AFTER_WINDOW_DAYS),
    )
    # Invitations to the workplace visit's questionnaires, any version (a group activity's do not
    # count here). Named by their sets' ids: PostgreSQL then estimates from the invitations' own
    # statistics, and answers the start page's count in half the time it took through a join.
    sets = _workplace_sets(session)

    def not_invited(moment: SurveyMoment, at_time: sa.ColumnElement[bool], *conditions: Any) -> sa.Select[Any]:
        ids = [i for i, set_moment, _active in sets if set_moment == moment]
        invited = sa.select(SurveyInvitation.id).where(SurveyInvitation.survey_id.in_(ids), *conditions)
        if is_participant_moment(moment):  # the company is not asked: no offer to join
            found = sa.select(Visit.id, Visit.candidate_id, sa.null().label("company_id"))
        else:
            found = sa.select(Visit.id, Visit.candidate_id, Offer.company_id).join(Offer, Offer.id == Visit.offer_id)
        return found.where(at_time, ~invited.exists())

    this_quarter = local_midnight(quarter_start(now.astimezone(STOCKHOLM).date()))
    rules = {
        SurveyMoment.PARTICIPANT_BEFORE: not_invited(
            SurveyMoment.PARTICIPANT_BEFORE, confirmed_ahead, SurveyInvitation.candidate_id == Visit.candidate_id),
        SurveyMoment.PARTICIPANT_AFTER: not_invited(
            SurveyMoment.PARTICIPANT_AFTER, completed_recently, SurveyInvitation.visit_id == Visit.id),
        SurveyMoment.COMPANY_BEFORE: not_invited(
            SurveyMoment.COMPANY_BEFORE, confirmed_ahead, SurveyInvitation.company_id == Offer.company_id),
        SurveyMoment.COMPANY_AFTER: not_invited(
            SurveyMoment.COMPANY_AFTER, completed_recently, SurveyInvitation.company_id == Offer.company_id,
            SurveyInvitation.sent_at >= this_quarter),
    }
    in_use = {moment for _id, moment, active in sets if active}
    return {moment: rule.cte(f"due_{moment.value}").prefix_with("MATERIALIZED")
            for moment, rule in rules.items() if moment in in_use}


def _may_ask(moment: SurveyMoment, query: sa.Select[Any], candidate_id: Any) -> sa.Select[Any]:
    """`query` kept to the participants who may be asked, for a participant's moment."""
    if not is_participant_moment(moment):
        return query
    return query.join(Candidate, Candidate.id == candidate_id).where(may_ask_participant())


def _workplace_sets(session: Session) -> list[tuple[int, SurveyMoment, bool]]:
    """Every set of the workplace visit's questionnaires, each under the moment it is for, and
    whether it is the one in use (`active_survey`), in one statement."""
    rows = session.execute(sa.select(Survey.id, Survey.moment, Survey.questionnaire, Survey.active).where(
        Survey.questionnaire.in_((WORKPLACE_PARTICIPANT, WORKPLACE_COMPANY))))
    return [(int(i), SurveyMoment(moment), bool(active)) for i, moment, questionnaire, active in rows
            if questionnaire == workplace_code(moment)]


def due_invitations(session: Session, *, now: Optional[dt.datetime] = None) -> list[DueInvitation]:
    """Invitations the rules in the module docstring call for and that have not been sent."""
    due: list[DueInvitation] = []
    for moment, found in _due_rules(session, now or clock.now()).items():
        seen: set[int] = set()  # one per participant (before) or company (before/after) per run
        # The offer is in the query's join: load it from there, not one query per visit.
        query = sa.select(Visit).join(found, found.c.id == Visit.id).join(Offer, Offer.id == Visit.offer_id)
        query = _may_ask(moment, query, Visit.candidate_id)
        for visit in session.scalars(query.options(contains_eager(Visit.offer)).order_by(Visit.start_at, Visit.id)):
            who = visit.candidate_id if is_participant_moment(moment) else visit.offer.company_id
            if moment != SurveyMoment.PARTICIPANT_AFTER and who in seen:
                continue
            seen.add(who)
            due.append(DueInvitation(moment, visit))
    return due


def count_due_invitations(session: Session, *, now: Optional[dt.datetime] = None) -> int:
    """len(due_invitations(...)) + len(due_activity_invitations(...)), counted in the database in
    one statement (the start page's panel and the send page): one per visit after it for
    participants, otherwise one per participant or company; the group activities' likewise."""
    now = now or clock.now()
    counts = _activity_counts(now)
    for moment, found in _due_rules(session, now).items():
        if moment == SurveyMoment.PARTICIPANT_AFTER:
            counted = sa.func.count(found.c.id)
        else:
            who = found.c.candidate_id if is_participant_moment(moment) else found.c.company_id
            counted = sa.func.count(sa.distinct(who))
        counts.append(_may_ask(moment, sa.select(counted).select_from(found), found.c.candidate_id).scalar_subquery())
    # The moments' counts in one statement (one round trip for the start page).
    return int(session.scalar(sa.select(sum(counts[1:], counts[0]))) or 0) if counts else 0


def reminders_due(session: Session, *, now: Optional[dt.datetime] = None) -> list[SurveyInvitation]:
    """Unanswered invitations sent a week or more ago, not yet reminded, still open for a day;
    never to a participant who may no longer be asked (consent withdrawn, anonymised), and
    never for a "before" questionnaire whose visit or activity has started: its answer would be
    late, and a late answer is never a baseline."""
    now = now or clock.now()
    participant_may_be_asked = sa.or_(
        SurveyInvitation.candidate_id.is_(None),
        sa.exists().where(Candidate.id == SurveyInvitation.candidate_id, may_ask_participant()),
    )
    started = sa.func.coalesce(activity_start(), Activity.starts_at) <= now
    return list(
        session.scalars(
            sa.select(SurveyInvitation)
            .join(Survey, Survey.id == SurveyInvitation.survey_id)
            .outerjoin(Visit, Visit.id == SurveyInvitation.visit_id)
            .outerjoin(Activity, Activity.id == SurveyInvitation.activity_id)
            .where(
                SurveyInvitation.completed_at.is_(None),
                SurveyInvitation.reminded_at.is_(None),
                SurveyInvitation.sent_at <= now - dt.timedelta(days=REMIND_AFTER_DAYS),
                SurveyInvitation.expires_at > now + dt.timedelta(days=1),
                participant_may_be_asked,
                sa.not_(sa.and_(Survey.moment.in_(BEFORE_MOMENTS), sa.func.coalesce(started, False))),
            )
            .order_by(SurveyInvitation.id)
        )
    )


def respondent_email(moment: SurveyMoment, visit: Visit) -> str:
    """Where a visit's questionnaire goes: the participant, or the visit's supervisor."""
    if is_participant_moment(moment):
        return (visit.candidate.email or "").strip()
    return (visit.supervisor_email or visit.offer.supervisor_email or "").strip()


def invite_for_visit(
    session: Session, moment: SurveyMoment, visit: Visit, *, now: Optional[dt.datetime] = None
) -> SurveyInvitation:
    """Invite the visit's participant or company to the active set of `moment`."""
    survey = active_survey(session, moment)
    if survey is None:
        raise DomainError("Det finns ingen aktiv frågeuppsättning för det tillfället.", field="moment")
    participant = is_participant_moment(moment)
    return invite(
        session, survey, email=respondent_email(moment, visit), visit=visit, now=now,
        candidate=visit.candidate if participant else None,
        company=None if participant else visit.offer.company,
    )


def activity_start(visit: Any = Visit) -> sa.ColumnElement[Any]:
    """SQL: when a visit starts for the questionnaires: its actual start once recorded, else the
    booked start. A "before" answer given at or after it is late: kept and shown as such, never
    a baseline (models/operations/reports.py)."""
    return sa.func.coalesce(visit.actual_start, visit.start_at)


def late_invitations() -> sa.Select[Any]:
    """SQL: the ids of "before" invitations with an answer given once their visit had started."""
    return (
        sa.select(SurveyInvitation.id)
        .join(Survey, Survey.id == SurveyInvitation.survey_id)
        .join(Visit, Visit.id == SurveyInvitation.visit_id)
        .where(
            Survey.moment.in_((SurveyMoment.PARTICIPANT_BEFORE, SurveyMoment.COMPANY_BEFORE)),
            sa.exists().where(
                SurveyAnswer.invitation_id == SurveyInvitation.id, SurveyAnswer.answered_at >= activity_start()
            ),
        )
    )


def invitation_counts(session: Session, survey_ids: Sequence[int]) -> dict[int, tuple[int, int, int]]:
    """Per question set: (invitations sent, invitations completed, "before" answered too late)."""
    if not survey_ids:
        return {}
    late = late_invitations().subquery("late")
    rows = session.execute(
        sa.select(
            SurveyInvitation.survey_id,
            sa.func.count(),
            sa.func.count(SurveyInvitation.completed_at),
            sa.func.count(late.c.id),
        )
        .outerjoin(late, late.c.id == SurveyInvitation.id)
        .where(SurveyInvitation.survey_id.in_(list(survey_ids)))
        .group_by(SurveyInvitation.survey_id)
    )
    return {survey_id: (sent, done, n_late) for survey_id, sent, done, n_late in rows}


# --- group activities -----------------------------------------------------------------------------
@dataclass(frozen=True)
class DueActivityInvitation:
    """A participant to ask about a group activity: "before" once per participant and kind of
    activity, while registered for one that has not started; "after" once per activity attended,
    within 30 days of its end."""

    moment: SurveyMoment
    activity: Activity
    candidate: Candidate


def _due_activity_rules(now: dt.datetime) -> list[tuple[SurveyMoment, sa.Select[Any]]]:
    """Per moment: the participations (joined to their activity and candidate) whose group-activity
    questionnaire is due, earliest first, for the kinds of activity with a question set in use.
    "Before" once per participant and kind of activity while registered for one that has not
    started; "after" once per activity attended, within 30 days of its end. One statement per
    moment over every kind (the kind's questionnaire by a CASE), so the start page's count plans
    two subqueries, not eight."""
    questionnaire = sa.case(ACTIVITY_PARTICIPANT, value=Activity.type)
    rules = []
    for moment in PARTICIPANT_MOMENTS:
        in_use = sa.exists().where(Survey.questionnaire == questionnaire, Survey.moment == moment, Survey.active)
        asked = (
            sa.select(SurveyInvitation.id)
            .join(Survey, Survey.id == SurveyInvitation.survey_id)
            .where(Survey.questionnaire == questionnaire, Survey.moment == moment,
                   SurveyInvitation.candidate_id == ActivityParticipant.candidate_id)
        )
        query = (
            sa.select(ActivityParticipant)
            .join(Activity, Activity.id == ActivityParticipant.activity_id)
            .join(Candidate, Candidate.id == ActivityParticipant.candidate_id)
            .where(Activity.type.in_(ACTIVITY_PARTICIPANT), may_ask_participant(), in_use)
            .order_by(Activity.starts_at, ActivityParticipant.id)
        )
        if moment == SurveyMoment.PARTICIPANT_BEFORE:
            query = query.where(
                Activity.starts_at > now, ActivityParticipant.status != AttendanceStatus.ABSENT, ~asked.exists()
            )
        else:
            query = query.where(
                ActivityParticipant.status == AttendanceStatus.ATTENDED,
                Activity.ends_at <= now,
                Activity.ends_at > now - dt.timedelta(days=AFTER_WINDOW_DAYS),
                ~asked.where(SurveyInvitation.activity_id == Activity.id).exists(),
            )
        rules.append((moment, query))
    return rules


def due_activity_invitations(session: Session, *, now: Optional[dt.datetime] = None) -> list[DueActivityInvitation]:
    due: list[DueActivityInvitation] = []
    for moment, query in _due_activity_rules(now or clock.now()):
        seen: set[tuple[ActivityType, int]] = set()  # "before": once per participant and kind
        for taking_part in session.scalars(query):
            key = (taking_part.activity.type, taking_part.candidate_id)
            if moment == SurveyMoment.PARTICIPANT_BEFORE and key in seen:
                continue
            seen.add(key)
            due.append(DueActivityInvitation(moment, taking_part.activity, taking_part.candidate))
    return due


def _activity_counts(now: dt.datetime) -> list[sa.ScalarSelect[Any]]:
    """len(due_activity_invitations(...)) as scalar subqueries, one per moment."""
    counts = []
    for moment, query in _due_activity_rules(now):
        rows = query.order_by(None).with_only_columns(Activity.type, ActivityParticipant.candidate_id)
        if moment == SurveyMoment.PARTICIPANT_BEFORE:  # once per participant and kind
            rows = rows.distinct()
        counts.append(sa.select(sa.func.count()).select_from(rows.subquery()).scalar_subquery())
    return counts


def invite_for_activity(
    session: Session, moment: SurveyMoment, activity: Activity, candidate: Candidate,
    *, now: Optional[dt.datetime] = None,
) -> SurveyInvitation:
    """Invite a participant of a group activity to its questionnaire of `moment`."""
    survey = active_survey(session, moment, ACTIVITY_PARTICIPANT[activity.type])
    if survey is None:
        raise DomainError("Det finns ingen aktiv frågeuppsättning för den aktiviteten.", field="moment")
    return invite(session, survey, email=candidate.email or "", candidate=candidate, activity=activity, now=now)


# --- the employees at a hosting workplace -----------------------------------------------------
def employee_survey(session: Session) -> Optional[Survey]:
    return active_survey(session, SurveyMoment.EMPLOYEE, WORKPLACE_EMPLOYEE)


def check_employee_link(visit: Visit, now: Optional[dt.datetime] = None) -> None:
    """The colleagues' link works from the visit's start until LINK_DAYS after its end."""
    now = now or clock.now()
    if now < visit.start_at:
        raise Conflict("Enkäten till medarbetarna öppnar när besöket börjar.", code="not_yet")
    if visit.status != VisitStatus.COMPLETED and now >= visit.end_at:
        raise Conflict("Besöket blev inte av, så det finns ingen enkät att svara på.", code="expired")
    if now >= visit.end_at + dt.timedelta(days=LINK_DAYS):
        raise Conflict("Länken till enkäten har slutat gälla.", code="expired")


def save_employee_answers(
    session: Session, visit: Visit, answers: Mapping[int, Optional[str]], *, now: Optional[dt.datetime] = None
) -> SurveyInvitation:
    """One colleague's anonymous answers about a visit to their workplace: a row of its own,
    counted for the company, with no name, address or anything else about who answered."""
    now = now or clock.now()
    check_employee_link(visit, now)
    survey = employee_survey(session)
    if survey is None:
        raise Conflict("Det finns ingen enkät till medarbetarna just nu.")
    if not any((value or "").strip() for value in answers.values()):
        raise DomainError("Svara på minst en fråga innan du skickar in.")
    response = SurveyInvitation(
        survey=survey, company_id=visit.offer.company_id, visit_id=visit.id, email="", sent_at=now,
        expires_at=now + dt.timedelta(minutes=1),  # open for this one saving only
    )
    session.add(response)
    session.flush()
    save_answers(session, response, answers, now=now)
    response.completed_at = now
    session.flush()
    return response
