"""Spreadsheet import and export for any area: read .xlsx/.csv uploads into a `Table`, validate
its rows against `ColumnSpec`s with row-level messages in Swedish, keep an upload between
preview and commit, and write templates and exports whose cells cannot run as formulas.

The usual import, in four calls::

    table = read_table(filename, data)                      # file-level problems: SpreadsheetError
    preview = validate_rows(table, COLUMNS, row_validator)  # every row checked, nothing stored
    ...show preview.errors / preview.duplicates, keep the bytes in an UploadStore...
    preview = validate_rows(read_table(filename, data), COLUMNS, row_validator)  # again, at commit
    if preview.ok: store every preview.valid_rows[i].value in one transaction

A `row_validator` gets a `RowValues` (column key -> stripped text) and returns the parsed
value, or raises `RowInvalid([Problem(key, what is wrong, how to fix it), ...])`, or
`RowDuplicate(message, value)` for a row that repeats a stored record. `RowReader` collects the
problems of one row while it is parsed with the `parse_*` helpers, which report in Swedish and
serve web forms as well as files.

Everything here is plain Python (openpyxl, csv): no Flask, no database.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
import secrets
import unicodedata
import zipfile
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any, Generic, Literal, Optional, TypeVar

from .. import clock
from .errors import N_, Conflict, DomainError, Message
from .vocabularies import Vocabulary

T = TypeVar("T")
V = TypeVar("V")
S = TypeVar("S")

MAX_BYTES = 5 * 1024 * 1024  # the web app's MAX_CONTENT_LENGTH; the CLI is held to the same
MAX_ROWS = 10_000  # a region's whole bank in one file (a few seconds to import; benchmarks/RESULTS.md)
# An .xlsx is a zip: what it unpacks to is checked before anything is unpacked (a "zip bomb"
# of a few hundred kB can unpack to gigabytes). A full import of MAX_ROWS rows is about 15 MB.
MAX_UNPACKED_BYTES = 50 * 1024 * 1024  # all parts of the file together
MAX_PACKING_RATIO = 100  # unpacked / packed, for a part over 1 MB: sheets with data pack 5 to 20 times
_RATIO_FREE_BYTES = 1024 * 1024
MAX_SHEET_ROWS = 20_000  # rows of any kind, empty rows that only carry formatting too
MAX_COLUMNS = 200
Format = Literal["xlsx", "csv"]

_ZIP_MAGIC = b"PK\x03\x04"
# Files people pick by mistake, recognised by their first bytes so the message can say what they are.
_IMAGE = N_("Filen är en bild, inte ett kalkylark. Ladda upp en .xlsx- eller .csv-fil.")
_OTHER_FORMATS: tuple[tuple[bytes, Message], ...] = (
    (b"\xd0\xcf\x11\xe0", N_("Filen är i det gamla Excel-formatet (.xls). Spara den som .xlsx och försök igen.")),
    (b"%PDF", N_("Filen är en PDF, inte ett kalkylark. Ladda upp en .xlsx- eller .csv-fil.")),
    (b"\x89PNG", _IMAGE),
    (b"\xff\xd8\xff", _IMAGE),
    (b"GIF8", _IMAGE),
)
NOT_A_SPREADSHEET = N_("Filen är inte ett kalkylark. Ladda upp en .xlsx-fil från Excel eller en .csv-fil.")
# Characters that make Excel, LibreOffice or Google Sheets read a cell as a formula.
FORMULA_TRIGGERS = ("=", "+", "-", "@", "\t", "\r")
# Control characters (Unicode category Cc) other than line breaks and tabs. Unicode fixes the Cc
# set for good at U+0000-U+001F and U+007F-U+009F, so a search of this class finds what asking
# `unicodedata.category` of every character would, without a call per character of every cell.
_CONTROL_CHARACTERS = "".join(
    chr(c) for c in range(0xA0) if unicodedata.category(chr(c)) == "Cc" and chr(c) not in "\r\n\t"
)
_CONTROL = re.compile(f"[{re.escape(_CONTROL_CHARACTERS)}]")


class SpreadsheetError(DomainError):
    """The file as a whole cannot be used (empty, too big, not a spreadsheet, columns missing)."""

    def __init__(self, message: str, *, code: str = "file", **params: Any):
        super().__init__(message, field="file", code=code, **params)


class SpreadsheetTooLarge(SpreadsheetError):
    """The file, or what it unpacks to, is larger than the service reads (HTTP 413)."""

    status = 413


# --- reading ---------------------------------------------------------------------------------
@dataclass(frozen=True)
class SheetRow:
    """One data row: `number` is the row number the user sees in Excel (the header is row 1)."""

    number: int
    cells: tuple[str, ...]
    formulas: frozenset[int] = frozenset()  # indexes of cells that hold a formula


@dataclass(frozen=True)
class Table:
    headers: tuple[str, ...]
    rows: tuple[SheetRow, ...]
    kind: Format
    encoding: str = ""  # csv only: "utf-8" or "windows-1252"
    delimiter: str = ""  # csv only


def read_table(filename: str, data: bytes, *, max_bytes: int = MAX_BYTES, max_rows: int = MAX_ROWS) -> Table:
    """Read the first sheet of an .xlsx file or a .csv file into text cells.

    The content decides, not the name alone: an .xlsx must be a zip that openpyxl can open, a
    .csv must be text (UTF-8 with or without BOM, or Windows-1252; comma, semicolon or tab).
    Formula cells are kept empty and listed in `SheetRow.formulas` so that validation can
    refuse them: a formula's cached value is whatever the sender's Excel last computed.
    An .xlsx is refused before it is unpacked when it would unpack to too much, and while it
    is read when its sheet spans more than MAX_SHEET_ROWS rows or MAX_COLUMNS columns.
    """
    if len(data) > max_bytes:
        raise SpreadsheetTooLarge(
            "Filen är %(size)s MB. Största tillåtna storlek är %(max)s MB: dela upp den i flera mindre filer.",
            code="too_large",
            size=f"{len(data) / 1048576:.1f}",
            max=max_bytes // 1048576,
        )
    if not data.strip():
        raise SpreadsheetError("Filen är tom. Fyll i mallen och ladda upp den igen.", code="empty")
    suffix = Path(filename or "").suffix.lower()
    if suffix not in (".xlsx", ".csv"):
        raise SpreadsheetError(
            "Bara filer av typen .xlsx (Excel) och .csv kan läsas in. Spara filen i något av de formaten.",
            code="extension",
        )
    for magic, message in _OTHER_FORMATS:
        if data.startswith(magic):
            raise SpreadsheetError(message, code="not_spreadsheet")
    if suffix == ".xlsx":
        if not data.startswith(_ZIP_MAGIC):
            raise SpreadsheetError(NOT_A_SPREADSHEET, code="not_spreadsheet")
        headers, rows = _read_xlsx(data, max_rows)
        table = Table(headers, rows, "xlsx")
    else:
        if data.startswith(_ZIP_MAGIC):
            raise SpreadsheetError(
                "Filen heter .csv men är en Excel-fil. Byt filändelse till .xlsx eller spara den som CSV.",
                code="not_spreadsheet",
            )
        text, encoding = _decode(data)
        delimiter = _sniff_delimiter(text)
        headers, rows = _read_csv(text, delimiter, max_rows)
        table = Table(headers, rows, "csv", encoding=encoding, delimiter=delimiter)
    if not any(table.headers):
        raise SpreadsheetError("Filen är tom. Fyll i mallen och ladda upp den igen.", code="empty")
    if not table.rows:
        raise SpreadsheetError(
            "Filen har en rubrikrad men inga rader med uppgifter. Fyll i en rad per person under rubrikerna.",
            code="no_rows",
        )
    return table


def _decode(data: bytes) -> tuple[str, str]:
    if b"\x00" in data:
        raise SpreadsheetError(NOT_A_SPREADSHEET, code="not_spreadsheet")
    try:
        return data.decode("utf-8-sig"), "utf-8"
    except UnicodeDecodeError:
        pass
    try:
        text = data.decode("cp1252")
    except UnicodeDecodeError:
        raise SpreadsheetError(
            "Filens tecken kunde inte läsas. Spara den som CSV i UTF-8 (eller som .xlsx) och försök igen.",
            code="encoding",
        ) from None
    # Control characters other than line breaks and tabs mean binary data, not a text table.
    if _CONTROL.search(text):
        raise SpreadsheetError(NOT_A_SPREADSHEET, code="not_spreadsheet")
    return text, "windows-1252"


def _sniff_delimiter(text: str) -> str:
    """The delimiter the header line uses most: Swedish Excel writes ';', most tools ','."""
    first = text.lstrip("\r\n").splitlines()[0] if text.strip() else ""
    counts = {d: first.count(d) for d in (";", ",", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] else ","


# Python's csv refuses a cell over 128 kB with an English error for the whole file; any cell of a
# file small enough to upload is read instead, so that its row gets the field's own length limit.
csv.field_size_limit(max(csv.field_size_limit(), MAX_BYTES))


def _read_csv(text: str, delimiter: str, max_rows: int) -> tuple[tuple[str, ...], tuple[SheetRow, ...]]:
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    headers: tuple[str, ...] = ()
    rows: list[SheetRow] = []
    try:
        for number, cells in enumerate(reader, start=1):
            values = tuple(_clean(c) for c in cells)
            if number == 1:
                headers = values
            elif any(values):
                # In a CSV nothing is a formula, but a cell starting with '=' becomes one when the
                # file is opened in Excel: refuse it like a formula in an .xlsx.
                formulas = frozenset(i for i, v in enumerate(values) if v.startswith("="))
                rows.append(SheetRow(number, values, formulas))
                _check_rows(rows, max_rows)
    except csv.Error:
        raise SpreadsheetError(
            "Filen kunde inte läsas som CSV (rad %(line)s). Kontrollera citattecknen eller spara om filen från Excel.",
            code="csv",
            line=reader.line_num,
        ) from None
    return headers, tuple(rows)


def _read_xlsx(data: bytes, max_rows: int) -> tuple[tuple[str, ...], tuple[SheetRow, ...]]:
    import openpyxl  # imported here: only imports of spreadsheets need it

    _check_unpacked_size(data)
    try:
        workbook = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=False)
    except Exception:  # openpyxl raises zipfile, KeyError and its own errors for non-workbooks
        raise SpreadsheetError(NOT_A_SPREADSHEET, code="not_spreadsheet") from None
    try:
        sheet = workbook.worksheets[0]
        sheet_rows = max(MAX_SHEET_ROWS, 2 * max_rows)
        _check_sheet_size(sheet.max_row or 0, sheet.max_column or 0, sheet_rows)  # what the sheet says
        sheet.reset_dimensions()  # some writers store wrong dimensions; read what is there
        headers: tuple[str, ...] = ()
        rows: list[SheetRow] = []
        for number, cells in enumerate(sheet.iter_rows(min_row=1, min_col=1), start=1):
            _check_sheet_size(number, len(cells), sheet_rows)  # what it holds, as it is read
            values = tuple("" if c.data_type == "f" else _cell_text(c.value) for c in cells)
            if number == 1:
                headers = values
                continue
            formulas = frozenset(i for i, c in enumerate(cells) if c.data_type == "f")
            if any(values) or formulas:  # rows that only carry formatting are not counted
                rows.append(SheetRow(number, values, formulas))
                _check_rows(rows, max_rows)
    except SpreadsheetError:
        raise
    except Exception:  # a damaged sheet part
        raise SpreadsheetError(NOT_A_SPREADSHEET, code="not_spreadsheet") from None
    finally:
        workbook.close()
    return headers, tuple(rows)


def _check_unpacked_size(data: bytes) -> None:
    """Refuse a zip bomb before anything is unpacked. The sizes a zip declares can be trusted:
    zipfile never unpacks more than a part's declared size (a part that lies fails its CRC)."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
    except (zipfile.BadZipFile, ValueError):
        raise SpreadsheetError(NOT_A_SPREADSHEET, code="not_spreadsheet") from None
    total = 0
    for part in parts:
        if part.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):  # Excel only deflates
            raise SpreadsheetError(NOT_A_SPREADSHEET, code="not_spreadsheet")
        total += part.file_size
        if total > MAX_UNPACKED_BYTES:
            raise SpreadsheetTooLarge(
                "Kalkylarket blir större än %(max)s MB när det packas upp. Dela upp det i flera mindre filer.",
                code="unpacked_too_large",
                max=MAX_UNPACKED_BYTES // 1048576,
            )
        if part.file_size > _RATIO_FREE_BYTES and part.file_size > MAX_PACKING_RATIO * part.compress_size:
            raise SpreadsheetTooLarge(
                "Kalkylarket är packat ovanligt hårt, som när tusentals tomma rader har formatering. Ta bort "
                "de tomma raderna och kolumnerna under och till höger om uppgifterna, spara filen och försök igen.",
                code="unpacked_too_large",
            )


