"""What Tillväxt Helsingborg needs to compile the quarter's report for the steering group
(Organisation och samverkan: "Sammanställande är Tillväxt Helsingborg"), per elapsed quarter:

- referrals and selection decisions per referring unit (the AF and AMF units): referrals
  received (submitted in the quarter), accepted and returned (the decision's day);
- companies engaged per network (HIF sponsors, TH's network, both): companies that hosted a
  completed workplace visit in the quarter, the visits they hosted, and the companies that
  signalled an interest in recruiting in the feedback after a visit of the quarter;
- the feedback summary (the template the supervisors fill in): forms, mean ratings, the share
  who would welcome the visitor again, and the further interest the company signalled.

Every count is published through the small-count rule (models/operations/disclosure.py):
`published_compilation` gives the tables as the steering group may see them. A quarter is the
quarter of the visit's date, or of the referral's submission or decision (Stockholm time).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..accounts import Organisation
from ..candidates import Referral, ReferralEvent
from ..clock import local_midnight
from ..companies import Company, Offer
from ..db import column_rows
from ..enums import FurtherInterest, Network, ReferralStatus, VisitStatus
from ..followup import Feedback
from ..visits import Visit
from .disclosure import SUPPRESSED, Grid, publish
from .programme import Quarter

REFERRAL_MEASURES = ("received", "accepted", "returned")
NETWORKS: tuple[str, ...] = tuple(n.value for n in Network)
INTERESTS: tuple[str, ...] = tuple(i.value for i in FurtherInterest)
RATINGS = ("overall", "interest", "punctuality")
TOTAL = "total"


@dataclass
class FeedbackFigures:
    """Feedback forms about the visits of one quarter (or of the whole period so far)."""

    forms: int = 0
    rating_sums: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RATINGS, 0))
    rating_counts: dict[str, int] = field(default_factory=lambda: dict.fromkeys(RATINGS, 0))
    welcome_again: int = 0
    further: dict[str, int] = field(default_factory=lambda: dict.fromkeys(INTERESTS, 0))

    def add(self, other: FeedbackFigures) -> None:
        self.forms += other.forms
        self.welcome_again += other.welcome_again
        for key in RATINGS:
            self.rating_sums[key] += other.rating_sums[key]
            self.rating_counts[key] += other.rating_counts[key]
        for key in INTERESTS:
            self.further[key] += other.further[key]

    def mean(self, rating: str) -> Optional[float]:
        n = self.rating_counts[rating]
        return self.rating_sums[rating] / n if n else None


@dataclass
class CompilationFigures:
    """Raw counts (the report keeps them; only `published_compilation` shows them)."""

    quarters: list[str]  # the elapsed quarters' labels, the columns
    units: list[str]  # the referring units' names, the rows of the referral tables
    referrals: dict[str, list[list[int]]]  # measure → units × quarters
    visits_hosted: list[list[int]]  # networks × quarters
    companies_engaged: list[list[int]]  # networks × quarters (distinct companies in the quarter)
    companies_engaged_period: list[int]  # per network: distinct companies over the quarters
    recruiting: list[list[int]]  # networks × quarters: companies signalling recruitment interest
    recruiting_period: list[int]
    feedback: list[FeedbackFigures]  # per quarter, then the whole period
    # The tables as published, worked out once (the small-count rule is the costly part): a
    # kept report's figures are read by every page and export that shows them.
    published: Optional[PublishedCompilation] = field(default=None, init=False, repr=False, compare=False)


def _quarter(column: Any, quarters: Sequence[Quarter], *, instant: bool) -> sa.Case[Any]:
    """SQL: the index of the quarter a date (or a moment, by Stockholm days) falls in."""
    if instant:
        return sa.case(*[(column < local_midnight(q.end + dt.timedelta(days=1)), q.index) for q in quarters],
                       else_=sa.null())
    return sa.case(*[(column <= q.end, q.index) for q in quarters], else_=sa.null())


def _grid(rows: int, columns: int) -> list[list[int]]:
    return [[0] * columns for _ in range(rows)]


def _per_network(
    session: Session, rows: sa.CTE, quarters: int, measure: Any = None
) -> tuple[list[list[int]], list[list[int]], list[int]]:
    """Of `rows` (network, company_id, q, …), added up in the database: `measure` per network and
    quarter (zeros without one), the distinct companies per network and quarter, and the distinct
    companies per network over the whole period."""
    none = sa.cast(sa.null(), sa.Integer)
    companies = sa.func.count(sa.distinct(rows.c.company_id))
    per_quarter = (
        sa.select(sa.literal(False), rows.c.network, rows.c.q, none if measure is None else measure, companies)
        .group_by(rows.c.network, rows.c.q)
    )
    over_period = sa.select(sa.literal(True), rows.c.network, none, none, companies).group_by(rows.c.network)
    measured, per_quarter_companies = _grid(len(NETWORKS), quarters), _grid(len(NETWORKS), quarters)
    period = [0] * len(NETWORKS)
    for whole_period, network, q, value, count in column_rows(session, sa.union_all(per_quarter, over_period)):
        i = NETWORKS.index(Network(network).value)
        if whole_period:
            period[i] = count
        else:
            per_quarter_companies[i][q] = count
            measured[i][q] = int(value or 0)  # PostgreSQL sums into a numeric
    return measured, per_quarter_companies, period


def compilation_figures(session: Session, quarters: Sequence[Quarter]) -> CompilationFigures:
    """The counts for the elapsed `quarters` (the programme's, up to the current one)."""
    n = len(quarters)
    if not n:
        return CompilationFigures([], [], {m: [] for m in REFERRAL_MEASURES}, _grid(len(NETWORKS), 0),
                                  _grid(len(NETWORKS), 0), [0] * len(NETWORKS), _grid(len(NETWORKS), 0),
                                  [0] * len(NETWORKS), [FeedbackFigures()])
    first, last = quarters[0].start, quarters[-1].end
    start, stop = local_midnight(first), local_midnight(last + dt.timedelta(days=1))

    # referrals received (submitted) and decided, per unit and quarter
    counts: dict[tuple[str, int, int], int] = {}
    q_submitted = _quarter(Referral.submitted_at, quarters, instant=True)
    for unit_id, q, k in column_rows(session,
        sa.select(Referral.unit_id, q_submitted, sa.func.count())
        .where(Referral.submitted_at >= start, Referral.submitted_at < stop)
        .group_by(Referral.unit_id, q_submitted)
    ):
        counts[("received", unit_id, q)] = k
    q_decided = _quarter(ReferralEvent.at, quarters, instant=True)
    decisions = {ReferralStatus.ACCEPTED: "accepted", ReferralStatus.RETURNED: "returned"}
    for unit_id, status, q, k in column_rows(session,
        sa.select(Referral.unit_id, ReferralEvent.to_status, q_decided, sa.func.count())
        .join(Referral, Referral.id == ReferralEvent.referral_id)
        .where(ReferralEvent.at >= start, ReferralEvent.at < stop, ReferralEvent.to_status.in_(list(decisions)))
        .group_by(Referral.unit_id, ReferralEvent.to_status, q_decided)
    ):
        counts[(decisions[ReferralStatus(status)], unit_id, q)] = k
    unit_ids = sorted({unit for _m, unit, _q in counts})
    names = {i: name for i, name in column_rows(session,
        sa.select(Organisation.id, Organisation.name).where(Organisation.id.in_(unit_ids))
    )}
    order = sorted(unit_ids, key=lambda u: names.get(u, ""))
    referrals = {
        measure: [[counts.get((measure, unit, q), 0) for q in range(n)] for unit in order]
        for measure in REFERRAL_MEASURES
    }

    # companies and visits per network
    q_visit = _quarter(Visit.visit_date, quarters, instant=False)
    completed = sa.and_(Visit.status == VisitStatus.COMPLETED, Visit.visit_date >= first, Visit.visit_date <= last)
    # The visits are counted per company and quarter first, from `ix_visit_status_date` alone;
    # only those counts are joined with the companies' networks, and added up per network there:
    # the visits and companies of each quarter, and the companies over the period.
    per_company = (
        sa.select(Offer.company_id, q_visit.label("q"), sa.func.count().label("visits"))
        .select_from(Visit).join(Offer, Offer.id == Visit.offer_id)
        .where(completed).group_by(Offer.company_id, q_visit)
        .subquery("per_company")
    )
    hosting = (
        sa.select(Company.network.label("network"), per_company.c.company_id, per_company.c.q, per_company.c.visits)
        .join(Company, Company.id == per_company.c.company_id)
        .cte("hosting")
    )
    hosted, engaged, engaged_period = _per_network(session, hosting, n, sa.func.sum(hosting.c.visits))

    # feedback about the visits of each quarter, and the companies that want to recruit: counted
    # in the database (a region has tens of thousands of forms; none is loaded)
    joined = (
        sa.select().select_from(Feedback).join(Visit, Visit.id == Feedback.visit_id)
        .where(Visit.visit_date >= first, Visit.visit_date <= last)
    )
    feedback = [FeedbackFigures() for _ in range(n)]
    sums = [sa.func.count(getattr(Feedback, r)) for r in RATINGS] + [sa.func.sum(getattr(Feedback, r)) for r in RATINGS]
    welcome = sa.func.sum(sa.case((Feedback.would_welcome_again.is_(True), 1), else_=0))
    # One pass over the forms, per quarter and further interest, added up per quarter here.
    for q, interest, forms, welcomed, *values in column_rows(session,
        joined.add_columns(q_visit, Feedback.further_interest, sa.func.count(), welcome, *sums)
        .group_by(q_visit, Feedback.further_interest)
    ):
        figures = feedback[q]
        figures.forms += forms
        figures.welcome_again += int(welcomed or 0)
        figures.further[FurtherInterest(interest).value] = forms
        for i, rating in enumerate(RATINGS):
            figures.rating_counts[rating] += values[i]
            figures.rating_sums[rating] += int(values[len(RATINGS) + i] or 0)
    # The companies that signalled an interest in recruiting, per quarter and over the period:
    # each company once per quarter it did.
    signalled = (
        joined.join(Offer, Offer.id == Visit.offer_id).join(Company, Company.id == Offer.company_id)
        .where(Feedback.further_interest == FurtherInterest.RECRUITMENT)
        .add_columns(Company.network.label("network"), q_visit.label("q"), Company.id.label("company_id")).distinct()
        .cte("signalled")
    )
    _zeros, recruiting, recruiting_period = _per_network(session, signalled, n)
    total = FeedbackFigures()
    for figures in feedback:
        total.add(figures)
    return CompilationFigures(
        quarters=[q.label for q in quarters],
        units=[names.get(u, str(u)) for u in order],
        referrals=referrals,
        visits_hosted=hosted,
        companies_engaged=engaged,
        companies_engaged_period=engaged_period,
        recruiting=recruiting,
        recruiting_period=recruiting_period,
        feedback=[*feedback, total],
    )


# --- publishing ----------------------------------------------------------------------------
@dataclass
class CountTable:
    """A table of counts as it may be shown: None where a cell is hidden."""

    columns: list[str]  # quarter labels, then "total" where the row total is shown
    rows: list[tuple[str, list[Optional[int]]]]


def _with_totals(rows: list[list[int]]) -> list[list[int]]:
    return [[*row, sum(row)] for row in rows]


def _table(labels: Sequence[str], columns: list[str], values: list[list[int]], **sums: bool) -> CountTable:
    published = publish(Grid(values, **sums)) if values and values[0] else [[] for _ in values]
    return CountTable(columns, list(zip(labels, published, strict=True)))


@dataclass
class FeedbackRow:
    """One column of the feedback summary as published: means only over at least five forms."""

    column: str
    forms: Optional[int]
    means: dict[str, Optional[float]]
    share_welcome_again: Optional[float]
    further: dict[str, Optional[int]]


@dataclass
class PublishedCompilation:
    referrals: dict[str, CountTable]  # measure → units × (quarters, total)
    visits_hosted: CountTable  # networks × (quarters, total)
    companies_engaged: CountTable  # networks × quarters
    companies_engaged_period: CountTable  # networks × [period]
    recruiting: CountTable  # networks × quarters
    recruiting_period: CountTable
    feedback: list[FeedbackRow]


def published_compilation(figures: CompilationFigures) -> PublishedCompilation:
    """Every table with the small-count rule. The visits hosted per network add up to the
    completed visits of each quarter (a top-line figure), so they are a table with column sums;
    the companies and the referrals only add up along their rows (or not at all)."""
    if figures.published is None:
        figures.published = _publish(figures)
    return figures.published


def _publish(figures: CompilationFigures) -> PublishedCompilation:
    quarters = list(figures.quarters)
    with_total = [*quarters, TOTAL]
    referrals = {
        measure: _table(figures.units, with_total, _with_totals(rows), row_total=True)
        for measure, rows in figures.referrals.items()
    }
    hosted = _table(NETWORKS, with_total, _with_totals(figures.visits_hosted), row_total=True, column_totals=True)
    engaged = _table(NETWORKS, quarters, figures.companies_engaged)
    engaged_period = _table(NETWORKS, [TOTAL], [[v] for v in figures.companies_engaged_period])
    recruiting = _table(NETWORKS, quarters, figures.recruiting)
    recruiting_period = _table(NETWORKS, [TOTAL], [[v] for v in figures.recruiting_period])
    return PublishedCompilation(referrals, hosted, engaged, engaged_period, recruiting, recruiting_period,
                                _published_feedback(with_total, figures.feedback))


def _published_feedback(columns: list[str], feedback: list[FeedbackFigures]) -> list[FeedbackRow]:
    """The forms per column (a row with its total), the further interest per column (rows whose
    column sums are the forms), and the means and shares only where at least five forms are shown
    (a rating's mean only over five ratings or more: a rating may be left out of a form)."""
    [forms] = publish(Grid([[f.forms for f in feedback]], row_total=True))
    further = publish(Grid([[f.further[i] for f in feedback] for i in INTERESTS], row_total=True, column_totals=True))
    rows = []
    for c, (column, figures) in enumerate(zip(columns, feedback, strict=True)):
        shown = forms[c] is not None and figures.forms >= 5
        rows.append(FeedbackRow(
            column=column,
            forms=forms[c],
            means={r: (round(figures.mean(r) or 0, 2) if shown and figures.rating_counts[r] >= 5 else None)
                   for r in RATINGS},
            share_welcome_again=round(figures.welcome_again / figures.forms, 3) if shown else None,
            further={i: further[k][c] for k, i in enumerate(INTERESTS)},
        ))
    return rows


def _cells(values: list[Optional[int]]) -> list[int | str]:
    return [SUPPRESSED if v is None else v for v in values]


def _count_dict(table: CountTable) -> dict[str, dict[str, int | str]]:
    return {label: dict(zip(table.columns, _cells(cells), strict=True)) for label, cells in table.rows}


def compilation_dict(figures: CompilationFigures) -> dict[str, Any]:
    """The published tables as JSON (hidden cells are "x")."""
    published = published_compilation(figures)
    return {
        "referrals_by_unit": {measure: _count_dict(t) for measure, t in published.referrals.items()},
        "visits_hosted_by_network": _count_dict(published.visits_hosted),
        "companies_engaged_by_network": {
            label: {**cells, **period}
            for (label, cells), period in zip(_count_dict(published.companies_engaged).items(),
                                              _count_dict(published.companies_engaged_period).values(), strict=True)
        },
        "companies_recruiting_by_network": {
            label: {**cells, **period}
            for (label, cells), period in zip(_count_dict(published.recruiting).items(),
                                              _count_dict(published.recruiting_period).values(), strict=True)
        },
        "feedback": {
            row.column: {
                "forms": SUPPRESSED if row.forms is None else row.forms,
                "mean": row.means,
                "share_welcome_again": row.share_welcome_again,
                "further_interest": {k: SUPPRESSED if v is None else v for k, v in row.further.items()},
            }
            for row in published.feedback
        },
    }
