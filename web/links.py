"""Signed, expiring, single-use links for people without an account (the supervisor's
accept/decline link, questionnaire links).

The token carries the purpose, the object id and a random nonce, signed with the app's
secret (itsdangerous). Expiry is checked from the signature's timestamp; single use is
enforced by the database: using a link inserts its nonce into `used_link_token`, whose
primary key refuses a second insert even from two requests at the same moment.
"""

from __future__ import annotations

import datetime as dt
import secrets
from dataclasses import dataclass
from enum import Enum

from flask import current_app, url_for
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer

from models import UsedLinkToken

from .extensions import db

DEFAULT_MAX_AGE = dt.timedelta(days=7)


def public_url(endpoint: str, **values: object) -> str:
    """An absolute address for a mail, a calendar or a page to hand out: always on the one
    configured PUBLIC_BASE_URL (required in production), never on the request's Host header, so
    every mail points at the same, real host and none can be pointed elsewhere."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for(endpoint, **values)


class LinkProblem(Enum):
    INVALID = "invalid"  # tampered, wrong purpose, or not a token at all
    EXPIRED = "expired"
    USED = "used"


class LinkError(Exception):
    def __init__(self, problem: LinkProblem):
        super().__init__(problem.value)
        self.problem = problem


@dataclass(frozen=True)
class LinkClaim:
    purpose: str
    object_id: int
    nonce: str


def _serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="emailed-link")


def make_token(purpose: str, object_id: int) -> str:
    return _serializer().dumps({"p": purpose, "id": object_id, "n": secrets.token_urlsafe(16)})


def read_token(token: str, purpose: str, max_age: dt.timedelta = DEFAULT_MAX_AGE) -> LinkClaim:
    """Verify signature, purpose and age, and that it has not been used; does not use it."""
    try:
        data = _serializer().loads(token, max_age=int(max_age.total_seconds()))
    except SignatureExpired as exc:
        raise LinkError(LinkProblem.EXPIRED) from exc
    except BadSignature as exc:
        raise LinkError(LinkProblem.INVALID) from exc
    if not isinstance(data, dict) or data.get("p") != purpose or not isinstance(data.get("id"), int):
        raise LinkError(LinkProblem.INVALID)
    claim = LinkClaim(purpose=purpose, object_id=data["id"], nonce=str(data.get("n", "")))
    if db.session.get(UsedLinkToken, claim.nonce) is not None:
        raise LinkError(LinkProblem.USED)
    return claim


def use_token(claim: LinkClaim) -> None:
    """Mark the link used, in the request's transaction (committed with the change it makes).
    A concurrent second use fails on the primary key, here or at the commit: a `LostRace`
    (web/transactions.py), which the link's page shows as a used link."""
    db.session.add(UsedLinkToken(nonce=claim.nonce, purpose=claim.purpose))
    db.session.flush()
