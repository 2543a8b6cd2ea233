"""Human-readable reasons in Swedish: the 2–3 strongest things that speak for or against a pair,
given apart as reasons for the pair and things to consider.

Each kind of reason has a strength per pair, a text per pair and a direction per pair (for the
pair or against it); the strongest three are kept and the third is dropped when it says little,
then they are split by direction. Strengths follow the content score's weights
(:mod:`matcher.content`) plus history signals, so a reason always names something the
candidate, employer or project leader can check ("Svenska B1 (krav A2)", "ca 20 min med buss (3,2 km)"). They explain
what drives fit; they are not an exact attribution of the learned models' output, which would
cost a model evaluation per feature and pair.

Each text is a :class:`Reason`: the Swedish text, which remembers its template (a msgid of the
app's translation catalogue, marked with ``N_``) and its values, so the app can show it in the
reader's language. Texts are built by table lookups and per unique value, never by formatting
each pair in Python, so explaining 600,000 pairs costs about as much as scoring them.
"""

from __future__ import annotations

import contextlib
import gc
from collections.abc import Callable, Iterator
from typing import Any, Final

import numpy as np
import pandas as pd

from matcher.content import DISTANCE_SCALE_KM, GOAL_HOURS, WEIGHTS
from matcher.features import PairDetails, travel_minutes
from matcher.schema import CEFR, FIELD_SLUGS, FIELDS, LANGUAGE_NAMES, WEEKDAY_LABELS, WEEKDAYS

MAX_REASONS: Final[int] = 3
#: A third reason weaker than this is left out ("2–3 reasons").
THIRD_REASON_MIN: Final[float] = 0.05
#: A company's rate needs this many proposals behind it before it is worth mentioning.
MIN_COMPANY_PROPOSALS: Final[int] = 3


def _decimal(value: float) -> str:
    """Swedish number formatting: decimal comma, no trailing ',0'."""
    text = f"{value:.1f}".replace(".", ",")
    return text[:-2] if text.endswith(",0") else text


class Reason(str):
    """A reason's Swedish text, remembering its msgid `template` and the `params` filled into
    it; a parameter that is a `Reason` is a Swedish word to translate too. Decimals are shown
    with a decimal comma."""

    template: str
    params: dict[str, Any]

    def __new__(cls, template: str, **params: Any) -> Reason:
        shown = {k: _decimal(v) if isinstance(v, float) else v for k, v in params.items()}
        reason = super().__new__(cls, template % shown if params else template)
        reason.template = template
        reason.params = params
        return reason

    def __reduce__(self) -> Any:  # pickles (and copies) as a Reason, not as the text alone
        return (_rebuild, (self.template, self.params))


def _rebuild(template: str, params: dict[str, Any]) -> Reason:
    return Reason(template, **params)


def N_(template: str, **params: Any) -> Reason:  # noqa: N802 - the gettext convention for "mark only"
    """Mark a reason's Swedish template for the app's catalogue."""
    return Reason(template, **params)


def _by_unique(values: np.ndarray, fmt: Callable[[Any], Reason]) -> np.ndarray:
    """Format each distinct value once and spread the texts back over the rows."""
    if values.size == 0:
        return np.array([], dtype=object)
    unique, inverse = np.unique(values, return_inverse=True)
    return np.array([fmt(v) for v in unique], dtype=object)[inverse]


#: Weekdays after the first in a list of two ("Tisdagar och torsdagar passar").
_LATER_DAYS: Final[dict[str, Reason]] = {
    "mon": N_("måndagar"), "tue": N_("tisdagar"), "wed": N_("onsdagar"), "thu": N_("torsdagar"),
    "fri": N_("fredagar"), "sat": N_("lördagar"), "sun": N_("söndagar"),
}


def _days_text(mask: int) -> Reason:
    days = [d for i, d in enumerate(WEEKDAYS) if mask >> i & 1]
    if not days:
        return N_("Inga gemensamma veckodagar")
    if len(days) > 2:
        return N_("%(count)s veckodagar passar", count=len(days))
    if len(days) == 1:
        return N_("%(day)s passar", day=Reason(WEEKDAY_LABELS[days[0]]))
    return N_("%(first)s och %(second)s passar", first=Reason(WEEKDAY_LABELS[days[0]]), second=_LATER_DAYS[days[1]])


def _swedish_text(level: int, required: int) -> Reason:
    if not required:
        return N_("Svenska %(level)s (inget krav)", level=CEFR[level]) if level else N_("Ingen svenska (inget krav)")
    if not level:
        return N_("Ingen svenska (krav %(required)s)", required=CEFR[required])
    return N_("Svenska %(level)s (krav %(required)s)", level=CEFR[level], required=CEFR[required])


