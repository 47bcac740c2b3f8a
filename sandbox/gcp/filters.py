# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The ``filter`` query parameter of list calls, enough for inventories and info modules.

google.cloud's gcp_compute inventory and *_info modules narrow lists with filters such as
``(labels.env = prod) (status = RUNNING)`` or ``name eq web-.*``.  Supported: comparisons
``=``, ``!=``, ``:`` (has), ``eq``/``ne`` (regular expressions, Compute's legacy syntax),
``<``, ``>``, ``<=``, ``>=``; ``*`` wildcards in values; ``AND`` (also implicit), ``OR``
(binding tighter than AND, as in AIP-160), ``NOT``/``-`` and parentheses.
"""

from __future__ import annotations

import fnmatch
import re
from typing import Any, Callable

from .errors import ApiError

Predicate = Callable[[dict[str, Any]], bool]

_TOKEN = re.compile(
    r"""\s*(?:
        (?P<lp>\() | (?P<rp>\)) |
        (?P<op>!=|<=|>=|=|<|>|:) |
        (?P<str>"(?:[^"\\]|\\.)*"|'(?:[^'\\]|\\.)*') |
        (?P<word>[^\s()=!<>:"']+)
    )""",
    re.VERBOSE,
)


def _tokens(text: str) -> list[tuple[str, str]]:
    out, pos = [], 0
    text = text.strip()
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if not match or match.end() == pos:
            raise ValueError(text[pos:])
        pos = match.end()
        kind = match.lastgroup or ""
        value = match.group(kind)
        if kind == "str":
            value = re.sub(r"\\(.)", r"\1", value[1:-1])
        out.append((kind, value))
    return out


class _Parser:
    def __init__(self, tokens: list[tuple[str, str]]) -> None:
        self.tokens = tokens
        self.pos = 0

    def peek(self) -> tuple[str, str]:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else ("end", "")

    def take(self) -> tuple[str, str]:
        token = self.peek()
        self.pos += 1
        return token

    def parse(self) -> Predicate:
        predicate = self.conjunction()
        if self.peek()[0] != "end":
            raise ValueError(self.peek()[1])
        return predicate

    def conjunction(self) -> Predicate:
        terms = [self.disjunction()]
        while self.peek()[0] not in ("end", "rp"):
            if self.peek() == ("word", "AND"):
                self.take()
            terms.append(self.disjunction())
        return lambda r: all(t(r) for t in terms)

    def disjunction(self) -> Predicate:
        terms = [self.unary()]
        while self.peek() == ("word", "OR"):
            self.take()
            terms.append(self.unary())
        return terms[0] if len(terms) == 1 else (lambda r: any(t(r) for t in terms))

    def unary(self) -> Predicate:
        if self.peek() == ("word", "NOT"):
            self.take()
            inner = self.unary()
            return lambda r: not inner(r)
        kind, value = self.peek()
        if kind == "word" and value.startswith("-") and len(value) > 1:
            self.tokens[self.pos] = ("word", value[1:])
            inner = self.unary()
            return lambda r: not inner(r)
        if kind == "lp":
            self.take()
            inner = self.conjunction()
            if self.take()[0] != "rp":
                raise ValueError("missing )")
            return inner
        return self.comparison()

    def comparison(self) -> Predicate:
        kind, field = self.take()
        if kind != "word":
            raise ValueError(field)
        op_kind, op = self.take()
        if op_kind == "word" and op in ("eq", "ne"):
            pass
        elif op_kind != "op":
            raise ValueError(op)
        value_kind, value = self.take()
        if value_kind not in ("word", "str"):
            raise ValueError(value)
        return _compare(field, op, value)


def _lookup(resource: Any, field: str) -> Any:
    for part in field.split("."):
        if not isinstance(resource, dict) or part not in resource:
            return None
        resource = resource[part]
    return resource


def _text(value: Any) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _compare(field: str, op: str, expected: str) -> Predicate:
    pattern = re.compile(expected) if op in ("eq", "ne") else None

    def check(resource: dict[str, Any]) -> bool:
        actual = _lookup(resource, field)
        if pattern is not None:
            hit = actual is not None and pattern.fullmatch(_text(actual)) is not None
            return hit if op == "eq" else not hit
        if op == ":":
            if expected == "*":
                return actual is not None
            values = actual if isinstance(actual, list) else [actual]
            return any(v is not None and fnmatch.fnmatchcase(_text(v), expected) for v in values)
        if actual is None:
            return op == "!="
        if op in ("=", "!="):
            hit = fnmatch.fnmatchcase(_text(actual), expected)
            return hit if op == "=" else not hit
        try:
            left, right = float(actual), float(expected)
        except (TypeError, ValueError):
            left, right = _text(actual), expected  # type: ignore[assignment]
        return {"<": left < right, ">": left > right, "<=": left <= right, ">=": left >= right}[op]

    return check


def compile_filter(text: str) -> Predicate:
    """A predicate over resources; ApiError 400 (Compute's wording) when unparseable."""
    if not text or not text.strip():
        return lambda r: True
    try:
        return _Parser(_tokens(text)).parse()
    except (ValueError, IndexError, re.error):
        raise ApiError(400, f"Invalid value for field 'filter': '{text}'. Invalid list filter expression.") from None
