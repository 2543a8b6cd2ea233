"""`flask --app web import-candidates FILE --referrer EMAIL [--commit]`: the bulk import from the
command line, with the same checks as the web import and a progress bar."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from models import User
from models.operations import candidates as candidate_ops

from ..extensions import db, pin_vault
from ..imports import run_import
from ..permissions import can_refer


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
    referrals = run_import(
        file,
        commit=commit,
        check=lambda table, progress: candidate_ops.preview_import(session, pin_vault(), table, progress=progress),
        store=lambda preview, progress: candidate_ops.import_candidates(
            session, pin_vault(), preview, referrer=referrer, skip_duplicates=skip_duplicates, progress=progress,
        ),
        duplicates="gäller personer som redan finns",
        action="candidates_imported",
        target_type="referral",
        referrer_id=referrer.id,
    )
    if referrals is None:
        return
    submitted = sum(r.status.value == "submitted" for r in referrals)
    click.echo(f"{len(referrals)} personer importerade ({submitted} inskickade, {len(referrals) - submitted} utkast).")


commands = [import_candidates]
