"""Referrals and their life cycle (draft → submitted → accepted | returned → active → closed),
each move written to the referral's history. Nothing here commits; notifying the referring
officer is the web layer's job, after the operation succeeded."""

from __future__ import annotations

from typing import Optional

from sqlalchemy.orm import Session

from ... import clock
from ...accounts import User
from ...candidates import Candidate, Consent, Referral, ReferralEvent
from ...enums import ClosedOutcome, ReferralStatus, Role, SelectionStance
from ...identity import PinVault
from ..errors import N_, Conflict, DomainError, Message, NotAllowed
from ..spreadsheet import CellInvalid, parse_choice
from .consent import check_consent
from .parsing import OUTCOME_WORDS, CandidateInput, ConsentInput, parse_reason
from .records import DuplicateCandidate, apply_input, find_duplicate, flush_or_duplicate

S = ReferralStatus

STATUS_WORDS = {
    S.DRAFT: N_("ett utkast"),
    S.SUBMITTED: N_("inskickad"),
    S.ACCEPTED: N_("antagen"),
    S.RETURNED: N_("återsänd"),
    S.ACTIVE: N_("aktiv"),
    S.CLOSED: N_("avslutad"),
}
# Which statuses a referral may move to, from which. A returned referral can be completed and
# submitted again by its officer; a closed one is final (a new referral starts a new period).
TRANSITIONS: dict[ReferralStatus, frozenset[ReferralStatus]] = {
    S.SUBMITTED: frozenset({S.DRAFT, S.RETURNED}),
    S.ACCEPTED: frozenset({S.SUBMITTED}),
    S.ACTIVE: frozenset({S.ACCEPTED}),
    S.RETURNED: frozenset({S.SUBMITTED, S.ACCEPTED}),
    S.CLOSED: frozenset({S.ACCEPTED, S.ACTIVE}),
}
OPEN_STATUSES = frozenset(set(S) - {S.CLOSED})


def check_officer(officer: User) -> None:
    if officer.role != Role.WELFARE_OFFICER or officer.organisation is None:
        raise NotAllowed("Bara en handläggare som hör till en enhet kan remittera.")


def _new_referral(
    session: Session,
    vault: PinVault,
    data: CandidateInput,
    *,
    candidate: Optional[Candidate],
    officer: User,
    recorded_by: User,
    reason: str,
    consent: Optional[ConsentInput],
    submit: bool,
    economic_assistance: Optional[bool] = None,
) -> Referral:
    if candidate is None:
        candidate = Candidate()
        apply_input(candidate, data, vault)
        session.add(candidate)
    if consent is not None:
        candidate.consents.append(
            Consent(
                given_on=consent.given_on,
                method=consent.method,
                scope_partnership=consent.scope_partnership,
                scope_companies=consent.scope_companies,
                recorded_by=recorded_by,
            )
        )
    referral = Referral(candidate=candidate, unit=officer.organisation, referred_by=officer, reason=reason,
                        economic_assistance=economic_assistance)
    referral.status = S.DRAFT
    # The same columns as the events _move writes (reason too), so that an import's events are
    # inserted in batches rather than one statement each.
    referral.events.append(
        ReferralEvent(from_status=None, to_status=S.DRAFT, by=recorded_by, at=clock.now(), reason="")
    )
    session.add(referral)
    if submit:
        _submit(referral, recorded_by)
    return referral


def refer_candidate(
    session: Session,
    vault: PinVault,
    data: CandidateInput,
    *,
    officer: User,
    reason: str,
    consent: Optional[ConsentInput],
    submit: bool,
    attach: bool = False,
    economic_assistance: Optional[bool] = None,
) -> Referral:
    """An officer's referral of a client: a new candidate, or with `attach` a new referral of the
    candidate already in the bank. Without consent it can only be saved as a draft.
    `economic_assistance`: whether the client receives ekonomiskt bistånd (the referral form asks
    it; None when not told, as in imports and older referrals)."""
    check_officer(officer)
    if data.identity is None:
        raise DomainError("Personnummer eller samordningsnummer saknas.", field="pin")
    existing = find_duplicate(session, vault, data.identity, data.first_name, data.last_name)
    if existing is not None and not attach:
        raise DuplicateCandidate()
    if existing is not None and any(
        r.unit_id == officer.organisation_id and r.status in OPEN_STATUSES for r in existing.referrals
    ):
        raise Conflict(
            "Din enhet har redan en pågående remiss för personen. Öppna den under «Mina remisser» i stället.",
            field="pin",
            code="open_referral",
        )
    referral = _new_referral(
        session, vault, data, candidate=existing, officer=officer, recorded_by=officer,
        reason=reason, consent=consent, submit=submit, economic_assistance=economic_assistance,
    )
    flush_or_duplicate(session)
    return referral