_DAY_TEXTS: Final[np.ndarray] = np.array([_days_text(m) for m in range(128)], dtype=object)
_INTEREST_YES: Final[np.ndarray] = np.array(
    [N_("Intresse: %(field)s", field=Reason(FIELDS[s])) for s in FIELD_SLUGS], dtype=object
)
_INTEREST_NO: Final[np.ndarray] = np.array(
    [N_("Inget uttalat intresse för %(field)s", field=Reason(FIELDS[s])) for s in FIELD_SLUGS], dtype=object
)
_SWEDISH: Final[np.ndarray] = np.array(
    [[_swedish_text(c, o) for o in range(len(CEFR))] for c in range(len(CEFR))], dtype=object,
)
_UNKNOWN_DISTANCE: Final[Reason] = N_("Avstånd okänt")
_ACCESSIBLE: Final[Reason] = N_("Tillgänglig arbetsplats")
_NOT_ACCESSIBLE: Final[Reason] = N_("Arbetsplatsen är inte tillgänglighetsanpassad")


def _constant(reason: Reason, n: int) -> np.ndarray:
    """`reason` in every row, kept a Reason (numpy would make a scalar string plain text)."""
    rows = np.empty(n, dtype=object)
    rows[:] = [reason] * n
    return rows


def _distance_text(km: float) -> Reason:
    """"ca 20 min med buss (3,2 km)": the estimated trip (:func:`matcher.features.travel_minutes`,
    to the nearest 5 minutes) and the straight-line distance it is estimated from."""
    minutes = max(5, 5 * round(float(travel_minutes(np.array(km))) / 5))
    return N_("ca %(minutes)s min med buss (%(km)s km)", minutes=minutes,
              km=round(float(km), 1) if km < 10 else round(float(km)))


def _hours_text(hours: float) -> Reason:
    rounded = round(float(hours), 1)
    if GOAL_HOURS[0] <= hours <= GOAL_HOURS[1]:
        return N_("%(hours)s timmar", hours=rounded)
    return N_("%(hours)s timmar (räknas inte mot målet 4–8 h)", hours=rounded)


def _language_text(code: str) -> Reason:
    name = LANGUAGE_NAMES.get(code)
    return N_("Gemensamt språk: %(language)s", language=Reason(name) if name else code)


def explain(features: pd.DataFrame, details: PairDetails) -> tuple[list[list[Reason]], list[list[Reason]]]:
    """The 2–3 strongest reasons per row of a feature frame, strongest first, split into those
    for the pair (the first list per row) and those to consider (the second)."""
    n = len(features)
    if n == 0:
        return [], []
    interest = features["interest_match"].to_numpy() > 0
    margin = features["swedish_margin"].to_numpy()
    overlap = features["weekday_overlap"].to_numpy()
    distance = features["distance_km"].to_numpy()
    hours = features["hours"].to_numpy()
    needs = details.needs_accessible
    access_ok = features["accessibility_ok"].to_numpy() > 0
    known = ~np.isnan(distance)
    in_goal = (hours >= GOAL_HOURS[0]) & (hours <= GOAL_HOURS[1])
    nearness = 2 * np.exp(-np.nan_to_num(distance) / DISTANCE_SCALE_KM) - 1  # > 0: near enough to speak for
    always = np.ones(n, dtype=bool)

    # (strength, text, for the pair) per kind of reason; a strength of 0 means "nothing to say".
    kinds: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = [
        (
            np.full(n, WEIGHTS["interest"]),
            np.where(interest, _INTEREST_YES[details.field_code],
                     _INTEREST_NO[details.field_code]),
            interest,
        ),
        (
            np.where(margin < 0, 0.25 + 0.05 * -margin,
                     np.where(details.offer_level > 0, WEIGHTS["swedish"], 0.04)),
            _SWEDISH[details.candidate_level, details.offer_level],
            margin >= 0,
        ),
        (np.where(overlap == 0, 0.30, WEIGHTS["weekdays"]), _DAY_TEXTS[details.common_days], overlap > 0),
        (
            np.where(known, WEIGHTS["distance"] * np.abs(nearness), 0.02),
            np.where(known, _by_unique(np.round(np.nan_to_num(distance), 1), _distance_text),
                     _constant(_UNKNOWN_DISTANCE, n)),
            known & (nearness > 0),
        ),
        (
            np.where(details.common_language != "",
                     WEIGHTS["language"] * np.where(margin < 0, 2.0, 1.0), 0.0),
            _by_unique_text(details.common_language, _language_text),
            always,
        ),
        (
            np.where(needs, np.where(access_ok, 0.25, 0.60), 0.0),
            np.where(access_ok, _constant(_ACCESSIBLE, n), _constant(_NOT_ACCESSIBLE, n)),
            access_ok,
        ),
        (np.where(in_goal, 0.03, 0.08), _by_unique(hours, _hours_text), in_goal),
    ]
    if details.has_history:
        kinds.extend(_history_reasons(features, details.accept_prior))

    strengths = np.column_stack([s for s, _, _ in kinds])
    texts = np.column_stack([t for _, t, _ in kinds])
    favourable = np.column_stack([f for _, _, f in kinds])
    order = np.argsort(-strengths, axis=1, kind="stable")[:, :MAX_REASONS]
    picked = np.take_along_axis(texts, order, axis=1)
    picked_for = np.take_along_axis(favourable, order, axis=1)
    kept = np.ones_like(picked_for)
    kept[:, -1] = np.take_along_axis(strengths, order, axis=1)[:, -1] >= THIRD_REASON_MIN
    with _without_cycle_collection():
        return _rows_of(picked, picked_for & kept), _rows_of(picked, ~picked_for & kept)


