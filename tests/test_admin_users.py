"""Administering accounts: search, create with an emailed set-password link, change,
deactivate (ending sessions at once), password reset and second-factor reset."""

from __future__ import annotations

import re

import sqlalchemy as sa

from models import AuditEvent, OutboxMessage, User
from models.enums import Role

from .factories import PASSWORD
from .logins import enrol_totp, log_in, log_in_as


def _link_path(db, email: str) -> str:
    message = db.scalars(
        sa.select(OutboxMessage).where(OutboxMessage.to_addr == email).order_by(OutboxMessage.id.desc())
    ).first()
    assert message is not None, f"no email to {email}"
    return re.search(r"https?://[^/\s]+(/konto/valj-losenord/\S+)", message.body_text).group(1)


def test_admin_lists_and_searches_accounts(client, make, db, vault) -> None:
    log_in_as(client, make, vault, Role.ADMIN)
    make.user(Role.STEERING, name="Stina Styrgrupp", email="stina@test.example")
    make.user(Role.PROJECT_LEADER, name="Petra Projekt", email="petra@test.example")
    make.user(Role.STEERING, name="Gamle Gunnar", email="gunnar@test.example", active=False)
    db.commit()

    html = client.get("/admin/konton?q=STINA").get_data(as_text=True)
    assert "Stina Styrgrupp" in html and "Petra Projekt" not in html
    html = client.get("/admin/konton?role=project_leader").get_data(as_text=True)
    assert "Petra Projekt" in html and "Stina Styrgrupp" not in html
    assert "Gamle Gunnar" not in client.get("/admin/konton").get_data(as_text=True)  # active by default
    html = client.get("/admin/konton?status=inactive").get_data(as_text=True)
    assert "Gamle Gunnar" in html and "Stina Styrgrupp" not in html
    # a search for "%" matches the character, not everything
    assert "Inga konton matchar" in client.get("/admin/konton?q=%25").get_data(as_text=True)


def test_new_account_gets_a_single_use_link_to_choose_a_password(app, client, make, db, vault) -> None:
    unit = make.organisation(name="Enhet Norr")
    db.commit()
    log_in_as(client, make, vault, Role.ADMIN)
    response = client.post(
        "/admin/konton/nytt",
        data={"name": "Hanna Handläggare", "email": "Hanna@Test.Example", "role": "welfare_officer",
              "organisation": unit.id, "company": 0},
    )
    assert response.status_code == 302
    user = db.scalars(sa.select(User).where(User.email == "hanna@test.example")).one()
    assert user.role == Role.WELFARE_OFFICER and user.organisation_id == unit.id
    audit = db.scalars(sa.select(AuditEvent).where(AuditEvent.action == "user_created")).one()
    assert audit.target_id == user.id and "Hanna" not in str(audit.details)

    path = _link_path(db, "hanna@test.example")
    visitor = app.test_client()
    assert "Välj lösenord" in visitor.get(path).get_data(as_text=True)
    weak = visitor.post(path, data={"password": "password1234", "confirm": "password1234"})
    assert weak.status_code == 422
    done = visitor.post(path, data={"password": "en-egen-lang-fras", "confirm": "en-egen-lang-fras"})
    assert done.status_code == 302 and done.headers["Location"].endswith("/login")
    log_in(visitor, user, password="en-egen-lang-fras")
    assert visitor.get(path).status_code == 410  # used
    assert visitor.get(path[:-4] + "abcd").status_code == 404  # tampered


def test_account_rules_are_explained_and_nothing_is_saved(client, make, db, vault) -> None:
    log_in_as(client, make, vault, Role.ADMIN)
    before = db.scalar(sa.select(sa.func.count()).select_from(User))
    officer = client.post(
        "/admin/konton/nytt",
        data={"name": "Utan Enhet", "email": "ue@test.example", "role": "welfare_officer",
              "organisation": 0, "company": 0},
    )
    assert officer.status_code == 422
    assert "En handläggare måste höra till en enhet." in officer.get_data(as_text=True)
    employer = client.post(
        "/admin/konton/nytt",
        data={"name": "Utan Företag", "email": "uf@test.example", "role": "employer", "organisation": 0, "company": 0},
    )
    assert employer.status_code == 422
    assert "måste höra till ett företag" in employer.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(User)) == before
    assert db.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 0


