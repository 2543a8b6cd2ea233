"""The quarterly report the steering group decides from, computed in the database.

Counting rule (DOMAIN.md): a person counts once, in the quarter of their first completed
workplace visit that lasted between 4 and 8 hours inclusive (actual_end − actual_start) and
whose date (`visit_date`, the local date) lies in the programme period. Visits and persons are
reported separately.

How the figures are read:
- A visit's status is `Visit.status`. Every move of a visit (models/operations/visits.py)
  writes its new status and a VisitEvent in the same flush, so the column always equals the
  latest event's `to_status`, and a corrected status ("Rättelse: ...") moves the visit in the
  report both ways. Reading the column rather than finding every visit's latest event keeps
  the report from scanning the whole history (350,000 events at a region's size) each time.
  Visits are placed in quarters by `visit_date`.
- Group activities are placed by their start in Stockholm time; an activity counts as held
  once it has started (on or before `today`); attendance counts participants marked attended
  (and absent separately). Activity goals count attendances.
- Questionnaires pair, per respondent (participant or company) and question key, the earliest
  Likert answer of a "before" set with the latest Likert answer of an "after" set given after
  it; a pair belongs to the quarter of its "after" answer. Saved answers of unfinished
  questionnaires count.
- Follow-up outcomes are counted for candidates with at least one completed workplace visit in
  the period.
- Forecast of the final figure: counted so far + confirmed bookings + whatever the pace adds
  beyond them, i.e. ``persons + booked + max(0, round(pace × remaining) − booked)`` (rounded
  half up), where `pace` = persons counted in fully elapsed quarters / the number of those
  quarters (no pace, and so only the bookings, before the first quarter has ended), `remaining` = quarters left
  after today (the rest of the current one as a fraction), and `booked` = persons not yet
  counted holding a confirmed 4–8 h visit dated today or later in the period. A booked person
  is one the pace would bring anyway, so the two are not added on top of each other.
- Cost per person reached = yearly budget × elapsed years of the period / persons counted,
  elapsed years = days from the start to today (inclusive, at most the whole period) / 365.25.

Small counts: `published_*` helpers give the tables for the dashboard and the exports. Every
cell of a breakdown (target group, network, field, company size), of the follow-up outcomes
and of the paired questionnaire figures whose count is 1–4 is hidden (shown "<5", with no mean
or share for hidden pairs); when a row or column, whose total is known, would then have exactly
one hidden cell, its smallest other cell is hidden too, so that the hidden value cannot be
worked out by subtraction. These tables cover the quarters up to the current one. Zero is shown
as 0 (it describes nobody; an empty quarter reads as zeros). The top-line figures are never
hidden: per quarter and in total the new and cumulative persons, targets, visits by outcome,
group activities held and their attendance by type, the forecast and the cost per person.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Optional
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session
from sqlalchemy.sql import expression
from sqlalchemy.sql.compiler import SQLCompiler

from ..candidates import Candidate
from ..companies import Company, Offer
from ..enums import (
    ActivityType,
    AttendanceStatus,
    Field,
    FollowUpResult,
    GoalKind,
    Network,
    QuestionKind,
    SizeClass,
    SurveyMoment,
    TargetGroup,
    VisitStatus,
)
from ..followup import FollowUp, Survey, SurveyAnswer, SurveyInvitation, SurveyQuestion
from ..programme import Programme
from ..visits import Activity, ActivityParticipant, Visit, VisitEvent
from .programme import Quarter, local_today, milestone_plan, programme_quarters

STOCKHOLM = ZoneInfo("Europe/Stockholm")
MIN_SECONDS = 4 * 3600
MAX_SECONDS = 8 * 3600
SMALL_COUNT = 5  # cells with 1..SMALL_COUNT-1 are hidden
SUPPRESSED = "<5"

DIMENSIONS: dict[str, tuple[str, ...]] = {
    "target_group": tuple(m.value for m in TargetGroup),
    "network": tuple(m.value for m in Network),
    "field": tuple(m.value for m in Field),
    "size_class": tuple(m.value for m in SizeClass),
}
PARTICIPANT = "participant"
COMPANY = "company"
SURVEY_GROUPS = (PARTICIPANT, COMPANY)
_BEFORE = (SurveyMoment.PARTICIPANT_BEFORE, SurveyMoment.COMPANY_BEFORE)
_AFTER = (SurveyMoment.PARTICIPANT_AFTER, SurveyMoment.COMPANY_AFTER)
_PARTICIPANT_MOMENTS = (SurveyMoment.PARTICIPANT_BEFORE, SurveyMoment.PARTICIPANT_AFTER)
ACTIVITY_GOAL = {
    ActivityType.STADIUM_VISIT: GoalKind.STADIUM_VISIT,
    ActivityType.MATCH_HOST_SHADOWING: GoalKind.MATCH_HOST_SHADOWING,
    ActivityType.ASSOCIATION_ACTIVITY: GoalKind.ASSOCIATION_ACTIVITY,
    ActivityType.WELLNESS: GoalKind.WELLNESS,
}


# --- SQL building blocks --------------------------------------------------------------------
class seconds_between(expression.FunctionElement[float]):  # noqa: N801 (an SQL function)
    """SQL: whole seconds from the first timestamp to the second, on SQLite and PostgreSQL."""

    type = sa.Float()
    name = "seconds_between"
    inherit_cache = True


@compiles(seconds_between, "postgresql")
def _seconds_between_pg(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    start, end = list(element.clauses)
    return f"ROUND(EXTRACT(EPOCH FROM ({compiler.process(end, **kw)} - {compiler.process(start, **kw)})))"


@compiles(seconds_between, "sqlite")
def _seconds_between_sqlite(element: seconds_between, compiler: SQLCompiler, **kw: Any) -> str:
    # julianday() is a float of days: round to whole seconds so that 4 h is exactly 14400.
    start, end = list(element.clauses)
    return f"ROUND((julianday({compiler.process(end, **kw)}) - julianday({compiler.process(start, **kw)})) * 86400)"


def duration_seconds(start: Any, end: Any) -> seconds_between:
    return seconds_between(start, end)


def effective_status_subquery() -> sa.Subquery:
    """SQL (visit_id, status): each visit's status as its latest VisitEvent says."""
    latest = (
        sa.select(VisitEvent.visit_id, sa.func.max(VisitEvent.id).label("event_id"))
        .group_by(VisitEvent.visit_id)
        .subquery("latest_event")
    )
    return (
        sa.select(latest.c.visit_id, VisitEvent.to_status.label("status"))
        .join(VisitEvent, VisitEvent.id == latest.c.event_id)
        .subquery("effective_status")
    )


