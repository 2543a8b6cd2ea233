"""Command line: score, plan, evaluate and train, reading and writing the interchange CSVs.

    python -m matcher score    --candidates C --offers O [--history H] [--pairs P] --out S
    python -m matcher plan     --candidates C --offers O [--history H] --out PLAN [--fair]
                               [--max-travel-minutes MIN]
    python -m matcher evaluate --candidates C --offers O --history H
    python -m matcher train    --candidates C --offers O --history H --model-out M
    python -m matcher compare-as-of --candidates C --offers O --history H

Candidate and offer files may carry profile versions (``valid_from``/``valid_to``) and the history
the moment of each proposal (``as_of``), the interchange extension of docs/ranker-as-of.md:
fitting then pairs each proposal with the profiles valid when it was made, and scoring and
planning use the current profiles. ``compare-as-of`` sets that against training on the
profiles as they stood (JSON on stdout).

``score`` and ``plan`` take ``--model M`` to reuse a trained model instead of fitting on
``--history`` (given both, the model scores with the newer history's statistics). Without
``--pairs``, ``score`` scores every candidate against every offer. ``--out -`` writes to
stdout. Progress goes to stderr; user errors end with exit status 2 and a message saying which
file, row and column to fix.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from datetime import datetime
from typing import Any

import pandas as pd
from tqdm.auto import tqdm

from matcher.evaluation import EvaluationError, compare_as_of, evaluate
from matcher.features import within_travel
from matcher.io import (
    InterchangeError,
    profiles_at,
    read_candidate_versions,
    read_history,
    read_offer_versions,
    read_pairs,
    write_plan,
    write_scores,
)
from matcher.persistence import IncompatibleModelError, ModelFileError, load_model, save_model
from matcher.planner import plan
from matcher.ranker import Ranker, all_pairs

EXIT_USER_ERROR = 2


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="python -m matcher", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)

    def add(name: str, help_text: str, history_required: bool) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        sub.add_argument("--candidates", required=True, help="candidates.csv")
        sub.add_argument("--offers", required=True, help="offers.csv")
        sub.add_argument("--history", required=history_required, help="history.csv")
        sub.add_argument("--quiet", action="store_true", help="no progress bars")
        sub.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
        return sub

    score = add("score", "Score candidate–offer pairs (higher is better), with reasons.", False)
    score.add_argument("--pairs", help="pairs.csv (default: every candidate × offer)")
    score.add_argument("--out", required=True, help="scores CSV to write ('-' for stdout)")
    score.add_argument("--model", help="trained model to use instead of fitting on --history")

    planned = add("plan", "Plan the quarter's visits within offer capacities.", False)
    planned.add_argument("--out", required=True, help="plan CSV to write ('-' for stdout)")
    planned.add_argument("--fair", action="store_true",
                         help="give each target group at least its share of the visits")
    planned.add_argument("--model", help="trained model to use instead of fitting on --history")
    planned.add_argument("--max-travel-minutes", type=_positive_minutes, metavar="MIN",
                         help="leave out pairs whose estimated trip by bus is longer than MIN minutes "
                              "(pairs without coordinates are kept)")

    evaluated = add("evaluate", "Temporal evaluation against baselines; JSON on stdout.", True)
    evaluated.add_argument("--test-quarter", help="quarter to test on, e.g. 2023Q4 "
                           "(default: the last quarter with answers)")
    evaluated.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples")

    trained = add("train", "Fit the ranker on all history and save it with metadata.", True)
    trained.add_argument("--model-out", required=True, help="model file to write")
    trained.add_argument("--saved-at", type=datetime.fromisoformat, default=None,
                         help="the moment to record as the model's saved_at (ISO 8601 with offset; none by default)")
    trained.add_argument("--snapshot-id", help="id of the data snapshot (default: content hash)")
    trained.add_argument("--no-evaluate", action="store_true",
                         help="skip the temporal evaluation stored in the metadata")
    trained.add_argument("--n-boot", type=int, default=500, help="bootstrap resamples")

    compared = add("compare-as-of", "Today's profiles against the profiles as of each proposal, on a later "
                   "quarter; JSON on stdout.", True)
    compared.add_argument("--test-quarter", help="quarter to test on (default: the last quarter with answers)")
    compared.add_argument("--n-boot", type=int, default=1000, help="bootstrap resamples")
    return parser


class _Inputs:
    """The validated input frames of one command."""

    def __init__(self, args: argparse.Namespace) -> None:
        names = ["candidates", "offers"] + (["history"] if args.history else [])
        names += ["pairs"] if getattr(args, "pairs", None) else []
        readers = {"candidates": read_candidate_versions, "offers": read_offer_versions,
                   "history": read_history, "pairs": read_pairs}
        frames: dict[str, pd.DataFrame] = {}
        for name in tqdm(names, desc="läser/reading", unit="fil", disable=args.quiet):
            frames[name] = readers[name](getattr(args, name))
        # What training learns from (every version, if the files have them) and what is scored
        # and planned (today's profiles).
        self.candidate_versions = frames["candidates"]
        self.offer_versions = frames["offers"]
        self.candidates = profiles_at(self.candidate_versions, "candidate_id")
        self.offers = profiles_at(self.offer_versions, "offer_id")
        self.history: pd.DataFrame | None = frames.get("history")
        self.pairs: pd.DataFrame | None = frames.get("pairs")


def _ranker(args: argparse.Namespace, inputs: _Inputs) -> tuple[Ranker, pd.DataFrame | None]:
    """A loaded or freshly fitted ranker, and the history to score with (None = its own)."""
    if args.model:
        ranker, _ = load_model(args.model)
        ranker.set_params(verbose=not args.quiet)
        return ranker, inputs.history
    ranker = Ranker(random_state=args.seed, verbose=not args.quiet)
    if inputs.history is not None:
        ranker.fit(inputs.candidate_versions, inputs.offer_versions, inputs.history)
    return ranker, None


@contextmanager
def _step(description: str, quiet: bool) -> Iterator[None]:
    """A one-step progress bar around work that has no natural sub-steps."""
    with tqdm(total=1, desc=description, unit="steg", disable=quiet) as bar:
        yield
        bar.update()


def _required(history: pd.DataFrame | None) -> pd.DataFrame:
    """The history of a command whose parser makes --history required."""
    if history is None:
        raise InterchangeError("history.csv", None, None, "historik krävs — --history is required")
    return history


def _positive_minutes(text: str) -> float:
    try:
        minutes = float(text)
    except ValueError:
        minutes = -1.0
    if not minutes > 0:
        raise argparse.ArgumentTypeError(f"restiden måste vara ett positivt antal minuter — the travel time must be "
                                         f"a positive number of minutes: {text!r}")
    return minutes


def _out(target: str) -> Any:
    return sys.stdout if target == "-" else target


def _score(args: argparse.Namespace) -> int:
    inputs = _Inputs(args)
    ranker, history = _ranker(args, inputs)
    pairs = inputs.pairs if inputs.pairs is not None else all_pairs(inputs.candidates,
                                                                    inputs.offers)
    scores = ranker.predict_pairs(inputs.candidates, inputs.offers, pairs, history=history)
    with _step("skriver/writing", args.quiet):
        write_scores(scores, _out(args.out))
    return 0


def _plan(args: argparse.Namespace) -> int:
    inputs = _Inputs(args)
    ranker, history = _ranker(args, inputs)
    bookable = inputs.offers[inputs.offers["capacity"] > 0]
    pairs = all_pairs(inputs.candidates, bookable)
    pairs = pairs[within_travel(inputs.candidates, inputs.offers, pairs, args.max_travel_minutes)]
    scores = ranker.predict_pairs(inputs.candidates, inputs.offers, pairs, history=history)
    with _step("planerar/planning", args.quiet):
        result = plan(inputs.candidates, inputs.offers, scores, fair=args.fair)
    write_plan(result.plan, _out(args.out))
    summary = json.dumps(result.summary(), indent=2, ensure_ascii=False)
    print(summary, file=sys.stderr if args.out == "-" else sys.stdout)
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    inputs = _Inputs(args)
    report = evaluate(
        inputs.candidate_versions, inputs.offer_versions, _required(inputs.history), n_boot=args.n_boot,
        random_state=args.seed, test_quarter=args.test_quarter, progress=not args.quiet,
    )
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


def _train(args: argparse.Namespace) -> int:
    inputs = _Inputs(args)
    history = _required(inputs.history)
    ranker = Ranker(random_state=args.seed, verbose=not args.quiet)
    evaluation = None
    if not args.no_evaluate:
        report = evaluate(inputs.candidate_versions, inputs.offer_versions, history, n_boot=args.n_boot,
                          random_state=args.seed, ranker=ranker, progress=not args.quiet)
        evaluation = {key: report[key] for key in
                      ("split", "ndcg", "learned_minus_content", "brier")}
    ranker.fit(inputs.candidate_versions, inputs.offer_versions, history)
    metadata: dict[str, Any] = {"evaluation": evaluation}
    if args.snapshot_id:
        metadata["snapshot_id"] = args.snapshot_id
    written = save_model(ranker, args.model_out, metadata, saved_at=args.saved_at)
    print(json.dumps(written, indent=2, ensure_ascii=False))
    return 0


def _compare_as_of(args: argparse.Namespace) -> int:
    inputs = _Inputs(args)
    report = compare_as_of(inputs.candidate_versions, inputs.offer_versions, _required(inputs.history),
                           n_boot=args.n_boot, random_state=args.seed, test_quarter=args.test_quarter)
    print(json.dumps(report, indent=2, ensure_ascii=False))
    return 0


def main(argv: Sequence[str] | None = None) -> int:
    """Run one command; return the exit status."""
    args = _parser().parse_args(argv)
    commands = {"score": _score, "plan": _plan, "evaluate": _evaluate, "train": _train,
                "compare-as-of": _compare_as_of}
    try:
        return commands[args.command](args)
    except (InterchangeError, ModelFileError, IncompatibleModelError, EvaluationError) as exc:
        print(f"fel/error: {exc}", file=sys.stderr)
        return EXIT_USER_ERROR
