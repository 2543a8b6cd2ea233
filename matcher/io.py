"""Read, validate and write the interchange CSV files (candidates, offers, history, pairs, ...).

Every frame that enters the matcher goes through one of the ``validate_*`` functions, whether it
was read from a file (``read_*``) or built in memory from the database by the web app, so both
paths fail with the same message.

Row numbers in errors follow the spreadsheet convention: the header is row 1, so the first data
row is row 2 and ``row`` equals the line number in the file (for files without quoted line
breaks). For frames built in memory, ``row`` is the frame position + 2, the row the frame would
have in a written file. A missing column is reported on row 1, the header.

Validated frames have exactly the contract's columns in the contract's order (extra columns are
dropped, so nothing outside the contract can leak into ranking), list cells as Python lists,
levels and capacities as ``int64``, coordinates as ``float64`` with ``NaN`` when missing,
flags as ``bool``, ``proposed_on`` as ``datetime64`` and ``feedback`` as nullable ``Int64``.
Empty flag cells mean *no* (an offer is only treated as accessible when it says so).
"""

from __future__ import annotations

import os
import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, Any, Literal

import numpy as np
import pandas as pd

from matcher.schema import (
    CEFR,
    EMPLOYER_RESPONSES,
    FIELD_SLUGS,
    LIST_SEP,
    MAX_FEEDBACK,
    MAX_LEVEL,
    MIN_FEEDBACK,
    MIN_LEVEL,
    OUTCOMES,
    TARGET_GROUPS,
    VISIT_STATUSES,
    WEEKDAYS,
)

Source = str | os.PathLike[str] | IO[str] | IO[bytes]

_LANGUAGE_CODE = re.compile(r"^[a-z]{2}$")
_TRUE = frozenset({"true", "1", "yes", "ja", "y", "t"})
_FALSE = frozenset({"false", "0", "no", "nej", "n", "f", ""})


class InterchangeError(ValueError):
    """A file or frame breaks the interchange contract.

    ``file`` names the file (or logical file for in-memory frames), ``row`` is the 1-based row
    with the header as row 1 (``None`` when the problem concerns the whole file), ``column`` the
    offending column (``None`` if not tied to one) and ``message`` what is wrong, in Swedish
    followed by English.
    """

    def __init__(
        self, file: str, row: int | None, column: str | None, message: str
    ) -> None:
        self.file = file
        self.row = row
        self.column = column
        self.message = message
        super().__init__(str(self))

    def __str__(self) -> str:
        where = [self.file]
        if self.row is not None:
            where.append(f"rad/row {self.row}")
        if self.column is not None:
            where.append(f"kolumn/column '{self.column}'")
        return f"{', '.join(where)}: {self.message}"

    def __reduce__(self) -> tuple[Any, ...]:
        # Keep the four attributes when the error crosses a process boundary (joblib workers).
        return (type(self), (self.file, self.row, self.column, self.message))


Kind = Literal["id", "choice", "list", "int", "float", "bool", "date", "moment"]


@dataclass(frozen=True)
class _Column:
    """How one contract column is checked and converted."""

    name: str
    kind: Kind
    vocab: tuple[str, ...] | None = None  # allowed values for choice/list; None = language codes
    lo: float | None = None
    hi: float | None = None
    required: bool = True
    noun: tuple[str, str] = ("värde", "value")  # (Swedish, English) for messages


_LEVEL_NOUN = ("svenskanivå", "Swedish level")
_LEVEL: dict[str, Any] = {"lo": MIN_LEVEL, "hi": MAX_LEVEL, "noun": _LEVEL_NOUN}
_LAT = _Column("lat", "float", lo=-90, hi=90, required=False, noun=("latitud", "latitude"))
_LON = _Column("lon", "float", lo=-180, hi=180, required=False, noun=("longitud", "longitude"))
_LANGUAGES = _Column("languages", "list", None, noun=("språkkod", "language code"))
_WEEKDAYS = _Column("weekdays", "list", WEEKDAYS, noun=("veckodag", "weekday"))

