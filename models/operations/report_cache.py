"""The quarterly report, computed once per change of its data and then read from the database.

Computing the report reads every visit of the period (about a quarter of a second at a region's
100,000 visits), and the dashboard, the start pages and the API all show it. A computed report
is stored as a snapshot stamped with the day and with the "report" data version, a counter that
every transaction changing a visit, candidate, offer, company, activity, questionnaire,
follow-up or programme raises when it commits (models/system.py). A snapshot is used only while
both stamps still hold, so a page never shows figures older than the last committed change.
Snapshot and counter live in the database: every worker and every host agrees on them.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import enum
import functools
import logging
import types
import typing
from collections.abc import Callable
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import clock
from ..clock import local_today
from ..programme import Programme
from ..system import REPORT, ReportSnapshot, data_version, upsert
from .derived_cache import DerivedCache
from .reports import QuarterlyReport, quarterly_report

log = logging.getLogger(__name__)
FORMAT = 1  # raised when the stored form of a report changes: older snapshots are then recomputed


# Each worker also keeps the reports it has read (decoding a snapshot costs a few ms): and when
# the data has just changed, the requests that all want the new report wait for one worker
# thread to compute it instead of each computing it (16 start pages at once, say).
_KEPT = DerivedCache(REPORT, max_entries=32)


def cached_quarterly_report(
    session: Session, programme: Programme, *, today: Optional[dt.date] = None
) -> QuarterlyReport:
    """`quarterly_report(session, programme)`, from the snapshot when the data has not changed.
    The report returned may be shared with other requests: read it, do not change it."""
    today = today or local_today()
    key = ("quarterly", programme.id, today)
    return _KEPT.get(session, key, lambda: _snapshot_or_compute(session, programme, today))


def _snapshot_or_compute(session: Session, programme: Programme, today: dt.date) -> QuarterlyReport:
    version = data_version(session, REPORT)
    stored = session.execute(
        sa.select(ReportSnapshot.as_of, ReportSnapshot.data_version, ReportSnapshot.payload).where(
            ReportSnapshot.programme_id == programme.id
        )
    ).first()
    if stored is not None and stored.as_of == today and stored.data_version == version:
        report = _from_payload(stored.payload)
        if report is not None:
            return report
    report = quarterly_report(session, programme, today=today)
    _store(session, programme.id, today, version, report)
    return report


def _store(session: Session, programme_id: int, today: dt.date, version: int, report: QuarterlyReport) -> None:
    """Save the snapshot in a transaction of its own: a page that only reads commits nothing, and
    a failure here (a concurrent change of the programme) costs only the next page a recompute."""
    values = {
        "programme_id": programme_id, "as_of": today, "data_version": version,
        "computed_at": clock.now(), "payload": {"format": FORMAT, "report": encode(report)},
    }
    table = ReportSnapshot.__table__
    try:
        with session.get_bind().connect() as connection:
            upsert(connection, table, values, ["programme_id"],
                   {k: v for k, v in values.items() if k != "programme_id"})
            connection.commit()
    except sa.exc.SQLAlchemyError:
        log.warning("could not store the report snapshot of programme %s", programme_id, exc_info=True)


def _from_payload(payload: Any) -> Optional[QuarterlyReport]:
    if not isinstance(payload, dict) or payload.get("format") != FORMAT:
        return None
    try:
        return decode(QuarterlyReport, payload["report"])
    except (KeyError, TypeError, ValueError):
        log.warning("unreadable report snapshot; computing the report again", exc_info=True)
        return None


# --- the report as JSON, driven by the dataclasses' own type hints ---------------------------
def encode(value: Any) -> Any:
    """JSON-ready form of a report (dataclasses, dicts with enum/tuple/int keys, dates, enums)."""
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return {f.name: encode(getattr(value, f.name)) for f in dataclasses.fields(value)}
    if isinstance(value, dict):
        return [[encode(k), encode(v)] for k, v in value.items()]
    if isinstance(value, (list, tuple)):
        return [encode(v) for v in value]
    if isinstance(value, enum.Enum):
        return value.value
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def decode(hint: Any, data: Any) -> Any:
    """The inverse of `encode` for a value of type `hint`."""
    return _decoder(hint)(data)


def _same(data: Any) -> Any:
    return data


@functools.cache
def _decoder(hint: Any) -> Callable[[Any], Any]:
    """A function that decodes values of type `hint` (built once per type: a report has
    thousands of values of a dozen types)."""
    if dataclasses.is_dataclass(hint):
        types_of = typing.get_type_hints(hint)
        fields = [(f.name, _decoder(types_of[f.name])) for f in dataclasses.fields(hint) if f.init]
        return lambda data: hint(**{name: decode_field(data[name]) for name, decode_field in fields})
    origin, args = typing.get_origin(hint), typing.get_args(hint)
    if origin in (typing.Union, types.UnionType):
        inner = _decoder(next(a for a in args if a is not type(None)))
        return lambda data: None if data is None else inner(data)
    if origin is dict:
        key, value = _decoder(args[0]), _decoder(args[1])
        return lambda data: {key(k): value(v) for k, v in data}
    if origin is list:
        item = _decoder(args[0])
        return lambda data: [item(v) for v in data]
    if origin is tuple:
        items = [_decoder(a) for a in args]
        return lambda data: tuple(f(v) for f, v in zip(items, data, strict=True))
    if isinstance(hint, type) and issubclass(hint, enum.Enum):
        return hint
    if hint is dt.date:
        return dt.date.fromisoformat
    if hint is float:
        return lambda data: None if data is None else float(data)
    return _same
