"""`flask --app web create-token EMAIL` prints a personal API token once; `revoke-token ID`
ends one. Only a hash of the token is stored."""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import with_appcontext

from models import ApiToken, User
from models.operations import api_tokens
from models.operations import audit as audit_ops
from models.operations.errors import DomainError

from ..extensions import db


@click.command("create-token")
@with_appcontext
@click.argument("email")
@click.option("--name", default="cli", show_default=True, help="What the token is for.")
@click.option("--expires-days", type=int, default=None, help="Days until it stops working (default: never).")
def create_token(email: str, name: str, expires_days: int | None) -> None:
    """Create an API token for the account EMAIL and print it (it is not shown again)."""
    session = db.session
    user = session.scalar(sa.select(User).where(User.email == email.strip().lower()))
    if user is None:
        raise click.BadParameter(f"no account with email {email!r}", param_hint="EMAIL")
    try:
        token, raw = api_tokens.issue_token(session, user, name=name, expires_days=expires_days)
    except DomainError as exc:
        session.rollback()
        raise click.ClickException(exc.message) from exc
    audit_ops.record(session, "api_token_created", actor=None, target=token, owner_id=user.id, via="cli")
    session.commit()
    expiry = f"expires {token.expires_at:%Y-%m-%d %H:%M} UTC" if token.expires_at else "does not expire"
    click.echo(f"Token {token.id} for {user.email} ({user.role.value}), {expiry}.", err=True)
    click.echo("Store it now; it cannot be shown again:", err=True)
    click.echo(raw)


@click.command("revoke-token")
@with_appcontext
@click.argument("token_id", type=int)
def revoke_token(token_id: int) -> None:
    """Revoke the API token with id TOKEN_ID (from the token page or create-token's output)."""
    session = db.session
    token = session.get(ApiToken, token_id)
    if token is None:
        raise click.BadParameter(f"no token with id {token_id}", param_hint="TOKEN_ID")
    try:
        api_tokens.revoke_token(session, token)
    except DomainError as exc:
        session.rollback()
        raise click.ClickException(exc.message) from exc
    audit_ops.record(session, "api_token_revoked", actor=None, target=token, owner_id=token.user_id, via="cli")
    session.commit()
    click.echo(f"Token {token_id} revoked.")


commands = [create_token, revoke_token]
