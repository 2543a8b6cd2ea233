"""Organisations (the partners and the welfare units), user accounts and login sessions."""

from __future__ import annotations

import datetime as dt
from typing import TYPE_CHECKING, Optional

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from . import clock
from .db import Base, UTCDateTime
from .enums import OrganisationKind, Role, db_enum

if TYPE_CHECKING:
    from .companies import Company


class Organisation(Base):
    __tablename__ = "organisation"

    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(sa.String(200), unique=True)
    short_name: Mapped[str] = mapped_column(sa.String(40))
    kind: Mapped[OrganisationKind] = mapped_column(db_enum(OrganisationKind, "organisation_kind"))
    parent_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("organisation.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    parent: Mapped[Optional[Organisation]] = relationship(remote_side=[id])

    def __repr__(self) -> str:
        return f"<Organisation {self.short_name}>"


class User(Base):
    __tablename__ = "user_account"  # "user" is reserved in PostgreSQL
    __table_args__ = (
        # An employer account always belongs to exactly one company; nobody else has one.
        sa.CheckConstraint(
            "(role = 'employer') = (company_id IS NOT NULL)", name="employer_has_company"
        ),
        sa.CheckConstraint("email = lower(email)", name="email_lowercase"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    email: Mapped[str] = mapped_column(sa.String(254), unique=True)
    name: Mapped[str] = mapped_column(sa.String(200))
    password_hash: Mapped[str] = mapped_column(sa.String(300))
    role: Mapped[Role] = mapped_column(db_enum(Role, "role"))
    organisation_id: Mapped[Optional[int]] = mapped_column(
        sa.ForeignKey("organisation.id"), index=True
    )
    company_id: Mapped[Optional[int]] = mapped_column(sa.ForeignKey("company.id"), index=True)
    active: Mapped[bool] = mapped_column(default=True)
    locale: Mapped[str] = mapped_column(sa.String(5), default="sv")
    # The TOTP secret, encrypted with the PinVault's keys (never stored in clear text).
    totp_secret: Mapped[Optional[str]] = mapped_column(sa.String(200))
    # The time step of the last accepted code: a code is accepted once only (replay guard).
    totp_last_step: Mapped[Optional[int]]
    # Set by an admin: this account must use a second factor (admins always must).
    totp_required: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_login_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    password_changed_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)

    organisation: Mapped[Optional[Organisation]] = relationship()
    company: Mapped[Optional[Company]] = relationship()

    # The interface Flask-Login expects, written out so that models/ stays free of Flask.
    is_authenticated = True
    is_anonymous = False

    @property
    def is_active(self) -> bool:
        return self.active

    def get_id(self) -> str:
        return str(self.id)

    def __repr__(self) -> str:
        return f"<User {self.id} {self.role}>"


class LoginSession(Base):
    """A server-side record of one login, so that logout and password change can end it.

    The browser's cookie carries a random token; only its hash is stored here.
    """

    __tablename__ = "login_session"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    last_seen_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    revoked_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    ip: Mapped[Optional[str]] = mapped_column(sa.String(45))

    user: Mapped[User] = relationship()


class ApiToken(Base):
    """A personal API token (hash only) acting with its owner's role."""

    __tablename__ = "api_token"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    name: Mapped[str] = mapped_column(sa.String(100))
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    expires_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    revoked_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
    last_used_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)

    user: Mapped[User] = relationship()


class CalendarFeed(Base):
    """A secret, revocable URL token for a user's personal .ics feed (hash only stored)."""

    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    token_hash: Mapped[str] = mapped_column(sa.String(64), unique=True)
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime, default=clock.now)
    revoked_at: Mapped[Optional[dt.datetime]] = mapped_column(UTCDateTime)
