"""Pair features: what a candidate and an offer have in common, plus what history says about them.

All work is vectorised over pairs: candidates and offers are encoded once into arrays (bit masks
for weekdays, packed bits for languages, a multi-hot matrix for interests) and every feature is
an array lookup indexed by the pair's candidate and offer positions.

History-derived rates are smoothed towards the overall rate with ``smoothing`` pseudo-counts, so
a company with one accepted proposal is not treated as a sure thing. History can be cut at an
``as_of`` date: training rows only see what was known before their quarter started, otherwise a
row's own outcome would leak into its features.

``target_group`` (and any other protected ground) is deliberately never read here.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Sequence
from dataclasses import dataclass, field
from itertools import chain
from typing import Final, Optional

import numpy as np
import pandas as pd

from matcher.io import InterchangeError, is_versioned, version_positions
from matcher.schema import FIELD_SLUGS, WEEKDAYS

#: Numeric features, in the order the models see them.
NUMERIC_FEATURES: Final[tuple[str, ...]] = (
    "interest_match",  # 1 if the offer's field is among the candidate's interests
    "n_interests",  # breadth: one named interest says more than ten
    "swedish_margin",  # candidate's level minus the offer's minimum (negative = below)
    "shared_language",  # 1 if candidate and workplace share a language
    "swedish_shortfall",  # steps of Swedish missing once a shared language counts as one (0 or less)
    "weekday_overlap",  # number of weekdays both can do
    "distance_km",  # haversine distance; NaN when either side has no coordinates
    "travel_minutes",  # estimated door-to-door time by public transport (travel_minutes()); NaN as above
    "accessibility_ok",  # 0 only when the candidate needs access the workplace lacks
    "hours",  # length of the visit
    "company_accept_rate",  # smoothed share of proposals the company accepted
    "company_completion_rate",  # smoothed share of the company's visits that were completed
    "company_proposals",  # how much history the company rates rest on
    "offer_accept_rate",
    "offer_completion_rate",
    "candidate_no_shows",  # earlier no-shows
    "candidate_no_show_rate",  # smoothed share of booked visits the candidate missed
    "candidate_visits",  # earlier completed visits
    "candidate_success_rate",  # smoothed share of the candidate's visits that took place and went well
    "candidate_field_visits",  # earlier completed visits in the offer's field
)
#: Categorical features as integer codes: ``field_code`` is the offer's field's position in
#: :data:`matcher.schema.FIELD_SLUGS`, fixed by the schema.
CATEGORICAL_FEATURES: Final[tuple[str, ...]] = ("field_code",)
FEATURE_COLUMNS: Final[tuple[str, ...]] = NUMERIC_FEATURES + CATEGORICAL_FEATURES

#: Rates assumed before any history exists (the simulator's and the programme's typical rates).
DEFAULT_ACCEPT_RATE: Final[float] = 0.65
DEFAULT_COMPLETION_RATE: Final[float] = 0.85
DEFAULT_NO_SHOW_RATE: Final[float] = 0.10
DEFAULT_GOOD_RATE: Final[float] = 0.80
#: Feedback at or above this (1–5) makes a completed visit a good one.
GOOD_FEEDBACK: Final[int] = 4
#: Pseudo-counts pulling small-sample rates towards the overall rate.
DEFAULT_SMOOTHING: Final[float] = 5.0

_EARTH_RADIUS_KM: Final[float] = 6371.0088

#: Travel modes and their door-to-door speed in km/h over the straight-line distance (roads and
#: lines wind, so these are below the vehicles' own speeds), plus the minutes every trip costs
#: before moving (to the stop and waiting; parking). No timetable or road data is used: this is
#: an estimate to compare pairs with, not a journey planner.
TRAVEL_MODES: Final[dict[str, tuple[float, float]]] = {
    "walk": (4.0, 0.0),
    "bike": (13.0, 2.0),
    "bus": (18.0, 10.0),  # public transport: bus, tram, local train
    "car": (35.0, 5.0),
}
#: The mode the features and reasons assume: most participants travel by public transport.
DEFAULT_TRAVEL_MODE: Final[str] = "bus"
_VISITED: Final[tuple[str, ...]] = ("completed", "no_show", "cancelled")
_POPCOUNT: Final[np.ndarray] = np.array([bin(i).count("1") for i in range(128)], dtype=np.int8)


# --- history statistics ---------------------------------------------------------------------


def _smoothed(hits: np.ndarray, trials: np.ndarray, prior: float, m: float) -> np.ndarray:
    return (hits + m * prior) / (trials + m)


def good_visits(history: pd.DataFrame) -> np.ndarray:
    """Which proposals ended in a completed visit with good feedback. A completed visit without
    feedback counts as good: the form is optional and the visit took place."""
    feedback = history["feedback"].to_numpy(dtype=float, na_value=np.nan)
    return (history["visit_status"].to_numpy() == "completed") & (
        np.isnan(feedback) | (feedback >= GOOD_FEEDBACK))


def _empty_counts() -> pd.DataFrame:
    return pd.DataFrame(columns=["proposed", "accepted", "visits", "completed"], dtype=float)


def _rows_of(arrays: object, rows: np.ndarray, names: Sequence[str]) -> dict[str, np.ndarray]:
    """The named array attributes of `arrays` at `rows` (for dataclasses.replace)."""
    return {name: getattr(arrays, name)[rows] for name in names}


@dataclass
class HistoryStats:
    """Aggregated history, all that scoring needs (no per-proposal rows are kept).

    ``company`` and ``offer`` have columns proposed/accepted/visits/completed; ``candidate`` has
    no_shows/visits (completed)/good (completed with good feedback, :func:`good_visits`);
    ``candidate_fields`` counts completed visits per candidate and field.
    """

    accept_prior: float = DEFAULT_ACCEPT_RATE
    completion_prior: float = DEFAULT_COMPLETION_RATE
    no_show_prior: float = DEFAULT_NO_SHOW_RATE
    good_prior: float = DEFAULT_GOOD_RATE
    smoothing: float = DEFAULT_SMOOTHING
    company: pd.DataFrame = field(default_factory=_empty_counts)
    offer: pd.DataFrame = field(default_factory=_empty_counts)
    candidate: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=["no_shows", "visits", "good"], dtype=float)
    )
    candidate_fields: pd.DataFrame = field(
        default_factory=lambda: pd.DataFrame(columns=list(FIELD_SLUGS), dtype=float)
    )
    n_rows: int = 0

    @classmethod
    def from_history(
        cls,
        history: pd.DataFrame | None,
        offers: pd.DataFrame,
        as_of: pd.Timestamp | None = None,
        smoothing: float = DEFAULT_SMOOTHING,
    ) -> HistoryStats:
        """Aggregate a validated history, optionally only proposals made before ``as_of``.

        Rows whose offer is not in ``offers`` still count for the offer and the candidate, but
        not for a company or field, which only the offers frame can tell.
        """
        if history is None or len(history) == 0:
            return cls(smoothing=smoothing)
        if as_of is not None:
            history = history[history["proposed_on"] < as_of]
            if len(history) == 0:
                return cls(smoothing=smoothing)
        response = history["employer_response"].to_numpy()
        status = history["visit_status"].to_numpy()
        counts = pd.DataFrame(
            {
                "candidate_id": history["candidate_id"].to_numpy(),
                "offer_id": history["offer_id"].to_numpy(),
                "proposed": response != "none",
                "accepted": response == "accepted",
                "visits": np.isin(status, _VISITED),
                "completed": status == "completed",
                "no_shows": status == "no_show",
                "good": good_visits(history),
            }
        )
        if is_versioned(offers):
            # Each proposal's company and field as they were when it was made.
            at = version_positions(offers, "offer_id", history["offer_id"], _moments(history))
            known = at >= 0
            for column in ("company_id", "field"):
                values = np.full(len(history), None, dtype=object)
                values[known] = offers[column].to_numpy(dtype=object)[at[known]]
                counts[column] = values
        else:
            offer_info = offers.set_index("offer_id")[["company_id", "field"]]
            counts = counts.join(offer_info, on="offer_id")
        count_cols = ["proposed", "accepted", "visits", "completed"]
        company = counts.dropna(subset=["company_id"]).groupby("company_id")[count_cols].sum()
        offer = counts.groupby("offer_id")[count_cols].sum()
        candidate = counts.groupby("candidate_id").agg(
            no_shows=("no_shows", "sum"), visits=("completed", "sum"), good=("good", "sum")
        )
        done = counts[counts["completed"] & counts["field"].notna()]
        fields = pd.crosstab(done["candidate_id"], done["field"]).reindex(
            columns=list(FIELD_SLUGS), fill_value=0
        )
        total = counts[count_cols].sum()
        # The overall rates are themselves smoothed towards the defaults: with five rows of
        # history the "overall" rate is as noisy as any company's.
        accept_prior = float(
            _smoothed(total["accepted"], total["proposed"], DEFAULT_ACCEPT_RATE, smoothing)
        )
        completion_prior = float(
            _smoothed(total["completed"], total["visits"], DEFAULT_COMPLETION_RATE, smoothing)
        )
        no_shows = float(counts["no_shows"].sum())
        no_show_prior = float(
            _smoothed(no_shows, no_shows + total["completed"], DEFAULT_NO_SHOW_RATE, smoothing)
        )
        good_prior = float(
            _smoothed(float(counts["good"].sum()), total["completed"], DEFAULT_GOOD_RATE, smoothing)
        )
        return cls(
            accept_prior=accept_prior,
            completion_prior=completion_prior,
            no_show_prior=no_show_prior,
            good_prior=good_prior,
            smoothing=smoothing,
            company=company.astype(float),
            offer=offer.astype(float),
            candidate=candidate.astype(float),
            candidate_fields=fields.astype(float),
            n_rows=len(history),
        )

    def rates(self, table: pd.DataFrame, ids: pd.Index) -> dict[str, np.ndarray]:
        """Smoothed accept/completion rates and proposal counts for ``ids`` of one table."""
        counts = table.reindex(ids, fill_value=0.0)
        proposed = counts["proposed"].to_numpy(dtype=float)
        visits = counts["visits"].to_numpy(dtype=float)
        m = self.smoothing
        return {
            "accept_rate": _smoothed(counts["accepted"].to_numpy(float), proposed,
                                     self.accept_prior, m),
            "completion_rate": _smoothed(counts["completed"].to_numpy(float), visits,
                                         self.completion_prior, m),
            "proposals": proposed,
        }


# --- encoding candidates and offers -----------------------------------------------------------


def _multi_hot(lists: pd.Series, vocabulary: pd.Index) -> np.ndarray:
    """Boolean matrix (rows × vocabulary) from list cells; unknown items are ignored."""
    # explode and get_indexer run in C; a Python loop over cells costs ~40 % more at 10,000.
    items = pd.Series(lists.to_numpy(), dtype=object).explode()
    codes = vocabulary.get_indexer(items.to_numpy())
    rows = items.index.to_numpy()
    matrix = np.zeros((len(lists), len(vocabulary)), dtype=bool)
    known = codes >= 0
    matrix[rows[known], codes[known]] = True
    return matrix


def _weekday_mask(lists: pd.Series) -> np.ndarray:
    hot = _multi_hot(lists, pd.Index(WEEKDAYS))
    return (hot.astype(np.uint8) << np.arange(len(WEEKDAYS), dtype=np.uint8)).sum(
        axis=1, dtype=np.uint8
    )


def _radians(frame: pd.DataFrame) -> tuple[np.ndarray, np.ndarray]:
    return (
        np.radians(frame["lat"].to_numpy(dtype=float, na_value=np.nan)),
        np.radians(frame["lon"].to_numpy(dtype=float, na_value=np.nan)),
    )


def haversine_km(
    lat1: np.ndarray, lon1: np.ndarray, lat2: np.ndarray, lon2: np.ndarray
) -> np.ndarray:
    """Great-circle distance in km between points given in radians; NaN stays NaN."""
    a = (
        np.sin((lat2 - lat1) / 2) ** 2
        + np.cos(lat1) * np.cos(lat2) * np.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * _EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


def travel_minutes(distance_km: np.ndarray, mode: str = DEFAULT_TRAVEL_MODE) -> np.ndarray:
    """Estimated travel time in minutes for straight-line distances by ``mode``
    (:data:`TRAVEL_MODES`); NaN stays NaN."""
    speed, overhead = TRAVEL_MODES[mode]
    return overhead + np.asarray(distance_km, dtype=float) / speed * 60.0


def pair_travel_minutes(
    candidates: pd.DataFrame, offers: pd.DataFrame, pairs: pd.DataFrame, mode: str = DEFAULT_TRAVEL_MODE
) -> np.ndarray:
    """:func:`travel_minutes` for each row of ``pairs`` (``candidate_id``, ``offer_id`` found in the
    validated frames), NaN where either side has no coordinates."""
    ci = _positions(pd.Index(candidates["candidate_id"].to_numpy()), pairs["candidate_id"], "candidate_id",
                    "pairs.csv")
    oi = _positions(pd.Index(offers["offer_id"].to_numpy()), pairs["offer_id"], "offer_id", "pairs.csv")
    clat, clon = _radians(candidates)
    olat, olon = _radians(offers)
    return travel_minutes(haversine_km(clat[ci], clon[ci], olat[oi], olon[oi]), mode)


def within_travel(
    candidates: pd.DataFrame, offers: pd.DataFrame, pairs: pd.DataFrame, max_minutes: Optional[float],
    mode: str = DEFAULT_TRAVEL_MODE,
) -> np.ndarray:
    """Which rows of ``pairs`` may be planned under a travel cap: those whose estimated trip
    (:func:`pair_travel_minutes`) is at most ``max_minutes``. A pair without coordinates on either
    side is kept (its travel time is unknown, not long); no cap keeps every pair. The one rule for
    the app's quarterly planner and ``python -m matcher plan --max-travel-minutes``."""
    if max_minutes is None:
        return np.ones(len(pairs), dtype=bool)
    if max_minutes <= 0:
        raise ValueError("max_minutes must be positive")
    minutes = pair_travel_minutes(candidates, offers, pairs, mode)
    return np.asarray(~(minutes > max_minutes), dtype=bool)  # NaN compares False: kept


