# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Validate request bodies against Discovery schemas the way Google's JSON front end does.

The point of the emulator is to fail where the real API fails: a misspelled field in a
role or module must be a 400 here, not a silent no-op.  Google parses JSON into protocol
buffers, so the rules are protobuf's JSON mapping: unknown names are errors, 64-bit
integers may be strings, enums are names, ``null`` means "default".  Messages copy
Google's wording (``Invalid JSON payload received. Unknown name "x" at 'a.b': Cannot find
field.``), with proto-style snake_case paths.

Fields the schema marks output only are accepted and then dropped
(:func:`strip_output_only`), because the real API ignores them.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any, Mapping, Optional

from .discovery import Api, Method
from .errors import ApiError, invalid

_INT_RE = re.compile(r"-?\d+\Z")
_SPECIAL_FLOATS = {"NaN", "Infinity", "-Infinity"}


def snake(name: str) -> str:
    """camelCase JSON name -> the proto field name Google's error paths use."""
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).lower()


def is_output_only(prop: dict[str, Any]) -> bool:
    """Whether the document marks a property as filled by the server."""
    if prop.get("readOnly"):
        return True
    description = (prop.get("description") or "").lstrip()
    return description.startswith(("[Output Only]", "Output only", "Output Only", "[Output only]"))


_ALWAYS_KIND = re.compile(r"[Aa]lways\s+[`'\"]?([a-z0-9]+#[A-Za-z0-9]+)")


def schema_kind(schema: dict[str, Any]) -> Optional[str]:
    """The constant ``kind`` of a schema: its default (compute) or "This is always `sql#instance`." (Cloud SQL)."""
    prop = (schema.get("properties") or {}).get("kind")
    if not prop:
        return None
    if prop.get("default"):
        return str(prop["default"])
    found = _ALWAYS_KIND.search(prop.get("description") or "")
    return found.group(1) if found else None


class Validator:
    """Checks a JSON body against one API's schemas."""

    def __init__(self, api: Api) -> None:
        self.api = api
        self._patterns: dict[str, Optional[re.Pattern[str]]] = {}

    def validate_parameters(self, method: Method, path_params: Mapping[str, str], query: Mapping[str, str]) -> None:
        """Required query parameters, and path segments against their patterns.

        Compute checks ``{network}``-style segments against the document's regex and says
        so; ``{+name}`` patterns (``^projects/...$``) are enforced by routing instead.
        """
        for name, spec in method.parameters.items():
            location = spec.get("location")
            if location == "query" and spec.get("required") and not query.get(name):
                raise ApiError(400, f"Required parameter: {name}", reason="required", location=name)
            pattern = spec.get("pattern")
            value = path_params.get(name)
            if location != "path" or value is None or not pattern or pattern.startswith("^"):
                continue
            if not self._matches(pattern, value):
                raise ApiError(
                    400, f"Invalid value for field '{name}': '{value}'. Must be a match of regex '{pattern}'"
                )

    def validate(self, method: Method, body: Any) -> None:
        """Raise ApiError(400) on the first violation, as Google reports the first one."""
        if method.request_ref is None or body is None:
            return
        root = self.api.config.body_field or ""
        self._check(body, {"$ref": method.request_ref}, root, root, method.id, key=root)

    # -- recursion -------------------------------------------------------------------
    def _check(self, value: Any, schema: dict[str, Any], path: str, json_path: str, method_id: str, key: str) -> None:
        if value is None:
            return
        ref = schema.get("$ref")
        if ref:
            schema = self.api.schema(ref)
        kind = schema.get("type")
        if kind == "any" or (kind is None and not schema.get("properties")):
            return
        if kind == "array":
            self._check_array(value, schema, path, json_path, method_id, key)
        elif kind == "object":
            self._check_object(value, schema, path, json_path, method_id, key)
        else:
            self._check_scalar(value, schema, path, json_path, key)

    def _check_object(
        self, value: Any, schema: dict[str, Any], path: str, json_path: str, method_id: str, key: str
    ) -> None:
        if isinstance(value, list):
            raise self._structural(key, path, "Proto field is not repeating, cannot start list.")
        if not isinstance(value, dict):
            raise invalid(f"Invalid value at '{path}' (TYPE_MESSAGE), {_show(value)}", path)
        properties = schema.get("properties") or {}
        additional = schema.get("additionalProperties")
        for name, item in value.items():
            if name in properties:
                sub = _join(path, snake(name))
                self._check(item, properties[name], sub, _join(json_path, name), method_id, name)
            elif isinstance(additional, dict):
                self._check(item, additional, f"{path}[{name}]", f"{json_path}[{name}]", method_id, name)
            elif additional is True or (not properties and additional is None):
                continue
            elif self.api.config.unknown_fields == "ignore":
                continue  # dropped later by strip_output_only, as the API drops it
            else:
                where = f" at '{path}'" if path else ""
                raise invalid(f'Invalid JSON payload received. Unknown name "{name}"{where}: Cannot find field.', path)
        for name, prop in properties.items():
            required = (prop.get("annotations") or {}).get("required") or ()
            if method_id in required and value.get(name) in (None, ""):
                raise ApiError(400, f"Required field '{_join(json_path, name)}' not specified", reason="required")

    def _check_array(
        self, value: Any, schema: dict[str, Any], path: str, json_path: str, method_id: str, key: str
    ) -> None:
        items = schema.get("items") or {}
        if not isinstance(value, list):
            if isinstance(value, dict) and _kind(self.api, items) != "object":
                raise self._structural(key, path, "Starting an object on a scalar field")
            raise invalid(f"Invalid value at '{path}' ({_type_name(self.api, items)}), {_show(value)}", path)
        for index, item in enumerate(value):
            self._check(item, items, f"{path}[{index}]", f"{json_path}[{index}]", method_id, key)

    def _check_scalar(self, value: Any, schema: dict[str, Any], path: str, json_path: str, key: str) -> None:
        if isinstance(value, list):
            raise self._structural(key, path, "Proto field is not repeating, cannot start list.")
        if isinstance(value, dict):
            raise self._structural(key, path, "Starting an object on a scalar field")
        kind, fmt = schema.get("type"), schema.get("format")
        ok = True
        if kind == "string":
            if fmt in ("int64", "uint64"):
                ok = _is_int(value, unsigned=fmt == "uint64", allow_str=True)
            elif schema.get("enum"):
                ok = (isinstance(value, str) and value in schema["enum"]) or (
                    isinstance(value, int) and not isinstance(value, bool) and 0 <= value < len(schema["enum"])
                )
            else:
                ok = isinstance(value, str)
        elif kind == "integer":
            ok = _is_int(value, unsigned=fmt == "uint32", allow_str=True)
        elif kind == "number":
            ok = _is_number(value)
        elif kind == "boolean":
            ok = isinstance(value, bool)
        if not ok:
            raise invalid(f"Invalid value at '{path}' ({_type_name(self.api, schema)}), {_show(value)}", path)
        pattern = schema.get("pattern")
        if pattern and isinstance(value, str) and not self._matches(pattern, value):
            raise invalid(
                f"Invalid value for field '{json_path}': '{value}'. Must be a match of regex '{pattern}'", json_path
            )

    def _matches(self, pattern: str, value: str) -> bool:
        if pattern not in self._patterns:
            try:
                self._patterns[pattern] = re.compile(pattern)
            except re.error:  # RE2 syntax Python lacks: do not reject what we cannot check
                self._patterns[pattern] = None
        compiled = self._patterns[pattern]
        return compiled is None or compiled.fullmatch(value) is not None

    @staticmethod
    def _structural(key: str, path: str, reason: str) -> ApiError:
        parent = path.rsplit(".", 1)[0] if "." in path else ""
        where = f" at '{parent}'" if parent else ""
        return invalid(f'Invalid JSON payload received. Unknown name "{key}"{where}: {reason}', parent)


