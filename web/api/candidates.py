"""`/api/v1/candidates`: the candidate bank. Welfare officers refer their clients (with consent,
or as a draft without it) and see their own unit's; project leaders see the bank. Employers,
the steering group and admins are refused (403). The identity number is only ever shown masked.
Search, referral rules and edits are the bank's own (models/operations/candidate_bank.py and
models/operations/candidates/)."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import url_for
from marshmallow import fields, validate

from models import Candidate, Referral
from models.enums import (
    ADJUSTMENTS,
    FIELD_SLUGS,
    TIMES_OF_DAY,
    WEEKDAYS,
    ClosedOutcome,
    ConsentMethod,
    ContactChannel,
    Gender,
    ReferralStatus,
    TargetGroup,
)
from models.operations import candidate_bank
from models.operations import candidates as candidate_ops
from models.operations import fields as field_rules

from .. import permissions as perm
from ..candidates import queries
from ..extensions import db, pin_vault
from .core import (
    LINK_HEADER,
    api_blueprint,
    api_user,
    as_stored,
    audit,
    fields_named,
    get_visible_or_404,
    paginate,
    require,
)
from .schemas import Day, PageArgsSchema, Text, enum_field, language_list, page_of, rule, slug_list

blp = api_blueprint(
    "api_candidates", __name__, "/candidates",
    "The candidate bank: referrals by welfare officers, seen by their unit and the project leaders.",
)

# The bank's rules name the referral form's consent fields; the API nests them under `consent`.
CONSENT_FIELDS = {
    "consent_given_on": "consent.given_on", "consent_method": "consent.method",
    "consent_partnership": "consent.partnership", "consent_companies": "consent.companies",
}


class ReferralSchema(ma.Schema):
    id = fields.Integer(required=True)
    status = enum_field(ReferralStatus, required=True)
    unit_id = fields.Integer(required=True)
    referred_by_id = fields.Integer(required=True)
    reason = fields.String(required=True)
    return_reason = fields.String(required=True)
    economic_assistance = fields.Boolean(required=True, allow_none=True, metadata={
        "description": "Whether the client receives ekonomiskt bistånd (null: not told)."})
    closed_outcome = enum_field(ClosedOutcome, required=True, allow_none=True)
    created_at = fields.DateTime(required=True)
    submitted_at = fields.DateTime(required=True, allow_none=True)
    closed_at = fields.DateTime(required=True, allow_none=True)


class ConsentSchema(ma.Schema):
    given_on = fields.Date(required=True)
    method = enum_field(ConsentMethod, required=True)
    partnership = fields.Boolean(required=True, attribute="scope_partnership")
    companies = fields.Boolean(required=True, attribute="scope_companies")


class CandidateSchema(ma.Schema):
    id = fields.Integer(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)
    pin_masked = fields.String(
        required=True, allow_none=True, metadata={"description": "The identity number, masked: YYYYMMDD-XXXX."}
    )
    birth_date = fields.Date(required=True, allow_none=True)
    gender = enum_field(Gender, required=True, allow_none=True)
    phone = fields.String(required=True, allow_none=True)
    email = fields.String(required=True, allow_none=True)
    contact_channel = enum_field(ContactChannel, required=True)
    preferred_language = fields.String(required=True)
    target_group = enum_field(TargetGroup, required=True)
    swedish_level = fields.Integer(required=True, metadata={"description": "CEFR as 0 (none) to 6 (C2)."})
    languages = fields.List(fields.String(), required=True)
    interests = fields.List(fields.String(), required=True)
    weekdays = fields.List(fields.String(), required=True)
    times_of_day = fields.List(fields.String(), required=True)
    postcode = fields.String(required=True, allow_none=True)
    area = fields.String(required=True, allow_none=True)
    lat = fields.Float(required=True, allow_none=True)
    lon = fields.Float(required=True, allow_none=True)
    needs_accessible = fields.Boolean(required=True, metadata={"description": "Shown to the workplace."})
    adjustments = fields.List(fields.String(), required=True, metadata={"description": "Shown to the workplace."})
    to_workplace = fields.String(required=True, metadata={"description": "Shown to the workplace as written."})
    needs_other = fields.String(
        required=True, metadata={"description": "Internal: officers and project leaders only, never a company."}
    )
    consent = fields.Nested(
        ConsentSchema, required=True, allow_none=True, attribute="active_consent",
        metadata={"description": "The consent in force; null when none (or withdrawn)."},
    )
    referrals = fields.List(
        fields.Nested(ReferralSchema), required=True,
        metadata={"description": "The referrals you may see, newest first (project leaders see no drafts)."},
    )
    created_at = fields.DateTime(required=True)
    updated_at = fields.DateTime(required=True)

    @ma.pre_dump
    def _visible_referrals_only(self, candidate: Candidate, **_: Any) -> Any:
        return _AsSeenBy(candidate, queries.visible_referrals(api_user(), candidate))


class _AsSeenBy:
    """A candidate whose `referrals` are those the caller may see."""

    def __init__(self, candidate: Candidate, referrals: list[Referral]):
        self._candidate, self.referrals = candidate, referrals

    def __getattr__(self, name: str) -> Any:
        return getattr(self._candidate, name)


class ConsentInSchema(ma.Schema):
    given_on = Day(required=True, metadata={"description": "The day the client consented (not in the future)."})
    method = enum_field(ConsentMethod, required=True)
    partnership = fields.Boolean(load_default=True, metadata={"description": "Sharing with the partnership."})
    companies = fields.Boolean(load_default=True, metadata={"description": "Sharing with receiving companies."})


class CandidateFieldsSchema(ma.Schema):
    """The client's data, as in the referral form; the bank's rules check each value."""

    first_name = Text(max_length=100, required=True)
    last_name = Text(max_length=100, required=True)
    gender = enum_field(Gender, allow_none=True)
    phone = Text(max_length=field_rules.PHONE_MAX_LENGTH, allow_none=True, validate=rule(field_rules.phone_number))
    email = Text(max_length=field_rules.EMAIL_MAX_LENGTH, allow_none=True, validate=rule(field_rules.email_address))
    contact_channel = enum_field(ContactChannel)
    preferred_language = Text(max_length=5, metadata={"description": "ISO 639-1; default sv."})
    target_group = enum_field(TargetGroup, required=True)
    swedish_level = fields.Integer(required=True, strict=True, validate=validate.Range(min=0, max=6))
    languages = language_list(validate=validate.Length(max=30))
    interests = slug_list(FIELD_SLUGS, required=True)
    weekdays = slug_list(WEEKDAYS, required=True)
    times_of_day = slug_list(TIMES_OF_DAY)
    postcode = Text(max_length=field_rules.POSTCODE_MAX_LENGTH, allow_none=True, validate=rule(field_rules.postcode))
    area = Text(max_length=100, allow_none=True)
    lat = fields.Float(allow_none=True, validate=validate.Range(min=-90, max=90))
    lon = fields.Float(allow_none=True, validate=validate.Range(min=-180, max=180))
    needs_accessible = fields.Boolean(metadata={"description": "A step-free workplace; shown to the workplace."})
    adjustments = slug_list(
        ADJUSTMENTS, metadata={"description": f"Adjustments shown to the workplace: any of {', '.join(ADJUSTMENTS)}."}
    )
    to_workplace = Text(
        max_length=candidate_ops.TO_WORKPLACE_MAX,
        metadata={"description": "Text shown to the workplace as written; only what the client agreed to share."},
    )
    needs_other = Text(
        max_length=2000, metadata={"description": "Internal notes on practical needs; never shown to a company."}
    )


class ReferralInSchema(CandidateFieldsSchema):
    pin = Text(max_length=20, required=True, metadata={"description": "Personnummer or samordningsnummer."})
    reason = Text(max_length=4000, load_default="", metadata={"description": "Why the client is referred."})
    economic_assistance = fields.Boolean(load_default=None, allow_none=True, metadata={
        "description": "Whether the client receives ekonomiskt bistånd (the agreement's target group)."})
    consent = fields.Nested(
        ConsentInSchema, allow_none=True, load_default=None,
        metadata={"description": "Without consent the referral is saved as a draft."},
    )
    submit = fields.Boolean(load_default=True, metadata={"description": "Send it to the project leader at once "
                                                                        "(only with consent)."})
    attach = fields.Boolean(
        load_default=False,
        metadata={"description": "Refer a person already in the bank (matched by identity number) again."},
    )


class CandidatePatchSchema(CandidateFieldsSchema):
    """Any subset of the client's data; `pin` replaces the identity number."""

    pin = Text(max_length=20)

    def __init__(self, **kwargs: Any):
        super().__init__(partial=True, **kwargs)


