"""Steps the company and employer views share: run a domain operation and commit once (or roll
back and put the message on the form: `attempt`, from web.helpers), and page through a list query."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import flash, render_template, request
from flask_babel import gettext as _

from models import Company, Offer
from models.operations import companies as company_ops

from .. import pagination as paging
from ..extensions import db
from ..helpers import attempt, audit
from ..pagination import Page, page_number

PER_PAGE = 25


def status_of(form: Any) -> int:
    """The HTTP status to render a submitted form with: 200 when it has no errors."""
    return getattr(form, "error_status", 422) if form.errors else 200


def version_of(form: Any) -> int | None:
    """The record version a form was shown with (None if the form carries none)."""
    try:
        return int(form.version.data)
    except (TypeError, ValueError):
        return None


def paginate(query: sa.Select[Any], *, per_page: int = PER_PAGE, scalars: bool = True) -> Page[Any]:
    """The page of `query` named by ?page= (clamped to the pages there are)."""
    return paging.paginate(db.session, query, page_number(request.args), per_page, scalars=scalars)


# --- offers: the same steps for the project leader's pages and the employer portal -------------
def create_offer_from(form: Any, company: Company) -> Offer | None:
    def create() -> Offer:
        offer = company_ops.create_offer(db.session, company, form.to_data())
        audit("offer_created", offer, company_id=company.id)
        return offer

    return attempt(form, create)


def update_offer_from(form: Any, offer: Offer) -> Offer | None:
    def change() -> Offer:
        company_ops.update_offer(db.session, offer, form.to_data(), expected_version=version_of(form))
        audit("offer_updated", offer, company_id=offer.company_id)
        return offer

    return attempt(form, change)


def toggle_offer(offer: Offer, form: Any) -> None:
    """Pause an active offer or resume a paused one, and say which happened."""

    def change() -> Offer:
        company_ops.set_offer_active(db.session, offer, not offer.active, expected_version=version_of(form))
        audit("offer_resumed" if offer.active else "offer_paused", offer, company_id=offer.company_id)
        return offer

    if attempt(form, change) is None:
        flash(" ".join(form.form_errors), "error")
    elif offer.active:
        flash(_("Erbjudandet är aktivt igen och kan bokas."), "success")
    else:
        flash(_("Erbjudandet är pausat. Redan bokade besök påverkas inte."), "success")


def render_offer_form(form: Any, company: Company, offer: Offer | None, back: str) -> Any:
    """The offer form page (422 when the form has errors)."""
    page = render_template("companies/offer_form.html", form=form, company=company, offer=offer, back=back)
    return page, status_of(form)
