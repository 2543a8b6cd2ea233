"""The second login factor: time-based one-time codes (TOTP, RFC 6238, via pyotp).

The secret is kept encrypted with the identity-number vault's keys (so it rotates with them),
and each accepted code's time step is remembered so that a code works once only.
"""

from __future__ import annotations

import datetime as dt
import hmac
from typing import Any, Optional

import pyotp
import segno
import sqlalchemy as sa

from .. import clock
from ..accounts import User
from ..enums import Role
from ..identity import PinVault
from .errors import Conflict, DomainError, NotAllowed

ISSUER = "IOP Jobbskuggning"
# One step either side of the current one: phones whose clock is up to ~30 s off still work.
VALID_WINDOW = 1


def required_for(user: User) -> bool:
    """Admins always need a second factor; other accounts when an admin has required it."""
    return user.role == Role.ADMIN or bool(user.totp_required)


def required_condition() -> sa.ColumnElement[bool]:
    """`required_for` as an SQL condition on User."""
    return sa.or_(User.role == Role.ADMIN, User.totp_required.is_(True))


def is_enrolled(user: Any) -> bool:
    return bool(getattr(user, "totp_secret", None))


def new_secret() -> str:
    return pyotp.random_base32()


def provisioning_qr_svg(uri: str, title: str) -> str:
    """The otpauth URI as a QR code, inline SVG made here (no outside service sees the key)."""
    code = segno.make(uri, error="m", micro=False)
    return code.svg_inline(scale=4, border=4, title=title, light="#fff", svgclass="qr")


def provisioning_uri(secret: str, account_name: str) -> str:
    """The otpauth:// URI an authenticator app reads (typed in, or pasted, by the user)."""
    return pyotp.TOTP(secret).provisioning_uri(name=account_name, issuer_name=ISSUER)


def _normalise(code: str) -> str:
    return "".join((code or "").split())


def _matching_step(secret: str, code: str, at: dt.datetime) -> Optional[int]:
    """The time step whose code equals `code`, within the allowed window, or None."""
    code = _normalise(code)
    if len(code) != 6 or not code.isdigit():
        return None
    totp = pyotp.TOTP(secret)
    now_step = totp.timecode(at)
    for step in range(now_step - VALID_WINDOW, now_step + VALID_WINDOW + 1):
        if hmac.compare_digest(totp.generate_otp(step), code):
            return step
    return None


def _wrong_code() -> DomainError:
    return DomainError(
        "Koden stämmer inte. Skriv de sex siffrorna som appen visar just nu.", field="code"
    )


def enrol(
    session: Any, user: User, vault: PinVault, secret: str, code: str, *, at: Optional[dt.datetime] = None
) -> None:
    """Turn the second factor on with a secret the user has put in an app, proven by a code."""
    if is_enrolled(user):
        raise Conflict("Tvåstegsverifiering är redan påslagen för kontot.", field="code")
    step = _matching_step(secret, code, at or clock.now())
    if step is None:
        raise _wrong_code()
    user.totp_secret = vault.encrypt(secret)
    user.totp_last_step = step
    session.flush()


def verify(user: User, vault: PinVault, code: str, *, at: Optional[dt.datetime] = None) -> bool:
    """True if `code` is the user's current code and has not been used before (then it is
    marked used). The caller commits, so a replay of the same code is refused."""
    if not is_enrolled(user):
        return False
    step = _matching_step(vault.decrypt(user.totp_secret or ""), code, at or clock.now())
    if step is None or (user.totp_last_step is not None and step <= user.totp_last_step):
        return False
    user.totp_last_step = step
    return True


def disable(session: Any, user: User, vault: PinVault, code: str, *, at: Optional[dt.datetime] = None) -> None:
    """The user turns the second factor off, proving it with a current code."""
    if required_for(user):
        raise NotAllowed("Ditt konto måste ha tvåstegsverifiering och den kan inte stängas av.", field="code")
    if not verify(user, vault, code, at=at):
        raise _wrong_code()
    reset(session, user)


def reset(session: Any, user: User) -> None:
    """Remove the second factor (an admin does this for someone who lost their phone)."""
    user.totp_secret = None
    user.totp_last_step = None
    session.flush()
