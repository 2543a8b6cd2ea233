"""Steps the company and employer views share: run a domain operation and commit once (or roll
back and put the message on the form), and page through a list query."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import flash, render_template, request
from flask_babel import gettext as _

from models import Company, Offer
from models.operations import companies as ops
from models.operations.errors import DomainError

from .. import pagination as paging
from ..extensions import db
from ..helpers import apply_domain_error, audit
from ..i18n import error_message
from ..pagination import Page, page_number

T = TypeVar("T")
PER_PAGE = 25


def attempt(form: Any, action: Callable[[], T]) -> T | None:
    """Run `action` and commit; on a DomainError roll back (nothing half-saved), attach the
    message to the form field it names (or to the form), note its HTTP status on the form as
    `error_status` (422, or 409 for a conflict), and return None."""
    try:
        result = action()
    except DomainError as exc:
        db.session.rollback()
        if not apply_domain_error(form, exc):
            form.form_errors.append(error_message(exc))
        form.error_status = exc.status
        return None
    db.session.commit()
    return result


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
        offer = ops.create_offer(db.session, company, form.to_data())
        audit("offer_created", offer, company_id=company.id)
        return offer

    return attempt(form, create)


def update_offer_from(form: Any, offer: Offer) -> Offer | None:
    def change() -> Offer:
        ops.update_offer(db.session, offer, form.to_data(), expected_version=version_of(form))
        audit("offer_updated", offer, company_id=offer.company_id)
        return offer

    return attempt(form, change)


def toggle_offer(offer: Offer, form: Any) -> None:
    """Pause an active offer or resume a paused one, and say which happened."""

    def change() -> Offer:
        ops.set_offer_active(db.session, offer, not offer.active, expected_version=version_of(form))
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
