"""`/api/v1/visits`: workplace visits. Project leaders see and move all; welfare officers see
their own clients' visits; an employer sees its company's visits through the same minimal
visitor view as the employer portal, and answers proposals. Booking and every status change go
through web.visits.service, which also writes the emails."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from flask import abort, url_for
from marshmallow import fields

from models import Candidate, Offer, Visit
from models.enums import DeclineReason, Party, VisitStatus
from models.operations import visit_lists

from .. import permissions as perm
from ..employer.visitor import available_candidates, visit_loads_for, visitor_available, visitor_view
from ..extensions import db
from ..visits import service
from .core import (
    LINK_HEADER,
    api_blueprint,
    api_user,
    as_stored,
    audit,
    fields_named,
    get_visible_or_404,
    invalid,
    paginate,
    require,
)
from .schemas import Day, Id, Moment, PageArgsSchema, Text, enum_field, page_of

blp = api_blueprint(
    "api_visits", __name__, "/visits",
    "Workplace visits: propose, follow and move through proposed → accepted → confirmed → completed.",
)


class VisitEventSchema(ma.Schema):
    from_status = enum_field(VisitStatus, required=True, allow_none=True)
    to_status = enum_field(VisitStatus, required=True)
    at = fields.DateTime(required=True)
    by_party = enum_field(Party, required=True)
    reason = fields.String(required=True)


class VisitorNeedsSchema(ma.Schema):
    """The structured adjustments and the text written to the workplace; an officer's own notes
    on the visitor's needs are never part of it."""

    accessible = fields.Boolean(required=True, metadata={"description": "Needs a step-free workplace."})
    adjustments = fields.List(
        fields.String(), required=True,
        metadata={"description": "Every adjustment the workplace is asked for (a step-free workplace, interpreter, "
                                 "language support, breaks), in words, in the caller's language."},
    )
    times_of_day = fields.List(fields.String(), required=True)
    to_workplace = fields.String(
        required=True, metadata={"description": "What the officer wrote to the workplace, with the visitor's "
                                                "agreement (may be empty)."},
    )


class VisitorSchema(ma.Schema):
    """What a host needs to receive the visitor, and nothing else (the employer portal's view)."""

    available = fields.Boolean(
        required=True, metadata={"description": "False when consent was withdrawn: nothing more is shown."}
    )
    first_name = fields.String()
    interests = fields.List(fields.String())
    swedish_level = fields.String()
    languages = fields.List(fields.String())
    needs = fields.Nested(VisitorNeedsSchema)


class VisitSchema(ma.Schema):
    """A visit. Case workers (project leaders, officers) get the case fields; an employer gets
    `visitor` instead."""

    id = fields.Integer(required=True)
    status = enum_field(VisitStatus, required=True)
    offer_id = fields.Integer(required=True)
    start_at = fields.DateTime(required=True)
    end_at = fields.DateTime(required=True)
    visit_date = fields.Date(required=True, metadata={"description": "The local date (Europe/Stockholm)."})
    candidate_id = fields.Integer()
    supervisor_name = fields.String()
    supervisor_email = fields.String()
    actual_start = fields.DateTime(allow_none=True)
    actual_end = fields.DateTime(allow_none=True)
    decline_reason = enum_field(DeclineReason, allow_none=True)
    cancelled_by = enum_field(Party, allow_none=True)
    status_reason = fields.String()
    availability_override = fields.String(
        metadata={"description": "Why it was booked outside the participant's weekdays or times of day "
                                 "(empty when it fits)."})
    proposed_by_id = fields.Integer(allow_none=True)
    created_at = fields.DateTime()
    updated_at = fields.DateTime()
    events = fields.List(fields.Nested(VisitEventSchema), metadata={"description": "The status history."})
    visitor = fields.Nested(VisitorSchema, metadata={"description": "Employers only."})


class VisitInSchema(ma.Schema):
    offer_id = Id(required=True)
    candidate_id = Id(required=True)
    start_at = Moment(required=True)
    end_at = Moment(required=True)
    supervisor_name = Text(max_length=200, metadata={"description": "Default: the offer's supervisor."})
    supervisor_email = Text(max_length=254, metadata={"description": "Default: the offer's supervisor."})
    allow_holiday = fields.Boolean(load_default=False, metadata={"description": "Book on a public holiday."})
    availability_override = Text(
        max_length=2000, load_default=None, allow_none=True,
        metadata={"description": "Book outside the participant's weekdays or times of day, for this written "
                                 "reason (kept in the visit's history). Without it such a booking is refused "
                                 "(422, code `availability`)."},
    )


class TransitionSchema(ma.Schema):
    to = enum_field(VisitStatus, required=True)
    reason = Text(max_length=2000, load_default="")
    actual_start = Moment(load_default=None, allow_none=True)
    actual_end = Moment(load_default=None, allow_none=True)
    decline_reason = enum_field(DeclineReason, load_default=None, allow_none=True)


class VisitFilterSchema(PageArgsSchema):
    status = fields.List(enum_field(VisitStatus), metadata={"description": "Any of these (repeat the parameter)."})
    offer_id = Id(strict=False)
    candidate_id = Id(strict=False)
    date_from = Day(metadata={"description": "Visits on or after this local date."})
    date_to = Day(metadata={"description": "Visits on or before this local date."})


