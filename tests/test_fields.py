"""One rule per kind of value (models/operations/fields.py): a postcode, an email address or a
list of languages gets the same verdict and the same stored form in the candidate import, the
company import, the offer and contact operations, the forms and the API."""

from __future__ import annotations

import datetime as dt

import pytest

from models import clock
from models.enums import Role
from models.operations import accounts as account_ops
from models.operations import candidates as candidate_ops
from models.operations import companies as company_ops
from models.operations import fields
from models.operations import visits as visit_ops
from models.operations.errors import DomainError
from models.operations.spreadsheet import CellInvalid, read_table

from .factories import local_dt, org_number, personnummer
from .test_api_support import assert_problem

pytest_plugins = ("tests.test_api_support",)

POSTCODES = {
    "25221": "252 21",
    "252 21": "252 21",
    " 252-21 ": "252 21",
    "SE-252 21": "252 21",
    "05221": None,  # no Swedish postcode starts with 0
    "2522": None,
    "252 211": None,
    "٢٥٢٢١": None,  # Arabic-Indic digits
    "2522x": None,
}
EMAILS = {
    "kim@foretag.example": "kim@foretag.example",
    "Kim.Berg@Foretag.Example": "kim.berg@foretag.example",
    " kim@foretag.example ": "kim@foretag.example",
    "kim@": None,
    "kim foretag.example": None,
    "kim@@foretag.example": None,
    "kim@localhost": None,
}
LANGUAGES = {
    "sv": ["sv"],
    "svenska, English": ["sv", "en"],
    "ar/so, AR": ["ar", "so"],
    "Arabiska|tigrinja": ["ar", "ti"],
    "klingonska": None,
    "sv, xx": None,
}


def _verdict(check, value):
    try:
        return check(value)
    except CellInvalid:
        return None


@pytest.mark.parametrize(("cell", "stored"), POSTCODES.items())
def test_postcode(cell, stored) -> None:
    assert _verdict(fields.postcode, cell) == stored


@pytest.mark.parametrize(("cell", "stored"), EMAILS.items())
def test_email_address(cell, stored) -> None:
    assert _verdict(fields.email_address, cell) == stored


@pytest.mark.parametrize(("cell", "stored"), LANGUAGES.items())
def test_languages(cell, stored) -> None:
    assert _verdict(fields.languages, cell) == stored


def test_blank_is_nothing_and_codes_are_iso_639_1() -> None:
    assert (fields.postcode(" "), fields.email_address(""), fields.phone_number(None), fields.languages("")) == (
        None, None, None, [])
    assert fields.language("arabiska") == "ar" and fields.language("Arabic") == "ar"
    assert fields.is_language_code("sv") and not fields.is_language_code("SV")
    assert not fields.is_language_code("xx") and not fields.is_language_code("svenska")
    assert fields.language_name("ar") == "arabiska" and fields.language_name("ar", "en") == "Arabic"


# --- the two imports, cell for cell ---------------------------------------------------------------
def _candidate_verdicts(db, vault, column: str | tuple[str, ...], cells: list) -> list:
    """What the candidate import makes of each cell in `column` (or cells in columns): the row's
    values, or None."""
    headers = [c.header for c in candidate_ops.IMPORT_COLUMNS]
    lines = [";".join(headers)]
    for n, cell in enumerate(cells):
        pin = personnummer(dt.date(1980, 1, 1) + dt.timedelta(days=n), 200 + n)
        values = {
            "Förnamn": "Åsa", "Efternamn": f"Test{'abcdefghijklmnopqrstuvwxyz'[n]}", "Personnummer": pin,
            "Målgrupp": "newcomer", "Svenskanivå": "B1", "Intressen": "sales", "Veckodagar": "mån",
            **_cells(column, cell),
        }
        lines.append(";".join(values.get(h, "") for h in headers))
    preview = candidate_ops.preview_import(db, vault, read_table("k.csv", "\n".join(lines).encode()))
    return _by_row(preview, len(cells))