def _check_sheet_size(rows: int, columns: int, max_rows: int) -> None:
    if rows > max_rows:
        raise SpreadsheetError(
            "Bladet sträcker sig över fler än %(limit)s rader, tomma rader med formatering medräknade. Ta bort "
            "de tomma raderna under uppgifterna, eller dela upp filen.",
            code="too_many_rows",
            limit=max_rows,
        )
    if columns > MAX_COLUMNS:
        raise SpreadsheetError(
            "Bladet har fler än %(limit)s kolumner. Ta bort de tomma kolumnerna till höger om uppgifterna "
            "och försök igen.",
            code="too_many_columns",
            limit=MAX_COLUMNS,
        )


def _check_rows(rows: list[SheetRow], limit: int) -> None:
    if len(rows) > limit:
        raise SpreadsheetError(
            "Filen har fler än %(limit)s rader. Dela upp den i flera filer.", code="too_many_rows", limit=limit
        )


def _cell_text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "ja" if value else "nej"
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time(0) else value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return _clean(str(value))


def _clean(text: str) -> str:
    return text.replace("\u00a0", " ").strip()


# --- column specs and row validation ---------------------------------------------------------
@dataclass(frozen=True)
class ColumnSpec:
    """One column of an import: `header` is the Swedish heading in the template and the file.

    `help` says what to write (in the template's instructions and in error messages);
    `aliases` are other headings accepted for the same column.
    """

    key: str
    header: str
    required: bool = False
    help: str = ""  # a Message, so that a page can show it in the user's language
    example: str = ""
    aliases: tuple[str, ...] = ()


