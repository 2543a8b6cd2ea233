"""Signed single-use links and the email outbox helpers that other areas build on."""

from __future__ import annotations

import datetime as dt

import pytest
import sqlalchemy as sa
from itsdangerous import URLSafeTimedSerializer

from models import OutboxMessage
from web import links
from web.extensions import db as web_db


def test_link_round_trip_then_single_use(app) -> None:
    with app.test_request_context():
        token = links.make_token("visit-answer", 42)
        claim = links.read_token(token, "visit-answer")
        assert claim.object_id == 42
        links.use_token(claim)
        web_db.session.commit()
        with pytest.raises(links.LinkError) as err:
            links.read_token(token, "visit-answer")
        assert err.value.problem == links.LinkProblem.USED


def test_link_with_wrong_purpose_or_tampering_is_invalid(app) -> None:
    with app.test_request_context():
        token = links.make_token("visit-answer", 1)
        for bad, purpose in ((token, "survey"), (token[:-3] + "abc", "visit-answer"), ("nonsense", "visit-answer")):
            with pytest.raises(links.LinkError) as err:
                links.read_token(bad, purpose)
            assert err.value.problem == links.LinkProblem.INVALID


def test_link_expires(app) -> None:
    with app.test_request_context():
        old = URLSafeTimedSerializer(app.config["SECRET_KEY"], salt="emailed-link")
        token = old.dumps({"p": "survey", "id": 3, "n": "x"})
        with pytest.raises(links.LinkError) as err:
            links.read_token(token, "survey", max_age=dt.timedelta(seconds=-1))
        assert err.value.problem == links.LinkProblem.EXPIRED


def test_outbox_dedupe_key_makes_enqueue_idempotent(db) -> None:
    from models.operations import outbox

    first = outbox.enqueue(db, to="a@test.example", subject="s", text="t", dedupe_key="reminder:1:2026-12-01")
    second = outbox.enqueue(db, to="a@test.example", subject="s", text="t", dedupe_key="reminder:1:2026-12-01")
    db.commit()
    assert first is not None and second is None
    assert db.scalar(sa.select(sa.func.count()).select_from(OutboxMessage)) == 1