def _move(referral: Referral, to: ReferralStatus, by: User, reason: str = "") -> None:
    if referral.status not in TRANSITIONS[to]:
        raise Conflict(
            "Remissen är %(status)s och kan inte bli %(to)s. Ladda om sidan: någon kan ha hunnit före.",
            code="transition",
            status=STATUS_WORDS[referral.status],
            to=STATUS_WORDS[to],
        )
    referral.events.append(
        ReferralEvent(from_status=referral.status, to_status=to, by=by, reason=reason, at=clock.now())
    )
    referral.status = to


def _require_consent(referral: Referral, action: Message) -> None:
    check_consent(referral.candidate.active_consent, action)


def check_reason(reason: str) -> None:
    if not reason.strip():
        raise DomainError(
            "Skälet till remissen saknas. Skriv varför klienten remitteras.", field="reason", code="no_reason"
        )


def _submit(referral: Referral, by: User) -> None:
    _require_consent(referral, N_("skickas"))
    check_reason(referral.reason)
    _move(referral, S.SUBMITTED, by)
    referral.submitted_at = clock.now()


def submit_referral(session: Session, referral: Referral, *, by: User, reason: Optional[str] = None) -> None:
    """Send a draft (or a completed returned referral) to the project leader; `reason`, when
    given, replaces the referral's reason first."""
    if reason is not None:
        referral.reason = parse_reason(reason)
    _submit(referral, by)
    session.flush()


def current_positions(referral: Referral) -> list:  # type: ignore[type-arg]
    """The selection partners' positions on the referral as it stands now: those recorded since
    it was last sent (a referral returned and sent again is judged afresh)."""
    since = referral.submitted_at
    return [p for p in referral.positions if since is None or p.recorded_at >= since]


def objections(referral: Referral) -> list:  # type: ignore[type-arg]
    return [p for p in current_positions(referral) if p.stance == SelectionStance.OBJECT]


def check_reason_against_objection(referral: Referral, reason: str) -> None:
    """Taking a client on against a selection partner's objection needs a written reason."""
    found = objections(referral)
    if found and not reason.strip():
        raise DomainError(
            "%(parties)s har invänt mot urvalet. Skriv varför remissen ändå antas.",
            field="reason",
            code="objection_needs_reason",
            parties=", ".join(p.organisation.short_name for p in found),
        )


def accept_referral(
    session: Session, referral: Referral, *, by: User, activate: bool = False, reason: str = ""
) -> None:
    """The project leader takes the client on (and with `activate`, starts at once), after
    consulting AF and AMF: against an objection only with a written `reason`, which the referring
    officer sees in the referral's history."""
    reason = parse_reason(reason)
    check_reason_against_objection(referral, reason)
    _require_consent(referral, N_("antas"))
    _move(referral, S.ACCEPTED, by, reason)
    if activate:
        _move(referral, S.ACTIVE, by)
    session.flush()


def activate_referral(session: Session, referral: Referral, *, by: User) -> None:
    _require_consent(referral, N_("aktiveras"))
    _move(referral, S.ACTIVE, by)
    session.flush()


def return_referral(session: Session, referral: Referral, *, by: User, reason: str) -> None:
    reason = parse_reason(reason)
    if not reason:
        raise DomainError(
            "Skriv varför remissen återsänds, så att handläggaren vet vad som behöver kompletteras.",
            field="reason",
        )
    _move(referral, S.RETURNED, by, reason)
    referral.return_reason = reason
    session.flush()


def close_referral(
    session: Session, referral: Referral, *, by: User, outcome: str | ClosedOutcome | None, reason: str = ""
) -> None:
    try:
        chosen = parse_choice(outcome, OUTCOME_WORDS, what=N_("Utfallet"))
    except CellInvalid:
        raise DomainError("Välj hur insatsen avslutades.", field="outcome") from None
    _move(referral, S.CLOSED, by, parse_reason(reason))
    referral.closed_outcome = ClosedOutcome(chosen)
    referral.closed_at = clock.now()
    session.flush()
