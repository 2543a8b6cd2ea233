"""`GET /api/v1/me`: whom the token acts for, so an integration can check its setup."""

from __future__ import annotations

from typing import Any

import marshmallow as ma
from marshmallow import fields

from models.enums import Role

from .core import api_blueprint, api_user
from .schemas import enum_field

blp = api_blueprint("api_me", __name__, "/me", "The token's owner.")


class MeSchema(ma.Schema):
    id = fields.Integer(required=True)
    name = fields.String(required=True)
    email = fields.String(required=True)
    role = enum_field(Role, required=True)
    organisation_id = fields.Integer(required=True, allow_none=True)
    company_id = fields.Integer(required=True, allow_none=True)


@blp.route("")
@blp.response(200, MeSchema)
@blp.problems()
def me() -> Any:
    """The account the token acts for"""
    return api_user()