class CandidateFilterSchema(PageArgsSchema):
    q = Text(max_length=100, metadata={"description": "Words of the first or last name."})
    status = enum_field(ReferralStatus, metadata={"description": "Status of the latest referral you can see."})
    target_group = enum_field(TargetGroup)
    interests = slug_list(FIELD_SLUGS, metadata={"description": "Any of these fields (repeat the parameter)."})
    level_min = fields.Integer(validate=validate.Range(min=0, max=6))
    level_max = fields.Integer(validate=validate.Range(min=0, max=6))
    weekdays = slug_list(WEEKDAYS)
    area = Text(max_length=100, metadata={"description": "Area, or the start of a postcode."})
    visited = fields.Boolean(metadata={"description": "Has (true) or has not (false) completed a visit."})
    referred_from = Day()
    referred_to = Day()
    sort = fields.String(load_default="-referred", validate=validate.OneOf(candidate_bank.SORTS))


CandidatePageSchema = page_of(CandidateSchema, "CandidatePageSchema")


def candidate_tag(candidate: Candidate) -> dict[str, Any]:
    """What the ETag is computed from: the row's version, and the referral statuses and consent
    shown with it (which change without the row's version)."""
    return {
        "type": "candidate", "id": candidate.id, "version": candidate.version,
        "referrals": sorted((r.id, r.status.value) for r in candidate.referrals),
        "consent": candidate.active_consent.id if candidate.active_consent else None,
    }


