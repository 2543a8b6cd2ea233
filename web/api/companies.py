"""`/api/v1/companies`: the company network. Project leaders and admins see and manage all
companies; an employer sees only its own company (another company is 404)."""

from __future__ import annotations

import dataclasses
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask import url_for
from marshmallow import fields, validate

from models import Company
from models.enums import CompanyStatus, Network, SizeClass
from models.operations import companies as company_ops
from models.operations import fields as field_rules

from .. import permissions as perm
from ..extensions import db
from .core import LINK_HEADER, api_blueprint, api_user, as_stored, audit, get_visible_or_404, paginate, version_tag
from .schemas import PageArgsSchema, Text, enum_field, page_of, rule

blp = api_blueprint("api_companies", __name__, "/companies", "Companies in the partnership's network.")


class CompanySchema(ma.Schema):
    id = fields.Integer(dump_only=True, required=True)
    name = fields.String(required=True)
    org_number = fields.String(required=True, metadata={"description": "Organisationsnummer, NNNNNN-NNNN."})
    industry = fields.String(required=True)
    size_class = enum_field(SizeClass, required=True)
    network = enum_field(Network, required=True)
    status = enum_field(CompanyStatus, required=True)
    address = fields.String(required=True)
    postcode = fields.String(required=True)
    city = fields.String(required=True)
    lat = fields.Float(required=True, allow_none=True)
    lon = fields.Float(required=True, allow_none=True)
    notes = fields.String(metadata={"description": "Internal notes; not shown to employers."})
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)

    @ma.post_dump
    def _hide_internal_notes(self, data: dict[str, Any], **_: Any) -> dict[str, Any]:
        if not perm.can_manage_companies(api_user()):
            data.pop("notes", None)
        return data


class CompanyInSchema(ma.Schema):
    """What a client sends; the rules (org number check digit, postcode, ranges) are the
    domain's, and their messages come back as 422 with the field."""

    name = Text(max_length=200, required=True)
    org_number = Text(max_length=20, required=True)
    size_class = enum_field(SizeClass, required=True)
    network = enum_field(Network, required=True)
    status = enum_field(CompanyStatus, load_default=CompanyStatus.PROSPECT)
    industry = Text(max_length=120, load_default="")
    address = Text(max_length=200, load_default="")
    postcode = Text(max_length=field_rules.POSTCODE_MAX_LENGTH, load_default="", validate=rule(field_rules.postcode))
    city = Text(max_length=100, load_default="")
    lat = fields.Float(allow_none=True, load_default=None, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(allow_none=True, load_default=None, validate=validate.Range(min=-180, max=180))
    notes = Text(load_default="")


class CompanyPatchSchema(CompanyInSchema):
    """Any subset of the fields; the others keep their values."""

    def __init__(self, **kwargs: Any):
        super().__init__(partial=True, **kwargs)


class CompanyFilterSchema(PageArgsSchema):
    q = Text(max_length=100, metadata={"description": "Part of the name, or of the org number."})
    network = enum_field(Network)
    status = enum_field(CompanyStatus)
    size_class = enum_field(SizeClass)


CompanyPageSchema = page_of(CompanySchema, "CompanyPageSchema")


def company_data(company: Company, changes: dict[str, Any]) -> company_ops.CompanyData:
    """The company's current values with the requested changes on top."""
    current = {f.name: getattr(company, f.name) for f in dataclasses.fields(company_ops.CompanyData)}
    return company_ops.CompanyData(**{**current, **changes})


def _load(company_id: int) -> Company:
    return get_visible_or_404(Company, company_id, perm.can_view_company)


@blp.route("")
@blp.allow(perm.can_see_companies)
@blp.arguments(CompanyFilterSchema, location="query")
@blp.response(200, CompanyPageSchema, headers=LINK_HEADER)
@blp.problems(403, 422)
def list_companies(args: dict[str, Any]) -> Any:
    """Companies the token may see, by name"""
    query = sa.select(Company).where(perm.company_scope(api_user()))
    if args.get("q"):
        text = args["q"].strip()
        digits = "".join(ch for ch in text if ch.isdigit())
        matches = [Company.name.icontains(text, autoescape=True)]
        if len(digits) >= 4:
            matches.append(sa.func.replace(Company.org_number, "-", "").contains(digits, autoescape=True))
        query = query.where(sa.or_(*matches))
    for key in ("network", "status", "size_class"):
        if args.get(key) is not None:
            query = query.where(getattr(Company, key) == args[key])
    return paginate(query.order_by(Company.name, Company.id), args)


@blp.route("/<int:company_id>")
@blp.allow(perm.can_see_companies)
@blp.etag
@blp.response(200, CompanySchema)
@blp.problems(403, 404)
def get_company(company_id: int) -> Any:
    """One company"""
    company = _load(company_id)
    blp.set_etag(version_tag(company))
    return company


@blp.route("", methods=["POST"])
@blp.allow(perm.can_manage_companies)
@blp.arguments(CompanyInSchema)
@blp.response(201, CompanySchema)
@blp.problems(403, 413, 415, 422)
def create_company(body: dict[str, Any]) -> Any:
    """Register a company (project leaders and admins)"""
    company = company_ops.create_company(db.session, company_ops.CompanyData(**body))
    audit("company_created", company)
    as_stored()
    return company, 201, {"Location": url_for("api_companies.get_company", company_id=company.id, _external=True)}


@blp.route("/<int:company_id>", methods=["PATCH"])
@blp.allow(perm.can_manage_companies)
@blp.etag
@blp.arguments(CompanyPatchSchema)
@blp.response(200, CompanySchema)
@blp.problems(403, 404, 409, 412, 413, 415, 422, 428)
def update_company(body: dict[str, Any], company_id: int) -> Any:
    """Change a company (project leaders and admins); needs If-Match"""
    company = _load(company_id)
    blp.check_etag(version_tag(company))
    company_ops.update_company(db.session, company, company_data(company, body))
    audit("company_updated", company)
    as_stored()
    blp.set_etag(version_tag(company))
    return company
