"""The generic spreadsheet import/export module: reading what Swedish offices send, refusing what
is not a spreadsheet, row-level messages, templates and formula-safe exports."""

from __future__ import annotations

import datetime as dt
import io

import openpyxl
import pytest

from models.operations.spreadsheet import (
    MAX_BYTES,
    CellInvalid,
    ColumnSpec,
    Problem,
    RowDuplicate,
    RowInvalid,
    RowReader,
    SpreadsheetError,
    SpreadsheetTooLarge,
    UploadStore,
    parse_bool,
    parse_date,
    parse_decimal,
    parse_int,
    parse_list,
    parse_text,
    read_table,
    safe_cell,
    validate_rows,
    write_table,
    write_template,
)

from . import hostile_xlsx

SPECS = [
    ColumnSpec("name", "Namn", required=True, help="Skriv personens namn."),
    ColumnSpec("level", "Nivå", required=True, help="Skriv 0–6.", aliases=("Svenskanivå",)),
    ColumnSpec("note", "Anteckning"),
]


def xlsx_bytes(rows: list[list[object]]) -> bytes:
    workbook = openpyxl.Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def level_validator(values):  # type: ignore[no-untyped-def]
    reader = RowReader(values)
    level = reader.get("level", parse_int, minimum=0, maximum=6, what="Nivån")
    reader.done()
    if values["name"] == "Redan Känd":
        raise RowDuplicate("Personen finns redan.", (values["name"], level))
    return values["name"], level


# --- reading csv -----------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("data", "encoding", "delimiter"),
    [
        ("Namn,Nivå\nÅsa Öberg,3\n".encode(), "utf-8", ","),
        ("\ufeffNamn;Nivå\r\nÅsa Öberg;3\r\n".encode(), "utf-8", ";"),
        ("Namn;Nivå\r\nÅsa Öberg;3\r\n".encode("cp1252"), "windows-1252", ";"),
        ("Namn\tNivå\nÅsa Öberg\t3\n".encode(), "utf-8", "\t"),
    ],
    ids=["utf8-comma", "utf8-bom-semicolon", "windows1252-semicolon", "utf8-tab"],
)
def test_csv_in_the_encodings_and_delimiters_swedish_offices_use(data, encoding, delimiter) -> None:
    table = read_table("lista.csv", data)
    assert table.kind == "csv" and table.encoding == encoding and table.delimiter == delimiter
    assert table.headers == ("Namn", "Nivå")
    assert [(r.number, r.cells) for r in table.rows] == [(2, ("Åsa Öberg", "3"))]


def test_csv_quoted_cells_may_hold_the_delimiter_and_line_breaks() -> None:
    data = 'Namn;Anteckning\n"Berg; Anna";"rad ett\nrad två"\n\n;\nOla;x\n'.encode()
    table = read_table("lista.csv", data)
    assert table.rows[0].cells == ("Berg; Anna", "rad ett\nrad två")
    assert [r.number for r in table.rows] == [2, 5]  # blank rows are skipped, numbers kept


def test_csv_cell_starting_with_equals_is_treated_as_a_formula() -> None:
    table = read_table("lista.csv", b'Namn,Niv\xc3\xa5\n=HYPERLINK("http://x"),3\n')
    preview = validate_rows(table, SPECS, level_validator)
    assert not preview.valid_rows
    assert preview.errors[0].column == "Namn" and "formel" in preview.errors[0].problem


# --- reading xlsx ----------------------------------------------------------------------------
def test_xlsx_values_become_text_and_formulas_are_flagged() -> None:
    data = xlsx_bytes(
        [
            ["Namn", "Nivå", "Anteckning"],
            ["Ali", 3, dt.datetime(2026, 3, 15)],
            [None, None, None],
            ["Bo", "=1+2", 199001011239],
        ]
    )
    table = read_table("lista.xlsx", data)
    assert table.kind == "xlsx"
    assert table.rows[0].cells == ("Ali", "3", "2026-03-15")
    assert table.rows[1].number == 4 and table.rows[1].cells == ("Bo", "", "199001011239")
    assert table.rows[1].formulas == {1}
    preview = validate_rows(table, SPECS, level_validator)
    assert [v.row for v in preview.valid_rows] == [2]
    assert [(e.row, e.column) for e in preview.errors] == [(4, "Nivå")]
    assert "formel" in preview.errors[0].problem and "värden" in preview.errors[0].fix


