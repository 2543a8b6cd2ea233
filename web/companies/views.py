"""The company network for project leaders and admins: search, company pages, contacts, offers,
the quarterly capacity view and the company import."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import Blueprint, abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_required
from sqlalchemy.orm import selectinload

from models import Activity, Company, Contact, Offer, User, Visit, clock
from models.enums import Network
from models.operations import companies as company_ops
from models.operations.reports import current_report
from models.operations.visits import CAPACITY_STATUSES

from .. import permissions as perm
from ..errors import form_page
from ..extensions import db
from ..helpers import audit, get_or_404, require
from ..labels import language_name
from ..main.panels import Panel, register_panel
from . import imports
from .forms import CompanyFilterForm, CompanyForm, ContactForm, OfferForm, QuarterForm, VersionForm
from .service import (
    create_offer_from,
    paginate,
    render_offer_form,
    status_of,
    toggle_offer,
    update_offer_from,
    version_of,
)

bp = Blueprint("companies", __name__, url_prefix="/foretag")


@bp.before_request
@login_required
def _only_network_managers() -> None:
    require(perm.can_manage_companies(current_user))


def _company_or_404(company_id: int) -> Company:
    company = get_or_404(Company, company_id)
    require(perm.can_view_company(current_user, company), company)
    return company


def _offer_or_404(offer_id: int) -> Offer:
    offer = get_or_404(Offer, offer_id)
    require(perm.can_edit_offer(current_user, offer), offer)
    return offer


def _visit_columns() -> dict[str, Any]:
    """What the visit tables on the company and offer pages show this user: the visitor's
    initials to those who use the candidate bank, a link to the visit to those who book visits."""
    return {
        "show_initials": perm.can_use_candidate_bank(current_user),
        "visit_endpoint": "visits.show"
        if "visits.show" in current_app.view_functions and perm.can_book_visits(current_user) else None,
    }


# --- the list ---------------------------------------------------------------------------------
def _filtered(filters: dict[str, str]) -> sa.Select[Any]:
    active_offers = (
        sa.select(sa.func.count(Offer.id))
        .where(Offer.company_id == Company.id, Offer.active.is_(True))
        .correlate(Company)
        .scalar_subquery()
    )
    query = sa.select(Company, active_offers.label("active_offers")).where(perm.company_scope(current_user))
    if text := filters["q"]:
        digits = "".join(ch for ch in text if ch.isdigit())
        matches = [Company.name.icontains(text, autoescape=True)]
        if len(digits) >= 4:
            matches.append(sa.func.replace(Company.org_number, "-", "").contains(digits))
        query = query.where(sa.or_(*matches))
    if filters["network"] in (Network.HIF_SPONSOR, Network.TH_NETWORK):  # companies in both belong to each
        query = query.where(Company.network.in_([filters["network"], Network.BOTH]))
    elif filters["network"]:
        query = query.where(Company.network == filters["network"])
    if filters["status"]:
        query = query.where(Company.status == filters["status"])
    if filters["size_class"]:
        query = query.where(Company.size_class == filters["size_class"])
    if filters["field"]:
        query = query.where(
            sa.exists().where(Offer.company_id == Company.id, Offer.field == filters["field"], Offer.active.is_(True))
        )
    return query.order_by(Company.name, Company.id)


@bp.route("/")
def index():  # type: ignore[no-untyped-def]
    form = CompanyFilterForm(request.args)
    page = paginate(_filtered(form.values()), scalars=False)
    return render_template("companies/index.html", form=form, page=page)


# --- companies --------------------------------------------------------------------------------
@bp.route("/nytt", methods=["GET", "POST"])
def new():  # type: ignore[no-untyped-def]
    form = CompanyForm()
    if form.validate_on_submit():
        form_page(form, "companies/form.html", company=None)
        company = company_ops.create_company(db.session, form.to_data())
        audit("company_created", company)
        flash(_("Företaget är registrerat. Lägg nu till företagets första erbjudande om arbetsplatsbesök."),
              "success")
        return redirect(url_for("companies.offer_new", company_id=company.id))
    return render_template("companies/form.html", form=form, company=None), status_of(form)


@bp.route("/<int:company_id>")
def detail(company_id: int):  # type: ignore[no-untyped-def]
    company = _company_or_404(company_id)
    visits = db.session.scalars(
        sa.select(Visit).join(Visit.offer).where(Offer.company_id == company.id)
        .options(selectinload(Visit.offer), selectinload(Visit.candidate))
        .order_by(Visit.start_at.desc()).limit(50)
    ).all()
    activities = db.session.scalars(
        sa.select(Activity).where(Activity.company_id == company.id).order_by(Activity.starts_at.desc()).limit(50)
    ).all()
    accounts = db.session.scalars(  # the company's portal accounts: only employer accounts have a company
        sa.select(User).where(User.company_id == company.id).order_by(User.name)
    ).all()
    return render_template(
        "companies/detail.html", company=company, visits=visits, activities=activities, accounts=accounts,
        **_visit_columns(),
    )


@bp.route("/<int:company_id>/andra", methods=["GET", "POST"])
def edit(company_id: int):  # type: ignore[no-untyped-def]
    company = _company_or_404(company_id)
    form = CompanyForm()
    if not form.is_submitted():
        form.load(company)
    elif form.validate():
        form_page(form, "companies/form.html", company=company)
        company_ops.update_company(db.session, company, form.to_data(), expected_version=version_of(form))
        audit("company_updated", company)
        flash(_("Ändringarna är sparade."), "success")
        return redirect(url_for("companies.detail", company_id=company.id))
    return render_template("companies/form.html", form=form, company=company), status_of(form)


# --- contacts ---------------------------------------------------------------------------------
def _contact_or_404(company: Company, contact_id: int) -> Contact:
    contact = get_or_404(Contact, contact_id)
    if contact.company_id != company.id:
        abort(404)
    return contact


@bp.route("/<int:company_id>/kontakter/ny", methods=["GET", "POST"])
@bp.route("/<int:company_id>/kontakter/<int:contact_id>/andra", methods=["GET", "POST"])
def contact_form(company_id: int, contact_id: int | None = None):  # type: ignore[no-untyped-def]
    company = _company_or_404(company_id)
    contact = _contact_or_404(company, contact_id) if contact_id else None
    form = ContactForm(obj=contact)
    if form.validate_on_submit():
        form_page(form, "companies/contact_form.html", company=company, contact=contact)
        saved = (company_ops.update_contact(db.session, contact, form.to_data()) if contact
                 else company_ops.add_contact(db.session, company, form.to_data()))
        audit("contact_updated" if contact else "contact_created", saved, company_id=company.id)
        flash(_("Kontaktpersonen är sparad."), "success")
        return redirect(url_for("companies.detail", company_id=company.id, _anchor="kontakter"))
    return render_template("companies/contact_form.html", form=form, company=company, contact=contact), status_of(form)


@bp.route("/<int:company_id>/kontakter/<int:contact_id>/ta-bort", methods=["POST"])
def contact_delete(company_id: int, contact_id: int):  # type: ignore[no-untyped-def]
    company = _company_or_404(company_id)
    contact = _contact_or_404(company, contact_id)
    audit("contact_removed", contact, company_id=company.id)
    company_ops.remove_contact(db.session, contact)
    flash(_("Kontaktpersonen är borttagen."), "success")
    return redirect(url_for("companies.detail", company_id=company.id, _anchor="kontakter"))


# --- offers -----------------------------------------------------------------------------------
@bp.route("/<int:company_id>/erbjudanden/nytt", methods=["GET", "POST"])
def offer_new(company_id: int):  # type: ignore[no-untyped-def]
    company = _company_or_404(company_id)
    require(perm.can_create_offer_for(current_user, company), company)
    form = OfferForm()
    back = url_for("companies.detail", company_id=company.id)
    if not form.is_submitted():
        form.prefill_supervisor(company)
    elif form.validate():
        create_offer_from(form, company, back)
        flash(_("Erbjudandet är sparat."), "success")
        return redirect(url_for("companies.detail", company_id=company.id, _anchor="erbjudanden"))
    return render_offer_form(form, company, None, back)


@bp.route("/erbjudanden/<int:offer_id>")
def offer(offer_id: int):  # type: ignore[no-untyped-def]
    """One offer: its facts, its places this quarter, its booked visits, and (for project leaders)
    the candidates the matching recommends."""
    offer = _offer_or_404(offer_id)
    visits = db.session.scalars(
        sa.select(Visit).where(Visit.offer_id == offer.id, Visit.visit_date >= clock.local_today())
        .options(selectinload(Visit.candidate)).order_by(Visit.start_at).limit(100)
    ).all()
    quarter = company_ops.Quarter.of(clock.local_today())
    used = db.session.scalar(
        sa.select(sa.func.count()).select_from(Visit).where(
            Visit.offer_id == offer.id, Visit.status.in_(CAPACITY_STATUSES),
            Visit.visit_date.between(quarter.start, quarter.end),
        )
    ) or 0
    return render_template(
        "companies/offer.html", offer=offer, visits=visits, quarter=quarter,
        places_left=max(offer.capacity_per_quarter - used, 0),
        languages=", ".join(language_name(code) for code in offer.languages),
        **_visit_columns(),
    )


@bp.route("/erbjudanden/<int:offer_id>/andra", methods=["GET", "POST"])
def offer_edit(offer_id: int):  # type: ignore[no-untyped-def]
    offer = _offer_or_404(offer_id)
    form = OfferForm()
    back = url_for("companies.detail", company_id=offer.company_id)
    if not form.is_submitted():
        form.load(offer)
    elif form.validate():
        update_offer_from(form, offer, back)
        flash(_("Erbjudandet är sparat."), "success")
        return redirect(url_for("companies.detail", company_id=offer.company_id, _anchor="erbjudanden"))
    return render_offer_form(form, offer.company, offer, back)


@bp.route("/erbjudanden/<int:offer_id>/pausa", methods=["POST"])
def offer_toggle(offer_id: int):  # type: ignore[no-untyped-def]
    offer = _offer_or_404(offer_id)
    back = url_for("companies.detail", company_id=offer.company_id, _anchor="erbjudanden")
    toggle_offer(offer, VersionForm(), back)
    return redirect(back)


# --- capacity ---------------------------------------------------------------------------------
def _quarter_choices(current: company_ops.Quarter) -> list[company_ops.Quarter]:
    first, last = current, current
    for _step in range(4):
        first, last = first.previous(), last.next()
    return first.until(last)


@bp.route("/kapacitet")
def capacity():  # type: ignore[no-untyped-def]
    require(perm.can_view_capacity(current_user))
    today = company_ops.Quarter.of(clock.local_today())
    try:
        quarter = company_ops.Quarter.parse(request.args.get("kvartal", today.code))
    except ValueError:
        quarter = today
    choices = sorted(set(_quarter_choices(today)) | {quarter})
    form = QuarterForm(request.args)
    form.kvartal.choices = [(q.code, _("kvartal %(n)s %(year)s", n=q.number, year=q.year)) for q in choices]
    form.kvartal.data = quarter.code
    report = company_ops.network_capacity(db.session, quarter, reached=_reached_before(quarter))
    return render_template("companies/capacity.html", form=form, report=report, is_current=quarter == today)


def _reached_before(quarter: company_ops.Quarter) -> int | None:
    """Persons counted toward the goal before `quarter`, from the quarterly report (which owns the
    counting rule); None when no programme runs then."""
    programme = company_ops.programme_for(db.session, quarter)
    if programme is None:
        return None
    report = current_report(db.session, programme)
    row = next((r for r in report.quarters if r.quarter == quarter.code), None)
    return row.cumulative_persons - row.new_persons if row is not None else None


# --- import (the steps live in imports.py; the before_request check covers them) ------------
bp.add_url_rule("/import", "import_upload", imports.upload_view, methods=["GET", "POST"])
bp.add_url_rule("/import/genomfor", "import_commit", imports.commit_view, methods=["POST"])
bp.add_url_rule("/import/mall.<fmt>", "import_template", imports.template_view)


# --- start-page panel -------------------------------------------------------------------------
def _capacity_panel(user: Any) -> dict[str, Any]:
    # The panel shows the totals only: the per-company, network and field rows are the page's.
    quarter = company_ops.Quarter.of(clock.local_today())
    return {"report": company_ops.CapacityReport(quarter, [], [], [], company_ops.capacity_totals(db.session, quarter))}


register_panel(
    # For those who book visits against the capacity; admins open the capacity page itself.
    Panel("network-capacity", perm.can_book_visits, "companies/_panel_capacity.html", _capacity_panel, order=60)
)
