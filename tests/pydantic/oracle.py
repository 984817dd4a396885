#!/usr/bin/env python3
"""FastAPI's request handling around pydantic v2, as the oracle of the REST face's 422 answers.

Telnyx's Missions API is a FastAPI service whose request models are the OpenAPI spec's schemas. FastAPI itself cannot
be installed here (only NuGet, npm and Debian are reachable; Debian's FastAPI is of the pydantic-1 era), so this file
does what FastAPI 0.115+ does between receiving a request and calling the endpoint (fastapi/dependencies/utils.py:
solve_dependencies, request_params_to_args, request_body_to_args; fastapi/routing.py: get_request_handler), with the
models built from the spec by pydantic itself:

- path parameters, then query parameters, then the body are validated, each problem collected with its location
  prefix ("path", name) / ("query", alias) / ("body", ...); all of them are answered at once, 422 {"detail": [...]};
- the body: empty -> absent; a JSON content type (or none) -> json.loads of the bytes (UTF-8/16/32 detected, as the
  standard library does); a json.JSONDecodeError -> one json_invalid at ("body", e.pos) with ctx.error = e.msg; any
  other decoding error (bytes that are not UTF-8) -> 400 {"detail": "There was an error parsing the body"}; another
  content type -> the raw bytes are validated (and refused by the model);
- an absent (or JSON null) body is "missing" at ("body",) when the operation requires one, else the schema's default;
- values are validated with TypeAdapter(Annotated[type, FieldInfo]).validate_python(value, from_attributes=True) and
  errors(include_url=False), as FastAPI's ModelField does.

Models: a property in "required" is required; one with a "default" takes it; any other is Optional[...] = None
(FastAPI's `x: T | None = None`, which Telnyx's published spec writes as plain `type: T`). Path parameters with
`format: uuid` are uuid.UUID; query parameters carry their minimum/exclusiveMinimum/maximum.

Reads one request per line on stdin, as JSON: {"method", "path", "query" (raw, without "?"), "content_type" (or null),
"body" (base64, or null when none)}; writes one answer per line: {"status", "detail"} where detail is the list of
{"type", "loc", "msg"} for a 422, the string for another error, null for a success (status: the spec's success code).
"""
import base64
import enum
import json
import re
import sys
import uuid
from typing import Any, Dict, List, Optional
from urllib.parse import parse_qsl

import pydantic
import yaml
from pydantic import TypeAdapter, ValidationError, create_model
from pydantic.fields import FieldInfo
from typing_extensions import Annotated

BASE = "/v2"


class Spec:
    def __init__(self, path):
        with open(path, encoding="utf-8") as f:
            self.doc = yaml.safe_load(f)
        self.schemas = self.doc["components"]["schemas"]
        self.types = {}
        self.routes = []
        for template, ops in self.doc["paths"].items():
            names = re.findall(r"\{([^}]+)\}", template)
            pattern = "^" + re.sub(r"\\\{[^}]+\\\}", "([^/]+)", re.escape(BASE + template)) + "$"
            for method, op in ops.items():
                if method == "parameters":
                    continue
                self.routes.append((method.upper(), re.compile(pattern), names, op))

    def type_of(self, schema):
        if "$ref" in schema:
            return self.named(schema["$ref"].rsplit("/", 1)[1])
        kind = schema.get("type")
        if kind == "string":
            return uuid.UUID if schema.get("format") == "uuid" else str
        if kind == "integer":
            return int
        if kind == "number":
            return float
        if kind == "boolean":
            return bool
        if kind == "array":
            return List[self.type_of(schema.get("items", {}))]
        if kind == "object":
            return Dict[str, Any]
        return Any

    def named(self, name):
        if name not in self.types:
            schema = self.schemas[name]
            if "enum" in schema:
                self.types[name] = enum.Enum(name, [(v, v) for v in schema["enum"]], type=str)
            else:
                fields = {}
                required = set(schema.get("required", []))
                for prop, sub in schema.get("properties", {}).items():
                    kind = self.type_of(sub)
                    if prop in required:
                        fields[prop] = (kind, ...)
                    elif "default" in sub:
                        fields[prop] = (kind, sub["default"])
                    else:
                        fields[prop] = (Optional[kind], None)
                self.types[name] = create_model(name, **fields)
        return self.types[name]

    def match(self, method, path):
        for verb, pattern, names, op in self.routes:
            found = pattern.match(path)
            if found and verb == method:
                return op, dict(zip(names, found.groups()))
        return None, None


