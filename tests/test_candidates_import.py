"""Bulk import of candidates: the template, preview and all-or-nothing commit in the browser,
the encodings and delimiters Swedish offices send, bad input, duplicates, and the CLI."""

from __future__ import annotations

import datetime as dt
import io
import re
from typing import Any

import openpyxl
import pytest
import sqlalchemy as sa

from models import AuditEvent, Candidate, Consent, Referral
from models.enums import ReferralStatus, Role
from models.operations.candidates import IMPORT_COLUMNS

from . import hostile_xlsx
from .factories import personnummer

S = ReferralStatus
HEADERS = [c.header for c in IMPORT_COLUMNS]


def row(n: int, **overrides: str) -> dict[str, str]:
    pin = personnummer(dt.date(1985, 1, 1) + dt.timedelta(days=n), 100 + n)
    values = {
        "Förnamn": f"Åsa{'abcdefghij'[n % 10]}",
        "Efternamn": f"Öst{'klmnopqrst'[n % 10]}",
        "Personnummer": f"{pin[:8]}-{pin[8:]}",
        "Målgrupp": "newcomer",
        "Svenskanivå": "B1",
        "Andra språk": "ar, somaliska",
        "Intressen": "hospitality, sales",
        "Veckodagar": "mån, tis, fre",
        "Område": "Söder",
        "Tillgänglig arbetsplats": "nej",
        "Skäl för remiss": "Vill pröva ett yrke",
        "Samtycke datum": "2026-01-15",
        "Samtycke sätt": "skriftligt",
    }
    values.update(overrides)
    return values


def csv_bytes(rows: list[dict[str, str]], *, delimiter: str = ";", encoding: str = "utf-8", bom: bool = False) -> bytes:
    lines = [delimiter.join(HEADERS)]
    for r in rows:
        cells = [r.get(h, "") for h in HEADERS]
        lines.append(delimiter.join(f'"{c}"' if delimiter in c or '"' in c else c for c in cells))
    text = "\r\n".join(lines) + "\r\n"
    return (("\ufeff" if bom else "") + text).encode(encoding)


def one_row_sheet() -> list[list[str]]:
    return [HEADERS, [row(1).get(h, "") for h in HEADERS]]


def xlsx_bytes(rows: list[dict[str, Any]]) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(HEADERS)
    for r in rows:
        workbook.active.append([r.get(h) for h in HEADERS])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "CANDIDATE_IMPORT_DIR", str(tmp_path / "uploads"))
    return tmp_path / "uploads"


def upload(client, data: bytes, filename: str = "lista.csv", **form: Any):  # type: ignore[no-untyped-def]
    return client.post(
        "/kandidater/import",
        data={"file": (io.BytesIO(data), filename), **form},
        content_type="multipart/form-data",
    )


def token_of(response) -> str:  # type: ignore[no-untyped-def]
    match = re.search(r'name="token"[^>]*value="([^"]+)"', response.get_data(as_text=True))
    assert match, "no commit form"
    return match.group(1)


def count(db, model) -> int:  # type: ignore[no-untyped-def]
    return db.scalar(sa.select(sa.func.count()).select_from(model))


# --- template --------------------------------------------------------------------------------
def test_templates_have_the_swedish_headings(client, auth):
    auth.login(Role.WELFARE_OFFICER)
    xlsx = client.get("/kandidater/import/mall.xlsx")
    assert xlsx.status_code == 200 and "attachment" in xlsx.headers["Content-Disposition"]
    workbook = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    assert [c.value for c in workbook["Kandidater"][1]] == HEADERS
    instructions = {r[0]: r for r in workbook["Anvisningar"].iter_rows(min_row=2, values_only=True)}
    assert instructions["Personnummer"][1] == "ja" and "ÅÅÅÅMMDD-NNNN" in instructions["Personnummer"][2]
    csv = client.get("/kandidater/import/mall.csv")
    assert csv.data.decode("utf-8-sig").splitlines() == [";".join(HEADERS)]
    assert csv.headers["Content-Type"] == "text/csv; charset=utf-8"  # the charset said once
    assert client.get("/kandidater/import/mall.pdf").status_code == 404