_CANDIDATE_SPEC: tuple[_Column, ...] = (
    _Column("candidate_id", "id"),
    _Column("interests", "list", FIELD_SLUGS, noun=("yrkesområde", "occupational field")),
    _Column("swedish_level", "int", **_LEVEL),
    _LANGUAGES,
    _Column("target_group", "choice", TARGET_GROUPS, noun=("målgrupp", "target group")),
    _WEEKDAYS,
    _LAT,
    _LON,
    _Column("needs_accessible", "bool"),
)
_OFFER_SPEC: tuple[_Column, ...] = (
    _Column("offer_id", "id"),
    _Column("company_id", "id"),
    _Column("field", "choice", FIELD_SLUGS, noun=("yrkesområde", "occupational field")),
    _Column("min_swedish_level", "int", **_LEVEL),
    _LANGUAGES,
    _WEEKDAYS,
    _LAT,
    _LON,
    _Column("accessible", "bool"),
    _Column("hours", "float", lo=0.5, hi=24, noun=("antal timmar", "hours")),
    _Column("capacity", "int", lo=0, hi=10_000, noun=("kapacitet", "capacity")),
)
_HISTORY_SPEC: tuple[_Column, ...] = (
    _Column("candidate_id", "id"),
    _Column("offer_id", "id"),
    _Column("proposed_on", "date"),
    _Column("employer_response", "choice", EMPLOYER_RESPONSES, noun=("svar", "response")),
    _Column("visit_status", "choice", VISIT_STATUSES, noun=("besöksstatus", "visit status")),
    _Column(
        "feedback", "int", lo=MIN_FEEDBACK, hi=MAX_FEEDBACK, required=False,
        noun=("återkoppling", "feedback"),
    ),
    _Column("outcome", "choice", OUTCOMES, required=False, noun=("utfall", "outcome")),
)
#: The compatible extension for the ranker's training (docs/ranker-as-of.md): candidates.csv and
#: offers.csv may carry a profile's versions, each valid from ``valid_from`` (empty: always) until
#: ``valid_to`` (empty: still current), and history.csv the moment each proposal was made,
#: ``as_of`` (empty or absent: the start of ``proposed_on``). Moments are local Swedish time,
#: ``YYYY-MM-DD`` or ``YYYY-MM-DDTHH:MM[:SS]``, without an offset.
VERSION_COLUMNS: tuple[str, str] = ("valid_from", "valid_to")
_VERSION_SPEC: tuple[_Column, ...] = (
    _Column("valid_from", "moment", required=False, noun=("giltig från", "valid from")),
    _Column("valid_to", "moment", required=False, noun=("giltig till", "valid to")),
)
_AS_OF = _Column("as_of", "moment", required=False, noun=("förslagets tidpunkt", "moment of the proposal"))
_PAIR_SPEC: tuple[_Column, ...] = (_Column("candidate_id", "id"), _Column("offer_id", "id"))
_SCORE_SPEC: tuple[_Column, ...] = (
    *_PAIR_SPEC,
    _Column("score", "float", noun=("poäng", "score")),
    _Column("reasons", "list", (), noun=("skäl", "reason")),  # () = free text: what speaks for the pair
    _Column("considerations", "list", (), noun=("att tänka på", "consideration")),  # and what against
)
_PLAN_SPEC: tuple[_Column, ...] = (*_PAIR_SPEC, _Column("score", "float", noun=("poäng", "score")))

# --- cell helpers -------------------------------------------------------------------------


def _is_missing(value: Any) -> bool:
    if value is None:
        return True
    if isinstance(value, float) and np.isnan(value):
        return True
    return value is pd.NA or value is pd.NaT


def _text(raw: pd.Series) -> pd.Series:
    """Cells as stripped strings, with missing cells as ''."""
    return pd.Series(
        ["" if _is_missing(v) else str(v).strip() for v in raw], index=raw.index, dtype=object
    )


def _split_list(value: Any) -> list[str]:
    """One list cell (a Python sequence or a '|'-joined string) as a de-duplicated list."""
    if isinstance(value, str):
        parts: Iterable[Any] = value.split(LIST_SEP)
    elif isinstance(value, list | tuple | set | frozenset | np.ndarray | pd.Series):
        parts = value
    elif _is_missing(value):
        parts = ()
    else:
        parts = str(value).split(LIST_SEP)
    items = (str(p).strip() for p in parts if not _is_missing(p))
    return list(dict.fromkeys(i for i in items if i))


