"""Hostile .xlsx files for the import tests, written with zipfile directly so that they are made
in a moment: a zip bomb of rows that only carry formatting, and sheets that claim or hold more
rows or columns than an import reads. Each is a real workbook (openpyxl's parts) whose first
sheet is replaced."""

from __future__ import annotations

import io
import zipfile
from collections.abc import Iterator, Sequence

import openpyxl

SHEET = "xl/worksheets/sheet1.xml"
_HEAD = (
    b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
    b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">'
)
_FORMATTED_ROW = b'<row s="1" customFormat="1" ht="15" customHeight="1"/>'  # empty, with formatting


def _row(number: int, values: Sequence[str]) -> bytes:
    cells = "".join(
        f'<c r="{openpyxl.utils.get_column_letter(i)}{number}" t="inlineStr"><is><t>{v}</t></is></c>'
        for i, v in enumerate(values, start=1)
    )
    return f'<row r="{number}">{cells}</row>'.encode()


def _sheet(
    rows: Sequence[Sequence[str]], *, dimension: str | None, formatted_rows: int, last_row: int | None
) -> Iterator[bytes]:
    yield _HEAD
    if dimension:
        yield f'<dimension ref="{dimension}"/>'.encode()
    yield b"<sheetData>"
    for number, values in enumerate(rows, start=1):
        yield _row(number, values)
    chunk = _FORMATTED_ROW * 10_000
    for _ in range(formatted_rows // 10_000):
        yield chunk
    yield _FORMATTED_ROW * (formatted_rows % 10_000)
    if last_row is not None:
        yield f'<row r="{last_row}" s="1" customFormat="1"/>'.encode()
    yield b"</sheetData></worksheet>"


def xlsx(
    rows: Sequence[Sequence[str]],
    *,
    dimension: str | None = None,
    formatted_rows: int = 0,
    last_row: int | None = None,
) -> bytes:
    """A workbook whose first sheet holds `rows` (text), then `formatted_rows` empty rows with
    formatting, then one formatted row numbered `last_row`; `dimension` is what the sheet says
    it spans (`A1:C3`), left out when None."""
    base = io.BytesIO()
    openpyxl.Workbook().save(base)
    out = io.BytesIO()
    with zipfile.ZipFile(base) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            if item.filename != SHEET:
                target.writestr(item, source.read(item.filename))
                continue
            with target.open(SHEET, "w") as part:
                for piece in _sheet(rows, dimension=dimension, formatted_rows=formatted_rows, last_row=last_row):
                    part.write(piece)
    return out.getvalue()


def bomb(rows: Sequence[Sequence[str]], unpacked_mb: int = 100) -> bytes:
    """A zip bomb: `rows`, then formatting-only rows until the sheet is `unpacked_mb` MB
    unpacked (about a thousandth of that packed)."""
    return xlsx(rows, formatted_rows=unpacked_mb * 1024 * 1024 // len(_FORMATTED_ROW))


def unpacked_size(data: bytes) -> int:
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        return sum(item.file_size for item in archive.infolist())
