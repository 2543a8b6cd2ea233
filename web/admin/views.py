"""Administration: accounts (create, change, deactivate, password links, second factor) and the
audit trail (search, and export for the periodic log review). Admins only, with TOTP enrolled
(the gate in web/account/views.py sends an admin without it to enrolment first)."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, Response, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from models import AuditEvent, Company, Organisation, User, clock
from models.enums import Role
from models.operations import audit_search, two_factor, user_admin
from models.operations import surveys as survey_ops
from models.operations.spreadsheet import write_table

from .. import pagination as paging
from .. import permissions as perm
from ..account.views import send_set_password_link
from ..errors import form_page, refusal_goes_to
from ..extensions import db
from ..helpers import audit, get_or_404, require
from ..labels import AUDIT_ACTION_LABELS
from ..main.panels import Panel, register_panel
from ..pagination import Page, page_number
from .forms import AccountForm, AuditFilterForm

bp = Blueprint("admin", __name__, url_prefix="/admin")

STOCKHOLM = clock.STOCKHOLM
USERS_PER_PAGE = 50
EVENTS_PER_PAGE = 50
EXPORT_MAX_ROWS = 50_000  # a review period, not the whole history; narrow the dates for more


_AUDIT_ENDPOINTS = {"admin.audit", "admin.audit_export"}
_QUESTIONNAIRE_ENDPOINTS = {"admin.questionnaires"}


@bp.before_request
@login_required
def _admins_only() -> None:
    if request.endpoint in _QUESTIONNAIRE_ENDPOINTS:
        check = perm.can_review_questionnaire_versions
    else:
        check = perm.can_view_audit if request.endpoint in _AUDIT_ENDPOINTS else perm.can_manage_users
    require(check(current_user))


# --- questionnaires: every version and its wording -------------------------------------------
@bp.route("/enkater")
def questionnaires():  # type: ignore[no-untyped-def]
    """The standard questionnaires and every version of them: what was asked, when and by whom
    it was changed, and how many links each version went out in. Editing a set whose version has
    been sent makes a new version (models/operations/surveys.py)."""
    return render_template(
        "admin/questionnaires.html", history=survey_ops.questionnaire_history(db.session),
        can_edit=perm.can_manage_surveys(current_user),
    )


# --- paging ----------------------------------------------------------------------------------
def paginate(stmt: sa.Select, per_page: int, *, scalars: bool = True) -> Page:  # type: ignore[type-arg]
    return paging.paginate(db.session, stmt, page_number(request.args), per_page, scalars=scalars)


# --- accounts --------------------------------------------------------------------------------
@bp.route("/konton")
def users():  # type: ignore[no-untyped-def]
    q = (request.args.get("q") or "").strip()
    role = request.args.get("role", "")
    status = request.args.get("status", "active")
    # The list shows each account's organisation or company: load them with the page, not per row.
    stmt = sa.select(User).options(selectinload(User.organisation), selectinload(User.company))
    stmt = stmt.order_by(User.name, User.id)
    if q:
        stmt = stmt.where(user_admin.name_or_email_matches(q))
    if role in {r.value for r in Role}:
        stmt = stmt.where(User.role == Role(role))
    if status in ("active", "inactive"):
        stmt = stmt.where(User.active.is_(status == "active"))
    return render_template(
        "admin/users.html", page=paginate(stmt, USERS_PER_PAGE), q=q, role=role, status=status,
        totp_required=two_factor.required_for,
    )


def _affiliation(form: AccountForm) -> tuple[Organisation | None, Company | None]:
    organisation = db.session.get(Organisation, form.organisation.data) if form.organisation.data else None
    company = db.session.get(Company, form.company.data) if form.company.data else None
    return organisation, company


@bp.route("/konton/nytt", methods=["GET", "POST"])
def create_user():  # type: ignore[no-untyped-def]
    form = AccountForm()
    if form.validate_on_submit():
        organisation, company = _affiliation(form)
        form_page(form, "admin/user_form.html", user=None)
        user = user_admin.create_account(
            db.session,
            email=form.email.data or "",
            name=form.name.data or "",
            role=Role(form.role.data),
            organisation=organisation,
            company=company,
            totp_required=form.totp_required.data,
        )
        send_set_password_link(user, new_account=True)
        audit("user_created", user, role=user.role.value)
        flash(_("Kontot är skapat. %(email)s har fått en länk för att välja lösenord.", email=user.email), "success")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=None)


@bp.route("/konton/<int:user_id>")
def user_detail(user_id: int):  # type: ignore[no-untyped-def]
    user = get_or_404(User, user_id)
    recent = db.session.scalars(
        sa.select(AuditEvent).where(AuditEvent.actor_id == user.id).order_by(AuditEvent.id.desc()).limit(10)
    ).all()
    return render_template(
        "admin/user_detail.html",
        user=user,
        recent=recent,
        enrolled=two_factor.is_enrolled(user),
        required=two_factor.required_for(user),
    )


@bp.route("/konton/<int:user_id>/andra", methods=["GET", "POST"])
def edit_user(user_id: int):  # type: ignore[no-untyped-def]
    user = get_or_404(User, user_id)
    form = AccountForm(
        data={
            "email": user.email,
            "name": user.name,
            "role": user.role.value,
            "organisation": user.organisation_id or 0,
            "company": user.company_id or 0,
            "totp_required": user.totp_required,
        }
    )
    if form.validate_on_submit():
        organisation, company = _affiliation(form)
        form_page(form, "admin/user_form.html", user=user)
        user_admin.update_account(
            db.session,
            user,
            by=current_user._get_current_object(),
            email=form.email.data or "",
            name=form.name.data or "",
            role=Role(form.role.data),
            organisation=organisation,
            company=company,
            totp_required=form.totp_required.data,
        )
        audit("user_updated", user, role=user.role.value)
        flash(_("Ändringarna är sparade."), "success")
        return redirect(url_for("admin.user_detail", user_id=user.id))
    return render_template("admin/user_form.html", form=form, user=user)


def _account_action(user_id: int, action: str, change: Any, message: str) -> Any:
    """Load, change, audit, and back to the account page; a refused change is shown there."""
    user = get_or_404(User, user_id)
    refusal_goes_to(url_for("admin.user_detail", user_id=user_id))
    change(user)
    audit(action, user)
    flash(message, "success")
    return redirect(url_for("admin.user_detail", user_id=user_id))


@bp.route("/konton/<int:user_id>/inaktivera", methods=["POST"])
def deactivate_user(user_id: int):  # type: ignore[no-untyped-def]
    me = current_user._get_current_object()
    return _account_action(
        user_id,
        "user_deactivated",
        lambda user: user_admin.deactivate(db.session, user, by=me),
        _("Kontot är inaktiverat och alla dess inloggningar är avslutade."),
    )


@bp.route("/konton/<int:user_id>/aktivera", methods=["POST"])
def reactivate_user(user_id: int):  # type: ignore[no-untyped-def]
    return _account_action(
        user_id,
        "user_reactivated",
        lambda user: user_admin.reactivate(db.session, user),
        _("Kontot är aktivt igen."),
    )


@bp.route("/konton/<int:user_id>/nytt-losenord", methods=["POST"])
def reset_password(user_id: int):  # type: ignore[no-untyped-def]
    def reset(user: User) -> None:
        user_admin.start_password_reset(db.session, user)
        send_set_password_link(user, new_account=False)

    return _account_action(
        user_id,
        "password_reset_sent",
        reset,
        _("Det gamla lösenordet fungerar inte längre. En länk för att välja ett nytt har skickats."),
    )


@bp.route("/konton/<int:user_id>/nollstall-tvasteg", methods=["POST"])
def reset_two_factor(user_id: int):  # type: ignore[no-untyped-def]
    return _account_action(
        user_id,
        "totp_reset",
        lambda user: two_factor.reset(db.session, user),
        _("Tvåstegsverifieringen är nollställd. Personen lägger in kontot i sin app på nytt vid nästa inloggning."),
    )


# --- audit trail -----------------------------------------------------------------------------
def _audit_filter(form: AuditFilterForm) -> audit_search.AuditFilter:
    """The form's filters as a query; dates are whole Swedish days."""

    success = {"1": True, "0": False}.get(form.success.data or "")
    return audit_search.AuditFilter(
        actor=form.actor.data or "",
        action=form.action.data or "",
        target_type=form.target_type.data or "",
        target_id=form.target_id.data,
        since=clock.local_midnight(form.date_from.data) if form.date_from.data else None,
        until=clock.local_midnight(form.date_to.data + dt.timedelta(days=1)) if form.date_to.data else None,
        success=success,
    )


