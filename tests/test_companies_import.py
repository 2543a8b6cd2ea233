"""The company import: a template with Swedish headings, a preview with row-level errors in
Swedish, and a commit that stores every company or none."""

from __future__ import annotations

import io
from pathlib import Path

import openpyxl
import pytest
import sqlalchemy as sa

from models import AuditEvent, Company, Contact
from models.enums import CompanyStatus, Network, SizeClass

HEADER = (
    "Företagsnamn;Organisationsnummer;Bransch;Storlek;Nätverk;Status;Gatuadress;Postnummer;Ort;Latitud;Longitud;"
    "Kontaktperson;Kontaktpersonens e-post;Kontaktpersonen kan vara handledare"
)
GOOD_ROWS = [
    "Bageriet AB;556036-0793;Livsmedel;10-49;HIF;aktiv;Storgatan 1;25221;Helsingborg;56,046;12,694;"
    "Hanna Berg;hanna@bageriet.example;ja",
    "Lagret i Väla AB;5560000001;Logistik;stor;båda;;Välavägen 2;254 64;Helsingborg;;;;;",
]


def csv_file(*rows: str, header: str = HEADER) -> bytes:
    return ("\n".join([header, *rows]) + "\n").encode("utf-8")


@pytest.fixture(autouse=True)
def upload_dir(app, tmp_path, monkeypatch) -> Path:
    monkeypatch.setitem(app.config, "COMPANY_IMPORT_DIR", str(tmp_path))
    return tmp_path


def upload(client, data: bytes, name: str = "foretag.csv"):
    return client.post("/foretag/import", data={"file": (io.BytesIO(data), name)}, content_type="multipart/form-data")


def token_in(page: str) -> str:
    marker = 'name="token" type="hidden" value="'
    start = page.index(marker) + len(marker)
    return page[start:page.index('"', start)]


def companies(db) -> int:
    return db.scalar(sa.select(sa.func.count()).select_from(Company))


def test_templates_have_the_swedish_headings(client, auth) -> None:
    auth.login("project_leader")
    xlsx = client.get("/foretag/import/mall.xlsx")
    assert xlsx.status_code == 200 and "foretagsimport-mall.xlsx" in xlsx.headers["Content-Disposition"]
    book = openpyxl.load_workbook(io.BytesIO(xlsx.data))
    headings = [c.value for c in book.worksheets[0][1]]
    assert headings[:5] == ["Företagsnamn", "Organisationsnummer", "Bransch", "Storlek", "Nätverk"]
    assert book.sheetnames == ["Företag", "Anvisningar"]
    csv = client.get("/foretag/import/mall.csv").data.decode("utf-8-sig")
    assert csv.startswith("Företagsnamn;Organisationsnummer;")
    assert client.get("/foretag/import/mall.pdf").status_code == 404


def test_preview_then_commit_stores_every_company(client, auth, db, upload_dir) -> None:
    auth.login("project_leader")
    response = upload(client, csv_file(*GOOD_ROWS))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "2 rader kan importeras" in page and "Bageriet AB" in page and "Importera 2 företag" in page
    assert companies(db) == 0  # a preview stores nothing
    assert len(list(upload_dir.glob("*.bin"))) == 1

    done = client.post("/foretag/import/genomfor", data={"token": token_in(page)})
    assert done.status_code == 302
    bageriet = db.scalar(sa.select(Company).where(Company.org_number == "556036-0793"))
    assert (bageriet.size_class, bageriet.network, bageriet.status) == (
        SizeClass.SMALL, Network.HIF_SPONSOR, CompanyStatus.ACTIVE)
    assert (bageriet.postcode, bageriet.lat) == ("252 21", 56.046)
    contact = db.scalar(sa.select(Contact).where(Contact.company_id == bageriet.id))
    assert (contact.name, contact.email, contact.is_supervisor) == ("Hanna Berg", "hanna@bageriet.example", True)
    lagret = db.scalar(sa.select(Company).where(Company.org_number == "556000-0001"))
    assert (lagret.size_class, lagret.network, lagret.status) == (SizeClass.LARGE, Network.BOTH, CompanyStatus.PROSPECT)
    assert db.scalar(sa.select(AuditEvent).where(AuditEvent.action == "companies_imported")).details["count"] == 2
    assert list(upload_dir.glob("*.bin")) == []