_NEUTER_NOUNS = frozenset({"yrkesområde", "svar", "utfall", "värde", "skäl"})


def _unknown(noun: str) -> str:
    """'okänd målgrupp' but 'okänt yrkesområde': Swedish adjectives follow the noun's gender."""
    return f"{'okänt' if noun in _NEUTER_NOUNS else 'okänd'} {noun}"


def _quoted(value: Any) -> str:
    return f"'{value}'"


def _num(value: float) -> str:
    return f"{value:g}"


#: Appended to Swedish level errors, so the user sees which number is which CEFR level.
_LEVEL_HINT = " (" + ", ".join(f"{level} = {label}" for level, label in CEFR.items()) + ")"


# --- the checker ----------------------------------------------------------------------------


class _Checker:
    """Validates and converts one frame against a spec, raising on the first bad cell."""

    def __init__(self, frame: pd.DataFrame, file: str) -> None:
        self.frame = frame.reset_index(drop=True)
        self.file = file

    def fail(self, position: int | None, column: str | None, message: str) -> None:
        row = None if position is None else position + 2
        raise InterchangeError(self.file, row, column, message)

    def fail_first(self, bad: np.ndarray, column: str, describe: Callable[[int], str]) -> None:
        """Raise for the first True in ``bad`` (positions), if any."""
        positions = np.flatnonzero(bad)
        if positions.size:
            first = int(positions[0])
            self.fail(first, column, describe(first))

    def run(self, spec: Sequence[_Column]) -> pd.DataFrame:
        missing = [c.name for c in spec if c.name not in self.frame.columns]
        if missing:
            raise InterchangeError(
                self.file, 1, missing[0],
                f"kolumnen saknas — column missing (saknas/missing: {', '.join(missing)})",
            )
        out = {c.name: self.convert(c) for c in spec}
        return pd.DataFrame(out, index=pd.RangeIndex(len(self.frame)))

    def convert(self, col: _Column) -> pd.Series | list[Any] | np.ndarray:
        raw = self.frame[col.name]
        handler = getattr(self, f"_{col.kind}")
        return handler(col, raw)

    def _require(self, col: _Column, text: pd.Series) -> np.ndarray:
        present = (text != "").to_numpy()
        if col.required:
            self.fail_first(~present, col.name, lambda _: "värde saknas — value missing")
        return present

    def _id(self, col: _Column, raw: pd.Series) -> pd.Series:
        text = _text(raw)
        self._require(col, text)
        return text.astype(str)

    def _choice(self, col: _Column, raw: pd.Series) -> pd.Series:
        text = _text(raw)
        present = self._require(col, text)
        allowed = col.vocab or ()
        bad = present & ~text.isin(allowed).to_numpy()
        sv, en = col.noun
        self.fail_first(
            bad, col.name,
            lambda i: f"{_unknown(sv)} {_quoted(text.iat[i])} — unknown {en} "
            f"{_quoted(text.iat[i])} (giltiga/valid: {', '.join(allowed)})",
        )
        return text.astype(str)

    def _list(self, col: _Column, raw: pd.Series) -> list[list[str]]:
        # A frame built from the database holds one list object per distinct value (thousands
        # of candidates share a few hundred interest sets): each object is split once.
        split: dict[int, list[str]] = {}
        lists = [
            split[id(v)] if id(v) in split else split.setdefault(id(v), _split_list(v))
            if isinstance(v, list) else _split_list(v)
            for v in raw
        ]
        if col.vocab == ():
            return lists  # free text (reasons, considerations)
        items = pd.Series(lists, dtype=object).explode().dropna()
        if col.vocab is None:
            ok = items.map(lambda s: bool(_LANGUAGE_CODE.match(s)))
            hint = "ISO 639-1, två små bokstäver/two lower-case letters"
        else:
            ok = items.isin(col.vocab)
            hint = f"giltiga/valid: {', '.join(col.vocab)}"
        bad_items = items[~ok.astype(bool)]
        if len(bad_items):
            position = int(bad_items.index[0])
            value = bad_items.iloc[0]
            sv, en = col.noun
            self.fail(
                position, col.name,
                f"{_unknown(sv)} {_quoted(value)} — unknown {en} {_quoted(value)} ({hint})",
            )
        return lists

    def _numbers(self, col: _Column, raw: pd.Series) -> tuple[np.ndarray, np.ndarray]:
        """Numeric values (NaN when empty) and the mask of present cells."""
        if pd.api.types.is_numeric_dtype(raw) and not pd.api.types.is_bool_dtype(raw):
            values = raw.to_numpy(dtype=float, na_value=np.nan)
            present = ~np.isnan(values)
        else:
            text = _text(raw)
            present = (text != "").to_numpy()
            values = pd.to_numeric(text.where(text != "", None), errors="coerce").to_numpy(
                dtype=float, na_value=np.nan
            )
            self.fail_first(
                present & np.isnan(values), col.name,
                lambda i: f"{_quoted(text.iat[i])} är inte ett tal — is not a number",
            )
        if col.required:
            self.fail_first(~present, col.name, lambda _: "värde saknas — value missing")
        return values, present

    def _check_range(self, col: _Column, values: np.ndarray, present: np.ndarray) -> None:
        lo = -np.inf if col.lo is None else col.lo
        hi = np.inf if col.hi is None else col.hi
        with np.errstate(invalid="ignore"):
            bad = present & ((values < lo) | (values > hi) | ~np.isfinite(values))
        sv, en = col.noun
        hint = _LEVEL_HINT if col.noun == _LEVEL_NOUN else ""
        self.fail_first(
            bad, col.name,
            lambda i: f"{sv} {_num(values[i])} utanför {_num(lo)}–{_num(hi)} — "
            f"{en} {_num(values[i])} outside {_num(lo)}–{_num(hi)}{hint}",
        )

    def _int(self, col: _Column, raw: pd.Series) -> pd.Series:
        values, present = self._numbers(col, raw)
        self.fail_first(
            present & (np.floor(values) != values), col.name,
            lambda i: f"{values[i]:g} är inte ett heltal — is not a whole number",
        )
        self._check_range(col, values, present)
        if col.required:
            return pd.Series(values.astype(np.int64))
        return pd.Series(pd.array(np.where(present, values, np.nan), dtype="Int64"))

    def _float(self, col: _Column, raw: pd.Series) -> pd.Series:
        values, present = self._numbers(col, raw)
        self._check_range(col, values, present)
        return pd.Series(values)

    def _bool(self, col: _Column, raw: pd.Series) -> pd.Series:
        if pd.api.types.is_bool_dtype(raw) and not raw.isna().any():
            return pd.Series(raw.to_numpy(dtype=bool))
        text = _text(raw).str.lower()
        truthy = text.isin(_TRUE).to_numpy()
        bad = ~truthy & ~text.isin(_FALSE).to_numpy()
        self.fail_first(
            bad, col.name,
            lambda i: f"{_quoted(text.iat[i])} är inte ja/nej — is not true/false",
        )
        return pd.Series(truthy)

    def _date(self, col: _Column, raw: pd.Series) -> pd.Series:
        if pd.api.types.is_datetime64_any_dtype(raw):
            dates = pd.Series(raw.to_numpy())
            present = dates.notna().to_numpy()
            if col.required:
                self.fail_first(~present, col.name, lambda _: "värde saknas — value missing")
            return dates
        text = _text(raw)
        present = self._require(col, text)
        dates = pd.to_datetime(text.where(text != "", None), format="%Y-%m-%d", errors="coerce")
        self.fail_first(
            present & dates.isna().to_numpy(), col.name,
            lambda i: f"{_quoted(text.iat[i])} är inget datum ÅÅÅÅ-MM-DD — "
            "is not a date YYYY-MM-DD",
        )
        return dates.astype("datetime64[ns]")

    def _moment(self, col: _Column, raw: pd.Series) -> pd.Series:
        if pd.api.types.is_datetime64_any_dtype(raw):
            moments = pd.Series(raw.to_numpy())
        else:
            text = _text(raw)
            present = self._require(col, text)
            with_offset = text.str.contains(r"T.*(?:[+-]\d\d:?\d\d|Z)$", regex=True).to_numpy()
            self.fail_first(
                present & with_offset, col.name,
                lambda i: f"{_quoted(text.iat[i])}: ange svensk lokal tid utan tidszon — "
                "give Swedish local time without an offset",
            )
            moments = pd.Series(
                [pd.NaT if t == "" else pd.to_datetime(t, format="ISO8601", errors="coerce") for t in text],
                dtype="datetime64[ns]",
            )
            self.fail_first(
                present & moments.isna().to_numpy(), col.name,
                lambda i: f"{_quoted(text.iat[i])} är ingen tidpunkt ÅÅÅÅ-MM-DD[THH:MM] — "
                "is not a moment YYYY-MM-DD[THH:MM]",
            )
        if isinstance(moments.dtype, pd.DatetimeTZDtype):
            self.fail(0, col.name, "ange svensk lokal tid utan tidszon — give Swedish local time without an offset")
        return moments.astype("datetime64[ns]")


