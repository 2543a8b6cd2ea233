"""The bulk import writes its rows table by table (models/operations/candidates/bulk_import.py,
`import_candidates`), not as ORM objects: it must store exactly what a referral made through the
ORM stores, and keep the checks of a preview unchanged."""

from __future__ import annotations

import datetime as dt
import sys
import unicodedata
from typing import Any

import pytest
import sqlalchemy as sa

from models import Candidate, Consent, Referral, clock
from models.candidates import ReferralEvent
from models.enums import ReferralStatus, Role
from models.operations import candidates as ops
from models.operations.candidates import referrals
from models.operations.spreadsheet import _CONTROL, read_table

from .test_candidates_import import csv_bytes, row

S = ReferralStatus
IMPORT_TABLES = ("candidate", "consent", "referral", "referral_event")
TIMESTAMPS = {"created_at", "updated_at", "recorded_at", "submitted_at", "at", "closed_at", "withdrawn_at",
              "anonymised_at"}


def varied_file() -> bytes:
    """Rows that between them fill every column an import can set, with and without consent."""
    no_consent = {"Samtycke datum": "", "Samtycke sätt": "", "Skäl för remiss": ""}
    return csv_bytes([
        row(1),
        row(2, **no_consent),
        row(3, **{
            "Kön": "kvinna", "Telefon": "070-123 45 67", "E-post": "Amina.H@Exempel.SE", "Kontaktväg": "e-post",
            "Kontaktspråk": "arabiska", "Tider på dagen": "fm, em", "Postnummer": "25221", "Latitud": "56,046",
            "Longitud": "12,694", "Tillgänglig arbetsplats": "ja", "Andra behov": "Kan inte börja före kl. 9",
            "Samtycke sätt": "muntligt", "Svenskanivå": "0", "Andra språk": "",
        }),
        row(4, **{**no_consent, "Kön": "man", "Kontaktväg": "sms", "Telefon": "+46 70 111 22 33",
                  "Målgrupp": "unga", "Veckodagar": "lör, sön"}),
        row(5, **{"Samtycke sätt": "digitalt", "Skäl för remiss": "Vill  pröva; lager"}),
    ])


def stored(db: Any, vault: Any) -> dict[str, list[dict[str, Any]]]:
    """Every row of the import's tables as stored (raw columns, not ORM attributes), with ids
    replaced by the person they belong to and each timestamp by whether it is set."""
    tables = {name: sa.Table(name, sa.MetaData(), autoload_with=db.connection()) for name in IMPORT_TABLES}

    def rows(name: str) -> list[dict[str, Any]]:
        return [dict(r) for r in db.execute(sa.select(tables[name]).order_by(tables[name].c.id)).mappings()]

    candidates = rows("candidate")
    person = {c["id"]: c["pin_hash"] for c in candidates}
    referrals = rows("referral")
    person_of_referral = {r["id"]: person[r["candidate_id"]] for r in referrals}
    out: dict[str, list[dict[str, Any]]] = {}
    for name, found in (("candidate", candidates), ("consent", rows("consent")), ("referral", referrals),
                        ("referral_event", rows("referral_event"))):
        kept = []
        for values in found:
            values = dict(values)
            if "candidate_id" in values:
                values["candidate_id"] = person[values["candidate_id"]]
            if "referral_id" in values:
                values["referral_id"] = person_of_referral[values["referral_id"]]
            if values.get("pin_encrypted"):  # Fernet tokens differ every time: compare the number
                values["pin_encrypted"] = vault.decrypt(values["pin_encrypted"])
            for column in TIMESTAMPS & values.keys():
                values[column] = values[column] is not None
            values.pop("id")
            kept.append(values)
        # events in the order they were written (by id), per referral
        out[name] = kept if name != "referral_event" else sorted(kept, key=lambda v: v["referral_id"])
        out[name] = sorted(out[name], key=repr) if name != "referral_event" else out[name]
    return out


def orm_import(db: Any, vault: Any, preview: Any, *, referrer: Any, by: Any) -> None:
    """What import_candidates did before it wrote in bulk: a `_new_referral` per row, one flush."""
    for valid in preview.valid_rows:
        value = valid.value
        referrals._new_referral(
            db, vault, value.candidate, candidate=None, officer=referrer, recorded_by=by, reason=value.reason,
            consent=value.consent, submit=value.consent is not None,
        )
    db.flush()


def clear(db: Any) -> None:
    for model in (ReferralEvent, Referral, Consent, Candidate):
        db.execute(sa.delete(model))
    db.flush()
    db.expunge_all()  # SQLite may give the next rows the same ids


