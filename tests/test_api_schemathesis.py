"""A bounded Schemathesis run over the OpenAPI document, authenticated as a project leader: no
generated request (valid or deliberately invalid) may cause a 500, and every response must match
the documented schema. Derandomized and bounded by the number of examples per operation and the
phases run (never by a time limit: timings belong in benchmarks/), so every CI run does the same
work."""

from __future__ import annotations

import datetime as dt

import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from models.enums import VisitStatus

pytest_plugins = ("tests.test_api_support",)

EXAMPLES_PER_OPERATION = {GenerationMode.POSITIVE: 12, GenerationMode.NEGATIVE: 6}
# Valid requests name rows that exist (seeded below), so that they reach the operations' rules;
# invalid ones get whatever ids Schemathesis makes up.
EXISTING = {"company_id": 1, "offer_id": 1, "visit_id": 1, "programme_id": 1, "candidate_id": 1, "activity_id": 1}


def _seed(make) -> None:
    """A little of everything, so that generated ids often hit real rows (ids start at 1)."""
    programme = make.programme(starts_on=dt.date(2025, 1, 1), ends_on=dt.date(2027, 12, 31))
    offer = make.offer()
    candidate = make.candidate()
    make.visit(candidate, offer)
    make.visit(make.candidate(), make.offer(), status=VisitStatus.CONFIRMED)
    make.session.commit()
    assert programme.id == 1


def test_schemathesis_finds_no_server_errors_and_no_schema_violations(api_app, tokens, make) -> None:
    _seed(make)
    _user, headers = tokens.headers("project_leader")
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", api_app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:
        for mode, examples in EXAMPLES_PER_OPERATION.items():
            pinned = {p.name: EXISTING[p.name] for p in operation.path_parameters if p.name in EXISTING}
            strategy = operation.as_strategy(
                generation_mode=mode, path_parameters=pinned if mode == GenerationMode.POSITIVE else None
            )

            @settings(
                max_examples=examples, deadline=None, derandomize=True, database=None,
                phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck),
            )
            @given(case=strategy)
            def check(case) -> None:  # type: ignore[no-untyped-def]
                case.call_and_validate(headers=headers, checks=[not_a_server_error, response_schema_conformance])

            check()