# --- cross-column rules -------------------------------------------------------------------


def _check_unique(checker: _Checker, frame: pd.DataFrame, columns: list[str], what: str) -> None:
    duplicated = frame.duplicated(subset=columns, keep="first").to_numpy()
    checker.fail_first(
        duplicated, columns[-1],
        lambda i: f"{what} {', '.join(str(frame.at[i, c]) for c in columns)} förekommer flera "
        "gånger — appears more than once",
    )


def _check_coordinates(checker: _Checker, frame: pd.DataFrame) -> None:
    lat_only = frame["lat"].notna().to_numpy() & frame["lon"].isna().to_numpy()
    lon_only = frame["lon"].notna().to_numpy() & frame["lat"].isna().to_numpy()
    checker.fail_first(
        lat_only, "lon", lambda _: "longitud saknas men latitud finns — lon missing but lat given"
    )
    checker.fail_first(
        lon_only, "lat", lambda _: "latitud saknas men longitud finns — lat missing but lon given"
    )


# --- public validators ----------------------------------------------------------------------


def validate_candidates(frame: pd.DataFrame, file: str = "candidates.csv") -> pd.DataFrame:
    """Check and convert a candidates frame; raise :class:`InterchangeError` at the first fault."""
    checker = _Checker(frame, file)
    out = checker.run(_CANDIDATE_SPEC)
    _check_unique(checker, out, ["candidate_id"], "candidate_id")
    _check_coordinates(checker, out)
    return out


