"""Who may take part — be recommended, booked for a visit, registered for an activity, planned
for a quarter: one rule, written once as three named conditions.

* not anonymised;
* a consent in force that covers sharing with the companies (for the partnership's own
  activities, sharing with the partnership);
* a referral that is accepted or active (not a draft, submitted, returned or closed one).

`may_take_part()` is the rule as SQL on Candidate, for lists and the planner; `refusals()`
evaluates the same conditions for one candidate and says which fail; `ensure_may_take_part()`
refuses an operation with the first of them. Every check reads the database, so a consent
withdrawn a minute ago counts.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from ..candidates import Candidate, Referral, consent_in_force
from ..enums import ReferralStatus
from .errors import N_, DomainError, Message

#: The referral statuses under which the client takes part.
TAKING_PART_STATUSES = frozenset({ReferralStatus.ACCEPTED, ReferralStatus.ACTIVE})


def referral_taking_part() -> sa.ColumnElement[bool]:
    """SQL on Referral: the referral is accepted or active."""
    return Referral.status.in_(TAKING_PART_STATUSES)


@dataclass(frozen=True)
class Condition:
    """One condition of taking part: `code` names it (and is the error code when it fails),
    `reason` says what is missing and what to do, `sql(with_companies)` is the test on Candidate."""

    code: str
    reason: Message
    sql: Callable[[bool], sa.ColumnElement[bool]]


NOT_ANONYMISED = Condition(
    "anonymised",
    N_("Uppgifterna är avidentifierade."),
    lambda _with_companies: Candidate.anonymised_at.is_(None),
)
CONSENT_IN_FORCE = Condition(
    "no_consent",
    N_("Deltagaren har inget samtycke som gäller. Be handläggaren registrera samtycket först."),
    lambda with_companies: consent_in_force(companies=with_companies),
)
REFERRAL_TAKING_PART = Condition(
    "no_referral",
    N_(
        "Deltagaren har ingen antagen eller aktiv remiss (den kan vara avslutad, återsänd eller "
        "inte inskickad). Ta ställning till remissen först, eller be handläggaren remittera på nytt."
    ),
    lambda _with_companies: sa.exists().where(Referral.candidate_id == Candidate.id, referral_taking_part()),
)
CONDITIONS = (NOT_ANONYMISED, CONSENT_IN_FORCE, REFERRAL_TAKING_PART)


def may_take_part(*, with_companies: bool = True) -> sa.ColumnElement[bool]:
    """SQL on Candidate: meets every condition. `with_companies=False` is for what the
    partnership does without a company (an activity of its own): a consent to sharing with the
    partnership is enough there."""
    return sa.and_(*(condition.sql(with_companies) for condition in CONDITIONS))


def refusals(session: Session, candidate: Candidate, *, with_companies: bool = True) -> list[Condition]:
    """The conditions `candidate` does not meet, in the order above (empty when they may take
    part), from one query. Anonymised data end the list: the other reasons would be noise."""
    met = session.execute(
        sa.select(*(c.sql(with_companies).label(c.code) for c in CONDITIONS)).where(Candidate.id == candidate.id)
    ).one()
    failed = [condition for condition, ok in zip(CONDITIONS, met, strict=True) if not ok]
    return failed[:1] if failed and failed[0] is NOT_ANONYMISED else failed


def ensure_may_take_part(session: Session, candidate: Candidate, *, with_companies: bool = True) -> None:
    """Refuse (DomainError on the field `candidate`, coded as the condition) unless the
    candidate may take part."""
    failed = refusals(session, candidate, with_companies=with_companies)
    if failed:
        raise DomainError(failed[0].reason, field="candidate", code=failed[0].code)
