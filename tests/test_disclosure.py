"""No small count can be worked out from what the steering group is shown.

The audit is the one statistical offices run on a table before it is published (tau-Argus):
every hidden cell is a variable, every published sum an equation, and linear programming gives
each hidden cell's interval. A hidden count of 1–4 must keep the whole range the rule allows: it
could be 0 and it could be 4 (or as much as a published sum allows, if less). The published
figures are read from what leaves the app (the report's JSON, which the API serves, and the
tables the dashboard and the exports are made from), not from the suppression code's own view.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from scipy.optimize import linprog

from models.enums import ActivityType, FollowUpResult
from models.operations import disclosure
from models.operations.compilation import (
    INTERESTS,
    NETWORKS,
    REFERRAL_MEASURES,
    TOTAL,
    CompilationFigures,
    FeedbackFigures,
    compilation_dict,
)
from models.operations.disclosure import SUPPRESSED, Grid, hidden_cells
from models.operations.reports import (
    DIMENSIONS,
    ActivityFigures,
    Forecast,
    PairFigures,
    QuarterlyReport,
    QuarterRow,
    Totals,
    quarterly_report,
)
from web.reports.tables import activities_by_quarter_table, activities_table, quarters_table

TOP = disclosure.SMALL_COUNT - 1


# --- the audit ---------------------------------------------------------------------------------
@dataclass
class Published:
    """One table as published: true values (for the audit's verdict only), what was shown
    (None where hidden), and the sums an outsider knows, as (cells, published value)."""

    name: str
    true: dict[Any, int] = field(default_factory=dict)
    shown: dict[Any, int | None] = field(default_factory=dict)
    sums: list[tuple[list[Any], int]] = field(default_factory=list)  # cells, value
    links: list[tuple[list[Any], Any]] = field(default_factory=list)  # cells add up to another cell

    def add(self, cell: Any, true: int, shown: Any) -> None:
        self.true[cell] = true
        self.shown[cell] = None if shown == SUPPRESSED else int(shown)
        assert shown == SUPPRESSED or int(shown) == true, (self.name, cell, shown, true)


def _interval(table: Published, hidden: list[Any], cell: Any) -> tuple[float, float]:
    index = {c: i for i, c in enumerate(hidden)}
    rows, rhs = [], []

    def equation(coefficients: dict[Any, int], constant: int) -> None:
        row = np.zeros(len(hidden))
        for c, k in coefficients.items():
            if c in index:
                row[index[c]] += k
            else:
                constant -= k * table.true[c]  # visible: the outsider reads it
        if row.any():
            rows.append(row)
            rhs.append(constant)

    for cells, value in table.sums:
        equation(dict.fromkeys(cells, 1), value)
    for cells, total in table.links:
        equation({**dict.fromkeys(cells, 1), total: -1}, 0)
    bounds = [(0, None)] * len(hidden)
    a_eq = np.array(rows) if rows else None
    b_eq = np.array(rhs) if rows else None
    objective = np.zeros(len(hidden))
    objective[index[cell]] = 1
    low = linprog(objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    high = linprog(-objective, A_eq=a_eq, b_eq=b_eq, bounds=bounds, method="highs")
    assert low.status == 0, (table.name, low.message)
    return low.fun, (np.inf if high.status == 3 else -high.fun)


def audit(table: Published) -> list[str]:
    """Every hidden count of 1–4 whose interval is narrower than the rule's full range."""
    hidden = [c for c, v in table.shown.items() if v is None]
    everything = list(table.shown)
    problems = []
    for cell in hidden:
        if not 0 < table.true[cell] <= TOP:
            continue
        low, high = _interval(table, hidden, cell)
        widest_low, widest_high = _interval(table, everything, cell)  # what the sums alone allow
        wanted_low, wanted_high = max(0.0, widest_low), min(float(TOP), widest_high)
        if low > wanted_low + 1e-6 or high < wanted_high - 1e-6:
            problems.append(f"{table.name} {cell}={table.true[cell]}: [{low:g}, {high:g}], needs [{wanted_low:g}, "
                            f"{wanted_high:g}]")
    return problems


def published_tables(report: QuarterlyReport) -> list[Published]:
    """What leaves the app about `report`, as tables with their known sums."""
    data = json.loads(json.dumps(report.to_dict()))  # exactly what the API serves
    elapsed = [i for i, q in enumerate(report.quarters) if not q.is_future]
    quarters = [data["quarters"][i] for i in elapsed]
    rows = [report.quarters[i] for i in elapsed]
    tables = []
    for dim, categories in DIMENSIONS.items():
        t = Published(f"new persons by {dim}")
        for cat in categories:
            for q, (published, true) in enumerate(zip(quarters, rows, strict=True)):
                t.add((cat, q), true.new_persons_by[dim][cat], published["new_persons_by"][dim][cat])
            t.add((cat, "total"), report.totals.new_persons_by[dim][cat], data["totals"]["new_persons_by"][dim][cat])
            t.links.append(([(cat, q) for q in range(len(quarters))], (cat, "total")))
        for q, published in enumerate(quarters):  # each quarter's new persons is a top-line figure
            t.sums.append(([(cat, q) for cat in categories], published["new_persons"]))
        t.sums.append(([(cat, "total") for cat in categories], data["totals"]["persons"]))
        tables.append(t)
    for what in ("attended", "absent"):
        t = Published(f"activities {what}")
        for kind in ActivityType:
            for q, (published, true) in enumerate(zip(quarters, rows, strict=True)):
                t.add((kind.value, q), getattr(true.activities[kind], what), published["activities"][kind.value][what])
            t.add((kind.value, "total"), getattr(report.totals.activities[kind], what),
                  data["totals"]["activities"][kind.value][what])
            t.links.append(([(kind.value, q) for q in range(len(quarters))], (kind.value, "total")))
            for q, published in enumerate(quarters):  # sessions held are top-line: none held, nobody came
                if published["activities"][kind.value]["held"] == 0:
                    t.sums.append(([(kind.value, q)], 0))
        tables.append(t)
    t = Published("no-shows")
    for q, (published, true) in enumerate(zip(quarters, rows, strict=True)):
        t.add(q, true.no_shows, published["no_shows"])
    t.add("total", report.totals.no_shows, data["totals"]["no_shows"])
    t.links.append((list(range(len(quarters))), "total"))
    tables.append(t)
    t = Published("follow-ups")
    for months in (3, 6):
        for result in FollowUpResult:
            t.add((months, result.value), report.follow_ups[months][result.value],
                  data["follow_ups"][str(months)][result.value])
        # taken as known: how many were followed up at 3 and at 6 months
        t.sums.append(([(months, r.value) for r in FollowUpResult], sum(report.follow_ups[months].values())))
    tables.append(t)
    groups = ("workplace_participant", "workplace_company")
    for group, keys in {g: {k for (gg, k) in report.totals.survey_pairs if gg == g} for g in groups}.items():
        for key in sorted(keys):
            t = Published(f"pairs {group}/{key}")
            for q, (published, true) in enumerate(zip(quarters, rows, strict=True)):
                t.add(q, true.survey_pairs.get((group, key), PairFigures()).pairs,
                      published["survey_pairs"][group][key]["pairs"])
            t.add("total", report.totals.survey_pairs[(group, key)].pairs,
                  data["totals"]["survey_pairs"][group][key]["pairs"])
            t.links.append((list(range(len(quarters))), "total"))
            tables.append(t)
    return tables


def assert_nothing_derivable(report: QuarterlyReport) -> None:
    problems = [p for t in published_tables(report) for p in audit(t)]
    assert not problems, "\n".join(problems)
    _assert_tables_agree_with_json(report)


def _assert_tables_agree_with_json(report: QuarterlyReport) -> None:
    """The dashboard's and the exports' tables hide what the JSON hides (they share the code,
    but a table that printed a raw figure would bypass it)."""
    data = report.to_dict()
    for row, quarter in zip(quarters_table(report).rows, data["quarters"], strict=False):
        assert row[6] == quarter["no_shows"]
    for row, kind in zip(activities_table(report).rows, ActivityType, strict=True):
        assert row[2:4] == [data["totals"]["activities"][kind.value][w] for w in ("attended", "absent")]
    for row, quarter in zip(activities_by_quarter_table(report).rows, data["quarters"], strict=False):
        assert row[2::2] == [quarter["activities"][k.value]["attended"] for k in ActivityType]


# --- random small programmes ---------------------------------------------------------------------
def _split(draw: Any, total: int, parts: int) -> list[int]:
    """`total` persons spread over `parts` categories, lumpy, as small programmes are."""
    weights = draw(st.lists(st.integers(0, 3), min_size=parts, max_size=parts))
    if not any(weights):
        weights[0] = 1
    cells = [0] * parts
    for _person in range(total):
        choice = draw(st.integers(0, sum(weights) - 1))
        for c, w in enumerate(weights):
            if choice < w:
                cells[c] += 1
                break
            choice -= w
    return cells


@st.composite
def small_reports(draw: Any) -> QuarterlyReport:
    n = draw(st.integers(1, 4))
    start = dt.date(2025, 1, 1)
    quarters, totals = [], Totals()
    cumulative = 0
    for i in range(n):
        first = dt.date(2025 + i // 4, 3 * (i % 4) + 1, 1)
        row = QuarterRow(first.strftime("%Y-Q") + str(i % 4 + 1), first, first + dt.timedelta(days=89),
                         is_current=i == n - 1)
        row.new_persons = draw(st.integers(0, 9))
        cumulative += row.new_persons
        row.cumulative_persons = cumulative
        for dim, cats in DIMENSIONS.items():
            row.new_persons_by[dim] = dict(zip(cats, _split(draw, row.new_persons, len(cats)), strict=True))
        row.no_shows = draw(st.integers(0, 6))
        for kind in ActivityType:
            held = draw(st.integers(0, 2))  # attendance is only counted for sessions held
            row.activities[kind] = ActivityFigures(held, draw(st.integers(0, 7)) if held else 0,
                                                   draw(st.integers(0, 3)) if held else 0)
        for key in ("picture", "confidence"):
            row.survey_pairs[("workplace_participant", key)] = PairFigures(pairs=draw(st.integers(0, 7)))
        quarters.append(row)
    totals.persons = cumulative
    totals.no_shows = sum(q.no_shows for q in quarters)
    for dim, cats in DIMENSIONS.items():
        totals.new_persons_by[dim] = {c: sum(q.new_persons_by[dim][c] for q in quarters) for c in cats}
    for kind in ActivityType:
        totals.activities[kind] = ActivityFigures(*(sum(getattr(q.activities[kind], w) for q in quarters)
                                                    for w in ("held", "attended", "absent")))
    for key in ("picture", "confidence"):
        totals.survey_pairs[("workplace_participant", key)] = PairFigures(
            pairs=sum(q.survey_pairs[("workplace_participant", key)].pairs for q in quarters))
    follow_ups = {m: {r.value: draw(st.integers(0, 6)) for r in FollowUpResult} for m in (3, 6)}
    return QuarterlyReport(
        programme_id=1, programme_name="Slumpat program", starts_on=start, ends_on=dt.date(2027, 12, 31),
        today=quarters[-1].start, yearly_budget_sek=1_241_000, quarters=quarters, totals=totals,
        forecast=Forecast(cumulative, None, 0, 1.0, 0, 0), cost_per_person_sek=None, budget_to_date_sek=0,
        follow_ups=follow_ups,
        survey_questions={("workplace_participant", "picture"): "Bild", ("workplace_participant", "confidence"): "Tro"},
    )


@settings(max_examples=15, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(report=small_reports())
def test_no_hidden_small_count_can_be_worked_out_on_random_small_programmes(report) -> None:
    assert_nothing_derivable(report)


def test_the_probe_s_case_youth_per_quarter_cannot_be_solved() -> None:
    """The outside probe: youth 4, 4, 1, 1, 1 per quarter, the other groups 0 for the whole period,
    the quarters' new persons published: the youth cells followed exactly."""
    report = _report_with_youth([4, 4, 1, 1, 1])
    data = report.to_dict()
    shown = [q["new_persons_by"]["target_group"]["youth"] for q in data["quarters"]]
    assert shown != [4, 4, 1, 1, 1] and SUPPRESSED in shown
    assert_nothing_derivable(report)


def test_a_quarter_with_no_session_held_never_hides_a_small_attendance() -> None:
    """An outside tester's case: stadium visits held 1, 1, 1, 2, 0 times and attended by 7, 4, 6,
    10, 0, 27 in all. Hiding the 4 with the last quarter's 0 told nothing new to nobody: no
    session was held then, so that cell is 0 and the 4 is 27 − 7 − 6 − 10."""
    report = _report_with_youth([5, 5, 5, 5, 5])
    stadium = next(iter(ActivityType))
    for row, held, attended in zip(report.quarters, [1, 1, 1, 2, 0], [7, 4, 6, 10, 0], strict=True):
        row.activities[stadium] = ActivityFigures(held, attended, 0)
    report.totals.activities[stadium] = ActivityFigures(5, 27, 0)
    data = report.to_dict()
    shown = [q["activities"][stadium.value]["attended"] for q in data["quarters"]]
    assert shown[1] == SUPPRESSED and shown[4] == 0
    assert_nothing_derivable(report)


def _rating_interval(forms: int, mean: float, value: int, known: dict[int, int]) -> tuple[float, float]:
    """What an outsider can tell of the forms that rated `value`: the row's total, the mean to two
    decimals (n × (mean ± 0.005) bounds Σ rating × forms) and the counts shown in `known`."""
    bounds = [(known[v], known[v]) if v in known else (0, None) for v in range(1, 6)]
    ratings = np.arange(1, 6)
    band = dict(A_ub=[ratings, -ratings], b_ub=[forms * (mean + 0.005), -forms * (mean - 0.005)],
                A_eq=[np.ones(5)], b_eq=[forms], bounds=bounds, method="highs")
    objective = np.zeros(5)
    objective[value - 1] = 1
    return linprog(objective, **band).fun, -linprog(-objective, **band).fun


def test_a_rating_with_a_published_mean_shows_its_counts_whole_or_not_at_all() -> None:
    """An outside tester's case: interest rated 1, 42, 57, 34, 4 times (138 forms), mean 2.99 in
    the compilation. Hiding the 1 and the 4 as a pair left x1 + x5 = 5 and x1 + 5·x5 = 412 ± 0.69,
    so x5 = 4. A row that must hide a count now shows only its total."""
    from models.operations.reports import FEEDBACK_RATINGS, published_feedback_ratings

    report = _report_with_youth([5, 5, 5, 5, 5])
    report.feedback_ratings = {name: {1: 0, 2: 10, 3: 20, 4: 30, 5: 40} for name in FEEDBACK_RATINGS}
    interest = {1: 1, 2: 42, 3: 57, 4: 34, 5: 4}
    report.feedback_ratings["interest"] = interest
    table = dict(published_feedback_ratings(report).rows)
    assert table["interest"] == [None] * 5 + [138]
    assert table["overall"] == [0, 10, 20, 30, 40, 100]
    mean = round(sum(v * n for v, n in interest.items()) / 138, 2)
    assert mean == 2.99
    pair_only = {2: 42, 3: 57, 4: 34}  # what the old table showed: the audit's teeth
    low, high = _rating_interval(138, mean, 5, pair_only)
    assert np.ceil(low - 1e-6) == np.floor(high + 1e-6) == 4  # one whole number of forms fits: 4
    for value in (1, 5):
        low, high = _rating_interval(138, mean, value, {})
        assert low <= 1e-6 and high >= TOP


def _report_with_youth(youth: list[int]) -> QuarterlyReport:
    quarters, cumulative = [], 0
    for i, n in enumerate(youth):
        first = dt.date(2025 + i // 4, 3 * (i % 4) + 1, 1)
        row = QuarterRow(f"{first.year}-Q{i % 4 + 1}", first, first + dt.timedelta(days=89),
                         is_current=i == len(youth) - 1)
        row.new_persons = n
        cumulative += n
        row.cumulative_persons = cumulative
        for dim, cats in DIMENSIONS.items():
            row.new_persons_by[dim] = {c: (n if c == cats[0] else 0) for c in cats}
        quarters.append(row)
    totals = Totals(persons=cumulative)
    for dim, cats in DIMENSIONS.items():
        totals.new_persons_by[dim] = {c: (cumulative if c == cats[0] else 0) for c in cats}
    return QuarterlyReport(
        programme_id=1, programme_name="Probe", starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2026, 12, 31),
        today=quarters[-1].start, yearly_budget_sek=0, quarters=quarters, totals=totals,
        forecast=Forecast(cumulative, None, 0, 1.0, 0, 0), cost_per_person_sek=None, budget_to_date_sek=0,
        follow_ups={m: {r.value: 0 for r in FollowUpResult} for m in (3, 6)}, survey_questions={},
    )


def test_the_demo_programme_publishes_nothing_derivable(app, db, vault) -> None:
    from models.demo import seed_demo
    from models.operations.programme import current_programme

    seed_demo(db, vault, n_candidates=60, n_companies=10)
    db.commit()
    assert_nothing_derivable(quarterly_report(db, current_programme(db)))


# --- the rule itself -----------------------------------------------------------------------------
def test_zeros_and_counts_of_five_or_more_are_shown() -> None:
    assert hidden_cells(Grid([[0, 5, 12]], row_total=True)) == set()


def test_a_lone_small_count_in_a_line_with_a_total_takes_a_partner_that_can_absorb_it() -> None:
    # 3 + 9 = 12: hiding 3 alone gives it away; its partner must be able to give up 3 and take 1
    hidden = hidden_cells(Grid([[3, 9, 12]], row_total=True))
    assert (0, 0) in hidden and len(hidden) >= 2
    assert disclosure.publish(Grid([[3, 9, 12]], row_total=True))[0][0] is None


def test_a_table_that_cannot_be_protected_is_withheld_whole() -> None:
    # one quarter, 2 new persons, both youth: every cell of the column is fixed by the sum
    grid = Grid([[2, 2], [0, 0]], row_total=True, column_totals=True)
    assert hidden_cells(grid) == set(grid.cells())


@pytest.mark.parametrize("table", [
    [[4, 1, 5], [0, 9, 9], [6, 0, 6]],
    [[1, 1, 2], [1, 1, 2], [7, 7, 14]],
    [[0, 3, 3], [20, 4, 24]],
])
def test_hand_made_tables_pass_the_audit(table: list[list[int]]) -> None:
    grid = Grid(table, row_total=True, column_totals=True)
    shown = disclosure.publish(grid)
    t = Published("hand-made")
    for r, row in enumerate(table):
        for c, v in enumerate(row):
            t.add((r, c), v, SUPPRESSED if shown[r][c] is None else shown[r][c])
        t.links.append(([(r, c) for c in range(len(row) - 1)], (r, len(row) - 1)))
    for c in range(len(table[0])):
        t.sums.append(([(r, c) for r in range(len(table))], sum(row[c] for row in table)))
    assert audit(t) == []


def test_the_audit_catches_a_table_that_hides_only_the_small_counts() -> None:
    """The audit is not vacuous: primary suppression alone (and the probe's case) fails it."""
    table = [[4, 4, 1, 9], [0, 0, 0, 0]]  # youth and one other group; quarters' sums published
    t = Published("primary only")
    for r, row in enumerate(table):
        for c, v in enumerate(row):
            t.add((r, c), v, SUPPRESSED if 0 < v <= TOP else v)
        t.links.append(([(r, c) for c in range(3)], (r, 3)))
    for c in range(4):
        t.sums.append(([(r, c) for r in range(2)], sum(row[c] for row in table)))
    assert len(audit(t)) == 3


# --- what TH compiles from (issue #21, section 4) -------------------------------------------------
def compilation_published_tables(figures: CompilationFigures) -> list[Published]:
    """The compilation's tables as they leave the app (the report's JSON), with the sums an
    outsider knows: each row's total, the completed visits of each quarter (a top-line figure)
    and, for the feedback, that the further interests of a column add up to its forms."""
    data = json.loads(json.dumps(compilation_dict(figures)))
    quarters, n = figures.quarters, len(figures.quarters)
    tables = []

    def rows_with_totals(name: str, labels: list[str], values: list[list[int]], shown: dict[str, Any]) -> Published:
        t = Published(name)
        for label, row in zip(labels, values, strict=True):
            for q, value in enumerate(row):
                t.add((label, q), value, shown[label][quarters[q]])
            t.add((label, TOTAL), sum(row), shown[label][TOTAL])
            t.links.append(([(label, q) for q in range(n)], (label, TOTAL)))
        return t

    for measure, values in figures.referrals.items():
        tables.append(rows_with_totals(f"referrals {measure}", figures.units, values,
                                       data["referrals_by_unit"][measure]))
    hosted = rows_with_totals("visits hosted", list(NETWORKS), figures.visits_hosted,
                              data["visits_hosted_by_network"])
    for q in range(n):
        hosted.sums.append(([(network, q) for network in NETWORKS], sum(row[q] for row in figures.visits_hosted)))
    hosted.sums.append(([(network, TOTAL) for network in NETWORKS], sum(map(sum, figures.visits_hosted))))
    tables.append(hosted)
    for name, key, per_quarter, period in (
        ("companies engaged", "companies_engaged_by_network", figures.companies_engaged,
         figures.companies_engaged_period),
        ("companies recruiting", "companies_recruiting_by_network", figures.recruiting, figures.recruiting_period),
    ):
        t = Published(name)
        for i, network in enumerate(NETWORKS):
            for q in range(n):
                t.add((network, q), per_quarter[i][q], data[key][network][quarters[q]])
            t.add((network, TOTAL), period[i], data[key][network][TOTAL])
        tables.append(t)
    t = Published("feedback")
    columns = [*quarters, TOTAL]
    for c, (column, values) in enumerate(zip(columns, figures.feedback, strict=True)):
        shown = data["feedback"][column]
        t.add(("forms", c), values.forms, shown["forms"])
        for interest in INTERESTS:
            t.add((interest, c), values.further[interest], shown["further_interest"][interest])
        t.links.append(([(interest, c) for interest in INTERESTS], ("forms", c)))
    for row in ("forms", *INTERESTS):
        t.links.append(([(row, c) for c in range(n)], (row, len(quarters))))
    tables.append(t)
    return tables


@st.composite
def small_compilations(draw: Any) -> CompilationFigures:
    n, units = draw(st.integers(1, 4)), draw(st.integers(1, 3))
    count = st.integers(0, 7)
    hosted = [[draw(count) for _ in range(n)] for _ in NETWORKS]
    engaged = [[min(v, draw(st.integers(0, 4))) for v in row] for row in hosted]
    recruiting = [[min(v, draw(st.integers(0, 2))) for v in row] for row in engaged]
    feedback = []
    for _q in range(n):
        figures = FeedbackFigures()
        parts = [draw(st.integers(0, 4)) for _ in INTERESTS]
        figures.further = dict(zip(INTERESTS, parts, strict=True))
        figures.forms = sum(parts)
        feedback.append(figures)
    total = FeedbackFigures()
    for figures in feedback:
        total.add(figures)
    return CompilationFigures(
        quarters=[f"2026-Q{q + 1}" for q in range(n)], units=[f"Enhet {u + 1}" for u in range(units)],
        referrals={m: [[draw(count) for _ in range(n)] for _ in range(units)] for m in REFERRAL_MEASURES},
        visits_hosted=hosted, companies_engaged=engaged, companies_engaged_period=[max(r) for r in engaged],
        recruiting=recruiting, recruiting_period=[max(r) for r in recruiting], feedback=[*feedback, total],
    )


@settings(max_examples=25, deadline=None, derandomize=True, database=None,
          suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])
@given(figures=small_compilations())
def test_no_hidden_small_count_can_be_worked_out_from_the_compilation(figures: CompilationFigures) -> None:
    problems = [p for t in compilation_published_tables(figures) for p in audit(t)]
    assert not problems, "\n".join(problems)