def validate_offers(frame: pd.DataFrame, file: str = "offers.csv") -> pd.DataFrame:
    """Check and convert an offers frame; raise :class:`InterchangeError` on the first problem."""
    checker = _Checker(frame, file)
    out = checker.run(_OFFER_SPEC)
    _check_unique(checker, out, ["offer_id"], "offer_id")
    _check_coordinates(checker, out)
    return out


def is_versioned(frame: pd.DataFrame) -> bool:
    """Whether a candidates or offers frame carries profile versions (``valid_from``/``valid_to``)."""
    return any(c in frame.columns for c in VERSION_COLUMNS)


def _validate_versions(
    frame: pd.DataFrame, spec: Sequence[_Column], id_column: str, file: str
) -> pd.DataFrame:
    """The contract's columns plus ``valid_from``/``valid_to`` (NaT: open), each subject's
    versions in time order without overlaps (at most one open-ended, the last)."""
    frame = frame.copy()
    for name in VERSION_COLUMNS:
        if name not in frame.columns:
            frame[name] = ""
    checker = _Checker(frame, file)
    out = checker.run((*spec, *_VERSION_SPEC))
    start, end = out["valid_from"], out["valid_to"]
    checker.fail_first(
        (start.notna() & end.notna() & (end <= start)).to_numpy(), "valid_to",
        lambda _: "valid_to måste vara senare än valid_from — valid_to must be after valid_from",
    )
    order = np.lexsort((start.fillna(pd.Timestamp.min).to_numpy(), out[id_column].to_numpy()))
    ids = out[id_column].to_numpy()[order]
    same = ids[1:] == ids[:-1]
    previous_end = end.to_numpy()[order][:-1]
    next_start = start.to_numpy()[order][1:]
    # NaT compares False: an open end (or start) beside another version of the subject overlaps.
    overlap = same & ~(previous_end <= next_start)
    bad = np.zeros(len(out), dtype=bool)
    bad[order[1:][overlap]] = True
    checker.fail_first(
        bad, "valid_from",
        lambda i: f"{id_column} {out.at[i, id_column]}: versionerna överlappar — the versions overlap "
        "(one row per subject and period)",
    )
    _check_coordinates(checker, out)
    return out


