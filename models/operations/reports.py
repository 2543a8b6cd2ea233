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
- Questionnaires pair per respondent (participant or company), activity and question key: the
  latest Likert answer of the "after" questionnaire about an activity (a visit) with the
  respondent's earliest "before" answer given before that activity started (the actual start
  once recorded, else the booked one). A "before" answer given once its own activity had started
  is late: kept, counted as such, and never a baseline. A pair sits in the quarter of its
  activity's counted date (`visit_date`), so a later answer never moves it. Saved answers of
  unfinished questionnaires count.
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
  elapsed years = days from the start to today (inclusive, at most the whole period) / 365.25:
  an estimate from the budget, kept as it was. The budget section (`budget`,
  models/operations/budget.py) follows the agreement's budget table with the actual costs, and
  its cost per person is the one from actual spending.

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
import functools
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import distinct_on
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, aliased
from sqlalchemy.sql import expression
from sqlalchemy.sql.compiler import SQLCompiler

from .. import changes
from ..candidates import Candidate
from ..clock import local_midnight, local_today
from ..companies import Company, Offer
from ..db import column_rows
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
from ..followup import Feedback, FollowUp, Survey, SurveyAnswer, SurveyInvitation, SurveyQuestion
from ..kept import KEPT, kept_result
from ..programme import Programme
from ..visits import (
    COUNTING_VISIT_SQL,
    MAX_SECONDS,
    MIN_SECONDS,
    Activity,
    ActivityParticipant,
    Visit,
    VisitEvent,
)
from .budget import BudgetFigures, budget_figures
from .compilation import CompilationFigures, compilation_dict, compilation_figures
from .disclosure import SMALL_COUNT, SUPPRESSED, Grid, publish
from .programme import Quarter, milestone_plan, programme_quarters
from .question_sets import QUESTIONNAIRES, WORKPLACE_COMPANY, WORKPLACE_EMPLOYEE, WORKPLACE_PARTICIPANT
from .surveys import BEFORE_MOMENTS, activity_start

DIMENSIONS: dict[str, tuple[str, ...]] = {
    "target_group": tuple(m.value for m in TargetGroup),
    "network": tuple(m.value for m in Network),
    "field": tuple(m.value for m in Field),
    "size_class": tuple(m.value for m in SizeClass),
}
FEEDBACK_RATINGS = ("overall", "interest", "punctuality")
RATING_COLUMNS = ("1", "2", "3", "4", "5", "total")
# The questionnaires with a "before" and an "after" set, whose answers pair (in this order).
SURVEY_GROUPS = tuple(code for code, q in QUESTIONNAIRES.items() if len(q.sets) == 2)
PARTICIPANT, COMPANY = WORKPLACE_PARTICIPANT, WORKPLACE_COMPANY
_AFTER = (SurveyMoment.PARTICIPANT_AFTER, SurveyMoment.COMPANY_AFTER)
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


class counts_in_report(expression.FunctionElement[bool]):  # noqa: N801 (an SQL function)
    """SQL: the visit counts: completed, and MIN_SECONDS..MAX_SECONDS long (4–8 h inclusive, in
    whole seconds), given its status, actual start and actual end.

    Written as COUNTING_VISIT_SQL (models/visits.py), the predicate of the partial index
    `ix_visit_counting`, word for word and with the values in the text (not as parameters), so
    that the database proves the index holds exactly the visits asked for and reads them from it,
    in each person's order, without testing them again. On PostgreSQL the length is compared as
    intervals: rounding half up to whole seconds, `round(d) >= 14400` is `d >= 14399.5 s` and
    `round(d) <= 28800` is `d < 28800.5 s` (the old test computed a NUMERIC number of seconds for
    every visit)."""

    # Untyped: as a Boolean, SQLAlchemy would write `(...) = 1` in a WHERE on SQLite (which has no
    # boolean type), and SQLite would no longer recognise the index's predicate.
    type = sa.types.NullType()
    name = "counts_in_report"
    inherit_cache = True


@compiles(counts_in_report, "postgresql")
@compiles(counts_in_report, "sqlite")
def _counts_in_report(element: counts_in_report, compiler: SQLCompiler, **kw: Any) -> str:
    status, start, end = (compiler.process(c, **kw) for c in element.clauses)
    return f"({COUNTING_VISIT_SQL[compiler.dialect.name].format(status=status, start=start, end=end)})"


def _check_counting_rule() -> None:
    """COUNTING_VISIT_SQL (and the index built from it) must say what this module's rule says."""
    completed = f"= '{VisitStatus.COMPLETED.value}'"
    parts = {
        "postgresql": (
            completed, f">= INTERVAL '{MIN_SECONDS - 0.5} seconds'", f"< INTERVAL '{MAX_SECONDS + 0.5} seconds'"
        ),
        "sqlite": (completed, "* 86400)", f"BETWEEN {MIN_SECONDS} AND {MAX_SECONDS}"),
    }
    for dialect, needed in parts.items():
        if not all(part in COUNTING_VISIT_SQL[dialect] for part in needed):
            raise RuntimeError("the counting rule changed: update COUNTING_VISIT_SQL and ix_visit_counting")


_check_counting_rule()


def _first_per(
    dialect: str,
    columns: Sequence[sa.ColumnElement[Any]],
    *,
    partition_by: Sequence[sa.ColumnElement[Any]],
    order_by: Sequence[sa.ColumnElement[Any]],
    where: Sequence[sa.ColumnElement[bool]],
    name: str,
) -> sa.Subquery:
    """The first row of every partition in `order_by` order (labelled `columns`, as a subquery).

    PostgreSQL: ``DISTINCT ON``, one sort (or none, on an index in that order) and no window to
    evaluate; elsewhere ``ROW_NUMBER()``. Both keep the same row when `order_by` ends in a unique
    key."""
    if dialect == "postgresql":
        return (
            sa.select(*columns).where(*where).ext(distinct_on(*partition_by))
            .order_by(*partition_by, *order_by).subquery(name)
        )
    rn = sa.func.row_number().over(partition_by=partition_by, order_by=order_by).label("rn")
    ranked = sa.select(*columns, rn).where(*where).subquery(f"{name}_ranked")
    # `<= 1` says `= 1`; an equality on a computed column is estimated at 0.5 % of the rows.
    return sa.select(*(c for c in ranked.c if c.name != "rn")).where(ranked.c.rn <= 1).subquery(name)


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


def _quarter_of_date(column: Any, quarters: Sequence[Quarter]) -> sa.Case[Any]:
    return sa.case(*[(column <= q.end, q.index) for q in quarters], else_=sa.null())


def _quarter_of_instant(column: Any, quarters: Sequence[Quarter]) -> sa.Case[Any]:
    return sa.case(
        *[(column < local_midnight(q.end + dt.timedelta(days=1)), q.index) for q in quarters], else_=sa.null()
    )


def _in_period_instant(column: Any, starts_on: dt.date, ends_on: dt.date) -> sa.ColumnElement[bool]:
    return sa.and_(column >= local_midnight(starts_on), column < local_midnight(ends_on + dt.timedelta(days=1)))


def _dated_in(starts_on: dt.date, ends_on: dt.date, visit: Any = Visit) -> sa.ColumnElement[bool]:
    return sa.and_(visit.visit_date >= starts_on, visit.visit_date <= ends_on)


def counting_visit(visit: Any = Visit) -> sa.ColumnElement[bool]:
    """SQL: the visit counts toward the goal (the counting rule; models/visits.py has its twin
    in Python, `counts_toward_goal`)."""
    return counts_in_report(visit.status, visit.actual_start, visit.actual_end)


