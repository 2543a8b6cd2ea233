"""A message about a closed choice names the choices by their labels in the reader's language,
never by their codes, and says "choose" for a select or checkboxes (issue #23 item 6); imports
take a choice by its code or by its label in Swedish or English."""

from __future__ import annotations

import html
import io
import re

import pytest
import sqlalchemy as sa

from models import Candidate, Company
from models.enums import Role
from models.operations import vocabularies
from models.operations.spreadsheet import CellInvalid, parse_choice, parse_list

from .test_candidates_import import csv_bytes, row
from .test_candidates_referral import referral_data
from .test_companies_import import GOOD_ROWS, csv_file

TARGET_GROUPS = {
    "sv": "Unga utan arbetslivserfarenhet; Utrikes födda, nya i Sverige; Långt från arbetslivet; Övriga",
    "en": "Young people without work experience; Born abroad, new in Sweden; Long way from working life; Others",
}
CHOOSE = {"sv": "Välj ett av: ", "en": "Choose one of: "}
CHOOSE_SOME = {"sv": "Välj ett eller flera av: ", "en": "Choose one or more of: "}
MISSING = {"sv": "Målgrupp saknas.", "en": "Target group is missing."}
INTERESTS_MISSING = {"sv": "Intressen saknas.", "en": "Interests is missing."}
CODES = re.compile(r"\b(youth|newcomer|long_term|hospitality|social_work|construction|micro|large)\b")


def _in_language(client, lang: str) -> None:
    client.post("/language", data={"locale": lang, "next": "/"})


def _errors(page: str) -> list[str]:
    """The messages shown on fields and rows (form fields' errors, an import's error table)."""
    texts = re.findall(r'<p class="error" id="[^"]+">(.*?)</p>', page, re.S)
    texts += re.findall(r"<td>([^<]*(?:saknas|missing|giltig|valid)[^<]*)</td>", page)
    return [html.unescape(t) for t in texts]


# --- the models: labels as the choices, labels accepted ------------------------------------------
def test_a_refused_choice_lists_the_labels_and_the_labels_are_accepted() -> None:
    with pytest.raises(CellInvalid) as caught:
        parse_choice("", vocabularies.TARGET_GROUP, what="Målgrupp")
    assert str(caught.value.fix) == f"Välj ett av: {TARGET_GROUPS['sv']}."
    assert not CODES.search(str(caught.value.fix))

    assert parse_choice("utrikes födda, nya i sverige", vocabularies.TARGET_GROUP) == "newcomer"
    assert parse_choice("youth", vocabularies.TARGET_GROUP) == "youth"  # the code still works
    assert parse_choice("nyanlända", vocabularies.TARGET_GROUP) == "newcomer"  # and the short words


def test_a_list_keeps_labels_with_commas_and_slashes_whole() -> None:
    written = "Hotell, restaurang, storhushåll; Data/IT, transport"
    assert parse_list(written, vocabularies.FIELD) == ["hospitality", "it", "transport"]
    assert parse_list("it, sales", vocabularies.FIELD) == ["it", "sales"]
    assert parse_list("mån, tisdag/fre", vocabularies.WEEKDAY) == ["mon", "tue", "fri"]
    with pytest.raises(CellInvalid) as caught:
        parse_list("astronaut", vocabularies.FIELD)
    assert "«astronaut»" in caught.value.problem and "Data/IT; Försäljning, inköp, marknadsföring" in caught.value.fix
    assert not CODES.search(str(caught.value.fix))


def test_each_vocabulary_labels_every_code_once() -> None:
    for vocabulary in vocabularies.ALL:
        assert len(set(map(str, vocabulary.labels.values()))) == len(vocabulary.codes)
        for code, label in vocabulary.labels.items():
            assert vocabulary[code] == code and vocabulary[str(label).upper()] == code


# --- the referral form -----------------------------------------------------------------------------
@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_referral_form_names_the_target_groups_and_fields_in_the_reader_s_language(client, auth, db, lang) -> None:
    auth.login(Role.WELFARE_OFFICER)
    _in_language(client, lang)

    response = client.post("/kandidater/remisser/ny", data=referral_data(target_group="", interests=[]))

    assert response.status_code == 422
    errors = _errors(response.get_data(as_text=True))
    assert f"{MISSING[lang]} {CHOOSE[lang]}{TARGET_GROUPS[lang]}." in errors
    fields_error = next(e for e in errors if e.startswith(INTERESTS_MISSING[lang]))
    assert CHOOSE_SOME[lang] in fields_error
    assert ("Hotell, restaurang, storhushåll" if lang == "sv" else "Hotel, restaurant, catering") in fields_error
    assert not [e for e in errors if CODES.search(e)]
    assert not [e for e in errors if "Skriv" in e or "Enter one" in e]  # a select is chosen, not written
    assert db.scalar(sa.select(sa.func.count()).select_from(Candidate)) == 0