# --- formats ---------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("filename", "make_file"),
    [
        ("lista.csv", lambda rows: csv_bytes(rows, delimiter=",")),
        ("lista.csv", lambda rows: csv_bytes(rows, delimiter=";", bom=True)),
        ("lista.csv", lambda rows: csv_bytes(rows, delimiter=";", encoding="cp1252")),
        ("lista.csv", lambda rows: csv_bytes(rows, delimiter=",", encoding="cp1252")),
        ("lista.xlsx", xlsx_bytes),
    ],
    ids=["utf8-comma", "utf8-bom-semicolon", "windows1252-semicolon", "windows1252-comma", "xlsx"],
)
def test_officer_imports_a_file_in_two_steps(client, auth, db, vault, upload_dir, filename, make_file):
    officer = auth.login(Role.WELFARE_OFFICER)
    rows = [row(1), row(2, **{"Samtycke datum": "", "Samtycke sätt": "", "Skäl för remiss": ""}), row(3)]
    preview = upload(client, make_file(rows), filename)
    assert preview.status_code == 200, preview.get_data(as_text=True)[-3000:]
    html = preview.get_data(as_text=True)
    assert "3 rader kan importeras" in html and "Åsab Östl" in html and "Utkast (samtycke saknas)" in html
    assert count(db, Candidate) == 0  # the preview stores nothing

    done = client.post("/kandidater/import/genomfor", data={"token": token_of(preview)})
    assert done.status_code == 302 and done.headers["Location"].endswith("/kandidater/remisser")
    candidates = db.scalars(sa.select(Candidate).order_by(Candidate.id)).all()
    assert [c.first_name for c in candidates] == ["Åsab", "Åsac", "Åsad"]
    first = candidates[0]
    assert first.last_name == "Östl" and first.swedish_level == 3 and first.languages == ["ar", "so"]
    assert first.weekdays == ["mon", "tue", "fri"] and first.interests == ["sales", "hospitality"]
    assert vault.decrypt(first.pin_encrypted) == re.sub(r"\D", "", row(1)["Personnummer"])
    referrals = db.scalars(sa.select(Referral).order_by(Referral.id)).all()
    assert [r.status for r in referrals] == [S.SUBMITTED, S.DRAFT, S.SUBMITTED]
    assert {r.unit_id for r in referrals} == {officer.organisation_id}
    assert count(db, Consent) == 2
    audit = db.scalars(sa.select(AuditEvent).where(AuditEvent.action == "candidates_imported")).one()
    assert audit.details["count"] == 3 and audit.actor_id == officer.id
    assert list(upload_dir.iterdir()) == []  # the kept upload is deleted after the commit