_CANDIDATE_NEEDS: Final[tuple[str, ...]] = (
    "candidate_id", "interests", "swedish_level", "languages", "weekdays", "lat", "lon",
    "needs_accessible",
)
_OFFER_NEEDS: Final[tuple[str, ...]] = (
    "offer_id", "company_id", "field", "min_swedish_level", "languages", "weekdays", "lat",
    "lon", "accessible", "hours",
)


def _require_columns(frame: pd.DataFrame, columns: tuple[str, ...], file: str) -> None:
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        raise InterchangeError(
            file, 1, missing[0],
            f"kolumnen saknas — column missing (saknas/missing: {', '.join(missing)})",
        )


def _positions(ids: pd.Index, wanted: pd.Series, column: str, file: str) -> np.ndarray:
    positions = ids.get_indexer(wanted.to_numpy())
    unknown = np.flatnonzero(positions < 0)
    if unknown.size:
        first = int(unknown[0])
        sv, en = ("okänd kandidat", "candidate") if column == "candidate_id" else (
            "okänt erbjudande", "offer")
        value = wanted.iat[first]
        raise InterchangeError(
            file, first + 2, column, f"{sv} '{value}' — unknown {en} '{value}' (not in the {en}s)"
        )
    return positions


@dataclass
class PairDetails:
    """Per-pair values that reasons need but models do not (levels, common days, language)."""

    field_code: np.ndarray
    candidate_level: np.ndarray
    offer_level: np.ndarray
    common_days: np.ndarray  # weekday bit mask
    common_language: np.ndarray  # object array of ISO codes, '' when none
    needs_accessible: np.ndarray
    has_history: bool
    accept_prior: float

    def take(self, rows: np.ndarray) -> PairDetails:
        """The details of the pairs at ``rows`` (positions), in that order."""
        return dataclasses.replace(self, **_rows_of(self, rows, (
            "field_code", "candidate_level", "offer_level", "common_days", "common_language", "needs_accessible")))