def _company_verdicts(db, column: str | tuple[str, ...], cells: list) -> list:
    """What the company import makes of each cell in `column` (or cells in columns): the row's
    values, or None."""
    headers = [c.header for c in company_ops.IMPORT_COLUMNS]
    lines = [";".join(headers)]
    for n, cell in enumerate(cells):
        values = {
            "Företagsnamn": f"Företag {n}", "Organisationsnummer": org_number(900 + n), "Storlek": "10-49",
            "Nätverk": "HIF", "Kontaktperson": "Kim Berg", **_cells(column, cell),
        }
        lines.append(";".join(values.get(h, "") for h in headers))
    preview = company_ops.preview_import(db, read_table("f.csv", "\n".join(lines).encode()))
    return _by_row(preview, len(cells))


def _cells(column: str | tuple[str, ...], cell) -> dict[str, str]:
    return dict(zip(column, cell, strict=True)) if isinstance(column, tuple) else {column: cell}


def _by_row(preview, n: int) -> list:
    verdicts: list = [None] * n
    for valid in preview.valid_rows:
        verdicts[valid.row - 2] = valid.value
    return verdicts


def test_both_imports_give_every_postcode_the_same_verdict(db, vault) -> None:
    cells = list(POSTCODES)
    candidates = _candidate_verdicts(db, vault, "Postnummer", cells)
    companies = _company_verdicts(db, "Postnummer", cells)
    assert [c and c.candidate.postcode for c in candidates] == list(POSTCODES.values())
    assert [c and (c.company.postcode or None) for c in companies] == list(POSTCODES.values())


def test_both_imports_give_every_email_address_the_same_verdict(db, vault) -> None:
    cells = list(EMAILS)
    candidates = _candidate_verdicts(db, vault, "E-post", cells)
    companies = _company_verdicts(db, "Kontaktpersonens e-post", cells)
    assert [c and c.candidate.email for c in candidates] == list(EMAILS.values())
    assert [c and c.contact.email for c in companies] == list(EMAILS.values())


COORDINATES = {
    ("56,046", "12,694"): (56.046, 12.694),
    ("56.046", "12.694"): (56.046, 12.694),
    ("", ""): (None, None),
    ("56,046", ""): None,  # half a place
    ("95", "12,7"): None,
    ("56", "norr"): None,
}


def test_both_imports_and_the_company_operation_give_every_coordinate_the_same_verdict(db, vault) -> None:
    columns = ("Latitud", "Longitud")
    candidates = _candidate_verdicts(db, vault, columns, list(COORDINATES))
    companies = _company_verdicts(db, columns, list(COORDINATES))
    assert [c and (c.candidate.lat, c.candidate.lon) for c in candidates] == list(COORDINATES.values())
    assert [c and (c.company.lat, c.company.lon) for c in companies] == list(COORDINATES.values())
    # The company form and the API give numbers (or nothing): the operation says the same.
    for n, ((lat, lon), stored) in enumerate(COORDINATES.items()):
        if "norr" in (lat, lon):
            continue
        data = company_ops.CompanyData(
            name=f"Bageri {n} AB", org_number=org_number(990 + n), size_class="small", network="hif_sponsor",
            lat=float(lat.replace(",", ".")) if lat else None, lon=float(lon.replace(",", ".")) if lon else None,
        )
        if stored is None:
            with pytest.raises(DomainError):
                company_ops.create_company(db, data)
        else:
            company = company_ops.create_company(db, data)
            assert (company.lat, company.lon) == stored


