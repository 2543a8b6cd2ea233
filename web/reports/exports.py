"""The report as files: xlsx (formatted, one sheet per table, the chart as an image) and csv
(one section per table). Every cell goes through the spreadsheet module's `safe_cell`, so no
text can run as a formula; the tables are the dashboard's, with the same suppression."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from flask_babel import gettext as _

from models.operations.reports import QuarterlyReport
from models.operations.spreadsheet import csv_value, safe_cell

from .chart import render_chart
from .tables import Table, report_tables

HEADER_FILL = "DCE6F1"


def report_csv(report: QuarterlyReport, first: Sequence[Table] = ()) -> bytes:
    """Sections separated by an empty line: title, headings, rows. UTF-8 with BOM, semicolons
    and CRLF, as Swedish Excel opens it (like the spreadsheet module's exports). `first` are
    tables put before the report's (a signed-off quarter's compiler and approvals)."""
    buffer = io.StringIO(newline="")
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    for n, table in enumerate([*first, *report_tables(report)]):
        if n:
            writer.writerow([])
        writer.writerow([safe_cell(table.title)])
        writer.writerow([safe_cell(h) for h in table.headers])
        for row in table.rows:
            writer.writerow([safe_cell(csv_value(v)) for v in row])
        if table.note:
            writer.writerow([safe_cell(table.note)])
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


def report_xlsx(report: QuarterlyReport, first: Sequence[Table] = ()) -> bytes:
    import openpyxl
    from openpyxl.drawing.image import Image
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = openpyxl.Workbook()
    chart_sheet = workbook.active
    chart_sheet.title = _("Diagram")[:31]
    chart_sheet["A1"] = safe_cell(report.programme_name)
    chart_sheet["A1"].font = Font(bold=True, size=14)
    chart_sheet["A2"] = safe_cell(_("Personer ackumulerat mot målet, per kvartal. Siffrorna gäller den %(d)s.",
                                    d=report.today.isoformat()))
    image = Image(io.BytesIO(render_chart(report, "png")))
    image.anchor = "A4"
    chart_sheet.add_image(image)

    used: set[str] = {chart_sheet.title}
    for table in [*first, *report_tables(report)]:
        sheet = workbook.create_sheet(_sheet_title(table, used))
        sheet["A1"] = safe_cell(table.title)
        sheet["A1"].font = Font(bold=True, size=13)
        sheet.append([])
        sheet.append([safe_cell(h) for h in table.headers])
        header_row = sheet.max_row
        for cell in sheet[header_row]:
            cell.font = Font(bold=True)
            cell.fill = PatternFill("solid", fgColor=HEADER_FILL)
            cell.alignment = Alignment(wrap_text=True, vertical="top")
        for row in table.rows:
            sheet.append([safe_cell(v) for v in row])
            written = sheet[sheet.max_row]
            written[0].font = Font(bold=True)
            for index, cell in enumerate(written):
                if index in table.percent_columns:
                    cell.number_format = "0.0%"
                elif index in table.decimal_columns:
                    cell.number_format = "+0.00;-0.00;0.00"
                elif isinstance(cell.value, float):
                    cell.number_format = "0.00"
                elif isinstance(cell.value, int):
                    cell.number_format = "#,##0"
                if isinstance(cell.value, str) and index:
                    cell.alignment = Alignment(horizontal="right")
        if table.note:
            sheet.append([])
            sheet.append([safe_cell(table.note)])
            sheet.cell(sheet.max_row, 1).font = Font(italic=True)
        sheet.freeze_panes = sheet.cell(header_row + 1, 2)
        for index, heading in enumerate(table.headers, start=1):
            longest = max([len(str(heading))] + [len(str(r[index - 1] or "")) for r in table.rows])
            sheet.column_dimensions[get_column_letter(index)].width = min(max(longest + 2, 10), 48)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _sheet_title(table: Table, used: set[str]) -> str:
    """A sheet name Excel accepts: at most 31 characters, none of []:*?/\\, unique."""
    base = "".join(ch for ch in table.sheet if ch not in "[]:*?/\\")[:31]
    title, n = base, 2
    while title in used:
        suffix = f" ({n})"
        title, n = base[: 31 - len(suffix)] + suffix, n + 1
    used.add(title)
    return title