# --- the report -----------------------------------------------------------------------------
@dataclass
class ActivityFigures:
    held: int = 0
    attended: int = 0
    absent: int = 0


@dataclass
class PairFigures:
    """Paired before/after answers to one question: n pairs, sum of changes (and of their
    squares, for the confidence interval), n improved."""

    pairs: int = 0
    change_sum: int = 0
    improved: int = 0
    change_squares: int = 0

    @property
    def mean_change(self) -> Optional[float]:
        return self.change_sum / self.pairs if self.pairs else None

    @property
    def share_improved(self) -> Optional[float]:
        return self.improved / self.pairs if self.pairs else None

    @property
    def confidence_interval(self) -> Optional[tuple[float, float]]:
        """The 95 % t-interval of the mean change (two pairs or more)."""
        return t_interval(self.pairs, self.change_sum, self.change_squares)

    def add(self, other: PairFigures) -> None:
        self.pairs += other.pairs
        self.change_sum += other.change_sum
        self.improved += other.improved
        self.change_squares += other.change_squares

    def add_change(self, change: int) -> None:
        self.pairs += 1
        self.change_sum += change
        self.improved += change > 0
        self.change_squares += change * change


def t_interval(n: int, total: float, squares: float) -> Optional[tuple[float, float]]:
    """Mean ± t(0.975, n − 1) × s / √n from n values' sum and sum of squares; None below 2."""
    if n < 2:
        return None
    from scipy.stats import t  # imported here: only reports with pairs pay for scipy

    mean = total / n
    variance = max(0.0, (squares - n * mean * mean) / (n - 1))
    half = float(t.ppf(0.975, n - 1)) * math.sqrt(variance / n)
    return (mean - half, mean + half)


@dataclass
class EmployeeFigures:
    """The colleagues' anonymous answers at hosting workplaces in a quarter: answers, companies
    they came from, and per question key the number of answers and their sum."""

    answers: int = 0
    companies: int = 0
    per_key: dict[str, tuple[int, int]] = field(default_factory=dict)
    company_ids: set[int] = field(default_factory=set)

    def mean(self, key: str) -> Optional[float]:
        n, total = self.per_key.get(key, (0, 0))
        return total / n if n else None


@dataclass
class SurveyUnits:
    """Answered "after" questionnaires (one per respondent and activity) of a group in a
    quarter: how many found a baseline (paired) and how many did not, and the "before"
    questionnaires answered too late to be a baseline."""

    answered: int = 0
    paired: int = 0
    late_baselines: int = 0
    invitations_sent: int = 0  # every questionnaire link sent, before and after
    invitations_answered: int = 0  # of them, finished

    @property
    def unpaired(self) -> int:
        return self.answered - self.paired

    @property
    def response_rate(self) -> Optional[float]:
        return self.invitations_answered / self.invitations_sent if self.invitations_sent else None

    def add(self, other: SurveyUnits) -> None:
        self.answered += other.answered
        self.paired += other.paired
        self.late_baselines += other.late_baselines
        self.invitations_sent += other.invitations_sent
        self.invitations_answered += other.invitations_answered


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
    survey_pairs: dict[tuple[str, str], PairFigures] = field(default_factory=dict)  # (questionnaire, key)
    survey_pairs_by_target: dict[tuple[str, str, str], PairFigures] = field(default_factory=dict)
    survey_units: dict[str, SurveyUnits] = field(default_factory=dict)  # per questionnaire
    employees: EmployeeFigures = field(default_factory=EmployeeFigures)

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
    survey_pairs: dict[tuple[str, str], PairFigures] = field(default_factory=dict)  # (questionnaire, key)
    survey_pairs_by_target: dict[tuple[str, str, str], PairFigures] = field(default_factory=dict)
    survey_units: dict[str, SurveyUnits] = field(default_factory=dict)  # per questionnaire
    employees: EmployeeFigures = field(default_factory=EmployeeFigures)


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
    survey_questions: dict[tuple[str, str], str]  # (questionnaire, key) → Swedish question text
    # The budget followed up from the actual costs (models/operations/budget.py).
    budget: Optional[BudgetFigures] = None
    # What TH compiles the quarter from: referrals per unit, companies per network, feedback
    # (models/operations/compilation.py), published with the same small-count rule.
    compilation: Optional[CompilationFigures] = None
    # Self-sufficiency at the follow-ups: months → SELF_SUFFICIENCY category → persons.
    self_sufficiency: dict[int, dict[str, int]] = field(
        default_factory=lambda: {m: dict.fromkeys(SELF_SUFFICIENCY, 0) for m in (3, 6)})
    # The feedback template's ratings over the period so far: rating → value 1–5 → forms.
    feedback_ratings: dict[str, dict[int, int]] = field(
        default_factory=lambda: {name: dict.fromkeys(range(1, 6), 0) for name in FEEDBACK_RATINGS}
    )

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

    def published(self) -> dict[str, Any]:
        """`to_dict()` worked out once per report: a kept report (`current_report`) is read by
        every API call until the data changes. Shared between requests: read it, never change it."""
        kept = self.__dict__.get("_published")
        if kept is None:
            kept = self.__dict__["_published"] = self.to_dict()
        return kept  # type: ignore[no-any-return]


def current_report(session: Session, programme: Programme) -> QuarterlyReport:
    """Today's report, as `quarterly_report` computes it, kept per data generation of what the
    report reads (`report_n`: models/changes.py, models/kept.py): every reader after a committed change gets a report
    that holds it. A request that has written something computes its own and keeps nothing, so
    a kept report never holds uncommitted data. The report is shared: read it, never change it."""
    return kept_result(session, ("report", programme.id, local_today()), lambda: quarterly_report(session, programme),
                       counter="report_n")


@dataclass(frozen=True)
class Headline:
    """The start page's figures (`reports/_headline.html`): persons against the target, this
    quarter's new persons, the forecast and the cost per person. Worked out by the same code as
    the whole report (`_persons_and_visits`, `_totals`, `_forecast`), without the questionnaires,
    compilation and follow-ups that the headline does not show."""

    totals: Totals
    current: Optional[QuarterRow]
    forecast: Forecast
    cost_per_person_sek: Optional[int]
    budget: Optional[BudgetFigures]

    @classmethod
    def of(cls, report: QuarterlyReport) -> Headline:
        return cls(report.totals, report.current, report.forecast, report.cost_per_person_sek, report.budget)


def current_headline(session: Session, programme: Programme) -> Headline:
    """Today's headline: from the kept report when it holds every committed change, otherwise
    worked out on its own (a fifth of the report's work) and kept like it under `report_n`."""
    if changes.session_has_written(session):
        return headline(session, programme)
    needed = changes.current(session, "report_n")
    found, report = KEPT.find(("report", programme.id, local_today()), needed)
    if found:
        return Headline.of(report)
    return kept_result(session, ("headline", programme.id, local_today()), lambda: headline(session, programme),
                       counter="report_n", needed=needed)


def headline(session: Session, programme: Programme, *, today: Optional[dt.date] = None) -> Headline:
    today = today or local_today()
    rows, statements = _persons_and_visits(session, programme, today, None)
    totals = _totals(rows, programme, today)
    forecast = _forecast(session, rows, statements.booked, today, totals.persons)
    cost, _budget_to_date = _cost_per_person(programme, today, totals.persons)
    budget = budget_figures(session, programme, today=today, persons=totals.persons)
    return Headline(totals, next((r for r in rows if r.is_current), None), forecast, cost, budget)


