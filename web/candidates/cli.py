"""`flask --app web import-candidates FILE --referrer EMAIL [--commit]`: the bulk import from the
command line, with the same checks as the web import and a progress bar."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path
from typing import Any

import click
import sqlalchemy as sa
from flask.cli import with_appcontext
from tqdm import tqdm

from models import User
from models.operations import audit as audit_ops
from models.operations import candidates as ops
from models.operations.errors import DomainError
from models.operations.spreadsheet import Preview, read_table

from ..extensions import db, pin_vault
from ..permissions import can_refer


def _bar(desc: str, total: int) -> Any:
    def wrap(rows: Iterable[Any]) -> Iterable[Any]:
        return tqdm(rows, desc=desc, total=total, unit="rad", leave=False)

    return wrap


def _report(preview: Preview[ops.ImportRow]) -> None:
    click.echo(
        f"{preview.total_rows} rader lästa: {len(preview.valid_rows)} kan importeras, "
        f"{len(preview.duplicates)} gäller personer som redan finns, {preview.rows_with_errors} har fel."
    )
    for error in preview.errors:
        click.echo(f"  Rad {error.row}, {error.column or 'hela raden'}: {error.problem} {error.fix}".rstrip())
    for duplicate in preview.duplicates:
        click.echo(f"  Rad {duplicate.row}: {duplicate.message}")
    if preview.unknown_headers:
        click.echo("  Okända kolumner (lästes inte): " + ", ".join(preview.unknown_headers))


@click.command("import-candidates")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--referrer", "referrer_email", required=True, help="E-postadress till den remitterande handläggaren.")
@click.option("--commit", is_flag=True, help="Spara raderna (alla eller ingen). Utan flaggan visas bara granskningen.")
@click.option("--skip-duplicates", is_flag=True, help="Hoppa över rader med personer som redan finns i kandidatbanken.")
@with_appcontext
def import_candidates(file: Path, referrer_email: str, commit: bool, skip_duplicates: bool) -> None:
    """Import candidates from an .xlsx or .csv file (the template's columns) as referrals by an officer."""
    session = db.session
    referrer = session.scalar(sa.select(User).where(User.email == referrer_email.strip().lower()))
    if referrer is None or not referrer.active or not can_refer(referrer):
        raise click.BadParameter(
            "ingen aktiv handläggare med en enhet har den e-postadressen", param_hint="--referrer"
        )
    try:
        table = read_table(file.name, file.read_bytes())
        preview = ops.preview_import(session, pin_vault(), table, progress=_bar("Kontrollerar", len(table.rows)))
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
        referrals = ops.import_candidates(
            session, pin_vault(), preview, referrer=referrer, skip_duplicates=skip_duplicates,
            progress=_bar("Importerar", len(preview.valid_rows)),
        )
    except DomainError as err:
        session.rollback()
        raise click.ClickException(err.message) from None
    audit_ops.record(
        session, "candidates_imported", target_type="referral", count=len(referrals),
        skipped=len(preview.duplicates), referrer_id=referrer.id, via="cli",
    )
    session.commit()
    submitted = sum(r.status.value == "submitted" for r in referrals)
    click.echo(f"{len(referrals)} personer importerade ({submitted} inskickade, {len(referrals) - submitted} utkast).")


commands = [import_candidates]