def _audit_form() -> AuditFilterForm:
    form = AuditFilterForm(request.args)
    form.action.choices = [("", _("Alla"))] + [
        (a, _action_label(a)) for a in audit_search.known_values(db.session, AuditEvent.action)
    ]
    form.target_type.choices = [("", _("Alla"))] + [
        (t, t) for t in audit_search.known_values(db.session, AuditEvent.target_type)
    ]
    return form


def _action_label(action: str) -> str:
    label = AUDIT_ACTION_LABELS.get(action)
    return f"{label} ({action})" if label else action


@bp.route("/logg", endpoint="audit")
def audit_log():  # type: ignore[no-untyped-def]
    form = _audit_form()
    if request.args and not form.validate():
        return render_template("admin/audit.html", form=form, page=None), 422
    page = paginate(audit_search.search(_audit_filter(form)), EVENTS_PER_PAGE, scalars=False)
    return render_template("admin/audit.html", form=form, page=page, action_label=_action_label)


EXPORT_HEADERS = (
    "Tid (svensk tid)", "Händelse", "Lyckades", "Användarens id", "Användare", "Roll",
    "Typ av post", "Postens id", "IP-adress", "Begärans id", "Detaljer",
)


def _export_row(event: AuditEvent, actor_email: str | None) -> list[Any]:
    return [
        event.at.astimezone(STOCKHOLM).replace(tzinfo=None, microsecond=0),
        event.action,
        "ja" if event.success else "nej",
        event.actor_id,
        actor_email or "",
        event.actor_role,
        event.target_type,
        event.target_id,
        event.ip,
        event.request_id,
        json.dumps(event.details or {}, ensure_ascii=False, sort_keys=True),
    ]


