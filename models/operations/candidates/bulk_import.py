"""The bulk import of referrals from a spreadsheet: its columns, a preview that checks every
row (against the file's other rows and the bank), and an all-or-nothing commit that writes
the rows table by table."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Optional

import sqlalchemy as sa
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from ... import clock
from ...accounts import User
from ...candidates import Candidate, Consent, Referral, ReferralEvent
from ...enums import ReferralStatus
from ...identity import InvalidIdentityNumber, PersonalIdentity, PinVault, parse_personal_identity
from ...profiles import CandidateProfileVersion, first_versions
from .. import fields
from ..errors import N_, DomainError
from ..spreadsheet import (
    CellInvalid,
    ColumnSpec,
    Preview,
    Problem,
    RowDuplicate,
    RowInvalid,
    RowValues,
    Table,
    map_headers,
    validate_rows,
)
from .consent import check_consent
from .parsing import (
    FIELD_WORDS,
    TARGET_GROUP_WORDS,
    CandidateInput,
    ConsentInput,
    InvalidInput,
    parse_candidate_input,
    parse_consent_input,
    parse_reason,
)
from .records import DuplicateCandidate, candidate_values, find_duplicate, same_name
from .referrals import check_officer, check_reason

S = ReferralStatus

DUPLICATE_MESSAGE = N_("Personen finns redan i kandidatbanken.")


IMPORT_COLUMNS: list[ColumnSpec] = [
    ColumnSpec("first_name", "Förnamn", True, N_("Klientens förnamn."), "Amina"),
    ColumnSpec("last_name", "Efternamn", True, N_("Klientens efternamn."), "Hassan"),
    ColumnSpec(
        "pin", "Personnummer", True,
        N_("Personnummer eller samordningsnummer, 12 siffror: ÅÅÅÅMMDD-NNNN."), "19900101-1239",
        aliases=("Personnummer/samordningsnummer", "Samordningsnummer"),
    ),
    ColumnSpec("phone", "Telefon", False, N_("Telefonnummer."), "070-123 45 67"),
    ColumnSpec("email", "E-post", False, N_("E-postadress."), "amina@exempel.se"),
    ColumnSpec("contact_channel", "Kontaktväg", False, N_("telefon, sms eller e-post (tomt = telefon)."), "sms"),
    ColumnSpec("preferred_language", "Kontaktspråk", False, N_("Språkkod eller språk, t.ex. sv eller arabiska."), "sv"),
    ColumnSpec(
        "target_group", "Målgrupp", True, N_("En av: %(choices)s.", choices=TARGET_GROUP_WORDS.listing()),
        "Utrikes födda, nya i Sverige",
    ),
    ColumnSpec("swedish_level", "Svenskanivå", True, N_("0–6 (0 = ingen, 1 = A1 … 6 = C2) eller A1–C2."), "3"),
    ColumnSpec("languages", "Andra språk", False, N_("Språkkoder eller språk, skilda åt med komma."), "ar, en"),
    ColumnSpec(
        "interests", "Intressen", True,
        N_("Yrkesområden, skilda åt med semikolon: %(choices)s.", choices=FIELD_WORDS.listing()),
        "Hotell, restaurang, storhushåll; Data/IT",
    ),
    ColumnSpec(
        "weekdays", "Veckodagar", True, N_("Dagar klienten kan, t.ex. mån, tis, ons, tor, fre."), "mån, tis, ons"
    ),
    ColumnSpec("times_of_day", "Tider på dagen", False, N_("förmiddag, mitt på dagen, eftermiddag."), "förmiddag"),
    fields.POSTCODE_COLUMN,
    ColumnSpec("area", "Område", False, N_("Stadsdel eller ort."), "Centrum"),
    fields.LATITUDE_COLUMN,
    fields.LONGITUDE_COLUMN,
    ColumnSpec(
        "needs_accessible", "Tillgänglig arbetsplats", False, N_("ja eller nej. Visas för arbetsplatsen."), "nej"
    ),
    ColumnSpec(
        "adjustments", "Anpassningar", False,
        N_("Visas för arbetsplatsen: tolk, språkstöd eller pauser, skilda åt med komma (tomt går bra)."), "",
    ),
    ColumnSpec(
        "needs_other", "Andra behov", False,
        N_("Praktiska behov, fritext. Internt: visas bara för handläggare och projektledare, aldrig för företaget."),
        "Kan inte börja före kl. 9",
    ),
    ColumnSpec(
        "reason", "Skäl för remiss", False, N_("Varför klienten remitteras. Krävs när samtycke är ifyllt."),
        "Vill pröva restaurangyrket",
    ),
    ColumnSpec(
        "consent_given_on", "Samtycke datum", False,
        N_(
            "Dagen klienten samtyckte till att uppgifterna delas med partnerskapet och företagen (ÅÅÅÅ-MM-DD). "
            "Tomt = raden sparas som utkast."
        ),
        "2026-03-02",
    ),
    ColumnSpec("consent_method", "Samtycke sätt", False, N_("skriftligt, digitalt eller muntligt."), "skriftligt"),
    ColumnSpec("gender", "Kön", False, N_("kvinna, man eller annat (tomt går bra)."), ""),
]


@dataclass(frozen=True)
class ImportRow:
    candidate: CandidateInput
    consent: Optional[ConsentInput]
    reason: str


class KnownPeople:
    """The bank's candidates that a file's rows could repeat, read in a few queries for the whole
    file (by identity-number hash and by birth date): `find_duplicate`'s rule, without its two
    queries per row (20,000 queries for a 10,000-row file)."""

    CHUNK = 500  # values per IN (...): well below SQLite's limit on parameters

    def __init__(self, session: Session, vault: PinVault, identities: Iterable[PersonalIdentity]):
        self.vault = vault
        wanted = list(identities)
        hashes = sorted({vault.lookup_hash(i.number) for i in wanted})
        days = sorted({i.birth_date for i in wanted})
        self._hashes: set[str] = set()
        self._names_by_day: dict[dt.date, list[tuple[str, str]]] = {}
        for part in (hashes[n : n + self.CHUNK] for n in range(0, len(hashes), self.CHUNK)):
            self._hashes.update(session.scalars(sa.select(Candidate.pin_hash).where(Candidate.pin_hash.in_(part))))
        for part in (days[n : n + self.CHUNK] for n in range(0, len(days), self.CHUNK)):
            rows = session.execute(
                sa.select(Candidate.birth_date, Candidate.first_name, Candidate.last_name).where(
                    Candidate.birth_date.in_(part), Candidate.anonymised_at.is_(None)
                )
            )
            for day, first, last in rows:
                self._names_by_day.setdefault(day, []).append((first, last))

    def has(self, identity: PersonalIdentity, first_name: str, last_name: str) -> bool:
        if self.vault.lookup_hash(identity.number) in self._hashes:
            return True
        return any(
            same_name(first, first_name) and same_name(last, last_name)
            for first, last in self._names_by_day.get(identity.birth_date, [])
        )

    @classmethod
    def for_file(cls, session: Session, vault: PinVault, table: Table) -> KnownPeople:
        """The people the identity numbers in the file's number column could be."""
        index, _unknown = map_headers(table, IMPORT_COLUMNS)
        identities = []
        for row in table.rows:
            text = row.cells[index["pin"]] if "pin" in index and index["pin"] < len(row.cells) else ""
            try:
                identities.append(parse_personal_identity(text))
            except InvalidIdentityNumber:
                continue  # the row's own check reports it
        return cls(session, vault, identities)


