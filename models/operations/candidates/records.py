"""A candidate's record in the bank: the columns a parsed referral sets, whether the person is
already there (by identity number, or by name and birth date), editing under optimistic
locking, and the identity number shown in full."""

from __future__ import annotations

import re
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session
from sqlalchemy.orm.exc import StaleDataError

from ...candidates import Candidate
from ...identity import PersonalIdentity, PinVault
from ..errors import N_, Conflict, DomainError
from .parsing import CandidateInput

STALE_EDIT_MESSAGE = N_(
    "Någon annan har ändrat uppgifterna medan du redigerade. Ladda om sidan för att se de nya "
    "uppgifterna och gör dina ändringar igen. Ingenting av det du skrev har sparats."
)


class DuplicateCandidate(Conflict):
    """The person is already in the bank. Says nothing about who referred them or from where."""

    def __init__(self) -> None:
        super().__init__(
            "Personen finns redan i kandidatbanken. Du kan koppla din remiss till den befintliga kandidaten "
            "i stället för att lägga upp personen en gång till.",
            field="pin",
            code="duplicate",
        )


# --- duplicates ------------------------------------------------------------------------------
def same_name(a: str, b: str) -> bool:
    return re.sub(r"\s+", " ", a).strip().casefold() == re.sub(r"\s+", " ", b).strip().casefold()


def find_duplicate(
    session: Session,
    vault: PinVault,
    identity: PersonalIdentity,
    first_name: str,
    last_name: str,
    *,
    exclude_id: Optional[int] = None,
) -> Optional[Candidate]:
    """The candidate with the same identity number, or else with the same first and last name
    (case-insensitive) and birth date."""
    found = session.scalar(sa.select(Candidate).where(Candidate.pin_hash == vault.lookup_hash(identity.number)))
    if found is not None and found.id != exclude_id:
        return found
    # Names are compared in Python: SQLite's lower() only folds ASCII, and one birth date has few rows.
    same_day = session.scalars(
        sa.select(Candidate).where(Candidate.birth_date == identity.birth_date, Candidate.anonymised_at.is_(None))
    )
    for candidate in same_day:
        if (
            candidate.id != exclude_id
            and same_name(candidate.first_name, first_name)
            and same_name(candidate.last_name, last_name)
        ):
            return candidate
    return None


# --- the record's columns --------------------------------------------------------------------
_CANDIDATE_FIELDS = (
    "first_name", "last_name", "gender", "phone", "email", "contact_channel", "preferred_language",
    "target_group", "swedish_level", "languages", "interests", "weekdays", "times_of_day", "postcode",
    "area", "lat", "lon", "needs_accessible", "adjustments", "to_workplace", "needs_other",
)


def candidate_values(data: CandidateInput, vault: PinVault) -> dict[str, Any]:
    """The candidate's columns that `data` sets (the identity number's four only when given):
    for an edit or a referral through the ORM (`apply_input`) and for the bulk import's rows alike."""
    values = {name: getattr(data, name) for name in _CANDIDATE_FIELDS}
    if data.identity is not None:
        values["pin_encrypted"] = vault.encrypt(data.identity.number)
        values["pin_hash"] = vault.lookup_hash(data.identity.number)
        values["pin_masked"] = data.identity.masked
        values["birth_date"] = data.identity.birth_date
    return values


def apply_input(candidate: Candidate, data: CandidateInput, vault: PinVault) -> None:
    for name, value in candidate_values(data, vault).items():
        setattr(candidate, name, value)


def flush_or_duplicate(session: Session) -> None:
    """Flush; a second record of the same identity number is refused as DuplicateCandidate."""
    try:
        session.flush()
    except IntegrityError as exc:
        # Two officers registering the same person at the same moment: the unique hash decides.
        if "pin_hash" in str(exc.orig):
            raise DuplicateCandidate() from None
        raise


# --- editing, the identity number ------------------------------------------------------------
def update_candidate(
    session: Session, vault: PinVault, candidate: Candidate, data: CandidateInput, *, expected_version: Any
) -> None:
    """Save an edit made on the version the editor saw; refuse if anyone saved in between."""
    try:
        seen = int(expected_version)
    except (TypeError, ValueError):
        seen = -1
    if seen != candidate.version:
        raise Conflict(STALE_EDIT_MESSAGE, code="stale")
    if data.identity is not None:
        other = session.scalar(
            sa.select(Candidate.id).where(
                Candidate.pin_hash == vault.lookup_hash(data.identity.number), Candidate.id != candidate.id
            )
        )
        if other is not None:
            raise Conflict("Det numret hör redan till en annan person i kandidatbanken.", field="pin", code="duplicate")
    apply_input(candidate, data, vault)
    try:
        flush_or_duplicate(session)
    except StaleDataError:
        # Saved by someone else between our read and our write: the UPDATE matched no row.
        raise Conflict(STALE_EDIT_MESSAGE, code="stale") from None


def reveal_identity_number(vault: PinVault, candidate: Candidate) -> str:
    """The full number as YYYYMMDD-NNNN. The caller audits that it was shown."""
    if not candidate.pin_encrypted:
        raise DomainError("Inget personnummer är registrerat för personen.")
    number = vault.decrypt(candidate.pin_encrypted)
    return f"{number[:8]}-{number[8:]}"
