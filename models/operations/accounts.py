"""Accounts: creating users, checking passwords, and server-side login sessions."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from pathlib import Path
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session
from werkzeug.security import check_password_hash, generate_password_hash

from .. import clock
from ..accounts import LoginSession, Organisation, User
from ..companies import Company
from ..enums import Role
from . import fields
from .errors import DomainError

MIN_PASSWORD_LENGTH = 12
_COMMON_PASSWORDS_FILE = Path(__file__).with_name("common_passwords.txt")
# A constant hash to compare against when the account does not exist, so that the time a
# failed login takes does not tell whether the email is registered.
_DUMMY_HASH = generate_password_hash("not-a-real-password-at-all", method="scrypt")


def _common_passwords() -> frozenset[str]:
    return frozenset(
        line.strip().lower()
        for line in _COMMON_PASSWORDS_FILE.read_text(encoding="utf-8").splitlines()
        if line.strip() and not line.startswith("#")
    )


def check_password_policy(password: str) -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            "Lösenordet måste vara minst %(n)s tecken.", field="password", n=MIN_PASSWORD_LENGTH
        )
    if password.lower() in _common_passwords():
        raise DomainError(
            "Lösenordet är för vanligt och lätt att gissa. Välj ett annat.", field="password"
        )


def account_email(session: Session, email: str, *, user: Optional[User] = None) -> str:
    """The address an account (`user`, or a new one) is to have, as stored; refused when it is
    missing, not an address or another account's."""
    address = fields.checked(fields.email_address, email, field="email")
    if not address:
        raise DomainError("Ange en e-postadress.", field="email")
    taken = sa.select(User.id).where(User.email == address)
    if user is not None:
        taken = taken.where(User.id != user.id)
    if session.scalar(taken) is not None:
        raise DomainError("Det finns redan ett konto med den e-postadressen.", field="email")
    return address


def hash_password(password: str) -> str:
    return generate_password_hash(password, method="scrypt")


def create_user(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    role: Role,
    organisation: Optional[Organisation] = None,
    company: Optional[Company] = None,
) -> User:
    email = account_email(session, email)
    if (role == Role.EMPLOYER) != (company is not None):
        raise DomainError(
            "Ett företagskonto måste höra till ett företag, och bara det.", field="company"
        )
    check_password_policy(password)
    user = User(
        email=email,
        name=name.strip() or email,
        password_hash=hash_password(password),
        role=role,
        organisation=organisation,
        company=company,
    )
    session.add(user)
    session.flush()
    return user


def account_id_for(session: Session, email: str) -> Optional[int]:
    """The id of the account with this email, if there is one: what a failed login is logged
    against (in the audit log only; the answer to the login is the same either way)."""
    return session.scalar(sa.select(User.id).where(User.email == (email or "").strip().lower()))


def authenticate(session: Session, email: str, password: str) -> Optional[User]:
    """The active user with this email and password, or None (without saying which was wrong)."""
    user = session.scalar(sa.select(User).where(User.email == (email or "").strip().lower()))
    if user is None:
        check_password_hash(_DUMMY_HASH, password or "")
        return None
    if not check_password_hash(user.password_hash, password or "") or not user.active:
        return None
    return user


def _token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def start_login_session(session: Session, user: User, ip: str = "") -> str:
    """Record a new login; return the random token for the cookie (only its hash is kept)."""
    token = secrets.token_urlsafe(32)
    session.add(LoginSession(user=user, token_hash=_token_hash(token), ip=ip[:45]))
    user.last_login_at = clock.now()
    session.flush()
    return token


def resolve_login_session(
    session: Session,
    token: str,
    *,
    idle_timeout: dt.timedelta,
    absolute_timeout: dt.timedelta,
) -> Optional[User]:
    """The user of a live login session, or None if it was ended, revoked or timed out."""
    row = session.scalar(sa.select(LoginSession).where(LoginSession.token_hash == _token_hash(token)))
    if row is None or row.revoked_at is not None:
        return None
    now = clock.now()
    if now - row.last_seen_at > idle_timeout or now - row.created_at > absolute_timeout:
        row.revoked_at = now
        return None
    if not row.user.active:
        return None
    # Touch at most once a minute: a write on every page view would serialise readers.
    if now - row.last_seen_at > dt.timedelta(minutes=1):
        row.last_seen_at = now
    return row.user


def end_login_session(session: Session, token: str) -> None:
    row = session.scalar(sa.select(LoginSession).where(LoginSession.token_hash == _token_hash(token)))
    if row is not None and row.revoked_at is None:
        row.revoked_at = clock.now()


def end_all_login_sessions(session: Session, user: User) -> None:
    """End every session of the user (password change, deactivation)."""
    session.execute(
        sa.update(LoginSession)
        .where(LoginSession.user_id == user.id, LoginSession.revoked_at.is_(None))
        .values(revoked_at=clock.now())
    )


def change_password(session: Session, user: User, current: str, new: str) -> None:
    if not check_password_hash(user.password_hash, current or ""):
        raise DomainError("Nuvarande lösenord stämmer inte.", field="current_password")
    check_password_policy(new)
    user.password_hash = hash_password(new)
    user.password_changed_at = clock.now()
    end_all_login_sessions(session, user)