@dataclass(frozen=True)
class Problem:
    """What is wrong with one value (`key` names the column or form field) and how to fix it."""

    key: str
    problem: str
    fix: str = ""

    @property
    def message(self) -> Message:
        if not self.fix:
            return self.problem if isinstance(self.problem, Message) else Message(self.problem)
        return Message("%(problem)s %(fix)s", problem=self.problem, fix=self.fix)


class CellInvalid(ValueError):
    """Raised by a `parse_*` helper: the value cannot be used. `RowReader` turns it into a Problem."""

    def __init__(self, problem: str, fix: str = ""):
        super().__init__(problem)
        self.problem = problem
        self.fix = fix


class RowInvalid(Exception):
    def __init__(self, problems: Sequence[Problem]):
        super().__init__("; ".join(p.message for p in problems))
        self.problems = list(problems)


class RowDuplicate(Exception, Generic[V]):
    """The row repeats a record that is already stored; shown apart and skipped on request."""

    def __init__(self, message: str, value: V):
        super().__init__(message)
        self.message = message
        self.value = value


class RowValues(dict[str, str]):
    """A row's text by column key ('' for an empty or absent column), with its row number."""

    def __init__(self, number: int, values: Mapping[str, str]):
        super().__init__(values)
        self.number = number


@dataclass(frozen=True)
class RowError:
    row: int
    column: str  # the heading as the user sees it; "" when the whole row is at fault
    problem: str
    fix: str = ""


