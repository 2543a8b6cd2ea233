"""One's own account security: the second factor (TOTP) on and off, setting a password through
an emailed single-use link, and the gate that keeps an account which must have a second factor
out of the admin area (and, when an admin has required it, out of every page) until enrolled."""

from __future__ import annotations

import datetime as dt
from typing import Any

from flask import Blueprint, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from markupsafe import Markup

from models import User
from models.operations import accounts as account_ops
from models.operations import audit as audit_ops
from models.operations import two_factor as totp_ops
from models.operations import user_admin

from .. import links
from .. import permissions as perm
from ..auth.forms import CodeForm
from ..errors import form_on_page, form_page
from ..extensions import db, pin_vault
from ..helpers import audit, origin
from ..main.panels import Panel, register_panel
from ..notify import notify
from ..security import LOGIN_TOKEN_KEY
from .forms import SetPasswordForm

bp = Blueprint("account", __name__)

SET_PASSWORD_PURPOSE = "set-password"  # noqa: S105 (a link purpose, not a secret)
SET_PASSWORD_MAX_AGE = dt.timedelta(hours=24)
_PENDING_SECRET_KEY = "totp_pending"  # noqa: S105 (a session key; the value is encrypted)
# What someone who must enrol may still open: logging in and out, help, and the account pages.
_GATE_FREE = {
    "static",
    "auth.login",
    "auth.login_code",
    "auth.logout",
    "auth.change_password",
    "main.healthz",
    "main.set_language",
    "main.help_index",
    "main.accessibility",
}


@bp.before_app_request
def _second_factor_gate() -> Any:
    user = current_user
    if not user.is_authenticated or totp_ops.is_enrolled(user) or not totp_ops.required_for(user):
        return None
    if request.blueprint == "account":
        return None
    # An admin (who always needs the factor) may use the rest of the service while enrolling, but
    # not the admin area; an account an admin required it for may use nothing else.
    if request.blueprint == "admin" or (user.totp_required and request.endpoint not in _GATE_FREE):
        flash(_("Slå på tvåstegsverifiering för ditt konto innan du fortsätter."), "warning")
        return redirect(url_for("account.two_factor"))
    return None


def _restart_login_session(user: User) -> None:
    """End every login session of the user (a factor changed) and start a fresh one here."""
    account_ops.end_all_login_sessions(db.session, user)
    session[LOGIN_TOKEN_KEY] = account_ops.start_login_session(db.session, user, ip=request.remote_addr or "")


def _pending_secret() -> str:
    """The secret being enrolled, kept (encrypted) in the session so a reload shows the same one."""
    vault = pin_vault()
    stored = session.get(_PENDING_SECRET_KEY)
    if stored:
        try:
            return vault.decrypt(stored)
        except ValueError:
            pass
    secret = totp_ops.new_secret()
    session[_PENDING_SECRET_KEY] = vault.encrypt(secret)
    return secret


@bp.route("/konto/tvastegsverifiering", methods=["GET", "POST"], endpoint="two_factor")
@login_required
def two_factor_settings():  # type: ignore[no-untyped-def]
    user = current_user._get_current_object()
    form = CodeForm()
    if totp_ops.is_enrolled(user):
        return _page(form, user)
    secret = _pending_secret()
    if form.validate_on_submit():
        form_on_page(form, lambda: _page(form, user, secret))
        totp_ops.enrol(db.session, user, pin_vault(), secret, form.code.data or "")
        audit("totp_enrolled", user)
        _restart_login_session(user)
        session.pop(_PENDING_SECRET_KEY, None)
        flash(_("Tvåstegsverifiering är påslagen. Andra inloggningar har avslutats."), "success")
        return redirect(url_for("main.index"))
    return _page(form, user, secret)


def _page(form: CodeForm, user: User, secret: str = "", *, status: int = 200) -> tuple[str, int]:
    """The second-factor page: status and turning it off, or (with `secret`) enrolment."""
    enrolment = {}
    if secret:
        uri = totp_ops.provisioning_uri(secret, user.email)
        enrolment = {
            "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
            "uri": uri,
            # segno writes the SVG from the URI alone (no user text but the translated title)
            "qr": Markup(totp_ops.provisioning_qr_svg(uri, _("QR-kod med nyckeln för appen"))),  # noqa: S704  # nosec B704
        }
    page = render_template(
        "account/two_factor.html",
        form=form,
        user=user,
        enrolled=totp_ops.is_enrolled(user),
        required=totp_ops.required_for(user),
        **enrolment,
    )
    return page, status


@bp.route("/konto/tvastegsverifiering/stang-av", methods=["POST"])
@login_required
def disable_two_factor():  # type: ignore[no-untyped-def]
    user = current_user._get_current_object()
    form = CodeForm()
    if not form.validate_on_submit():
        return _page(form, user, status=422)
    form_on_page(form, lambda: _page(form, user))
    totp_ops.disable(db.session, user, pin_vault(), form.code.data or "")
    audit("totp_disabled", user)
    _restart_login_session(user)
    flash(_("Tvåstegsverifiering är avstängd."), "info")
    return redirect(url_for("account.two_factor"))


def send_set_password_link(user: User, *, new_account: bool) -> None:
    """Email the owner a single-use link (24 h) to choose a password. The link is built on
    PUBLIC_BASE_URL, never on the request's Host header, so it cannot be pointed elsewhere."""
    notify(
        "set_password",
        to=user.email,
        user=user,
        link=links.public_url("account.set_password", token=links.make_token(SET_PASSWORD_PURPOSE, user.id)),
        hours=int(SET_PASSWORD_MAX_AGE.total_seconds() // 3600),
        new_account=new_account,
    )


@bp.route("/konto/valj-losenord/<token>", methods=["GET", "POST"])
def set_password(token: str):  # type: ignore[no-untyped-def]
    try:
        claim = links.read_token(token, SET_PASSWORD_PURPOSE, max_age=SET_PASSWORD_MAX_AGE)
    except links.LinkError as exc:
        return _link_problem(exc)
    user = db.session.get(User, claim.object_id)
    if user is None or not user.active:
        return _link_problem(links.LinkError(links.LinkProblem.INVALID))
    form = SetPasswordForm()
    if form.validate_on_submit():
        form_page(form, "account/set_password.html", user=user)
        user_admin.set_password(db.session, user, form.password.data or "")
        links.use_token(claim)
        audit_ops.record(db.session, "password_set_by_link", actor=user, target=user, origin=origin())
        flash(_("Ditt lösenord är sparat. Logga in med det nya lösenordet."), "success")
        return redirect(url_for("auth.login"))
    return render_template("account/set_password.html", form=form, user=user)


def _link_problem(error: links.LinkError) -> tuple[str, int]:
    status = 404 if error.problem == links.LinkProblem.INVALID else 410
    return render_template("account/link_problem.html", problem=error.problem.value), status


register_panel(
    Panel(
        name="account_security",
        allowed=perm.can_manage_own_account,
        template="account/_panel.html",
        context=lambda user: {"enrolled": totp_ops.is_enrolled(user), "required": totp_ops.required_for(user)},
        order=900,
    )
)