def _cost_per_person(programme: Programme, today: dt.date, persons: int) -> tuple[Optional[int], int]:
    """The budget to date spread over the persons counted so far (None before the first)."""
    elapsed_days = max(0, (min(today, programme.ends_on) - programme.starts_on).days + 1)
    budget_to_date = _round_half_up(programme.yearly_budget_sek * elapsed_days / 365.25)
    return (_round_half_up(budget_to_date / persons) if persons else None), budget_to_date


def _data_end(programme: Programme, data_until: Optional[dt.date]) -> dt.date:
    """The last day whose data the report reads: the period's end, or `data_until` within it."""
    return programme.ends_on if data_until is None else max(min(programme.ends_on, data_until), programme.starts_on)


def _persons_and_visits(
    session: Session, programme: Programme, today: dt.date, data_until: Optional[dt.date]
) -> tuple[list[QuarterRow], _Statements]:
    """Every quarter's row with its targets, new persons and visits (what the headline needs),
    and the report's statements for the rest."""
    quarters = programme_quarters(programme.starts_on, programme.ends_on)
    data_end = _data_end(programme, data_until)
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

    statements = _statements(session.get_bind().dialect.name, programme.starts_on, data_end, today, data_until)
    _plan_with_values(session)
    _fill_persons(session, rows, statements.persons)
    _fill_visits(session, rows, statements.visits)
    return rows, statements


def quarterly_report(
    session: Session, programme: Programme, *, today: Optional[dt.date] = None, data_until: Optional[dt.date] = None
) -> QuarterlyReport:
    """The report for every quarter of the programme (future quarters are included, with zeros
    and their targets, so the target line covers the whole period).

    `data_until` reads only what is dated up to that day (visits, activities, answers, decisions),
    as the report of a quarter that has ended is read again later (models/operations/signoff.py):
    with `today` and `data_until` at the quarter's last day, rows dated after it stay out."""
    today = today or local_today()
    rows, statements = _persons_and_visits(session, programme, today, data_until)
    data_end = _data_end(programme, data_until)
    quarters = programme_quarters(programme.starts_on, programme.ends_on)
    _fill_activities(session, rows, statements.activities)
    _fill_survey_pairs(session, rows, statements)

    totals = _totals(rows, programme, today)
    forecast = _forecast(session, rows, statements.booked, today, totals.persons)
    cost_per_person, budget_to_date = _cost_per_person(programme, today, totals.persons)
    follow_ups, self_sufficiency = _follow_ups(session, statements.follow_ups)
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
        cost_per_person_sek=cost_per_person,
        budget_to_date_sek=budget_to_date,
        follow_ups=follow_ups,
        self_sufficiency=self_sufficiency,
        feedback_ratings=_feedback_ratings(session, programme.starts_on, data_end),
        survey_questions=_survey_questions(session, statements.survey_questions),
        budget=budget_figures(session, programme, today=today, persons=totals.persons),
        compilation=compilation_figures(session, [q for q in quarters if q.start <= min(today, data_end)]),
    )


