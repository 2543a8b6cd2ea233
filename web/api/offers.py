"""`/api/v1/offers`: workplace-visit offers. Project leaders and admins see all; an employer
sees and manages its own company's offers only (another company's is 404)."""

from __future__ import annotations

import dataclasses
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask import url_for
from marshmallow import fields, validate

from models import Company, Offer
from models.enums import FIELD_SLUGS, WEEKDAYS, Field
from models.operations import companies as company_ops
from models.operations import fields as field_rules

from .. import permissions as perm
from ..extensions import db
from .core import (
    LINK_HEADER,
    api_blueprint,
    api_user,
    as_stored,
    audit,
    get_visible_or_404,
    invalid,
    paginate,
    require,
    version_tag,
)
from .schemas import Id, PageArgsSchema, Text, enum_field, language_list, page_of, rule, slug_list

blp = api_blueprint("api_offers", __name__, "/offers", "Workplace-visit offers (4–8 hours of job shadowing).")


class OfferSchema(ma.Schema):
    id = fields.Integer(required=True)
    company_id = fields.Integer(required=True)
    title = fields.String(required=True)
    field = enum_field(Field, required=True, metadata={"description": "Occupational field (yrkesområde)."})
    description = fields.String(required=True)
    min_swedish_level = fields.Integer(required=True, metadata={"description": "CEFR as 0 (none) to 6 (C2)."})
    languages = fields.List(fields.String(), required=True, metadata={"description": "ISO 639-1 codes."})
    weekdays = fields.List(fields.String(), required=True)
    window_start = fields.Time(required=True, metadata={"description": "Earliest start, local time."})
    window_end = fields.Time(required=True, metadata={"description": "Latest end, local time."})
    hours = fields.Float(required=True)
    capacity_per_day = fields.Integer(required=True)
    capacity_per_quarter = fields.Integer(required=True)
    accessible = fields.Boolean(required=True)
    supervisor_name = fields.String(required=True)
    supervisor_email = fields.String(required=True)
    supervisor_phone = fields.String(required=True)
    address = fields.String(required=True, metadata={"description": "Blank: the company's address."})
    lat = fields.Float(required=True, allow_none=True)
    lon = fields.Float(required=True, allow_none=True)
    active = fields.Boolean(required=True)
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)


