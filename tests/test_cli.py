"""The first admin is created from the command line; there is no default password."""

from __future__ import annotations

import sqlalchemy as sa

from models import User
from models.enums import Role


def test_create_admin_with_password_flag(runner, db) -> None:
    result = runner.invoke(
        args=["create-user", "--role", "admin", "--email", "Chef@Test.Example", "--password", "ett-langt-losenord-1"]
    )
    assert result.exit_code == 0, result.output
    user = db.scalars(sa.select(User)).one()
    assert user.email == "chef@test.example" and user.role == Role.ADMIN
    assert user.password_hash.startswith("scrypt:")


def test_create_user_prompts_for_password(runner, db) -> None:
    result = runner.invoke(
        args=["create-user", "--role", "steering", "--email", "s@test.example"],
        input="ett-langt-losenord-2\nett-langt-losenord-2\n",
    )
    assert result.exit_code == 0, result.output
    assert db.scalar(sa.select(sa.func.count()).select_from(User)) == 1


def test_create_user_refuses_weak_password_and_employer_without_company(runner, db) -> None:
    weak = runner.invoke(args=["create-user", "--role", "admin", "--email", "a@test.example", "--password", "kort"])
    assert weak.exit_code != 0 and "minst 12 tecken" in weak.output
    employer = runner.invoke(
        args=["create-user", "--role", "employer", "--email", "e@test.example", "--password", "ett-langt-losenord-3"]
    )
    assert employer.exit_code != 0 and "företag" in employer.output
    assert db.scalar(sa.select(sa.func.count()).select_from(User)) == 0