@dataclass(eq=False)
class EncodedCandidates:
    """Candidates encoded once for pair features: everything per candidate that scoring needs.

    :meth:`from_frame` does the per-candidate work (interests as a multi-hot matrix, languages as
    packed bits, weekdays as a bit mask, coordinates in radians) and :meth:`take` selects rows by
    position without repeating it. A program that ranks subsets of the same candidates again and
    again (the web app: who may be recommended changes per request, the profiles seldom) encodes
    them all once and passes ``encoded.take(positions)`` wherever a validated candidates frame
    is accepted. The history lookups per candidate are kept on the encoding the subsets were
    taken from, one set per :class:`HistoryStats` (the last one asked for).
    """

    candidate_id: np.ndarray  # object array of the ids, in the frame's order
    interests: np.ndarray  # bool, candidates × FIELD_SLUGS
    n_interests: np.ndarray  # float
    swedish_level: np.ndarray  # int64
    languages: pd.Index  # every language a candidate speaks, sorted: the bits' vocabulary
    language_bits: np.ndarray  # uint8, candidates × bytes (np.packbits of the multi-hot)
    weekdays: np.ndarray  # uint8 bit mask
    lat: np.ndarray  # radians, NaN when unknown
    lon: np.ndarray
    needs_accessible: np.ndarray  # bool
    _base: EncodedCandidates | None = field(default=None, repr=False)  # taken from ...
    _rows: np.ndarray | None = field(default=None, repr=False)  # ... at these positions
    _history: tuple[HistoryStats, tuple[np.ndarray, ...]] | None = field(default=None, repr=False)

    @classmethod
    def from_frame(cls, candidates: pd.DataFrame) -> EncodedCandidates:
        """Encode a validated candidates frame (``matcher.io.validate_candidates``)."""
        _require_columns(candidates, _CANDIDATE_NEEDS, "candidates.csv")
        interests = _multi_hot(candidates["interests"], pd.Index(FIELD_SLUGS))
        languages = pd.Index(sorted(set(chain.from_iterable(candidates["languages"]))))
        lat, lon = _radians(candidates)
        return cls(
            candidate_id=candidates["candidate_id"].to_numpy(),
            interests=interests,
            n_interests=interests.sum(axis=1).astype(float),
            swedish_level=candidates["swedish_level"].to_numpy(dtype=np.int64),
            languages=languages,
            language_bits=np.packbits(_multi_hot(candidates["languages"], languages), axis=1),
            weekdays=_weekday_mask(candidates["weekdays"]),
            lat=lat,
            lon=lon,
            needs_accessible=candidates["needs_accessible"].to_numpy(dtype=bool),
        )

    def __len__(self) -> int:
        return len(self.candidate_id)

    def take(self, positions: np.ndarray | Sequence[int]) -> EncodedCandidates:
        """The candidates at ``positions`` (0-based, in that order)."""
        rows = np.asarray(positions, dtype=np.intp)
        base = self if self._base is None else self._base
        return dataclasses.replace(
            self,
            **_rows_of(self, rows, ("candidate_id", "interests", "n_interests", "swedish_level", "language_bits",
                                    "weekdays", "lat", "lon", "needs_accessible")),
            _base=base,
            _rows=rows if self._rows is None else self._rows[rows],
            _history=None,
        )

    def history(self, stats: HistoryStats) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Each candidate's earlier no-shows, completed visits, good visits among them and
        completed visits per field (candidates × FIELD_SLUGS) in ``stats``."""
        if self._base is not None:
            no_shows, attended, good, fields = self._base.history(stats)
            return no_shows[self._rows], attended[self._rows], good[self._rows], fields[self._rows]
        kept = self._history
        if kept is None or kept[0] is not stats:
            ids = pd.Index(self.candidate_id)
            counts = stats.candidate.reindex(ids, fill_value=0.0)
            kept = (stats, (
                counts["no_shows"].to_numpy(dtype=float),
                counts["visits"].to_numpy(dtype=float),
                counts["good"].to_numpy(dtype=float),
                stats.candidate_fields.reindex(
                    index=ids, columns=list(FIELD_SLUGS), fill_value=0.0
                ).to_numpy(dtype=float),
            ))
            self._history = kept  # one assignment: safe to share between threads
        no_shows, attended, good, fields = kept[1]
        return no_shows, attended, good, fields


def _pair_matrix(
    candidates: EncodedCandidates,
    offers: pd.DataFrame,
    ci: np.ndarray,
    oi: np.ndarray,
    stats: HistoryStats,
) -> tuple[np.ndarray, PairDetails]:
    """:data:`FEATURE_COLUMNS` for the pairs (``candidates`` row ``ci``, ``offers`` row ``oi``)
    as a float matrix, one contiguous column per feature, and the details reasons need."""
    fields = pd.Index(FIELD_SLUGS)
    field_code_by_offer = fields.get_indexer(offers["field"].to_numpy())
    field_code = field_code_by_offer[oi]
    interest_match = candidates.interests[ci, field_code]

    cand_level = candidates.swedish_level[ci]
    offer_level = offers["min_swedish_level"].to_numpy(dtype=np.int64)[oi]

    # Languages are looked up in the candidates' vocabulary: a language no candidate speaks
    # cannot be shared, and the first common one in the sorted vocabulary is the first
    # (alphabetically) that both sides speak, named in the reason text.
    languages = candidates.languages
    common_language = np.full(len(ci), "", dtype=object)
    shared = np.zeros(len(ci), dtype=bool)
    if len(languages):
        offer_lang = np.packbits(_multi_hot(offers["languages"], languages), axis=1)
        both = candidates.language_bits[ci] & offer_lang[oi]
        shared = both.any(axis=1)
        hit = np.flatnonzero(shared)
        if hit.size:
            first = np.unpackbits(both[hit], axis=1, count=len(languages)).argmax(axis=1)
            common_language[hit] = languages.to_numpy()[first]

    common_days = candidates.weekdays[ci] & _weekday_mask(offers["weekdays"])[oi]

    olat, olon = _radians(offers)
    distance = haversine_km(candidates.lat[ci], candidates.lon[ci], olat[oi], olon[oi])

    needs = candidates.needs_accessible[ci]
    accessible = offers["accessible"].to_numpy(dtype=bool)[oi]

    company = stats.rates(stats.company, pd.Index(offers["company_id"].to_numpy()))
    offer = stats.rates(stats.offer, pd.Index(offers["offer_id"].to_numpy()))
    no_shows, attended, good, cand_fields = candidates.history(stats)

    columns = {
        "interest_match": interest_match,
        "n_interests": candidates.n_interests[ci],
        "swedish_margin": cand_level - offer_level,
        "shared_language": shared,
        # Below the minimum, a language both sides speak can stand in for a step of Swedish.
        "swedish_shortfall": np.minimum(cand_level - offer_level + shared, 0),
        "weekday_overlap": _POPCOUNT[common_days],
        "distance_km": distance,
        "travel_minutes": travel_minutes(distance),
        "accessibility_ok": ~needs | accessible,
        "hours": offers["hours"].to_numpy(dtype=float)[oi],
        "company_accept_rate": company["accept_rate"][oi],
        "company_completion_rate": company["completion_rate"][oi],
        "company_proposals": company["proposals"][oi],
        "offer_accept_rate": offer["accept_rate"][oi],
        "offer_completion_rate": offer["completion_rate"][oi],
        "candidate_no_shows": no_shows[ci],
        "candidate_no_show_rate": _smoothed(
            no_shows, no_shows + attended, stats.no_show_prior, stats.smoothing
        )[ci],
        "candidate_visits": attended[ci],
        "candidate_success_rate": _smoothed(
            good, no_shows + attended, stats.good_prior * (1 - stats.no_show_prior), stats.smoothing
        )[ci],
        "candidate_field_visits": cand_fields[ci, field_code],
        "field_code": field_code,
    }
    # Column-major: each feature is one contiguous column, as separate arrays would be.
    matrix = np.empty((len(ci), len(FEATURE_COLUMNS)), dtype=float, order="F")
    for j, name in enumerate(FEATURE_COLUMNS):
        matrix[:, j] = columns[name]
    details = PairDetails(
        field_code=field_code,
        candidate_level=cand_level,
        offer_level=offer_level,
        common_days=common_days,
        common_language=common_language,
        needs_accessible=needs,
        has_history=stats.n_rows > 0,
        accept_prior=stats.accept_prior,
    )
    return matrix, details


def _stats(history: pd.DataFrame | HistoryStats | None, offers: pd.DataFrame) -> HistoryStats:
    if isinstance(history, HistoryStats):
        return history
    return HistoryStats.from_history(history, offers)


def build_pair_features(
    candidates: pd.DataFrame | EncodedCandidates,
    offers: pd.DataFrame,
    pairs: pd.DataFrame,
    history: pd.DataFrame | HistoryStats | None = None,
    pairs_file: str = "pairs.csv",
) -> tuple[pd.DataFrame, PairDetails]:
    """Features for each row of ``pairs`` plus the details reasons are built from.

    ``candidates`` is a validated frame or its :class:`EncodedCandidates`. ``history`` is a
    validated history frame or already aggregated :class:`HistoryStats`; without it the history
    features take their prior values.
    """
    encoded = (candidates if isinstance(candidates, EncodedCandidates)
               else EncodedCandidates.from_frame(candidates))
    _require_columns(offers, _OFFER_NEEDS, "offers.csv")
    _require_columns(pairs, ("candidate_id", "offer_id"), pairs_file)
    stats = _stats(history, offers)
    cand_ids = pd.Index(encoded.candidate_id)
    offer_ids = pd.Index(offers["offer_id"].to_numpy())
    ci = _positions(cand_ids, pairs["candidate_id"], "candidate_id", pairs_file)
    oi = _positions(offer_ids, pairs["offer_id"], "offer_id", pairs_file)
    matrix, details = _pair_matrix(encoded, offers, ci, oi, stats)
    features = pd.DataFrame(matrix, index=pairs.index, columns=list(FEATURE_COLUMNS), copy=False)
    features.insert(0, "offer_id", pairs["offer_id"].to_numpy())
    features.insert(0, "candidate_id", pairs["candidate_id"].to_numpy())
    return features, details


def offer_features(
    candidates: EncodedCandidates,
    offers: pd.DataFrame,
    offer_id: str,
    history: pd.DataFrame | HistoryStats | None = None,
) -> tuple[pd.DataFrame, PairDetails]:
    """Features of every candidate paired with the offer ``offer_id``, in the candidates' order:
    :data:`FEATURE_COLUMNS` only (row ``i`` is ``candidates.candidate_id[i]``), no id columns
    and no pair lookups. The same values as :func:`build_pair_features` for those pairs."""
    _require_columns(offers, _OFFER_NEEDS, "offers.csv")
    found = np.flatnonzero(offers["offer_id"].to_numpy() == offer_id)
    if not found.size:
        raise InterchangeError(
            "offers.csv", None, "offer_id", f"okänt id '{offer_id}' — unknown id '{offer_id}'"
        )
    position = int(found[0])
    stats = _stats(history, offers)
    n = len(candidates)
    matrix, details = _pair_matrix(
        candidates, offers, np.arange(n), np.full(n, position, dtype=np.intp), stats
    )
    return pd.DataFrame(matrix, columns=list(FEATURE_COLUMNS), copy=False), details


def pair_features(
    candidates: pd.DataFrame,
    offers: pd.DataFrame,
    pairs: pd.DataFrame,
    history: pd.DataFrame | HistoryStats | None = None,
) -> pd.DataFrame:
    """Feature frame for ``pairs``: ``candidate_id``, ``offer_id`` and :data:`FEATURE_COLUMNS`.

    Frames must be validated (``matcher.io.validate_*``); a pair naming an unknown candidate or
    offer raises :class:`~matcher.io.InterchangeError` pointing at the row of ``pairs``.
    """
    return build_pair_features(candidates, offers, pairs, history)[0]


def quarter_start(dates: pd.Series) -> pd.Series:
    """First day of each date's calendar quarter."""
    return dates.dt.to_period("Q").dt.start_time


