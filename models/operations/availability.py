"""When a candidate can come: their weekdays and times of day, as part of who may take part on
a given day (next to `eligibility`, which says who may take part at all).

A candidate's availability is stored structured on `Candidate.weekdays` and
`Candidate.times_of_day` (bit masks, `models.db.FlagSet`), typed as checkboxes by the officer
and as words in the import ("tisdag, onsdag"; "förmiddag") — never as free text, so nothing
needs parsing here. An empty set means "not stated": it restricts nothing.

A visit fits when both hold:

* its day's weekday is one of the candidate's weekdays;
* every part of the day the visit touches is one of the candidate's times of day. The parts
  are `TIME_BANDS`: förmiddag until 12:00, mitt på dagen 12:00–14:00, eftermiddag from 14:00
  (so 08:00–12:00 is förmiddag alone, 08:00–14:00 needs förmiddag and mitt på dagen, and
  09:00–15:00 needs all three).

The rule is written once as bit arithmetic (`fits`) that works on Python ints (one candidate:
the booking) and on numpy arrays (every pair: the quarterly planner), and once as SQL
(`available_sql`, the recommendation list for a day) built from the same bits;
tests/test_availability.py checks that the two agree on every combination.

Booking outside the availability is refused unless the project leader overrides it with a
written reason (`check_booking`); the reason is kept on the visit and in its history.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import sqlalchemy as sa

from ..candidates import Candidate
from ..clock import STOCKHOLM
from ..enums import TIMES_OF_DAY, WEEKDAYS
from .errors import N_, DomainError, Message, joined

#: The parts of a day, [start, end) in local time, in the order of TIMES_OF_DAY.
TIME_BANDS: dict[str, tuple[dt.time, dt.time]] = {
    "morning": (dt.time(0, 0), dt.time(12, 0)),
    "midday": (dt.time(12, 0), dt.time(14, 0)),
    "afternoon": (dt.time(14, 0), dt.time.max),
}
if tuple(TIME_BANDS) != TIMES_OF_DAY:  # the bits below follow this order
    raise RuntimeError("update TIME_BANDS: it must name the parts of the day in the order of TIMES_OF_DAY")

#: Words for messages (translated where the message is shown).
DAY_WORDS: dict[str, Message] = dict(zip(WEEKDAYS, (
    N_("måndagar"), N_("tisdagar"), N_("onsdagar"), N_("torsdagar"), N_("fredagar"), N_("lördagar"),
    N_("söndagar")), strict=True))
TIME_WORDS: dict[str, Message] = {"morning": N_("förmiddag"), "midday": N_("mitt på dagen"),
                                  "afternoon": N_("eftermiddag")}

#: Longest override reason kept (the form's and the API's limit).
REASON_MAX = 2000


def day_bit(day: dt.date) -> int:
    """The weekday's bit in `Candidate.weekdays`."""
    return 1 << day.weekday()


def times_needed(start: dt.time, end: dt.time) -> int:
    """The bits (in `Candidate.times_of_day`) of the parts of the day that [start, end) touches."""
    mask = 0
    for i, (band_start, band_end) in enumerate(TIME_BANDS.values()):
        if start < band_end and end > band_start:
            mask |= 1 << i
    return mask


def fits(days: Any, times: Any, day_bits: Any, needed: Any) -> Any:
    """THE rule, as bit arithmetic: the candidate's weekday mask `days` (0 = not stated) holds
    the day's bit, and their time mask `times` (0 = not stated) holds every bit in `needed`.
    Works element-wise on numpy arrays."""
    return ((days == 0) | ((days & day_bits) != 0)) & ((times == 0) | ((times & needed) == needed))


def _mask(column: Any) -> Any:
    return sa.type_coerce(column, sa.Integer())


def available_sql(day: dt.date, start: dt.time, end: dt.time) -> sa.ColumnElement[bool]:
    """SQL on Candidate: `fits` for a visit on `day` from `start` to `end` (local times), said as
    the masks that fit (`weekdays IN (0, 1, 3, …)`): the same rows as the bit arithmetic, but the
    database can estimate them from the columns' statistics. For a test like `weekdays & 4 <> 0`
    it assumes 0.5 % of the candidates, where half of them fit, and then plans a ranked list's
    eligibility as nested loops over a few hundred rows (38 ms where 17 ms will do)."""
    bit, needed = day_bit(day), times_needed(start, end)
    days = [mask for mask in range(1 << len(WEEKDAYS)) if fits(mask, 0, bit, needed)]
    times = [mask for mask in range(1 << len(TIMES_OF_DAY)) if fits(0, mask, bit, needed)]
    return sa.and_(_mask(Candidate.weekdays).in_(days), _mask(Candidate.times_of_day).in_(times))


def _bits(column: Any, slugs: list[str]) -> int:
    return column.property.columns[0].type.bits(slugs)


def is_available(candidate: Candidate, day: dt.date, start: dt.time, end: dt.time) -> bool:
    """`fits` for one candidate and one visit (local day and times)."""
    return bool(fits(_bits(Candidate.weekdays, candidate.weekdays), _bits(Candidate.times_of_day,
                     candidate.times_of_day), day_bit(day), times_needed(start, end)))


def describe(candidate: Candidate) -> Message:
    """"tisdagar, onsdagar; förmiddag" — the candidate's availability in words."""
    days = joined(DAY_WORDS[d] for d in candidate.weekdays) if candidate.weekdays else N_("alla dagar")
    times = joined(TIME_WORDS[t] for t in candidate.times_of_day) if candidate.times_of_day else N_("alla tider")
    return N_("%(days)s; %(times)s", days=days, times=times)


def check_booking(
    candidate: Candidate, start: dt.datetime, end: dt.datetime, override_reason: Optional[str]
) -> str:
    """Refuse a visit outside the candidate's availability unless `override_reason` says why it
    is booked anyway. Returns the reason to record ("" when the visit fits: nothing to record).
    `start` and `end` are aware; the day and times are taken in Swedish local time."""
    local_start, local_end = start.astimezone(STOCKHOLM), end.astimezone(STOCKHOLM)
    if is_available(candidate, local_start.date(), local_start.time(), local_end.time()):
        return ""
    reason = (override_reason or "").strip()
    if override_reason is None:
        raise DomainError(
            "%(name)s kan bara %(availability)s. Välj en annan dag eller tid, eller boka ändå utanför "
            "tillgängligheten och skriv varför (till exempel att deltagaren har sagt ja till just den dagen).",
            field="day",
            code="availability",
            name=candidate.first_name,
            availability=describe(candidate),
        )
    if not reason:
        raise DomainError(
            "Skriv varför besöket bokas utanför deltagarens tillgänglighet (%(availability)s).",
            field="availability_reason",
            code="availability_reason",
            availability=describe(candidate),
        )
    if len(reason) > REASON_MAX:
        raise DomainError("Skälet får vara högst %(max)s tecken.", field="availability_reason",
                          code="availability_reason", max=REASON_MAX)
    return reason