def test_edit_changes_role_and_unit(client, make, db, vault) -> None:
    log_in_as(client, make, vault, Role.ADMIN)
    officer = make.user(Role.WELFARE_OFFICER)
    other_unit = make.organisation(name="Enhet Syd")
    db.commit()
    form = client.get(f"/admin/konton/{officer.id}/andra").get_data(as_text=True)
    assert officer.email in form
    response = client.post(
        f"/admin/konton/{officer.id}/andra",
        data={"name": officer.name, "email": officer.email, "role": "welfare_officer",
              "organisation": other_unit.id, "company": 0, "totp_required": "y"},
    )
    assert response.status_code == 302
    db.expire_all()
    changed = db.get(User, officer.id)
    assert changed.organisation_id == other_unit.id and changed.totp_required is True


def test_deactivation_logs_the_person_out_everywhere_at_once(app, client, make, db, vault) -> None:
    log_in_as(client, make, vault, Role.ADMIN)
    target = make.user(Role.PROJECT_LEADER)
    db.commit()
    elsewhere = app.test_client()
    log_in(elsewhere, target)
    assert elsewhere.get("/hjalp").status_code == 200

    assert client.post(f"/admin/konton/{target.id}/inaktivera").status_code == 302
    response = elsewhere.get("/account/password")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
    assert app.test_client().post("/login", data={"email": target.email, "password": PASSWORD}).status_code == 401

    assert client.post(f"/admin/konton/{target.id}/aktivera").status_code == 302
    log_in(app.test_client(), target)
    actions = db.scalars(sa.select(AuditEvent.action).where(AuditEvent.target_id == target.id)).all()
    assert {"user_deactivated", "user_reactivated"} <= set(actions)


def test_an_admin_cannot_lock_themselves_or_the_last_admin_out(client, make, db, vault) -> None:
    me = log_in_as(client, make, vault, Role.ADMIN)
    response = client.post(f"/admin/konton/{me.id}/inaktivera", follow_redirects=True)
    assert "Du kan inte inaktivera ditt eget konto." in response.get_data(as_text=True)
    response = client.post(
        f"/admin/konton/{me.id}/andra",
        data={"name": me.name, "email": me.email, "role": "steering", "organisation": 0, "company": 0},
    )
    assert response.status_code == 403
    db.expire_all()
    assert db.get(User, me.id).active and db.get(User, me.id).role == Role.ADMIN


def test_password_reset_stops_the_old_password_and_sends_a_link(app, client, make, db, vault) -> None:
    log_in_as(client, make, vault, Role.ADMIN)
    target = make.user(Role.STEERING)
    db.commit()
    elsewhere = app.test_client()
    log_in(elsewhere, target)

    assert client.post(f"/admin/konton/{target.id}/nytt-losenord").status_code == 302
    assert elsewhere.get("/account/password").status_code == 302  # logged out
    assert app.test_client().post("/login", data={"email": target.email, "password": PASSWORD}).status_code == 401
    path = _link_path(db, target.email)
    visitor = app.test_client()
    visitor.post(path, data={"password": "ny-lang-losenfras", "confirm": "ny-lang-losenfras"})
    log_in(visitor, target, password="ny-lang-losenfras")


def test_second_factor_reset_lets_the_owner_enrol_again(app, client, make, db, vault) -> None:
    log_in_as(client, make, vault, Role.ADMIN)
    other_admin = make.user(Role.ADMIN)
    db.commit()
    enrol_totp(db, other_admin, vault)
    assert client.post(f"/admin/konton/{other_admin.id}/nollstall-tvasteg").status_code == 302
    db.expire_all()
    assert db.get(User, other_admin.id).totp_secret is None
    response = log_in(app.test_client(), other_admin)  # password only now, then to enrolment
    assert response.headers["Location"].endswith("/konto/tvastegsverifiering")


def test_other_roles_are_refused_and_the_attempt_is_logged(client, auth, db) -> None:
    user = auth.login(Role.PROJECT_LEADER)
    assert client.get("/admin/konton").status_code == 403
    assert client.post(f"/admin/konton/{user.id}/inaktivera").status_code == 403
    denied = db.scalars(sa.select(AuditEvent).where(AuditEvent.action == "access_denied")).all()
    assert len(denied) == 2 and all(e.actor_id == user.id and not e.success for e in denied)
    db.expire_all()
    assert db.get(User, user.id).active