def _moments(history: pd.DataFrame) -> pd.Series:
    """When each proposal was made: ``as_of`` when the history has it, else ``proposed_on``."""
    return history["as_of"] if "as_of" in history.columns else history["proposed_on"]


def as_of_pair_features(
    candidates: pd.DataFrame,
    offers: pd.DataFrame,
    rows: pd.DataFrame,
    history: pd.DataFrame | HistoryStats | None = None,
) -> tuple[pd.DataFrame, PairDetails]:
    """Features of history rows (``candidate_id``, ``offer_id`` and ``proposed_on`` or ``as_of``)
    with each side's profile **as it was when the proposal was made**: ``candidates`` and
    ``offers`` may carry profile versions (``matcher.io.validate_*_versions``); plain frames are
    looked up by id, as :func:`build_pair_features` does. Rows keep their index; a row whose
    candidate or offer has no profile raises :class:`~matcher.io.InterchangeError`."""
    moments = _moments(rows)
    ci = version_positions(candidates, "candidate_id", rows["candidate_id"], moments)
    oi = version_positions(offers, "offer_id", rows["offer_id"], moments)
    for positions, column in ((ci, "candidate_id"), (oi, "offer_id")):
        missing = np.flatnonzero(positions < 0)
        if missing.size:
            _positions(pd.Index([]), rows[column].iloc[missing[:1]], column, "history.csv")
    stats = _stats(history, offers)
    matrix, details = _pair_matrix(EncodedCandidates.from_frame(candidates), offers, ci, oi, stats)
    features = pd.DataFrame(matrix, index=rows.index, columns=list(FEATURE_COLUMNS), copy=False)
    features.insert(0, "offer_id", rows["offer_id"].to_numpy())
    features.insert(0, "candidate_id", rows["candidate_id"].to_numpy())
    return features, details