def _plan_with_values(session: Session) -> None:
    """Have PostgreSQL plan the report's statements for their values, for the rest of this
    transaction. psycopg prepares a statement on the server once a connection has sent it five
    times, and after five more PostgreSQL may switch it to a generic plan, made without the
    values (the period's dates, the statuses): for the report's statements such plans join the
    first visits by nested loops and take 4–10 times as long (0.2 s became 1.1 s at a region's
    size). A custom plan costs well under a millisecond to make for each of them."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SET LOCAL plan_cache_mode = force_custom_plan"))


def _round_half_up(value: float) -> int:
    return math.floor(value + 0.5)


# --- the statements -------------------------------------------------------------------------
@dataclass(frozen=True)
class _Statements:
    persons: sa.Select[Any]
    visits: sa.Select[Any]
    activities: sa.Select[Any]
    survey_pairs: sa.Select[Any]
    late_baselines: sa.Select[Any]
    invitations: sa.Select[Any]
    employees: sa.Select[Any]
    employee_answers: sa.Select[Any]
    booked: sa.Select[Any]
    follow_ups: sa.Select[Any]
    survey_questions: sa.Select[Any]


@functools.lru_cache(maxsize=32)
def _statements(
    dialect: str, starts_on: dt.date, ends_on: dt.date, today: dt.date, answers_until: Optional[dt.date] = None
) -> _Statements:
    """The report's statements for a period and a day. Only the description of the SQL is kept
    (building it is about 10 ms of Python); every call runs them all against the data again."""
    quarters = programme_quarters(starts_on, ends_on)
    return _Statements(
        persons=_persons_statement(dialect, starts_on, ends_on, quarters),
        visits=_visits_statement(starts_on, ends_on, quarters),
        activities=_activities_statement(starts_on, ends_on, quarters, today),
        survey_pairs=_survey_pairs_statement(dialect, starts_on, ends_on, quarters, answers_until),
        late_baselines=_late_baselines_statement(starts_on, ends_on, quarters, answers_until),
        invitations=_invitations_statement(starts_on, ends_on, quarters, answers_until),
        employees=_employee_statement(starts_on, ends_on, quarters, answers_until, per_key=False),
        employee_answers=_employee_statement(starts_on, ends_on, quarters, answers_until, per_key=True),
        booked=_booked_statement(starts_on, ends_on, today),
        follow_ups=_follow_ups_statement(starts_on, ends_on),
        survey_questions=_survey_questions_statement(),
    )


def _persons_statement(
    dialect: str, starts_on: dt.date, ends_on: dt.date, quarters: Sequence[Quarter]
) -> sa.Select[Any]:
    """New persons per quarter, and per quarter by the person's target group and by network,
    field and size of the company of their first counting visit (the earliest by date, then
    actual start, then id)."""
    first = _first_per(
        dialect,
        [Visit.candidate_id, Visit.offer_id, Visit.visit_date],
        partition_by=[Visit.candidate_id],
        order_by=[Visit.visit_date, Visit.actual_start, Visit.id],
        where=[_dated_in(starts_on, ends_on), counting_visit()],
        name="first_visits",
    )
    firsts = (
        sa.select(
            _quarter_of_date(first.c.visit_date, quarters).label("q"),
            *(sa.type_coerce(column, sa.String).label(dim) for dim, column in (
                ("target_group", Candidate.target_group),
                ("network", Company.network),
                ("field", Offer.field),
                ("size_class", Company.size_class),
            )),
        )
        .select_from(first)
        .join(Candidate, Candidate.id == first.c.candidate_id)
        .join(Offer, Offer.id == first.c.offer_id)
        .join(Company, Company.id == Offer.company_id)
    )
    return _per_quarter_and_dimension(dialect, firsts)


def _per_quarter_and_dimension(dialect: str, facts: sa.Select[Any]) -> sa.Select[Any]:
    """Rows (q, *one column per dimension, n) counting `facts` (columns q and the dimensions) per
    quarter, and per quarter and category of each dimension: in a row the other dimensions'
    columns are NULL (all of them in the quarter's own count). A few hundred rows, not one per
    combination of all four dimensions (thousands, each to be read into Python).

    PostgreSQL groups once, by GROUPING SETS; elsewhere the same rows come from a UNION ALL."""
    if dialect == "postgresql":
        cells = facts.subquery("dimension_facts")
        dims = [cells.c[dim] for dim in DIMENSIONS]
        sets = [sa.tuple_(cells.c.q), *(sa.tuple_(cells.c.q, dim) for dim in dims)]
        return sa.select(cells.c.q, *dims, sa.func.count()).group_by(sa.func.grouping_sets(*sets))
    cte = facts.cte("dimension_facts")

    def count_by(dimension: Optional[str]) -> sa.Select[Any]:
        columns = [cte.c[dim] if dim == dimension else sa.null().label(dim) for dim in DIMENSIONS]
        keys = [cte.c.q] + ([cte.c[dimension]] if dimension else [])
        return sa.select(cte.c.q, *columns, sa.func.count()).group_by(*keys)

    return sa.union_all(count_by(None), *(count_by(dim) for dim in DIMENSIONS))  # type: ignore[return-value]


def _visits_statement(starts_on: dt.date, ends_on: dt.date, quarters: Sequence[Quarter]) -> sa.Select[Any]:
    """Visits per quarter and status, with the counting ones among the completed. The statuses
    come from `ix_visit_status_date` and the counting visits from `ix_visit_counting` alone (no
    table rows read); counted per day and placed in quarters afterwards, so the quarter's CASE
    runs for each day of the period, not for each of 100,000 visits."""
    by_status = sa.select(
        Visit.visit_date, Visit.status, sa.func.count().label("n"), sa.literal(0).label("counting")
    ).where(_dated_in(starts_on, ends_on)).group_by(Visit.status, Visit.visit_date)  # the index's order
    counting = sa.select(
        Visit.visit_date, sa.literal(VisitStatus.COMPLETED.value), sa.literal(0), sa.func.count()
    ).where(_dated_in(starts_on, ends_on), counting_visit()).group_by(Visit.visit_date)
    by_day = sa.union_all(by_status, counting).subquery("visits_by_day")
    q = _quarter_of_date(by_day.c.visit_date, quarters)
    return sa.select(q, by_day.c.status, sa.func.sum(by_day.c.n), sa.func.sum(by_day.c.counting)).group_by(
        q, by_day.c.status
    )


def _activities_statement(
    starts_on: dt.date, ends_on: dt.date, quarters: Sequence[Quarter], today: dt.date
) -> sa.Select[Any]:
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
            _in_period_instant(Activity.starts_at, starts_on, ends_on),
            Activity.starts_at < local_midnight(today + dt.timedelta(days=1)),
        )
        .subquery("held_activities")
    )
    return sa.select(
        held.c.q,
        held.c.type,
        sa.func.count(sa.distinct(held.c.activity_id)),
        sa.func.sum(held.c.attended),
        sa.func.sum(held.c.absent),
    ).group_by(held.c.q, held.c.type)


def _end_of(day: dt.date) -> dt.datetime:
    """The first moment after a Swedish day."""
    return local_midnight(day + dt.timedelta(days=1))


def _survey_activity(stmt: sa.Select[Any], invitation: Any = SurveyInvitation) -> sa.Select[Any]:
    """`stmt` with the visit or group activity the invitation is about (outer joins)."""
    return stmt.outerjoin(Visit, Visit.id == invitation.visit_id).outerjoin(
        Activity, Activity.id == invitation.activity_id
    )


def _activity_quarter(quarters: Sequence[Quarter]) -> sa.Case[Any]:
    """SQL: the quarter of the joined visit's counted date, or of the group activity's start."""
    return sa.case(
        (Visit.id.is_not(None), _quarter_of_date(Visit.visit_date, quarters)),
        else_=_quarter_of_instant(Activity.starts_at, quarters),
    )


def _activity_in_period(starts_on: dt.date, ends_on: dt.date) -> sa.ColumnElement[bool]:
    return sa.or_(
        sa.and_(Visit.id.is_not(None), _dated_in(starts_on, ends_on)),
        sa.and_(Activity.id.is_not(None), _in_period_instant(Activity.starts_at, starts_on, ends_on)),
    )


def _survey_pairs_statement(
    dialect: str, starts_on: dt.date, ends_on: dt.date, quarters: Sequence[Quarter],
    answers_until: Optional[dt.date],
) -> sa.Select[Any]:
    """The paired questionnaire figures, added up in the database: rows (q, questionnaire, key,
    target_group, pairs, change_sum, improved, change_squares, answered, paired).

    - With a `key`: the pairs of that question in the quarter, over every respondent
      (`target_group` NULL) and per participant's target group; `answered` and `paired` NULL.
    - Without a `key`: the answered "after" questionnaires of the quarter (one per respondent and
      activity) and how many of them have at least one pair; the pair columns NULL.

    A pair is a respondent's latest "after" answer to a Likert question about an activity (the
    visit or group activity the invitation was about, placed in the quarter of its counted date)
    with the baseline: the respondent's earliest "before" answer to a question with the same key
    in the same version of the same questionnaire, not late for its own activity, when that was
    given before this activity started (`surveys.activity_start`). A pair therefore belongs to one
    person (or company) and one activity, and a later answer never moves it.

    The earliest "before" answer is found by a window over the answers of one respondent, version
    and key, baselines first, not by a join: as a join PostgreSQL misjudged the pairs to be one and
    walked a hundred million row pairs (13 s); a window is one sort of some 30,000 answers."""
    respondent = sa.func.coalesce(SurveyInvitation.candidate_id, SurveyInvitation.company_id)
    answered = [SurveyAnswer.likert.is_not(None), SurveyQuestion.kind == QuestionKind.LIKERT]
    if answers_until is not None:
        answered.append(SurveyAnswer.answered_at < _end_of(answers_until))

    def likert_answers(moments: Sequence[SurveyMoment]) -> sa.Select[Any]:
        return (
            sa.select(
                Survey.questionnaire.label("questionnaire"),
                Survey.version.label("version"),
                respondent.label("respondent"),
                SurveyQuestion.key.label("key"),
                SurveyAnswer.likert.label("likert"),
                SurveyAnswer.answered_at.label("answered_at"),
                SurveyAnswer.id.label("answer_id"),
            )
            .select_from(SurveyAnswer)
            .join(SurveyInvitation, SurveyInvitation.id == SurveyAnswer.invitation_id)
            .join(Survey, Survey.id == SurveyInvitation.survey_id)
            .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
            .where(Survey.moment.in_(moments), *answered)
        )

    start = sa.func.coalesce(activity_start(), Activity.starts_at)
    baselines = (
        _survey_activity(likert_answers(BEFORE_MOMENTS))
        .where(sa.or_(start.is_(None), SurveyAnswer.answered_at < start))
        .add_columns(
            sa.literal(0).label("is_after"), _null(sa.Integer).label("unit"), _null(sa.Integer).label("q"),
            _null(sa.String).label("target_group"), _null(sa.DateTime(timezone=True)).label("starts_at"),
        )
    )
    after_answers = (
        _survey_activity(likert_answers(_AFTER))
        .add_columns(
            sa.literal(1).label("is_after"),
            sa.func.coalesce(Visit.id, -Activity.id).label("unit"),
            _activity_quarter(quarters).label("q"),
            sa.type_coerce(Candidate.target_group, sa.String).label("target_group"),
            start.label("starts_at"),
        )
        .outerjoin(Candidate, Candidate.id == SurveyInvitation.candidate_id)
        .where(_activity_in_period(starts_on, ends_on))
        .subquery("after_answers")
    )
    unit = [after_answers.c.questionnaire, after_answers.c.respondent, after_answers.c.unit, after_answers.c.key]
    last_after = _first_per(
        dialect,
        list(after_answers.c),
        partition_by=unit,
        order_by=[after_answers.c.answered_at.desc(), after_answers.c.answer_id.desc()],
        where=[],
        name="last_after",
    )
    answers = sa.union_all(baselines, sa.select(last_after)).subquery("answers")
    window = {
        "partition_by": [answers.c.questionnaire, answers.c.version, answers.c.respondent, answers.c.key],
        "order_by": [answers.c.is_after, answers.c.answered_at, answers.c.answer_id],
        "rows": (None, None),
    }

    def earliest(column: Any) -> Any:
        return sa.func.first_value(column).over(**window)

    has_baseline = sa.and_(
        earliest(answers.c.is_after) == 0, answers.c.starts_at.is_not(None),
        earliest(answers.c.answered_at) < answers.c.starts_at,
    )
    with_baselines = sa.select(
        answers.c.is_after, answers.c.q, answers.c.questionnaire, answers.c.respondent, answers.c.unit,
        answers.c.key, answers.c.target_group, answers.c.likert.label("after"),
        sa.case((has_baseline, earliest(answers.c.likert)), else_=sa.null()).label("before"),
    ).subquery("with_baselines")
    pairs = (
        sa.select(*(c for c in with_baselines.c if c.name != "is_after"))
        .where(with_baselines.c.is_after == 1)
        .cte("survey_pairs")
    )
    change = pairs.c.after - pairs.c.before
    paired = pairs.c.before.is_not(None)
    figures = (
        sa.func.count(), sa.func.sum(change), sa.func.sum(sa.case((change > 0, 1), else_=0)),
        sa.func.sum(change * change), _null(sa.BigInteger), _null(sa.BigInteger),
    )
    per_key = (
        sa.select(pairs.c.q, pairs.c.questionnaire, pairs.c.key, _null(sa.String), *figures)
        .where(paired)
        .group_by(pairs.c.q, pairs.c.questionnaire, pairs.c.key)
    )
    per_group = (
        sa.select(pairs.c.q, pairs.c.questionnaire, pairs.c.key, pairs.c.target_group, *figures)
        .where(paired, pairs.c.target_group.is_not(None))
        .group_by(pairs.c.q, pairs.c.questionnaire, pairs.c.key, pairs.c.target_group)
    )
    units = (
        sa.select(
            pairs.c.q, pairs.c.questionnaire,
            sa.func.max(sa.case((paired, 1), else_=0)).label("paired"),
        )
        .group_by(pairs.c.q, pairs.c.questionnaire, pairs.c.respondent, pairs.c.unit)
        .subquery("units")
    )
    per_questionnaire = sa.select(
        units.c.q, units.c.questionnaire, _null(sa.String), _null(sa.String), *(_null(sa.BigInteger) for _ in range(4)),
        sa.func.count(), sa.func.sum(units.c.paired),
    ).group_by(units.c.q, units.c.questionnaire)
    return sa.union_all(per_key, per_group, per_questionnaire)  # type: ignore[return-value]


def _null(type_: Any) -> Any:
    """SQL: NULL of a type, for a column of a UNION that other branches fill (PostgreSQL takes an
    untyped NULL beside another for text)."""
    return sa.cast(sa.null(), type_)


def _invitations_statement(
    starts_on: dt.date, ends_on: dt.date, quarters: Sequence[Quarter], answers_until: Optional[dt.date]
) -> sa.Select[Any]:
    """Questionnaire links sent and finished per questionnaire, in the quarter of the activity
    they are about (of the sending, for a link about no activity). Employees' answers are not
    links sent to anyone: they are counted as answers only (`_employee_statement`)."""
    about_activity = sa.or_(Visit.id.is_not(None), Activity.id.is_not(None))
    q = sa.case(
        (about_activity, _activity_quarter(quarters)), else_=_quarter_of_instant(SurveyInvitation.sent_at, quarters)
    )
    in_period = sa.case(
        (about_activity, _activity_in_period(starts_on, ends_on)),
        else_=_in_period_instant(SurveyInvitation.sent_at, starts_on, ends_on),
    )
    answered = SurveyInvitation.completed_at.is_not(None)
    if answers_until is not None:
        answered = sa.and_(answered, SurveyInvitation.completed_at < _end_of(answers_until))
    stmt = (
        _survey_activity(
            sa.select(Survey.questionnaire, q, sa.func.count(), sa.func.sum(sa.case((answered, 1), else_=0)))
            .select_from(SurveyInvitation)
            .join(Survey, Survey.id == SurveyInvitation.survey_id)
        )
        .where(in_period, Survey.moment != SurveyMoment.EMPLOYEE)
        .group_by(Survey.questionnaire, q)
    )
    if answers_until is not None:
        stmt = stmt.where(SurveyInvitation.sent_at < _end_of(answers_until))
    return stmt


def _employee_statement(
    starts_on: dt.date, ends_on: dt.date, quarters: Sequence[Quarter], answers_until: Optional[dt.date],
    *, per_key: bool,
) -> sa.Select[Any]:
    """The colleagues' answers per quarter of the visit: (q, company, answers), or per question
    key (q, key, n, sum of the Likert answers)."""
    q = _quarter_of_date(Visit.visit_date, quarters)
    where = [Survey.moment == SurveyMoment.EMPLOYEE, SurveyInvitation.completed_at.is_not(None),
             _dated_in(starts_on, ends_on)]
    if answers_until is not None:
        where.append(SurveyInvitation.completed_at < _end_of(answers_until))
    base = (
        sa.select(q)
        .select_from(SurveyInvitation)
        .join(Survey, Survey.id == SurveyInvitation.survey_id)
        .join(Visit, Visit.id == SurveyInvitation.visit_id)
        .where(*where)
    )
    if not per_key:
        return base.add_columns(SurveyInvitation.company_id, sa.func.count()).group_by(q, SurveyInvitation.company_id)
    return (
        base.add_columns(SurveyQuestion.key, sa.func.count(SurveyAnswer.likert), sa.func.sum(SurveyAnswer.likert))
        .join(SurveyAnswer, SurveyAnswer.invitation_id == SurveyInvitation.id)
        .join(SurveyQuestion, SurveyQuestion.id == SurveyAnswer.question_id)
        .where(SurveyQuestion.kind == QuestionKind.LIKERT)
        .group_by(q, SurveyQuestion.key)
    )


def _late_baselines_statement(
    starts_on: dt.date, ends_on: dt.date, quarters: Sequence[Quarter], answers_until: Optional[dt.date]
) -> sa.Select[Any]:
    """"Before" questionnaires answered (any answer) only once their activity had started, per
    questionnaire and quarter of the activity: kept and shown as late, never a baseline."""
    late = [SurveyAnswer.answered_at >= sa.func.coalesce(activity_start(), Activity.starts_at)]
    if answers_until is not None:
        late.append(SurveyAnswer.answered_at < _end_of(answers_until))
    q = _activity_quarter(quarters)
    return (
        _survey_activity(
            sa.select(Survey.questionnaire, q, sa.func.count(sa.distinct(SurveyInvitation.id)))
            .select_from(SurveyInvitation)
            .join(Survey, Survey.id == SurveyInvitation.survey_id)
            .join(SurveyAnswer, SurveyAnswer.invitation_id == SurveyInvitation.id)
        )
        .where(Survey.moment.in_(BEFORE_MOMENTS), _activity_in_period(starts_on, ends_on), *late)
        .group_by(Survey.questionnaire, q)
    )


def _booked_statement(starts_on: dt.date, ends_on: dt.date, today: dt.date) -> sa.Select[Any]:
    """Persons not yet counted holding a confirmed 4–8 h visit dated today or later in the period."""
    counted = aliased(Visit, name="counted_visit")
    planned = duration_seconds(Visit.start_at, Visit.end_at)
    return sa.select(sa.func.count(sa.distinct(Visit.candidate_id))).where(
        Visit.status == VisitStatus.CONFIRMED,
        planned >= MIN_SECONDS,
        planned <= MAX_SECONDS,
        Visit.visit_date >= today,
        _dated_in(starts_on, ends_on),
        # Not yet counted: no counting visit in the period (NOT EXISTS lets the database probe
        # the few booked persons' visits instead of ranking every visit as NOT IN would).
        ~sa.exists().where(
            counted.candidate_id == Visit.candidate_id, _dated_in(starts_on, ends_on, counted), counting_visit(counted)
        ),
    )


def _followed_up(starts_on: dt.date, ends_on: dt.date) -> sa.Select[Any]:
    """The persons whose follow-ups count: at least one completed visit in the period."""
    return sa.select(Visit.candidate_id).where(Visit.status == VisitStatus.COMPLETED, _dated_in(starts_on, ends_on))


def _follow_ups_statement(starts_on: dt.date, ends_on: dt.date) -> sa.Select[Any]:
    """Follow-ups of the persons with at least one completed visit in the period, per months,
    outcome and self-sufficiency (no longer on ekonomiskt bistånd): both tables in one pass."""
    reached = _followed_up(starts_on, ends_on)
    return (
        sa.select(FollowUp.months, FollowUp.result, FollowUp.self_sufficient, sa.func.count())
        .where(FollowUp.candidate_id.in_(reached))
        .group_by(FollowUp.months, FollowUp.result, FollowUp.self_sufficient)
    )


def _survey_questions_statement() -> sa.Select[Any]:
    return (
        sa.select(Survey.questionnaire, SurveyQuestion.key, SurveyQuestion.text_sv)
        .join(SurveyQuestion, SurveyQuestion.survey_id == Survey.id)
        .where(SurveyQuestion.kind == QuestionKind.LIKERT)
        .order_by(Survey.moment.in_(_AFTER).desc(), Survey.active.desc(), Survey.version.desc(), Survey.id,
                  SurveyQuestion.position)
    )


# --- reading the figures --------------------------------------------------------------------
def _fill_persons(session: Session, rows: list[QuarterRow], stmt: sa.Select[Any]) -> None:
    for q, *categories, n in column_rows(session, stmt):
        cells = [(dim, category) for dim, category in zip(DIMENSIONS, categories, strict=True) if category is not None]
        if cells:
            dim, category = cells[0]
            rows[q].new_persons_by[dim][category] = n
        else:
            rows[q].new_persons = n
    running = 0
    for row in rows:
        running += row.new_persons
        row.cumulative_persons = running


def _fill_visits(session: Session, rows: list[QuarterRow], stmt: sa.Select[Any]) -> None:
    for q, status, n, counting in column_rows(session, stmt):
        row = rows[q]
        if status == VisitStatus.COMPLETED:
            row.visits_completed = int(n)
            row.visits_counting = int(counting)
        elif status == VisitStatus.NO_SHOW:
            row.no_shows = int(n)
        elif status == VisitStatus.CANCELLED:
            row.cancellations = int(n)
        elif status == VisitStatus.DECLINED:
            row.declined = int(n)


def _fill_activities(session: Session, rows: list[QuarterRow], stmt: sa.Select[Any]) -> None:
    for q, activity_type, n, n_attended, n_absent in column_rows(session, stmt):
        rows[q].activities[ActivityType(activity_type)] = ActivityFigures(n, int(n_attended or 0), int(n_absent or 0))


def _fill_survey_pairs(session: Session, rows: list[QuarterRow], statements: _Statements) -> None:
    for q, questionnaire, key, target_group, *pair, answered, paired in column_rows(session, statements.survey_pairs):
        if key is None:
            units = rows[q].survey_units.setdefault(questionnaire, SurveyUnits())
            units.answered, units.paired = int(answered), int(paired)
            continue
        figures = PairFigures(*(int(value) for value in pair))
        if target_group is None:
            rows[q].survey_pairs[(questionnaire, key)] = figures
        else:
            rows[q].survey_pairs_by_target[(questionnaire, key, target_group)] = figures
    for questionnaire, q, n in column_rows(session, statements.late_baselines):
        rows[q].survey_units.setdefault(questionnaire, SurveyUnits()).late_baselines = n
    for questionnaire, q, sent, answered in column_rows(session, statements.invitations):
        figures = rows[q].survey_units.setdefault(questionnaire, SurveyUnits())
        figures.invitations_sent, figures.invitations_answered = int(sent), int(answered or 0)
    for q, _company, answers in column_rows(session, statements.employees):
        rows[q].employees.answers += int(answers)
        rows[q].employees.companies += 1
        rows[q].employees.company_ids.add(_company)
    for q, key, n, total in column_rows(session, statements.employee_answers):
        rows[q].employees.per_key[key] = (int(n), int(total or 0))


def _totals(rows: list[QuarterRow], programme: Programme, today: dt.date) -> Totals:
    main_goal = programme.goal(GoalKind.PERSONS_WORKPLACE_VISIT)
    totals = Totals(target=main_goal.target if main_goal else 0)
    reached = [r for r in rows if not r.is_future]
    totals.target_to_date = reached[-1].target_to_date if reached else 0
    for activity_type, kind in ACTIVITY_GOAL.items():
        goal = programme.goal(kind)
        if goal is not None:
            totals.activity_targets[activity_type] = goal.target
    # The period so far: the quarters shown. A future quarter can already hold figures (a
    # questionnaire sent ahead of a January visit, a January visit cancelled): they count when
    # their quarter comes, or the total would not be the sum of the quarters beside it, and the
    # difference would tell a hidden small count (an outside tester's find).
    for row in reached:
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
        for target_key, pair in row.survey_pairs_by_target.items():
            totals.survey_pairs_by_target.setdefault(target_key, PairFigures()).add(pair)
        for group, units in row.survey_units.items():
            totals.survey_units.setdefault(group, SurveyUnits()).add(units)
        totals.employees.answers += row.employees.answers
        totals.employees.company_ids |= row.employees.company_ids
        totals.employees.companies = len(totals.employees.company_ids)
        for key, (n, total) in row.employees.per_key.items():
            seen_n, seen_total = totals.employees.per_key.get(key, (0, 0))
            totals.employees.per_key[key] = (seen_n + n, seen_total + total)
    return totals


def _forecast(
    session: Session, rows: list[QuarterRow], booked_stmt: sa.Select[Any], today: dt.date, persons: int
) -> Forecast:
    done = [r for r in rows if r.end < today]
    pace = sum(r.new_persons for r in done) / len(done) if done else None
    remaining = float(len(rows) - len(done))
    current = next((r for r in rows if r.is_current), None)
    if current is not None:
        remaining -= ((today - current.start).days + 1) / ((current.end - current.start).days + 1)
    booked = session.scalar(booked_stmt) or 0
    projected = _round_half_up(pace * remaining) if pace is not None else 0
    value = persons + booked + max(0, projected - booked)
    return Forecast(value, pace, len(done), round(remaining, 2), booked, projected)


def _feedback_ratings(session: Session, starts_on: dt.date, ends_on: dt.date) -> dict[str, dict[int, int]]:
    """How many feedback forms gave each rating 1–5, for the visits dated in the period; the
    template's free text never leaves it."""
    ratings: dict[str, dict[int, int]] = {name: dict.fromkeys(range(1, 6), 0) for name in FEEDBACK_RATINGS}
    columns = [getattr(Feedback, name) for name in FEEDBACK_RATINGS]
    # One pass over the forms: each combination of the three ratings (at most 6³ rows) counted once.
    stmt = (
        sa.select(*columns, sa.func.count())
        .join(Visit, Visit.id == Feedback.visit_id)
        .where(_dated_in(starts_on, ends_on), sa.or_(*(c.is_not(None) for c in columns)))
        .group_by(*columns)
    )
    for *values, n in column_rows(session, stmt):
        for name, value in zip(FEEDBACK_RATINGS, values, strict=True):
            if value is not None:
                ratings[name][int(value)] += n
    return ratings


