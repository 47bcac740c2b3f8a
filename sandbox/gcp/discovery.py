# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Load Google's Discovery documents into the method and schema model the emulator serves.

The documents come from the installed google-api-python-client (pinned in
constraints.txt), so the emulator's contract moves with the client library the
collection is tested with, never with a hand-written copy.
"""

from __future__ import annotations

import functools
import json
import os
from dataclasses import dataclass, field
from typing import Any, Iterator, Optional
from urllib.parse import urlsplit

from .config import ApiConfig
from .templates import Template


def documents_dir() -> str:
    """Where google-api-python-client keeps its Discovery documents."""
    import googleapiclient  # imported here: only needed when loading

    return os.path.join(os.path.dirname(googleapiclient.__file__), "discovery_cache", "documents")


@functools.lru_cache(maxsize=None)
def _read_document(name: str, version: str) -> dict[str, Any]:
    """Parse a document once per process (compute.v1 alone is ~5 MB of JSON)."""
    path = os.path.join(documents_dir(), f"{name}.{version}.json")
    if not os.path.exists(path):
        raise FileNotFoundError(f"no Discovery document {name}.{version} in {documents_dir()}")
    with open(path, encoding="utf-8") as handle:
        return json.load(handle)


# Method kinds the generic implementation understands; anything else is "custom".
CREATE = "create"
GET = "get"
LIST = "list"
AGGREGATED_LIST = "aggregatedList"
PATCH = "patch"
UPDATE = "update"
DELETE = "delete"
GET_IAM = "getIamPolicy"
SET_IAM = "setIamPolicy"
TEST_IAM = "testIamPermissions"
CUSTOM = "custom"


def classify(name: str, http_method: str, resource_names: tuple[str, ...]) -> str:
    """Map a method to a generic kind by its name and verb, as Google's API design guide names them."""
    if name in (GET_IAM, SET_IAM, TEST_IAM):
        return name
    if name == "get" and http_method == "GET":
        return GET
    if name == "wait" and resource_names and resource_names[-1].lower().endswith("operations"):
        return GET  # compute's *Operations.wait: operations here are always DONE
    if name == "list" and http_method == "GET":
        return LIST
    if name == "aggregatedList" and http_method == "GET":
        return AGGREGATED_LIST
    if _is_create(name, resource_names) and http_method in ("POST", "PUT"):
        return CREATE
    if name == "patch" and http_method in ("PATCH", "POST"):
        return PATCH
    if name == "update" and http_method == "PATCH":
        return PATCH
    if name == "update" and http_method == "PUT":
        return UPDATE
    if name == "delete" and http_method == "DELETE":
        return DELETE
    return CUSTOM


def singular(collection: str) -> str:
    """``networks`` -> ``network``, ``policies`` -> ``policy``: enough for Google's collection names."""
    if collection.endswith("ies"):
        return collection[:-3] + "y"
    if collection.endswith(("sses", "shes", "ches", "xes")):
        return collection[:-2]
    if collection.endswith("s") and not collection.endswith("ss"):
        return collection[:-1]
    return collection


def _is_create(name: str, resource_names: tuple[str, ...]) -> bool:
    """``insert``/``create``, or ``create<Resource>`` (firestore's createDocument), not createMembers."""
    if name in ("insert", "create"):
        return True
    if not resource_names:
        return False
    noun = singular(resource_names[-1])
    return name == "create" + noun[:1].upper() + noun[1:]


@dataclass
class Method:
    """One REST method of a loaded API, with what routing and the generic handlers need."""

    api: "Api"
    id: str
    name: str
    http_method: str
    resource_names: tuple[str, ...]
    parameters: dict[str, dict[str, Any]]
    request_ref: Optional[str]
    response_ref: Optional[str]
    kind: str
    # Full path from the host root (servicePath + path) used to match requests...
    route: Template
    # ...and the same path minus the API's version prefix: the resource path of storage keys.
    resource_template: Template
    prefix: str
    flat_path: Optional[str] = None
    media_route: Optional[Template] = None
    siblings: dict[str, "Method"] = field(default_factory=dict, repr=False)

    @property
    def specificity(self) -> tuple[int, int]:
        """Routing order: more literal characters first, counted on the flatPath when there is one."""
        flat = Template(self.flat_path) if self.flat_path else self.route
        return (flat.literal_length, -len(flat.variables))

    def query_parameters(self) -> dict[str, dict[str, Any]]:
        return {k: v for k, v in self.parameters.items() if v.get("location") == "query"}


