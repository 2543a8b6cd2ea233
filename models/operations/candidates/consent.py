"""The client's consent: what a referral needs before it is sent, accepted or activated,
recording a consent and withdrawing it."""

from __future__ import annotations

from typing import Optional

from sqlalchemy.orm import Session

from ... import clock
from ...accounts import User
from ...candidates import Candidate, Consent
from ..errors import DomainError, Message
from .parsing import ConsentInput


def check_consent(consent: Optional[Consent | ConsentInput], action: Message) -> None:
    if consent is None or not (consent.scope_partnership and consent.scope_companies):
        raise DomainError(
            "Remissen kan inte %(action)s utan klientens samtycke till att uppgifterna delas med "
            "partnerskapet och med företagen. Registrera samtycket först, eller spara remissen som utkast.",
            field="consent_partnership",
            code="no_consent",
            action=action,
        )


def record_consent(session: Session, candidate: Candidate, consent: ConsentInput, *, by: User) -> Consent:
    row = Consent(
        candidate=candidate,
        given_on=consent.given_on,
        method=consent.method,
        scope_partnership=consent.scope_partnership,
        scope_companies=consent.scope_companies,
        recorded_by=by,
    )
    session.add(row)
    session.flush()
    return row


def withdraw_consent(session: Session, candidate: Candidate, *, by: User) -> int:
    """Record the client's withdrawal now: from this moment the candidate is out of matching and
    every employer view (they filter on `consent_in_force()`). The data itself stays."""
    live = [c for c in candidate.consents if c.withdrawn_at is None]
    if not live:
        raise DomainError("Det finns inget gällande samtycke att återkalla.", code="no_consent")
    now = clock.now()
    for consent in live:
        consent.withdrawn_at = now
        consent.withdrawn_by_id = by.id
    session.flush()
    return len(live)
