"""`flask --app web i18n extract|update|check|compile`: the translation catalogues for the team."""

from __future__ import annotations

import click
from flask.cli import AppGroup

from . import catalogues

i18n = AppGroup("i18n", help="Translation catalogues (Swedish is the source language; English is translated).")


@i18n.command("extract")
@click.option("--verbose", is_flag=True, help="List every file read.")
def extract_command(verbose: bool) -> None:
    """Read the source and write web/translations/messages.pot."""
    template = catalogues.extract(progress=verbose)
    path = catalogues.write_template(template)
    click.echo(f"{len(template)} msgids → {path.relative_to(catalogues.ROOT)}")


@i18n.command("update")
@click.option("--verbose", is_flag=True, help="List every file read.")
def update_command(verbose: bool) -> None:
    """Extract, then merge into the sv and en catalogues (sv msgstr = msgid) and compile them."""
    template = catalogues.extract(progress=verbose)
    catalogues.write_template(template)
    untranslated = catalogues.update(template)
    catalogues.compile_all()
    click.echo(f"{len(template)} msgids; untranslated: " + ", ".join(f"{k} {v}" for k, v in untranslated.items()))
    if untranslated.get("en"):
        click.echo("Translate the empty msgstr in web/translations/en/LC_MESSAGES/messages.po, then run `check`.")


@i18n.command("check")
def check_command() -> None:
    """Fail, listing them, if any msgid in the source is missing, untranslated or fuzzy in a catalogue."""
    problems = catalogues.check()
    if problems:
        click.echo(catalogues.describe(problems), err=True)
        raise click.ClickException(f"{len(problems)} problems in the catalogues (see above).")
    click.echo("The sv and en catalogues are complete.")


@i18n.command("compile")
def compile_command() -> None:
    """Compile both catalogues to .mo (what `make translations` does with pybabel)."""
    for path in catalogues.compile_all():
        click.echo(str(path.relative_to(catalogues.ROOT)))


commands = [i18n]
