"""Logging in and out, and changing one's password."""

from __future__ import annotations

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from models.operations import accounts as account_ops
from models.operations import audit as audit_ops
from models.operations.errors import DomainError

from ..extensions import db, limiter
from ..helpers import apply_domain_error, audit, origin
from ..security import LOGIN_TOKEN_KEY
from .forms import LoginForm, PasswordForm

bp = Blueprint("auth", __name__)


def _login_key() -> str:
    """Throttle per account as well as per address: guessing one account from many addresses
    is slowed down too."""
    return (request.form.get("email") or "").strip().lower() or "-"


def _safe_next(target: str | None) -> str:
    if target and target.startswith("/") and not target.startswith("//"):
        return target
    return url_for("main.index")


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per 5 minutes", methods=["POST"])
@limiter.limit("10 per 5 minutes", methods=["POST"], key_func=_login_key)
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = account_ops.authenticate(db.session, form.email.data or "", form.password.data or "")
        if user is None:
            audit_ops.record(
                db.session, "login_failed", success=False, origin=origin(), target_type="user_account"
            )
            db.session.commit()
            form.password.errors = [_("Fel e-postadress eller lösenord.")]
            return render_template("auth/login.html", form=form), 401
        session.clear()  # a fresh session at login: nothing from before carries over
        token = account_ops.start_login_session(db.session, user, ip=request.remote_addr or "")
        session[LOGIN_TOKEN_KEY] = token
        session.permanent = True
        login_user(user)
        audit("login", user)
        db.session.commit()
        return redirect(_safe_next(request.args.get("next")))
    return render_template("auth/login.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():  # type: ignore[no-untyped-def]
    token = session.get(LOGIN_TOKEN_KEY)
    if current_user.is_authenticated:
        audit("logout", current_user._get_current_object())
    if token:
        account_ops.end_login_session(db.session, token)
    db.session.commit()
    logout_user()
    session.clear()
    flash(_("Du är utloggad."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required
def change_password():  # type: ignore[no-untyped-def]
    form = PasswordForm()
    if form.validate_on_submit():
        user = current_user._get_current_object()
        try:
            account_ops.change_password(
                db.session, user, form.current_password.data or "", form.password.data or ""
            )
        except DomainError as exc:
            db.session.rollback()
            apply_domain_error(form, exc)
            return render_template("auth/password.html", form=form), 422
        audit("password_changed", user)
        # Every session ended, this one too; start a fresh one so the user stays logged in here.
        token = account_ops.start_login_session(db.session, user, ip=request.remote_addr or "")
        db.session.commit()
        session[LOGIN_TOKEN_KEY] = token
        flash(_("Lösenordet är bytt. Andra inloggningar har avslutats."), "success")
        return redirect(url_for("main.index"))
    return render_template("auth/password.html", form=form)


@bp.app_context_processor
def _session_minutes() -> dict[str, int]:
    return {"session_idle_minutes": int(current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds() // 60)}