def _values(candidate: Candidate) -> dict[str, Any]:
    """The candidate's current data in the form the bank's parser reads (as the edit form does)."""
    names = [name for name in CandidateFieldsSchema._declared_fields if name != "pin"]
    values = {name: getattr(candidate, name) for name in names}
    for name in ("gender", "contact_channel", "target_group"):
        values[name] = getattr(values[name], "value", values[name])
    return values


def _consent_values(consent: dict[str, Any] | None) -> dict[str, Any]:
    if not consent:
        return {}
    return {
        "consent_given_on": consent["given_on"], "consent_method": consent["method"].value,
        "consent_partnership": consent["partnership"], "consent_companies": consent["companies"],
    }


def _load(candidate_id: int) -> Candidate:
    return get_visible_or_404(Candidate, candidate_id, perm.can_open_candidate)


@blp.route("")
@blp.allow(perm.can_use_candidate_bank)
@blp.arguments(CandidateFilterSchema, location="query")
@blp.response(200, CandidatePageSchema, headers=LINK_HEADER)
@blp.problems(403, 422)
def list_candidates(args: dict[str, Any]) -> Any:
    """Search the candidates you may see (an officer: the own unit's)"""
    filters = candidate_bank.BankFilters(
        q=args.get("q", ""), status=args.get("status"), target_group=args.get("target_group"),
        interests=args.get("interests", []), level_min=args.get("level_min"), level_max=args.get("level_max"),
        weekdays=args.get("weekdays", []), area=args.get("area", ""), visited=args.get("visited"),
        referred_from=args.get("referred_from"), referred_to=args.get("referred_to"), sort=args["sort"],
    )
    return paginate(candidate_bank.bank_query(perm.bank_scope(api_user()), filters), args)


@blp.route("/<int:candidate_id>")
@blp.allow(perm.can_use_candidate_bank)
@blp.etag
@blp.response(200, CandidateSchema)
@blp.problems(403, 404)
def get_candidate(candidate_id: int) -> Any:
    """One candidate, with the referrals you may see (every reading is logged)"""
    candidate = _load(candidate_id)
    audit("candidate_viewed", candidate)
    blp.set_etag(candidate_tag(candidate))
    return candidate


@blp.route("", methods=["POST"])
@blp.allow(perm.can_refer)
@blp.arguments(ReferralInSchema)
@blp.response(201, CandidateSchema)
@blp.problems(403, 409, 413, 415, 422)
def refer(body: dict[str, Any]) -> Any:
    """Refer a client (welfare officers): sent to the project leader with consent, else a draft"""
    values = {**body, **_consent_values(body.get("consent"))}
    fields_named(CONSENT_FIELDS)
    consent = candidate_ops.parse_consent_input(values, scopes_from_checkboxes=True)
    referral: Referral = candidate_ops.refer_candidate(
        db.session, pin_vault(), candidate_ops.parse_candidate_input(values), officer=api_user(),
        reason=candidate_ops.parse_reason(body["reason"]), consent=consent,
        submit=body["submit"] and consent is not None, attach=body["attach"],
        economic_assistance=body["economic_assistance"],
    )
    audit("referral_created", referral, candidate_id=referral.candidate_id, attached=body["attach"],
          status=referral.status.value)
    as_stored()
    candidate = referral.candidate
    location = url_for("api_candidates.get_candidate", candidate_id=candidate.id, _external=True)
    return candidate, 201, {"Location": location}


@blp.route("/<int:candidate_id>", methods=["PATCH"])
@blp.allow(perm.can_use_candidate_bank)
@blp.etag
@blp.arguments(CandidatePatchSchema)
@blp.response(200, CandidateSchema)
@blp.problems(403, 404, 409, 412, 413, 415, 422, 428)
def update_candidate(body: dict[str, Any], candidate_id: int) -> Any:
    """Change a candidate's data; needs If-Match"""
    candidate = _load(candidate_id)
    require(perm.can_edit_candidate(api_user(), candidate), candidate)
    blp.check_etag(candidate_tag(candidate))
    data = candidate_ops.parse_candidate_input({**_values(candidate), **body}, require_identity=False)
    candidate_ops.update_candidate(db.session, pin_vault(), candidate, data, expected_version=candidate.version)
    audit("candidate_updated", candidate, pin_changed=data.identity is not None)
    as_stored()
    blp.set_etag(candidate_tag(candidate))
    return candidate

