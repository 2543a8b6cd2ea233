"""Alembic environment: migrates the database named by DATABASE_URL (or the one the caller
passes in `config.attributes["url"]`), with batch mode on SQLite."""

from __future__ import annotations

import os
from logging.config import fileConfig

from alembic import context
from sqlalchemy.types import TypeDecorator

from models import Base, changes, make_engine

config = context.config
if config.config_file_name is not None and config.attributes.get("configure_logger", True):
    fileConfig(config.config_file_name, disable_existing_loggers=False)

target_metadata = Base.metadata


def _url() -> str:
    url = config.attributes.get("url") or os.environ.get("DATABASE_URL")
    if not url:
        from web.config import from_env

        url = from_env()["DATABASE_URL"]
    return url


def run_migrations_offline() -> None:
    url = _url()
    context.configure(
        url=url,
        target_metadata=target_metadata,
        literal_binds=True,
        render_as_batch=url.startswith("sqlite"),
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(_url())
    with engine.connect() as conn:
        _run(conn)
        # On SQLite Alembic's transaction is not a real one: what ran after the last migration
        # (the counting triggers) is committed here.
        conn.commit()
    engine.dispose()


def _render_item(type_: str, obj: object, autogen_context: object) -> str | bool:
    """Write the product's column types as their plain storage types, so that a migration
    never depends on model code that may change after it was written."""
    if type_ == "type" and isinstance(obj, TypeDecorator):
        return f"sa.{obj.impl!r}"
    return False


def _run(connection) -> None:  # type: ignore[no-untyped-def]
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()
        # Every table, old or just added, counts its changes (models/changes.py).
        changes.install(connection)


if context.is_offline_mode():
    run_migrations_offline()
else:
    run_migrations_online()
