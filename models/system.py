"""Cross-cutting records: the audit trail, the email outbox, single-use link tokens, the
ranker model registry and the recommendation exposure log."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.orm import Mapped, ORMExecuteState, Session, mapped_column

from . import clock
from .db import Base, UTCDateTime
from .enums import OutboxStatus, db_enum


class AuditEvent(Base):
    """Who did what to which record, when and from where. Ids only, never personal data.
    Append-only from the app's point of view: nothing in the app updates or deletes rows."""

    __tablename__ = "audit_event"
    __table_args__ = (sa.Index("ix_audit_target", "target_type", "target_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    actor_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"), index=True)
    actor_role: Mapped[str] = mapped_column(sa.String(30), default="")
    action: Mapped[str] = mapped_column(sa.String(60), index=True)
    target_type: Mapped[str] = mapped_column(sa.String(40), default="")
    target_id: Mapped[Optional[int]]
    success: Mapped[bool] = mapped_column(default=True)
    ip: Mapped[str] = mapped_column(sa.String(45), default="")
    request_id: Mapped[str] = mapped_column(sa.String(40), default="")
    details: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)


class OutboxMessage(Base):
    """An email written in the same transaction as the change it reports; sent afterwards.
    A rolled-back change therefore sends nothing."""

    __tablename__ = "outbox_message"
    __table_args__ = (sa.Index("ix_outbox_pending", "status", "next_attempt_at"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    to_addr: Mapped[str] = mapped_column(sa.String(254))
    subject: Mapped[str] = mapped_column(sa.String(300))
    body_text: Mapped[str] = mapped_column(sa.Text)
    body_html: Mapped[str] = mapped_column(sa.Text, default="")
    # [{"filename": ..., "mime": "text/calendar; method=REQUEST", "content": "<text>"}]
    attachments: Mapped[list[dict[str, str]]] = mapped_column(sa.JSON, default=list)
    # Idempotency: a reminder for the same visit and day is written once.
    dedupe_key: Mapped[Optional[str]] = mapped_column(sa.String(120), unique=True)
    kind: Mapped[str] = mapped_column(sa.String(40), default="")
    status: Mapped[OutboxStatus] = mapped_column(
        db_enum(OutboxStatus, "outbox_status"), default=OutboxStatus.PENDING
    )
    attempts: Mapped[int] = mapped_column(default=0)
    next_attempt_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_error: Mapped[str] = mapped_column(sa.Text, default="")
    sent_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)


class UsedLinkToken(Base):
    """The nonce of a single-use emailed link, stored when used: a replay hits the unique key."""

    __tablename__ = "used_link_token"

    nonce: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    purpose: Mapped[str] = mapped_column(sa.String(40))
    used_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)


class RankerModel(Base):
    """A trained ranker in the registry: the file, its training data and evaluation."""

    __tablename__ = "ranker_model"

    id: Mapped[int] = mapped_column(primary_key=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    path: Mapped[str] = mapped_column(sa.String(500))
    snapshot_id: Mapped[str] = mapped_column(sa.String(64))
    n_history: Mapped[int] = mapped_column(default=0)
    code_version: Mapped[str] = mapped_column(sa.String(40), default="")
    metrics: Mapped[dict[str, Any]] = mapped_column(sa.JSON, default=dict)
    active: Mapped[bool] = mapped_column(default=False, index=True)
    activated_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)


class Exposure(Base):
    """One recommendation list shown to a user: what was ranked, by which model, and whether
    a proposal followed. The ranked list is compact JSON: [[id, score], ...]."""

    __tablename__ = "exposure"
    __table_args__ = (sa.Index("ix_exposure_context", "context", "context_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now, index=True)
    user_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("user_account.id"))
    context: Mapped[str] = mapped_column(sa.String(10))  # "offer" | "candidate"
    context_id: Mapped[int]
    model_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("ranker_model.id"))
    ranked: Mapped[list[Any]] = mapped_column(sa.JSON, default=list)
    proposed_ids: Mapped[list[int]] = mapped_column(sa.JSON, default=list)


# --- versions of derived data (caches that every worker and host can trust) ---------------------
# The rows the quarterly report is computed from (models/operations/reports.py).
REPORT_INPUT_TABLES = frozenset({
    "visit", "visit_event", "candidate", "offer", "company", "activity", "activity_participant",
    "survey", "survey_question", "survey_invitation", "survey_answer", "follow_up",
    "programme", "goal", "milestone", "funding",
    "budget_line", "budget_funding", "actual_cost", "budget_settings",
    "referral", "referral_event", "feedback", "organisation",
})
REPORT = "report"
# The rows a recommendation list depends on: who may be recommended (candidate, consent,
# referral), who is free and already proposed (visit), what is offered (offer, company) and the
# active model (models/operations/matching.py).
MATCHING_INPUT_TABLES = frozenset({"candidate", "consent", "referral", "visit", "offer", "company", "ranker_model"})
MATCHING = "matching"
# The rows pages show: every table but the bookkeeping that merely reading pages writes (login
# sessions, the audit trail, the exposure log, API tokens' last use, the outbox) and the derived
# data itself. Pieces of pages (the start page's panels) are kept per user until this changes.
# tests/test_derived_cache.py checks that every table is in one of the two sets.
PAGE_INPUT_TABLES = frozenset({
    "activity", "activity_participant", "candidate", "company", "consent", "contact", "feedback",
    "follow_up", "funding", "goal", "milestone", "offer", "organisation", "programme",
    "programme_party", "ranker_model", "referral", "referral_event", "survey", "survey_answer",
    "survey_invitation", "survey_question", "user_account", "visit", "visit_event",
    "budget_line", "budget_funding", "actual_cost", "budget_settings",
    "agreement_change", "agreement_approval", "quarter_signoff", "quarter_approval", "quarter_correction",
})
NOT_PAGE_INPUT_TABLES = frozenset({
    "api_token", "audit_event", "calendar_feed", "data_version", "exposure", "login_session",
    "outbox_message", "report_snapshot", "used_link_token",
})
PAGES = "pages"

