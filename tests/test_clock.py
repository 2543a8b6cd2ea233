"""The one clock: nothing reads the time but models/clock.py, Swedish days and quarters are
Stockholm's whatever the server's zone, and the date-sensitive rules hold on the nights where
they change their answer (quarter ends, DST changes, New Year, midsummer)."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from models import clock
from models.enums import Role
from models.operations import visits as visit_ops
from web.templating import week_number

ROOT = Path(__file__).resolve().parents[1]

# Direct reads of the wall clock. `time.monotonic()`/`perf_counter()` measure durations, not
# the date, and are allowed.
DIRECT_CLOCK = re.compile(
    r"\bdate\.today\(|\bdatetime\.(?:now|utcnow|today)\(|\butcnow\b|\btime\.time\(|\bst_mtime\b"
)
# The clock itself; this file (its patterns); test_i18n's .mo freshness check.
ALLOWED = {"models/clock.py", "tests/test_clock.py", "tests/test_i18n.py"}


def _sources() -> list[Path]:
    files: list[Path] = []
    for folder in ("models", "web", "matcher", "benchmarks", "tests", "notebooks", "migrations"):
        files += (ROOT / folder).rglob("*.py")
        files += (ROOT / folder).rglob("*.ipynb")
    return sorted(f for f in files if ".ipynb_checkpoints" not in f.parts)


def test_nothing_but_the_clock_module_reads_the_clock() -> None:
    offenders = []
    for path in _sources():
        name = path.relative_to(ROOT).as_posix()
        if name in ALLOWED:
            continue
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
            if DIRECT_CLOCK.search(line):
                offenders.append(f"{name}:{number}: {line.strip()}")
    assert not offenders, "read the time through models/clock.py:\n" + "\n".join(offenders)


def test_the_enforcing_pattern_catches_what_it_is_meant_to() -> None:
    for line in ("dt.date.today()", "datetime.now(dt.UTC)", "dt.datetime.utcnow()", "utcnow()",
                 "time.time()", "path.stat().st_mtime"):
        assert DIRECT_CLOCK.search(line), line
    for line in ("clock.now()", "clock.local_today()", "time.monotonic()", "time.perf_counter()"):
        assert not DIRECT_CLOCK.search(line), line


# --- Stockholm's day, whatever the server's zone --------------------------------------------
@pytest.mark.now("2027-03-31T23:30:00+02:00")
def test_the_last_evening_of_a_quarter_is_still_that_quarter() -> None:
    assert clock.local_today() == dt.date(2027, 3, 31)
    assert clock.CalendarQuarter.current().code == "2027-Q1"
    assert clock.now().tzinfo == dt.UTC and clock.now().hour == 21


@pytest.mark.now("2027-04-01T00:30:00+02:00")
def test_the_first_night_of_a_quarter_is_the_new_quarter_although_utc_is_still_in_march() -> None:
    assert clock.now().date() == dt.date(2027, 3, 31)  # UTC, what a server in UTC would say
    assert clock.local_today() == dt.date(2027, 4, 1)
    assert clock.CalendarQuarter.current().code == "2027-Q2"


@pytest.mark.now("2027-04-01T00:30:00+02:00")
def test_the_capacity_page_shows_stockholm_s_quarter_on_the_first_night(client, auth) -> None:
    auth.login(Role.ADMIN)
    page = client.get("/foretag/kapacitet").get_data(as_text=True)
    assert "kvartal 2 2027" in page


@pytest.mark.now("2026-12-31T23:59:00+01:00")
def test_new_year_s_eve_is_the_old_year_and_its_last_quarter() -> None:
    assert clock.local_today() == dt.date(2026, 12, 31)
    assert clock.CalendarQuarter.current() == clock.CalendarQuarter(2026, 4)
    assert clock.CalendarQuarter.current().next().code == "2027-Q1"


def test_quarter_helpers_agree() -> None:
    for day in (dt.date(2024, 2, 29), dt.date(2026, 3, 31), dt.date(2026, 4, 1), dt.date(2026, 12, 31)):
        quarter = clock.CalendarQuarter.of(day)
        assert clock.quarter_start(day) == quarter.start <= day <= quarter.end == clock.quarter_end(day)
        assert clock.quarter_bounds(day) == (quarter.start, quarter.end + dt.timedelta(days=1))
        assert clock.quarter_label(day) == quarter.code
        assert clock.CalendarQuarter.parse(quarter.code) == quarter
    assert clock.CalendarQuarter.of(dt.date(2024, 2, 29)).end == dt.date(2024, 3, 31)


# --- DST: Swedish days are 23 or 25 hours long there ------------------------------------------
def test_a_swedish_day_spans_23_hours_when_summer_time_begins_and_25_when_it_ends() -> None:
    spring_start, spring_end = clock.local_day_bounds(dt.date(2027, 3, 28), dt.date(2027, 3, 28))
    autumn_start, autumn_end = clock.local_day_bounds(dt.date(2027, 10, 31), dt.date(2027, 10, 31))
    assert spring_end - spring_start == dt.timedelta(hours=23)
    assert autumn_end - autumn_start == dt.timedelta(hours=25)
    assert spring_start == dt.datetime(2027, 3, 27, 23, 0, tzinfo=dt.UTC)
    assert autumn_end == dt.datetime(2027, 10, 31, 23, 0, tzinfo=dt.UTC)


def test_wall_clock_times_on_the_dst_days_map_to_the_right_moments() -> None:
    # 09:00 is an hour nearer midnight in UTC after the spring change than before it
    assert clock.local_datetime(dt.date(2027, 3, 27), dt.time(9)).hour == 8
    assert clock.local_datetime(dt.date(2027, 3, 28), dt.time(9)).hour == 7
    assert clock.local_datetime(dt.date(2027, 10, 31), dt.time(9)).hour == 8
    # a 09–15 visit on those days is six real hours long
    for day in (dt.date(2027, 3, 28), dt.date(2027, 10, 31)):
        assert clock.local_datetime(day, dt.time(15)) - clock.local_datetime(day, dt.time(9)) == dt.timedelta(hours=6)


@pytest.mark.now("2027-03-28T01:59:00+01:00")
def test_the_clock_runs_through_the_spring_change() -> None:
    assert clock.local_now().hour == 1 and clock.local_today() == dt.date(2027, 3, 28)
    assert clock.local_date(clock.now() + dt.timedelta(minutes=2)) == dt.date(2027, 3, 28)
    assert clock.to_local(clock.now() + dt.timedelta(minutes=2)).hour == 3  # 02:xx does not exist


# --- working days, week numbers ---------------------------------------------------------------
def test_midsummer_and_new_year_s_eve_are_not_working_days() -> None:
    assert not visit_ops.is_working_day(dt.date(2027, 6, 25))  # midsummer eve, a Friday
    assert not visit_ops.is_working_day(dt.date(2026, 12, 31))  # New Year's Eve, a Thursday
    assert not visit_ops.is_working_day(dt.date(2026, 12, 6))  # a Sunday
    assert visit_ops.is_working_day(dt.date(2026, 12, 30))
    # proposals made on Wednesday 23 June 2027 have waited two working days by Monday 28 June
    # (midsummer eve and the weekend skipped), counting the Monday itself
    assert visit_ops.overdue_proposal_cutoff(dt.date(2027, 6, 28)) == dt.date(2027, 6, 23)


def test_week_numbers_are_iso_weeks_of_the_swedish_day() -> None:
    assert week_number(dt.date(2026, 12, 31)) == 53  # 2026 has 53 ISO weeks
    assert week_number(dt.date(2027, 1, 3)) == 53  # a Sunday, still week 53
    assert week_number(dt.date(2027, 1, 4)) == 1
    # 23:30 UTC on Sunday 3 January is 00:30 on Monday in Stockholm: week 1
    assert week_number(dt.datetime(2027, 1, 3, 23, 30, tzinfo=dt.UTC)) == 1
    assert week_number(dt.date(2024, 2, 29)) == 9