def validate_candidate_versions(frame: pd.DataFrame, file: str = "candidates.csv") -> pd.DataFrame:
    """A candidates frame with profile versions (a frame without ``valid_from``/``valid_to`` is
    one version per candidate, valid always); raise :class:`InterchangeError` at the first fault."""
    return _validate_versions(frame, _CANDIDATE_SPEC, "candidate_id", file)


def validate_offer_versions(frame: pd.DataFrame, file: str = "offers.csv") -> pd.DataFrame:
    """An offers frame with profile versions (see :func:`validate_candidate_versions`)."""
    return _validate_versions(frame, _OFFER_SPEC, "offer_id", file)


def version_positions(
    versions: pd.DataFrame, id_column: str, ids: pd.Series | np.ndarray, moments: pd.Series | np.ndarray
) -> np.ndarray:
    """For each (id, moment), the position in ``versions`` of the subject's version valid then:
    the last one that started at or before the moment (versions do not overlap); a moment
    before the subject's first version takes the first (the earliest profile known); -1 for an
    id without versions. An unversioned frame is looked up by id alone."""
    ids = np.asarray(ids, dtype=object)
    if not is_versioned(versions):
        return pd.Index(versions[id_column].to_numpy()).get_indexer(ids)
    start = versions["valid_from"].to_numpy(dtype="datetime64[ns]")
    start = np.where(np.isnat(start), np.datetime64("1678-01-01", "ns"), start)
    table = pd.DataFrame({"id": versions[id_column].to_numpy(dtype=object), "t": start,
                          "pos": np.arange(len(versions))}).sort_values("t", kind="stable")
    asked = pd.DataFrame({"id": ids, "t": pd.to_datetime(pd.Series(np.asarray(moments)))
                          .to_numpy(dtype="datetime64[ns]"), "row": np.arange(len(ids))})
    asked = asked.sort_values("t", kind="stable")
    found = pd.merge_asof(asked, table, on="t", by="id", direction="backward").set_index("row")["pos"]
    first = table.drop_duplicates("id").set_index("id")["pos"]
    positions = found.reindex(np.arange(len(ids))).fillna(pd.Series(first.reindex(ids).to_numpy()))
    return positions.fillna(-1).to_numpy(dtype=np.intp)


def profiles_at(versions: pd.DataFrame, id_column: str, moment: pd.Timestamp | None = None) -> pd.DataFrame:
    """Each subject's profile as it was at ``moment`` (its current one without a moment; its
    first for a subject that came later), in the contract's columns, one row per id."""
    spec = _CANDIDATE_SPEC if id_column == "candidate_id" else _OFFER_SPEC
    names = [c.name for c in spec]
    if not is_versioned(versions):
        return versions[names].reset_index(drop=True)
    ids = pd.unique(versions[id_column])
    if moment is None:
        moment = pd.Timestamp.max
    positions = version_positions(versions, id_column, ids, np.full(len(ids), moment, dtype="datetime64[ns]"))
    return versions.iloc[positions][names].reset_index(drop=True)


def validate_history(frame: pd.DataFrame, file: str = "history.csv") -> pd.DataFrame:
    """Check and convert a history frame; raise :class:`InterchangeError` on the first problem.

    Beyond the cell checks, a visit can only have happened (or been missed) after the employer
    accepted, and feedback is only given for a completed visit. An ``as_of`` column (the moment
    of each proposal, the extension above) is kept when the frame has one; an empty cell is the
    start of ``proposed_on``.
    """
    checker = _Checker(frame, file)
    out = checker.run((*_HISTORY_SPEC, _AS_OF) if "as_of" in frame.columns else _HISTORY_SPEC)
    if "as_of" in out.columns:
        out["as_of"] = out["as_of"].fillna(out["proposed_on"])
    visited = out["visit_status"].isin(["completed", "no_show", "cancelled"]).to_numpy()
    accepted = (out["employer_response"] == "accepted").to_numpy()
    checker.fail_first(
        visited & ~accepted, "visit_status",
        lambda i: f"besöksstatus '{out.at[i, 'visit_status']}' utan att arbetsgivaren accepterat "
        f"— visit status '{out.at[i, 'visit_status']}' but employer_response is "
        f"'{out.at[i, 'employer_response']}'",
    )
    has_feedback = out["feedback"].notna().to_numpy()
    completed = (out["visit_status"] == "completed").to_numpy()
    checker.fail_first(
        has_feedback & ~completed, "feedback",
        lambda _: "återkoppling finns men besöket är inte genomfört — "
        "feedback given but the visit is not completed",
    )
    return out


