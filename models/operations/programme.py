"""Programme settings: period, budget, parties, funding, goals and quarterly milestones.

Quarters are calendar quarters ("2025-Q3") clipped to the programme period, so a programme that
starts mid-quarter has a short first quarter. A goal's target to date at the end of quarter i
(1-based) of n is linear, target × i / n rounded half up, unless an edited Milestone row for
that quarter says otherwise.

A past quarter's target never changes: when the period or a goal's target changes (an extension
of the agreement above all), every quarter that has ended first gets its target as it was in a
frozen Milestone row (`freeze_past_targets`), which cannot be edited afterwards. The quarters
after the last frozen one spread what is left: with f frozen quarters whose last target is F,
quarter i's linear target is F + (target − F) × (i − f) / (n − f), rounded half up.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts import Organisation
from ..clock import local_today, quarter_end, quarter_label, quarter_start
from ..enums import GoalKind
from ..programme import Funding, Goal, Milestone, Programme
from .errors import DomainError

# Goals every programme has; the four activity goals are optional.
MAIN_GOAL = GoalKind.PERSONS_WORKPLACE_VISIT
ACTIVITY_GOALS: tuple[GoalKind, ...] = (
    GoalKind.STADIUM_VISIT,
    GoalKind.MATCH_HOST_SHADOWING,
    GoalKind.ASSOCIATION_ACTIVITY,
    GoalKind.WELLNESS,
)


@dataclass(frozen=True)
class Quarter:
    """One quarter of a programme: its label, index and (clipped) first and last day."""

    index: int  # 0-based position in the programme
    label: str  # "YYYY-Qn"
    calendar_start: dt.date  # the calendar quarter's first day: the Milestone key
    start: dt.date
    end: dt.date


def programme_quarters(starts_on: dt.date, ends_on: dt.date) -> list[Quarter]:
    """Every quarter the period touches, in order, clipped to the period."""
    quarters: list[Quarter] = []
    day = starts_on
    while day <= ends_on:
        end = min(quarter_end(day), ends_on)
        quarters.append(Quarter(len(quarters), quarter_label(day), quarter_start(day), day, end))
        day = end + dt.timedelta(days=1)
    return quarters


def linear_target(target: int, quarter_number: int, total_quarters: int) -> int:
    """target × quarter_number / total_quarters, rounded half up (integers only, no float error)."""
    return (2 * target * quarter_number + total_quarters) // (2 * total_quarters)


@dataclass(frozen=True)
class MilestoneRow:
    quarter: Quarter
    linear: int
    edited: Optional[int]
    frozen: bool = False

    @property
    def target_to_date(self) -> int:
        return self.edited if self.edited is not None else self.linear


def _linear_plan(goal_target: int, quarters: list[Quarter], frozen: Mapping[dt.date, int]) -> list[int]:
    """Linear targets to date: over the whole period, or from the last frozen quarter's target on."""
    last = max((q.index for q in quarters if q.calendar_start in frozen), default=-1)
    if last < 0:
        return [linear_target(goal_target, q.index + 1, len(quarters)) for q in quarters]
    base, done, total = frozen[quarters[last].calendar_start], last + 1, len(quarters)
    rest = max(goal_target - base, 0)
    return [
        base + linear_target(rest, q.index + 1 - done, total - done) if q.index >= done else frozen.get(
            q.calendar_start, linear_target(goal_target, q.index + 1, total)
        )
        for q in quarters
    ]


def milestone_plan(programme: Programme, goal: Goal) -> list[MilestoneRow]:
    """The goal's target to date for every quarter: edited where set, linear elsewhere."""
    quarters = programme_quarters(programme.starts_on, programme.ends_on)
    edited = {m.quarter_start: m.target_to_date for m in goal.milestones}
    frozen = {m.quarter_start: m.target_to_date for m in goal.milestones if m.frozen_on is not None}
    return [
        MilestoneRow(q, linear, edited.get(q.calendar_start), q.calendar_start in frozen)
        for q, linear in zip(quarters, _linear_plan(goal.target, quarters, frozen), strict=True)
    ]


