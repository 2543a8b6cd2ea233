"""The first admin is created from the command line; there is no default password."""

from __future__ import annotations

import sqlalchemy as sa

from models import Organisation, User
from models.enums import OrganisationKind, Role


def test_create_admin_with_password_flag(runner, db) -> None:
    result = runner.invoke(
        args=["create-user", "--role", "admin", "--email", "Chef@Test.Example", "--password", "ett-langt-losenord-1"]
    )
    assert result.exit_code == 0, result.output
    user = db.scalars(sa.select(User)).one()
    assert user.email == "chef@test.example" and user.role == Role.ADMIN
    assert user.password_hash.startswith("scrypt:")


def test_create_user_prompts_for_password(runner, db) -> None:
    db.add(Organisation(name="Tillväxt Helsingborg", short_name="TH", kind=OrganisationKind.FOUNDATION))
    db.commit()
    result = runner.invoke(
        args=["create-user", "--role", "steering", "--organisation", "TH", "--email", "s@test.example"],
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


def test_create_selection_partner_bound_to_af_or_amf(runner, db) -> None:
    """`--role selection_partner --organisation AF|AMF`; any other organisation, or none, is refused."""
    db.add_all([
        Organisation(name="Arbetsförmedlingen", short_name="AF", kind=OrganisationKind.EMPLOYMENT_SERVICE),
        Organisation(name="Arbetsmarknadsförvaltningen", short_name="AMF", kind=OrganisationKind.MUNICIPALITY),
        Organisation(name="Helsingborgs IF", short_name="HIF", kind=OrganisationKind.CLUB),
    ])
    db.commit()
    base = ["create-user", "--role", "selection_partner", "--password", "ett-langt-losenord-4"]
    for email, org in (("af@test.example", "AF"), ("amf@test.example", "AMF")):
        result = runner.invoke(args=[*base, "--email", email, "--organisation", org])
        assert result.exit_code == 0, result.output
    for extra in (["--organisation", "HIF"], []):
        refused = runner.invoke(args=[*base, "--email", "x@test.example", *extra])
        assert refused.exit_code != 0 and "AF eller AMF" in refused.output
    partners = db.scalars(sa.select(User).where(User.role == Role.SELECTION_PARTNER).order_by(User.email)).all()
    assert [(u.email, u.organisation.short_name) for u in partners] == [
        ("af@test.example", "AF"), ("amf@test.example", "AMF")]
