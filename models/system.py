"""Cross-cutting records: the audit trail, the email outbox, single-use link tokens, the
ranker model registry, ranker duels and the recommendation exposure log."""

from __future__ import annotations

import datetime as dt
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from . import clock
from .db import Base, UTCDateTime
from .enums import DuelState, OutboxStatus, db_enum


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


class RankerDuel(Base):
    """A challenger model compared with the active one in use by team-draft interleaving
    (models/operations/ranker_duel.py). The score counts lists won: a list is won by the model
    whose rows were booked more often from it. At most one duel runs at a time."""

    __tablename__ = "ranker_duel"
    __table_args__ = (
        sa.Index("uq_ranker_duel_running", "state", unique=True, sqlite_where=sa.text("state = 'running'"),
                 postgresql_where=sa.text("state = 'running'")),
        sa.CheckConstraint("share > 0 AND share <= 1", name="share_range"),
        sa.CheckConstraint("max_lists >= 1", name="max_lists_positive"),
        sa.CheckConstraint("alpha > 0 AND alpha < 0.5", name="alpha_range"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    challenger_id: Mapped[int] = mapped_column(sa.ForeignKey("ranker_model.id"))
    active_model_id: Mapped[int] = mapped_column(sa.ForeignKey("ranker_model.id"))
    share: Mapped[float] = mapped_column(sa.Float)  # of the lists shown, how many are interleaved
    max_lists: Mapped[int]  # counted lists (with a winner) before the duel is abandoned
    alpha: Mapped[float] = mapped_column(sa.Float)  # the highest chance of promoting an equal model
    state: Mapped[DuelState] = mapped_column(db_enum(DuelState, "duel_state"), default=DuelState.RUNNING)
    reason: Mapped[str] = mapped_column(sa.String(20), default="")  # why it was decided
    wins_challenger: Mapped[int] = mapped_column(default=0)
    wins_active: Mapped[int] = mapped_column(default=0)
    booked_lists: Mapped[int] = mapped_column(default=0)  # lists with a credited booking (ties too)
    started_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    decided_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)


class Exposure(Base):
    """One recommendation list shown to a user: what was ranked, by which model, and whether
    a proposal followed. The ranked list is compact JSON: [[id, score], ...]. A list shown
    interleaved in a duel names the duel, and in `teams` the model that placed each row (in the
    order of `ranked`); other lists have neither."""

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
    duel_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("ranker_duel.id"), index=True)
    teams: Mapped[Optional[list[int]]] = mapped_column(sa.JSON)
