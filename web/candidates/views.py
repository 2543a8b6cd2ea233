"""The candidate bank: officers refer clients and follow their own unit's referrals; project
leaders decide on referrals and search the bank; both open candidate pages, edit, record and
withdraw consent, reveal an identity number (audited) and import from spreadsheets."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_login import current_user, login_required

from models import Candidate, Referral, User, clock
from models.enums import Party, ReferralStatus, VisitStatus
from models.operations import candidate_bank
from models.operations import candidates as candidate_ops
from models.operations.errors import DomainError

from .. import labels, links
from .. import permissions as perm
from ..employer.visitor import adjustment_labels, visitor_part
from ..errors import form_on_page, form_page, refusal_goes_to, refusal_page, show_on_form
from ..extensions import db, pin_vault
from ..helpers import audit, audit_standing, get_or_404, require
from ..i18n import error_message
from ..labels import language_name
from ..main.panels import Panel, register_panel
from ..notify import notify
from ..pagination import page_number, paginate
from ..visits import service as visit_service
from . import queries
from .forms import (
    ECONOMIC_ASSISTANCE,
    BankFilterForm,
    CloseForm,
    ConsentForm,
    EditForm,
    ReferralForm,
    ReturnForm,
    StatusFilterForm,
)
from .imports import import_commit_view, import_template_view, import_upload_view

bp = Blueprint("candidates", __name__, url_prefix="/kandidater")


@bp.before_request
@login_required
def _only_case_workers() -> None:
    """Employers, steering and admins never reach any page of the bank."""
    require(perm.can_use_candidate_bank(current_user))


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"language_name": language_name, "adjustment_labels": adjustment_labels}


def _user() -> User:
    return current_user._get_current_object()  # type: ignore[no-any-return]


def _candidate_or_404(candidate_id: int) -> Candidate:
    candidate = get_or_404(Candidate, candidate_id)
    require(perm.can_open_candidate(current_user, candidate), candidate)
    return candidate


def _referral_or_404(referral_id: int) -> Referral:
    referral = get_or_404(Referral, referral_id)
    require(perm.can_view_referral(current_user, referral), referral)
    return referral


# Problems about the combined language list belong to the free-text language field.
_FIELD_FOR = {"languages": "more_languages"}


PREVIEW = "preview"


def _preview(form: Any, template: str, **context: Any) -> Any:
    """The "Förhandsgranska" step: the form again, with what a company will see about this
    person made from the form's values exactly as saving would read them (nothing is saved)."""
    form_page(form, template, rename=_FIELD_FOR, **context)
    data = candidate_ops.parse_candidate_input(form.values(), require_identity=False)
    return render_template(template, form=form, preview=visitor_part(data), **context)


# --- the officer's referrals -----------------------------------------------------------------
@bp.route("/remisser")
def referrals() -> Any:
    if perm.can_decide_referrals(current_user):  # a project leader decides them in the bank
        return redirect(url_for(".bank", status=ReferralStatus.SUBMITTED.value))
    require(perm.can_refer(current_user))
    form = StatusFilterForm(request.args)
    status = queries.enum_or_none(ReferralStatus, form.status.data)
    stmt = queries.referrals_query(current_user, status)
    page = paginate(db.session, stmt, page_number(request.args))
    summaries = queries.visit_summaries(db.session, [r.candidate_id for r in page.items])
    return render_template("candidates/referrals.html", form=form, page=page, summaries=summaries)