class CandidateRowValidator:
    """Checks one row of a candidate import: its values, that no earlier row of the file is the
    same person, and that the person is not already in the bank (a duplicate, shown apart)."""

    def __init__(self, session: Session, vault: PinVault, known: Optional[KnownPeople] = None):
        self.session = session
        self.vault = vault
        self.known = known
        self._rows_by_pin: dict[str, int] = {}
        self._rows_by_person: dict[tuple[str, str, dt.date], int] = {}

    def __call__(self, values: RowValues) -> ImportRow:
        problems: list[Problem] = []
        candidate = consent = None
        reason = ""
        try:
            candidate = parse_candidate_input(values)
        except InvalidInput as exc:
            problems += exc.problems
        try:
            consent = parse_consent_input(values, scopes_from_checkboxes=False)
        except InvalidInput as exc:
            problems += exc.problems
        try:
            reason = parse_reason(values.get("reason"))
        except CellInvalid as exc:
            problems.append(Problem("reason", exc.problem, exc.fix))
        if consent is not None and not reason and not any(p.key == "reason" for p in problems):
            problems.append(
                Problem(
                    "reason",
                    N_("Skälet till remissen saknas."),
                    N_("Skriv skälet, eller töm samtyckeskolumnerna så sparas raden som utkast."),
                )
            )
        if problems or candidate is None or candidate.identity is None:
            raise RowInvalid(problems)
        identity = candidate.identity
        person = (candidate.first_name.casefold(), candidate.last_name.casefold(), identity.birth_date)
        earlier = self._rows_by_pin.get(identity.number) or self._rows_by_person.get(person)
        if earlier:
            raise RowInvalid(
                [
                    Problem(
                        "pin",
                        N_("Samma person finns redan på rad %(row)s i filen.", row=earlier),
                        N_("Ta bort den ena raden."),
                    )
                ]
            )
        self._rows_by_pin[identity.number] = values.number
        self._rows_by_person[person] = values.number
        row = ImportRow(candidate, consent, reason)
        if self.known is not None:
            duplicate = self.known.has(identity, candidate.first_name, candidate.last_name)
        else:
            duplicate = find_duplicate(self.session, self.vault, identity, candidate.first_name, candidate.last_name)
        if duplicate:
            raise RowDuplicate(DUPLICATE_MESSAGE, row)
        return row


