"""`flask --app web import-companies FILE [--commit] [--skip-duplicates]`: the company import
from the command line, with the same checks as the web import and a progress bar."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from models.operations import companies as company_ops

from ..extensions import db
from ..imports import run_import


@click.command("import-companies")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--commit", is_flag=True, help="Spara raderna (alla eller ingen). Utan flaggan visas bara granskningen.")
@click.option("--skip-duplicates", is_flag=True, help="Hoppa över rader med företag som redan finns.")
@with_appcontext
def import_companies(file: Path, commit: bool, skip_duplicates: bool) -> None:
    """Import companies from an .xlsx or .csv file with the template's Swedish columns."""
    session = db.session
    companies = run_import(
        file,
        commit=commit,
        check=lambda table, progress: company_ops.preview_import(session, table, progress=progress),
        store=lambda preview, progress: company_ops.import_companies(
            session, preview, skip_duplicates=skip_duplicates, progress=progress
        ),
        duplicates="gäller företag som redan finns",
        action="companies_imported",
        target_type="company",
    )
    if companies is None:
        return
    click.echo(f"{len(companies)} företag importerade.")


commands = [import_companies]