@bp.route("/remisser/ny", methods=["GET", "POST"])
def new_referral() -> Any:
    require(perm.can_refer(current_user))
    form = ReferralForm()
    if not form.validate_on_submit():
        return render_template("candidates/referral_form.html", form=form, duplicate=False)
    action = request.form.get("action", "draft")
    if action == PREVIEW:
        return _preview(form, "candidates/referral_form.html", duplicate=False)
    refusal_page(lambda err: _referral_form(form, err))
    referral = candidate_ops.refer_candidate(
        db.session, pin_vault(), candidate_ops.parse_candidate_input(form.values()), officer=_user(),
        reason=candidate_ops.parse_reason(form.reason.data),
        consent=candidate_ops.parse_consent_input(form.data, scopes_from_checkboxes=True),
        submit=action.endswith("submit"), attach=action.startswith("attach"),
        economic_assistance=ECONOMIC_ASSISTANCE.get(form.economic_assistance.data or ""),
    )
    audit("referral_created", referral, candidate_id=referral.candidate_id, attached=action.startswith("attach"),
          status=referral.status.value)
    flash(_("Remissen är skickad till projektledaren.") if referral.status == ReferralStatus.SUBMITTED
          else _("Remissen är sparad som utkast. Den skickas när klientens samtycke är registrerat."), "success")
    return redirect(url_for(".candidate", candidate_id=referral.candidate_id))


def _referral_form(form: ReferralForm, refusal: DomainError) -> str:
    """The referral form again after a refusal (offering to attach to the person found, if
    the refusal is that the person is already in the bank)."""
    show_on_form(form, refusal, _FIELD_FOR)
    return render_template("candidates/referral_form.html", form=form, duplicate=refusal.code == "duplicate")


# --- referral life-cycle ---------------------------------------------------------------------
def _submit(referral: Referral, user: User) -> None:
    candidate_ops.submit_referral(db.session, referral, by=user, reason=request.form.get("reason"))


def _accept(referral: Referral, user: User) -> None:
    candidate_ops.accept_referral(db.session, referral, by=user, reason=request.form.get("reason", ""))


def _accept_activate(referral: Referral, user: User) -> None:
    candidate_ops.accept_referral(db.session, referral, by=user, activate=True, reason=request.form.get("reason", ""))


def _activate(referral: Referral, user: User) -> None:
    candidate_ops.activate_referral(db.session, referral, by=user)


def _return(referral: Referral, user: User) -> None:
    candidate_ops.return_referral(db.session, referral, by=user, reason=ReturnForm().reason.data or "")


# Stored with the cancelled visits as data (in Swedish, like every recorded reason).
CLOSED_REASON = "Remissen är avslutad."


def _close(referral: Referral, user: User) -> None:
    form = CloseForm()
    candidate_ops.close_referral(
        db.session, referral, by=user, outcome=form.outcome.data, reason=form.reason.data or ""
    )
    if form.cancel_visits.data:  # offered on the form when the participant has visits ahead
        # the project leader cancels as such; an officer on the participant's behalf
        party = Party.PROJECT_LEADER if perm.can_book_visits(user) else Party.PARTICIPANT
        for visit in queries.upcoming_live_visits(db.session, referral.candidate_id):
            visit_service.apply_transition(
                visit, VisitStatus.CANCELLED, by=user, party=party, reason=CLOSED_REASON
            )


def _decides(user: Any, referral: Referral) -> bool:
    return perm.can_decide_referrals(user)


# URL word → (who may, what it does, audit action, message when done)
STEPS: dict[str, tuple[Any, Any, str, Any]] = {
    "skicka": (perm.can_submit_referral, _submit, "referral_submitted", _l("Remissen är skickad till projektledaren.")),
    "anta": (_decides, _accept, "referral_accepted", _l("Remissen är antagen.")),
    "anta-och-aktivera": (
        _decides, _accept_activate, "referral_activated", _l("Remissen är antagen och deltagaren är aktiv.")
    ),
    "aktivera": (_decides, _activate, "referral_activated", _l("Deltagaren är aktiv.")),
    "atersand": (_decides, _return, "referral_returned", _l("Remissen är återsänd till handläggaren.")),
    "avsluta": (perm.can_close_referral, _close, "referral_closed", _l("Remissen är avslutad.")),
}


@bp.route("/remisser/<int:referral_id>/<step>", methods=["POST"])
def referral_step(referral_id: int, step: str) -> Any:
    if step not in STEPS:
        abort(404)
    allowed, run, action, done = STEPS[step]
    referral = _referral_or_404(referral_id)
    require(allowed(current_user, referral), referral)
    refusal_page(lambda err: _candidate_page(referral.candidate, step_error=(step, error_message(err))))
    run(referral, _user())
    audit(action, referral, candidate_id=referral.candidate_id, status=referral.status.value)
    notify_referring_officer(referral)
    flash(str(done), "success")
    return redirect(url_for(".candidate", candidate_id=referral.candidate_id, _anchor="remisser"))


