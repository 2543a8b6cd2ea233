"""Schemas every resource shares: the problem document, paging arguments and page envelopes,
and field types for the domain's closed vocabularies."""

from __future__ import annotations

from collections.abc import Callable
from enum import Enum
from typing import Any

import marshmallow as ma
from marshmallow import fields, validate

from models.db import MAX_ID
from models.operations import fields as field_rules
from models.operations.spreadsheet import CellInvalid

from ..i18n import refusal_message


class ProblemSchema(ma.Schema):
    """An error as `application/problem+json` (RFC 9457)."""

    type = fields.String(metadata={"description": "A URI reference naming the problem type."})
    title = fields.String(metadata={"description": "The HTTP status phrase."})
    status = fields.Integer(metadata={"description": "The HTTP status code."})
    detail = fields.String(metadata={"description": "What went wrong, for a person to read."})
    request_id = fields.String(metadata={"description": "Quote this id when reporting a problem."})
    errors = fields.Dict(
        keys=fields.String(),
        values=fields.List(fields.String()),
        metadata={"description": "Per-field messages (invalid input): field name to messages."},
    )


class PageArgsSchema(ma.Schema):
    """`?page=N&per_page=M`: pages count from 1; at most 100 items a page."""

    class Meta:
        unknown = ma.EXCLUDE

    page = fields.Integer(load_default=1, validate=validate.Range(min=1, max=1_000_000))
    per_page = fields.Integer(load_default=25, validate=validate.Range(min=1, max=100))


class PageSchema(ma.Schema):
    """The envelope of a list: subclasses set `items`."""

    page = fields.Integer(required=True)
    per_page = fields.Integer(required=True)
    total = fields.Integer(required=True, metadata={"description": "Items matching, on all pages."})
    next = fields.String(
        required=True,
        allow_none=True,
        metadata={"format": "uri", "description": "Absolute URL of the next page; null on the last."},
    )


def page_of(item_schema: type[ma.Schema], name: str) -> type[PageSchema]:
    """A page envelope class for `item_schema` (named, so the OpenAPI document can refer to it)."""
    return type(name, (PageSchema,), {"items": fields.List(fields.Nested(item_schema), required=True)})


def enum_field(enum: type[Enum], **kwargs: Any) -> fields.Enum:
    """An enum field that reads and writes the storage value (`"project_leader"`), which is the
    interchange form of every vocabulary."""
    return fields.Enum(enum, by_value=True, **kwargs)


def slug_list(vocabulary: tuple[str, ...] | list[str], **kwargs: Any) -> fields.List:
    """A list of slugs from a fixed vocabulary (occupational fields, weekdays)."""
    return fields.List(fields.String(validate=validate.OneOf(vocabulary)), **kwargs)


def rule(check: Callable[[Any], Any]) -> Callable[[Any], None]:
    """A validator from a rule of models/operations/fields.py (`rule(field_rules.postcode)`), the
    one the forms and imports apply; its message in the caller's language."""

    def validator(value: Any) -> None:
        try:
            check(value)
        except CellInvalid as exc:
            raise ma.ValidationError(refusal_message(exc)) from None

    return validator


def _language_code(value: str) -> None:
    if not field_rules.is_language_code(value):
        raise ma.ValidationError("Use ISO 639-1 codes, e.g. 'sv'.")


def language_list(**kwargs: Any) -> fields.List:
    """ISO 639-1 language codes (`["sv", "ar"]`)."""
    return fields.List(fields.String(validate=_language_code), **kwargs)


# --- input fields that keep what reaches the database sane -------------------------------------


def _storable(value: str) -> None:
    """PostgreSQL text holds no NUL character, and UTF-8 no lone surrogate."""
    if "\x00" in value:
        raise ma.ValidationError("Text may not contain NUL characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ma.ValidationError("Text must be valid Unicode.") from None


class Text(fields.String):
    """A string that can be stored (see `_storable`), at most `max_length` characters."""

    def __init__(self, *, max_length: int = 10_000, **kwargs: Any):
        validators = [_storable, validate.Length(max=max_length)]
        extra = kwargs.pop("validate", None)
        if extra is not None:
            validators.extend(extra if isinstance(extra, list) else [extra])
        super().__init__(validate=validators, **kwargs)


def Id(*, strict: bool = True, **kwargs: Any) -> fields.Integer:  # noqa: N802 (reads as a field type)
    """A row id: a positive 32-bit integer (in a query string it comes as text: strict=False)."""
    return fields.Integer(validate=validate.Range(min=1, max=MAX_ID), strict=strict, **kwargs)


def _sane_year(value: Any) -> None:
    if not 2000 <= value.year <= 2100:
        raise ma.ValidationError("Give a date between the years 2000 and 2100.")


def Moment(**kwargs: Any) -> fields.AwareDateTime:  # noqa: N802
    """An ISO 8601 date-time with a time zone (`2026-03-02T09:00:00+01:00`)."""
    return fields.AwareDateTime(validate=_sane_year, **kwargs)


def Day(**kwargs: Any) -> fields.Date:  # noqa: N802
    return fields.Date(validate=_sane_year, **kwargs)