class OfferInSchema(ma.Schema):
    company_id = Id(metadata={"description": "Required, except for an employer (its own company)."})
    title = Text(max_length=200, required=True)
    field = enum_field(Field, required=True)
    description = Text(load_default="")
    min_swedish_level = fields.Integer(load_default=0, strict=True, validate=validate.Range(min=0, max=6))
    languages = language_list(load_default=lambda: ["sv"], validate=validate.Length(max=20))
    weekdays = slug_list(WEEKDAYS, load_default=lambda: ["mon", "tue", "wed", "thu", "fri"])
    window_start = fields.Time(required=True)
    window_end = fields.Time(required=True)
    hours = fields.Float(load_default=6, validate=validate.Range(min=0, max=24))
    capacity_per_day = fields.Integer(load_default=1, strict=True, validate=validate.Range(min=0, max=1000))
    capacity_per_quarter = fields.Integer(load_default=3, strict=True, validate=validate.Range(min=0, max=10000))
    accessible = fields.Boolean(load_default=False)
    supervisor_name = Text(max_length=200, required=True)
    supervisor_email = Text(max_length=field_rules.EMAIL_MAX_LENGTH, required=True,
                            validate=rule(field_rules.email_address))
    supervisor_phone = Text(max_length=40, load_default="")
    address = Text(max_length=200, load_default="")
    lat = fields.Float(allow_none=True, load_default=None, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(allow_none=True, load_default=None, validate=validate.Range(min=-180, max=180))
    active = fields.Boolean(load_default=True)


class OfferPatchSchema(OfferInSchema):
    """Any subset of the fields (the company never changes)."""

    class Meta:
        exclude = ("company_id",)

    def __init__(self, **kwargs: Any):
        super().__init__(partial=True, **kwargs)


class OfferFilterSchema(PageArgsSchema):
    company_id = Id(strict=False)
    field = slug_list(FIELD_SLUGS, metadata={"description": "Any of these fields (repeat the parameter)."})
    active = fields.Boolean()


OfferPageSchema = page_of(OfferSchema, "OfferPageSchema")


def offer_data(offer: Offer, changes: dict[str, Any]) -> company_ops.OfferData:
    current = {f.name: getattr(offer, f.name) for f in dataclasses.fields(company_ops.OfferData)}
    return company_ops.OfferData(**{**current, **changes})


def _load(offer_id: int) -> Offer:
    return get_visible_or_404(Offer, offer_id, perm.can_view_offer)


def _company_for_new_offer(company_id: int | None) -> Company:
    """The company named in the body (as a field error if missing or not visible)."""
    user = api_user()
    if company_id is None and perm.can_use_employer_portal(user):
        company_id = user.company_id
    company = db.session.get(Company, company_id) if company_id is not None else None
    if company is None or not perm.can_view_company(user, company):
        invalid("company_id", "No such company.")
    return company


@blp.route("")
@blp.allow(perm.can_see_companies)
@blp.arguments(OfferFilterSchema, location="query")
@blp.response(200, OfferPageSchema, headers=LINK_HEADER)
@blp.problems(403, 422)
def list_offers(args: dict[str, Any]) -> Any:
    """Offers the token may see, by title"""
    query = sa.select(Offer).where(perm.offer_scope(api_user()))
    if args.get("company_id") is not None:
        query = query.where(Offer.company_id == args["company_id"])
    if args.get("field"):
        query = query.where(Offer.field.in_(args["field"]))
    if args.get("active") is not None:
        query = query.where(Offer.active.is_(args["active"]))
    return paginate(query.order_by(Offer.title, Offer.id), args)


@blp.route("/<int:offer_id>")
@blp.allow(perm.can_see_companies)
@blp.etag
@blp.response(200, OfferSchema)
@blp.problems(403, 404)
def get_offer(offer_id: int) -> Any:
    """One offer"""
    offer = _load(offer_id)
    blp.set_etag(version_tag(offer))
    return offer


@blp.route("", methods=["POST"])
@blp.allow(perm.can_see_companies)
@blp.arguments(OfferInSchema)
@blp.response(201, OfferSchema)
@blp.problems(403, 413, 415, 422)
def create_offer(body: dict[str, Any]) -> Any:
    """Add an offer to a company (project leaders, admins, the company's employer)"""
    company = _company_for_new_offer(body.pop("company_id", None))
    require(perm.can_create_offer_for(api_user(), company), company)
    offer = company_ops.create_offer(db.session, company, company_ops.OfferData(**body))
    audit("offer_created", offer, company_id=company.id)
    as_stored()
    return offer, 201, {"Location": url_for("api_offers.get_offer", offer_id=offer.id, _external=True)}


@blp.route("/<int:offer_id>", methods=["PATCH"])
@blp.allow(perm.can_see_companies)
@blp.etag
@blp.arguments(OfferPatchSchema)
@blp.response(200, OfferSchema)
@blp.problems(403, 404, 409, 412, 413, 415, 422, 428)
def update_offer(body: dict[str, Any], offer_id: int) -> Any:
    """Change an offer, or pause it with {"active": false}; needs If-Match"""
    offer = _load(offer_id)
    require(perm.can_edit_offer(api_user(), offer), offer)
    blp.check_etag(version_tag(offer))
    company_ops.update_offer(db.session, offer, offer_data(offer, body))
    audit("offer_updated", offer, company_id=offer.company_id)
    as_stored()
    blp.set_etag(version_tag(offer))
    return offer
