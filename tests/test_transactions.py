"""The request boundary (web/transactions.py): one commit when a view succeeds, a rollback
when it raises or answers with an error, a refusal shown on the page the view declared, a
race lost at the commit answered as a conflict, and no view that commits by itself."""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from flask import g, render_template_string
from flask_wtf import FlaskForm
from sqlalchemy import event
from sqlalchemy.orm import Session
from wtforms import StringField

from models import AuditEvent, User
from models.enums import Role
from models.operations import audit as audit_ops
from models.operations.companies import STALE_MESSAGE
from models.operations.errors import Conflict, DomainError
from models.system import UsedLinkToken
from web import create_app
from web.admin import views as admin_views
from web.api import companies as api_companies
from web.errors import form_on_page
from web.extensions import db as web_db

from .conftest import test_config
from .logins import log_in_as
from .test_api_support import assert_problem

pytest_plugins = ("tests.test_api_support",)

WEB = Path(__file__).resolve().parents[1] / "web"
FORM_PAGE = "<form>{% for e in form.name.errors %}<p class=field>{{ e }}</p>{% endfor %}" \
            "{% for e in form.form_errors %}<p class=form>{{ e }}</p>{% endfor %}</form>"


class NameForm(FlaskForm):
    name = StringField()


def _note(action: str) -> None:
    """A row written by the request, flushed (as a domain operation leaves it)."""
    audit_ops.record(web_db.session, action)
    web_db.session.flush()


def _count(db: Session, action: str) -> int:
    return db.scalar(sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.action == action)) or 0


@pytest.fixture(scope="module")
def probe_app(app: Any, database_url: str) -> Iterator[Any]:
    """An app of its own with a few views that write and then fail in each way there is."""
    application = create_app(test_config(database_url))

    @application.route("/_probe/raises", methods=["POST"])
    def raises() -> Any:
        _note("probe_raised")
        raise RuntimeError("a bug after the operation flushed")

    @application.route("/_probe/answers-400", methods=["POST"])
    def answers_400() -> Any:
        _note("probe_400")
        return "no", 400

    @application.route("/_probe/refused/<kind>", methods=["POST"])
    def refused(kind: str) -> Any:
        form = NameForm()
        form_on_page(form, lambda: render_template_string(FORM_PAGE, form=form))
        _note("probe_refused")
        if kind == "field":
            raise DomainError("Namnet är upptaget.", field="name")
        raise Conflict("Någon annan hann före.")

    @application.route("/_probe/refused-without-page", methods=["POST"])
    def refused_without_page() -> Any:
        _note("probe_refused")
        raise Conflict("Någon annan hann före.")

    @application.route("/_probe/duplicate/<nonce>", methods=["POST"])
    def duplicate(nonce: str) -> Any:
        form = NameForm()
        form_on_page(form, lambda: render_template_string(FORM_PAGE, form=form))
        _note("probe_duplicate")
        web_db.session.add(UsedLinkToken(nonce=nonce, purpose="probe"))  # fails only at the commit
        return "saved"

    @application.route("/_probe/ok", methods=["POST"])
    def ok() -> Any:
        _note("probe_ok")
        _note("probe_ok")
        return "saved"

    yield application
    with application.app_context():
        web_db.engine.dispose()


@pytest.fixture
def probe(probe_app: Any, app: Any) -> Any:
    return probe_app.test_client()


def test_a_view_that_raises_after_its_operation_flushed_leaves_nothing(probe, db) -> None:
    response = probe.post("/_probe/raises")
    assert response.status_code == 500
    assert _count(db, "probe_raised") == 0


def test_an_error_answer_rolls_back_what_the_view_wrote(probe, db) -> None:
    assert probe.post("/_probe/answers-400").status_code == 400
    assert _count(db, "probe_400") == 0


@pytest.mark.parametrize(("kind", "status", "where"), [("field", 422, "field"), ("conflict", 409, "form")])
def test_a_refusal_shows_the_declared_form_with_its_message_and_status(probe, db, kind, status, where) -> None:
    response = probe.post(f"/_probe/refused/{kind}")
    assert response.status_code == status
    html = response.get_data(as_text=True)
    message = "Namnet är upptaget." if kind == "field" else "Någon annan hann före."
    assert f"<p class={where}>{message}</p>" in html
    assert _count(db, "probe_refused") == 0


def test_a_refusal_without_a_declared_page_keeps_its_status_and_message(probe, db) -> None:
    response = probe.post("/_probe/refused-without-page")
    assert response.status_code == 409
    assert "Någon annan hann före." in response.get_data(as_text=True)
    assert _count(db, "probe_refused") == 0


