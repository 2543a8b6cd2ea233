"""Matching on the web side: the active model shared by the requests of a process, the
recommendation panels with their exposure log (a booking opened from a list carries the list's
id to the visits area, which notes the proposal on it), and turning chosen plan rows into
proposals."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import astuple, dataclass, field
from functools import partial
from typing import Any, Optional

import sqlalchemy as sa
from flask import current_app
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy.orm import selectinload

from models import Candidate, Offer, Visit, clock
from models.kept import kept_result
from models.operations import matching as matching_ops
from models.operations import ranker_duel
from models.operations.companies import Quarter
from models.operations.ranker_registry import ActiveModelCache

from .. import permissions as perm
from ..extensions import db
from ..helpers import audit
from ..i18n import error_message
from ..transactions import in_own_transaction, refusal_of
from ..visits import service as visit_service

#: Rows on the offer and candidate pages; the full list page shows matching_ops.EXPOSURE_TOP.
PANEL_ROWS = 10


def today() -> dt.date:
    return clock.local_today()


def active_model() -> matching_ops.ScoringModel:
    """The active model (or the content score with a notice), loaded once for the process."""
    cache = current_app.extensions.setdefault("ranker_cache", ActiveModelCache())
    return cache.get(db.session, current_app.config["MODEL_DIR"])


def challenger_model(duel: ranker_duel.DuelDraw) -> matching_ops.ScoringModel:
    """A running duel's challenger, loaded once for the process (model_id None: unusable)."""
    cache = current_app.extensions.setdefault("challenger_cache", ActiveModelCache())
    return cache.get_row(db.session, current_app.config["MODEL_DIR"], duel.challenger_id, duel.challenger_path)


# --- recommendations --------------------------------------------------------------------------
@dataclass
class Panel:
    """A shown recommendation list with what its rows refer to, loaded in one query."""

    context: str  # "offer": candidates for an offer; "candidate": offers for a candidate
    subject: Any
    recommendations: matching_ops.Recommendations
    rows: list[tuple[matching_ops.Recommended, Any]] = field(default_factory=list)
    exposure_id: Optional[int] = None
    places: dict[int, int] = field(default_factory=dict)  # offers: places left this quarter
    can_book: bool = False  # the one-click proposal (the visits area's booking form)
    can_open_offers: bool = False  # offer titles link to the offer page

    def book_url_args(self, item: matching_ops.Recommended) -> dict[str, Any]:
        """The booking form's address arguments for a row (the list is noted on it)."""
        pair = {"candidate": item.id, "offer": self.subject.id} if self.context == "offer" else {
            "candidate": self.subject.id, "offer": item.id}
        return {**pair, "exposure": self.exposure_id} if self.exposure_id else pair


def _kept_list(
    kind: str, subject_id: int, limit: int, user: Any, scope_key: Any, filters: matching_ops.Filters,
    day: Optional[dt.date], rank: Callable[[matching_ops.ScoringModel], matching_ops.Recommendations],
) -> matching_ops.Recommendations:
    """The list to show `user`: the active model's, or for a share of lists while a ranker duel
    runs, the active model's and the challenger's interleaved (models/operations/ranker_duel.py;
    the draw is per user and list, the rankings are shared per `scope_key`)."""
    model = active_model()
    shown = _ranked_by(model, kind, subject_id, limit, scope_key, filters, day, rank)
    duel = ranker_duel.running_draw(db.session)
    if duel is None or model.model_id != duel.active_model_id:
        return shown
    seed = ranker_duel.draw(duel, (kind, subject_id, getattr(user, "id", None), astuple(filters), day, today()))
    challenger = challenger_model(duel) if seed is not None else None
    if seed is None or challenger is None or challenger.model_id is None:
        return shown
    other = _ranked_by(challenger, kind, subject_id, limit, scope_key, filters, day, rank)
    return ranker_duel.interleaved(shown, other, duel.id, seed, limit)


