# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Discovery path templates (RFC 6570 level 2 subset: ``{var}`` and ``{+var}``).

A template is matched against request paths (routing) and expanded into resource paths
(storage keys, selfLinks).  ``{var}`` is one path segment; ``{+var}`` is a reserved
expansion that may span segments, constrained by the parameter's ``pattern`` when the
document gives one (``^projects/[^/]+/topics/[^/]+$``).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Mapping, Optional, Union
from urllib.parse import unquote

_VAR = re.compile(r"\{(\+?)([^}]+)\}")


@dataclass(frozen=True)
class Var:
    """One ``{name}`` or ``{+name}`` placeholder."""

    name: str
    reserved: bool


Part = Union[str, Var]


class Template:
    """A parsed path template."""

    def __init__(self, text: str, patterns: Optional[Mapping[str, str]] = None) -> None:
        self.text = text
        self.parts: list[Part] = []
        pos = 0
        for match in _VAR.finditer(text):
            if match.start() > pos:
                self.parts.append(text[pos : match.start()])
            self.parts.append(Var(match.group(2), bool(match.group(1))))
            pos = match.end()
        if pos < len(text):
            self.parts.append(text[pos:])
        self._patterns = dict(patterns or {})
        self._regex: Optional[re.Pattern[str]] = None

    @property
    def variables(self) -> list[Var]:
        return [p for p in self.parts if isinstance(p, Var)]

    @property
    def literal_length(self) -> int:
        """Characters fixed by the template: more means more specific when routing."""
        return sum(len(p) for p in self.parts if isinstance(p, str))

    @property
    def ends_with_variable(self) -> bool:
        return bool(self.parts) and isinstance(self.parts[-1], Var)

    @property
    def last_variable(self) -> Optional[Var]:
        variables = self.variables
        return variables[-1] if variables else None

    def regex(self) -> re.Pattern[str]:
        """Anchored regex with one named group per variable, for encoded paths."""
        if self._regex is None:
            out = []
            for part in self.parts:
                if isinstance(part, str):
                    out.append(re.escape(part))
                    continue
                group = _group_name(part.name)
                if part.reserved:
                    pattern = self._patterns.get(part.name)
                    body = _strip_anchors(pattern) if pattern else ".+?"
                    out.append(f"(?P<{group}>{body})")
                else:
                    out.append(f"(?P<{group}>[^/]+)")
            self._regex = re.compile("".join(out) + r"\Z")
        return self._regex

    def match(self, path: str) -> Optional[dict[str, str]]:
        """Variables of ``path`` (still percent-encoded except for safe characters), decoded."""
        try:
            found = self.regex().match(path)
        except re.error:  # a document pattern Python's re cannot compile
            return None
        if not found:
            return None
        return {var.name: unquote(found.group(_group_name(var.name)) or "") for var in self.variables}

    def expand(self, values: Mapping[str, str], upto_last_variable: bool = False) -> str:
        """Fill the template with decoded ``values`` (resource paths are kept decoded)."""
        parts = self.parts
        if upto_last_variable and self.variables:
            last = max(i for i, p in enumerate(parts) if isinstance(p, Var))
            parts = parts[: last + 1]
        return "".join(p if isinstance(p, str) else str(values.get(p.name, "")) for p in parts)

    def strip_prefix(self, prefix: str) -> "Template":
        """The same template without a leading literal ``prefix`` (e.g. ``compute/v1/``)."""
        if not prefix or not self.text.startswith(prefix):
            return self
        return Template(self.text[len(prefix) :], self._patterns)

    def __repr__(self) -> str:
        return f"Template({self.text!r})"


def _group_name(name: str) -> str:
    return "v_" + re.sub(r"\W", "_", name)


def _strip_anchors(pattern: str) -> str:
    if pattern.startswith("^"):
        pattern = pattern[1:]
    if pattern.endswith("$"):
        pattern = pattern[:-1]
    return f"(?:{pattern})"