def test_a_real_form_shows_the_refusal_on_its_field_and_saves_nothing(client, make, db, vault) -> None:
    log_in_as(client, make, vault, Role.ADMIN)
    taken = make.user(Role.STEERING, email="upptagen@test.example")
    db.commit()
    before = db.scalar(sa.select(sa.func.count()).select_from(User))
    response = client.post(
        "/admin/konton/nytt",
        data={"name": "Ny Person", "email": taken.email,
        "role": "project_leader", "organisation": 0, "company": 0},
    )
    assert response.status_code in (409, 422)
    assert 'name="email"' in response.get_data(as_text=True)  # the form again, with what was typed
    assert db.scalar(sa.select(sa.func.count()).select_from(User)) == before
    assert _count(db, "user_created") == 0


def test_a_unique_key_lost_at_the_commit_is_a_409_with_the_form_not_a_500(probe, db) -> None:
    db.add(UsedLinkToken(nonce="taken", purpose="probe"))
    db.commit()
    response = probe.post("/_probe/duplicate/taken")
    assert response.status_code == 409
    assert str(STALE_MESSAGE) in response.get_data(as_text=True)
    assert _count(db, "probe_duplicate") == 0
    assert probe.post("/_probe/duplicate/free").status_code == 200  # the same view, no race
    assert _count(db, "probe_duplicate") == 1


def test_a_unique_key_lost_at_the_commit_in_the_api_is_a_409_problem(api, tokens, db, monkeypatch) -> None:
    _user, headers = tokens.headers("project_leader")
    db.add(UsedLinkToken(nonce="api-taken", purpose="probe"))
    db.commit()
    create = api_companies.company_ops.create_company

    def create_and_lose_a_race(session, data):  # type: ignore[no-untyped-def]
        company = create(session, data)
        session.add(UsedLinkToken(nonce="api-taken", purpose="probe"))  # written at the commit
        return company

    monkeypatch.setattr(api_companies.company_ops, "create_company", create_and_lose_a_race)
    body = {"name": "Racet AB", "org_number": "556036-0793", "size_class": "small", "network": "both"}
    assert_problem(api.post("/api/v1/companies", json=body, headers=headers), 409)
    assert _count(db, "company_created") == 0


def test_a_unique_key_lost_in_a_page_s_own_operation_is_a_409(client, make, db, vault, monkeypatch) -> None:
    log_in_as(client, make, vault, Role.ADMIN)
    db.add(UsedLinkToken(nonce="page-taken", purpose="probe"))
    db.commit()
    create = admin_views.user_admin.create_account

    def create_and_lose_a_race(session, **kwargs):  # type: ignore[no-untyped-def]
        user = create(session, **kwargs)
        session.add(UsedLinkToken(nonce="page-taken", purpose="probe"))
        return user

    monkeypatch.setattr(admin_views.user_admin, "create_account", create_and_lose_a_race)
    response = client.post(
        "/admin/konton/nytt",
        data={"name": "Ny Person", "email": "ny@test.example",
        "role": "project_leader", "organisation": 0, "company": 0},
    )
    assert response.status_code == 409
    assert str(STALE_MESSAGE) in response.get_data(as_text=True)
    assert db.scalar(sa.select(User).where(User.email == "ny@test.example")) is None


def test_a_successful_post_commits_once(probe_app, probe, db) -> None:
    commits: list[Session] = []

    def counted(session: Session) -> None:
        if session is g.get("_db_session"):  # the request's session, not a record of its own
            commits.append(session)

    event.listen(Session, "after_commit", counted)
    try:
        response = probe.post("/_probe/ok")
    finally:
        event.remove(Session, "after_commit", counted)
    assert response.status_code == 200
    assert len(commits) == 1
    assert _count(db, "probe_ok") == 2


def test_a_real_form_post_commits_once(client, make, db, vault) -> None:
    log_in_as(client, make, vault, Role.ADMIN)
    commits: list[Session] = []

    def counted(session: Session) -> None:
        if session is g.get("_db_session"):
            commits.append(session)

    event.listen(Session, "after_commit", counted)
    try:
        response = client.post(
            "/admin/konton/nytt",
            data={"name": "En Gång", "email": "en@test.example",
            "role": "project_leader", "organisation": 0, "company": 0},
        )
    finally:
        event.remove(Session, "after_commit", counted)
    assert response.status_code == 302
    assert len(commits) == 1
    assert db.scalar(sa.select(User).where(User.email == "en@test.example")) is not None


# Modules that may end a transaction themselves: the boundary, and the command line (not requests).
ALLOWED = {"transactions.py", "cli.py", "imports.py"}
FORBIDDEN = re.compile(r"\.commit\(\)|\.rollback\(\)|except\s+\(?[\w., ]*DomainError")


def test_no_view_commits_rolls_back_or_catches_domain_errors_itself() -> None:
    offenders = [
        f"{path.relative_to(WEB.parent)}:{number}: {line.strip()}"
        for path in sorted(WEB.rglob("*.py"))
        if path.name not in ALLOWED or (path.name == "imports.py" and path.parent != WEB)
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        if FORBIDDEN.search(line)
    ]
    assert not offenders, "commit once at the request boundary (web/transactions.py):\n" + "\n".join(offenders)