def effective_status(visit: Visit) -> VisitStatus:
    """One visit's status as its history says (the latest event), as the report reads it."""
    # `events` is ordered by id, and an event added in this session is appended last.
    return visit.events[-1].to_status if visit.events else visit.status


def local_midnight(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0), tzinfo=STOCKHOLM).astimezone(dt.UTC)


def _quarter_of_date(column: Any, quarters: Sequence[Quarter]) -> sa.Case[Any]:
    return sa.case(*[(column <= q.end, q.index) for q in quarters], else_=sa.null())


def _quarter_of_instant(column: Any, quarters: Sequence[Quarter]) -> sa.Case[Any]:
    return sa.case(
        *[(column < local_midnight(q.end + dt.timedelta(days=1)), q.index) for q in quarters], else_=sa.null()
    )


def _in_period_instant(column: Any, programme: Programme) -> sa.ColumnElement[bool]:
    return sa.and_(
        column >= local_midnight(programme.starts_on),
        column < local_midnight(programme.ends_on + dt.timedelta(days=1)),
    )


def _visit_facts(programme: Programme, quarters: Sequence[Quarter]) -> sa.Subquery:
    """One row per visit dated in the period: quarter, status, whether it counts."""
    status = Visit.status
    actual = duration_seconds(Visit.actual_start, Visit.actual_end)
    planned = duration_seconds(Visit.start_at, Visit.end_at)
    return (
        sa.select(
            Visit.id.label("visit_id"),
            Visit.candidate_id,
            Visit.offer_id,
            Visit.visit_date,
            Visit.actual_start,
            status.label("status"),
            _quarter_of_date(Visit.visit_date, quarters).label("q"),
            sa.case(
                (sa.and_(status == VisitStatus.COMPLETED, actual >= MIN_SECONDS, actual <= MAX_SECONDS), 1),
                else_=0,
            ).label("counts"),
            sa.case((sa.and_(planned >= MIN_SECONDS, planned <= MAX_SECONDS), 1), else_=0).label("planned_ok"),
        )
        .select_from(Visit)
        .where(Visit.visit_date >= programme.starts_on, Visit.visit_date <= programme.ends_on)
        .subquery("visit_facts")
    )