class Api:
    """One loaded Discovery document plus its emulator configuration."""

    def __init__(self, config: ApiConfig, document: dict[str, Any]) -> None:
        self.config = config
        self.doc = document
        self.name: str = document["name"]
        self.version: str = document["version"]
        self.root_url: str = document["rootUrl"]
        self.service_path: str = document.get("servicePath", "")
        self.schemas: dict[str, dict[str, Any]] = document.get("schemas", {})
        hosts = [urlsplit(self.root_url).hostname or ""]
        if document.get("mtlsRootUrl"):
            hosts.append(urlsplit(document["mtlsRootUrl"]).hostname or "")
        self.hosts: tuple[str, ...] = tuple(dict.fromkeys(h.lower() for h in hosts + list(config.hosts) if h))
        self.methods: dict[str, Method] = {}
        self._load_resources(document, ())
        # Resource names are full paths (projects/p/topics/t) in APIs whose paths use
        # reserved expansion, short (net-1) in Compute-style APIs.
        self.full_names = any(v.reserved for m in self.methods.values() for v in m.route.variables)
        # Collection segments a client can create members in: a parent in one of them must exist.
        self.creatable = {c for c in (_created_collection(m) for m in self.methods.values()) if c}

    @property
    def key(self) -> str:
        return self.config.key

    @property
    def namespace(self) -> str:
        return self.config.store_namespace

    @property
    def self_link_root(self) -> str:
        return self.config.self_link_root or self.root_url

    def schema(self, ref: Optional[str]) -> dict[str, Any]:
        return self.schemas.get(ref or "", {})

    def _load_resources(self, node: dict[str, Any], names: tuple[str, ...]) -> None:
        group: dict[str, Method] = {}
        for method_name, raw in node.get("methods", {}).items():
            method = self._method(method_name, raw, names)
            self.methods[method.id] = method
            group[method_name] = method
        for method in group.values():
            method.siblings = group
        for resource_name, child in node.get("resources", {}).items():
            self._load_resources(child, names + (resource_name,))

    def _method(self, name: str, raw: dict[str, Any], names: tuple[str, ...]) -> Method:
        parameters = raw.get("parameters", {})
        patterns = {k: v["pattern"] for k, v in parameters.items() if v.get("pattern")}
        full = self.service_path + raw["path"]
        prefix = _version_prefix(full, self.version, self.service_path)
        route = Template(full, patterns)
        media = None
        simple = raw.get("mediaUpload", {}).get("protocols", {}).get("simple", {}).get("path")
        if simple:
            media = Template(simple.lstrip("/"), patterns)
        return Method(
            api=self,
            id=raw["id"],
            name=name,
            http_method=raw["httpMethod"].upper(),
            resource_names=names,
            parameters=parameters,
            request_ref=(raw.get("request") or {}).get("$ref"),
            response_ref=(raw.get("response") or {}).get("$ref"),
            kind=classify(name, raw["httpMethod"].upper(), names),
            route=route,
            resource_template=route.strip_prefix(prefix),
            prefix=prefix,
            flat_path=(self.service_path + raw["flatPath"]) if raw.get("flatPath") else None,
            media_route=media,
        )

    def operation_methods(self) -> Iterator[Method]:
        """``*.operations.get``-style methods: where a longrunning operation can be read back."""
        for method in self.methods.values():
            if method.kind == GET and method.resource_names and method.resource_names[-1] == "operations":
                yield method


def _created_collection(method: Method) -> Optional[str]:
    """Collection segment a create method adds to (``networks``, ``topics``, ``b``)."""
    if method.kind != CREATE:
        return None
    template = Template(method.flat_path or method.route.text)
    parts = template.parts
    if method.http_method == "PUT" and template.ends_with_variable and len(parts) >= 2 and isinstance(parts[-2], str):
        return parts[-2].strip("/").rsplit("/", 1)[-1] or None
    if not template.ends_with_variable and isinstance(parts[-1], str):
        return parts[-1].strip("/").rsplit("/", 1)[-1] or None
    return None


def _version_prefix(full_path: str, version: str, service_path: str) -> str:
    """Leading literal of a path up to its version segment: ``compute/v1/``, ``sql/v1beta4/``, ``v1/``."""
    head = full_path.split("{", 1)[0]
    segments = head.split("/")
    if version in segments[:-1] or (segments and segments[-1] == version):
        index = segments.index(version)
        return "/".join(segments[: index + 1]) + "/"
    return service_path


def load_api(config: ApiConfig) -> Api:
    """Build the model of one configured API (documents are parsed once per process)."""
    return Api(config, _read_document(config.name, config.version))
