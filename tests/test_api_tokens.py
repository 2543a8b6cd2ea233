"""Personal API tokens from the command line and on the token page: shown once, hash stored,
listed and revoked by their owner, and by admins for anyone."""

from __future__ import annotations

import hashlib

import pytest
import sqlalchemy as sa

from models import ApiToken, AuditEvent

from .test_api_support import ROLES

pytest_plugins = ("tests.test_api_support",)


# --- the command line ------------------------------------------------------------------------
def test_create_token_prints_the_secret_once_and_stores_its_hash(runner, make, db, api) -> None:
    user = make.user("project_leader", email="pl@test.example")
    make.session.commit()
    result = runner.invoke(args=["create-token", "PL@test.example", "--name", "Statistik", "--expires-days", "30"])
    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    assert secret.startswith("iop_") and "\n" not in secret
    assert "cannot be shown again" in result.stderr
    row = db.scalars(sa.select(ApiToken)).one()
    assert row.user_id == user.id and row.name == "Statistik"
    assert row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    assert 29 <= (row.expires_at - row.created_at).days <= 30
    assert api.get("/api/v1/me", headers={"Authorization": f"Bearer {secret}"}).get_json()["id"] == user.id


def test_create_token_without_expiry_and_for_an_unknown_account(runner, make, db) -> None:
    make.user("steering", email="s@test.example")
    make.session.commit()
    ok = runner.invoke(args=["create-token", "s@test.example"])
    assert ok.exit_code == 0 and db.scalars(sa.select(ApiToken)).one().expires_at is None
    unknown = runner.invoke(args=["create-token", "nobody@test.example"])
    assert unknown.exit_code != 0 and "no account" in unknown.output
    too_long = runner.invoke(args=["create-token", "s@test.example", "--expires-days", "5000"])
    assert too_long.exit_code != 0 and "Giltighetstiden" in too_long.output


def test_revoke_token_from_the_command_line(runner, tokens, api, db) -> None:
    _user, headers = tokens.headers("admin")
    token_id = db.scalars(sa.select(ApiToken.id)).one()
    result = runner.invoke(args=["revoke-token", str(token_id)])
    assert result.exit_code == 0, result.output
    assert api.get("/api/v1/me", headers=headers).status_code == 401
    again = runner.invoke(args=["revoke-token", str(token_id)])
    assert again.exit_code != 0 and "redan återkallad" in again.output


# --- the token page --------------------------------------------------------------------------
@pytest.mark.parametrize("role", ROLES)
def test_every_role_creates_a_token_and_sees_it_once(client, auth, db, role) -> None:
    user = auth.login(role)
    page = client.get("/api-nycklar")
    assert page.status_code == 200 and "Skapa en ny nyckel" in page.get_data(as_text=True)
    created = client.post("/api-nycklar", data={"name": "Mitt skript", "expires_days": "90"})
    html = created.get_data(as_text=True)
    assert created.status_code == 200 and "visas bara den här gången" in html
    row = db.scalars(sa.select(ApiToken)).one()
    secret = next(word.split('"')[0] for word in html.split('value="')[1:] if word.startswith("iop_"))
    assert row.user_id == user.id and row.token_hash == hashlib.sha256(secret.encode()).hexdigest()
    listing = client.get("/api-nycklar").get_data(as_text=True)
    assert "Mitt skript" in listing and secret not in listing
    assert db.scalars(sa.select(AuditEvent).where(AuditEvent.action == "api_token_created")).one().actor_id == user.id


def test_a_token_needs_a_name(client, auth, db) -> None:
    auth.login("employer")
    response = client.post("/api-nycklar", data={"name": "  ", "expires_days": "30"})
    assert response.status_code == 422 and "Ge nyckeln ett namn" in response.get_data(as_text=True)
    assert db.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0


def test_the_owner_revokes_a_token_and_it_stops_working(client, auth, tokens, api, db) -> None:
    user = auth.login("welfare_officer")
    _user, headers = tokens.headers(user)
    assert api.get("/api/v1/me", headers=headers).status_code == 200
    token_id = db.scalars(sa.select(ApiToken.id)).one()
    response = client.post(f"/api-nycklar/{token_id}/aterkalla")
    assert response.status_code == 302
    assert api.get("/api/v1/me", headers=headers).status_code == 401
    assert "Återkallad" in client.get("/api-nycklar").get_data(as_text=True)


def test_nobody_else_but_an_admin_may_revoke_a_token(client, auth, tokens, db, api) -> None:
    _owner, headers = tokens.headers("project_leader", name="Ägarens nyckel")
    token_id = db.scalars(sa.select(ApiToken.id)).one()
    auth.login("project_leader")
    assert client.post(f"/api-nycklar/{token_id}/aterkalla").status_code == 403
    assert "Ägarens nyckel" not in client.get("/api-nycklar").get_data(as_text=True)
    assert client.get("/api-nycklar/alla").status_code == 403
    assert api.get("/api/v1/me", headers=headers).status_code == 200


def test_an_admin_lists_everyone_s_tokens_and_revokes_any(client, auth, tokens, db, api) -> None:
    owner, headers = tokens.headers("employer", name="Företagets integration")
    token_id = db.scalars(sa.select(ApiToken.id)).one()
    admin = auth.login("admin")
    listing = client.get("/api-nycklar/alla").get_data(as_text=True)
    assert "Företagets integration" in listing and owner.email in listing
    response = client.post(f"/api-nycklar/{token_id}/aterkalla")
    assert response.status_code == 302 and response.headers["Location"].endswith("/api-nycklar/alla")
    assert api.get("/api/v1/me", headers=headers).status_code == 401
    event = db.scalars(sa.select(AuditEvent).where(AuditEvent.action == "api_token_revoked")).one()
    assert event.actor_id == admin.id and event.details["owner_id"] == owner.id


def test_the_token_page_needs_a_login(client) -> None:
    response = client.get("/api-nycklar")
    assert response.status_code == 302 and "/login" in response.headers["Location"]