#: Each counter and the tables whose changes raise it.
DERIVED_DATA: dict[str, frozenset[str]] = {
    REPORT: REPORT_INPUT_TABLES, MATCHING: MATCHING_INPUT_TABLES, PAGES: PAGE_INPUT_TABLES,
}
_CHANGED = "derived_inputs_changed"
_VERSIONS = "data_versions_read"


class DataVersion(Base):
    """A version per kind of derived data, changed in the same transaction as every change to the
    rows that data is computed from: a cached copy stamped with another value is out of date.
    The counter lives in the database, so every worker and every host agrees on it."""

    __tablename__ = "data_version"

    name: Mapped[str] = mapped_column(sa.String(40), primary_key=True)
    value: Mapped[int] = mapped_column(sa.BigInteger, default=0)


class ReportSnapshot(Base):
    """The last computed quarterly report of a programme, for one day and one data version
    (models/operations/report_cache.py)."""

    __tablename__ = "report_snapshot"

    programme_id: Mapped[int] = mapped_column(
        sa.ForeignKey("programme.id", ondelete="CASCADE"), primary_key=True
    )
    as_of: Mapped[dt.date]
    data_version: Mapped[int] = mapped_column(sa.BigInteger)
    computed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    payload: Mapped[dict[str, Any]] = mapped_column(sa.JSON)


def upsert(connection: sa.Connection, table: sa.Table, values: dict[str, Any], keys: list[str],
           update: dict[str, Any]) -> None:
    """INSERT, or UPDATE the row with the same `keys` (PostgreSQL and SQLite)."""
    dialect = postgresql if connection.dialect.name == "postgresql" else sqlite
    statement = dialect.insert(table).values(**values)
    connection.execute(statement.on_conflict_do_update(index_elements=keys, set_=update))


def bump_version(connection: sa.Connection, name: str = REPORT) -> None:
    """Give the counter a new value: a random one, so that a value stands for one committed state
    of the data even across a restore from backup or a wiped and refilled database (a cache
    stamped before either can never match the data after it)."""
    value = secrets.randbits(62) + 1
    upsert(connection, DataVersion.__table__, {"name": name, "value": value}, ["name"], {"value": value})


def data_version(session: Session, name: str) -> int:
    """The counter `name` as this transaction first read it (one query per transaction)."""
    seen: dict[str, int] = session.info.setdefault(_VERSIONS, {})
    if name not in seen:
        seen[name] = session.scalar(sa.select(DataVersion.value).where(DataVersion.name == name)) or 0
    return seen[name]


def has_uncommitted_inputs(session: Session, name: str) -> bool:
    """True when this session has flushed or pending changes to the rows `name` is computed
    from: what it derives now must not be cached for other transactions to see."""
    return name in session.info.get(_CHANGED, ()) or name in _touched((*session.new, *session.dirty, *session.deleted))


def _touched(tables: Any) -> set[str]:
    names = {getattr(t, "__tablename__", t) for t in tables}
    return {name for name, inputs in DERIVED_DATA.items() if not inputs.isdisjoint(names)}


def _note(session: Session, changed: set[str]) -> None:
    if changed:
        session.info.setdefault(_CHANGED, set()).update(changed)


@sa.event.listens_for(Session, "before_flush")
def _note_changes(session: Session, _context: Any, _instances: Any) -> None:
    _note(session, _touched((*session.new, *session.dirty, *session.deleted)))


@sa.event.listens_for(Session, "do_orm_execute")
def _note_bulk_changes(state: ORMExecuteState) -> None:
    table = getattr(state.statement, "table", None)
    if (state.is_insert or state.is_update or state.is_delete) and table is not None:
        _note(state.session, _touched([getattr(table, "name", None)]))


@sa.event.listens_for(Session, "before_commit")
def _bump_versions(session: Session) -> None:
    # Flush first, so that the counters' row locks are the last locks the transaction takes (and
    # are held only while it commits), always in the same order: two writers can then never wait
    # for each other in a circle.
    session.flush()
    for name in sorted(session.info.pop(_CHANGED, ())):
        bump_version(session.connection(), name)


@sa.event.listens_for(Session, "after_rollback")
def _forget_changes(session: Session) -> None:
    session.info.pop(_CHANGED, None)


@sa.event.listens_for(Session, "after_transaction_end")
def _forget_versions(session: Session, _transaction: Any) -> None:
    # The next transaction reads the counters afresh.
    session.info.pop(_VERSIONS, None)