def validate_pairs(frame: pd.DataFrame, file: str = "pairs.csv") -> pd.DataFrame:
    """Check and convert a pairs frame; raise :class:`InterchangeError` on the first problem."""
    checker = _Checker(frame, file)
    out = checker.run(_PAIR_SPEC)
    _check_unique(checker, out, ["candidate_id", "offer_id"], "paret/the pair")
    return out


def validate_scores(frame: pd.DataFrame, file: str = "scores.csv") -> pd.DataFrame:
    """Check and convert a scores frame (``reasons`` and ``considerations`` as lists of strings)."""
    checker = _Checker(frame, file)
    out = checker.run(_SCORE_SPEC)
    _check_unique(checker, out, ["candidate_id", "offer_id"], "paret/the pair")
    return out


def validate_plan(frame: pd.DataFrame, file: str = "plan.csv") -> pd.DataFrame:
    """Check and convert a plan frame."""
    checker = _Checker(frame, file)
    out = checker.run(_PLAN_SPEC)
    _check_unique(checker, out, ["candidate_id", "offer_id"], "paret/the pair")
    return out


# --- reading and writing ---------------------------------------------------------------------


def _source_name(src: Source, default: str) -> str:
    if isinstance(src, str | os.PathLike):
        return Path(src).name
    name = getattr(src, "name", None)
    return Path(name).name if isinstance(name, str) and name else default


def _read(src: Source, default_name: str) -> tuple[pd.DataFrame, str]:
    name = _source_name(src, default_name)
    try:
        frame = pd.read_csv(
            src, dtype=str, keep_default_na=False, na_values=[], encoding="utf-8",
            skipinitialspace=True,
        )
    except FileNotFoundError as exc:
        message = f"filen finns inte — file not found ({exc})"
        raise InterchangeError(name, None, None, message) from exc
    except UnicodeDecodeError as exc:
        raise InterchangeError(
            name, None, None, f"filen är inte UTF-8 — file is not UTF-8 ({exc.reason})"
        ) from exc
    except pd.errors.EmptyDataError as exc:
        raise InterchangeError(name, 1, None, "filen är tom — file is empty (no header)") from exc
    except pd.errors.ParserError as exc:
        raise InterchangeError(name, None, None, f"trasig CSV — malformed CSV ({exc})") from exc
    frame.columns = [str(c).strip() for c in frame.columns]
    return frame, name


def read_candidates(src: Source) -> pd.DataFrame:
    """Read and validate ``candidates.csv`` (path or file-like object). A file with profile
    versions gives each candidate's current profile (the training reads them all with
    :func:`read_candidate_versions`)."""
    frame, name = _read(src, "candidates.csv")
    if is_versioned(frame):
        return validate_candidates(profiles_at(validate_candidate_versions(frame, name), "candidate_id"), name)
    return validate_candidates(frame, name)


def read_offers(src: Source) -> pd.DataFrame:
    """Read and validate ``offers.csv`` (path or file-like object); the current profiles of a
    file with versions."""
    frame, name = _read(src, "offers.csv")
    if is_versioned(frame):
        return validate_offers(profiles_at(validate_offer_versions(frame, name), "offer_id"), name)
    return validate_offers(frame, name)


def read_candidate_versions(src: Source) -> pd.DataFrame:
    """Read ``candidates.csv`` with every profile version (:func:`validate_candidate_versions`);
    a file without ``valid_from``/``valid_to`` keeps its plain form (one row per candidate)."""
    frame, name = _read(src, "candidates.csv")
    return validate_candidate_versions(frame, name) if is_versioned(frame) else validate_candidates(frame, name)