def published_feedback_ratings(report: QuarterlyReport) -> PublishedTable:
    """Forms per rating (rows) and value 1–5, with the forms rated in total as the last column."""
    values = [[report.feedback_ratings[name][v] for v in range(1, 6)] + [sum(report.feedback_ratings[name].values())]
              for name in FEEDBACK_RATINGS]
    # Each rating's mean over these forms is published too (the compilation's feedback): with the
    # row's total that is a second sum, Σ value × forms, and no pair of hidden cells keeps it (a
    # 1 and a 5 hidden together follow from the mean). A row that must hide a count shows only
    # its total; the mean stays, as every mean over five forms or more does.
    rows = [cells if None not in cells[:-1] else [None] * (len(cells) - 1) + cells[-1:]
            for cells in publish(Grid(values, row_total=True))]
    return PublishedTable(columns=list(RATING_COLUMNS), rows=list(zip(FEEDBACK_RATINGS, rows, strict=True)))


# Self-sufficiency at a follow-up: no longer on economic assistance, still on it, or not told
# (the client did not receive it at referral, or it was not recorded).
SELF_SUFFICIENCY = ("self_sufficient", "on_assistance", "not_recorded")


def _follow_ups(session: Session, stmt: sa.Select[Any]) -> tuple[dict[int, dict[str, int]], dict[int, dict[str, int]]]:
    """Per months after the visit: the follow-ups by outcome, and by self-sufficiency."""
    outcomes = {months: dict.fromkeys((r.value for r in FollowUpResult), 0) for months in (3, 6)}
    self_sufficiency = {months: dict.fromkeys(SELF_SUFFICIENCY, 0) for months in (3, 6)}
    for months, outcome, self_sufficient, n in column_rows(session, stmt):
        outcomes[int(months)][outcome.value] += n
        category = ("not_recorded" if self_sufficient is None
                    else "self_sufficient" if self_sufficient else "on_assistance")
        self_sufficiency[int(months)][category] += n
    return outcomes, self_sufficiency


