"""The quarterly report's snapshot: read back with every figure, used while nothing changed, and
out of date as soon as a change to the report's data is committed (or the day changes)."""

from __future__ import annotations

import datetime as dt
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa

from models.clock import local_today
from models.enums import VisitStatus
from models.operations import report_cache
from models.operations import visits as visit_ops
from models.operations.reports import QuarterlyReport, quarterly_report
from models.system import ReportSnapshot

from .test_reports import TODAY, KnownSet, d, programme


@contextmanager
def statements(session: Any) -> Any:
    sent: list[str] = []

    def count(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        sent.append(statement)

    engine = session.get_bind()
    sa.event.listen(engine, "before_cursor_execute", count)
    try:
        yield sent
    finally:
        sa.event.remove(engine, "before_cursor_execute", count)


def _report_queries(sent: list[str]) -> list[str]:
    return [s for s in sent if "FROM visit" in s or "visit_facts" in s]


def test_a_snapshot_reads_back_every_figure(db, make) -> None:
    known = KnownSet(db, make)
    db.commit()
    report = quarterly_report(db, known.programme, today=TODAY)
    stored = report_cache.decode(QuarterlyReport, report_cache.encode(report))
    assert stored == report
    assert stored.to_dict() == report.to_dict()


def test_the_second_read_uses_the_snapshot_until_a_change_is_committed(db, make) -> None:
    prog = programme(make, d(1, 1), d(12, 31))
    person = make.candidate()
    visit = make.visit(person, day=d(2, 3), hours=6, status=VisitStatus.COMPLETED, actual_hours=6)
    db.commit()
    assert report_cache.cached_quarterly_report(db, prog, today=TODAY).totals.persons == 1
    with statements(db) as sent:
        again = report_cache.cached_quarterly_report(db, prog, today=TODAY)
    assert again.totals.persons == 1
    assert not _report_queries(sent)  # the data version and the snapshot only

    visit_ops.correct_outcome(db, visit, VisitStatus.NO_SHOW, by=None, reason="var inte där")
    db.rollback()  # a change that is not committed changes nothing
    with statements(db) as sent:
        assert report_cache.cached_quarterly_report(db, prog, today=TODAY).totals.persons == 1
    assert not _report_queries(sent)

    visit = db.merge(visit)
    visit_ops.correct_outcome(db, visit, VisitStatus.NO_SHOW, by=None, reason="var inte där")
    db.commit()
    report = report_cache.cached_quarterly_report(db, prog, today=TODAY)
    assert (report.totals.persons, report.totals.no_shows) == (0, 1)


def test_a_change_to_a_person_or_a_goal_is_a_change_too(db, make) -> None:
    prog = programme(make, d(1, 1), d(12, 31), target=350)
    person = make.candidate(target_group="youth")
    make.visit(person, day=d(2, 3), hours=6, status=VisitStatus.COMPLETED, actual_hours=6)
    db.commit()
    report = report_cache.cached_quarterly_report(db, prog, today=TODAY)
    assert report.totals.new_persons_by["target_group"]["youth"] == 1

    person.target_group = "newcomer"
    db.commit()
    report = report_cache.cached_quarterly_report(db, prog, today=TODAY)
    assert report.totals.new_persons_by["target_group"] == {"youth": 0, "newcomer": 1, "long_term": 0, "other": 0}

    prog.goals[0].target = 400
    db.commit()
    assert report_cache.cached_quarterly_report(db, prog, today=TODAY).totals.target == 400


def test_a_new_day_computes_the_report_again(db, make) -> None:
    prog = programme(make, d(1, 1), d(12, 31))
    db.commit()
    report_cache.cached_quarterly_report(db, prog, today=d(8, 14))
    report = report_cache.cached_quarterly_report(db, prog, today=TODAY)
    assert report.today == TODAY
    assert db.scalar(sa.select(ReportSnapshot.as_of).where(ReportSnapshot.programme_id == prog.id)) == TODAY


def test_the_dashboard_shows_a_committed_change_at_once(client, auth, make, db) -> None:
    today = local_today()
    make.programme(starts_on=today - dt.timedelta(days=60), ends_on=today + dt.timedelta(days=300))
    day = today - dt.timedelta(days=2)
    visit = make.visit(make.candidate(), day=day, start_hour=9, hours=6, status=VisitStatus.CONFIRMED)
    db.commit()
    auth.login("steering")
    assert "0 av målet 350" in client.get("/uppfoljning/").get_data(as_text=True)
    assert "0 av målet 350" in client.get("/uppfoljning/").get_data(as_text=True)  # from the snapshot

    visit_ops.transition(db, visit, VisitStatus.COMPLETED, by=None, party="project_leader",
                         actual_start=visit.start_at, actual_end=visit.end_at)
    db.commit()
    assert "1 av målet 350" in client.get("/uppfoljning/").get_data(as_text=True)