def preview_import(
    session: Session,
    vault: PinVault,
    table: Table,
    *,
    progress: Optional[Callable[[Iterable[Any]], Iterable[Any]]] = None,
) -> Preview[ImportRow]:
    """Check every row of an uploaded file; nothing is stored."""
    validator = CandidateRowValidator(session, vault, KnownPeople.for_file(session, vault, table))
    return validate_rows(table, IMPORT_COLUMNS, validator, progress=progress)


@dataclass(frozen=True)
class ImportedReferral:
    """A referral an import stored: its id, its new candidate's id and its status (submitted, or a
    draft when the row had no consent)."""

    id: int
    candidate_id: int
    status: ReferralStatus


def import_candidates(
    session: Session,
    vault: PinVault,
    preview: Preview[ImportRow],
    *,
    referrer: User,
    by: Optional[User] = None,
    skip_duplicates: bool = False,
    progress: Optional[Callable[[Iterable[Any]], Iterable[Any]]] = None,
) -> list[ImportedReferral]:
    """Store every valid row as a referral by `referrer` (an officer) — all or nothing: any row
    with an error, or duplicates not explicitly skipped, and nothing is stored. Rows with consent
    are submitted; rows without are drafts. `by` is who ran the import (default: the referrer).

    Each row is written as `refer_candidate` writes a new candidate's referral (the candidate,
    its consent, the referral and its events), but table by table in a few statements rather
    than as ORM objects: 10,000 rows are some 48,000 objects. The referrals come back in the
    file's order; the session holds none of the new rows."""
    check_officer(referrer)
    preview.ensure_all_or_nothing(
        skip_duplicates=skip_duplicates,
        duplicates=N_(
            "%(n)s rader gäller personer som redan finns i kandidatbanken. Välj att hoppa "
            "över dem, eller ta bort dem ur filen. Ingenting har importerats."
        ),
        nothing=N_("Det finns inga nya personer att importera i filen."),
    )
    actor = by or referrer
    now = clock.now()
    submitting = N_("skickas")
    people: list[dict[str, Any]] = []
    consents: dict[str, dict[str, Any]] = {}  # by the candidate's pin_hash (unique)
    referrals: dict[str, dict[str, Any]] = {}
    rows: Iterable[Any] = progress(preview.valid_rows) if progress else preview.valid_rows
    for row in rows:
        data, consent, reason = row.value.candidate, row.value.consent, row.value.reason
        if data.identity is None:
            raise DomainError("Personnummer eller samordningsnummer saknas.", field="pin")
        person = candidate_values(data, vault)
        key = person["pin_hash"]
        people.append(person)
        if consent is not None:  # what _new_referral and _submit check and write
            check_consent(consent, submitting)
            check_reason(reason)
            consents[key] = {
                "given_on": consent.given_on,
                "method": consent.method,
                "scope_partnership": consent.scope_partnership,
                "scope_companies": consent.scope_companies,
                "recorded_by_id": actor.id,
            }
        referrals[key] = {
            "unit_id": referrer.organisation_id,
            "referred_by_id": referrer.id,
            "reason": reason,
            "status": S.SUBMITTED if consent is not None else S.DRAFT,
            "submitted_at": now if consent is not None else None,
        }
    try:
        candidate = Candidate.__table__.c
        ids = dict(_insert_rows(session, Candidate.__table__, people, returning=(candidate.pin_hash, candidate.id)))
        _insert_rows(session, CandidateProfileVersion.__table__,
                     first_versions(Candidate, [(ids[p["pin_hash"]], p) for p in people], now))
        _insert_rows(session, Consent.__table__, [{"candidate_id": ids[k], **v} for k, v in consents.items()])
        referral = Referral.__table__.c
        referral_ids = dict(
            _insert_rows(
                session, Referral.__table__, [{"candidate_id": ids[k], **v} for k, v in referrals.items()],
                returning=(referral.candidate_id, referral.id),
            )
        )
        # Two statements, so that each referral's DRAFT event has the lower id (events are ordered
        # by id), as when _new_referral appends it and _submit the next.
        event = {"by_id": actor.id, "at": now, "reason": ""}
        _insert_rows(session, ReferralEvent.__table__, [
            {"referral_id": referral_ids[ids[k]], "from_status": None, "to_status": S.DRAFT, **event}
            for k in referrals
        ])
        _insert_rows(session, ReferralEvent.__table__, [
            {"referral_id": referral_ids[ids[k]], "from_status": S.DRAFT, "to_status": S.SUBMITTED, **event}
            for k, v in referrals.items()
            if v["status"] == S.SUBMITTED
        ])
    except Exception as exc:
        # As a failed flush does: the transaction is undone, so no part of the file can be kept.
        session.rollback()
        if isinstance(exc, IntegrityError) and "pin_hash" in str(exc.orig):
            # Someone registered one of the persons after the preview: the unique hash decides.
            raise DuplicateCandidate() from None
        raise
    return [ImportedReferral(referral_ids[ids[k]], ids[k], v["status"]) for k, v in referrals.items()]