def _survey_questions(session: Session, stmt: sa.Select[Any]) -> dict[tuple[str, str], str]:
    """Question text per (questionnaire, key), from the active "after" sets (else any set, the
    latest version first), in order."""
    texts: dict[tuple[str, str], str] = {}
    for questionnaire, key, text in column_rows(session, stmt):
        texts.setdefault((questionnaire, key), text)
    return texts


# --- small-count suppression and the published tables ---------------------------------------
# The rule and its proof are in models/operations/disclosure.py and docs/disclosure.md.
@dataclass
class PublishedTable:
    """A table as it may be shown to the steering group: None marks a hidden cell."""

    columns: list[str]  # quarter labels of the elapsed quarters, then "total"
    rows: list[tuple[str, list[Optional[int]]]]


def _publish(columns: list[str], categories: Sequence[str], grid: Grid) -> PublishedTable:
    return PublishedTable(columns=columns, rows=list(zip(categories, publish(grid), strict=True)))


def _quarter_columns(report: QuarterlyReport) -> list[str]:
    return [q.quarter for q in report.elapsed] + ["total"]


def published_breakdown(report: QuarterlyReport, dimension: str) -> PublishedTable:
    """New persons by one dimension: categories × elapsed quarters, with a total per category.
    Each quarter's new persons and the persons in total are published, so columns have sums."""
    values = [
        [q.new_persons_by[dimension][cat] for q in report.elapsed] + [report.totals.new_persons_by[dimension][cat]]
        for cat in DIMENSIONS[dimension]
    ]
    grid = Grid(values, row_total=True, column_totals=True)
    return _publish(_quarter_columns(report), DIMENSIONS[dimension], grid)


