"""Command-line tools: `flask --app web <command>`. Long jobs show progress."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
import sqlalchemy as sa
from flask import Flask, current_app
from flask.cli import AppGroup, with_appcontext

from models import Organisation, User
from models.enums import Role
from models.operations import accounts as account_ops
from models.operations import user_admin
from models.operations.errors import DomainError

from .extensions import db

if TYPE_CHECKING:
    from alembic.config import Config as AlembicConfig

ROOT = Path(__file__).resolve().parent.parent


# Alembic (with Mako and Pygments, ~10 MB per process) is imported by the db commands only, not
# by every web worker that registers them.
def alembic_config(url: str) -> AlembicConfig:
    from alembic.config import Config as AlembicConfig

    cfg = AlembicConfig(str(ROOT / "alembic.ini"))
    cfg.attributes["url"] = url
    return cfg


db_group = AppGroup("db", help="Database migrations (Alembic).")


@db_group.command("upgrade")
@click.argument("revision", default="head")
def db_upgrade(revision: str) -> None:
    """Apply migrations up to REVISION (default: head)."""
    from alembic import command as alembic_command

    alembic_command.upgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)


@db_group.command("downgrade")
@click.argument("revision", default="-1")
def db_downgrade(revision: str) -> None:
    """Revert migrations down to REVISION (default: one step; 'base' for all)."""
    from alembic import command as alembic_command

    alembic_command.downgrade(alembic_config(current_app.config["DATABASE_URL"]), revision)


@db_group.command("current")
def db_current() -> None:
    from alembic import command as alembic_command

    alembic_command.current(alembic_config(current_app.config["DATABASE_URL"]))


@click.command("create-user")
@with_appcontext
@click.option("--email", required=True)
@click.option("--name", default="")
@click.option("--role", type=click.Choice([r.value for r in Role]), required=True)
@click.option("--organisation", "organisation_name", default=None, help="Organisation short name.")
@click.option("--company-id", type=int, default=None, help="For employer accounts.")
@click.password_option(help="Prompted for when not given.")
def create_user_command(
    email: str,
    name: str,
    role: str,
    organisation_name: str | None,
    company_id: int | None,
    password: str,
) -> None:
    """Create an account. The first admin is made this way: there is no default password."""
    from models import Company

    session = db.session
    organisation = None
    if organisation_name:
        organisation = session.scalar(
            sa.select(Organisation).where(
                sa.or_(Organisation.short_name == organisation_name, Organisation.name == organisation_name)
            )
        )
        if organisation is None:
            raise click.BadParameter(f"no organisation named {organisation_name!r}", param_hint="--organisation")
    company = session.get(Company, company_id) if company_id else None
    if company_id and company is None:
        raise click.BadParameter(f"no company with id {company_id}", param_hint="--company-id")
    try:
        user_admin.check_party(Role(role), organisation)
        user = account_ops.create_user(
            session,
            email=email,
            name=name or email,
            password=password,
            role=Role(role),
            organisation=organisation,
            company=company,
        )
    except DomainError as exc:
        session.rollback()
        raise click.ClickException(exc.message) from exc
    session.commit()
    click.echo(f"Created {user.role} account {user.email} (id {user.id}).")


@click.command("seed-demo")
@with_appcontext
@click.option("--candidates", default=300, show_default=True)
@click.option("--companies", default=120, show_default=True)
@click.option("--seed", default=20201, show_default=True, help="Random seed: same seed, same data.")
def seed_demo_command(candidates: int, companies: int, seed: int) -> None:
    """Fill the database with a synthetic partnership (idempotent: a second run adds nothing)."""
    from models.demo import DEMO_PASSWORD, seed_demo

    from .extensions import pin_vault

    result = seed_demo(
        db.session, pin_vault(), n_candidates=candidates, n_companies=companies, seed=seed,
        progress=True,
    )
    db.session.commit()
    if result.created:
        click.echo(f"Demo data created: {result.summary}.")
    else:
        click.echo("Demo data already present; nothing added.")
    _ensure_signed_off_quarter()
    _ensure_active_ranker()
    click.echo(f"\nDemo logins (password for all: {DEMO_PASSWORD}):")
    users = db.session.scalars(
        sa.select(User).where(User.email.in_(result.login_emails)).order_by(User.role, User.email)
    )
    for user in users:
        click.echo(f"  {user.role.value:<16} {user.email}")


def _ensure_signed_off_quarter() -> None:
    """The demo shows one quarter the steering group has signed off (its kept report is made by
    the web layer, in Swedish, as for any quarter)."""
    from .signoff.demo import sign_off_demo_quarter

    with current_app.test_request_context(base_url=current_app.config["PUBLIC_BASE_URL"]):
        signoff = sign_off_demo_quarter()
        db.session.commit()
    if signoff is not None:
        click.echo(f"Quarter {signoff.quarter} compiled and signed off by the demo's steering group.")


def _ensure_active_ranker() -> None:
    """The demo ships with a trained ranker: train one on the seeded history unless a model is
    already active (so running seed-demo again adds no registry rows)."""
    from models import RankerModel
    from models.operations.ranker_registry import train_and_maybe_activate

    if db.session.scalar(sa.select(RankerModel.id).where(RankerModel.active.is_(True))) is not None:
        return
    click.echo("Training the ranker on the demo history ...")
    model = train_and_maybe_activate(db.session, current_app.config["MODEL_DIR"])
    db.session.commit()
    if model is not None and model.active:
        click.echo(f"Ranker model {model.id} is active (trained on {model.n_history} proposals).")


@click.command("refresh-caches")
@with_appcontext
def refresh_caches_command() -> None:
    """Compute every kept result again (the quarterly report, the ranked lists) at its next
    reading. Nothing should need it: the database counts every committed change itself
    (models/changes.py), including those made with psql."""
    from models import changes

    changes.raise_generation(db.session)
    db.session.commit()
    click.echo(f"Data generation raised to {changes.current(db.session).n}: kept results are computed again.")


def register_cli(app: Flask) -> None:
    app.cli.add_command(db_group)
    app.cli.add_command(refresh_caches_command)
    app.cli.add_command(create_user_command)
    app.cli.add_command(seed_demo_command)