def read_offer_versions(src: Source) -> pd.DataFrame:
    """Read ``offers.csv`` with every profile version (see :func:`read_candidate_versions`)."""
    frame, name = _read(src, "offers.csv")
    return validate_offer_versions(frame, name) if is_versioned(frame) else validate_offers(frame, name)


def read_history(src: Source) -> pd.DataFrame:
    """Read and validate ``history.csv`` (path or file-like object)."""
    frame, name = _read(src, "history.csv")
    return validate_history(frame, name)


def read_pairs(src: Source) -> pd.DataFrame:
    """Read and validate ``pairs.csv`` (path or file-like object)."""
    frame, name = _read(src, "pairs.csv")
    return validate_pairs(frame, name)


def read_scores(src: Source) -> pd.DataFrame:
    """Read and validate a scores CSV as written by :func:`write_scores`."""
    frame, name = _read(src, "scores.csv")
    return validate_scores(frame, name)


def read_plan(src: Source) -> pd.DataFrame:
    """Read and validate a plan CSV as written by :func:`write_plan`."""
    frame, name = _read(src, "plan.csv")
    return validate_plan(frame, name)


def _serialise(frame: pd.DataFrame, spec: Sequence[_Column]) -> pd.DataFrame:
    """A validated frame in its CSV text form (lists joined, flags as true/false, no NaN)."""
    out: dict[str, Any] = {}
    for col in spec:
        values = frame[col.name]
        if col.kind == "list":
            out[col.name] = [LIST_SEP.join(v) for v in values]
        elif col.kind == "bool":
            out[col.name] = np.where(values.to_numpy(dtype=bool), "true", "false")
        elif col.kind == "date":
            out[col.name] = values.dt.strftime("%Y-%m-%d")
        elif col.kind == "moment":
            out[col.name] = values.dt.strftime("%Y-%m-%dT%H:%M:%S").fillna("")
        elif col.kind == "float" and col.name == "score":
            out[col.name] = [f"{v:.6f}" for v in values]
        elif col.kind == "float":
            out[col.name] = ["" if np.isnan(v) else repr(float(v)) for v in values]
        else:
            out[col.name] = ["" if _is_missing(v) else str(v) for v in values]
    return pd.DataFrame(out)


def _write(
    frame: pd.DataFrame,
    dst: Source,
    validate: Callable[[pd.DataFrame, str], pd.DataFrame],
    spec: Sequence[_Column],
    name: str,
) -> None:
    # Validate on the way out too: a file we write must be one we would accept.
    _serialise(validate(frame, name), spec).to_csv(dst, index=False, lineterminator="\n")


def write_candidates(frame: pd.DataFrame, dst: Source) -> None:
    """Write a candidates frame as ``candidates.csv`` (path or text file object), with its
    ``valid_from``/``valid_to`` when it has profile versions."""
    if is_versioned(frame):
        _write(frame, dst, validate_candidate_versions, (*_CANDIDATE_SPEC, *_VERSION_SPEC), "candidates.csv")
    else:
        _write(frame, dst, validate_candidates, _CANDIDATE_SPEC, "candidates.csv")


def write_offers(frame: pd.DataFrame, dst: Source) -> None:
    """Write an offers frame as ``offers.csv`` (with its versions, if any)."""
    if is_versioned(frame):
        _write(frame, dst, validate_offer_versions, (*_OFFER_SPEC, *_VERSION_SPEC), "offers.csv")
    else:
        _write(frame, dst, validate_offers, _OFFER_SPEC, "offers.csv")


def write_history(frame: pd.DataFrame, dst: Source) -> None:
    """Write a history frame as ``history.csv`` (with ``as_of`` when the frame has it)."""
    spec = (*_HISTORY_SPEC, _AS_OF) if "as_of" in frame.columns else _HISTORY_SPEC
    _write(frame, dst, validate_history, spec, "history.csv")


def write_scores(frame: pd.DataFrame, dst: Source) -> None:
    """Write ``candidate_id, offer_id, score, reasons, considerations`` (each list joined with '|')."""
    _write(frame, dst, validate_scores, _SCORE_SPEC, "scores.csv")


def write_plan(frame: pd.DataFrame, dst: Source) -> None:
    """Write ``candidate_id, offer_id, score``."""
    _write(frame, dst, validate_plan, _PLAN_SPEC, "plan.csv")