def _first_visits(facts: sa.Subquery) -> sa.Subquery:
    """Each person's first counting visit in the period (the one that makes them count)."""
    ranked = (
        sa.select(
            facts.c.visit_id,
            facts.c.candidate_id,
            facts.c.offer_id,
            facts.c.q,
            sa.func.row_number()
            .over(
                partition_by=facts.c.candidate_id,
                order_by=(facts.c.visit_date, facts.c.actual_start, facts.c.visit_id),
            )
            .label("rn"),
        )
        .where(facts.c.counts > 0)
        .subquery("ranked_visits")
    )
    # `> 0` and `<= 1` say the same as `== 1` here, but PostgreSQL estimates an equality on a
    # computed column at 0.5 % of the rows and then joins 17,000 first visits by nested loops.
    return (
        sa.select(ranked.c.visit_id, ranked.c.candidate_id, ranked.c.offer_id, ranked.c.q)
        .where(ranked.c.rn <= 1)
        .subquery("first_visits")
    )


# --- the report -----------------------------------------------------------------------------
@dataclass
class ActivityFigures:
    held: int = 0
    attended: int = 0
    absent: int = 0


@dataclass
class PairFigures:
    """Paired before/after answers to one question: n pairs, sum of changes, n improved."""

    pairs: int = 0
    change_sum: int = 0
    improved: int = 0

    @property
    def mean_change(self) -> Optional[float]:
        return self.change_sum / self.pairs if self.pairs else None

    @property
    def share_improved(self) -> Optional[float]:
        return self.improved / self.pairs if self.pairs else None

    def add(self, other: PairFigures) -> None:
        self.pairs += other.pairs
        self.change_sum += other.change_sum
        self.improved += other.improved


def _empty_breakdowns() -> dict[str, dict[str, int]]:
    return {dim: dict.fromkeys(cats, 0) for dim, cats in DIMENSIONS.items()}


def _empty_activities() -> dict[ActivityType, ActivityFigures]:
    return {t: ActivityFigures() for t in ActivityType}


@dataclass
class QuarterRow:
    quarter: str  # "YYYY-Qn"
    start: dt.date
    end: dt.date
    is_current: bool = False
    is_future: bool = False
    new_persons: int = 0
    cumulative_persons: int = 0
    target_to_date: int = 0
    visits_completed: int = 0  # any duration
    visits_counting: int = 0  # completed, 4–8 h
    no_shows: int = 0
    cancellations: int = 0
    declined: int = 0
    activities: dict[ActivityType, ActivityFigures] = field(default_factory=_empty_activities)
    activity_targets_to_date: dict[ActivityType, int] = field(default_factory=dict)
    new_persons_by: dict[str, dict[str, int]] = field(default_factory=_empty_breakdowns)
    survey_pairs: dict[tuple[str, str], PairFigures] = field(default_factory=dict)

    @property
    def status(self) -> str:
        return "current" if self.is_current else "future" if self.is_future else "past"


@dataclass
class Totals:
    persons: int = 0
    target: int = 0
    target_to_date: int = 0
    visits_completed: int = 0
    visits_counting: int = 0
    no_shows: int = 0
    cancellations: int = 0
    declined: int = 0
    activities: dict[ActivityType, ActivityFigures] = field(default_factory=_empty_activities)
    activity_targets: dict[ActivityType, int] = field(default_factory=dict)
    new_persons_by: dict[str, dict[str, int]] = field(default_factory=_empty_breakdowns)
    survey_pairs: dict[tuple[str, str], PairFigures] = field(default_factory=dict)


