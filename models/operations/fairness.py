"""The fairness audit: how each group fares from the pool to a completed visit, per target
group and, where recorded, gender and age band, with the four-fifths check.

For each group, over a period (proposals made in it, lists shown in it):

* pool: candidates who may be recommended today (see eligibility.may_take_part);
* top 5: places in the top five of the candidate lists shown on offer pages (the exposure log);
* proposed: proposals made (visits booked, whatever became of them);
* acceptance rate: accepted of the proposals the employer answered;
* completion rate: completed of the accepted visits whose outcome is known (held, missed or
  cancelled).

Shares are of all groups' total. The four-fifths ratio compares groups: for top 5 and proposed,
each group's share over its pool share, divided by the best group's; for the two rates, each
group's rate divided by the best group's. A ratio under 0.8 is flagged. A group with fewer than
five people in the pool is "too few" and left out of the comparison, as is a rate resting on
fewer than five cases.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from typing import Optional

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import clock
from ..candidates import Candidate
from ..enums import Gender, TargetGroup
from ..system import Exposure
from .eligibility import may_take_part
from .matching import history_frame

FOUR_FIFTHS = 0.8
MIN_GROUP = 5
TOP_K = 5
AGE_BANDS: tuple[tuple[int, str], ...] = ((25, "18-24"), (35, "25-34"), (50, "35-49"), (200, "50+"))
DIMENSIONS: dict[str, tuple[str, ...]] = {
    "target_group": tuple(t.value for t in TargetGroup),
    "gender": tuple(g.value for g in Gender),
    "age_band": tuple(label for _limit, label in AGE_BANDS),
}
MEASURES = ("top5", "proposed", "acceptance", "completion")


def age_band(birth: Optional[dt.date], today: dt.date) -> Optional[str]:
    if birth is None:
        return None
    age = today.year - birth.year - ((today.month, today.day) < (birth.month, birth.day))
    return next(label for limit, label in AGE_BANDS if age < limit)


@dataclass
class GroupFigures:
    group: str
    pool: int = 0
    top5: int = 0
    proposed: int = 0
    answered: int = 0
    accepted: int = 0
    held: int = 0  # accepted visits with a known outcome
    completed: int = 0
    shares: dict[str, Optional[float]] = field(default_factory=dict)  # pool, top5, proposed
    rates: dict[str, Optional[float]] = field(default_factory=dict)  # acceptance, completion
    ratios: dict[str, Optional[float]] = field(default_factory=dict)  # per measure

    @property
    def too_few(self) -> bool:
        return self.pool < MIN_GROUP

    def flagged(self, measure: str) -> bool:
        ratio = self.ratios.get(measure)
        return ratio is not None and ratio < FOUR_FIFTHS


@dataclass
class DimensionFigures:
    key: str
    groups: list[GroupFigures]
    unrecorded: int = 0  # in the pool without a recorded value

    @property
    def flagged(self) -> bool:
        return any(g.flagged(m) for g in self.groups for m in MEASURES)


@dataclass
class FairnessAudit:
    start: Optional[dt.date]
    end: Optional[dt.date]
    today: dt.date
    pool: int
    lists: int  # candidate lists shown on offer pages in the period
    proposals: int
    dimensions: list[DimensionFigures]


def _share(part: int, whole: int) -> Optional[float]:
    return part / whole if whole else None


def _rate(part: int, whole: int) -> Optional[float]:
    return part / whole if whole >= MIN_GROUP else None


def _people(session: Session, today: dt.date) -> pd.DataFrame:
    rows = session.execute(sa.select(
        Candidate.id,
        sa.type_coerce(Candidate.target_group, sa.String()),
        sa.type_coerce(Candidate.gender, sa.String()),
        Candidate.birth_date,
        may_take_part(),
    ))
    frame = pd.DataFrame(rows.all(), columns=["id", "target_group", "gender", "birth_date", "in_pool"])
    frame["age_band"] = [age_band(b, today) for b in frame["birth_date"]]
    frame["in_pool"] = frame["in_pool"].astype(bool)
    return frame.set_index("id")


def _top5_counts(session: Session, start: Optional[dt.date], end: Optional[dt.date]) -> tuple[pd.Series, int]:
    """Top-five places per candidate in the offer lists shown in the period, and how many lists."""
    query = sa.select(Exposure.ranked).where(Exposure.context == "offer")
    if start is not None:
        query = query.where(Exposure.at >= clock.local_midnight(start))
    if end is not None:
        query = query.where(Exposure.at < clock.local_midnight(end + dt.timedelta(days=1)))
    ids: list[int] = []
    lists = 0
    for ranked in session.scalars(query):
        lists += 1
        ids.extend(int(entry[0]) for entry in ranked[:TOP_K])
    return pd.Series(ids, dtype="int64").value_counts(), lists


def fairness_audit(
    session: Session, *, start: Optional[dt.date] = None, end: Optional[dt.date] = None, today: Optional[dt.date] = None
) -> FairnessAudit:
    """The figures of the audit for proposals and lists from `start` to `end` (inclusive; open
    ends take everything)."""
    today = today or clock.local_today()
    people = _people(session, today)
    top5, lists = _top5_counts(session, start, end)
    history = history_frame(session)
    proposed_on = history["proposed_on"].dt.date
    in_period = pd.Series(True, index=history.index)
    if start is not None:
        in_period &= proposed_on >= start
    if end is not None:
        in_period &= proposed_on <= end
    history = history[in_period]
    history = history.assign(candidate=history["candidate_id"].astype(int))
    people["top5"] = top5.reindex(people.index, fill_value=0)
    events = pd.DataFrame({
        "candidate": history["candidate"],
        "proposed": 1,
        "answered": (history["employer_response"] != "none").astype(int),
        "accepted": (history["employer_response"] == "accepted").astype(int),
        "held": (history["visit_status"] != "none").astype(int),
        "completed": (history["visit_status"] == "completed").astype(int),
    }).groupby("candidate").sum()
    people = people.join(events, how="left").fillna(
        {c: 0 for c in ("proposed", "answered", "accepted", "held", "completed")}
    )
    dimensions = [_dimension(people, key, values) for key, values in DIMENSIONS.items()]
    return FairnessAudit(start, end, today, int(people["in_pool"].sum()), lists, len(history), dimensions)


def _dimension(people: pd.DataFrame, key: str, values: tuple[str, ...]) -> DimensionFigures:
    recorded = people[people[key].notna()]
    sums = recorded.groupby(key)[["in_pool", "top5", "proposed", "answered", "accepted", "held", "completed"]].sum()
    groups = []
    for value in values:
        row = sums.loc[value] if value in sums.index else None
        figures = GroupFigures(value)
        if row is not None:
            figures.pool = int(row["in_pool"])
            for name in ("top5", "proposed", "answered", "accepted", "held", "completed"):
                setattr(figures, name, int(row[name]))
        groups.append(figures)
    totals = {name: sum(getattr(g, name) for g in groups) for name in ("pool", "top5", "proposed")}
    for g in groups:
        g.shares = {name: _share(getattr(g, name), totals[name]) for name in totals}
        g.rates = {"acceptance": _rate(g.accepted, g.answered), "completion": _rate(g.completed, g.held)}
    _ratios(groups)
    unrecorded = int(people.loc[people[key].isna(), "in_pool"].sum())
    return DimensionFigures(key, groups, unrecorded)


def _ratios(groups: list[GroupFigures]) -> None:
    """The four-fifths ratios of the groups that can be judged."""
    judged = [g for g in groups if not g.too_few]
    values: dict[str, dict[str, float]] = {m: {} for m in MEASURES}
    for g in judged:
        for measure in ("top5", "proposed"):
            share, pool_share = g.shares[measure], g.shares["pool"]
            if share is not None and pool_share:
                values[measure][g.group] = share / pool_share
        for measure in ("acceptance", "completion"):
            if g.rates[measure] is not None:
                values[measure][g.group] = g.rates[measure]
    for measure, by_group in values.items():
        best = max(by_group.values(), default=0.0)
        for g in groups:
            g.ratios[measure] = by_group[g.group] / best if best > 0 and g.group in by_group else None
