"""Personal API tokens: issue one (the secret is returned once, only its hash is kept), resolve
a presented token to its live row, and revoke."""

from __future__ import annotations

import datetime as dt
import hashlib
import secrets
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import clock
from ..accounts import ApiToken, User
from .errors import Conflict, DomainError

# A recognisable prefix lets secret scanners and people tell an API token from other secrets.
TOKEN_PREFIX = "iop_"  # noqa: S105 (a public prefix, not a secret)
MAX_EXPIRY_DAYS = 730
# Writing last_used_at on every call would turn every read into a write.
_TOUCH_INTERVAL = dt.timedelta(minutes=1)


def hash_token(raw: str) -> str:
    return hashlib.sha256(raw.encode()).hexdigest()


def issue_token(
    session: Session, user: User, *, name: str, expires_days: Optional[int] = None
) -> tuple[ApiToken, str]:
    """A new token for `user`; returns the row and the secret, which is never stored."""
    name = (name or "").strip()
    if not name:
        raise DomainError("Ge nyckeln ett namn, till exempel systemet som ska använda den.", field="name")
    if len(name) > 100:
        raise DomainError("Namnet får vara högst 100 tecken.", field="name")
    if expires_days is not None and not 1 <= expires_days <= MAX_EXPIRY_DAYS:
        raise DomainError(
            "Giltighetstiden ska vara mellan 1 och %(days)s dagar.", field="expires_days", days=MAX_EXPIRY_DAYS
        )
    if not user.active:
        raise DomainError("Kontot är inaktiverat och kan inte få nya nycklar.", field="user")
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken(
        user=user,
        name=name,
        token_hash=hash_token(raw),
        expires_at=clock.now() + dt.timedelta(days=expires_days) if expires_days else None,
    )
    session.add(token)
    session.flush()
    return token, raw


def resolve_token(session: Session, raw: str) -> Optional[ApiToken]:
    """The live token for a presented secret, or None if unknown, revoked, expired, or its
    owner is deactivated. Marks it used (at most once a minute)."""
    if not _looks_like_a_token(raw):
        return None
    token = session.scalar(sa.select(ApiToken).where(ApiToken.token_hash == hash_token(raw)))
    if token is None or not is_live(token) or not token.user.active:
        return None
    now = clock.now()
    if token.last_used_at is None or now - token.last_used_at > _TOUCH_INTERVAL:
        token.last_used_at = now
    return token


def owner_id(session: Session, raw: str) -> Optional[int]:
    """The id of the account a presented secret was issued to, live or not, or None; marks
    nothing. For counting calls per account before the token is checked."""
    if not _looks_like_a_token(raw):
        return None
    return session.scalar(sa.select(ApiToken.user_id).where(ApiToken.token_hash == hash_token(raw)))


def _looks_like_a_token(raw: str) -> bool:
    return bool(raw) and raw.startswith(TOKEN_PREFIX) and len(raw) <= 200


def is_live(token: ApiToken, now: Optional[dt.datetime] = None) -> bool:
    now = now or clock.now()
    return token.revoked_at is None and (token.expires_at is None or token.expires_at > now)


def revoke_token(session: Session, token: ApiToken) -> None:
    if token.revoked_at is not None:
        raise Conflict("Nyckeln är redan återkallad.")
    token.revoked_at = clock.now()
    session.flush()


def tokens_of(session: Session, user: Optional[User] = None) -> list[ApiToken]:
    """A user's tokens (or everyone's, for the admin list), newest first."""
    query = sa.select(ApiToken).order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    if user is not None:
        query = query.where(ApiToken.user_id == user.id)
    return list(session.scalars(query))