def freeze_past_targets(session: Session, programme: Programme, today: Optional[dt.date] = None) -> int:
    """Keep the target of every quarter that has ended as it is now, in a frozen milestone, before
    the period or a goal changes; returns how many quarters were frozen now."""
    today = today or local_today()
    frozen = 0
    for goal in programme.goals:
        rows = {m.quarter_start: m for m in goal.milestones}
        for plan in milestone_plan(programme, goal):
            if plan.quarter.end >= today or plan.frozen:
                continue
            row = rows.get(plan.quarter.calendar_start)
            if row is None:
                row = Milestone(quarter_start=plan.quarter.calendar_start, target_to_date=plan.target_to_date)
                goal.milestones.append(row)
            row.frozen_on = today
            frozen += 1
    session.flush()
    return frozen


def set_milestones(session: Session, goal: Goal, edits: Mapping[dt.date, Optional[int]]) -> None:
    """Change the goal's edited milestones; a None value returns that quarter to linear.

    Keys are calendar quarter starts. The resulting plan must never go down from one quarter
    to the next (targets to date are cumulative); nothing changes when a value is refused.
    """
    programme = goal.programme
    quarters = programme_quarters(programme.starts_on, programme.ends_on)
    known = {q.calendar_start for q in quarters}
    frozen = {m.quarter_start: m for m in goal.milestones if m.frozen_on is not None}
    for key, value in edits.items():
        if key not in known:
            raise DomainError("Kvartalet ligger utanför programmets period.", field=milestone_field(key))
        if value is not None and value < 0:
            raise DomainError("Målet kan inte vara negativt.", field=milestone_field(key))
        if key in frozen and value != frozen[key].target_to_date:
            raise DomainError(
                "Kvartalet %(quarter)s är avslutat och dess mål är låst sedan %(day)s.", field=milestone_field(key),
                quarter=quarter_label(key), day=frozen[key].frozen_on.isoformat(),  # type: ignore[union-attr]
            )
    edits = {k: v for k, v in edits.items() if k not in frozen}
    edited = {m.quarter_start: m.target_to_date for m in goal.milestones}
    edited.update(edits)
    linear = _linear_plan(goal.target, quarters, {k: m.target_to_date for k, m in frozen.items()})
    previous: Optional[tuple[str, int]] = None
    for q in quarters:
        value = edited.get(q.calendar_start)
        if value is None:
            value = linear[q.index]
        if previous is not None and value < previous[1]:
            raise DomainError(
                "Målet till och med %(quarter)s (%(value)s) är lägre än målet till och med "
                "%(previous)s (%(previous_value)s). Målen räknas ackumulerat.",
                field=milestone_field(q.calendar_start),
                quarter=q.label,
                value=value,
                previous=previous[0],
                previous_value=previous[1],
            )
        previous = (q.label, value)
    _set_rows(goal.milestones, Milestone, "quarter_start", "target_to_date", edits.items())
    session.flush()


def _set_rows(rows: list[Any], model: type[Any], key: str, value: str, wanted: Iterable[tuple[Any, Any]]) -> None:
    """Make a relationship's `rows` (milestones, funding, goals) hold the `wanted` (key, value)
    pairs: the row of a key is added or its value changed, or removed where the value is None.
    Rows of keys not in `wanted` stay as they are."""
    existing = {getattr(row, key): row for row in rows}
    for k, v in wanted:
        row = existing.get(k)
        if v is None:
            if row is not None:
                rows.remove(row)
        elif row is None:
            rows.append(model(**{key: k, value: v}))
        else:
            setattr(row, value, v)


def milestone_field(calendar_start: dt.date) -> str:
    """The form field that holds one quarter's edited milestone."""
    return f"q_{calendar_start:%Y%m%d}"


@dataclass
class ProgrammeSettings:
    """What the admin's settings form gives: everything but the milestones."""

    name: str
    starts_on: Optional[dt.date]
    ends_on: Optional[dt.date]
    yearly_budget_sek: Optional[int]
    description: str = ""
    party_ids: Iterable[int] = ()
    funding: Mapping[int, Optional[int]] = field(default_factory=dict)  # organisation id → kr per year
    goals: Mapping[GoalKind, Optional[int]] = field(default_factory=dict)


