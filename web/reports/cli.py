"""`flask --app web report quarterly --programme ID --format json|csv|xlsx [--out FILE]`."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Optional

import click
from flask import current_app
from flask.cli import with_appcontext

from models import Programme
from models.operations.reports import quarterly_report

from ..extensions import db
from .exports import report_csv, report_xlsx


@click.group("report", help="Reports for the steering group.")
def report() -> None:
    """The report commands."""


@report.command("quarterly")
@with_appcontext
@click.option("--programme", "programme_id", type=int, required=True, help="The programme's id.")
@click.option("--format", "fmt", type=click.Choice(["json", "csv", "xlsx"]), default="json", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True, path_type=Path), default=None,
              help="Write to this file instead of standard output.")
def quarterly(programme_id: int, fmt: str, out: Optional[Path]) -> None:
    """The quarterly report of a programme, with the dashboard's small-count suppression."""
    programme = db.session.get(Programme, programme_id)
    if programme is None:
        raise click.BadParameter(f"no programme with id {programme_id}", param_hint="--programme")
    result = quarterly_report(db.session, programme)
    # Labels and headings are rendered as on the web, in Swedish.
    with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
        if fmt == "json":
            data = (json.dumps(result.to_dict(), ensure_ascii=False, indent=2) + "\n").encode("utf-8")
        elif fmt == "csv":
            data = report_csv(result)
        else:
            data = report_xlsx(result)
    if out is not None:
        out.write_bytes(data)
        click.echo(f"Wrote the {fmt} report for {programme.name} to {out}.", err=True)
    else:
        click.echo(data, nl=False)


commands = [report]
