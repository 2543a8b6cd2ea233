"""`flask --app web import-companies FILE [--commit] [--skip-duplicates]`: the company import
from the command line, with the same checks as the web import and a progress bar."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click
from flask.cli import with_appcontext
from tqdm import tqdm

from models.operations import audit as audit_ops
from models.operations import companies as ops
from models.operations.errors import DomainError
from models.operations.spreadsheet import Preview, read_table

from ..extensions import db


def _bar(desc: str, total: int) -> Any:
    def wrap(rows: Iterable[Any]) -> Iterable[Any]:
        return tqdm(rows, desc=desc, total=total, unit="rad", leave=False)

    return wrap


def _report(preview: Preview[ops.CompanyImportRow]) -> None:
    click.echo(
        f"{preview.total_rows} rader lästa: {len(preview.valid_rows)} kan importeras, "
        f"{len(preview.duplicates)} gäller företag som redan finns, {preview.rows_with_errors} har fel."
    )
    for error in preview.errors:
        click.echo(f"  Rad {error.row}, {error.column or 'hela raden'}: {error.problem} {error.fix}".rstrip())
    for duplicate in preview.duplicates:
        click.echo(f"  Rad {duplicate.row}: {duplicate.message}")
    if preview.unknown_headers:
        click.echo("  Okända kolumner (lästes inte): " + ", ".join(preview.unknown_headers))


@click.command("import-companies")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--commit", is_flag=True, help="Spara raderna (alla eller ingen). Utan flaggan visas bara granskningen.")
@click.option("--skip-duplicates", is_flag=True, help="Hoppa över rader med företag som redan finns.")
@with_appcontext
def import_companies(file: Path, commit: bool, skip_duplicates: bool) -> None:
    """Import companies from an .xlsx or .csv file with the template's Swedish columns."""
    session = db.session
    try:
        table = read_table(file.name, file.read_bytes())
        preview = ops.preview_import(session, table, progress=_bar("Kontrollerar", len(table.rows)))
    except DomainError as err:
        session.rollback()
        raise click.ClickException(err.message) from None
    _report(preview)
    if not commit:
        session.rollback()
        click.echo("Granskning: ingenting har sparats. Kör igen med --commit för att importera.")
        if preview.errors:
            raise SystemExit(1)
        return
    try:
        companies = ops.import_companies(
            session, preview, skip_duplicates=skip_duplicates, progress=_bar("Importerar", len(preview.valid_rows))
        )
    except DomainError as err:
        session.rollback()
        raise click.ClickException(err.message) from None
    audit_ops.record(
        session, "companies_imported", target_type="company", count=len(companies),
        skipped=len(preview.duplicates), via="cli",
    )
    session.commit()
    click.echo(f"{len(companies)} företag importerade.")


commands = [import_companies]
