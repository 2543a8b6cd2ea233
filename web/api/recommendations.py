"""`/api/v1/offers/{id}/recommendations` and `/api/v1/candidates/{id}/recommendations`: the
ranked lists of the offer and candidate pages, for project leaders. Ranking, eligibility and the
exposure log are the matching area's (web/matching/service.py): every list given out is logged
as shown, as on the pages."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from models import Candidate, Offer
from models.operations import matching as matching_ops

from .. import permissions as perm
from ..i18n import translate
from ..matching import service
from .core import api_blueprint, api_user, get_visible_or_404
from .schemas import Day

blp = api_blueprint(
    "api_recommendations", __name__, "",
    "Ranked candidates for an offer and offers for a candidate (project leaders; every list is logged).",
)


class RecommendationArgsSchema(ma.Schema):
    limit = fields.Integer(
        load_default=10, validate=validate.Range(min=1, max=matching_ops.EXPOSURE_TOP),
        metadata={"description": "How many to return, best first."},
    )
    day = Day(metadata={"description": "Only those free (or open) that day; default: the next possible day."})


class _Ranked(ma.Schema):
    score = fields.Float(required=True, metadata={"description": "0–1; higher is a better match."})
    band = fields.String(required=True, metadata={"enum": ["very_good", "good", "possible"]})
    reasons = fields.List(
        fields.String(), required=True,
        metadata={"description": "What speaks for the pair (\"Därför\"), in Swedish."},
    )
    considerations = fields.List(
        fields.String(), required=True,
        metadata={"description": "What speaks against it (\"Att tänka på\"), in Swedish."},
    )


class CandidateRecommendationSchema(_Ranked):
    candidate_id = fields.Integer(required=True)
    first_name = fields.String(required=True)
    last_name = fields.String(required=True)


class OfferRecommendationSchema(_Ranked):
    offer_id = fields.Integer(required=True)
    title = fields.String(required=True)
    company_id = fields.Integer(required=True)
    company_name = fields.String(required=True)
    places_left = fields.Integer(required=True, allow_none=True, metadata={"description": "This quarter."})


class _List(ma.Schema):
    day = fields.Date(required=True, allow_none=True)
    ranked = fields.Integer(required=True, metadata={"description": "How many could be recommended in all."})
    model_id = fields.Integer(required=True, allow_none=True, metadata={"description": "null: the content score."})
    exposure_id = fields.Integer(required=True, allow_none=True, metadata={"description": "The logged list."})
    notice = fields.String(required=True, allow_none=True, metadata={"description": "About the model used."})
    empty = fields.String(required=True, allow_none=True, metadata={"description": "Why the list is empty."})
    problems = fields.List(fields.String(), required=True, metadata={"description": "What stops the candidate."})


class CandidateRecommendationsSchema(_List):
    items = fields.List(fields.Nested(CandidateRecommendationSchema), required=True)


class OfferRecommendationsSchema(_List):
    items = fields.List(fields.Nested(OfferRecommendationSchema), required=True)


def _envelope(panel: service.Panel, items: list[dict[str, Any]]) -> dict[str, Any]:
    shown = panel.recommendations
    return {
        "day": shown.day, "ranked": shown.ranked, "model_id": shown.model_id, "exposure_id": panel.exposure_id,
        "notice": translate(shown.notice) or None, "empty": translate(shown.empty) or None,
        "problems": [translate(p) for p in shown.problems], "items": items,
    }


def _ranked(item: matching_ops.Recommended) -> dict[str, Any]:
    return {"score": item.score, "band": item.band, "reasons": [translate(r) for r in item.reasons],
            "considerations": [translate(r) for r in item.considerations]}


@blp.route("/offers/<int:offer_id>/recommendations")
@blp.allow(perm.can_use_matching)
@blp.arguments(RecommendationArgsSchema, location="query")
@blp.response(200, CandidateRecommendationsSchema)
@blp.problems(403, 404, 422)
def for_offer(args: dict[str, Any], offer_id: int) -> Any:
    """Candidates recommended for an offer"""
    offer = get_visible_or_404(Offer, offer_id, perm.can_view_offer)
    panel = service.offer_panel(offer, api_user(), day=args.get("day"), limit=args["limit"])
    items = [
        {**_ranked(item), "candidate_id": person.id, "first_name": person.first_name, "last_name": person.last_name}
        for item, person in panel.rows
    ]
    return _envelope(panel, items)


@blp.route("/candidates/<int:candidate_id>/recommendations")
@blp.allow(perm.can_use_matching)
@blp.arguments(RecommendationArgsSchema, location="query")
@blp.response(200, OfferRecommendationsSchema)
@blp.problems(403, 404, 422)
def for_candidate(args: dict[str, Any], candidate_id: int) -> Any:
    """Offers recommended for a candidate"""
    candidate = get_visible_or_404(Candidate, candidate_id, perm.can_open_candidate)
    panel = service.candidate_panel(candidate, api_user(), day=args.get("day"), limit=args["limit"])
    items = [
        {**_ranked(item), "offer_id": offer.id, "title": offer.title, "company_id": offer.company_id,
         "company_name": offer.company.name, "places_left": panel.places.get(offer.id)}
        for item, offer in panel.rows
    ]
    return _envelope(panel, items)
