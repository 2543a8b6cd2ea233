"""The one clock: what time it is, which Swedish calendar day that is, and calendar quarters.

Every other module asks this one (a test greps the tree for direct calls to `date.today()`,
`datetime.now()`, `utcnow` and `time.time()`), so that

- timestamps are aware and in UTC (what the database stores),
- days, quarters, working days and week numbers are those of Europe/Stockholm, whatever the
  server's own time zone is (a server in UTC would otherwise put 00:30 on 1 April, Stockholm
  time, in the first quarter), and
- the tests can freeze and move time in one place (`time-machine` patches the standard
  library underneath; see tests/conftest.py and docs/libraries.md).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from zoneinfo import ZoneInfo

STOCKHOLM = ZoneInfo("Europe/Stockholm")


# --- now --------------------------------------------------------------------------------------
def now() -> dt.datetime:
    """The current moment, timezone-aware in UTC (every timestamp in the database is UTC)."""
    return dt.datetime.now(dt.UTC)


def local_now() -> dt.datetime:
    """The current moment on Stockholm's wall clock (aware)."""
    return now().astimezone(STOCKHOLM)


def local_today() -> dt.date:
    """Today in Stockholm: the day quarters, capacity, reminders and visit dates count by."""
    return local_now().date()


# --- moments and Swedish days -----------------------------------------------------------------
def to_local(moment: dt.datetime) -> dt.datetime:
    """A moment on Stockholm's wall clock (for display and for reading off times of day)."""
    return moment.astimezone(STOCKHOLM)


def local_date(moment: dt.datetime) -> dt.date:
    """The Stockholm calendar date of a moment."""
    return to_local(moment).date()


def local_datetime(day: dt.date, time: dt.time) -> dt.datetime:
    """The moment (aware, UTC) at which Stockholm's wall clock shows `time` on `day`.

    A wall-clock time that does not exist (02:30 on the last Sunday of March) or exists twice
    (02:30 on the last Sunday of October) is read the way `zoneinfo` reads it (fold=0): the
    offset in force before the change.
    """
    return dt.datetime.combine(day, time, tzinfo=STOCKHOLM).astimezone(dt.UTC)


def local_midnight(day: dt.date) -> dt.datetime:
    """The moment (aware, UTC) at which the Swedish day `day` begins."""
    return local_datetime(day, dt.time(0))


def local_day_bounds(first: dt.date, last: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """[start, end) in UTC covering the Swedish days `first` to `last` inclusive."""
    return local_midnight(first), local_midnight(last + dt.timedelta(days=1))


# --- calendar quarters ------------------------------------------------------------------------
def quarter_start(day: dt.date) -> dt.date:
    return dt.date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)


def quarter_end(day: dt.date) -> dt.date:
    return CalendarQuarter.of(day).end


def quarter_bounds(day: dt.date) -> tuple[dt.date, dt.date]:
    """First day of the calendar quarter of `day`, and the first day of the next one."""
    quarter = CalendarQuarter.of(day)
    return quarter.start, quarter.next().start


def quarter_label(day: dt.date) -> str:
    return CalendarQuarter.of(day).code


@dataclass(frozen=True, order=True)
class CalendarQuarter:
    """A calendar quarter, e.g. 2026-Q4 (1 October – 31 December)."""

    year: int
    number: int  # 1–4

    @classmethod
    def of(cls, day: dt.date) -> CalendarQuarter:
        return cls(day.year, (day.month - 1) // 3 + 1)

    @classmethod
    def current(cls) -> CalendarQuarter:
        """The quarter Stockholm is in now."""
        return cls.of(local_today())

    @classmethod
    def parse(cls, code: str) -> CalendarQuarter:
        """'2026-Q1' → CalendarQuarter(2026, 1); ValueError for anything else."""
        match = re.fullmatch(r"(\d{4})-Q([1-4])", (code or "").strip().upper())
        if match is None:
            raise ValueError(f"not a quarter: {code!r}")
        return cls(int(match.group(1)), int(match.group(2)))

    @property
    def code(self) -> str:
        return f"{self.year}-Q{self.number}"

    @property
    def start(self) -> dt.date:
        return dt.date(self.year, 3 * self.number - 2, 1)

    @property
    def end(self) -> dt.date:
        return self.next().start - dt.timedelta(days=1)

    def next(self) -> CalendarQuarter:
        return CalendarQuarter(self.year + 1, 1) if self.number == 4 else CalendarQuarter(self.year, self.number + 1)

    def previous(self) -> CalendarQuarter:
        return CalendarQuarter(self.year - 1, 4) if self.number == 1 else CalendarQuarter(self.year, self.number - 1)

    def until(self, last: CalendarQuarter) -> list[CalendarQuarter]:
        quarters, current = [], self
        while current <= last:
            quarters.append(current)
            current = current.next()
        return quarters