def notify_referring_officer(referral: Referral) -> None:
    """Tell the referring officer, unless they made the change themselves. The email carries the
    referral number and initials only, never the client's name or identity number."""
    officer = referral.referred_by
    if officer.id == getattr(current_user, "id", None):  # an API call has no logged-in user here
        return
    outcome = referral.closed_outcome.value if referral.closed_outcome else ""
    notify(
        f"referral_{referral.status.value}",
        to=officer.email,
        referral=referral,
        initials=referral.candidate.initials,
        status_label=labels.REFERRAL_STATUS_LABELS[referral.status.value],
        outcome_label=labels.CLOSED_OUTCOME_LABELS.get(outcome, ""),
        link=links.public_url("candidates.candidate", candidate_id=referral.candidate_id, _anchor="remisser"),
    )


# --- the bank and a candidate page -----------------------------------------------------------
@bp.route("/")
def bank() -> Any:
    form = BankFilterForm(request.args)
    filters, bad_dates = queries.parse_bank_filters(form.data)
    for name in bad_dates:
        getattr(form, name).errors = [_("Skriv datumet som ÅÅÅÅ-MM-DD.")]
    stmt = candidate_bank.bank_query(perm.bank_scope(current_user), filters)
    page = paginate(db.session, stmt, page_number(request.args), counted_with_page=True)
    summaries = queries.visit_summaries(db.session, [c.id for c in page.items])
    latest = {c.id: next(iter(queries.visible_referrals(current_user, c)), None) for c in page.items}
    return render_template("candidates/bank.html", form=form, page=page, summaries=summaries, latest=latest)


@bp.route("/<int:candidate_id>")
def candidate(candidate_id: int) -> Any:
    return _candidate_page(_candidate_or_404(candidate_id))


def _candidate_page(candidate: Candidate, **context: Any) -> str:
    """Render a candidate page; every showing is audited, whatever the page's status (it is
    also the page a refused step or consent is shown on)."""
    data = queries.candidate_page(db.session, current_user, candidate)
    audit_standing("candidate_viewed", candidate, success=True)
    context.setdefault("consent_form", ConsentForm(formdata=None))
    ahead = [v for v in data.upcoming if v.start_at > clock.now()]  # what closing a referral may cancel
    return render_template("candidates/candidate.html", candidate=candidate, page=data, visits_ahead=ahead,
                           **context)


@bp.route("/<int:candidate_id>/redigera", methods=["GET", "POST"])
def edit(candidate_id: int) -> Any:
    candidate = _candidate_or_404(candidate_id)
    require(perm.can_edit_candidate(current_user, candidate), candidate)
    form = EditForm() if request.method == "POST" else EditForm(data=_form_data(candidate))
    if not form.validate_on_submit():
        return render_template("candidates/edit.html", form=form, candidate=candidate)
    if request.form.get("action") == PREVIEW:
        return _preview(form, "candidates/edit.html", candidate=candidate)
    form_page(form, "candidates/edit.html", rename=_FIELD_FOR, candidate=candidate)
    data = candidate_ops.parse_candidate_input(form.values(), require_identity=False)
    candidate_ops.update_candidate(db.session, pin_vault(), candidate, data, expected_version=form.version.data)
    audit("candidate_updated", candidate, pin_changed=data.identity is not None)
    flash(_("Uppgifterna är sparade."), "success")
    return redirect(url_for(".candidate", candidate_id=candidate.id))