def _ranked_by(
    model: matching_ops.ScoringModel, kind: str, subject_id: int, limit: int, scope_key: Any,
    filters: matching_ops.Filters, day: Optional[dt.date],
    rank: Callable[[matching_ops.ScoringModel], matching_ops.Recommendations],
) -> matching_ops.Recommendations:
    """A ranked list, kept under the model and the data generation it was ranked from
    (models/changes.py): a list is ranked again after any committed change and never from a
    request's own uncommitted one. Users who may see the same people (`scope_key`: all project
    leaders, the officers of one unit) share it. The list is shared between requests: read it,
    never change it."""
    subject = (kind, subject_id, limit, scope_key, astuple(filters), day, today(), model.model_id)
    return kept_result(db.session, subject, lambda: rank(model))


def recommend_for_offer(
    offer: Offer, limit: int = matching_ops.EXPOSURE_TOP, user: Any = None, *,
    filters: matching_ops.Filters = matching_ops.Filters(), day: Optional[dt.date] = None,
) -> matching_ops.Recommendations:
    """Ranked candidates for `offer` with the active model, limited to those `user` may see
    (the entry point the benchmark measures)."""
    scope = perm.candidate_scope(user) if user is not None else None
    scope_key = perm.candidate_scope_key(user) if user is not None else None
    return _kept_list(
        "offer-list", offer.id, limit, user, scope_key, filters, day,
        lambda model: matching_ops.recommend_for_offer(
            db.session, offer, model=model, scope=scope, filters=filters, day=day, limit=limit, today=today()
        ),
    )


def recommend_for_candidate(
    candidate: Candidate, limit: int = matching_ops.EXPOSURE_TOP, user: Any = None, *,
    filters: matching_ops.Filters = matching_ops.Filters(), day: Optional[dt.date] = None,
) -> matching_ops.Recommendations:
    scope = perm.offer_scope(user) if user is not None else None
    scope_key = perm.offer_scope_key(user) if user is not None else None
    return _kept_list(
        "candidate-list", candidate.id, limit, user, scope_key, filters, day,
        lambda model: matching_ops.recommend_for_candidate(
            db.session, candidate, model=model, scope=scope, filters=filters, day=day, limit=limit, today=today()
        ),
    )


def _log_exposure(user: Any, context: str, context_id: int, shown: matching_ops.Recommendations) -> Optional[int]:
    """Log the list in a transaction of its own, so the log holds what was shown whatever the
    page's status (a refused form is shown with the candidate page's list, as a 422)."""
    if not shown.items:
        return None
    with in_own_transaction() as session:
        exposure = matching_ops.record_exposure(
            session, user_id=user.id, context=context, context_id=context_id, shown=shown
        )
        return exposure.id  # read before the commit expires it (reading it after costs a query)


def _links(user: Any) -> dict[str, bool]:
    return {
        "can_book": "visits.new" in current_app.view_functions and perm.can_book_visits(user),
        "can_open_offers": "companies.offer" in current_app.view_functions and perm.can_manage_companies(user),
    }


def offer_panel(
    offer: Offer, user: Any, *, filters: matching_ops.Filters = matching_ops.Filters(),
    day: Optional[dt.date] = None, limit: int = PANEL_ROWS,
) -> Optional[Panel]:
    """Candidates for the offer page, logged; None for a user who does not match."""
    if not perm.can_use_matching(user):
        return None
    shown = recommend_for_offer(offer, limit, user, filters=filters, day=day)
    ids = [item.id for item in shown.items]
    people = {c.id: c for c in db.session.scalars(sa.select(Candidate).where(Candidate.id.in_(ids)))}
    panel = Panel("offer", offer, shown, [(item, people[item.id]) for item in shown.items if item.id in people],
                  **_links(user))
    panel.exposure_id = _log_exposure(user, "offer", offer.id, shown)
    return panel