VisitPageSchema = page_of(VisitSchema, "VisitPageSchema")
# The booking rules name the booking form's fields; the API's body names them so.
BOOKING_FIELDS = {"start": "start_at", "end": "end_at", "day": "start_at", "offer": "offer_id",
                  "candidate": "candidate_id", "availability_reason": "availability_override"}


def shown(visit: Visit, *, available: bool | None = None) -> Any:
    """The visit as this token's owner may see it: employers only through the visitor view
    (`available`: whether its visitor may be shown, when a list has asked for all at once)."""
    if perm.can_view_visit_details(api_user(), visit):
        return visit
    view = visitor_view(visit, available=available)
    visitor = {k: view[k] for k in ("available", "first_name", "interests", "swedish_level", "languages", "needs")
               if k in view}
    return {
        "id": visit.id, "status": visit.status, "offer_id": visit.offer_id, "start_at": visit.start_at,
        "end_at": visit.end_at, "visit_date": visit.visit_date, "visitor": visitor,
    }


def _load(visit_id: int) -> Visit:
    visit = get_visible_or_404(Visit, visit_id, perm.can_view_visit, *visit_loads_for(api_user()))
    if perm.can_use_employer_portal(api_user()) and not visitor_available(visit):
        abort(410, description="The visitor is no longer available (consent withdrawn).")
    return visit


@blp.route("")
@blp.allow(perm.can_see_visits)
@blp.arguments(VisitFilterSchema, location="query")
@blp.response(200, VisitPageSchema, headers=LINK_HEADER)
@blp.problems(403, 422)
def list_visits(args: dict[str, Any]) -> Any:
    """Visits the token may see, soonest first"""
    filters = visit_lists.VisitFilters(
        statuses=tuple(args.get("status") or ()), offer_id=args.get("offer_id"), candidate_id=args.get("candidate_id"),
        date_from=args.get("date_from"), date_to=args.get("date_to"),
    )
    user = api_user()
    query = visit_lists.visit_list(perm.shown_visit_scope(user), filters).options(*visit_loads_for(user))
    body, headers = paginate(query, args)
    if perm.can_use_employer_portal(user):
        # A company's token: whether each visitor may be shown, asked once for the page, not once
        # per visit.
        available = available_candidates(v.candidate_id for v in body["items"])
        body["items"] = [shown(v, available=v.candidate_id in available) for v in body["items"]]
    else:
        body["items"] = [shown(v) for v in body["items"]]
    return body, headers


@blp.route("/<int:visit_id>")
@blp.allow(perm.can_see_visits)
@blp.etag
@blp.response(200, VisitSchema)
@blp.problems(403, 404, 410)
def get_visit(visit_id: int) -> Any:
    """One visit"""
    return shown(_load(visit_id))


@blp.route("", methods=["POST"])
@blp.allow(perm.can_book_visits)
@blp.arguments(VisitInSchema)
@blp.response(201, VisitSchema)
@blp.problems(403, 409, 413, 415, 422)
def propose_visit(body: dict[str, Any]) -> Any:
    """Propose a visit (project leaders): the supervisor is emailed an accept/decline link"""
    user = api_user()
    offer = db.session.get(Offer, body["offer_id"])
    if offer is None or not perm.can_view_offer(user, offer):
        invalid("offer_id", "No such offer.")
    candidate = db.session.get(Candidate, body["candidate_id"])
    if candidate is None or not perm.can_open_candidate(user, candidate):
        invalid("candidate_id", "No such candidate.")
    fields_named(BOOKING_FIELDS)
    visit = service.propose_visit(
        offer, candidate, body["start_at"], body["end_at"], by=user,
        supervisor_name=body.get("supervisor_name"), supervisor_email=body.get("supervisor_email"),
        allow_holiday=body["allow_holiday"], availability_override=body["availability_override"],
    )
    audit("visit_proposed", visit, offer_id=offer.id, candidate_id=candidate.id,
          outside_availability=bool(visit.availability_override))
    as_stored()
    return visit, 201, {"Location": url_for("api_visits.get_visit", visit_id=visit.id, _external=True)}


@blp.route("/<int:visit_id>/transitions", methods=["POST"])
@blp.allow(perm.can_see_visits)
@blp.arguments(TransitionSchema)
@blp.response(200, VisitSchema)
@blp.problems(403, 404, 409, 410, 413, 415, 422)
def transition(body: dict[str, Any], visit_id: int) -> Any:
    """Move a visit to another status (409 when its current status does not allow it). A company's
    token may only accept or decline a proposal (403 for any other status)."""
    user = api_user()
    visit = _load(visit_id)
    if perm.can_manage_visit(user, visit):
        party = Party.PROJECT_LEADER
    elif perm.can_answer_proposal_with(user, visit, body["to"]):
        party = Party.EMPLOYER
    else:
        require(False, visit)
    service.apply_transition(
        visit, body["to"], by=user, party=party, reason=body["reason"], actual_start=body["actual_start"],
        actual_end=body["actual_end"], decline_reason=body["decline_reason"],
    )
    audit("visit_transition", visit, to=body["to"].value)
    as_stored()
    return shown(visit)
