"""Save and load a fitted Ranker with its metadata; refuse files from other library versions.

File layout: a magic line, the metadata as JSON (length-prefixed), then the joblib payload.
The metadata is read and checked *before* anything is unpickled, so a model from another
scikit-learn, numpy or matcher version is refused without running its pickle, and a payload
whose SHA-256 does not match the header is refused as corrupt.

Unpickling runs code: load only model files this programme wrote itself (see scikit-learn's
"model persistence" notes). The digest detects damage, not tampering.

A fitted model holds aggregated history, including per-candidate counts of earlier visits and
no-shows under their (pseudonymous) ids: store model files like the history they came from.
"""

from __future__ import annotations

import hashlib
import io
import json
import os
import platform
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Final

import joblib
import numpy as np
import pandas as pd
import scipy
import sklearn

from matcher import __version__
from matcher.ranker import Ranker

MAGIC: Final[bytes] = b"MATCHER-MODEL\n"
#: 2: the features gained `travel_minutes` (a model of format 1 expects one column fewer).
#: 3: the features gained `swedish_shortfall` and `candidate_success_rate`. Models of format 3
#: saved since may carry logistic parts (`Ranker.linear_`, reading `ranker.LINEAR_DESIGNS`); those
#: saved before have none and score as they did, so the format stayed.
FORMAT_VERSION: Final[int] = 3
#: Versions that must match exactly for a model to load: each can change how a pickled
#: estimator behaves (scikit-learn says so explicitly for its own objects).
CHECKED_LIBRARIES: Final[tuple[str, ...]] = ("matcher", "scikit-learn", "numpy")


class ModelFileError(ValueError):
    """The file is not a matcher model, or it is damaged."""


class IncompatibleModelError(ValueError):
    """The model was saved by other library versions than the ones installed."""


def library_versions() -> dict[str, str]:
    """Versions of the code and libraries a model depends on."""
    return {
        "matcher": __version__,
        "scikit-learn": sklearn.__version__,
        "numpy": np.__version__,
        "scipy": scipy.__version__,
        "pandas": pd.__version__,
        "joblib": joblib.__version__,
        "python": platform.python_version(),
    }


def save_model(
    ranker: Ranker, path: str | os.PathLike[str], metadata: dict[str, Any] | None = None, *,
    saved_at: datetime | None = None,
) -> dict[str, Any]:
    """Write ``ranker`` and metadata to ``path``; return the metadata as written.

    ``metadata`` may carry ``snapshot_id`` (defaults to the ranker's training snapshot) and
    ``evaluation`` (e.g. the report of :func:`matcher.evaluation.evaluate`); any other JSON
    values are kept under ``extra``.
    """
    given = dict(metadata or {})
    summary = ranker.summary()
    buffer = io.BytesIO()
    joblib.dump(ranker, buffer, compress=3)
    payload = buffer.getvalue()
    written = {
        "format": "matcher-model",
        "format_version": FORMAT_VERSION,
        "code_version": __version__,
        "library_versions": library_versions(),
        # the library has no clock: the caller says when (the app passes its clock's now)
        "saved_at": None if saved_at is None else saved_at.astimezone(UTC).isoformat(timespec="seconds"),
        "training": {
            "snapshot_id": given.pop("snapshot_id", summary.get("training_snapshot")),
            "n_rows": summary.get("n_training_rows", 0),
            "n_outcomes": summary.get("n_outcomes", 0),
            "blend_weight": summary.get("blend_weight", 0.0),
        },
        "params": dict(ranker.get_params()),
        "evaluation": given.pop("evaluation", None),
        "extra": given,
        "payload_sha256": hashlib.sha256(payload).hexdigest(),
    }
    header = json.dumps(written, ensure_ascii=False, default=str).encode("utf-8")
    with open(path, "wb") as handle:
        handle.write(MAGIC)
        handle.write(len(header).to_bytes(8, "big"))
        handle.write(header)
        handle.write(payload)
    return written


def read_metadata(path: str | os.PathLike[str]) -> tuple[dict[str, Any], bytes]:
    """The metadata and the raw payload of a model file, without unpickling anything."""
    name = Path(path).name
    try:
        with open(path, "rb") as handle:
            magic = handle.read(len(MAGIC))
            if magic != MAGIC:
                raise ModelFileError(
                    f"{name}: ingen matcher-modell — not a matcher model file"
                )
            size = int.from_bytes(handle.read(8), "big")
            header = handle.read(size)
            payload = handle.read()
    except OSError as exc:
        raise ModelFileError(f"{name}: kan inte läsas — cannot be read ({exc})") from exc
    try:
        metadata = json.loads(header.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ModelFileError(f"{name}: trasigt huvud — damaged metadata ({exc})") from exc
    if not isinstance(metadata, dict) or metadata.get("format") != "matcher-model":
        raise ModelFileError(f"{name}: ingen matcher-modell — not a matcher model file")
    if hashlib.sha256(payload).hexdigest() != metadata.get("payload_sha256"):
        raise ModelFileError(f"{name}: skadad fil — damaged file (checksum mismatch)")
    return metadata, payload


def check_versions(metadata: dict[str, Any], name: str = "model") -> None:
    """Raise :class:`IncompatibleModelError` unless the checked versions match the installed."""
    saved = metadata.get("library_versions", {})
    installed = library_versions()
    mismatches = [
        f"{lib} {saved.get(lib, '?')} (installerad/installed {installed[lib]})"
        for lib in CHECKED_LIBRARIES
        if saved.get(lib) != installed[lib]
    ]
    if metadata.get("format_version") != FORMAT_VERSION:
        mismatches.append(
            f"format {metadata.get('format_version')} (stöds/supported {FORMAT_VERSION})"
        )
    if mismatches:
        raise IncompatibleModelError(
            f"{name}: sparad med andra versioner — saved with other versions: "
            + "; ".join(mismatches)
            + ". Träna om modellen — retrain the model (python -m matcher train ...)."
        )


def load_model(path: str | os.PathLike[str]) -> tuple[Ranker, dict[str, Any]]:
    """Load a ranker saved by :func:`save_model`; return ``(ranker, metadata)``.

    Raises :class:`ModelFileError` for files that are not intact matcher models and
    :class:`IncompatibleModelError` when versions differ. Only load files you trust.
    """
    name = Path(path).name
    metadata, payload = read_metadata(path)
    check_versions(metadata, name)
    try:
        ranker = joblib.load(io.BytesIO(payload))
    except Exception as exc:  # any unpickling failure means the file is unusable
        raise ModelFileError(f"{name}: kan inte läsas in — cannot be loaded ({exc})") from exc
    if not isinstance(ranker, Ranker):
        raise ModelFileError(f"{name}: innehåller ingen Ranker — holds no Ranker")
    return ranker, metadata