@dataclass(frozen=True)
class ValidRow(Generic[V]):
    row: int
    value: V


@dataclass(frozen=True)
class DuplicateRow(Generic[V]):
    row: int
    message: str
    value: V


@dataclass
class Preview(Generic[V]):
    """The outcome of checking every row. Nothing is stored by making one."""

    valid_rows: list[ValidRow[V]] = field(default_factory=list)
    errors: list[RowError] = field(default_factory=list)
    duplicates: list[DuplicateRow[V]] = field(default_factory=list)
    unknown_headers: list[str] = field(default_factory=list)
    total_rows: int = 0

    @property
    def ok(self) -> bool:
        """True when no row has an error (duplicates aside): the file may be committed."""
        return not self.errors

    @property
    def rows_with_errors(self) -> int:
        return len({e.row for e in self.errors})

    def ensure_all_or_nothing(self, *, skip_duplicates: bool, duplicates: Message, nothing: Message) -> None:
        """The rule every import commits by: nothing is stored while a row has an error, or while
        rows repeat stored records (`duplicates`, with `%(n)s` of them) that were not explicitly
        skipped; and there must be something left to store (else `nothing`)."""
        if self.errors:
            raise DomainError(
                "%(n)s rader i filen har fel. Rätta dem och ladda upp filen igen: ingenting har importerats.",
                field="file",
                code="row_errors",
                n=self.rows_with_errors,
            )
        if self.duplicates and not skip_duplicates:
            raise Conflict(duplicates, field="skip_duplicates", code="duplicates", n=len(self.duplicates))
        if not self.valid_rows:
            raise DomainError(nothing, field="file", code="nothing")


def store_all(
    preview: Preview[V],
    store: Callable[[V], S],
    *,
    skip_duplicates: bool,
    duplicates: Message,
    nothing: Message,
    progress: Optional[Callable[[Iterable[Any]], Iterable[Any]]] = None,
) -> list[S]:
    """Store every valid row of an import with `store`, all or nothing: the rule is
    `Preview.ensure_all_or_nothing`, and a row the operation refuses refuses the file, naming
    the row (the request's transaction, or the command's, then stores none)."""
    preview.ensure_all_or_nothing(skip_duplicates=skip_duplicates, duplicates=duplicates, nothing=nothing)
    stored = []
    rows: Iterable[ValidRow[V]] = progress(preview.valid_rows) if progress else preview.valid_rows
    for valid in rows:
        try:
            stored.append(store(valid.value))
        except DomainError as exc:
            raise DomainError(
                "Rad %(row)s: %(message)s Ingenting har importerats.", field="file", row=valid.row, message=exc.message
            ) from None
    return stored


def normalise_header(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("*", "")).strip().casefold()


