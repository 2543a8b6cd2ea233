"""Steps the company and employer views share: the offer form's steps (a refusal shows the form
again, web.errors.form_on_page), and paging through a list query."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa
from flask import flash, render_template, request
from flask_babel import gettext as _

from models import Company, Offer
from models.operations import companies as company_ops

from .. import pagination as paging
from ..errors import form_on_page, refusal_goes_to
from ..extensions import db
from ..helpers import audit
from ..pagination import Page, page_number

PER_PAGE = 25


def status_of(form: Any) -> int:
    """The HTTP status to render a submitted form with: 200 when it has no errors."""
    return 422 if form.errors else 200


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
def offer_form_page(form: Any, company: Company, offer: Offer | None, back: str) -> str:
    return render_template("companies/offer_form.html", form=form, company=company, offer=offer, back=back)


def render_offer_form(form: Any, company: Company, offer: Offer | None, back: str) -> Any:
    """The offer form page (422 when the form has errors)."""
    return offer_form_page(form, company, offer, back), status_of(form)


def create_offer_from(form: Any, company: Company, back: str) -> Offer:
    form_on_page(form, lambda: offer_form_page(form, company, None, back))
    offer = company_ops.create_offer(db.session, company, form.to_data())
    audit("offer_created", offer, company_id=company.id)
    return offer


def update_offer_from(form: Any, offer: Offer, back: str) -> Offer:
    form_on_page(form, lambda: offer_form_page(form, offer.company, offer, back))
    company_ops.update_offer(db.session, offer, form.to_data(), expected_version=version_of(form))
    audit("offer_updated", offer, company_id=offer.company_id)
    return offer


def toggle_offer(offer: Offer, form: Any, back: str) -> None:
    """Pause an active offer or resume a paused one, and say which happened (a refusal is
    said on the page at `back`)."""
    refusal_goes_to(back)
    company_ops.set_offer_active(db.session, offer, not offer.active, expected_version=version_of(form))
    audit("offer_resumed" if offer.active else "offer_paused", offer, company_id=offer.company_id)
    if offer.active:
        flash(_("Erbjudandet är aktivt igen och kan bokas."), "success")
    else:
        flash(_("Erbjudandet är pausat. Redan bokade besök påverkas inte."), "success")