# --- bad input -------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("overrides", "column", "problem"),
    [
        ({"Personnummer": "19850102-1234"}, "Personnummer", "inte ett giltigt personnummer"),
        ({"Målgrupp": "studenter"}, "Målgrupp", "«studenter» är inte ett giltigt värde"),
        ({"Intressen": "hospitality, rymdfart"}, "Intressen", "«rymdfart» är inget giltigt värde"),
        ({"Svenskanivå": "9"}, "Svenskanivå", "Svenskanivån «9» finns inte"),
        ({"Veckodagar": "mån, tisdg"}, "Veckodagar", "«tisdg» är inget giltigt värde"),
        ({"Förnamn": "<script>alert(1)</script>"}, "Förnamn", "tecken som inte hör hemma i ett namn"),
        ({"Efternamn": ""}, "Efternamn", "Värdet saknas."),
        ({"Skäl för remiss": ""}, "Skäl för remiss", "Skälet till remissen saknas."),
        ({"Samtycke sätt": ""}, "Samtycke sätt", "saknas"),
        ({"Svenskanivå": "=2+1"}, "Svenskanivå", "Cellen innehåller en formel."),
    ],
)
def test_a_bad_row_is_reported_and_nothing_of_the_file_is_stored(client, auth, db, overrides, column, problem):
    auth.login(Role.WELFARE_OFFICER)
    preview = upload(client, csv_bytes([row(1), row(2, **overrides), row(3)]))
    assert preview.status_code == 422
    html = preview.get_data(as_text=True)
    errors = re.findall(r'<tr><td class="num">(\d+)</td><td>([^<]*)</td><td>([^<]*)</td><td>([^<]*)</td></tr>', html)
    assert [(e[0], e[1]) for e in errors] == [("3", column)]  # the header is row 1
    assert problem.replace("<", "&lt;") in errors[0][2] or problem in errors[0][2]
    assert errors[0][3]  # how to fix it
    assert "Ingenting har sparats" in html and "Importera 2 personer" not in html
    assert "<script>alert(1)</script>" not in html
    assert re.search(r'name="token"', html) is None  # no way to commit this file
    assert count(db, Candidate) == 0 and count(db, Referral) == 0


def test_formula_in_an_xlsx_cell_is_refused(client, auth, db):
    auth.login(Role.WELFARE_OFFICER)
    preview = upload(client, xlsx_bytes([row(1, **{"Intressen": "=A1&B1"})]), "lista.xlsx")
    assert preview.status_code == 422
    assert "Cellen innehåller en formel." in preview.get_data(as_text=True)
    assert count(db, Candidate) == 0


@pytest.mark.parametrize(
    ("data", "filename", "message"),
    [
        (b"", "tom.csv", "Filen är tom."),
        (b"\r\n", "tom.csv", "Filen är tom."),
        (";".join(HEADERS).encode() + b"\r\n", "rubriker.csv", "inga rader med uppgifter"),
        (b"%PDF-1.4 a report", "lista.xlsx", "Filen är en PDF"),
        (b"\x00\x01\x02binary\x00", "lista.csv", "Filen är inte ett kalkylark"),
        (b"Namn;Nummer\r\nAli;1\r\n", "lista.csv", "Filen saknar kolumnerna «Förnamn», «Efternamn»"),
        (b"Namn\r\nAli\r\n", "lista.docx", "Bara filer av typen .xlsx (Excel) och .csv"),
    ],
)
def test_files_that_cannot_be_imported_get_a_clear_message(client, auth, db, data, filename, message):
    auth.login(Role.WELFARE_OFFICER)
    response = upload(client, data, filename)
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert count(db, Candidate) == 0


def test_uploading_without_choosing_a_file_says_so(client, auth):
    auth.login(Role.WELFARE_OFFICER)
    response = client.post("/kandidater/import", data={}, content_type="multipart/form-data")
    assert response.status_code == 422 and "Välj en fil att ladda upp." in response.get_data(as_text=True)


def test_a_10_mb_file_is_refused_with_a_clear_page(client, auth, db):
    auth.login(Role.WELFARE_OFFICER)
    big = csv_bytes([row(1)]) + b"x" * (10 * 1024 * 1024)
    response = upload(client, big)
    assert response.status_code == 413
    html = response.get_data(as_text=True)
    assert "Filen är för stor" in html and "5 MB" in html
    assert count(db, Candidate) == 0


def test_a_zip_bomb_is_refused_with_413_and_a_message_in_the_users_language(client, auth, db):
    auth.login(Role.WELFARE_OFFICER)
    bomb = hostile_xlsx.bomb(one_row_sheet())
    response = upload(client, bomb, "lista.xlsx")
    assert response.status_code == 413
    assert "Kalkylarket blir större än 50 MB när det packas upp." in response.get_data(as_text=True)
    client.post("/language", data={"locale": "en"})
    response = upload(client, bomb, "lista.xlsx")
    assert response.status_code == 413
    assert "The spreadsheet is larger than 50 MB when unpacked." in response.get_data(as_text=True)
    assert count(db, Candidate) == 0


