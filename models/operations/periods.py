"""The agreement's calendar: months, agreement years (twelve months from the start of the
period, the last one clipped to the period) and month arithmetic that keeps the day where it can
(31 August − 6 months is 28 or 29 February)."""

from __future__ import annotations

import calendar
import datetime as dt
from dataclasses import dataclass


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(day: dt.date) -> dt.date:
    return day.replace(day=calendar.monthrange(day.year, day.month)[1])


def shift_months(day: dt.date, months: int) -> dt.date:
    """The same day `months` later (or earlier), on the month's last day where it has no such day."""
    index = day.year * 12 + day.month - 1 + months
    year, month = divmod(index, 12)
    return dt.date(year, month + 1, min(day.day, calendar.monthrange(year, month + 1)[1]))


def months_between(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first days of every month from `first`'s month to `last`'s month, inclusive."""
    months, month = [], month_start(first)
    while month <= last:
        months.append(month)
        month = shift_months(month, 1)
    return months


def last_complete_month_end(today: dt.date) -> dt.date:
    """The last day of the latest month that has ended by the end of `today` (today itself on a
    month's last day): costs are followed up by whole months."""
    return month_start(today + dt.timedelta(days=1)) - dt.timedelta(days=1)


@dataclass(frozen=True)
class AgreementYear:
    number: int  # 1-based
    start: dt.date
    end: dt.date  # clipped to the period

    @property
    def days(self) -> int:
        return (self.end - self.start).days + 1

    def days_until(self, day: dt.date) -> int:
        """Days of the year from its start up to and including `day` (0 before, all after)."""
        return max(0, min((min(day, self.end) - self.start).days + 1, self.days))


def agreement_years(starts_on: dt.date, ends_on: dt.date) -> list[AgreementYear]:
    years: list[AgreementYear] = []
    start = starts_on
    while start <= ends_on:
        following = shift_months(starts_on, 12 * (len(years) + 1))
        years.append(AgreementYear(len(years) + 1, start, min(following - dt.timedelta(days=1), ends_on)))
        start = following
    return years


def year_of(years: list[AgreementYear], day: dt.date) -> AgreementYear:
    """The agreement year holding `day`: the first before the period, the last after it."""
    for year in years:
        if day <= year.end:
            return year
    return years[-1]