# --- the imports ------------------------------------------------------------------------------------
@pytest.fixture
def upload_dirs(app, tmp_path, monkeypatch):  # type: ignore[no-untyped-def]
    monkeypatch.setitem(app.config, "CANDIDATE_IMPORT_DIR", str(tmp_path / "candidates"))
    monkeypatch.setitem(app.config, "COMPANY_IMPORT_DIR", str(tmp_path / "companies"))


def _upload(client, url: str, data: bytes):  # type: ignore[no-untyped-def]
    return client.post(url, data={"file": (io.BytesIO(data), "lista.csv")}, content_type="multipart/form-data")


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_an_import_row_names_the_choices_by_their_labels(client, auth, db, upload_dirs, lang) -> None:
    auth.login(Role.WELFARE_OFFICER)
    _in_language(client, lang)

    response = _upload(client, "/kandidater/import", csv_bytes([row(1, **{"Målgrupp": "studenter", "Intressen": ""})]))

    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert f"{CHOOSE[lang]}{TARGET_GROUPS[lang]}." in page
    fields = {"sv": "Yrkesområden, skilda åt med semikolon: Administration, ekonomi, juridik; Bygg och anläggning;",
              "en": "Occupational fields, separated by semicolons: Administration, finance, law; Construction"}
    assert fields[lang] in page  # an empty required column: the column's help, naming the labels
    assert not CODES.search(re.sub(r"<[^>]+>", " ", page.split("<main", 1)[1]))
    assert db.scalar(sa.select(sa.func.count()).select_from(Candidate)) == 0


@pytest.mark.parametrize("lang", ["sv", "en"])
def test_the_company_import_names_the_sizes_by_their_labels(client, auth, db, upload_dirs, lang) -> None:
    auth.login(Role.PROJECT_LEADER)
    _in_language(client, lang)

    response = _upload(client, "/foretag/import", csv_file(GOOD_ROWS[1], "Fel AB;556036-0793;;jättestor;HIF;;;;;;;;;"))

    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    sizes = {"sv": "0–9 anställda; 10–49 anställda; 50–249 anställda; 250 anställda eller fler",
             "en": "0–9 employees; 10–49 employees; 50–249 employees; 250 employees or more"}
    assert f"{CHOOSE[lang]}{sizes[lang]}." in page
    assert db.scalar(sa.select(sa.func.count()).select_from(Company)) == 0


@pytest.mark.parametrize(
    ("target_group", "interests", "weekdays"),
    [
        ("Utrikes födda, nya i Sverige", "Hotell, restaurang, storhushåll; Data/IT", "måndag; tisdag"),
        ("Born abroad, new in Sweden", "Hotel, restaurant, catering; Computing/IT", "Monday, Tuesday"),
        ("newcomer", "hospitality, it", "mon, tue"),
    ],
    ids=["swedish-labels", "english-labels", "codes"],
)
def test_an_import_takes_the_choices_by_label_in_either_language_or_by_code(
    client, auth, db, upload_dirs, target_group, interests, weekdays
) -> None:
    auth.login(Role.WELFARE_OFFICER)
    written = row(1, **{"Målgrupp": target_group, "Intressen": interests, "Veckodagar": weekdays})

    preview = _upload(client, "/kandidater/import", csv_bytes([written]))
    assert preview.status_code == 200, _errors(preview.get_data(as_text=True))
    token = re.search(r'name="token"[^>]*value="([^"]+)"', preview.get_data(as_text=True)).group(1)
    assert client.post("/kandidater/import/genomfor", data={"token": token}).status_code == 302

    candidate = db.scalars(sa.select(Candidate)).one()
    assert candidate.target_group == "newcomer"
    assert candidate.interests == ["hospitality", "it"] or set(candidate.interests) == {"hospitality", "it"}
    assert set(candidate.weekdays) == {"mon", "tue"}