def test_a_sheet_claiming_more_rows_than_an_import_reads_is_refused(client, auth, db):
    auth.login(Role.WELFARE_OFFICER)
    claims = hostile_xlsx.xlsx(one_row_sheet(), dimension="A1:M1048576")
    response = upload(client, claims, "lista.xlsx")
    assert response.status_code == 422
    assert "Bladet sträcker sig över fler än 20000 rader" in response.get_data(as_text=True)
    assert count(db, Candidate) == 0


# --- duplicates ------------------------------------------------------------------------------
def test_duplicates_are_shown_and_skipped_only_on_request_never_merged(client, auth, make, db, vault):
    existing = make.candidate(vault=vault, needs_other="Befintlig anteckning")
    db.commit()
    pin = vault.decrypt(existing.pin_encrypted)
    auth.login(Role.WELFARE_OFFICER)
    rows = [row(1), row(2, **{"Personnummer": pin, "Andra behov": "Ny anteckning"})]
    preview = upload(client, csv_bytes(rows))
    assert preview.status_code == 200
    html = preview.get_data(as_text=True)
    assert "1 rad gäller en person som redan finns i kandidatbanken" in html
    assert "Befintlig anteckning" not in html and existing.referrals[0].unit.name not in html
    token = token_of(preview)

    refused = client.post("/kandidater/import/genomfor", data={"token": token})
    assert refused.status_code == 409
    assert "redan finns i kandidatbanken" in refused.get_data(as_text=True)
    assert count(db, Candidate) == 1

    done = client.post("/kandidater/import/genomfor", data={"token": token, "skip_duplicates": "y"})
    assert done.status_code == 302
    assert count(db, Candidate) == 2 and count(db, Referral) == 2
    db.expire_all()
    assert existing.needs_other == "Befintlig anteckning" and len(existing.referrals) == 1


def test_the_same_person_twice_in_one_file_is_an_error(client, auth, db):
    auth.login(Role.WELFARE_OFFICER)
    preview = upload(client, csv_bytes([row(1), row(1, **{"Förnamn": "ÅSAB"})]))
    assert preview.status_code == 422
    assert "Samma person finns redan på rad 2 i filen." in preview.get_data(as_text=True)


def test_commit_checks_the_stored_file_again(client, auth, make, db, vault):
    """Between preview and commit someone registers one of the persons: the commit sees it."""
    auth.login(Role.WELFARE_OFFICER)
    preview = upload(client, csv_bytes([row(1), row(2)]))
    token = token_of(preview)
    first = row(1)
    make.candidate(
        vault=vault, first_name=first["Förnamn"], last_name=first["Efternamn"], birth_date=dt.date(1985, 1, 2)
    )
    db.commit()
    refused = client.post("/kandidater/import/genomfor", data={"token": token})
    assert refused.status_code == 409
    assert count(db, Candidate) == 1


def test_commit_needs_the_uploaders_own_live_token(app, client, auth, make, db):
    auth.login(Role.WELFARE_OFFICER)
    token = token_of(upload(client, csv_bytes([row(1)])))
    intruder = app.test_client()
    other = make.user(Role.WELFARE_OFFICER)
    db.commit()
    intruder.post("/login", data={"email": other.email, "password": "correct-horse-battery-staple"})
    stolen = intruder.post("/kandidater/import/genomfor", data={"token": token}, follow_redirects=True)
    assert "Förhandsgranskningen finns inte längre" in stolen.get_data(as_text=True)
    forged = client.post("/kandidater/import/genomfor", data={"token": "../../etc/passwd"}, follow_redirects=True)
    assert "Förhandsgranskningen finns inte längre" in forged.get_data(as_text=True)
    assert count(db, Candidate) == 0
    assert client.post("/kandidater/import/genomfor", data={"token": token}).status_code == 302
    assert count(db, Candidate) == 1