def map_headers(table: Table, specs: Sequence[ColumnSpec]) -> tuple[dict[str, int], list[str]]:
    """Column key -> index in the table, and the headings no spec knows. Raises SpreadsheetError
    for missing required columns or a heading that appears twice."""
    by_name: dict[str, ColumnSpec] = {}
    for spec in specs:
        for name in (spec.header, *spec.aliases):
            by_name[normalise_header(name)] = spec
    index: dict[str, int] = {}
    unknown: list[str] = []
    for i, heading in enumerate(table.headers):
        if not heading:
            continue
        spec = by_name.get(normalise_header(heading))
        if spec is None:
            unknown.append(heading)
        elif spec.key in index:
            raise SpreadsheetError(
                "Kolumnen «%(column)s» finns två gånger. Ta bort den ena och försök igen.",
                code="columns",
                column=spec.header,
            )
        else:
            index[spec.key] = i
    missing = [s.header for s in specs if s.required and s.key not in index]
    if missing:
        columns = ", ".join(f"«{m}»" for m in missing)
        if len(missing) == 1:
            raise SpreadsheetError(
                "Filen saknar kolumnen %(columns)s. Rubrikerna ska stå på första raden, som i mallen: "
                "ladda ner mallen och klistra in uppgifterna i den.",
                code="columns",
                columns=columns,
            )
        raise SpreadsheetError(
            "Filen saknar kolumnerna %(columns)s. Rubrikerna ska stå på första raden, som i mallen: "
            "ladda ner mallen och klistra in uppgifterna i den.",
            code="columns",
            columns=columns,
        )
    return index, unknown


def validate_rows(
    table: Table,
    specs: Sequence[ColumnSpec],
    row_validator: Callable[[RowValues], V],
    *,
    progress: Optional[Callable[[Iterable[SheetRow]], Iterable[SheetRow]]] = None,
) -> Preview[V]:
    """Check every row: empty required cells and formulas here, the rest by `row_validator`.

    `progress` may wrap the row iteration (e.g. `lambda rows: tqdm(rows, total=...)`).
    """
    index, unknown = map_headers(table, specs)
    spec_by_key = {s.key: s for s in specs}
    preview: Preview[V] = Preview(unknown_headers=unknown, total_rows=len(table.rows))
    rows: Iterable[SheetRow] = progress(table.rows) if progress else table.rows
    for row in rows:
        values = RowValues(row.number, {key: _cell(row, i) for key, i in index.items()})
        found: dict[str, Problem] = {}
        for key, i in index.items():
            if i in row.formulas:
                found[key] = Problem(
                    key,
                    N_("Cellen innehåller en formel."),
                    N_("Skriv in värdet som text (kopiera och klistra in som värden) i stället för en formel."),
                )
                values[key] = ""
        for spec in specs:
            if spec.required and not values.get(spec.key) and spec.key not in found:
                found[spec.key] = Problem(spec.key, N_("Värdet saknas."), spec.help)
        try:
            value = row_validator(values)
        except RowInvalid as exc:
            for p in exc.problems:
                found.setdefault(p.key, p)
        except RowDuplicate as dup:
            if not found:
                preview.duplicates.append(DuplicateRow(row.number, dup.message, dup.value))
                continue
        else:
            if not found:
                preview.valid_rows.append(ValidRow(row.number, value))
                continue
        for p in found.values():
            spec = spec_by_key.get(p.key)
            column = table.headers[index[p.key]] if p.key in index else (spec.header if spec else "")
            preview.errors.append(RowError(row.number, column, p.problem, p.fix))
    return preview


def _cell(row: SheetRow, i: int) -> str:
    return row.cells[i] if i < len(row.cells) else ""


class RowReader:
    """Parses one row (or one submitted form) field by field, collecting every problem::

        r = RowReader(values)
        level = r.get("swedish_level", parse_int, minimum=0, maximum=6)
        r.done()  # raises RowInvalid if any get() failed
    """

    def __init__(self, values: Mapping[str, Any]):
        self.values = values
        self.problems: list[Problem] = []

    def get(self, key: str, parser: Callable[..., T], *args: Any, **kwargs: Any) -> Optional[T]:
        try:
            return parser(self.values.get(key), *args, **kwargs)
        except CellInvalid as exc:
            self.problems.append(Problem(key, exc.problem, exc.fix))
            return None

    def add(self, key: str, problem: str, fix: str = "") -> None:
        self.problems.append(Problem(key, problem, fix))

    def has_problem(self, key: str) -> bool:
        return any(p.key == key for p in self.problems)

    def done(self) -> None:
        if self.problems:
            raise RowInvalid(self.problems)


# --- value parsers (shared by file imports and web forms) ------------------------------------
def _text(value: Any) -> str:
    return "" if value is None else _clean(str(value))


def quoted(text: str, limit: int = 40) -> str:
    """A user's value quoted back in a message, shortened."""
    return f"«{text[:limit]}{'…' if len(text) > limit else ''}»"


def _missing(what: str) -> Message:
    return N_("%(what)s saknas.", what=what)