@dataclass
class Forecast:
    value: int
    pace: Optional[float]  # persons per quarter over fully elapsed quarters
    full_quarters: int
    remaining_quarters: float
    booked: int
    projected: int  # round(pace × remaining)


@dataclass
class QuarterlyReport:
    programme_id: int
    programme_name: str
    starts_on: dt.date
    ends_on: dt.date
    today: dt.date
    yearly_budget_sek: int
    quarters: list[QuarterRow]
    totals: Totals
    forecast: Forecast
    cost_per_person_sek: Optional[int]
    budget_to_date_sek: int
    follow_ups: dict[int, dict[str, int]]  # months → result → persons
    survey_questions: dict[tuple[str, str], str]  # (group, key) → Swedish question text

    @property
    def current(self) -> Optional[QuarterRow]:
        return next((q for q in self.quarters if q.is_current), None)

    @property
    def elapsed(self) -> list[QuarterRow]:
        """Quarters up to and including the current one (the ones that can hold figures)."""
        return [q for q in self.quarters if not q.is_future]

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable report with the same small-count suppression as the exports."""
        return _to_dict(self)


def quarterly_report(session: Session, programme: Programme, *, today: Optional[dt.date] = None) -> QuarterlyReport:
    """The report for every quarter of the programme (future quarters are included, with zeros
    and their targets, so the target line covers the whole period)."""
    today = today or local_today()
    quarters = programme_quarters(programme.starts_on, programme.ends_on)
    rows = [
        QuarterRow(q.label, q.start, q.end, is_current=q.start <= today <= q.end, is_future=q.start > today)
        for q in quarters
    ]
    main_goal = programme.goal(GoalKind.PERSONS_WORKPLACE_VISIT)
    if main_goal is not None:
        for row, plan in zip(rows, milestone_plan(programme, main_goal), strict=True):
            row.target_to_date = plan.target_to_date
    for activity_type, kind in ACTIVITY_GOAL.items():
        goal = programme.goal(kind)
        if goal is not None:
            for row, plan in zip(rows, milestone_plan(programme, goal), strict=True):
                row.activity_targets_to_date[activity_type] = plan.target_to_date

    facts = _visit_facts(programme, quarters)
    first = _first_visits(facts)
    _fill_persons(session, rows, first)
    _fill_visits(session, rows, facts)
    _fill_activities(session, rows, programme, quarters, today)
    _fill_survey_pairs(session, rows, programme, quarters)

    totals = _totals(rows, programme, today)
    forecast = _forecast(session, rows, facts, programme, today, totals.persons)
    elapsed_days = max(0, (min(today, programme.ends_on) - programme.starts_on).days + 1)
    budget_to_date = _round_half_up(programme.yearly_budget_sek * elapsed_days / 365.25)
    return QuarterlyReport(
        programme_id=programme.id,
        programme_name=programme.name,
        starts_on=programme.starts_on,
        ends_on=programme.ends_on,
        today=today,
        yearly_budget_sek=programme.yearly_budget_sek,
        quarters=rows,
        totals=totals,
        forecast=forecast,
        cost_per_person_sek=_round_half_up(budget_to_date / totals.persons) if totals.persons else None,
        budget_to_date_sek=budget_to_date,
        follow_ups=_follow_ups(session, facts),
        survey_questions=_survey_questions(session),
    )


def _round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


def _fill_persons(session: Session, rows: list[QuarterRow], first: sa.Subquery) -> None:
    # New persons per quarter and the four breakdowns in one pass over the first visits: the
    # person's target group; network, field and size of the company of the first visit.
    dimensions = {
        "target_group": Candidate.target_group,
        "network": Company.network,
        "field": Offer.field,
        "size_class": Company.size_class,
    }
    stmt = (
        sa.select(first.c.q, *dimensions.values(), sa.func.count())
        .join(Candidate, Candidate.id == first.c.candidate_id)
        .join(Offer, Offer.id == first.c.offer_id)
        .join(Company, Company.id == Offer.company_id)
        .group_by(first.c.q, *dimensions.values())
    )
    for q, *categories, n in session.execute(stmt):
        row = rows[q]
        row.new_persons += n
        for dim, category in zip(dimensions, categories, strict=True):
            row.new_persons_by[dim][category.value] += n
    running = 0
    for row in rows:
        running += row.new_persons
        row.cumulative_persons = running


def _fill_visits(session: Session, rows: list[QuarterRow], facts: sa.Subquery) -> None:
    stmt = sa.select(facts.c.q, facts.c.status, sa.func.count(), sa.func.sum(facts.c.counts)).group_by(
        facts.c.q, facts.c.status
    )
    for q, status, n, counting in session.execute(stmt):
        row = rows[q]
        if status == VisitStatus.COMPLETED:
            row.visits_completed = n
            row.visits_counting = int(counting or 0)
        elif status == VisitStatus.NO_SHOW:
            row.no_shows = n
        elif status == VisitStatus.CANCELLED:
            row.cancellations = n
        elif status == VisitStatus.DECLINED:
            row.declined = n


def _fill_activities(
    session: Session, rows: list[QuarterRow], programme: Programme, quarters: Sequence[Quarter], today: dt.date
) -> None:
    attended = sa.case((ActivityParticipant.status == AttendanceStatus.ATTENDED, 1), else_=0)
    absent = sa.case((ActivityParticipant.status == AttendanceStatus.ABSENT, 1), else_=0)
    held = (
        sa.select(
            _quarter_of_instant(Activity.starts_at, quarters).label("q"),
            Activity.type.label("type"),
            Activity.id.label("activity_id"),
            attended.label("attended"),
            absent.label("absent"),
        )
        .select_from(Activity)
        .outerjoin(ActivityParticipant, ActivityParticipant.activity_id == Activity.id)
        .where(
            _in_period_instant(Activity.starts_at, programme),
            Activity.starts_at < local_midnight(today + dt.timedelta(days=1)),
        )
        .subquery("held_activities")
    )
    stmt = sa.select(
        held.c.q,
        held.c.type,
        sa.func.count(sa.distinct(held.c.activity_id)),
        sa.func.sum(held.c.attended),
        sa.func.sum(held.c.absent),
    ).group_by(held.c.q, held.c.type)
    for q, activity_type, n, n_attended, n_absent in session.execute(stmt):
        rows[q].activities[ActivityType(activity_type)] = ActivityFigures(n, int(n_attended or 0), int(n_absent or 0))


def _fill_survey_pairs(
    session: Session, rows: list[QuarterRow], programme: Programme, quarters: Sequence[Quarter]
) -> None:
    is_participant = Survey.moment.in_(_PARTICIPANT_MOMENTS)
    group = sa.case((is_participant, sa.literal(PARTICIPANT, sa.String)), else_=sa.literal(COMPANY, sa.String))
    respondent = sa.case((is_participant, SurveyInvitation.candidate_id), else_=SurveyInvitation.company_id)

    def ranked(moments: Sequence[SurveyMoment], name: str, latest: bool) -> sa.Subquery:
        order = (SurveyAnswer.answered_at.desc(), SurveyAnswer.id.desc()) if latest else (
            SurveyAnswer.answered_at, SurveyAnswer.id
        )
        return (
            sa.select(
                group.label("grp"),
                respondent.label("respondent"),
                SurveyQuestion.key.label("key"),
                SurveyAnswer.likert.label("likert"),
                SurveyAnswer.answered_at.label("answered_at"),
                sa.func.row_number()
                .over(partition_by=(group, respondent, SurveyQuestion.key), order_by=order)
                .label("rn"),
            )
            .select_from(SurveyAnswer)
            .join(SurveyInvitation, SurveyInvitation.id == SurveyAnswer.invitation_id)
            .join(Survey, Survey.id == SurveyInvitation.survey_id)
            .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
            .where(
                Survey.moment.in_(moments),
                SurveyQuestion.kind == QuestionKind.LIKERT,
                SurveyAnswer.likert.is_not(None),
            )
            .subquery(name)
        )

    before = ranked(_BEFORE, "before_answers", latest=False)
    after = ranked(_AFTER, "after_answers", latest=True)
    change = after.c.likert - before.c.likert
    pairs = (
        sa.select(
            after.c.grp,
            after.c.key,
            _quarter_of_instant(after.c.answered_at, quarters).label("q"),
            change.label("change"),
            sa.case((change > 0, 1), else_=0).label("improved"),
        )
        .join(
            before,
            sa.and_(
                before.c.grp == after.c.grp,
                before.c.respondent == after.c.respondent,
                before.c.key == after.c.key,
                before.c.rn == 1,
            ),
        )
        .where(
            after.c.rn == 1,
            after.c.answered_at > before.c.answered_at,
            _in_period_instant(after.c.answered_at, programme),
        )
        .subquery("pairs")
    )
    stmt = sa.select(
        pairs.c.grp, pairs.c.key, pairs.c.q, sa.func.count(), sa.func.sum(pairs.c.change), sa.func.sum(pairs.c.improved)
    ).group_by(pairs.c.grp, pairs.c.key, pairs.c.q)
    for grp, key, q, n, change_sum, improved in session.execute(stmt):
        rows[q].survey_pairs[(grp, key)] = PairFigures(n, int(change_sum or 0), int(improved or 0))


def _totals(rows: list[QuarterRow], programme: Programme, today: dt.date) -> Totals:
    main_goal = programme.goal(GoalKind.PERSONS_WORKPLACE_VISIT)
    totals = Totals(target=main_goal.target if main_goal else 0)
    reached = [r for r in rows if not r.is_future]
    totals.target_to_date = reached[-1].target_to_date if reached else 0
    for activity_type, kind in ACTIVITY_GOAL.items():
        goal = programme.goal(kind)
        if goal is not None:
            totals.activity_targets[activity_type] = goal.target
    for row in rows:
        totals.persons += row.new_persons
        totals.visits_completed += row.visits_completed
        totals.visits_counting += row.visits_counting
        totals.no_shows += row.no_shows
        totals.cancellations += row.cancellations
        totals.declined += row.declined
        for activity_type, figures in row.activities.items():
            total = totals.activities[activity_type]
            total.held += figures.held
            total.attended += figures.attended
            total.absent += figures.absent
        for dim, counts in row.new_persons_by.items():
            for category, n in counts.items():
                totals.new_persons_by[dim][category] += n
        for key, pair in row.survey_pairs.items():
            totals.survey_pairs.setdefault(key, PairFigures()).add(pair)
    return totals


def _forecast(
    session: Session,
    rows: list[QuarterRow],
    facts: sa.Subquery,
    programme: Programme,
    today: dt.date,
    persons: int,
) -> Forecast:
    done = [r for r in rows if r.end < today]
    pace = sum(r.new_persons for r in done) / len(done) if done else None
    remaining = float(len(rows) - len(done))
    counted = facts.element.subquery("counted_visits")
    current = next((r for r in rows if r.is_current), None)
    if current is not None:
        remaining -= ((today - current.start).days + 1) / ((current.end - current.start).days + 1)
    booked = session.scalar(
        sa.select(sa.func.count(sa.distinct(facts.c.candidate_id))).where(
            facts.c.status == VisitStatus.CONFIRMED,
            facts.c.planned_ok == 1,
            facts.c.visit_date >= today,
            # Not yet counted: no counting visit in the period (NOT EXISTS lets the database probe
            # the few booked persons' visits instead of ranking every visit as NOT IN would).
            ~sa.exists().where(counted.c.candidate_id == facts.c.candidate_id, counted.c.counts == 1),
        )
    ) or 0
    projected = _round_half_up(pace * remaining) if pace is not None else 0
    value = persons + booked + max(0, projected - booked)
    return Forecast(value, pace, len(done), round(remaining, 2), booked, projected)


def _follow_ups(session: Session, facts: sa.Subquery) -> dict[int, dict[str, int]]:
    result = {months: dict.fromkeys((r.value for r in FollowUpResult), 0) for months in (3, 6)}
    reached = sa.select(facts.c.candidate_id).where(facts.c.status == VisitStatus.COMPLETED)
    stmt = (
        sa.select(FollowUp.months, FollowUp.result, sa.func.count())
        .where(FollowUp.candidate_id.in_(reached))
        .group_by(FollowUp.months, FollowUp.result)
    )
    for months, outcome, n in session.execute(stmt):
        result[int(months)][outcome.value] = n
    return result


def _survey_questions(session: Session) -> dict[tuple[str, str], str]:
    """Question text per (group, key), from the active "after" sets (else any set), in order."""
    stmt = (
        sa.select(Survey.moment, SurveyQuestion.key, SurveyQuestion.text_sv)
        .join(SurveyQuestion, SurveyQuestion.survey_id == Survey.id)
        .where(SurveyQuestion.kind == QuestionKind.LIKERT)
        .order_by(Survey.moment.in_(_AFTER).desc(), Survey.active.desc(), Survey.id, SurveyQuestion.position)
    )
    texts: dict[tuple[str, str], str] = {}
    for moment, key, text in session.execute(stmt):
        group = PARTICIPANT if moment in _PARTICIPANT_MOMENTS else COMPANY
        texts.setdefault((group, key), text)
    return texts


# --- small-count suppression and the published tables ---------------------------------------
def hidden_cells(values: Sequence[Sequence[int]]) -> set[tuple[int, int]]:
    """Cells to hide in a table whose rows and columns are lines with published totals.

    Primary: counts 1..4. Secondary: in any line with exactly one hidden cell, also hide the
    smallest other cell (zero included), until no line has exactly one.
    """
    hidden = {
        (r, c) for r, row in enumerate(values) for c, v in enumerate(row) if 0 < v < SMALL_COUNT
    }
    n_rows = len(values)
    n_cols = len(values[0]) if values else 0
    lines = [[(r, c) for c in range(n_cols)] for r in range(n_rows)]
    lines += [[(r, c) for r in range(n_rows)] for c in range(n_cols)]
    changed = True
    while changed:
        changed = False
        for line in lines:
            if sum(cell in hidden for cell in line) != 1:
                continue
            others = [cell for cell in line if cell not in hidden]
            if others:
                hidden.add(min(others, key=lambda cell: (values[cell[0]][cell[1]], cell)))
                changed = True
    return hidden


@dataclass
class PublishedTable:
    """A table as it may be shown to the steering group: None marks a hidden cell."""

    columns: list[str]  # quarter labels of the elapsed quarters, then "total"
    rows: list[tuple[str, list[Optional[int]]]]


def published_breakdown(report: QuarterlyReport, dimension: str) -> PublishedTable:
    """New persons by one dimension: categories × elapsed quarters, with a total per category."""
    quarters = report.elapsed
    values = [
        [q.new_persons_by[dimension][cat] for q in quarters] + [report.totals.new_persons_by[dimension][cat]]
        for cat in DIMENSIONS[dimension]
    ]
    return _publish([q.quarter for q in quarters] + ["total"], list(DIMENSIONS[dimension]), values)


def published_follow_ups(report: QuarterlyReport) -> PublishedTable:
    values = [[report.follow_ups[m][r.value] for m in (3, 6)] for r in FollowUpResult]
    return _publish(["3", "6"], [r.value for r in FollowUpResult], values)


def published_pairs(report: QuarterlyReport, group: str) -> list[tuple[str, list[Optional[PairFigures]]]]:
    """Paired figures per question key of one group over the elapsed quarters and the total;
    None where there are fewer than 5 pairs (or where that would let a hidden one be derived)."""
    keys = [key for (grp, key) in report.survey_questions if grp == group]
    keys += sorted({key for (grp, key) in report.totals.survey_pairs if grp == group} - set(keys))
    published = []
    for key in keys:
        cells = [q.survey_pairs.get((group, key), PairFigures()) for q in report.elapsed]
        cells.append(report.totals.survey_pairs.get((group, key), PairFigures()))
        hidden = hidden_cells([[c.pairs for c in cells]])
        published.append((key, [None if (0, i) in hidden else c for i, c in enumerate(cells)]))
    return published


def _publish(columns: list[str], categories: list[str], values: list[list[int]]) -> PublishedTable:
    hidden = hidden_cells(values)
    return PublishedTable(
        columns=columns,
        rows=[
            (cat, [None if (r, c) in hidden else v for c, v in enumerate(row)])
            for r, (cat, row) in enumerate(zip(categories, values, strict=True))
        ],
    )


def _shown(value: Optional[int]) -> int | str:
    return SUPPRESSED if value is None else value


def _pair_dict(pair: Optional[PairFigures]) -> dict[str, Any]:
    if pair is None:
        return {"pairs": SUPPRESSED, "mean_change": None, "share_improved": None}
    return {
        "pairs": pair.pairs,
        "mean_change": None if pair.mean_change is None else round(pair.mean_change, 2),
        "share_improved": None if pair.share_improved is None else round(pair.share_improved, 3),
    }


def _activity_dict(figures: dict[ActivityType, ActivityFigures], targets: dict[ActivityType, int]) -> dict[str, Any]:
    return {
        t.value: {"held": f.held, "attended": f.attended, "absent": f.absent, "target": targets.get(t)}
        for t, f in figures.items()
    }


def _to_dict(report: QuarterlyReport) -> dict[str, Any]:
    breakdowns = {dim: published_breakdown(report, dim) for dim in DIMENSIONS}
    pairs = {group: published_pairs(report, group) for group in SURVEY_GROUPS}
    quarters = []
    for i, row in enumerate(report.quarters):
        elapsed = not row.is_future
        quarters.append(
            {
                "quarter": row.quarter,
                "start": row.start.isoformat(),
                "end": row.end.isoformat(),
                "status": row.status,
                "new_persons": row.new_persons,
                "cumulative_persons": row.cumulative_persons,
                "target_to_date": row.target_to_date,
                "visits_completed": row.visits_completed,
                "visits_counting": row.visits_counting,
                "no_shows": row.no_shows,
                "cancellations": row.cancellations,
                "declined": row.declined,
                "activities": _activity_dict(row.activities, row.activity_targets_to_date),
                "new_persons_by": {
                    dim: {cat: _shown(cells[i]) if elapsed else 0 for cat, cells in table.rows}
                    for dim, table in breakdowns.items()
                },
                "survey_pairs": {
                    group: {key: _pair_dict(cells[i]) if elapsed else _pair_dict(PairFigures()) for key, cells in rows}
                    for group, rows in pairs.items()
                },
            }
        )
    totals = report.totals
    return {
        "programme": {
            "id": report.programme_id,
            "name": report.programme_name,
            "starts_on": report.starts_on.isoformat(),
            "ends_on": report.ends_on.isoformat(),
            "yearly_budget_sek": report.yearly_budget_sek,
        },
        "as_of": report.today.isoformat(),
        "current_quarter": report.current.quarter if report.current else None,
        "quarters": quarters,
        "totals": {
            "persons": totals.persons,
            "target": totals.target,
            "target_to_date": totals.target_to_date,
            "visits_completed": totals.visits_completed,
            "visits_counting": totals.visits_counting,
            "no_shows": totals.no_shows,
            "cancellations": totals.cancellations,
            "declined": totals.declined,
            "activities": _activity_dict(totals.activities, totals.activity_targets),
            "new_persons_by": {
                dim: {cat: _shown(cells[-1]) for cat, cells in table.rows} for dim, table in breakdowns.items()
            },
            "survey_pairs": {
                group: {key: _pair_dict(cells[-1]) for key, cells in rows} for group, rows in pairs.items()
            },
        },
        "forecast": {
            "persons": report.forecast.value,
            "pace_per_quarter": None if report.forecast.pace is None else round(report.forecast.pace, 2),
            "full_quarters": report.forecast.full_quarters,
            "remaining_quarters": report.forecast.remaining_quarters,
            "booked": report.forecast.booked,
            "projected": report.forecast.projected,
        },
        "budget_to_date_sek": report.budget_to_date_sek,
        "cost_per_person_sek": report.cost_per_person_sek,
        "follow_ups": {
            str(months): {result: _shown(cells[c]) for result, cells in published_follow_ups(report).rows}
            for c, months in enumerate((3, 6))
        },
        "suppression": f"Counts 1–{SMALL_COUNT - 1} in breakdowns, follow-ups and questionnaire pairs are "
        f'shown as "{SUPPRESSED}", with further cells hidden where a hidden one could be derived.',
    }
