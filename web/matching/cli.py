"""`flask --app web train-ranker [--force | --challenger]`: learn from the outcomes in the
database, and use the new model only when it ranks the latest quarter at least as well as the
active one, or let it prove itself in use first. `flask --app web ranker-duel`: the duel between
a challenger and the active model (models/operations/ranker_duel.py), with start and stop.
`flask --app web export-matcher DIR`: the same data as the matcher's interchange files, for
`python -m matcher ...` (docs/ranker-as-of.md)."""

from __future__ import annotations

from pathlib import Path
from typing import Optional

import click
from flask import current_app
from flask.cli import with_appcontext
from flask_babel import force_locale

from matcher.io import write_candidates, write_history, write_offers
from models import RankerModel, clock
from models.operations import ranker_duel
from models.operations.errors import DomainError
from models.operations.matching import training_frames
from models.operations.ranker_registry import train_and_maybe_activate

from ..extensions import db
from ..i18n import translate
from ..labels import DUEL_REASON_LABELS, DUEL_STATE_LABELS


def _start(challenger: RankerModel, share: float, max_lists: int, alpha: float) -> None:
    try:
        duel = ranker_duel.start_duel(db.session, challenger, share=share, max_lists=max_lists, alpha=alpha)
    except DomainError as exc:
        db.session.rollback()
        with force_locale("sv"):
            raise click.ClickException(translate(exc.message)) from exc
    db.session.commit()
    click.echo(f"Duell nr {duel.id} startad: modell nr {duel.challenger_id} utmanar den aktiva modellen "
               f"nr {duel.active_model_id}.")


@click.command("train-ranker")
@click.option("--force", is_flag=True, help="Aktivera den nya modellen även om den är sämre än den aktiva.")
@click.option("--challenger", is_flag=True,
              help="Aktivera inte: låt den nya modellen utmana den aktiva i användning (en duell).")
@with_appcontext
def train_ranker(force: bool, challenger: bool) -> None:
    """Export the history, train and evaluate a ranker, register it and activate it if it is not
    worse than the active model on the latest quarter (NDCG@5); with --challenger, start a duel
    instead (flask --app web ranker-duel shows it)."""
    if force and challenger:
        raise click.UsageError("Välj --force eller --challenger, inte båda.")
    row = train_and_maybe_activate(
        db.session, current_app.config["MODEL_DIR"], force=force, progress=True, echo=click.echo,
        activate_new=not challenger,
    )
    db.session.commit()
    if row is None:
        click.echo("Ingen modell tränades.")
    elif row.active:
        click.echo(f"Modell nr {row.id} är nu aktiv. Appen använder den från nästa förfrågan, utan omstart.")
    elif challenger:
        _start(row, ranker_duel.DEFAULT_SHARE, ranker_duel.DEFAULT_MAX_LISTS, ranker_duel.DEFAULT_ALPHA)
    else:
        click.echo(f"Modell nr {row.id} sparades men den tidigare modellen är fortfarande aktiv.")


def _percent(value: float) -> str:
    return f"{value * 100:.0f} %".replace(".", ",")


def describe(summary: ranker_duel.DuelSummary) -> list[str]:
    """The duel page's figures as lines of text."""
    duel = summary.duel
    lines = [
        f"Duell nr {duel.id}: modell nr {duel.challenger_id} (utmanare) mot modell nr {duel.active_model_id} (aktiv)",
        f"  Läge: {DUEL_STATE_LABELS[duel.state.value]}"
        + (f" – {DUEL_REASON_LABELS.get(duel.reason, duel.reason)}" if duel.reason else ""),
        f"  Startad {clock.local_date(duel.started_at)}"
        + (f", avgjord {clock.local_date(duel.decided_at)}" if duel.decided_at else ""),
        f"  Andel listor som visas blandade: {_percent(duel.share)}; högst {duel.max_lists} avgjorda listor; "
        f"risk att befordra en lika bra modell högst {_percent(duel.alpha)}",
        f"  Listor visade blandade: {summary.shown_lists}",
        f"  Listor med bokning: {duel.booked_lists} (oavgjorda: {summary.ties})",
        f"  Vunna listor: utmanaren {duel.wins_challenger}, den aktiva {duel.wins_active}",
        f"  p-värde (teckentest): {summary.p_value:.4f}; avgör vid högst {summary.per_look_level:.4f}",
        "  Avgjorda listor som behövs (8 av 10 dueller) om utmanaren vinner en viss andel:",
    ]
    for forecast in summary.forecasts:
        needed = "fler än det högsta antalet" if forecast.lists is None else str(forecast.lists)
        shown = f" (omkring {forecast.shown} visade blandade listor)" if forecast.shown else ""
        seen = " – andelen hittills" if forecast.observed else ""
        lines.append(f"    {_percent(forecast.win_rate)}{seen}: {needed}{shown}")
    return lines


@click.command("ranker-duel")
@click.option("--start", "start", type=int, metavar="MODELL", help="Starta en duell: modellen (nr) utmanar den aktiva.")
@click.option("--share", type=float, default=ranker_duel.DEFAULT_SHARE, show_default=True,
              help="Andel listor som visas blandade (0–1).")
@click.option("--max-lists", type=int, default=ranker_duel.DEFAULT_MAX_LISTS, show_default=True,
              help="Avgjorda listor innan duellen avbryts utan vinnare.")
@click.option("--alpha", type=float, default=ranker_duel.DEFAULT_ALPHA, show_default=True,
              help="Högsta risk att befordra en modell som inte är bättre.")
@click.option("--stop", is_flag=True, help="Avsluta den pågående duellen; den aktiva modellen behålls.")
@with_appcontext
def ranker_duel_command(start: Optional[int], share: float, max_lists: int, alpha: float, stop: bool) -> None:
    """Show the running (or latest) ranker duel; start one with --start MODEL, stop it with --stop."""
    if start is not None and stop:
        raise click.UsageError("Välj --start eller --stop, inte båda.")
    if start is not None:
        challenger = db.session.get(RankerModel, start)
        if challenger is None:
            raise click.ClickException(f"Det finns ingen modell nr {start} (se sidan Rankningsmodeller).")
        _start(challenger, share, max_lists, alpha)
    if stop:
        duel = ranker_duel.running_duel(db.session)
        if duel is None:
            raise click.ClickException("Ingen duell pågår.")
        ranker_duel.stop_duel(db.session, duel)
        db.session.commit()
        click.echo(f"Duell nr {duel.id} avslutad; den aktiva modellen nr {duel.active_model_id} behålls.")
    latest = ranker_duel.duels(db.session, limit=1)
    if not latest:
        click.echo("Ingen duell har körts. Starta en med flask --app web train-ranker --challenger "
                   "eller flask --app web ranker-duel --start MODELL.")
        return
    with force_locale("sv"):  # the command line speaks Swedish, as the other commands do
        for line in describe(ranker_duel.summary(db.session, latest[0])):
            click.echo(line)


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


commands = [train_ranker, ranker_duel_command, export_matcher]