def parse_text(value: Any, *, required: bool = False, max_length: int = 200, what: str = N_("Värdet")) -> str:
    text = _text(value)
    if required and not text:
        raise CellInvalid(_missing(what), N_("Fyll i ett värde."))
    if len(text) > max_length:
        raise CellInvalid(
            # Worded without an adjective: "för långt" fits "Värdet" and not "Texten till arbetsplatsen".
            N_("%(what)s har %(length)s tecken, fler än de %(max)s som får plats.", what=what, length=len(text),
               max=max_length),
            N_("Korta texten till högst %(max)s tecken.", max=max_length),
        )
    if _CONTROL.search(text):
        raise CellInvalid(N_("%(what)s innehåller osynliga styrtecken.", what=what), N_("Skriv in texten på nytt."))
    return text


def _outside(what: str, text: str, minimum: Any, maximum: Any) -> Message:
    return N_("%(what)s %(value)s är utanför %(min)s–%(max)s.", what=what, value=quoted(text), min=minimum, max=maximum)


def parse_int(
    value: Any, *, minimum: int, maximum: int, required: bool = True, what: str = N_("Talet")
) -> Optional[int]:
    text = _text(value)

    def fix() -> Message:  # made only for a refused value: an import checks thousands of cells
        return N_("Skriv ett heltal från %(min)s till %(max)s.", min=minimum, max=maximum)

    if not text:
        if required:
            raise CellInvalid(_missing(what), fix())
        return None
    try:
        number = Decimal(text.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise CellInvalid(N_("%(value)s är inte ett heltal.", value=quoted(text)), fix()) from None
    if not number.is_finite() or number != number.to_integral_value():
        raise CellInvalid(N_("%(value)s är inte ett heltal.", value=quoted(text)), fix())
    if not minimum <= number <= maximum:
        raise CellInvalid(_outside(what, text, minimum, maximum), fix())
    return int(number)


def parse_decimal(
    value: Any, *, minimum: float, maximum: float, required: bool = False, what: str = N_("Talet")
) -> Optional[float]:
    text = _text(value)

    def fix() -> Message:  # made only for a refused value
        return N_(
            "Skriv ett tal från %(min)s till %(max)s, med decimalkomma eller decimalpunkt.", min=minimum, max=maximum
        )

    if not text:
        if required:
            raise CellInvalid(_missing(what), fix())
        return None
    try:
        number = Decimal(text.replace(",", ".").replace(" ", ""))
    except InvalidOperation:
        raise CellInvalid(N_("%(value)s är inte ett tal.", value=quoted(text)), fix()) from None
    if not number.is_finite() or not minimum <= number <= maximum:
        raise CellInvalid(_outside(what, text, minimum, maximum), fix())
    return float(number)


_YES = {"ja", "j", "x", "1", "true", "sant", "yes", "y"}
_NO = {"nej", "n", "0", "false", "falskt", "no", ""}


def parse_bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    text = _text(value).casefold()
    if text in _YES:
        return True
    if text in _NO:
        return False
    raise CellInvalid(
        N_("%(value)s är varken ja eller nej.", value=quoted(text)),
        N_("Skriv ja eller nej (eller lämna tomt för nej)."),
    )


def parse_date(
    value: Any,
    *,
    required: bool = False,
    earliest: Optional[dt.date] = None,
    latest: Optional[dt.date] = None,
    what: str = N_("Datumet"),
) -> Optional[dt.date]:
    fix = N_("Skriv datumet som ÅÅÅÅ-MM-DD, t.ex. 2026-03-15.")
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        day = value
    else:
        text = _text(value)
        if not text:
            if required:
                raise CellInvalid(_missing(what), fix)
            return None
        try:
            day = dt.date.fromisoformat(text[:10])
        except ValueError:
            raise CellInvalid(N_("%(value)s är inte ett datum.", value=quoted(text)), fix) from None
    if earliest and day < earliest:
        raise CellInvalid(
            N_("%(what)s %(day)s är för tidigt.", what=what, day=day.isoformat()),
            N_("Skriv ett datum från %(earliest)s.", earliest=earliest.isoformat()),
        )
    if latest and day > latest:
        raise CellInvalid(
            N_("%(what)s %(day)s är för sent.", what=what, day=day.isoformat()),
            N_("Skriv ett datum senast %(latest)s.", latest=latest.isoformat()),
        )
    return day


def parse_choice(
    value: Any, vocabulary: Mapping[str, T], *, required: bool = True, what: str = N_("Värdet")
) -> Optional[T]:
    """One value from `vocabulary` (keys compared case-insensitively): a `Vocabulary` takes a
    code, a label or a shorter word, and a refusal names the choices by their labels."""
    text = _text(value)
    if not text:
        if required:
            raise CellInvalid(_missing(what), _one_of(vocabulary))
        return None
    lookup = _lookup(vocabulary)
    if text.casefold() not in lookup:
        raise CellInvalid(N_("%(value)s är inte ett giltigt värde.", value=quoted(text)), _one_of(vocabulary))
    return lookup[text.casefold()]


def _one_of(vocabulary: Mapping[str, Any]) -> Any:
    """The fix for a refused choice (made only then: an import checks thousands of cells)."""
    return N_("Välj ett av: %(allowed)s.", allowed=_allowed(vocabulary))


def _lookup(vocabulary: Mapping[str, T]) -> Mapping[str, T]:
    # A Vocabulary compares spellings case-insensitively itself (and learns translated labels).
    return vocabulary if isinstance(vocabulary, Vocabulary) else _folded(vocabulary)


_FOLDED: dict[int, tuple[Mapping[str, Any], dict[str, Any]]] = {}


def _folded(vocabulary: Mapping[str, T]) -> dict[str, T]:
    """`vocabulary` with case-folded keys, kept for the few vocabularies every row of an import
    uses again (the language list alone has hundreds of spellings). The vocabularies are
    constants; the cache holds them, so an id is never mistaken for another dict's."""
    cached = _FOLDED.get(id(vocabulary))
    if cached is not None and cached[0] is vocabulary:
        return cached[1]
    folded = {k.casefold(): v for k, v in vocabulary.items()}
    if len(_FOLDED) < 64:
        _FOLDED[id(vocabulary)] = (vocabulary, folded)
    return folded


_LIST_SPLIT = re.compile(r"[,;|/\n]+")


def list_items(value: Any) -> list[str]:
    """The entries of a list written in one cell or field ('it, sales', 'it|sales', 'it/sales')
    or given as a sequence (a form's checkboxes), each stripped, blanks left out."""
    if value is None or isinstance(value, str):
        return [i.strip() for i in _LIST_SPLIT.split(_text(value)) if i.strip()]
    return [_text(i) for i in value if _text(i)]


def parse_list(
    value: Any, vocabulary: Mapping[str, T], *, required: bool = False, what: str = N_("Listan")
) -> list[T]:
    """Several values from `vocabulary`, written as a list ('it, sales', 'it|sales', or labels
    apart with semicolons) or given as a sequence (a form's checkboxes). Unknown entries are
    named in the message; order is kept."""
    if isinstance(vocabulary, Vocabulary) and isinstance(value, str):
        items = vocabulary.split(value)
    else:
        items = list_items(value)
    lookup = _lookup(vocabulary)
    unknown = [i for i in items if i.casefold() not in lookup]
    if unknown:
        listed = ", ".join(quoted(u, 25) for u in unknown[:5])
        raise CellInvalid(
            N_("%(value)s är inget giltigt värde.", value=listed)
            if len(unknown) == 1
            else N_("%(values)s är inga giltiga värden.", values=listed),
            N_("Välj ett eller flera av: %(allowed)s (skilj dem åt med kommatecken eller semikolon).",
               allowed=_allowed(vocabulary)),
        )
    if required and not items:
        raise CellInvalid(_missing(what), N_("Välj ett eller flera av: %(allowed)s.", allowed=_allowed(vocabulary)))
    return list(dict.fromkeys(lookup[i.casefold()] for i in items))


def _allowed(vocabulary: Mapping[str, Any], limit: int = 30) -> Any:
    """The choices a message names: a Vocabulary's labels (translated where shown), else the
    first spelling of each value."""
    if isinstance(vocabulary, Vocabulary):
        return vocabulary.listing()
    firsts: dict[Any, str] = {}
    for spelling, meaning in vocabulary.items():
        firsts.setdefault(meaning, spelling)
    shown = ", ".join(list(firsts.values())[:limit])
    return shown + (" …" if len(firsts) > limit else "")


# --- writing ---------------------------------------------------------------------------------
def safe_cell(value: Any) -> Any:
    """Neutralise a cell for export: text starting with = + - @ tab or CR gets a leading quote,
    so that no spreadsheet program runs it as a formula (CSV/formula injection)."""
    if isinstance(value, str) and value.startswith(FORMULA_TRIGGERS):
        return "'" + value
    return value


def write_table(
    headers: Sequence[str],
    rows: Iterable[Sequence[Any]],
    fmt: Format,
    *,
    sheet_title: str = "Data",
    extra_sheets: Optional[Mapping[str, tuple[Sequence[str], Iterable[Sequence[Any]]]]] = None,
) -> bytes:
    """An export: .xlsx (bold header row, frozen) or .csv (UTF-8 with BOM, semicolon, CRLF, as
    Swedish Excel opens it). Every cell goes through `safe_cell`. `extra_sheets` (xlsx only) adds
    sheets, e.g. instructions."""
    if fmt == "csv":
        buffer = io.StringIO(newline="")
        writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
        writer.writerow([safe_cell(h) for h in headers])
        for row in rows:
            writer.writerow([safe_cell(csv_value(_export_value(v))) for v in row])
        return ("\ufeff" + buffer.getvalue()).encode("utf-8")
    if fmt != "xlsx":
        raise ValueError(f"unknown format {fmt!r}")
    import openpyxl
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.Workbook()
    sheets = [(sheet_title, headers, rows), *((t, h, r) for t, (h, r) in (extra_sheets or {}).items())]
    for n, (title, sheet_headers, sheet_rows) in enumerate(sheets):
        sheet = workbook.active if n == 0 else workbook.create_sheet()
        sheet.title = title[:31]
        sheet.append([safe_cell(h) for h in sheet_headers])
        widths = [len(str(h)) for h in sheet_headers]
        for row in sheet_rows:
            values = [safe_cell(_export_value(v)) for v in row]
            sheet.append(values)
            for i, v in enumerate(values[: len(widths)]):
                widths[i] = max(widths[i], len(str(v if v is not None else "")))
        for cell in sheet[1]:
            cell.font = Font(bold=True)
        for i, width in enumerate(widths, start=1):
            sheet.column_dimensions[get_column_letter(i)].width = min(max(width + 2, 10), 60)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_value(value: Any) -> Any:
    """A value as a CSV cell that Swedish Excel reads as a number: a decimal comma ("16,0" was
    "16.0", read as text or a date), at most three decimals; nothing for None."""
    if value is None:
        return ""
    if isinstance(value, float):
        return f"{value:.3f}".rstrip("0").rstrip(".").replace(".", ",")
    return value


def _export_value(value: Any) -> Any:
    if isinstance(value, (list, tuple, set, frozenset)):
        return ", ".join(str(v) for v in value)
    return value


def write_template(specs: Sequence[ColumnSpec], fmt: Format, *, sheet_title: str = "Import") -> bytes:
    """An empty import template with the Swedish headings. The .xlsx has a second sheet,
    «Anvisningar», that says for each column whether it is required, what to write and an example."""
    headers = [s.header for s in specs]
    if fmt == "csv":
        return write_table(headers, [], "csv")
    instructions = [
        (s.header, "ja" if s.required else "nej", s.help, s.example) for s in specs
    ]
    return write_table(
        headers,
        [],
        "xlsx",
        sheet_title=sheet_title,
        extra_sheets={"Anvisningar": (("Kolumn", "Obligatorisk", "Vad du skriver", "Exempel"), instructions)},
    )


# --- keeping an upload between preview and commit --------------------------------------------
_TOKEN = re.compile(r"^[A-Za-z0-9_-]{32,64}$")


_SAVED_AT = "_saved_at"


class UploadStore:
    """Uploaded files kept on the server between the preview and the commit, so the commit reads
    the same bytes again instead of trusting rows posted back by the browser.

    Each upload is `<token>.bin` plus `<token>.json` (owner and whatever the caller adds); the
    token is random and only ever used as a file name after it matched a strict pattern.
    """

    def __init__(self, directory: Path | str, *, max_age: dt.timedelta = dt.timedelta(hours=24)):
        self.directory = Path(directory)
        self.max_age = max_age

    def save(self, data: bytes, *, owner_id: int, **meta: Any) -> str:
        self.directory.mkdir(parents=True, exist_ok=True)
        self.prune()
        token = secrets.token_urlsafe(32)
        self._path(token, ".bin").write_bytes(data)
        stamp = {_SAVED_AT: clock.now().isoformat()}
        self._path(token, ".json").write_text(json.dumps({"owner_id": owner_id, **meta, **stamp}), encoding="utf-8")
        return token

    def load(self, token: str, *, owner_id: int) -> Optional[tuple[bytes, dict[str, Any]]]:
        """The upload's bytes and metadata, or None when the token is unknown, expired or another
        user's."""
        if not _TOKEN.match(token or ""):
            return None
        data_path, meta_path = self._path(token, ".bin"), self._path(token, ".json")
        if not data_path.is_file() or not meta_path.is_file():
            return None
        meta = json.loads(meta_path.read_text(encoding="utf-8"))
        if self._expired(meta) or meta.get("owner_id") != owner_id:
            return None
        meta.pop(_SAVED_AT)
        return data_path.read_bytes(), meta

    def delete(self, token: str) -> None:
        if _TOKEN.match(token or ""):
            for suffix in (".bin", ".json"):
                self._path(token, suffix).unlink(missing_ok=True)

    def prune(self) -> None:
        """Remove uploads older than `max_age` (previews that were never committed)."""
        if not self.directory.is_dir():
            return
        for path in self.directory.glob("*.json"):
            try:
                meta = json.loads(path.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                meta = {}
            if self._expired(meta):
                self.delete(path.stem)

    def _expired(self, meta: dict[str, Any]) -> bool:
        """Older than `max_age` by the app's clock (the time saved with it, not the file's
        mtime, so that tests and restored backups agree with the clock); unreadable is expired."""
        try:
            saved_at = dt.datetime.fromisoformat(meta[_SAVED_AT])
        except (KeyError, TypeError, ValueError):
            return True
        return clock.now() - saved_at > self.max_age

    def _path(self, token: str, suffix: str) -> Path:
        return self.directory / f"{token}{suffix}"
