"""`flask --app web train-ranker [--force]`: learn from the outcomes in the database, and use
the new model only when it ranks the latest quarter at least as well as the active one.
`flask --app web export-matcher DIR`: the same data as the matcher's interchange files, for
`python -m matcher ...` (docs/ranker-as-of.md)."""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app
from flask.cli import with_appcontext

from matcher.io import write_candidates, write_history, write_offers
from models.operations.matching import training_frames
from models.operations.ranker_registry import train_and_maybe_activate

from ..extensions import db


@click.command("train-ranker")
@click.option("--force", is_flag=True, help="Aktivera den nya modellen även om den är sämre än den aktiva.")
@with_appcontext
def train_ranker(force: bool) -> None:
    """Export the history, train and evaluate a ranker, register it and activate it if it is not
    worse than the active model on the latest quarter (NDCG@5)."""
    row = train_and_maybe_activate(
        db.session, current_app.config["MODEL_DIR"], force=force, progress=True, echo=click.echo
    )
    db.session.commit()
    if row is None:
        click.echo("Ingen modell tränades.")
    elif row.active:
        click.echo(f"Modell nr {row.id} är nu aktiv. Appen använder den från nästa förfrågan, utan omstart.")
    else:
        click.echo(f"Modell nr {row.id} sparades men den tidigare modellen är fortfarande aktiv.")


@click.command("export-matcher")
@click.argument("directory", type=click.Path(file_okay=False, path_type=Path))
@with_appcontext
def export_matcher(directory: Path) -> None:
    """Write candidates.csv, offers.csv and history.csv in the matcher's interchange format, with
    every profile version (valid_from/valid_to) and each proposal's moment (as_of): what
    train-ranker learns from. The files hold profile data: keep them as the backups are kept."""
    click.echo("Hämtar kandidater, erbjudanden (med profilernas historik) och förslag ur databasen …")
    candidates, offers, history = training_frames(db.session)
    db.session.rollback()  # only read
    directory.mkdir(parents=True, exist_ok=True)
    for name, frame, write in (("candidates.csv", candidates, write_candidates), ("offers.csv", offers, write_offers),
                               ("history.csv", history, write_history)):
        write(frame, directory / name)
        click.echo(f"  {directory / name}: {len(frame)} rader")
    click.echo(f"Klart. Till exempel: python -m matcher compare-as-of --candidates {directory / 'candidates.csv'} "
               f"--offers {directory / 'offers.csv'} --history {directory / 'history.csv'}")


commands = [train_ranker, export_matcher]
