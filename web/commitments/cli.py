"""`flask --app web import-commitments FILE [--commit] [--skip-duplicates]`: the contract-list
import from the command line, with the same checks as the web import and a progress bar."""

from __future__ import annotations

from pathlib import Path

import click
from flask.cli import with_appcontext

from models.operations import commitments as commitment_ops

from ..extensions import db
from ..imports import run_import


@click.command("import-commitments")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--commit", is_flag=True, help="Spara raderna (alla eller ingen). Utan flaggan visas bara granskningen.")
@click.option("--skip-duplicates", is_flag=True, help="Hoppa över rader med avtal som redan är registrerade.")
@with_appcontext
def import_commitments(file: Path, commit: bool, skip_duplicates: bool) -> None:
    """Import commitments from an .xlsx or .csv contract list with the template's Swedish columns."""
    session = db.session
    stored = run_import(
        file,
        commit=commit,
        check=lambda table, progress: commitment_ops.preview_import(session, table, progress=progress),
        store=lambda preview, progress: commitment_ops.import_commitments(
            session, preview, skip_duplicates=skip_duplicates, progress=progress
        ),
        duplicates="gäller avtal som redan är registrerade",
        action="commitments_imported",
        target_type="commitment",
    )
    if stored is not None:
        click.echo(f"{len(stored)} åtaganden importerade.")


commands = [import_commitments]