def published_follow_ups(report: QuarterlyReport) -> PublishedTable:
    """Outcomes at 3 and 6 months; each column's sum (persons followed up then) is taken as known."""
    values = [[report.follow_ups[m][r.value] for m in (3, 6)] for r in FollowUpResult]
    return _publish(["3", "6"], [r.value for r in FollowUpResult], Grid(values, column_totals=True))


def published_self_sufficiency(report: QuarterlyReport) -> PublishedTable:
    """Self-sufficient persons at 3 and 6 months (and those still on assistance or not told);
    each column's sum is the persons followed up then, as in `published_follow_ups`."""
    values = [[report.self_sufficiency[m][c] for m in (3, 6)] for c in SELF_SUFFICIENCY]
    return _publish(["3", "6"], list(SELF_SUFFICIENCY), Grid(values, column_totals=True))


def published_activities(report: QuarterlyReport, what: str) -> PublishedTable:
    """Participants `attended` or `absent` per activity type and elapsed quarter, with totals."""
    values = [
        [getattr(q.activities[t], what) for q in report.elapsed] + [getattr(report.totals.activities[t], what)]
        for t in ActivityType
    ]
    # The sessions held are a top-line figure: where none was held, nobody attended or was absent,
    # and everyone can tell, so such a cell cannot hide another.
    none_held = frozenset(
        (r, c) for r, t in enumerate(ActivityType) for c, q in enumerate(report.elapsed) if not q.activities[t].held
    )
    grid = Grid(values, row_total=True, fixed=none_held)
    return _publish(_quarter_columns(report), [t.value for t in ActivityType], grid)


def published_no_shows(report: QuarterlyReport) -> list[Optional[int]]:
    """No-shows per elapsed quarter, then in total."""
    values = [[q.no_shows for q in report.elapsed] + [report.totals.no_shows]]
    return publish(Grid(values, row_total=True))[0]


def published_pairs(report: QuarterlyReport, group: str) -> list[tuple[str, list[Optional[PairFigures]]]]:
    """Paired figures per question key of one group over the elapsed quarters and the total;
    None where the number of pairs is hidden (with it the mean and the share)."""
    keys = [key for (grp, key) in report.survey_questions if grp == group]
    keys += sorted({key for (grp, key) in report.totals.survey_pairs if grp == group} - set(keys))
    published = []
    for key in keys:
        cells = [q.survey_pairs.get((group, key), PairFigures()) for q in report.elapsed]
        cells.append(report.totals.survey_pairs.get((group, key), PairFigures()))
        [shown] = publish(Grid([[c.pairs for c in cells]], row_total=True))
        published.append((key, [None if n is None else c for n, c in zip(shown, cells, strict=True)]))
    return published


def published_pairs_by_target(
    report: QuarterlyReport, group: str
) -> list[tuple[str, list[tuple[str, Optional[PairFigures]]]]]:
    """Pairs per question key of one questionnaire by the participants' target group over the
    period so far; None where the number of pairs is hidden. The key's total (published with the
    quarters) is the row's sum."""
    published = []
    for key, _cells in published_pairs(report, group):
        cells = [report.totals.survey_pairs_by_target.get((group, key, cat), PairFigures())
                 for cat in DIMENSIONS["target_group"]]
        total = report.totals.survey_pairs.get((group, key), PairFigures())
        [shown] = publish(Grid([[c.pairs for c in cells] + [total.pairs]], row_total=True))
        published.append((key, [(cat, None if n is None else c) for cat, n, c in
                                zip(DIMENSIONS["target_group"], shown, cells, strict=False)]))
    return published


def published_employees(report: QuarterlyReport) -> list[tuple[str, Optional[EmployeeFigures]]]:
    """The colleagues' answers per elapsed quarter and in total; None where fewer than
    SMALL_COUNT answers were given (then neither the count nor any mean is shown; the number of
    companies is). Answers are counted per company, never per person."""
    cells = [(q.quarter, q.employees) for q in report.elapsed] + [("total", report.totals.employees)]
    [shown] = publish(Grid([[figures.answers for _label, figures in cells]], row_total=True))
    return [(label, None if n is None else figures) for (label, figures), n in zip(cells, shown, strict=True)]