@pytest.mark.parametrize(
    ("row", "column", "words"),
    [
        ("Fel AB;556036-0794;;10-49;HIF;;;;;;;;;", "Organisationsnummer", "inte ett giltigt organisationsnummer"),
        ("Fel AB;556036-0793;;10-49;Malmö FF;;;;;;;;;", "Nätverk", "inte ett giltigt värde"),
        ("Fel AB;556036-0793;;jättestor;HIF;;;;;;;;;", "Storlek", "inte ett giltigt värde"),
        ("Fel AB;556036-0793;;10-49;HIF;konkurs;;;;;;;;", "Status", "inte ett giltigt värde"),
        ("Fel AB;556036-0793;;10-49;HIF;;;2522;;;;;;", "Postnummer", "inte ett svenskt postnummer"),
        ("Fel AB;556036-0793;;10-49;HIF;;;;;56,0;;;;", "Longitud", "bara halvt ifylld"),
        ("Fel AB;556036-0793;;10-49;HIF;;;;;99;12;;;", "Latitud", "utanför"),
        ("Fel AB;556036-0793;;10-49;HIF;;;;;;;;kim@foretag.example;", "Kontaktperson", "namn saknas"),
        ("Fel AB;556036-0793;;10-49;HIF;;;;;;;Kim;kim@;", "Kontaktpersonens e-post", "inte en giltig e-postadress"),
        (";556036-0793;;10-49;HIF;;;;;;;;;", "Företagsnamn", "saknas"),
        ("=HYPERLINK(\"http://x\");556036-0793;;10-49;HIF;;;;;;;;;", "Företagsnamn", "formel"),
    ],
)
def test_bad_rows_get_row_level_messages_and_nothing_is_stored(client, auth, db, row, column, words) -> None:
    auth.login("project_leader")
    response = upload(client, csv_file(GOOD_ROWS[1], row))
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Fel att rätta i filen" in page
    assert f'<td class="num">3</td><td>{column}</td>' in page
    assert words in page
    assert "Importera 1 företag" not in page  # no commit button while any row is wrong
    assert companies(db) == 0


def test_the_same_org_number_twice_in_a_file_is_an_error(client, auth, db) -> None:
    auth.login("project_leader")
    page = upload(client, csv_file(GOOD_ROWS[0], GOOD_ROWS[0].replace("Bageriet AB", "Bageriet 2 AB")))
    assert page.status_code == 422
    assert "finns redan på rad 2 i filen" in page.get_data(as_text=True)


@pytest.mark.parametrize(
    ("data", "name", "words"),
    [
        (b"", "foretag.csv", "Filen är tom"),
        (b"%PDF-1.4 something", "foretag.csv", "PDF"),
        (b"not a zip at all", "foretag.xlsx", "inte ett kalkylark"),
        (csv_file(*GOOD_ROWS), "foretag.txt", "Bara filer av typen .xlsx"),
        (csv_file(*GOOD_ROWS, header="Namn på bolaget;Org"), "foretag.csv", "saknar kolumnerna"),
        (csv_file(header=HEADER), "foretag.csv", "inga rader"),
    ],
)
def test_unusable_files_are_refused_with_a_message(client, auth, db, data: bytes, name: str, words: str) -> None:
    auth.login("project_leader")
    response = upload(client, data, name)
    assert response.status_code == 422
    assert words in response.get_data(as_text=True)
    assert companies(db) == 0


def test_a_file_over_the_size_limit_is_refused(client, auth, db) -> None:
    auth.login("project_leader")
    response = upload(client, b"a" * (10 * 1024 * 1024), "stor.csv")
    assert response.status_code == 413
    assert companies(db) == 0


