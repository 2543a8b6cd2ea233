"""`backup PATH` and `restore PATH`: back up, change the data, restore, and find the data as it
was at the backup, on SQLite (online backup API) and PostgreSQL (pg_dump / pg_restore)."""

from __future__ import annotations

import os
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa

from models import AuditEvent, Base, Candidate, Company, User, Visit
from models.enums import Role
from web import create_app

from .conftest import TEST_DB, create_pg_database, drop_pg_database, test_config
from .factories import Factory

COMPARED = (User, Company, Candidate, Visit)


@pytest.fixture
def own_app(tmp_path: Path) -> Iterator[Any]:
    """An app on a database of its own: restoring must not disturb the suite's database."""
    url = create_pg_database("iop_backup") if TEST_DB == "postgresql" else f"sqlite:///{tmp_path / 'live.sqlite'}"
    app = create_app(test_config(url))
    with app.app_context():
        engine = app.extensions["database"].engine
        Base.metadata.create_all(engine)
    yield app
    app.extensions["database"].engine.dispose()
    if TEST_DB == "postgresql":
        drop_pg_database(url)


def _snapshot(session: Any) -> dict[str, list[tuple[Any, ...]]]:
    session.expire_all()
    return {
        model.__tablename__: [
            tuple(row) for row in session.execute(sa.select(model.__table__).order_by(model.__table__.c.id))
        ]
        for model in COMPARED
    }


def test_backup_change_restore_gives_back_the_data(own_app, tmp_path: Path) -> None:
    session = own_app.extensions["database"].factory()
    make = Factory(session)
    visit = make.visit()
    make.user(Role.STEERING)
    session.commit()
    visit_id, candidate_id = visit.id, visit.candidate_id
    saved = _snapshot(session)
    session.close()

    runner = own_app.test_cli_runner()
    path = tmp_path / "backups" / "iop.backup"
    result = runner.invoke(args=["backup", str(path)])
    assert result.exit_code == 0, result.output
    assert path.stat().st_size > 0

    session = own_app.extensions["database"].factory()
    session.get(Candidate, candidate_id).first_name = "Ändrad"
    session.delete(session.get(Visit, visit_id))
    Factory(session).company()
    session.commit()
    assert _snapshot(session) != saved
    session.close()

    result = runner.invoke(args=["restore", str(path)], input="y\n")
    assert result.exit_code == 0, result.output
    assert "restored" in result.output

    session = own_app.extensions["database"].factory()
    assert _snapshot(session) == saved
    actions = session.scalars(sa.select(AuditEvent.action).order_by(AuditEvent.id)).all()
    assert actions[-1] == "database_restored"
    session.close()


def test_backup_refuses_to_overwrite_and_restore_refuses_a_file_that_is_no_backup(own_app, tmp_path: Path) -> None:
    runner = own_app.test_cli_runner()
    existing = tmp_path / "exists.backup"
    existing.write_bytes(b"old backup")
    result = runner.invoke(args=["backup", str(existing)])
    assert result.exit_code != 0 and "finns redan" in result.output
    assert existing.read_bytes() == b"old backup"

    session = own_app.extensions["database"].factory()
    Factory(session).company()
    session.commit()
    before = _snapshot(session)
    session.close()
    not_a_backup = tmp_path / "notes.txt"
    not_a_backup.write_text("hello, this is not a database\n" * 50)
    result = runner.invoke(args=["restore", "--yes", str(not_a_backup)])
    assert result.exit_code != 0
    session = own_app.extensions["database"].factory()
    assert _snapshot(session) == before  # nothing was touched
    session.close()


def test_a_backup_is_readable_by_its_owner_only(own_app, tmp_path: Path) -> None:
    """It holds every case: mode 0600 even when the umask would let the group and others read."""
    path = tmp_path / "backups" / "iop.backup"
    umask = os.umask(0o022)
    try:
        result = own_app.test_cli_runner().invoke(args=["backup", str(path)])
    finally:
        os.umask(umask)
    assert result.exit_code == 0, result.output
    assert path.stat().st_size > 0
    assert stat.S_IMODE(path.stat().st_mode) == 0o600


def test_restore_asks_before_replacing_everything(own_app, tmp_path: Path) -> None:
    runner = own_app.test_cli_runner()
    path = tmp_path / "iop.backup"
    assert runner.invoke(args=["backup", str(path)]).exit_code == 0
    session = own_app.extensions["database"].factory()
    Factory(session).company()
    session.commit()
    session.close()
    result = runner.invoke(args=["restore", str(path)], input="n\n")
    assert result.exit_code != 0 and "Aborted" in result.output
    session = own_app.extensions["database"].factory()
    assert session.scalar(sa.select(sa.func.count()).select_from(Company)) == 1
    session.close()