def goal_field(kind: GoalKind) -> str:
    """The form field that holds a goal's target (errors name it)."""
    return f"goal_{kind.value}"


def funding_field(organisation_id: int) -> str:
    return f"funding_{organisation_id}"


def _validate(settings: ProgrammeSettings) -> None:
    if not settings.name.strip():
        raise DomainError("Ange programmets namn.", field="name")
    if settings.starts_on is None:
        raise DomainError("Ange när perioden börjar.", field="starts_on")
    if settings.ends_on is None:
        raise DomainError("Ange när perioden slutar.", field="ends_on")
    if settings.ends_on <= settings.starts_on:
        raise DomainError("Perioden måste sluta efter att den börjar.", field="ends_on")
    if settings.yearly_budget_sek is None or settings.yearly_budget_sek < 0:
        raise DomainError("Ange budgeten per år i kronor, 0 eller mer.", field="yearly_budget_sek")
    for org_id, amount in settings.funding.items():
        if amount is not None and amount < 0:
            raise DomainError("Finansieringen kan inte vara negativ.", field=funding_field(org_id))
    if settings.goals.get(MAIN_GOAL) is None:
        raise DomainError("Ange huvudmålet: antal personer med genomfört besök.", field=goal_field(MAIN_GOAL))
    for kind, target in settings.goals.items():
        if target is not None and target <= 0:
            raise DomainError("Ett mål måste vara större än 0.", field=goal_field(kind))


def save_programme(session: Session, settings: ProgrammeSettings, programme: Optional[Programme] = None) -> Programme:
    """Create a programme or update one from the settings; nothing changes if any value is wrong.

    Edited milestones outside a changed period are dropped; a goal left blank is removed.
    """
    _validate(settings)
    if programme is None:
        programme = Programme()
        session.add(programme)
    elif _moves_targets(programme, settings):
        freeze_past_targets(session, programme)
    programme.name = settings.name.strip()
    programme.starts_on = settings.starts_on  # type: ignore[assignment]  # checked in _validate
    programme.ends_on = settings.ends_on  # type: ignore[assignment]
    programme.yearly_budget_sek = settings.yearly_budget_sek  # type: ignore[assignment]
    programme.description = settings.description.strip()

    party_ids = set(settings.party_ids)
    programme.parties = (
        list(session.scalars(sa.select(Organisation).where(Organisation.id.in_(party_ids)).order_by(Organisation.name)))
        if party_ids
        else []
    )
    _set_rows(
        programme.funding, Funding, "organisation_id", "yearly_amount_sek",
        ((org_id, amount or None) for org_id, amount in settings.funding.items()),
    )
    _set_rows(programme.goals, Goal, "kind", "target", ((kind, settings.goals.get(kind)) for kind in GoalKind))
    in_period = {q.calendar_start for q in programme_quarters(programme.starts_on, programme.ends_on)}
    for goal in programme.goals:
        for milestone in [m for m in goal.milestones if m.quarter_start not in in_period]:
            goal.milestones.remove(milestone)
    session.flush()
    return programme


def _moves_targets(programme: Programme, settings: ProgrammeSettings) -> bool:
    """The settings change the period or a goal's target: the linear targets would move."""
    targets = {g.kind: g.target for g in programme.goals}
    return (settings.starts_on, settings.ends_on) != (programme.starts_on, programme.ends_on) or any(
        kind in targets and target is not None and target != targets[kind] for kind, target in settings.goals.items()
    )


def current_programme(session: Session, today: Optional[dt.date] = None) -> Optional[Programme]:
    """The programme running today, else the one that started most recently."""
    today = today or local_today()
    running = session.scalar(
        sa.select(Programme)
        .where(Programme.starts_on <= today, Programme.ends_on >= today)
        .order_by(Programme.starts_on.desc(), Programme.id.desc())
    )
    if running is not None:
        return running
    return session.scalar(sa.select(Programme).order_by(Programme.starts_on.desc(), Programme.id.desc()))
