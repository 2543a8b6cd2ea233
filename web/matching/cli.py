"""`flask --app web train-ranker [--force]`: learn from the outcomes in the database, and use
the new model only when it ranks the latest quarter at least as well as the active one."""

from __future__ import annotations

import click
from flask import current_app
from flask.cli import with_appcontext

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


commands = [train_ranker]
