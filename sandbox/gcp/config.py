# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulator's configuration: which Discovery documents to serve and how each behaves.

Everything that differs between Google APIs and cannot be read from the Discovery
document itself lives in ``apis.yml`` (operation style, extra hosts, the URL root of
``selfLink``), so adding an API is a line of configuration, not code.
"""

from __future__ import annotations

import dataclasses
import os
from dataclasses import dataclass, field
from typing import Any, Optional

import yaml

DEFAULT_CONFIG = os.path.join(os.path.dirname(os.path.abspath(__file__)), "apis.yml")

OPERATION_STYLES = ("compute", "container", "sqladmin", "longrunning", "none")


class ConfigError(ValueError):
    """apis.yml is malformed; raised at start-up, never per request."""


@dataclass(frozen=True)
class ApiConfig:
    """One API version to load, and the knobs its Discovery document cannot express."""

    name: str
    version: str
    operations: str = "none"
    # Hosts besides the document's rootUrl that Google serves this API on
    # (www.googleapis.com for compute and storage: their selfLinks use it).
    hosts: tuple[str, ...] = ()
    # Root of the URLs written into selfLink/targetLink; the document's rootUrl by default.
    self_link_root: Optional[str] = None
    # Name Google's errors give the request body (Compute Engine calls it ``resource``).
    body_field: Optional[str] = None
    # Path segments that name the same collection (GKE: ``zones`` is ``locations``).
    segment_aliases: dict[str, str] = field(default_factory=dict)
    # Store shared by several versions of one API (sqladmin v1 and v1beta4); own by default.
    namespace: Optional[str] = None
    # "reject" (proto-backed APIs: 400 on an unknown field) or "ignore" (Cloud Storage's
    # JSON API drops unknown fields; google.cloud's gcp_storage_bucket relies on it).
    unknown_fields: str = "reject"

    @property
    def key(self) -> str:
        return f"{self.name}.{self.version}"

    @property
    def store_namespace(self) -> str:
        return self.namespace or self.key


def _api_from_mapping(item: Any, index: int) -> ApiConfig:
    if not isinstance(item, dict) or "name" not in item or "version" not in item:
        raise ConfigError(f"apis[{index}]: needs 'name' and 'version'")
    unknown = set(item) - {f.name for f in dataclasses.fields(ApiConfig)}
    if unknown:
        raise ConfigError(f"apis[{index}] ({item['name']}): unknown keys {sorted(unknown)}")
    style = item.get("operations", "none")
    if style not in OPERATION_STYLES:
        raise ConfigError(
            f"apis[{index}] ({item['name']}): operations must be one of {OPERATION_STYLES}, not {style!r}"
        )
    unknown_fields = item.get("unknown_fields", "reject")
    if unknown_fields not in ("reject", "ignore"):
        raise ConfigError(f"apis[{index}] ({item['name']}): unknown_fields must be 'reject' or 'ignore'")
    return ApiConfig(
        name=str(item["name"]),
        version=str(item["version"]),
        operations=style,
        hosts=tuple(str(h).lower() for h in item.get("hosts") or ()),
        self_link_root=item.get("self_link_root"),
        body_field=item.get("body_field"),
        segment_aliases={str(k): str(v) for k, v in (item.get("segment_aliases") or {}).items()},
        namespace=item.get("namespace"),
        unknown_fields=unknown_fields,
    )


def load_config(path: Optional[str] = None) -> list[ApiConfig]:
    """Read the list of APIs from ``path`` (the packaged apis.yml by default)."""
    with open(path or DEFAULT_CONFIG, encoding="utf-8") as handle:
        data = yaml.safe_load(handle) or {}
    items = data.get("apis")
    if not isinstance(items, list) or not items:
        raise ConfigError("apis.yml: 'apis' must be a non-empty list")
    apis = [_api_from_mapping(item, i) for i, item in enumerate(items)]
    seen: set[str] = set()
    for api in apis:
        if api.key in seen:
            raise ConfigError(f"apis.yml: {api.key} listed twice")
        seen.add(api.key)
    return apis