def _form_data(candidate: Candidate) -> dict[str, Any]:
    """The edit form's starting values, as the form's fields hold them."""
    from .forms import COMMON_LANGUAGES

    def number(value: float | None) -> str:
        return "" if value is None else f"{value:.6f}".rstrip("0").rstrip(".").replace(".", ",")

    return {
        "first_name": candidate.first_name, "last_name": candidate.last_name,
        "gender": candidate.gender.value if candidate.gender else "", "phone": candidate.phone or "",
        "email": candidate.email or "", "contact_channel": candidate.contact_channel.value,
        "preferred_language": candidate.preferred_language, "target_group": candidate.target_group.value,
        "swedish_level": str(candidate.swedish_level),
        "languages": [c for c in candidate.languages if c in COMMON_LANGUAGES],
        "more_languages": ", ".join(c for c in candidate.languages if c not in COMMON_LANGUAGES),
        "interests": candidate.interests, "weekdays": candidate.weekdays, "times_of_day": candidate.times_of_day,
        "postcode": candidate.postcode or "", "area": candidate.area or "", "lat": number(candidate.lat),
        "lon": number(candidate.lon), "needs_accessible": candidate.needs_accessible,
        "adjustments": candidate.adjustments, "to_workplace": candidate.to_workplace,
        "needs_other": candidate.needs_other, "version": str(candidate.version),
    }


@bp.route("/<int:candidate_id>/personnummer", methods=["POST"])
def reveal_pin(candidate_id: int) -> Any:
    candidate = _candidate_or_404(candidate_id)
    require(perm.can_reveal_identity_number(current_user, candidate), candidate)
    refusal_goes_to(url_for(".candidate", candidate_id=candidate.id))
    number = candidate_ops.reveal_identity_number(pin_vault(), candidate)
    audit("pin_revealed", candidate)
    return render_template("candidates/pin.html", candidate=candidate, number=number)


@bp.route("/<int:candidate_id>/samtycke", methods=["POST"])
def record_consent(candidate_id: int) -> Any:
    candidate = _candidate_or_404(candidate_id)
    require(perm.can_edit_candidate(current_user, candidate), candidate)
    form = ConsentForm()
    form_on_page(form, lambda: _candidate_page(candidate, consent_form=form), rename=_FIELD_FOR)
    consent = candidate_ops.parse_consent_input(form.data, scopes_from_checkboxes=True)
    if consent is None:
        raise DomainError(_("Fyll i vad klienten samtycker till, datum och hur samtycket gavs."),
                          field="consent_partnership")
    row = candidate_ops.record_consent(db.session, candidate, consent, by=_user())
    audit("consent_recorded", candidate, consent_id=row.id)
    flash(_("Samtycket är registrerat."), "success")
    return redirect(url_for(".candidate", candidate_id=candidate.id, _anchor="samtycke"))


@bp.route("/<int:candidate_id>/samtycke/aterkalla", methods=["POST"])
def withdraw_consent(candidate_id: int) -> Any:
    candidate = _candidate_or_404(candidate_id)
    require(perm.can_edit_candidate(current_user, candidate), candidate)
    refusal_goes_to(url_for(".candidate", candidate_id=candidate.id, _anchor="samtycke"))
    count = candidate_ops.withdraw_consent(db.session, candidate, by=_user())
    audit("consent_withdrawn", candidate, consents=count)
    flash(_("Samtycket är återkallat. Personen visas inte längre i matchningen eller för företag."), "success")
    return redirect(url_for(".candidate", candidate_id=candidate.id, _anchor="samtycke"))


# --- bulk import (the steps live in imports.py) ----------------------------------------------
bp.add_url_rule("/import", "import_upload", import_upload_view, methods=["GET", "POST"])
bp.add_url_rule("/import/genomfor", "import_commit", import_commit_view, methods=["POST"])
bp.add_url_rule("/import/mall.<fmt>", "import_template", import_template_view)


# --- start-page panels -----------------------------------------------------------------------
register_panel(
    Panel(
        "candidates_officer",
        perm.can_refer,
        "candidates/_panel_officer.html",
        lambda user: queries.officer_panel(db.session, user),
        order=10,
    )
)
register_panel(
    Panel(
        "candidates_waiting",
        perm.can_decide_referrals,
        "candidates/_panel_project_leader.html",
        lambda user: queries.project_leader_panel(db.session, user),
        order=10,
    )
)