# --- refusing bad files ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("filename", "data", "code"),
    [
        ("tom.csv", b"", "empty"),
        ("tom.csv", b"  \r\n ", "empty"),
        ("rubriker.csv", b"Namn;Niv\xc3\xa5\n", "no_rows"),
        ("rubriker.xlsx", None, "no_rows"),
        ("bild.xlsx", b"\x89PNG\r\n\x1a\nxxxx", "not_spreadsheet"),
        ("rapport.xlsx", b"%PDF-1.7 lorem", "not_spreadsheet"),
        ("text.xlsx", b"Namn;Niv\xc3\xa5\nAli;3\n", "not_spreadsheet"),
        ("arkiv.xlsx", None, "not_spreadsheet"),  # a zip, but no workbook inside
        ("binar.csv", b"Namn\x00\x01\x02\x03", "not_spreadsheet"),
        ("forklarad.csv", None, "not_spreadsheet"),  # an .xlsx renamed to .csv
        ("gammal.xls", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", "extension"),
        ("lista.txt", b"Namn\nAli\n", "extension"),
    ],
)
def test_files_that_cannot_be_read_get_a_clear_message(filename, data, code) -> None:
    if data is None and filename == "rubriker.xlsx":
        data = xlsx_bytes([["Namn", "Nivå"]])
    elif data is None and filename == "arkiv.xlsx":
        import zipfile

        buffer = io.BytesIO()
        with zipfile.ZipFile(buffer, "w") as archive:
            archive.writestr("hej.txt", "hej")
        data = buffer.getvalue()
    elif data is None:
        data = xlsx_bytes([["Namn", "Nivå"], ["Ali", 3]])
    with pytest.raises(SpreadsheetError) as caught:
        read_table(filename, data)
    assert caught.value.code == code
    assert caught.value.field == "file"
    assert caught.value.message.endswith(".")  # a sentence a person can act on