def test_the_bulk_import_stores_every_column_as_the_orm_did(db, make, vault):
    officer = make.user(Role.WELFARE_OFFICER)
    leader = make.user(Role.PROJECT_LEADER)
    db.commit()
    preview = ops.preview_import(db, vault, read_table("l.csv", varied_file()))
    assert preview.ok and len(preview.valid_rows) == 5

    orm_import(db, vault, preview, referrer=officer, by=leader)
    expected = stored(db, vault)
    clear(db)
    before = clock.now()
    imported = ops.import_candidates(db, vault, preview, referrer=officer, by=leader)
    after = clock.now()
    actual = stored(db, vault)

    assert actual == expected
    assert [len(actual[t]) for t in IMPORT_TABLES] == [5, 3, 5, 8]
    # and the values themselves, for a draft and a submitted row
    candidates = {c.pin_masked: c for c in db.scalars(sa.select(Candidate))}
    third = candidates["19850104-XXXX"]
    assert (third.email, third.preferred_language, third.times_of_day, third.lat) == (
        "amina.h@exempel.se", "ar", ["morning", "afternoon"], 56.046
    )
    assert third.version == 1 and third.languages == [] and third.needs_accessible is True
    for referral in db.scalars(sa.select(Referral)):
        assert before <= referral.created_at <= after
        assert referral.referred_by_id == officer.id and referral.unit_id == officer.organisation_id
        steps = [(e.from_status, e.to_status, e.by_id) for e in referral.events]
        if referral.candidate.consents:
            assert referral.status == S.SUBMITTED and before <= referral.submitted_at <= after
            assert steps == [(None, S.DRAFT, leader.id), (S.DRAFT, S.SUBMITTED, leader.id)]
            assert referral.candidate.consents[0].recorded_by_id == leader.id
        else:
            assert referral.status == S.DRAFT and referral.submitted_at is None
            assert steps == [(None, S.DRAFT, leader.id)]
    # what the callers get: the referrals in the file's order
    referrals = {r.id: r for r in db.scalars(sa.select(Referral))}
    assert [referrals[r.id].candidate.pin_masked for r in imported] == [
        f"198501{d:02d}-XXXX" for d in range(2, 7)
    ]
    assert [r.status for r in imported] == [S.SUBMITTED, S.DRAFT, S.SUBMITTED, S.DRAFT, S.SUBMITTED]
    assert all(referrals[r.id].candidate_id == r.candidate_id for r in imported)
    db.rollback()


def test_the_progress_of_storing_goes_over_every_row(db, make, vault):
    officer = make.user(Role.WELFARE_OFFICER)
    db.commit()
    preview = ops.preview_import(db, vault, read_table("l.csv", csv_bytes([row(1), row(2), row(3)])))
    seen: list[Any] = []

    def progress(rows: Any) -> Any:
        for r in rows:
            seen.append(r)
            yield r

    imported = ops.import_candidates(db, vault, preview, referrer=officer, progress=progress)
    assert seen == preview.valid_rows and len(imported) == 3
    db.rollback()


def test_a_failed_import_leaves_the_session_usable_and_nothing_stored(app, db, make, vault):
    officer = make.user(Role.WELFARE_OFFICER)
    db.commit()
    preview = ops.preview_import(db, vault, read_table("l.csv", csv_bytes([row(1), row(2), row(3)])))
    other = app.extensions["database"].factory()
    try:
        third = preview.valid_rows[2].value.candidate
        other.add(Candidate(first_name="Annan", last_name="Person", target_group="other", swedish_level=3,
                            pin_hash=vault.lookup_hash(third.identity.number)))
        other.commit()
    finally:
        other.close()
    with pytest.raises(ops.DuplicateCandidate):
        ops.import_candidates(db, vault, preview, referrer=officer)
    db.commit()  # even a commit after the refusal keeps nothing of the file
    assert db.scalar(sa.select(sa.func.count()).select_from(Candidate)) == 1
    assert db.scalar(sa.select(sa.func.count()).select_from(Referral)) == 0
    assert db.scalar(sa.select(sa.func.count()).select_from(ReferralEvent)) == 0


def test_control_characters_are_found_as_unicode_categorises_them():
    """The cell check's regex stands for `unicodedata.category(ch) == "Cc"` (minus CR, LF, tab)."""
    for code in range(sys.maxunicode + 1):
        ch = chr(code)
        assert bool(_CONTROL.search(ch)) == (unicodedata.category(ch) == "Cc" and ch not in "\r\n\t"), hex(code)


@pytest.mark.parametrize("text", ["Åsa\x00", "a\x1fb", "\x7f", "x\x85y", "\x9f"])
def test_a_cell_with_a_control_character_is_refused_as_before(text):
    from models.operations.spreadsheet import CellInvalid, parse_text

    with pytest.raises(CellInvalid, match="innehåller osynliga styrtecken"):
        parse_text(text, what="Namnet")
    assert parse_text("rad ett\r\nrad\ttvå") == "rad ett\r\nrad\ttvå"


def test_bulk_rows_get_each_model_default(db, make, vault):
    """Columns an import does not set get the model's Python-side defaults (as from the ORM)."""
    officer = make.user(Role.WELFARE_OFFICER)
    db.commit()
    preview = ops.preview_import(db, vault, read_table("l.csv", csv_bytes([row(1)])))
    ops.import_candidates(db, vault, preview, referrer=officer)
    candidate = db.scalars(sa.select(Candidate)).one()
    referral = candidate.referrals[0]
    assert candidate.version == 1 and candidate.anonymised_at is None
    assert candidate.created_at is not None and candidate.updated_at is not None
    assert referral.return_reason == "" and referral.closed_outcome is None and referral.closed_at is None
    assert candidate.consents[0].withdrawn_at is None and candidate.consents[0].recorded_at is not None
    assert isinstance(candidate.created_at, dt.datetime) and candidate.created_at.tzinfo is not None
    db.rollback()