def test_candidate_import_and_offers_give_every_language_list_the_same_verdict(db, vault, make) -> None:
    cells = list(LANGUAGES)
    candidates = _candidate_verdicts(db, vault, "Andra språk", cells)
    assert [c and c.candidate.languages for c in candidates] == list(LANGUAGES.values())
    company = make.company()
    for cell, stored in LANGUAGES.items():
        data = company_ops.OfferData(
            title="Bageri", field="hospitality", window_start=dt.time(8), window_end=dt.time(16),
            supervisor_name="Kim Berg", supervisor_email="kim@foretag.example", languages=cell,
        )
        if stored is None:
            with pytest.raises(DomainError) as err:
                company_ops.create_offer(db, company, data)
            assert err.value.field == "languages" and "Okänt språk" in err.value.message
        else:
            assert company_ops.create_offer(db, company, data).languages == stored


def test_the_same_message_wherever_the_value_is_typed(db, vault, make) -> None:
    """An import's cell (problem and fix) and an operation's field refusal say the same."""
    candidates = candidate_ops.preview_import(db, vault, read_table("k.csv", (
        ";".join(c.header for c in candidate_ops.IMPORT_COLUMNS) + "\n"
        + ";".join({"Postnummer": "05221"}.get(c.header, "") for c in candidate_ops.IMPORT_COLUMNS)
    ).encode()))
    cell = next(e for e in candidates.errors if e.column == "Postnummer")
    with pytest.raises(DomainError) as err:
        company_ops.create_company(db, company_ops.CompanyData(
            name="Bageriet AB", org_number="556036-0793", size_class="small", network="hif_sponsor",
            postcode="05221",
        ))
    assert err.value.field == "postcode"
    assert err.value.message == f"{cell.problem} {cell.fix}" == (
        "«05221» är inte ett svenskt postnummer. Skriv fem siffror, t.ex. 252 21.")


def _a_workday() -> dt.date:
    day = clock.local_today() + dt.timedelta(days=14)
    while not visit_ops.is_working_day(day):
        day += dt.timedelta(days=1)
    return day


def test_booking_and_accounts_check_addresses_by_the_same_rule(db, make) -> None:
    start = local_dt(_a_workday(), 9)
    with pytest.raises(DomainError) as booking:
        visit_ops.book_visit(db, make.offer(), make.candidate(), start, start + dt.timedelta(hours=6),
                             by=make.user(), supervisor_email="kim@")
    with pytest.raises(DomainError) as account:
        account_ops.account_email(db, "kim@")
    assert (booking.value.field, account.value.field) == ("supervisor_email", "email")
    assert booking.value.message == account.value.message == (
        "«kim@» är inte en giltig e-postadress. Skriv den som namn@exempel.se.")
    assert account_ops.account_email(db, " Kim.Berg@Foretag.Example ") == "kim.berg@foretag.example"


# --- the forms and the API apply the same rule ----------------------------------------------------
def test_company_form_and_api_refuse_the_postcode_the_import_refuses(client, auth, api, tokens) -> None:
    company = {"name": "Bageriet AB", "org_number": "556036-0793", "size_class": "small",
               "network": "hif_sponsor", "postcode": "05221"}
    auth.login(Role.PROJECT_LEADER)
    form = client.post("/foretag/nytt", data={**company, "status": "prospect"})
    assert form.status_code == 422
    assert "«05221» är inte ett svenskt postnummer. Skriv fem siffror, t.ex. 252 21." in form.get_data(as_text=True)
    body = assert_problem(api.post("/api/v1/companies", json=company, headers=tokens.headers("project_leader")[1]), 422)
    assert body["errors"]["postcode"] == ["«05221» är inte ett svenskt postnummer. Skriv fem siffror, t.ex. 252 21."]


def test_the_api_takes_language_codes_only(api, tokens) -> None:
    offer = {"title": "Bagare för en dag", "field": "hospitality", "window_start": "07:00:00",
             "window_end": "15:00:00", "supervisor_name": "Berit Bagare", "supervisor_email": "berit@bageri.example"}
    headers = tokens.headers("project_leader")[1]
    for languages in (["xx"], ["svenska"], ["SV"]):
        body = assert_problem(api.post("/api/v1/offers", json={**offer, "languages": languages}, headers=headers), 422)
        assert "languages" in str(body["errors"])
