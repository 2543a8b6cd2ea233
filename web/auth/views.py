"""Logging in and out (password, then a one-time code for accounts with a second factor),
and changing one's password."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, flash, redirect, render_template, request, session, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required, login_user, logout_user

from models import User, clock
from models.operations import accounts as account_ops
from models.operations import two_factor

from ..errors import form_page
from ..extensions import db, limiter, pin_vault
from ..helpers import audit, audit_standing, safe_next
from ..security import LOGIN_TOKEN_KEY
from .forms import CodeForm, LoginForm, PasswordForm

bp = Blueprint("auth", __name__)

# Between the password and the code: a signed note of who is half-way, which grants nothing.
PENDING_KEY = "pending_login"
PENDING_SECONDS = 300


def _login_key() -> str:
    """Throttle per account as well as per address: guessing one account from many addresses
    is slowed down too."""
    return (request.form.get("email") or "").strip().lower() or "-"


def _refused(response: Any) -> bool:
    """Only a refused attempt counts against an account's limit, so logging in often does not
    lock anyone out. The limits per address count every attempt: each costs a password hash."""
    return response.status_code == 401


def note_failed_login(email: str, **details: Any) -> None:
    """A failed login in the audit log, in a transaction of its own, against the account tried
    when there is one, so that the log review finds guessing on one account (docs/security.md)."""
    audit_standing("login_failed", target_type="user_account",
                   target_id=account_ops.account_id_for(db.session, email), **details)


@bp.route("/login", methods=["GET", "POST"])
@limiter.limit("20 per 5 minutes", methods=["POST"])
@limiter.limit("10 per 5 minutes", methods=["POST"], key_func=_login_key, deduct_when=_refused)
def login():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    form = LoginForm()
    if form.validate_on_submit():
        user = account_ops.authenticate(db.session, form.email.data or "", form.password.data or "")
        if user is None:
            note_failed_login(form.email.data or "")  # stands: the answer is a 401
            form.password.errors = [_("Fel e-postadress eller lösenord.")]
            return render_template("auth/login.html", form=form), 401
        if two_factor.is_enrolled(user):
            session.clear()
            session[PENDING_KEY] = {
                "uid": user.id, "at": int(clock.now().timestamp()), "next": request.args.get("next")
            }
            return redirect(url_for("auth.login_code"))
        return _complete_login(user, request.args.get("next"))
    return render_template("auth/login.html", form=form)


def _complete_login(user: Any, next_url: str | None) -> Any:
    """Every factor passed: start a fresh login session. Someone who must have a second
    factor but has none yet goes to enrolment first."""
    session.clear()  # a fresh session at login: nothing from before carries over
    token = account_ops.start_login_session(db.session, user, ip=request.remote_addr or "")
    session[LOGIN_TOKEN_KEY] = token
    session.permanent = True
    login_user(user)
    audit("login", user)
    if two_factor.required_for(user) and not two_factor.is_enrolled(user):
        flash(_("Ditt konto ska skyddas med tvåstegsverifiering. Slå på den innan du fortsätter."), "warning")
        return redirect(url_for("account.two_factor"))
    return redirect(safe_next(next_url))


def _pending_user() -> Any:
    """The account half-way through logging in (password right, code not yet), or None."""
    pending = session.get(PENDING_KEY)
    if not isinstance(pending, dict) or clock.now().timestamp() - pending.get("at", 0) > PENDING_SECONDS:
        return None
    user = db.session.get(User, pending.get("uid"))
    return user if user is not None and user.active and two_factor.is_enrolled(user) else None


def _pending_key() -> str:
    pending = session.get(PENDING_KEY)
    return f"code-{pending.get('uid')}" if isinstance(pending, dict) else "code-none"


@bp.route("/login/kod", methods=["GET", "POST"])
@limiter.limit("20 per 5 minutes", methods=["POST"])
@limiter.limit("5 per 5 minutes", methods=["POST"], key_func=_pending_key, deduct_when=_refused)
def login_code():  # type: ignore[no-untyped-def]
    if current_user.is_authenticated:
        return redirect(url_for("main.index"))
    user = _pending_user()
    if user is None:
        session.pop(PENDING_KEY, None)
        flash(_("Logga in med e-postadress och lösenord först."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    if form.validate_on_submit():
        if two_factor.verify(user, pin_vault(), form.code.data or ""):
            return _complete_login(user, session.get(PENDING_KEY, {}).get("next"))
        audit_standing("login_failed", target_type="user_account", target_id=user.id, step="code")
        form.code.errors = [_("Koden stämmer inte eller har redan använts. Vänta på nästa kod och försök igen.")]
        return render_template("auth/login_code.html", form=form), 401
    return render_template("auth/login_code.html", form=form)


@bp.route("/logout", methods=["POST"])
def logout():  # type: ignore[no-untyped-def]
    token = session.get(LOGIN_TOKEN_KEY)
    if current_user.is_authenticated:
        audit("logout", current_user._get_current_object())
    if token:
        account_ops.end_login_session(db.session, token)
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
        form_page(form, "auth/password.html")
        account_ops.change_password(db.session, user, form.current_password.data or "", form.password.data or "")
        audit("password_changed", user)
        # Every session ended, this one too; start a fresh one so the user stays logged in here.
        token = account_ops.start_login_session(db.session, user, ip=request.remote_addr or "")
        session[LOGIN_TOKEN_KEY] = token
        flash(_("Lösenordet är bytt. Andra inloggningar har avslutats."), "success")
        return redirect(url_for("main.index"))
    return render_template("auth/password.html", form=form)


@bp.app_context_processor
def _session_minutes() -> dict[str, int]:
    return {"session_idle_minutes": int(current_app.config["SESSION_IDLE_TIMEOUT"].total_seconds() // 60)}
