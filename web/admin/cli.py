"""Data-protection commands: `purge-expired` (retention), `rotate-pin-keys` (key rotation),
`backup` and `restore`. Each long job shows progress and commits batch by batch."""

from __future__ import annotations

from pathlib import Path

import click
import sqlalchemy as sa
from flask import current_app
from flask.cli import with_appcontext
from tqdm import tqdm

from models import Candidate, clock
from models import backup as backup_ops
from models.operations import audit as audit_ops
from models.operations import key_rotation, retention

from ..extensions import db, pin_vault

CLI_ORIGIN = audit_ops.Origin(ip="", request_id="cli")


@click.command("purge-expired")
@click.option("--dry-run", is_flag=True, help="Visa vilka som skulle anonymiseras, ändra inget.")
@click.option("--batch-size", default=100, show_default=True)
@with_appcontext
def purge_expired(dry_run: bool, batch_size: int) -> None:
    """Anonymise candidates whose case closed more than RETENTION_MONTHS ago."""
    months = int(current_app.config["RETENTION_MONTHS"])
    now = clock.now()
    cutoff = retention.months_before(now, months)
    session = db.session
    ids = list(session.scalars(retention.expired_candidates(session, cutoff)))
    click.echo(f"Retention {months} months: {len(ids)} candidate(s) closed before {cutoff:%Y-%m-%d} to anonymise.")
    if dry_run:
        if ids:
            click.echo("Ids: " + ", ".join(str(i) for i in ids))
        click.echo("Dry run: nothing changed.")
        return
    with tqdm(total=len(ids), unit="candidate", desc="Anonymising") as bar:
        for start in range(0, len(ids), batch_size):
            chunk = ids[start : start + batch_size]
            for candidate in session.scalars(sa.select(Candidate).where(Candidate.id.in_(chunk))):
                retention.anonymise_candidate(session, candidate, at=now, origin=CLI_ORIGIN)
                bar.update(1)
            session.commit()
    click.echo(f"Anonymised {len(ids)} candidate(s).")


@click.command("rotate-pin-keys")
@click.option("--batch-size", default=200, show_default=True)
@with_appcontext
def rotate_pin_keys(batch_size: int) -> None:
    """Re-encrypt identity numbers and TOTP secrets with the first key of PIN_ENCRYPTION_KEYS."""
    session = db.session
    vault = pin_vault()
    total = key_rotation.count_encrypted(session)
    rotated, failed = 0, []
    with tqdm(total=total, unit="value", desc="Re-encrypting") as bar:
        for model, column in key_rotation.ENCRYPTED_COLUMNS:
            after = 0
            while True:
                result = key_rotation.rotate_batch(session, vault, model, column, after_id=after, limit=batch_size)
                session.commit()
                if result.last_id is None:
                    break
                after = result.last_id
                rotated += result.rotated
                failed += [f"{model.__tablename__}:{i}" for i in result.failed_ids]
                bar.update(result.rotated + len(result.failed_ids))
    audit_ops.record(session, "pin_keys_rotated", origin=CLI_ORIGIN, rotated=rotated, failed=len(failed))
    session.commit()
    click.echo(f"Re-encrypted {rotated} value(s) with the current key.")
    if failed:
        raise click.ClickException(
            f"{len(failed)} value(s) could not be decrypted with any configured key: {', '.join(failed[:50])}. "
            "Put the key they were written with back in PIN_ENCRYPTION_KEYS and run the command again."
        )


@click.command("backup")
@click.argument("path", type=click.Path(dir_okay=False, path_type=Path))
@with_appcontext
def backup(path: Path) -> None:
    """Write a backup of the whole database to PATH (SQLite file or pg_dump custom format)."""
    db.session.close()
    try:
        backup_ops.backup(db.engine, path)
    except backup_ops.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    audit_ops.record(db.session, "database_backup", origin=CLI_ORIGIN, bytes=path.stat().st_size)
    db.session.commit()
    click.echo(f"Backup written to {path} ({path.stat().st_size} bytes).")


@click.command("restore")
@click.argument("path", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--yes", is_flag=True, help="Do not ask for confirmation.")
@with_appcontext
def restore(path: Path, yes: bool) -> None:
    """Replace the database's content with the backup at PATH. Stop the web app first."""
    if not yes:
        click.confirm(f"Replace everything in the database with {path}?", abort=True)
    db.session.close()
    try:
        backup_ops.restore(db.engine, path)
    except backup_ops.BackupError as exc:
        raise click.ClickException(str(exc)) from exc
    audit_ops.record(db.session, "database_restored", origin=CLI_ORIGIN)
    db.session.commit()
    click.echo(f"Database restored from {path}.")


commands = [purge_expired, rotate_pin_keys, backup, restore]