def field_info(schema, required, default):
    constraints = {}
    for key, name in (("minimum", "ge"), ("exclusiveMinimum", "gt"), ("maximum", "le"), ("exclusiveMaximum", "lt"),
                      ("minLength", "min_length"), ("maxLength", "max_length")):
        if key in schema:
            constraints[name] = schema[key]
    return FieldInfo(default=... if required else default, **constraints)


def validate(kind, info, value, loc, errors):
    try:
        TypeAdapter(Annotated[kind, info]).validate_python(value, from_attributes=True)
    except ValidationError as error:
        for e in error.errors(include_url=False):
            errors.append({"type": e["type"], "loc": list(loc) + list(e["loc"]), "msg": e["msg"]})


def success_status(op):
    return int(next(code for code in op["responses"] if str(code).startswith("2")))


def handle(spec, request):
    # Starlette matches the percent-decoded path.
    from urllib.parse import unquote
    op, values = spec.match(request["method"], unquote(request["path"]))
    if op is None:
        return {"status": 404, "detail": "Not Found"}
    errors = []
    query = {}
    for name, value in parse_qsl(request.get("query") or "", keep_blank_values=True):
        query[name] = value  # the last value of a repeated name (Starlette's QueryParams.get)
    for param in op.get("parameters", []):
        schema = param.get("schema", {})
        kind = spec.type_of(schema)
        required = param.get("required", False)
        default = schema.get("default")
        info = field_info(schema, required, default)
        if param["in"] == "path":
            validate(kind, info, values[param["name"]], ("path", param["name"]), errors)
        elif param["in"] == "query":
            if param["name"] in query:
                validate(kind, info, query[param["name"]], ("query", param["name"]), errors)
            elif required:
                errors.append({"type": "missing", "loc": ["query", param["name"]], "msg": "Field required"})
    body_spec = op.get("requestBody")
    if body_spec:
        raw = base64.b64decode(request["body"]) if request.get("body") is not None else b""
        body = None
        if raw:
            content_type = request.get("content_type")
            parse = True
            if content_type:
                import email.message
                message = email.message.Message()
                message["content-type"] = content_type
                parse = message.get_content_maintype() == "application" and (
                    message.get_content_subtype() == "json" or message.get_content_subtype().endswith("+json"))
            if parse:
                try:
                    body = json.loads(raw)
                except json.JSONDecodeError as e:
                    return {"status": 422, "detail": [{"type": "json_invalid", "loc": ["body", e.pos], "msg": "JSON decode error",
                                                       "ctx": {"error": e.msg}}]}
                except Exception:
                    return {"status": 400, "detail": "There was an error parsing the body"}
            else:
                body = raw
        schema = body_spec["content"]["application/json"]["schema"]
        if body is None:
            if body_spec.get("required", False):
                errors.append({"type": "missing", "loc": ["body"], "msg": "Field required"})
        else:
            validate(spec.type_of(schema), FieldInfo(default=...), body, ("body",), errors)
    if errors:
        return {"status": 422, "detail": errors}
    return {"status": success_status(op), "detail": None}


def main():
    spec = Spec(sys.argv[1])
    out = sys.stdout
    for line in sys.stdin:
        if line.strip():
            out.write(json.dumps(handle(spec, json.loads(line)), ensure_ascii=True) + "\n")
    out.flush()


if __name__ == "__main__":
    if not pydantic.VERSION.startswith("2."):
        sys.exit(f"pydantic 2 is needed, found {pydantic.VERSION}")
    main()
