"""Matching from the database: the matcher's interchange frames, who may be recommended,
recommendations for an offer or a candidate, the exposure log, and the quarterly plan.

Every frame is one aggregate query and goes through `matcher.io.validate_*`, the same checks a
CSV file gets. Who may be recommended:

* a candidate who may take part (`eligibility.may_take_part`: consent in force for sharing with
  companies, an accepted or active referral, not anonymised);
* for an offer, also not already proposed there (a live visit) and free on the day in question
  (no live visit overlapping the offer's hours that day);
* an offer that is active, at an active company, and not already proposed to the candidate.

The caller adds what the user may see (`scope`, from web.permissions) and the filters.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any, Optional

import numpy as np
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.orm import Session

from matcher import EncodedCandidates, Ranker, validate_candidates, validate_history, validate_offers
from matcher import plan as plan_visits
from matcher.features import within_travel
from matcher.io import validate_candidate_versions, validate_offer_versions

from .. import clock
from ..candidates import Candidate, Referral
from ..clock import STOCKHOLM
from ..companies import Company, Offer
from ..db import column_rows
from ..enums import (
    FIELD_SLUGS,
    LIVE_VISIT_STATUSES,
    WEEKDAYS,
    ClosedOutcome,
    CompanyStatus,
    FollowUpResult,
    ReferralStatus,
)
from ..enums import VisitStatus as S
from ..followup import Feedback, FollowUp
from ..profiles import CandidateProfileVersion, OfferProfileVersion
from ..system import Exposure
from ..visits import Visit, VisitEvent
from . import availability, commitments
from .companies import Quarter
from .eligibility import may_take_part, refusals
from .errors import N_, Message
from .feedback import feedback_score_sql
from .reports import counting_visit
from .visits import CAPACITY_STATUSES, swedish_holiday

#: How many entries of a shown list the exposure log keeps.
EXPOSURE_TOP = 20
#: Score bands in plain language: "very good" from 0.6, "good" from 0.4, otherwise "possible".
#: Scores are the ranker's: the content score (a weighted share of what fits, 0–1) or, with a
#: trained model, the estimated chance that the employer accepts and the visit goes well.
BAND_THRESHOLDS: tuple[tuple[float, str], ...] = ((0.6, "very_good"), (0.4, "good"))
LOWEST_BAND = "possible"
#: Other candidates offered per plan row to swap in (the offer's best ones not in the plan).
ALTERNATIVES = 5
#: How far ahead the next suitable day of an offer is looked for.
DAY_SEARCH_DAYS = 120
FRAME_NAMES = {"candidates": "kandidater (databasen)", "offers": "erbjudanden (databasen)",
               "history": "historik (databasen)"}

# The history's outcome from the 6- or 3-month follow-up, else from how the referral closed.
_FOLLOW_UP_OUTCOME = {FollowUpResult.JOB: "job", FollowUpResult.INTERNSHIP: "internship",
                      FollowUpResult.STUDIES: "study"}
_CLOSED_OUTCOME = {ClosedOutcome.JOB: "job", ClosedOutcome.INTERNSHIP: "internship", ClosedOutcome.STUDIES: "study"}
# Statuses a visit only reaches after the employer said yes.
_AFTER_ACCEPTANCE = (S.ACCEPTED, S.CONFIRMED, S.COMPLETED, S.NO_SHOW)


def score_band(score: float) -> str:
    """"very_good", "good" or "possible" (see BAND_THRESHOLDS)."""
    for threshold, band in BAND_THRESHOLDS:
        if score >= threshold:
            return band
    return LOWEST_BAND


# --- what may be booked, as SQL ---------------------------------------------------------------
def bookable_offers_sql() -> sa.ColumnElement[bool]:
    """SQL on Offer: active, at an active company."""
    return sa.and_(
        Offer.active.is_(True),
        Offer.company_id.in_(sa.select(Company.id).where(Company.status == CompanyStatus.ACTIVE)),
    )


def _proposed_to(offer_id: int) -> sa.ColumnElement[bool]:
    """SQL on Candidate: holds a live visit at the offer."""
    return sa.exists().where(
        Visit.candidate_id == Candidate.id, Visit.offer_id == offer_id, Visit.status.in_(LIVE_VISIT_STATUSES)
    )


def _proposed_for(candidate_id: int) -> sa.ColumnElement[bool]:
    """SQL on Offer: the candidate holds a live visit there."""
    return sa.exists().where(
        Visit.offer_id == Offer.id, Visit.candidate_id == candidate_id, Visit.status.in_(LIVE_VISIT_STATUSES)
    )


_LANGUAGE_CODE = re.compile(r"[a-z]{2}")


def _speaks(column: Any, code: str) -> sa.ColumnElement[bool]:
    """SQL: the CodeList column holds `code` (an ISO 639-1 code; anything else matches nothing)."""
    if not _LANGUAGE_CODE.fullmatch(code):
        return sa.false()
    return column.has(code)


def _busy_between(start: dt.datetime, end: dt.datetime) -> sa.ColumnElement[bool]:
    """SQL on Candidate: holds a live visit overlapping [start, end)."""
    return sa.exists().where(
        Visit.candidate_id == Candidate.id,
        Visit.status.in_(LIVE_VISIT_STATUSES),
        Visit.start_at < end,
        Visit.end_at > start,
    )


# --- interchange frames -----------------------------------------------------------------------
def _vocabulary(column: Any) -> tuple[str, ...]:
    return column.property.columns[0].type.vocabulary


def _flag_lists(masks: pd.Series, vocabulary: Sequence[str]) -> list[list[str]]:
    """FlagSet bit masks as lists of slugs, each distinct mask decoded once."""
    bits = [(1 << i, slug) for i, slug in enumerate(vocabulary)]
    values = masks.fillna(0).astype(np.int64)
    decoded = {int(m): [slug for bit, slug in bits if int(m) & bit] for m in pd.unique(values)}
    return [decoded[int(m)] for m in values]


def _code_lists(texts: pd.Series) -> list[list[str]]:
    """CodeList text (",sv,ar,") as lists of codes, each distinct text decoded once. A code that
    is not ISO 639-1 (written past the forms) is left out rather than failing every list."""
    values = texts.fillna("")
    decoded = {t: [c for c in t.split(",") if _LANGUAGE_CODE.fullmatch(c)] for t in pd.unique(values)}
    return [decoded[t] for t in values]


def _place(raw: pd.DataFrame) -> tuple[pd.Series, pd.Series]:
    """Coordinates as floats; a half pair (the database allows it) counts as no place."""
    both = raw["lat"].notna() & raw["lon"].notna()
    return raw["lat"].where(both).astype(float), raw["lon"].where(both).astype(float)


def _raw(column: Any, type_: Any, name: str) -> Any:
    """The stored value without the column type's conversion (bit mask, code text, enum value)."""
    return sa.type_coerce(column, type_).label(name)