def candidate_panel(candidate: Candidate, user: Any, *, filters: matching_ops.Filters = matching_ops.Filters(),
                    day: Optional[dt.date] = None, limit: int = PANEL_ROWS) -> Optional[Panel]:
    """Offers for the candidate page, logged; None for a user who does not match."""
    if not perm.can_use_matching(user):
        return None
    shown = recommend_for_candidate(candidate, limit, user, filters=filters, day=day)
    offers = {o.id: o for o in db.session.scalars(
        sa.select(Offer).where(Offer.id.in_([i.id for i in shown.items])).options(selectinload(Offer.company)))}
    panel = Panel("candidate", candidate, shown, [(item, offers[item.id]) for item in shown.items if item.id in offers],
                  **_links(user))
    panel.places = places_left(list(offers), Quarter.of(shown.day or today()))
    panel.exposure_id = _log_exposure(user, "candidate", candidate.id, shown)
    return panel


def places_left(offer_ids: list[int], quarter: Quarter) -> dict[int, int]:
    if not offer_ids:
        return {}
    frame = matching_ops.offers_frame(db.session, quarter, Offer.id.in_(offer_ids))
    return dict(zip(frame["offer_id"].astype(int), frame["capacity"].astype(int), strict=True))


def page_candidate_panel(candidate: Candidate) -> Optional[Panel]:
    """For the candidate page's include (the candidate area's view knows nothing of matching)."""
    return candidate_panel(candidate, current_user)


def page_offer_panel(offer: Offer) -> Optional[Panel]:
    return offer_panel(offer, current_user)


# --- plan rows into proposals ------------------------------------------------------------------------
@dataclass
class ChosenRow:
    offer_id: int
    candidate_id: Optional[int]
    day: Optional[dt.date]
    start: Optional[dt.time]


@dataclass
class ProposalResult:
    row: ChosenRow
    offer: Optional[Offer]
    candidate: Optional[Candidate]
    visit: Optional[Visit] = None
    error: Optional[str] = None


def _row_problem(row: ChosenRow, offer: Optional[Offer], candidate: Optional[Candidate], seen: set[int],
                 user: Any) -> Optional[str]:
    if offer is None or candidate is None:
        return _("Erbjudandet eller deltagaren finns inte längre.")
    if not perm.can_open_candidate(user, candidate):
        return _("Du kan inte boka den deltagaren.")
    if candidate.id in seen:
        return _("Deltagaren finns redan på en annan rad. En plan ger varje deltagare ett besök.")
    if row.day is None or row.start is None:
        return _("Ange dag och starttid för besöket.")
    return None


def _propose(result: ProposalResult, offer: Offer, candidate: Candidate, start: dt.datetime, user: Any) -> None:
    end = start + dt.timedelta(hours=float(offer.hours))
    result.visit = visit_service.propose_visit(offer, candidate, start, end, by=user)
    audit("visit_proposed", result.visit)


def create_proposals(rows: list[ChosenRow], user: Any) -> list[ProposalResult]:
    """Propose every chosen row through the normal booking (capacity, overlaps, holidays, and
    the email to the supervisor). Each proposal is a part of the request's transaction of its
    own: a row that is refused shows why and undoes nothing that succeeded."""
    results: list[ProposalResult] = []
    seen: set[int] = set()
    for row in rows:
        offer = db.session.get(Offer, row.offer_id)
        candidate = db.session.get(Candidate, row.candidate_id) if row.candidate_id else None
        result = ProposalResult(row, offer, candidate)
        result.error = _row_problem(row, offer, candidate, seen, user)
        if result.error is None and offer is not None and candidate is not None and row.day and row.start:
            start = clock.local_datetime(row.day, row.start)
            refusal = refusal_of(partial(_propose, result, offer, candidate, start, user))
            if refusal is None:
                seen.add(candidate.id)
            else:
                result.visit = None
                result.error = error_message(refusal)
        results.append(result)
    return results