@contextlib.contextmanager
def _without_cycle_collection() -> Iterator[None]:
    """Builds a few small lists per row that hold only texts: no reference cycle for the garbage
    collector to find. With it on, the tens of thousands of lists for one offer's candidates set
    off dozens of collections per call and now and then a full one over every object in the
    process (a web worker's or a notebook's: 70 ms, three times the whole explanation). The
    collector is switched on again after; a thread that enters while it is off leaves it to
    the thread that switched it off."""
    was_enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if was_enabled:
            gc.enable()


def _rows_of(texts: np.ndarray, chosen: np.ndarray) -> list[list[Reason]]:
    """Per row, the texts whose `chosen` flag is set, in column order (strongest first). Rows are
    grouped by which columns they choose (a handful of patterns), and each group is cut out in
    one step instead of row by row."""
    rows: list[list[Reason]] = [[] for _ in range(len(texts))]
    bits = chosen.astype(np.int64) @ (1 << np.arange(chosen.shape[1]))
    for pattern in np.unique(bits).tolist():
        columns = [c for c in range(chosen.shape[1]) if pattern >> c & 1]
        if not columns:
            continue
        where = np.flatnonzero(bits == pattern)
        for row, values in zip(where.tolist(), texts[np.ix_(where, columns)].tolist(), strict=True):
            rows[row] = values
    return rows


def _by_unique_text(values: np.ndarray, fmt: Callable[[str], Reason]) -> np.ndarray:
    """Like :func:`_by_unique` for strings; empty strings stay empty."""
    unique, inverse = np.unique(values.astype(str), return_inverse=True)
    return np.array([fmt(str(v)) if v else "" for v in unique], dtype=object)[inverse]


def _history_reasons(
    features: pd.DataFrame, accept_prior: float
) -> list[tuple[np.ndarray, np.ndarray, np.ndarray]]:
    """Reasons from history: a company's acceptance, earlier no-shows, experience in the field."""
    rate = features["company_accept_rate"].to_numpy()
    proposals = features["company_proposals"].to_numpy()
    no_shows = features["candidate_no_shows"].to_numpy()
    field_visits = features["candidate_field_visits"].to_numpy()
    percent = np.round(rate * 100)
    return [
        (
            np.where(proposals >= MIN_COMPANY_PROPOSALS, 0.5 * np.abs(rate - accept_prior), 0.0),
            _by_unique(percent, lambda p: N_("Företaget tackar ja till %(percent)s %%", percent=int(p))),
            rate >= accept_prior,
        ),
        (
            0.12 * np.minimum(no_shows, 3),
            _by_unique(no_shows, lambda k: N_("Uteblivit 1 gång förut") if k == 1
                       else N_("Uteblivit %(count)s gånger förut", count=int(k))),
            np.zeros(len(features), dtype=bool),
        ),
        (
            0.12 * np.minimum(field_visits, 2),
            _by_unique(field_visits, lambda k: N_("1 tidigare besök i samma yrkesområde") if k == 1
                       else N_("%(count)s tidigare besök i samma yrkesområde", count=int(k))),
            np.ones(len(features), dtype=bool),
        ),
    ]