def _insert_rows(
    session: Session,
    table: Any,
    rows: Sequence[Mapping[str, Any]],
    *,
    returning: Sequence[sa.ColumnElement[Any]] = (),
) -> list[tuple[Any, ...]]:
    """INSERT `rows` (mappings with the same keys) into `table` through the session — so that the
    data versions note the table (models/system.py) — and return the `returning` columns of each.

    A column the rows do not name gets the model's Python-side default, as from the ORM. On
    PostgreSQL the rows go as one array per column (`INSERT ... SELECT * FROM unnest(...)`): one
    short statement however many rows, where a multi-row VALUES list would cost a parameter per
    value to build and parse; elsewhere (SQLite) as an executemany."""
    if not rows:
        return []
    names = list(rows[0])
    defaults: dict[str, Any] = {}
    for column in table.columns:
        default = column.default
        if column.name in rows[0] or default is None:
            continue
        if default.is_callable:
            defaults[column.name] = default.arg(None)  # type: ignore[attr-defined]
        elif default.is_scalar:
            defaults[column.name] = default.arg  # type: ignore[attr-defined]
    if session.get_bind().dialect.name == "postgresql":
        columns = {name: table.c[name] for name in [*names, *defaults]}
        values = {
            **{name: [row[name] for row in rows] for name in names},
            **{name: [value] * len(rows) for name, value in defaults.items()},
        }
        # One dimension: a value that is itself a list (weekdays, languages) is one element, which
        # the column's type turns into its stored form (a bit mask, a code list).
        arrays = [
            sa.cast(sa.bindparam(f"v_{name}", values[name], type_=ARRAY(column.type, dimensions=1)),
                    ARRAY(column.type, dimensions=1))
            for name, column in columns.items()
        ]
        source = sa.func.unnest(*arrays).table_valued(*columns).render_derived(name="v")
        statement: Any = sa.insert(table).from_select(list(columns), sa.select(*source.c))
        if returning:
            statement = statement.returning(*returning)
        result = session.execute(statement)
    else:
        statement = sa.insert(table).returning(*returning) if returning else sa.insert(table)
        result = session.execute(statement, [{**defaults, **row} for row in rows])
    return [tuple(r) for r in result] if returning else []
