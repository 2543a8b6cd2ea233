"""The quarterly report over the benchmark's 100,000 visits, beside hand-written SQL for its
headline figures (new and cumulative persons per quarter, completed visits per quarter).

The app's side is `models.operations.reports.quarterly_report`, computed afresh each run, as the
pages and the API compute it for every request. The hand-written side is one PostgreSQL statement that applies
the counting rule of DOMAIN.md as a person writing SQL by hand would. Both must give the same
figures; a second hand-written statement reads each visit's status from its latest history row
instead of `visit.status`, and must agree too: that checks, on 100,000 visits with corrections
among them, that the column the report reads is kept equal to the history.
"""

from __future__ import annotations

import datetime as dt
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from models import Programme, make_engine
from models.clock import local_today
from models.operations import reports as ops
from models.operations.programme import programme_quarters
from models.operations.reports import quarterly_report

HAND_SQL = """
WITH facts AS (
    SELECT v.id, v.candidate_id, v.visit_date, v.actual_start, {status} AS status,
           date_trunc('quarter', v.visit_date)::date AS quarter,
           round(extract(epoch FROM v.actual_end - v.actual_start)) AS seconds
    FROM visit v {history}
    WHERE v.visit_date BETWEEN :starts_on AND :ends_on
), firsts AS (
    SELECT DISTINCT ON (candidate_id) candidate_id, quarter
    FROM facts
    WHERE status = 'completed' AND seconds BETWEEN 14400 AND 28800
    ORDER BY candidate_id, visit_date, actual_start, id
), visits AS (
    SELECT quarter, count(*) FILTER (WHERE status = 'completed') AS completed FROM facts GROUP BY quarter
), persons AS (
    SELECT quarter, count(*) AS new_persons FROM firsts GROUP BY quarter
)
SELECT v.quarter, coalesce(p.new_persons, 0) AS new_persons,
       sum(coalesce(p.new_persons, 0)) OVER (ORDER BY v.quarter) AS cumulative, v.completed
FROM visits v LEFT JOIN persons p USING (quarter)
ORDER BY v.quarter
"""
BY_COLUMN = HAND_SQL.format(status="v.status", history="")
BY_HISTORY = HAND_SQL.format(
    status="coalesce(latest.to_status, v.status)",
    history="LEFT JOIN (SELECT DISTINCT ON (visit_id) visit_id, to_status FROM visit_event "
    "ORDER BY visit_id, id DESC) latest ON latest.visit_id = v.id",
)


@dataclass
class ReportResult:
    runs: int
    app_s: list[float] = field(default_factory=list)
    hand_s: list[float] = field(default_factory=list)
    history_s: list[float] = field(default_factory=list)
    headline_s: list[float] = field(default_factory=list)  # the report's own statements for them
    statements: int = 0  # SQL statements one report sends
    agree: bool = False
    history_agrees: bool = False
    mismatches: list[str] = field(default_factory=list)
    persons: int = 0
    visits: int = 0

    @property
    def app_median_ms(self) -> float:
        return statistics.median(self.app_s) * 1000

    @property
    def hand_median_ms(self) -> float:
        return statistics.median(self.hand_s) * 1000

    @property
    def ratio(self) -> float:
        return self.app_median_ms / self.hand_median_ms

    @property
    def headline_ratio(self) -> float:
        return statistics.median(self.headline_s) * 1000 / self.hand_median_ms if self.headline_s else float("nan")


def _interleaved(runs: dict[str, Callable[[], Any]], repeats: int) -> tuple[dict[str, list[float]], dict[str, Any]]:
    """Seconds of each of `repeats` rounds, every contender once per round (so that a change in the
    shared machine's load falls on all of them alike), after one warm-up round."""
    results = {name: run() for name, run in runs.items()}  # warm-up: plans and caches, as on a server
    times: dict[str, list[float]] = {name: [] for name in runs}
    for _ in range(repeats):
        for name, run in runs.items():
            start = time.perf_counter()
            results[name] = run()
            times[name].append(time.perf_counter() - start)
    return times, results


def _headline(session: Session, programme: Programme) -> list[ops.QuarterRow]:
    """Only the report's statements behind the headline figures: first visits with the
    breakdowns, and visits per quarter and status (the module's own builders, nothing else)."""
    quarters = programme_quarters(programme.starts_on, programme.ends_on)
    rows = [ops.QuarterRow(q.label, q.start, q.end) for q in quarters]
    statements = ops._statements(session.get_bind().dialect.name, programme.starts_on, programme.ends_on, local_today())
    ops._plan_with_values(session)
    ops._fill_persons(session, rows, statements.persons)
    ops._fill_visits(session, rows, statements.visits)
    return rows


def _quarter_start(label: str) -> dt.date:
    year, quarter = label.split("-Q")
    return dt.date(int(year), 3 * (int(quarter) - 1) + 1, 1)


def measure(url: str, programme_id: int, *, runs: int = 7) -> ReportResult:
    """Median of `runs` rounds, each contender once per round, after one warm-up round."""
    engine = make_engine(url)
    result = ReportResult(runs=runs)
    sent: list[str] = []
    try:
        with Session(engine) as session:
            programme = session.get(Programme, programme_id)
            assert programme is not None
            params = {"starts_on": programme.starts_on, "ends_on": programme.ends_on}
            contenders: dict[str, Callable[[], Any]] = {
                "app": lambda: quarterly_report(session, programme),
                "hand": lambda: session.execute(sa.text(BY_COLUMN), params).all(),
            }
            if hasattr(ops, "_statements") and hasattr(ops, "_fill_persons"):  # the module's internals
                contenders["headline"] = lambda: _headline(session, programme)
            times, out = _interleaved(contenders, runs)
            result.app_s, result.hand_s = times["app"], times["hand"]
            result.headline_s = times.get("headline", [])
            report, hand = out["app"], out["hand"]
            history_times, history_out = _interleaved(
                {"history": lambda: session.execute(sa.text(BY_HISTORY), params).all()}, 3
            )
            result.history_s, history = history_times["history"], history_out["history"]

            def count(*args: Any) -> None:
                sent.append(args[2])

            sa.event.listen(engine, "before_cursor_execute", count)
            quarterly_report(session, programme)
            sa.event.remove(engine, "before_cursor_execute", count)
        result.statements = len(sent)
        app = {_quarter_start(q.quarter): (q.new_persons, q.cumulative_persons, q.visits_completed)
               for q in report.quarters if q.visits_completed or q.new_persons}
        by_column = {row.quarter: (row.new_persons, int(row.cumulative), row.completed) for row in hand}
        by_history = {row.quarter: (row.new_persons, int(row.cumulative), row.completed) for row in history}
        result.mismatches = [
            f"{q}: report {app.get(q)} / SQL {by_column.get(q)}" for q in sorted(app.keys() | by_column.keys())
            if app.get(q) != by_column.get(q)
        ]
        result.agree = not result.mismatches
        result.history_agrees = by_history == by_column
        result.persons, result.visits = report.totals.persons, report.totals.visits_completed
    finally:
        engine.dispose()
    return result