def test_existing_companies_are_shown_apart_and_skipped_only_when_asked(client, auth, make, db) -> None:
    auth.login("project_leader")
    make.company(name="Bageriet (redan registrerat)", org_number="556036-0793")
    db.commit()
    page = upload(client, csv_file(*GOOD_ROWS)).get_data(as_text=True)
    assert "1 rad gäller ett företag som redan finns" in page
    token = token_in(page)

    refused = client.post("/foretag/import/genomfor", data={"token": token})
    assert refused.status_code == 409 and "Ingenting har importerats" in refused.get_data(as_text=True)
    assert companies(db) == 1

    done = client.post("/foretag/import/genomfor", data={"token": token, "skip_duplicates": "y"})
    assert done.status_code == 302
    assert companies(db) == 2
    kept = db.scalar(sa.select(Company.name).where(Company.org_number == "556036-0793"))
    assert kept == "Bageriet (redan registrerat)"


def test_commit_checks_the_stored_file_again(client, auth, make, db) -> None:
    """A company registered between preview and commit makes the commit refuse, not duplicate it."""
    auth.login("project_leader")
    token = token_in(upload(client, csv_file(*GOOD_ROWS)).get_data(as_text=True))
    make.company(org_number="556000-0001")
    db.commit()
    response = client.post("/foretag/import/genomfor", data={"token": token})
    assert response.status_code == 409
    assert companies(db) == 1


def test_another_users_preview_cannot_be_committed(client, auth, make, db) -> None:
    auth.login("project_leader")
    token = token_in(upload(client, csv_file(*GOOD_ROWS)).get_data(as_text=True))
    auth.logout()
    auth.login("project_leader")  # a different project leader
    response = client.post("/foretag/import/genomfor", data={"token": token}, follow_redirects=True)
    assert "Förhandsgranskningen finns inte längre" in response.get_data(as_text=True)
    assert companies(db) == 0


def test_xlsx_upload_with_a_formula_is_refused(client, auth, db) -> None:
    auth.login("project_leader")
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["Företagsnamn", "Organisationsnummer", "Storlek", "Nätverk"])
    sheet.append(["Bageriet AB", "556036-0793", "10-49", "HIF"])
    sheet.append(["Formelbolaget AB", "=\"5560000001\"", "10-49", "TH"])
    buffer = io.BytesIO()
    book.save(buffer)
    response = upload(client, buffer.getvalue(), "foretag.xlsx")
    assert response.status_code == 422
    assert "Cellen innehåller en formel." in response.get_data(as_text=True)
    assert companies(db) == 0


@pytest.mark.parametrize("role", ["employer", "welfare_officer", "steering"])
def test_only_network_managers_may_import(client, auth, role: str) -> None:
    auth.login(role)
    assert client.get("/foretag/import").status_code == 403
    assert client.get("/foretag/import/mall.xlsx").status_code == 403


def test_cli_previews_then_commits(runner, db, tmp_path) -> None:
    good = tmp_path / "foretag.csv"
    good.write_bytes(csv_file(*GOOD_ROWS))
    preview = runner.invoke(args=["import-companies", str(good)])
    assert preview.exit_code == 0, preview.output
    assert "2 kan importeras" in preview.output and "ingenting har sparats" in preview.output
    assert companies(db) == 0
    done = runner.invoke(args=["import-companies", str(good), "--commit"])
    assert done.exit_code == 0, done.output
    assert "2 företag importerade" in done.output
    assert companies(db) == 2


def test_cli_reports_row_errors_and_stores_nothing(runner, db, tmp_path) -> None:
    bad = tmp_path / "fel.csv"
    bad.write_bytes(csv_file(GOOD_ROWS[0], "Fel AB;123;;10-49;HIF;;;;;;;;;"))
    result = runner.invoke(args=["import-companies", str(bad), "--commit"])
    assert result.exit_code != 0
    assert "Rad 3, Organisationsnummer" in result.output
    assert companies(db) == 0