def test_a_row_failing_while_storing_leaves_nothing_of_the_file(app, make, db, vault):
    """All or nothing at the database too: the second row collides with a person registered
    after the preview (the unique identity hash), and the first row is not kept either."""
    from models.operations import candidates as ops
    from models.operations.errors import Conflict
    from models.operations.spreadsheet import read_table

    officer = make.user(Role.WELFARE_OFFICER)
    db.commit()
    preview = ops.preview_import(db, vault, read_table("l.csv", csv_bytes([row(1), row(2)])))
    assert preview.ok and len(preview.valid_rows) == 2
    other = app.extensions["database"].factory()
    try:
        second = preview.valid_rows[1].value.candidate
        other.add(Candidate(
            first_name="Annan", last_name="Person", target_group="other", swedish_level=3,
            pin_hash=vault.lookup_hash(second.identity.number),
        ))
        other.commit()
    finally:
        other.close()
    with pytest.raises(Conflict, match="Personen finns redan i kandidatbanken"):
        ops.import_candidates(db, vault, preview, referrer=officer)
    db.rollback()
    assert count(db, Candidate) == 1 and count(db, Referral) == 0


# --- who imports for whom --------------------------------------------------------------------
def test_project_leader_imports_on_behalf_of_a_named_officer(client, auth, make, db):
    officer = make.user(Role.WELFARE_OFFICER)
    db.commit()
    leader = auth.login(Role.PROJECT_LEADER)
    page = client.get("/kandidater/import").get_data(as_text=True)
    assert officer.name in page
    missing = upload(client, csv_bytes([row(1)]))
    assert missing.status_code == 422 and "Välj vilken handläggare" in missing.get_data(as_text=True)
    not_an_officer = upload(client, csv_bytes([row(1)]), referrer=str(leader.id))
    assert not_an_officer.status_code == 422
    preview = upload(client, csv_bytes([row(1)]), referrer=str(officer.id))
    assert preview.status_code == 200 and officer.name in preview.get_data(as_text=True)
    done = client.post("/kandidater/import/genomfor", data={"token": token_of(preview)})
    assert done.headers["Location"].endswith("/kandidater/")
    referral = db.scalars(sa.select(Referral)).one()
    assert referral.referred_by_id == officer.id and referral.unit_id == officer.organisation_id
    assert referral.events[-1].by_id == leader.id and referral.candidate.consents[0].recorded_by_id == leader.id


def test_an_officer_cannot_import_in_another_units_name(client, auth, make, db):
    other = make.user(Role.WELFARE_OFFICER)
    db.commit()
    officer = auth.login(Role.WELFARE_OFFICER)
    preview = upload(client, csv_bytes([row(1)]), referrer=str(other.id))
    assert client.post("/kandidater/import/genomfor", data={"token": token_of(preview)}).status_code == 302
    referral = db.scalars(sa.select(Referral)).one()
    assert referral.unit_id == officer.organisation_id != other.organisation_id