def history_features(
    candidates: pd.DataFrame,
    offers: pd.DataFrame,
    history: pd.DataFrame,
    smoothing: float = DEFAULT_SMOOTHING,
) -> pd.DataFrame:
    """Features for the history's own proposals, each seeing only earlier quarters' history.

    Proposals are grouped by quarter; every group's features are computed from the history
    that was known when its quarter began, so no row learns from its own outcome or from others
    decided in the same planning round. Outcomes are dated by their proposal (the interchange
    has no visit date), so a visit proposed late in a quarter counts as known when the next
    quarter starts. Rows keep the history's index; rows naming a candidate or offer missing from
    the frames cannot be described and are left out.

    With profile versions in ``candidates`` or ``offers`` (docs/ranker-as-of.md), each row is
    described by the profiles as they were when it was proposed (:func:`as_of_pair_features`),
    so nothing that changed later (a Swedish level raised after a good visit) leaks into it.
    """
    def describe(rows: pd.DataFrame, stats: HistoryStats | None = None) -> pd.DataFrame:
        if is_versioned(candidates) or is_versioned(offers):
            return as_of_pair_features(candidates, offers, rows, stats)[0]
        return pair_features(candidates, offers, rows, stats)

    known = history["candidate_id"].isin(candidates["candidate_id"]) & history["offer_id"].isin(
        offers["offer_id"]
    )
    history_known = history[known]
    starts = quarter_start(history_known["proposed_on"])
    parts = [
        describe(rows, HistoryStats.from_history(history, offers, as_of=start, smoothing=smoothing))
        for start, rows in history_known.groupby(starts, sort=True)
    ]
    if not parts:
        return describe(history_known)
    return pd.concat(parts).loc[history_known.index]
