"""The partnership's organisations for the tests of the agreement, its budget and the quarterly
sign-off: `make_parties(make, "TH", "HIF")`, or the `parties` fixture (the agreement's three
parties: TH, HIF and AMF). Use with `pytest_plugins = ("tests.partnership",)`."""

from __future__ import annotations

from typing import Any

import pytest

from models.enums import OrganisationKind

from .factories import Factory

PARTIES = {
    "TH": ("Tillväxt Helsingborg", OrganisationKind.FOUNDATION),
    "HIF": ("Helsingborgs IF", OrganisationKind.CLUB),
    "AF": ("Arbetsförmedlingen", OrganisationKind.EMPLOYMENT_SERVICE),
    "AMF": ("Arbetsmarknadsförvaltningen", OrganisationKind.MUNICIPALITY),
}


def make_parties(make: Factory, *keys: str) -> dict[str, Any]:
    return {
        key: make.organisation(name=PARTIES[key][0], short_name=key, kind=PARTIES[key][1]) for key in keys
    }


@pytest.fixture
def parties(make: Factory) -> dict[str, Any]:
    return make_parties(make, "TH", "HIF", "AMF")