# --- the command line ------------------------------------------------------------------------
def test_cli_previews_without_storing_and_commits_all_or_nothing(runner, make, db, tmp_path):
    officer = make.user(Role.WELFARE_OFFICER, email="hanna@test.example")
    db.commit()
    good = tmp_path / "bra.csv"
    good.write_bytes(csv_bytes([row(1), row(2)], encoding="cp1252"))
    bad = tmp_path / "fel.xlsx"
    bad.write_bytes(xlsx_bytes([row(1), row(2, **{"Målgrupp": "okänd"})]))

    preview = runner.invoke(args=["import-candidates", str(good), "--referrer", "Hanna@test.example"])
    assert preview.exit_code == 0, preview.output
    assert "2 kan importeras" in preview.output and "ingenting har sparats" in preview.output
    assert count(db, Candidate) == 0

    refused = runner.invoke(args=["import-candidates", str(bad), "--referrer", officer.email, "--commit"])
    assert refused.exit_code == 1
    assert "Rad 3, Målgrupp: «okänd» är inte ett giltigt värde." in refused.output
    assert "ingenting har importerats" in refused.output
    assert count(db, Candidate) == 0

    done = runner.invoke(args=["import-candidates", str(good), "--referrer", officer.email, "--commit"])
    assert done.exit_code == 0, done.output
    assert "2 personer importerade (2 inskickade, 0 utkast)" in done.output
    assert count(db, Candidate) == 2
    audit = db.scalars(sa.select(AuditEvent).where(AuditEvent.action == "candidates_imported")).one()
    assert audit.details["via"] == "cli" and audit.details["referrer_id"] == officer.id

    again = runner.invoke(args=["import-candidates", str(good), "--referrer", officer.email, "--commit"])
    assert again.exit_code == 1 and "redan finns i kandidatbanken" in again.output
    skipped = runner.invoke(
        args=["import-candidates", str(good), "--referrer", officer.email, "--commit", "--skip-duplicates"]
    )
    assert skipped.exit_code == 1 and "inga nya personer" in skipped.output
    assert count(db, Candidate) == 2


def test_cli_refuses_an_unknown_referrer_and_bad_files(runner, make, db, tmp_path):
    leader = make.user(Role.PROJECT_LEADER)
    db.commit()
    good = tmp_path / "bra.csv"
    good.write_bytes(csv_bytes([row(1)]))
    for email in ("ingen@test.example", leader.email):
        result = runner.invoke(args=["import-candidates", str(good), "--referrer", email])
        assert result.exit_code == 2 and "ingen aktiv handläggare" in result.output
    officer = make.user(Role.WELFARE_OFFICER)
    db.commit()
    picture = tmp_path / "bild.xlsx"
    picture.write_bytes(b"\x89PNG\r\n\x1a\n" + b"0" * 100)
    result = runner.invoke(args=["import-candidates", str(picture), "--referrer", officer.email])
    assert result.exit_code == 1 and "Filen är en bild" in result.output
    big = tmp_path / "stor.csv"
    big.write_bytes(csv_bytes([row(1)]) + b"x" * (10 * 1024 * 1024))
    result = runner.invoke(args=["import-candidates", str(big), "--referrer", officer.email])
    assert result.exit_code == 1 and "Största tillåtna storlek är 5 MB" in result.output
    bomb = tmp_path / "bomb.xlsx"
    bomb.write_bytes(hostile_xlsx.bomb(one_row_sheet()))
    result = runner.invoke(args=["import-candidates", str(bomb), "--referrer", officer.email])
    assert result.exit_code == 1 and "Kalkylarket blir större än 50 MB när det packas upp." in result.output


def test_the_import_keeps_other_needs_internal_and_reads_the_adjustments(client, auth, db):
    """"Andra behov" is the officer's internal note: it never becomes the text shown to the
    workplace, which a file cannot set (it is written in the form, with a preview)."""
    auth.login(Role.WELFARE_OFFICER)
    rows = [row(1, **{"Andra behov": "Pågående kontakt med beroendevården", "Anpassningar": "tolk, pauser"})]
    preview = upload(client, csv_bytes(rows))
    assert preview.status_code == 200, preview.get_data(as_text=True)[-2000:]
    assert client.post("/kandidater/import/genomfor", data={"token": token_of(preview)}).status_code == 302
    candidate = db.scalars(sa.select(Candidate)).one()
    assert candidate.needs_other == "Pågående kontakt med beroendevården"
    assert candidate.to_workplace == "" and candidate.adjustments == ["interpreter", "breaks"]
    assert "Anpassningar" in HEADERS and not any(c.key == "to_workplace" for c in IMPORT_COLUMNS)
