"""The API reference at /api/v1/docs: the OpenAPI document rendered as a plain HTML page on the
server (no scripts, nothing fetched from other sites), so it reads the same as the document."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, current_app, render_template

from .core import API_PREFIX

bp = Blueprint("api_reference", __name__, url_prefix=API_PREFIX)

METHODS = ("get", "post", "put", "patch", "delete")


def _ref_name(ref: str) -> str:
    return ref.rsplit("/", 1)[-1]


def describe_type(schema: dict[str, Any]) -> dict[str, Any]:
    """A short, readable description of a JSON schema: its type, a link target, enum values."""
    if "$ref" in schema:
        return {"text": _ref_name(schema["$ref"]), "ref": _ref_name(schema["$ref"])}
    kind = schema.get("type", "any")
    if kind == "array":
        inner = describe_type(schema.get("items", {}))
        return {**inner, "text": f"array of {inner['text']}"}
    if "allOf" in schema and len(schema["allOf"]) == 1:
        return describe_type(schema["allOf"][0])
    text = kind + (f" ({schema['format']})" if "format" in schema else "")
    return {"text": text, "ref": None}


def _constraints(schema: dict[str, Any]) -> str:
    parts = []
    items = schema.get("items", {}) if schema.get("type") == "array" else schema
    if "enum" in items:
        parts.append("one of: " + ", ".join(str(v) for v in items["enum"] if v is not None))
    for key, label in (("minimum", "min"), ("maximum", "max"), ("minLength", "min length"),
                       ("maxLength", "max length"), ("pattern", "pattern")):
        if key in items:
            parts.append(f"{label} {items[key]}")
    if "default" in schema:
        parts.append(f"default {schema['default']}")
    return "; ".join(parts)


def _resolve(spec: dict[str, Any], obj: dict[str, Any], section: str) -> dict[str, Any]:
    if "$ref" in obj:
        return spec.get("components", {}).get(section, {}).get(_ref_name(obj["$ref"]), {})
    return obj


def _operation(spec: dict[str, Any], path: str, method: str, op: dict[str, Any], shared: list[Any]) -> dict[str, Any]:
    parameters = []
    for param in [*shared, *op.get("parameters", [])]:
        param = _resolve(spec, param, "parameters")
        schema = param.get("schema", {})
        parameters.append(
            {
                "name": param.get("name", ""),
                "in": param.get("in", ""),
                "required": param.get("required", False),
                "type": describe_type(schema),
                "notes": " ".join(filter(None, [param.get("description", ""), _constraints(schema)])),
            }
        )
    body = None
    if "requestBody" in op:
        content = op["requestBody"].get("content", {})
        media, entry = next(iter(content.items()), ("", {}))
        body = {"media": media, "type": describe_type(entry.get("schema", {}))}
    responses = []
    for code, response in op.get("responses", {}).items():
        response = _resolve(spec, response, "responses")
        content = response.get("content", {})
        media, entry = next(iter(content.items()), ("", {}))
        responses.append(
            {
                "code": code,
                "description": response.get("description", ""),
                "media": media,
                "type": describe_type(entry["schema"]) if "schema" in entry else None,
            }
        )
    return {
        "id": f"{method}-{path}".replace("/", "-").replace("{", "").replace("}", ""),
        "method": method.upper(),
        "path": path,
        "summary": op.get("summary", ""),
        "description": op.get("description", ""),
        "tags": op.get("tags", []),
        "parameters": parameters,
        "body": body,
        "responses": sorted(responses, key=lambda r: (r["code"] == "default", r["code"])),
    }


def reference_context(spec: dict[str, Any]) -> dict[str, Any]:
    groups: dict[str, list[dict[str, Any]]] = {}
    for path, item in spec.get("paths", {}).items():
        shared = item.get("parameters", [])
        for method in METHODS:
            if method in item:
                op = _operation(spec, path, method, item[method], shared)
                groups.setdefault((op["tags"] or ["api"])[0], []).append(op)
    tags = {t["name"]: t.get("description", "") for t in spec.get("tags", [])}
    schemas = []
    for name, schema in sorted(spec.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        fields = [
            {
                "name": prop,
                "type": describe_type(sub),
                "required": prop in required,
                "nullable": sub.get("nullable", False),
                "read_only": sub.get("readOnly", False),
                "notes": " ".join(filter(None, [sub.get("description", ""), _constraints(sub)])),
            }
            for prop, sub in schema.get("properties", {}).items()
        ]
        schemas.append({"name": name, "description": schema.get("description", ""), "fields": fields})
    return {
        "info": spec.get("info", {}),
        "groups": [{"tag": tag, "description": tags.get(tag, ""), "operations": ops} for tag, ops in groups.items()],
        "schemas": schemas,
    }


@bp.route("/docs")
def reference():  # type: ignore[no-untyped-def]
    spec = current_app.extensions["api"].spec.to_dict()
    return render_template("api/reference.html", **reference_context(spec))