@bp.route("/logg/export.<any(csv, xlsx):fmt>")
def audit_export(fmt: str):  # type: ignore[no-untyped-def]
    form = _audit_form()
    if not form.validate():
        abort(400)
    query = _audit_filter(form)
    stmt = audit_search.search(query)
    total = audit_search.count(db.session, stmt)
    if total > EXPORT_MAX_ROWS:
        flash(
            _("Urvalet har %(n)s händelser; en export rymmer högst %(max)s. Välj en kortare period.",
              n=total, max=EXPORT_MAX_ROWS),
            "error",
        )
        return redirect(url_for("admin.audit", **request.args))
    rows = (_export_row(event, email) for event, email in db.session.execute(stmt))
    data = write_table(EXPORT_HEADERS, rows, fmt, sheet_title="Logg")  # type: ignore[arg-type]
    audit("audit_exported", format=fmt, rows=total, **query.describe())
    stamp = clock.local_now().strftime("%Y%m%d-%H%M")
    mimetype = "text/csv" if fmt == "csv" else "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return Response(
        data,
        mimetype=mimetype,
        headers={"Content-Disposition": f'attachment; filename="logg-{stamp}.{fmt}"'},
    )


# --- start page ------------------------------------------------------------------------------
def _panel_context(user: Any) -> dict[str, Any]:
    since = clock.now() - dt.timedelta(days=7)
    by_role = dict(
        db.session.execute(
            sa.select(User.role, sa.func.count()).where(User.active.is_(True)).group_by(User.role)
        ).all()
    )
    failures = dict(
        db.session.execute(
            sa.select(AuditEvent.action, sa.func.count())
            .where(AuditEvent.success.is_(False), AuditEvent.at >= since)
            .group_by(AuditEvent.action)
        ).all()
    )
    admins_without_totp = db.session.scalar(
        sa.select(sa.func.count()).where(
            User.active.is_(True),
            two_factor.required_condition(),
            User.totp_secret.is_(None),
        )
    )
    return {
        "by_role": {role.value: by_role.get(role, 0) for role in Role},
        "failed_logins": failures.get("login_failed", 0),
        "denied": failures.get("access_denied", 0),
        "missing_totp": admins_without_totp or 0,
        "since": since,
    }


register_panel(Panel("admin_overview", perm.can_manage_users, "admin/_panel.html", _panel_context, order=10))
