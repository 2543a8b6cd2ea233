"""What the two file imports (candidates, companies) share: the template download on the web,
and on the command line (`import-candidates`, `import-companies`) reading and checking the file
with a progress bar, the report of the preview, and storing the rows (audited) only with
--commit. The domain operations decide; this only runs them and reports."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from pathlib import Path
from typing import Any, Optional, TypeVar

import click
from flask import Response, abort
from tqdm import tqdm

from models.operations import audit as audit_ops
from models.operations.errors import DomainError
from models.operations.spreadsheet import ColumnSpec, Preview, Table, read_table, write_template

from .extensions import db

R = TypeVar("R")
S = TypeVar("S")
Progress = Callable[[Iterable[Any]], Iterable[Any]]
MIMETYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",  # Flask adds "; charset=utf-8" to a text/ mimetype
}


# --- the web ----------------------------------------------------------------------------------
def template_download(columns: Sequence[ColumnSpec], fmt: str, *, sheet_title: str, filename: str) -> Response:
    """The empty template as `<filename>.<fmt>` (xlsx or csv; 404 for any other)."""
    if fmt not in MIMETYPES:
        abort(404)
    data = write_template(columns, fmt, sheet_title=sheet_title)  # type: ignore[arg-type]
    return Response(
        data,
        mimetype=MIMETYPES[fmt],
        headers={"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'},
    )


# --- the command line -------------------------------------------------------------------------
def progress_bar(desc: str, total: int) -> Progress:
    """A `progress` for the import operations: a bar over the rows that goes away when done."""

    def wrap(rows: Iterable[Any]) -> Iterable[Any]:
        return tqdm(rows, desc=desc, total=total, unit="rad", leave=False)

    return wrap


def report(preview: Preview[Any], duplicates: str) -> None:
    """The preview in a few lines; `duplicates` says what a duplicate row is ("gäller ...")."""
    click.echo(
        f"{preview.total_rows} rader lästa: {len(preview.valid_rows)} kan importeras, "
        f"{len(preview.duplicates)} {duplicates}, {preview.rows_with_errors} har fel."
    )
    for error in preview.errors:
        click.echo(f"  Rad {error.row}, {error.column or 'hela raden'}: {error.problem} {error.fix}".rstrip())
    for duplicate in preview.duplicates:
        click.echo(f"  Rad {duplicate.row}: {duplicate.message}")
    if preview.unknown_headers:
        click.echo("  Okända kolumner (lästes inte): " + ", ".join(preview.unknown_headers))


def run_import(
    file: Path,
    *,
    commit: bool,
    check: Callable[[Table, Progress], Preview[R]],
    store: Callable[[Preview[R], Progress], list[S]],
    duplicates: str,
    action: str,
    target_type: str,
    **details: Any,
) -> Optional[list[S]]:
    """Read and `check` the file and report it; with `commit`, `store` the rows, audit it as
    `action` (with the count, the skipped duplicates and `details`), commit and return what was
    stored. Without `commit` nothing is kept: None, or exit status 1 when a row has errors. A
    refusal (DomainError) rolls back and ends the command with its message."""
    session = db.session
    try:
        table = read_table(file.name, file.read_bytes())
        preview = check(table, progress_bar("Kontrollerar", len(table.rows)))
    except DomainError as err:
        session.rollback()
        raise click.ClickException(err.message) from None
    report(preview, duplicates)
    if not commit:
        session.rollback()
        click.echo("Granskning: ingenting har sparats. Kör igen med --commit för att importera.")
        if preview.errors:
            raise SystemExit(1)
        return None
    try:
        stored = store(preview, progress_bar("Importerar", len(preview.valid_rows)))
    except DomainError as err:
        session.rollback()
        raise click.ClickException(err.message) from None
    audit_ops.record(
        session, action, target_type=target_type, count=len(stored), skipped=len(preview.duplicates), **details,
        via="cli",
    )
    session.commit()
    return stored