def employee_question_keys(report: QuarterlyReport) -> list[str]:
    return [key for (code, key) in report.survey_questions if code == WORKPLACE_EMPLOYEE]


SURVEY_RESPONSE = ("invitations_sent", "invitations_answered", "answered", "pairs", "unpaired", "late_baselines")


def published_survey_response(report: QuarterlyReport, group: str) -> dict[str, list[Optional[int]]]:
    """Per elapsed quarter and in total: answered "after" questionnaires, how many paired and how
    many did not, and the late "before" ones; small counts hidden. Paired and unpaired add up to
    the answered, so they are published as one table whose column sums are known."""
    columns = [*(q.survey_units.get(group, SurveyUnits()) for q in report.elapsed),
               report.totals.survey_units.get(group, SurveyUnits())]
    [answered] = publish(Grid([[u.answered for u in columns]], row_total=True))
    paired, unpaired = publish(
        Grid([[u.paired for u in columns], [u.unpaired for u in columns]], row_total=True, column_totals=True)
    )
    [late] = publish(Grid([[u.late_baselines for u in columns]], row_total=True))
    sent, done = ([u.invitations_sent for u in columns], [u.invitations_answered for u in columns])
    [sent_shown] = publish(Grid([sent], row_total=True))
    # Finished and unfinished links add up to the links sent: one table with known column sums.
    done_shown, _unfinished = publish(
        Grid([done, [a - b for a, b in zip(sent, done, strict=True)]], row_total=True, column_totals=True)
    )
    return dict(zip(SURVEY_RESPONSE, (sent_shown, done_shown, answered, paired, unpaired, late), strict=True))


def response_rate(sent: Optional[int], answered: Optional[int]) -> Optional[float]:
    """The share of links finished, where both counts are shown and some were sent."""
    if sent is None or answered is None or not sent:
        return None
    return answered / sent


_ZEROS = PublishedTable([], [(t.value, [0]) for t in ActivityType])  # a future quarter: nothing yet


def _shown(value: Optional[int]) -> int | str:
    return SUPPRESSED if value is None else value


def _pair_dict(pair: Optional[PairFigures]) -> dict[str, Any]:
    if pair is None:
        return {"pairs": SUPPRESSED, "mean_change": None, "ci95": None, "share_improved": None}
    interval = pair.confidence_interval
    return {
        "pairs": pair.pairs,
        "mean_change": None if pair.mean_change is None else round(pair.mean_change, 2),
        "ci95": None if interval is None else [round(interval[0], 2), round(interval[1], 2)],
        "share_improved": None if pair.share_improved is None else round(pair.share_improved, 3),
    }


def _employees_dict(report: QuarterlyReport) -> dict[str, Any]:
    """The colleagues' answers per quarter and in total (small counts hidden)."""
    keys = employee_question_keys(report)
    shown = {}
    for label, figures in published_employees(report):
        row = report.totals.employees if label == "total" else next(q.employees for q in report.elapsed
                                                                     if q.quarter == label)
        shown[label] = {
            "companies": row.companies,
            "answers": SUPPRESSED if figures is None else figures.answers,
            "mean": {key: None if figures is None or figures.mean(key) is None else round(figures.mean(key) or 0, 2)
                     for key in keys},
        }
    return shown


def _response_dict(response: dict[str, dict[str, list[Optional[int]]]], column: int) -> dict[str, Any]:
    shown: dict[str, Any] = {}
    for group, figures in response.items():
        shown[group] = {what: _shown(cells[column]) for what, cells in figures.items()}
        rate = response_rate(figures["invitations_sent"][column], figures["invitations_answered"][column])
        shown[group]["response_rate"] = None if rate is None else round(rate, 3)
    return shown


def _activity_dict(
    figures: dict[ActivityType, ActivityFigures], targets: dict[ActivityType, int],
    attended: PublishedTable, absent: PublishedTable, column: int,
) -> dict[str, Any]:
    shown = {what: dict(table.rows) for what, table in (("attended", attended), ("absent", absent))}
    return {
        t.value: {
            "held": f.held, "attended": _shown(shown["attended"][t.value][column]),
            "absent": _shown(shown["absent"][t.value][column]), "target": targets.get(t),
        }
        for t, f in figures.items()
    }


def _to_dict(report: QuarterlyReport) -> dict[str, Any]:
    breakdowns = {dim: published_breakdown(report, dim) for dim in DIMENSIONS}
    pairs = {group: published_pairs(report, group) for group in SURVEY_GROUPS}
    response = {group: published_survey_response(report, group) for group in SURVEY_GROUPS}
    attended, absent = published_activities(report, "attended"), published_activities(report, "absent")
    no_shows = published_no_shows(report)
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
                "no_shows": _shown(no_shows[i]) if elapsed else 0,
                "cancellations": row.cancellations,
                "declined": row.declined,
                "activities": _activity_dict(
                    row.activities, row.activity_targets_to_date, attended, absent, i
                ) if elapsed else _activity_dict(row.activities, row.activity_targets_to_date, _ZEROS, _ZEROS, 0),
                "new_persons_by": {
                    dim: {cat: _shown(cells[i]) if elapsed else 0 for cat, cells in table.rows}
                    for dim, table in breakdowns.items()
                },
                "survey_pairs": {
                    group: {key: _pair_dict(cells[i]) if elapsed else _pair_dict(PairFigures()) for key, cells in rows}
                    for group, rows in pairs.items()
                },
                "survey_response": _response_dict(response, i) if elapsed else {
                    group: dict.fromkeys(SURVEY_RESPONSE, 0) | {"response_rate": None} for group in SURVEY_GROUPS
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
            "no_shows": _shown(no_shows[-1]),
            "cancellations": totals.cancellations,
            "declined": totals.declined,
            "activities": _activity_dict(totals.activities, totals.activity_targets, attended, absent, -1),
            "new_persons_by": {
                dim: {cat: _shown(cells[-1]) for cat, cells in table.rows} for dim, table in breakdowns.items()
            },
            "survey_pairs": {
                group: {key: _pair_dict(cells[-1]) for key, cells in rows} for group, rows in pairs.items()
            },
            "survey_response": _response_dict(response, -1),
            "employees": _employees_dict(report),
            "survey_pairs_by_target_group": {
                group: {
                    key: {target: _pair_dict(pair) for target, pair in cells}
                    for key, cells in published_pairs_by_target(report, group)
                }
                for group in SURVEY_GROUPS if QUESTIONNAIRES[group].audience == "participant"
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
        "budget": None if report.budget is None else report.budget.to_dict(),
        "compilation": None if report.compilation is None else compilation_dict(report.compilation),
        "feedback_ratings": {
            name: {column: _shown(value) for column, value in zip(RATING_COLUMNS, cells, strict=True)}
            for name, cells in published_feedback_ratings(report).rows
        },
        "follow_ups": {
            str(months): {result: _shown(cells[c]) for result, cells in published_follow_ups(report).rows}
            for c, months in enumerate((3, 6))
        },
        "self_sufficiency": {
            str(months): {category: _shown(cells[c]) for category, cells in published_self_sufficiency(report).rows}
            for c, months in enumerate((3, 6))
        },
        "suppression": f"Counts of 1–{SMALL_COUNT - 1} persons in breakdowns, follow-ups, self-sufficiency, "
        f'questionnaire pairs, activity attendance and no-shows are shown as "{SUPPRESSED}", and so are the '
        "further cells that would let one be worked out from the published sums (docs/disclosure.md).",
    }