def strip_output_only(api: Api, value: Any, schema: dict[str, Any]) -> Any:
    """A copy of ``value`` without the output-only fields a client sent (Google ignores them).

    Unknown fields are dropped too: validation has rejected them already unless the API
    ignores them (apis.yml ``unknown_fields: ignore``), and then it does not store them.
    """
    if isinstance(schema, dict) and schema.get("$ref"):
        schema = api.schema(schema["$ref"])
    if isinstance(value, dict):
        properties = schema.get("properties") or {}
        additional = schema.get("additionalProperties")
        out = {}
        for name, item in value.items():
            prop = properties.get(name)
            if prop is not None:
                if is_output_only(prop):
                    continue
                out[name] = strip_output_only(api, item, prop)
            elif isinstance(additional, dict):
                out[name] = strip_output_only(api, item, additional)
            elif additional is True or not properties:
                out[name] = item
        return out
    if isinstance(value, list):
        items = schema.get("items") or {}
        return [strip_output_only(api, item, items) for item in value]
    return value


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


def _kind(api: Api, schema: dict[str, Any]) -> Optional[str]:
    if schema.get("$ref"):
        schema = api.schema(schema["$ref"])
    return schema.get("type")


def _type_name(api: Api, schema: dict[str, Any]) -> str:
    """The proto type Google names in "Invalid value" errors."""
    if schema.get("$ref"):
        return "TYPE_MESSAGE"
    kind, fmt = schema.get("type"), schema.get("format")
    if kind == "string":
        if fmt in ("int64", "uint64"):
            return "TYPE_" + fmt.upper()
        return "TYPE_ENUM" if schema.get("enum") else "TYPE_STRING"
    if kind == "integer":
        return "TYPE_UINT32" if fmt == "uint32" else "TYPE_INT32"
    if kind == "number":
        return "TYPE_FLOAT" if fmt == "float" else "TYPE_DOUBLE"
    if kind == "boolean":
        return "TYPE_BOOL"
    return "TYPE_MESSAGE"


def _is_int(value: Any, unsigned: bool, allow_str: bool) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, int):
        number = value
    elif isinstance(value, float) and math.isfinite(value) and value.is_integer():
        number = int(value)
    elif allow_str and isinstance(value, str) and _INT_RE.match(value.strip()):
        number = int(value)
    else:
        return False
    return number >= 0 or not unsigned


def _is_number(value: Any) -> bool:
    if isinstance(value, bool):
        return False
    if isinstance(value, (int, float)):
        return True
    if isinstance(value, str):
        if value in _SPECIAL_FLOATS:
            return True
        try:
            float(value)
        except ValueError:
            return False
        return True
    return False


def _show(value: Any) -> str:
    return json.dumps(value)