def _frame(session: Session, query: sa.Select[Any]) -> pd.DataFrame:
    """The rows of `query` as a frame. Built from plain tuples: given the rows themselves, pandas
    asks each of them for attributes it does not have (a third of a ranked list's time for
    30,000 candidates)."""
    rows = column_rows(session, query)
    return pd.DataFrame(list(map(tuple, rows)), columns=list(query.selected_columns.keys()))


def _candidate_columns(source: Any, group: Any) -> list[Any]:
    """The interchange columns of a candidate profile, read off `source` (the candidate or one of
    its versions); the target group always from the candidate (`group`)."""
    return [
        _raw(source.interests, sa.Integer(), "interests"),
        source.swedish_level,
        _raw(source.languages, sa.String(), "languages"),
        _raw(group, sa.String(), "target_group"),
        _raw(source.weekdays, sa.Integer(), "weekdays"),
        source.lat,
        source.lon,
        source.needs_accessible,
    ]


def _candidate_interchange(raw: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    lat, lon = _place(raw)
    return pd.DataFrame({
        "candidate_id": ids.astype(str),
        "interests": _flag_lists(raw["interests"], _vocabulary(Candidate.interests)),
        "swedish_level": raw["swedish_level"],
        "languages": _code_lists(raw["languages"]),
        "target_group": raw["target_group"],
        "weekdays": _flag_lists(raw["weekdays"], _vocabulary(Candidate.weekdays)),
        "lat": lat,
        "lon": lon,
        "needs_accessible": raw["needs_accessible"].astype(bool),
    })


def _candidate_profiles(session: Session, *conditions: sa.ColumnElement[bool]) -> pd.DataFrame:
    """The profiles of the candidates matching `conditions` in the interchange format, validated
    (one query)."""
    query = sa.select(Candidate.id, *_candidate_columns(Candidate, Candidate.target_group)).where(
        *conditions).order_by(Candidate.id)
    raw = _frame(session, query)
    return validate_candidates(_candidate_interchange(raw, raw["id"]), FRAME_NAMES["candidates"])


def _local_moments(values: pd.Series) -> pd.Series:
    """UTC moments from the database as Swedish local time without an offset (the interchange's)."""
    moments = pd.to_datetime(values, utc=True).dt.tz_convert(STOCKHOLM).dt.tz_localize(None)
    return moments.astype("datetime64[ns]")


def _with_validity(frame: pd.DataFrame, raw: pd.DataFrame) -> pd.DataFrame:
    return frame.assign(valid_from=_local_moments(raw["valid_from"]).to_numpy(),
                        valid_to=_local_moments(raw["valid_to"]).to_numpy())


def candidate_versions_frame(session: Session) -> pd.DataFrame:
    """Every version of every candidate's profile (models/profiles.py) in the interchange format
    with `valid_from`/`valid_to` (the extension in docs/ranker-as-of.md), validated: what the
    ranker learns from, each proposal with the profile as it was then."""
    version = CandidateProfileVersion
    query = (
        sa.select(version.candidate_id, version.valid_from, version.valid_to,
                  *_candidate_columns(version, Candidate.target_group))
        .join(Candidate, Candidate.id == version.candidate_id)
        .order_by(version.candidate_id, version.valid_from, version.id)
    )
    raw = _frame(session, query)
    frame = _with_validity(_candidate_interchange(raw, raw["candidate_id"]), raw)
    return validate_candidate_versions(frame, FRAME_NAMES["candidates"])


def candidates_frame(session: Session, *conditions: sa.ColumnElement[bool]) -> pd.DataFrame:
    """Candidates matching `conditions` (all without any) in the interchange format, by id;
    candidate_id is the database id as text. Read afresh each time: profiles are small and a kept
    copy would need a proof that it never outlives a change (see docs/architecture.md)."""
    return _candidate_profiles(session, *conditions)


def encoded_candidates(session: Session, *conditions: sa.ColumnElement[bool]) -> EncodedCandidates:
    """Like candidates_frame, encoded for ranking (`Ranker.rank_candidates` takes either)."""
    return EncodedCandidates.from_frame(candidates_frame(session, *conditions))


def _taken(quarter: Quarter) -> sa.Subquery:
    """Places used per offer in the quarter (live and completed visits)."""
    return (
        sa.select(Visit.offer_id, sa.func.count().label("n"))
        .where(Visit.status.in_(CAPACITY_STATUSES), Visit.visit_date.between(quarter.start, quarter.end))
        .group_by(Visit.offer_id)
        .subquery("taken")
    )


def offers_frame(session: Session, quarter: Quarter, *conditions: sa.ColumnElement[bool]) -> pd.DataFrame:
    """Offers matching `conditions`; `capacity` is what is left of the quarter's places. An offer
    without coordinates of its own is placed at its company."""
    taken = _taken(quarter)
    query = (
        sa.select(Offer.id, *_offer_columns(Offer),
                  (Offer.capacity_per_quarter - sa.func.coalesce(taken.c.n, 0)).label("capacity"))
        .join(Company, Company.id == Offer.company_id)
        .outerjoin(taken, taken.c.offer_id == Offer.id)
        .where(*conditions)
        .order_by(Offer.id)
    )
    raw = _frame(session, query)
    return validate_offers(_offer_interchange(raw, raw["id"]), FRAME_NAMES["offers"])


def _offer_columns(source: Any) -> list[Any]:
    """The interchange columns of an offer profile (but its capacity) off `source` (the offer or
    one of its versions); an offer without coordinates of its own is placed at its company."""
    own_place = source.lat.is_not(None)
    return [
        Offer.company_id,
        _raw(source.field, sa.String(), "field"),
        source.min_swedish_level,
        _raw(source.languages, sa.String(), "languages"),
        _raw(source.weekdays, sa.Integer(), "weekdays"),
        sa.case((own_place, source.lat), else_=Company.lat).label("lat"),
        sa.case((own_place, source.lon), else_=Company.lon).label("lon"),
        source.accessible,
        source.hours,
    ]


def _offer_interchange(raw: pd.DataFrame, ids: pd.Series) -> pd.DataFrame:
    lat, lon = _place(raw)
    return pd.DataFrame({
        "offer_id": ids.astype(str),
        "company_id": raw["company_id"].astype(str),
        "field": raw["field"],
        "min_swedish_level": raw["min_swedish_level"],
        "languages": _code_lists(raw["languages"]),
        "weekdays": _flag_lists(raw["weekdays"], _vocabulary(Offer.weekdays)),
        "lat": lat,
        "lon": lon,
        "accessible": raw["accessible"].astype(bool),
        "hours": raw["hours"].astype(float),
        "capacity": raw["capacity"].astype(np.int64).clip(lower=0),
    })


def offer_versions_frame(session: Session) -> pd.DataFrame:
    """Every version of every offer's profile with `valid_from`/`valid_to`, validated (like
    candidate_versions_frame); `capacity` is the version's places per quarter."""
    version = OfferProfileVersion
    query = (
        sa.select(version.offer_id, version.valid_from, version.valid_to, *_offer_columns(version),
                  version.capacity_per_quarter.label("capacity"))
        .join(Offer, Offer.id == version.offer_id)
        .join(Company, Company.id == Offer.company_id)
        .order_by(version.offer_id, version.valid_from, version.id)
    )
    raw = _frame(session, query)
    frame = _with_validity(_offer_interchange(raw, raw["offer_id"]), raw)
    return validate_offer_versions(frame, FRAME_NAMES["offers"])


def _outcomes(session: Session) -> dict[int, str]:
    """Each candidate's known outcome: the latest follow-up's, else the closed referral's."""
    outcome: dict[int, str] = {}
    closed = session.execute(
        sa.select(Referral.candidate_id, Referral.closed_outcome)
        .where(Referral.status == ReferralStatus.CLOSED)
        .order_by(Referral.closed_at.nulls_first(), Referral.id)
    )
    for candidate_id, result in closed:
        outcome[candidate_id] = _CLOSED_OUTCOME.get(result, "none")
    follow_ups = session.execute(sa.select(FollowUp.candidate_id, FollowUp.result).order_by(FollowUp.months))
    for candidate_id, result in follow_ups:
        outcome[candidate_id] = _FOLLOW_UP_OUTCOME.get(result, "none")
    return outcome


def history_frame(session: Session) -> pd.DataFrame:
    """Every proposed visit as a history row: the employer's answer and the visit's outcome from
    its status history, the workplace feedback as 1–5 (4 or more = good, the follow-up rule), and
    the candidate's later outcome on completed visits."""
    answered = (
        sa.select(
            VisitEvent.visit_id,
            sa.func.max(sa.case((VisitEvent.to_status.in_(_AFTER_ACCEPTANCE), 1), else_=0)).label("accepted"),
            sa.func.max(sa.case((VisitEvent.to_status == S.DECLINED, 1), else_=0)).label("declined"),
        )
        .group_by(VisitEvent.visit_id)
        .subquery("answered")
    )
    query = (
        sa.select(
            Visit.candidate_id,
            Visit.offer_id,
            Visit.created_at,
            _raw(Visit.status, sa.String(), "status"),
            sa.func.coalesce(answered.c.accepted, 0).label("accepted"),
            sa.func.coalesce(answered.c.declined, 0).label("declined"),
            feedback_score_sql().label("feedback"),
        )
        .outerjoin(answered, answered.c.visit_id == Visit.id)
        .outerjoin(Feedback, Feedback.visit_id == Visit.id)
        .order_by(Visit.id)
    )
    raw = _frame(session, query)
    status = raw["status"].astype(str)
    accepted = (raw["accepted"].astype(int) > 0) | status.isin([s.value for s in _AFTER_ACCEPTANCE])
    declined = ~accepted & ((raw["declined"].astype(int) > 0) | (status == S.DECLINED.value))
    response = np.select([accepted, declined], ["accepted", "declined"], "none")
    # A visit can only be held, missed or cancelled after the employer said yes (the contract).
    visit_status = np.where(accepted & status.isin(["completed", "no_show", "cancelled"]), status, "none")
    completed = visit_status == "completed"
    outcomes = _outcomes(session)
    proposed_on = _local_moments(raw["created_at"])
    frame = pd.DataFrame({
        "candidate_id": raw["candidate_id"].astype(str),
        "offer_id": raw["offer_id"].astype(str),
        "proposed_on": proposed_on.dt.normalize().astype("datetime64[ns]"),
        "employer_response": response,
        "visit_status": visit_status,
        "feedback": pd.array(np.where(completed, raw["feedback"], None), dtype="Int64"),
        "outcome": [outcomes.get(c, "") if done else ""
                    for c, done in zip(raw["candidate_id"], completed, strict=True)],
        "as_of": proposed_on,  # the moment of the proposal: the profiles valid then describe it
    })
    return validate_history(frame, FRAME_NAMES["history"])


def training_frames(session: Session) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Everything the ranker learns from: every version of every candidate's and offer's profile
    (history refers to people who have left and offers that are paused) and every proposal with
    its moment, so each proposal is paired with the profiles as they were when it was made
    (docs/ranker-as-of.md)."""
    return candidate_versions_frame(session), offer_versions_frame(session), history_frame(session)


# --- recommendations ----------------------------------------------------------------------------
@dataclass(frozen=True)
class Filters:
    """What the project leader narrows a list by; blank means no filter."""

    text: str = ""
    area: str = ""  # candidates: their area
    field: str = ""  # offers: occupational field
    weekday: str = ""
    language: str = ""

    def candidate_conditions(self) -> list[sa.ColumnElement[bool]]:
        conditions = []
        for word in self.text.split():
            conditions.append(sa.or_(Candidate.first_name.icontains(word, autoescape=True),
                                     Candidate.last_name.icontains(word, autoescape=True)))
        if self.area:
            conditions.append(Candidate.area == self.area)
        if self.weekday in WEEKDAYS:
            conditions.append(Candidate.weekdays.has(self.weekday))
        if self.language:
            conditions.append(_speaks(Candidate.languages, self.language))
        return conditions

    def offer_conditions(self) -> list[sa.ColumnElement[bool]]:
        conditions = []
        for word in self.text.split():
            conditions.append(sa.or_(
                Offer.title.icontains(word, autoescape=True),
                Offer.company_id.in_(sa.select(Company.id).where(Company.name.icontains(word, autoescape=True))),
            ))
        if self.field in FIELD_SLUGS:
            conditions.append(Offer.field == self.field)
        if self.weekday in WEEKDAYS:
            conditions.append(Offer.weekdays.has(self.weekday))
        if self.language:
            conditions.append(_speaks(Offer.languages, self.language))
        return conditions


@dataclass(frozen=True)
class ScoringModel:
    """The ranker to score with: the active trained model, or the content score with `notice`
    saying why (no model, or the model file could not be used)."""

    ranker: Ranker
    model_id: Optional[int] = None
    notice: Optional[Message] = None


NO_MODEL_NOTICE = N_("Ingen tränad modell är aktiv – förslagen bygger på innehållsmatchning.")


def content_only(notice: Optional[Message] = NO_MODEL_NOTICE) -> ScoringModel:
    return ScoringModel(Ranker(), None, notice)


def messages(reasons: Iterable[Any]) -> list[Message]:
    """The matcher's reasons (`matcher.reasons.Reason`: Swedish text with its template and
    values) as messages the web layer translates."""
    return [_message(reason) for reason in reasons]


def _message(reason: Any) -> Message:
    params = getattr(reason, "params", {})
    return Message(getattr(reason, "template", str(reason)),
                   **{key: _message(value) if hasattr(value, "template") else value for key, value in params.items()})


@dataclass
class Recommended:
    id: int  # the candidate's id on an offer's list, the offer's on a candidate's
    score: float
    reasons: list[Message]  # what speaks for the pair ("Därför")
    considerations: list[Message] = field(default_factory=list)  # what speaks against it ("Att tänka på")

    @property
    def band(self) -> str:
        return score_band(self.score)


@dataclass
class Recommendations:
    items: list[Recommended] = field(default_factory=list)
    ranked: int = 0  # how many could be recommended (all were ranked, the best are shown)
    day: Optional[dt.date] = None
    model_id: Optional[int] = None
    notice: Optional[Message] = None  # about the model
    empty: Optional[Message] = None  # why nothing can be shown
    problems: list[Message] = field(default_factory=list)  # what stops the candidate, if anything
    duel_id: Optional[int] = None  # shown interleaved in this ranker duel (models/operations/ranker_duel.py)
    teams: Optional[list[Optional[int]]] = None  # then: the model that placed each row

    def exposure_list(self) -> list[list[float]]:
        """[[id, score], ...] of the first EXPOSURE_TOP, compact for the exposure log."""
        return [[item.id, round(item.score, 4)] for item in self.items[:EXPOSURE_TOP]]


def _items(top: pd.DataFrame, id_column: str) -> list[Recommended]:
    return [
        Recommended(int(key), float(score), messages(reasons), messages(considerations))
        for key, score, reasons, considerations
        in zip(top[id_column], top["score"], top["reasons"], top["considerations"], strict=True)
    ]


def _day_counts(session: Session, offer: Offer, first: dt.date, last: dt.date) -> dict[dt.date, int]:
    rows = session.execute(
        sa.select(Visit.visit_date, sa.func.count())
        .where(Visit.offer_id == offer.id, Visit.status.in_(CAPACITY_STATUSES), Visit.visit_date.between(first, last))
        .group_by(Visit.visit_date)
    )
    return {day: count for day, count in rows}


def suitable_days(
    offer: Offer, first: dt.date, last: dt.date, taken: dict[dt.date, int], prefer: Iterable[str] = ()
) -> Iterable[dt.date]:
    """Days from `first` to `last` the offer receives visits on, that are not public holidays and
    still have a place (`taken` counts the places used per day); days in `prefer` (weekday
    slugs, e.g. the candidate's) first."""
    days = [first + dt.timedelta(days=n) for n in range((last - first).days + 1)]
    days = [d for d in days if WEEKDAYS[d.weekday()] in offer.weekdays and swedish_holiday(d) is None
            and taken.get(d, 0) < offer.capacity_per_day]
    preferred = set(prefer)
    return sorted(days, key=lambda d: (WEEKDAYS[d.weekday()] not in preferred, d))


def next_offer_day(session: Session, offer: Offer, today: dt.date) -> Optional[dt.date]:
    """The offer's next day (from tomorrow) with a free place, or None within DAY_SEARCH_DAYS."""
    first, last = today + dt.timedelta(days=1), today + dt.timedelta(days=DAY_SEARCH_DAYS)
    return next(iter(suitable_days(offer, first, last, _day_counts(session, offer, first, last))), None)


def usual_times(window_start: dt.time, window_end: dt.time, hours: float) -> tuple[dt.time, dt.time]:
    """An offer's usual visit, as local times: from the window's start, for the offer's hours
    (ending with the window at the latest)."""
    start = dt.datetime.combine(dt.date(2000, 1, 1), window_start)
    end = min(start + dt.timedelta(hours=float(hours)), dt.datetime.combine(start.date(), window_end))
    return start.time(), end.time()


def visit_times(offer: Offer, day: dt.date) -> tuple[dt.datetime, dt.datetime]:
    """The offer's usual visit on `day` (`usual_times`)."""
    start, end = usual_times(offer.window_start, offer.window_end, offer.hours)
    return clock.local_datetime(day, start), clock.local_datetime(day, end)


def recommend_for_offer(
    session: Session,
    offer: Offer,
    *,
    model: Optional[ScoringModel] = None,
    scope: Optional[sa.ColumnElement[bool]] = None,
    filters: Filters = Filters(),
    day: Optional[dt.date] = None,
    limit: int = EXPOSURE_TOP,
    today: Optional[dt.date] = None,
) -> Recommendations:
    """The best candidates for `offer` who are free on `day` (default: the offer's next day
    with a place). One query for the candidates, one for the offer, one vectorised scoring."""
    model = model or content_only()
    today = today or clock.local_today()
    result = Recommendations(model_id=model.model_id, notice=model.notice)
    if not offer.active or offer.company.status != CompanyStatus.ACTIVE:
        result.empty = N_("Erbjudandet är pausat eller företaget är inte aktivt, så ingen föreslås.")
        return result
    result.day = day or next_offer_day(session, offer, today)
    conditions = [may_take_part(), ~_proposed_to(offer.id), *filters.candidate_conditions()]
    if result.day is not None:
        day = result.day
        busy = _busy_between(clock.local_datetime(day, offer.window_start), clock.local_datetime(day, offer.window_end))
        conditions += [~busy, availability.available_sql(day, *usual_times(offer.window_start, offer.window_end,
                                                                            offer.hours))]
    if scope is not None:
        conditions.append(scope)
    candidates = encoded_candidates(session, *conditions)
    result.ranked = len(candidates)
    if not len(candidates):
        result.empty = N_("Ingen kandidat kan föreslås: ingen med samtycke och antagen eller aktiv remiss är ledig "
                          "den dagen utan att redan vara föreslagen hit (eller så stämmer ingen med filtret).")
        return result
    offers = offers_frame(session, Quarter.of(result.day or today), Offer.id == offer.id)
    top = model.ranker.rank_candidates(candidates, offers, str(offer.id), limit=limit)
    result.items = _items(top, "candidate_id")
    return result


def distinct_values(session: Session, column: Any) -> list[Any]:
    """Every distinct value of an indexed column but NULL, in order, found by one step along the
    column's index per value (a "loose index scan": the next value is the smallest one above
    the last). A plain DISTINCT reads every row: 30,000 candidates for 14 areas. Without an
    index each step reads the table: use it on indexed columns only."""
    first = sa.select(sa.func.min(column)).scalar_subquery()
    values = sa.select(first.label("value")).cte("distinct_values", recursive=True)
    following = sa.select(sa.func.min(column)).where(column > values.c.value).scalar_subquery()
    values = values.union_all(sa.select(following).where(values.c.value.is_not(None)))
    return list(session.scalars(sa.select(values.c.value).where(values.c.value.is_not(None))))


def _codes(lists: Iterable[Optional[list[str]]]) -> list[str]:
    codes: set[str] = set()
    for value in lists:
        codes.update(value or [])
    return sorted(codes)


def language_codes(session: Session, column: Any) -> list[str]:
    """Every language code in a list-of-codes column (Offer.languages: a few thousand rows)."""
    return _codes(session.scalars(sa.select(column).distinct()))


def candidate_filter_choices(session: Session) -> tuple[list[str], list[str]]:
    """The areas and language codes candidates have, for the recommendation lists' filters: read
    along their indexes (`distinct_values`), not from every candidate."""
    return sorted(distinct_values(session, Candidate.area)), _codes(distinct_values(session, Candidate.languages))


def _fitting_offers(
    session: Session, candidate: Candidate, day: dt.date, conditions: Sequence[sa.ColumnElement[bool]]
) -> sa.ColumnElement[bool]:
    """SQL on Offer: among the offers matching `conditions`, those whose usual visit on `day`
    the candidate can come to (their weekdays and times of day, `availability`)."""
    rows = session.execute(sa.select(Offer.id, Offer.window_start, Offer.window_end, Offer.hours).where(*conditions))
    fitting = []
    for offer_id, window_start, window_end, hours in rows:
        if availability.is_available(candidate, day, *usual_times(window_start, window_end, hours)):
            fitting.append(offer_id)
    return Offer.id.in_(fitting)


def recommend_for_candidate(
    session: Session,
    candidate: Candidate,
    *,
    model: Optional[ScoringModel] = None,
    scope: Optional[sa.ColumnElement[bool]] = None,
    filters: Filters = Filters(),
    day: Optional[dt.date] = None,
    limit: int = EXPOSURE_TOP,
    today: Optional[dt.date] = None,
) -> Recommendations:
    """The best bookable offers for `candidate` not already proposed to them; with `day`, only
    offers open that weekday whose hours do not clash with the candidate's visits that day."""
    model = model or content_only()
    today = today or clock.local_today()
    result = Recommendations(model_id=model.model_id, notice=model.notice, day=day)
    result.problems = [refusal.reason for refusal in refusals(session, candidate)]
    if result.problems:
        result.empty = N_("Deltagaren kan inte få förslag just nu.")
        return result
    if day is not None and candidate.weekdays and WEEKDAYS[day.weekday()] not in candidate.weekdays:
        result.empty = N_("%(name)s kan bara %(availability)s, så inget erbjudande passar den dagen. Välj en annan "
                          "dag.", name=candidate.first_name, availability=availability.describe(candidate))
        return result
    conditions = [bookable_offers_sql(), ~_proposed_for(candidate.id), *filters.offer_conditions()]
    if day is not None:
        conditions.append(Offer.weekdays.has(WEEKDAYS[day.weekday()]))
        conditions.append(_fitting_offers(session, candidate, day, conditions))
        busy = session.execute(
            sa.select(Visit.start_at, Visit.end_at).where(
                Visit.candidate_id == candidate.id, Visit.status.in_(LIVE_VISIT_STATUSES), Visit.visit_date == day
            )
        )
        for start, end in busy:
            local_start, local_end = start.astimezone(STOCKHOLM).time(), end.astimezone(STOCKHOLM).time()
            conditions.append(sa.or_(Offer.window_end <= local_start, Offer.window_start >= local_end))
    if scope is not None:
        conditions.append(scope)
    offers = offers_frame(session, Quarter.of(day or today), *conditions)
    result.ranked = len(offers)
    if offers.empty:
        result.empty = N_("Inget erbjudande kan föreslås: inga aktiva erbjudanden som inte redan är föreslagna "
                          "passar (eller så stämmer inget med filtret).")
        return result
    candidates = candidates_frame(session, Candidate.id == candidate.id)
    # With the project leader's weight for commitments on, every offer is ranked so that one
    # from a company behind on its commitment can move up into the list (a boost after the score).
    boosting = commitments.settings(session).ranking_boost_pct > 0
    top = model.ranker.rank_offers(candidates, offers, str(candidate.id), limit=None if boosting else limit)
    result.items = commitments.boost_behind(session, _items(top, "offer_id"), today=today)[:limit]
    return result


# --- the exposure log ----------------------------------------------------------------------------
def record_exposure(
    session: Session, *, user_id: Optional[int], context: str, context_id: int, shown: Recommendations
) -> Exposure:
    """Log a list that was shown: who looked, at what, the ranked ids and scores, which model
    (and for an interleaved list, its duel and which model placed each row)."""
    if context not in ("offer", "candidate"):
        raise ValueError(f"unknown exposure context {context!r}")
    exposure = Exposure(user_id=user_id, context=context, context_id=context_id, model_id=shown.model_id,
                        ranked=shown.exposure_list(), proposed_ids=[], duel_id=shown.duel_id,
                        teams=shown.teams[:EXPOSURE_TOP] if shown.teams is not None else None)
    session.add(exposure)
    session.flush()
    return exposure


# --- the quarterly plan --------------------------------------------------------------------------
@dataclass
class PlanRow:
    candidate_id: int
    offer_id: int
    score: float
    reasons: list[Message]  # for the pair
    considerations: list[Message]  # to consider
    day: Optional[dt.date]  # None when no suitable day is left in the quarter
    start: Optional[dt.datetime]
    end: Optional[dt.datetime]
    new_person: bool  # never had a visit that counts toward the goal
    p_success: Optional[float] = None  # the model's chance of acceptance and a good visit

    @property
    def band(self) -> str:
        return score_band(self.score)


@dataclass
class QuarterPlan:
    quarter: Quarter
    fair: bool
    rows: list[PlanRow] = field(default_factory=list)
    candidates: int = 0  # who could be planned
    places: int = 0  # places left at the offers
    expected_successes: Optional[float] = None  # None while the content score ranks alone
    new_persons: int = 0
    expected_new_persons: Optional[float] = None
    group_counts: dict[str, int] = field(default_factory=dict)
    alternatives: dict[int, list[int]] = field(default_factory=dict)  # per offer: candidates to swap in
    infeasible_groups: list[str] = field(default_factory=list)
    model_id: Optional[int] = None
    notice: Optional[Message] = None
    empty: Optional[Message] = None


def counted_candidate_ids(session: Session) -> set[int]:
    """Candidates with a visit that counts toward the goal (the report's own SQL test)."""
    return set(session.scalars(sa.select(Visit.candidate_id).where(counting_visit(Visit)).distinct()))


def _quarter_day_counts(session: Session, quarter: Quarter) -> dict[int, dict[dt.date, int]]:
    """Places used per offer and day in the quarter."""
    rows = session.execute(
        sa.select(Visit.offer_id, Visit.visit_date, sa.func.count())
        .where(Visit.status.in_(CAPACITY_STATUSES), Visit.visit_date.between(quarter.start, quarter.end))
        .group_by(Visit.offer_id, Visit.visit_date)
    )
    taken: dict[int, dict[dt.date, int]] = {}
    for offer_id, day, count in rows:
        taken.setdefault(offer_id, {})[day] = count
    return taken


def plan_quarter(
    session: Session,
    quarter: Quarter,
    *,
    model: Optional[ScoringModel] = None,
    fair: bool = True,
    scope: Optional[sa.ColumnElement[bool]] = None,
    today: Optional[dt.date] = None,
    max_travel_minutes: Optional[int] = None,
) -> QuarterPlan:
    """The plan with the most expected successes within the quarter's free places: one visit per
    candidate, at most the places left per offer, each target group its share when `fair`. A
    candidate is only planned at an offer they can come to (a weekday both have, at the times of
    day the visit takes: `availability`) and, with `max_travel_minutes`, no farther away than that
    (a pair without coordinates is kept: its travel time is unknown, not long). Each row gets the
    offer's next day in the quarter that the candidate can come."""
    model = model or content_only()
    today = today or clock.local_today()
    result = QuarterPlan(quarter, fair, model_id=model.model_id, notice=model.notice)
    first = max(quarter.start, today + dt.timedelta(days=1))
    if first > quarter.end:
        result.empty = N_("Kvartalet har redan passerat. Välj det pågående kvartalet eller ett senare.")
        return result
    booked_in_quarter = sa.exists().where(
        Visit.candidate_id == Candidate.id, Visit.status.in_(LIVE_VISIT_STATUSES),
        Visit.visit_date.between(quarter.start, quarter.end),
    )
    conditions = [may_take_part(), ~booked_in_quarter]
    if scope is not None:
        conditions.append(scope)
    candidates = candidates_frame(session, *conditions)
    offers = offers_frame(session, quarter, bookable_offers_sql())
    offers = offers[offers["capacity"] > 0].reset_index(drop=True)
    result.candidates, result.places = len(candidates), int(offers["capacity"].sum())
    if offers.empty:
        result.empty = N_("Det finns inga lediga platser i kvartalet: de aktiva erbjudandena är fullbokade "
                          "(eller så finns inga aktiva erbjudanden).")
        return result
    if candidates.empty:
        result.empty = N_("Ingen kandidat kan planeras: alla med samtycke och antagen eller aktiv remiss har "
                          "redan ett besök bokat i kvartalet (eller så finns ingen).")
        return result
    scores = model.ranker.predict_all(candidates, offers)
    people, places = _availability(session, candidates), _visit_parts(session, offers)
    scores = scores[_plannable(scores, candidates, offers, people, places, max_travel_minutes)]
    # Companies behind on a commitment weigh more in the plan (the project leader's weight); the
    # rows show the model's score, with the reason.
    weighed = commitments.boost_behind_scores(session, scores, today=today)
    planned = plan_visits(candidates, offers, weighed[["candidate_id", "offer_id", "score"]], fair=fair)
    result.group_counts, result.infeasible_groups = planned.group_counts, planned.infeasible_groups
    scores = weighed.assign(score=scores["score"])
    chosen = planned.plan[["candidate_id", "offer_id"]].merge(scores, on=["candidate_id", "offer_id"], how="left")
    result.rows = _dated_rows(session, quarter, first, chosen, candidates, counted_candidate_ids(session), people)
    result.alternatives = _alternatives(scores, set(planned.plan["candidate_id"]))
    _sum_up(result)
    return result


def _availability(session: Session, candidates: pd.DataFrame) -> pd.DataFrame:
    """Each candidate's weekday and time-of-day bit masks, in the frame's order."""
    ids = candidates["candidate_id"].astype(int).tolist()
    rows = _frame(session, sa.select(Candidate.id, _raw(Candidate.weekdays, sa.Integer(), "days"),
                                     _raw(Candidate.times_of_day, sa.Integer(), "times")).where(Candidate.id.in_(ids)))
    return rows.set_index("id").reindex(ids).fillna(0).astype(np.int64)


def _visit_parts(session: Session, offers: pd.DataFrame) -> pd.DataFrame:
    """Each offer's weekday mask and the parts of the day its usual visit takes, in the frame's order."""
    ids = offers["offer_id"].astype(int).tolist()
    rows = session.execute(sa.select(Offer.id, _raw(Offer.weekdays, sa.Integer(), "days"), Offer.window_start,
                                     Offer.window_end, Offer.hours).where(Offer.id.in_(ids)))
    parts = {offer_id: (days, availability.times_needed(*usual_times(start, end, hours)))
             for offer_id, days, start, end, hours in rows}
    return pd.DataFrame([parts[i] for i in ids], index=ids, columns=["days", "times"], dtype=np.int64)


def _plannable(
    scores: pd.DataFrame, candidates: pd.DataFrame, offers: pd.DataFrame, people: pd.DataFrame,
    places: pd.DataFrame, max_travel_minutes: Optional[int],
) -> np.ndarray:
    """Which scored pairs may be planned: the candidate can come on one of the offer's weekdays
    at the times its visit takes (`availability.fits`, the offer's weekday mask as the day bits:
    any one in common will do), and the trip is not longer than `max_travel_minutes`."""
    ci = pd.Index(candidates["candidate_id"]).get_indexer(scores["candidate_id"])
    oi = pd.Index(offers["offer_id"]).get_indexer(scores["offer_id"])
    days, times = people["days"].to_numpy()[ci], people["times"].to_numpy()[ci]
    keep = availability.fits(days, times, places["days"].to_numpy()[oi], places["times"].to_numpy()[oi])
    return np.asarray(keep, dtype=bool) & within_travel(candidates, offers, scores, max_travel_minutes)


def _alternatives(scores: pd.DataFrame, planned: set[str]) -> dict[int, list[int]]:
    """Each offer's best candidates who are not in the plan."""
    others = scores[~scores["candidate_id"].isin(planned) & (scores["score"] > 0)]
    best = others.sort_values(["offer_id", "score"], ascending=[True, False], kind="stable")
    best = best.groupby("offer_id", sort=False).head(ALTERNATIVES)
    return {int(offer): [int(c) for c in group["candidate_id"]] for offer, group in best.groupby("offer_id")}


def _dated_rows(
    session: Session, quarter: Quarter, first: dt.date, chosen: pd.DataFrame, candidates: pd.DataFrame,
    counted: set[int], people: pd.DataFrame,
) -> list[PlanRow]:
    offers = {o.id: o for o in session.scalars(sa.select(Offer).where(Offer.id.in_(chosen["offer_id"].astype(int))))}
    weekdays = dict(zip(candidates["candidate_id"].astype(int), candidates["weekdays"], strict=True))
    taken = _quarter_day_counts(session, quarter)
    rows = []
    chosen = chosen.assign(p=chosen["p_accept"] * chosen["p_success"]).sort_values("score", ascending=False)
    for entry in chosen.itertuples():  # the best pairs get the earliest days
        offer, candidate_id = offers[int(entry.offer_id)], int(entry.candidate_id)
        used = taken.setdefault(offer.id, {})
        days, times = people.loc[candidate_id, "days"], people.loc[candidate_id, "times"]
        needed = availability.times_needed(*usual_times(offer.window_start, offer.window_end, offer.hours))
        day = next((d for d in suitable_days(offer, first, quarter.end, used, weekdays[candidate_id])
                    if availability.fits(days, times, availability.day_bit(d), needed)), None)
        start, end = visit_times(offer, day) if day else (None, None)
        if day is not None:
            used[day] = used.get(day, 0) + 1
        rows.append(PlanRow(candidate_id, offer.id, float(entry.score), messages(entry.reasons),
                            messages(entry.considerations), day, start, end,
                            candidate_id not in counted, None if np.isnan(entry.p) else float(entry.p)))
    return sorted(rows, key=lambda r: (r.offer_id, -r.score))


def _sum_up(result: QuarterPlan) -> None:
    result.new_persons = sum(row.new_person for row in result.rows)
    known = [row.p_success for row in result.rows if row.p_success is not None]
    if result.rows and len(known) == len(result.rows):
        result.expected_successes = float(sum(known))
        result.expected_new_persons = float(sum(row.p_success or 0 for row in result.rows if row.new_person))
