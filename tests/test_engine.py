"""The per-database settings every engine of the app gets (models.db.make_engine)."""

from __future__ import annotations

import sqlalchemy as sa

from models.db import make_engine


def test_the_database_plans_each_statement_with_its_values(database_url) -> None:
    """On PostgreSQL every connection plans with the values (no generic plans on long-lived
    workers); on SQLite every connection enforces foreign keys and waits for a busy writer."""
    engine = make_engine(database_url)
    try:
        with engine.connect() as conn:
            if engine.dialect.name == "postgresql":
                assert conn.scalar(sa.text("SHOW plan_cache_mode")) == "force_custom_plan"
            else:
                assert conn.scalar(sa.text("PRAGMA foreign_keys")) == 1
                assert conn.scalar(sa.text("PRAGMA busy_timeout")) > 0
    finally:
        engine.dispose()