def test_a_file_over_the_limit_is_refused_before_it_is_parsed() -> None:
    data = b"Namn;Niv\xc3\xa5\n" + b"Ali;3\n" * (10 * 1024 * 1024 // 6)
    assert len(data) > 10 * 1024 * 1024 - 10
    with pytest.raises(SpreadsheetError, match="Största tillåtna storlek är 5 MB") as caught:
        read_table("stor.csv", data)
    assert caught.value.code == "too_large"
    assert MAX_BYTES == 5 * 1024 * 1024


def test_too_many_rows_is_refused() -> None:
    data = b"Namn\n" + b"Ali\n" * 30
    with pytest.raises(SpreadsheetError, match="fler än 20 rader"):
        read_table("lista.csv", data, max_rows=20)


def _never(*_args, **_kwargs):  # type: ignore[no-untyped-def]
    raise AssertionError("openpyxl was asked to read the file")


@pytest.mark.parametrize(
    ("unpacked_mb", "message"),
    [(100, "Kalkylarket blir större än 50 MB när det packas upp."), (20, "Kalkylarket är packat ovanligt hårt")],
)
def test_a_zip_bomb_is_refused_before_anything_is_unpacked(monkeypatch, unpacked_mb, message) -> None:
    data = hostile_xlsx.bomb([["Namn"], ["Ali"]], unpacked_mb=unpacked_mb)
    assert len(data) < 1024 * 1024 and hostile_xlsx.unpacked_size(data) > unpacked_mb * 1024 * 1024
    monkeypatch.setattr(openpyxl, "load_workbook", _never)
    with pytest.raises(SpreadsheetTooLarge, match=message) as caught:
        read_table("bomb.xlsx", data)
    assert caught.value.status == 413 and caught.value.code == "unpacked_too_large"


@pytest.mark.parametrize(
    ("dimension", "code", "message"),
    [
        ("A1:B1048576", "too_many_rows", "fler än 20000 rader, tomma rader med formatering medräknade"),
        ("A1:XFD2", "too_many_columns", "fler än 200 kolumner"),
    ],
)
def test_a_sheet_that_claims_more_than_an_import_reads_is_refused_unread(monkeypatch, dimension, code, message) -> None:
    data = hostile_xlsx.xlsx([["Namn", "Nivå"], ["Ali", "3"]], dimension=dimension)
    with pytest.raises(SpreadsheetError, match=message) as caught:
        read_table("lista.xlsx", data)
    assert caught.value.status == 422 and caught.value.code == code


@pytest.mark.parametrize(
    ("sheet", "code"),
    [
        ({"rows": [["Namn"], ["Ali"]], "last_row": 1_048_576}, "too_many_rows"),  # one formatted row far below
        ({"rows": [["Namn"], ["Ali", *[""] * 300]]}, "too_many_columns"),
    ],
    ids=["rows", "columns"],
)
def test_a_sheet_holding_more_than_it_claims_is_refused_as_it_is_read(sheet, code) -> None:
    data = hostile_xlsx.xlsx(dimension="A1:B2", **sheet)
    with pytest.raises(SpreadsheetError) as caught:
        read_table("lista.xlsx", data)
    assert caught.value.code == code


def test_rows_that_only_carry_formatting_do_not_count() -> None:
    from openpyxl.styles import Font

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    for row in (["Namn", "Nivå"], ["Ali", 1], ["Bo", 2]):
        sheet.append(row)
    for n in range(10, 60):
        sheet.cell(row=n, column=1).font = Font(bold=True)  # formatted, but empty
    buffer = io.BytesIO()
    workbook.save(buffer)
    table = read_table("lista.xlsx", buffer.getvalue(), max_rows=5)
    assert [r.cells for r in table.rows] == [("Ali", "1"), ("Bo", "2")]


def test_old_excel_format_is_named_when_given_an_xlsx_name() -> None:
    with pytest.raises(SpreadsheetError, match=r"\.xls\)"):
        read_table("gammal.xlsx", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\x00" * 100)


# --- headers and row validation --------------------------------------------------------------
def test_headers_match_case_insensitively_and_by_alias_and_unknown_ones_are_reported() -> None:
    table = read_table("l.csv", "  NAMN * ;svenskanivå;Okänd kolumn\nAli;2;x\n".encode())
    preview = validate_rows(table, SPECS, level_validator)
    assert [v.value for v in preview.valid_rows] == [("Ali", 2)]
    assert preview.unknown_headers == ["Okänd kolumn"]


def test_missing_required_column_is_a_file_level_error_naming_it() -> None:
    table = read_table("l.csv", b"Namn;Anteckning\nAli;x\n")
    with pytest.raises(SpreadsheetError, match="saknar kolumnen «Nivå»") as caught:
        validate_rows(table, SPECS, level_validator)
    assert "mallen" in caught.value.message


def test_a_column_given_twice_is_refused() -> None:
    table = read_table("l.csv", "Namn;Nivå;Svenskanivå\nAli;1;2\n".encode())
    with pytest.raises(SpreadsheetError, match="två gånger"):
        validate_rows(table, SPECS, level_validator)


def test_every_row_is_checked_and_each_error_names_row_column_problem_and_fix() -> None:
    data = "Namn;Nivå\nAli;3\n;2\nBo;9\nCi;tre\nRedan Känd;1\n".encode()
    seen: list[object] = []

    def progress(rows):  # type: ignore[no-untyped-def]
        seen.extend(rows)
        return rows

    preview = validate_rows(read_table("l.csv", data), SPECS, level_validator, progress=progress)
    assert len(seen) == 5 and preview.total_rows == 5
    assert [v.row for v in preview.valid_rows] == [2]
    assert [(d.row, d.message) for d in preview.duplicates] == [(6, "Personen finns redan.")]
    errors = {(e.row, e.column): e for e in preview.errors}
    assert set(errors) == {(3, "Namn"), (4, "Nivå"), (5, "Nivå")}
    assert errors[(3, "Namn")].problem == "Värdet saknas." and errors[(3, "Namn")].fix == "Skriv personens namn."
    assert "utanför 0–6" in errors[(4, "Nivå")].problem and errors[(4, "Nivå")].fix.startswith("Skriv ett heltal")
    assert "inte ett heltal" in errors[(5, "Nivå")].problem
    assert not preview.ok and preview.rows_with_errors == 3


def test_a_duplicate_row_with_errors_is_an_error_not_a_duplicate() -> None:
    preview = validate_rows(read_table("l.csv", "Namn;Nivå\nRedan Känd;8\n".encode()), SPECS, level_validator)
    assert not preview.duplicates and len(preview.errors) == 1


# --- value parsers ---------------------------------------------------------------------------
def test_value_parsers_accept_swedish_ways_of_writing() -> None:
    assert parse_decimal("56,046", minimum=-90, maximum=90) == pytest.approx(56.046)
    assert parse_int(" 4 ", minimum=0, maximum=6) == 4
    assert parse_bool("Ja") is True and parse_bool("") is False and parse_bool("x") is True
    assert parse_date("2026-03-15") == dt.date(2026, 3, 15)
    vocabulary = {"mon": "mon", "tue": "tue", "måndag": "mon", "mån": "mon"}
    assert parse_list("Måndag, tue|mon", vocabulary) == ["mon", "tue"]
    assert parse_list(["mon", "tue"], vocabulary) == ["mon", "tue"]


def test_value_parsers_explain_what_to_write() -> None:
    with pytest.raises(CellInvalid) as caught:
        parse_list("måndg, tue", {"mon": "mon", "tue": "tue", "måndag": "mon"})
    assert "«måndg»" in caught.value.problem and "mon, tue" in caught.value.fix
    with pytest.raises(CellInvalid, match="är varken ja eller nej"):
        parse_bool("kanske")
    with pytest.raises(CellInvalid) as caught:
        parse_date("15/3/2026")
    assert "ÅÅÅÅ-MM-DD" in caught.value.fix
    with pytest.raises(CellInvalid, match="för sent"):
        parse_date("2099-01-01", latest=dt.date(2026, 1, 1))
    with pytest.raises(CellInvalid):
        parse_decimal("NaN", minimum=-90, maximum=90)


def test_row_reader_collects_every_problem_of_a_row() -> None:
    reader = RowReader({"a": "x", "b": "9"})
    reader.get("a", parse_int, minimum=0, maximum=6)
    reader.get("b", parse_int, minimum=0, maximum=6)
    with pytest.raises(RowInvalid) as caught:
        reader.done()
    assert [p.key for p in caught.value.problems] == ["a", "b"]
    assert Problem("a", "Fel.", "Gör så här.").message == "Fel. Gör så här."


# --- writing ---------------------------------------------------------------------------------
@pytest.mark.parametrize("text", ["=1+1", "+46701234567", "-2+3", "@SUM(A1)", "\tx", "\rx"])
def test_safe_cell_neutralises_formula_triggers(text) -> None:
    assert safe_cell(text) == "'" + text


def test_safe_cell_leaves_ordinary_values_alone() -> None:
    assert safe_cell("Åsa") == "Åsa" and safe_cell(-5) == -5 and safe_cell(None) is None and safe_cell("a=b") == "a=b"


def test_csv_export_is_excel_friendly_and_neutralised() -> None:
    data = write_table(["Namn", "Antal"], [["=cmd|' /C calc'!A0", 3], ["Åsa", None]], "csv")
    assert data.startswith("\ufeff".encode())
    text = data.decode("utf-8-sig")
    assert text.splitlines() == ["Namn;Antal", "'=cmd|' /C calc'!A0;3", "Åsa;"]


def test_xlsx_export_writes_dangerous_text_as_text() -> None:
    data = write_table(["Namn"], [["=1+1"], ["@x"]], "xlsx", sheet_title="Lista")
    sheet = openpyxl.load_workbook(io.BytesIO(data)).active
    assert sheet.title == "Lista"
    assert [(c.value, c.data_type) for c in sheet["A"][1:]] == [("'=1+1", "s"), ("'@x", "s")]
    assert sheet["A1"].font.bold


@pytest.mark.parametrize("fmt", ["xlsx", "csv"])
def test_template_round_trips_through_the_reader(fmt) -> None:
    data = write_template(SPECS, fmt)
    if fmt == "xlsx":
        workbook = openpyxl.load_workbook(io.BytesIO(data))
        assert workbook.sheetnames == ["Import", "Anvisningar"]
        rows = list(workbook["Anvisningar"].values)
        assert rows[1][:3] == ("Namn", "ja", "Skriv personens namn.")
        workbook["Import"].append(["Ali", 4, None])
        buffer = io.BytesIO()
        workbook.save(buffer)
        data = buffer.getvalue()
    else:
        assert data.decode("utf-8-sig") == "Namn;Nivå;Anteckning\r\n"
        data += b"Ali;4;\r\n"
    preview = validate_rows(read_table(f"mall.{fmt}", data), SPECS, level_validator)
    assert [v.value for v in preview.valid_rows] == [("Ali", 4)]


# --- keeping uploads between preview and commit ----------------------------------------------
def test_upload_store_keeps_bytes_for_their_owner_only(tmp_path) -> None:
    store = UploadStore(tmp_path)
    token = store.save(b"abc", owner_id=7, filename="lista.csv")
    assert store.load(token, owner_id=7) == (b"abc", {"owner_id": 7, "filename": "lista.csv"})
    assert store.load(token, owner_id=8) is None
    assert store.load("../../etc/passwd", owner_id=7) is None
    store.delete(token)
    assert store.load(token, owner_id=7) is None
    assert list(tmp_path.iterdir()) == []


def test_upload_store_forgets_old_uploads(tmp_path, time_travel) -> None:
    store = UploadStore(tmp_path)
    token = store.save(b"abc", owner_id=1)
    time_travel.shift(dt.timedelta(hours=23))
    assert store.load(token, owner_id=1) is not None
    time_travel.shift(dt.timedelta(hours=2))  # older than a day by the app's clock
    assert store.load(token, owner_id=1) is None
    store.save(b"new", owner_id=1)  # saving prunes what has expired
    assert not (tmp_path / f"{token}.bin").exists()


def test_a_text_that_is_too_long_is_told_in_words_that_fit_any_field(app) -> None:
    """"Texten till arbetsplatsen är för långt … Korta det" (an outside tester's find): the message
    now reads right whatever the field's name is, in Swedish and in English."""
    from models.operations.errors import N_
    from web.i18n import translate

    with pytest.raises(CellInvalid) as caught:
        parse_text("x" * 1001, max_length=1000, what=N_("Texten till arbetsplatsen"))
    assert caught.value.problem == "Texten till arbetsplatsen har 1001 tecken, fler än de 1000 som får plats."
    assert caught.value.fix == "Korta texten till högst 1000 tecken."
    from flask_babel import force_locale

    with app.test_request_context(), force_locale("en"):
        assert translate(caught.value.problem) == (
            "The text to the workplace has 1001 characters, more than the 1000 that fit.")


def test_a_huge_cell_in_a_csv_reaches_its_row() -> None:
    """A 200,000-character cell failed the whole file with Python's English "field larger than
    field limit (131072)" (an outside tester's find): it is read, and its row's field limit
    applies."""
    big = "Förnamn;Andra behov\r\nAda;" + "x" * 200_000 + "\r\n"
    table = read_table("kandidater.csv", big.encode("utf-8"))
    assert len(table.rows[0].cells[1]) == 200_000


def test_the_advice_for_a_list_names_the_separators_it_reads() -> None:
    """The template says "mån, tis, ons" and commas are read; the advice said semicolons only."""
    from models.operations.vocabularies import WEEKDAY

    assert parse_list("mån, tis", WEEKDAY) == parse_list("mån; tis", WEEKDAY) == ["mon", "tue"]
    with pytest.raises(CellInvalid) as caught:
        parse_list("måndagar, lördag", WEEKDAY)
    assert caught.value.fix.endswith("(skilj dem åt med kommatecken eller semikolon).")
