"""Administering accounts: create, change, deactivate and reactivate, and password resets.

Admins never choose or see a password: a new account and a reset both get a random password
nobody knows, and the person sets their own through an emailed single-use link.
"""

from __future__ import annotations

import secrets
from typing import Optional

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .. import clock
from ..accounts import Organisation, User
from ..companies import Company
from ..enums import OrganisationKind, Role
from . import accounts as account_ops
from .errors import Conflict, DomainError, NotAllowed
from .selection import check_partner_organisation


def name_or_email_matches(text: str) -> sa.ColumnElement[bool]:
    """SQL: the account's email or name contains `text` (any case; % and _ match literally)."""
    escaped = text.strip().lower().replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    pattern = f"%{escaped}%"
    return sa.or_(User.email.like(pattern, escape="\\"), sa.func.lower(User.name).like(pattern, escape="\\"))


def _unknown_password() -> str:
    # Long and random: passes the policy, and nobody (the admin included) ever learns it.
    return secrets.token_urlsafe(32)


def _check_affiliation(role: Role, organisation: Optional[Organisation], company: Optional[Company]) -> None:
    if role == Role.WELFARE_OFFICER and organisation is None:
        raise DomainError("En handläggare måste höra till en enhet.", field="organisation")
    if (role == Role.EMPLOYER) != (company is not None):
        raise DomainError("Ett företagskonto måste höra till ett företag, och bara det.", field="company")


# The parties of the steering group (Tillväxt Helsingborg, HIF, AF, AMF): a steering account
# represents one of them, and approves a quarter's report for it (models/operations/signoff.py).
STEERING_PARTY_KINDS = (
    OrganisationKind.FOUNDATION, OrganisationKind.CLUB, OrganisationKind.MUNICIPALITY,
    OrganisationKind.EMPLOYMENT_SERVICE,
)


def check_party(role: Role, organisation: Optional[Organisation]) -> None:
    """The organisation a steering or selection partner account represents (the admin's form
    and `flask create-user --organisation` alike)."""
    _check_steering_party(role, organisation)
    check_partner_organisation(role, organisation)


def _check_steering_party(role: Role, organisation: Optional[Organisation]) -> None:
    if role == Role.STEERING and (organisation is None or organisation.kind not in STEERING_PARTY_KINDS):
        raise DomainError(
            "En ledamot av styrgruppen företräder en av parterna: välj Tillväxt Helsingborg, Helsingborgs IF, "
            "Arbetsförmedlingen eller Arbetsmarknadsförvaltningen.",
            field="organisation",
        )


def _other_active_admins(session: Session, user: User) -> int:
    return session.scalar(
        sa.select(sa.func.count())
        .select_from(User)
        .where(User.role == Role.ADMIN, User.active.is_(True), User.id != user.id)
    ) or 0


def create_account(
    session: Session,
    *,
    email: str,
    name: str,
    role: Role,
    organisation: Optional[Organisation] = None,
    company: Optional[Company] = None,
    totp_required: bool = False,
) -> User:
    """A new account that cannot be logged into until its owner sets a password by link."""
    _check_affiliation(role, organisation, company)
    check_party(role, organisation)
    user = account_ops.create_user(
        session,
        email=email,
        name=name,
        password=_unknown_password(),
        role=role,
        organisation=organisation,
        company=company if role == Role.EMPLOYER else None,
    )
    user.totp_required = totp_required
    session.flush()
    return user


def update_account(
    session: Session,
    user: User,
    *,
    by: User,
    email: str,
    name: str,
    role: Role,
    organisation: Optional[Organisation],
    company: Optional[Company],
    totp_required: bool,
) -> None:
    email = account_ops.account_email(session, email, user=user)
    _check_affiliation(role, organisation, company)
    if user.role == Role.ADMIN and role != Role.ADMIN:
        if user.id == by.id:
            raise NotAllowed("Du kan inte ta bort din egen administratörsroll.", field="role")
        if user.active and _other_active_admins(session, user) == 0:
            raise Conflict("Det måste finnas minst en aktiv administratör.", field="role")
    check_party(role, organisation)
    user.email = email
    user.name = name.strip() or email
    user.role = role
    user.organisation = organisation
    user.company = company if role == Role.EMPLOYER else None
    user.totp_required = totp_required
    session.flush()


def deactivate(session: Session, user: User, *, by: User) -> None:
    """Close the account and end every login session it has, at once."""
    if user.id == by.id:
        raise NotAllowed("Du kan inte inaktivera ditt eget konto.")
    if not user.active:
        raise Conflict("Kontot är redan inaktiverat.")
    if user.role == Role.ADMIN and _other_active_admins(session, user) == 0:
        raise Conflict("Det måste finnas minst en aktiv administratör.")
    user.active = False
    account_ops.end_all_login_sessions(session, user)
    session.flush()


def reactivate(session: Session, user: User) -> None:
    if user.active:
        raise Conflict("Kontot är redan aktivt.")
    user.active = True
    session.flush()


def start_password_reset(session: Session, user: User) -> None:
    """Replace the password with one nobody knows and end every session; the owner then sets
    a new one by the emailed link. A reset after a suspected leak therefore locks out at once."""
    if not user.active:
        raise Conflict("Kontot är inaktiverat. Aktivera det först.")
    user.password_hash = account_ops.hash_password(_unknown_password())
    user.password_changed_at = clock.now()
    account_ops.end_all_login_sessions(session, user)
    session.flush()


def set_password(session: Session, user: User, password: str) -> None:
    """The owner sets a password through a set-password link (policy checked)."""
    if not user.active:
        raise Conflict("Kontot är inaktiverat.")
    account_ops.check_password_policy(password)
    user.password_hash = account_ops.hash_password(password)
    user.password_changed_at = clock.now()
    account_ops.end_all_login_sessions(session, user)
    session.flush()
