"""`/api/v1/commitments`: companies' commitments to offer places and their progress, promised
against delivered. Project leaders, admins and the steering group see every commitment; an
employer sees only its own company's (another company's is 404)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from marshmallow import fields, validate

from models import Commitment, Company, clock
from models.commitments import CommitmentSource, PromiseKind
from models.operations import commitments as commitment_ops

from .. import permissions as perm
from ..extensions import db
from .core import LINK_HEADER, api_blueprint, api_user, get_visible_or_404, paginate
from .schemas import PageArgsSchema, Text, enum_field, page_of

blp = api_blueprint("api_commitments", __name__, "/commitments",
                    "Companies' commitments to offer places, and what they have delivered.")


class PromiseSchema(ma.Schema):
    kind = enum_field(PromiseKind, required=True)
    per_year = fields.Integer(required=True)


class CommitmentSchema(ma.Schema):
    id = fields.Integer(required=True)
    company_id = fields.Integer(required=True)
    company_name = fields.Function(lambda c: c.company.name, required=True)
    source = enum_field(CommitmentSource, required=True)
    reference = fields.String(required=True, metadata={"description": "The contract's number or reference."})
    department = fields.String(required=True, metadata={"description": "The contracting department."})
    period_from = fields.Date(required=True)
    period_to = fields.Date(required=True)
    promises = fields.List(fields.Nested(PromiseSchema), required=True,
                           metadata={"description": "What was promised per year, per kind."})


class KindProgressSchema(ma.Schema):
    kind = enum_field(PromiseKind, required=True)
    per_year = fields.Integer(required=True)
    promised = fields.Float(required=True, metadata={"description": "Promised over the window."})
    due = fields.Integer(required=True, metadata={"description": "What an even pace asks for by today."})
    delivered = fields.Integer(required=True)
    behind = fields.Boolean(required=True)


class ProgressSchema(ma.Schema):
    commitment = fields.Nested(CommitmentSchema, required=True)
    first = fields.Date(required=True, allow_none=True,
                        metadata={"description": "The window: the period, or its part in `year` (null: none)."})
    last = fields.Date(required=True, allow_none=True)
    elapsed = fields.Float(required=True, metadata={"description": "The share of the window passed, 0–1."})
    behind = fields.Boolean(required=True)
    kinds = fields.List(fields.Nested(KindProgressSchema), required=True)


class ProgressListSchema(ma.Schema):
    items = fields.List(fields.Nested(ProgressSchema), required=True)


class CommitmentFilterSchema(PageArgsSchema):
    department = Text(max_length=120, metadata={"description": "The contracting department, exactly."})
    company_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))


class ProgressArgsSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    department = Text(max_length=120, metadata={"description": "The contracting department, exactly."})
    company_id = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    year = fields.Integer(validate=validate.Range(min=2000, max=2100),
                          metadata={"description": "Only the commitments' part in this calendar year."})


class YearArgsSchema(ma.Schema):
    class Meta:
        unknown = ma.EXCLUDE

    year = fields.Integer(validate=validate.Range(min=2000, max=2100),
                          metadata={"description": "Only the commitment's part in this calendar year."})


CommitmentPageSchema = page_of(CommitmentSchema, "CommitmentPageSchema")


def _conditions(args: dict[str, Any]) -> list[sa.ColumnElement[bool]]:
    conditions = [perm.commitment_scope(api_user())]
    if args.get("department"):
        conditions.append(Commitment.department == args["department"].strip())
    if args.get("company_id") is not None:
        conditions.append(Commitment.company_id == args["company_id"])
    return conditions


@blp.route("")
@blp.allow(perm.can_see_commitments)
@blp.arguments(CommitmentFilterSchema, location="query")
@blp.response(200, CommitmentPageSchema, headers=LINK_HEADER)
@blp.problems(403, 422)
def list_commitments(args: dict[str, Any]) -> Any:
    """Commitments the token may see, by company"""
    query = (sa.select(Commitment).join(Commitment.company).where(*_conditions(args))
             .order_by(Company.name, Commitment.period_from, Commitment.id))
    return paginate(query, args)


@blp.route("/progress")
@blp.allow(perm.can_see_commitments)
@blp.arguments(ProgressArgsSchema, location="query")
@blp.response(200, ProgressListSchema)
@blp.problems(403, 422)
def list_progress(args: dict[str, Any]) -> Any:
    """Promised against delivered for every commitment the token may see (by department, company, year)"""
    commitments = list(db.session.scalars(
        sa.select(Commitment).join(Commitment.company).where(*_conditions(args))
        .order_by(Company.name, Commitment.period_from, Commitment.id)
    ))
    rows = commitment_ops.progress(db.session, commitments, today=clock.local_today(), year=args.get("year"))
    return {"items": rows}


@blp.route("/<int:commitment_id>")
@blp.allow(perm.can_see_commitments)
@blp.response(200, CommitmentSchema)
@blp.problems(403, 404)
def get_commitment(commitment_id: int) -> Any:
    """One commitment"""
    return get_visible_or_404(Commitment, commitment_id, perm.can_view_commitment)


@blp.route("/<int:commitment_id>/progress")
@blp.allow(perm.can_see_commitments)
@blp.arguments(YearArgsSchema, location="query")
@blp.response(200, ProgressSchema)
@blp.problems(403, 404, 422)
def get_progress(args: dict[str, Any], commitment_id: int) -> Any:
    """One commitment's promise and delivery (its period, or its part in `year`)"""
    commitment = get_visible_or_404(Commitment, commitment_id, perm.can_view_commitment)
    rows = commitment_ops.progress(db.session, [commitment], today=clock.local_today(), year=args.get("year"))
    if not rows:
        return {"commitment": commitment, "first": None, "last": None, "elapsed": 0.0, "behind": False, "kinds": []}
    return rows[0]
