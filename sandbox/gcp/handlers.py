# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The hook for behaviour the generic CRUD cannot express: per-method handlers.

Custom verbs (``compute.networks.addPeering``, ``compute.projects.enableXpnHost``, ...)
each have their own semantics; rather than guess them, the emulator answers 501 until a
handler is registered for the method id.  A handler receives a :class:`Call` (the routed
request with helpers to read and write the store and to build operations) and returns a
:class:`Reply` or a JSON-serialisable body::

    from sandbox.gcp.handlers import DEFAULT_HANDLERS, Call

    @DEFAULT_HANDLERS.register("compute.networks.addPeering")
    def add_peering(call: Call):
        network = call.load()                       # 404 if absent
        network.setdefault("peerings", []).append({...})
        return call.save_and_reply(network, operation_type="addPeering")

Keys are method ids or fnmatch patterns (``compute.*.setLabels``); an exact id wins over
a pattern.  Registries are copied into each emulator, so tests can register handlers on
one instance without leaking into others.
"""

from __future__ import annotations

import fnmatch
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Callable, Optional, Union

from .discovery import DELETE, GET, PATCH, UPDATE, Api, Method
from .errors import not_found
from .store import Resource, split_path

if TYPE_CHECKING:  # pragma: no cover - typing only
    from werkzeug.datastructures import MultiDict

    from .app import Emulator


@dataclass
class Reply:
    """What a handler answers: a JSON body (or raw bytes), a status and headers."""

    body: Any = None
    status: int = 200
    headers: dict[str, str] = field(default_factory=dict)
    content_type: str = "application/json; charset=UTF-8"


@dataclass
class Call:
    """A routed request and the emulator state it acts on."""

    emulator: "Emulator"
    api: Api
    method: Method
    params: dict[str, str]
    query: "MultiDict[str, str]"
    body: Any
    raw_body: bytes
    headers: dict[str, str]
    media: bool = False

    # -- addressing ------------------------------------------------------------------
    @property
    def namespace(self) -> str:
        return self.api.namespace

    def alias(self, path: str) -> str:
        """Apply apis.yml ``segment_aliases`` to the collection segments of a path."""
        aliases = self.api.config.segment_aliases
        if not aliases:
            return path
        segments = path.split("/")
        for i in range(0, len(segments), 2):
            segments[i] = aliases.get(segments[i], segments[i])
        return "/".join(segments)

    def path(self, upto_last_variable: bool = False) -> str:
        """The request's resource path: the method's path without version prefix or verb."""
        return self.alias(self.method.resource_template.expand(self.params, upto_last_variable))

    def target(self) -> tuple[str, str]:
        """(collection, id) of the single resource a get/patch/update/delete/verb addresses."""
        template = self.method.resource_template
        if (
            not template.ends_with_variable
            and self.method.kind in (GET, PATCH, UPDATE, DELETE)
            and "name" in self.method.query_parameters()
        ):  # sqladmin users.update/delete: .../users?name=bob
            return self.path(), self.query.get("name") or ""
        path = self.path(upto_last_variable=True)
        last = template.last_variable
        if last is not None and not last.reserved:
            ident = self.params.get(last.name, "")
            return path[: len(path) - len(ident)].rstrip("/"), ident
        return split_path(path)

    def self_link(self, path: str, ident: Optional[str] = None) -> str:
        """Absolute URL of a resource path (or of ``path/ident``), as written into selfLink/targetLink.

        An id holding "/" (a storage object name) is one segment, so it is escaped.
        """
        if ident is not None:
            path = f"{path}/{ident.replace('/', '%2F')}"
        return self.api.self_link_root + self.method.prefix + path

    # -- store helpers for handlers ----------------------------------------------------
    def load(self, collection: Optional[str] = None, ident: Optional[str] = None) -> Resource:
        """The addressed resource (or the given one); ApiError 404 when absent."""
        if collection is None or ident is None:
            collection, ident = self.target()
        found = self.emulator.store.get(self.namespace, collection, ident)
        if found is None:
            raise not_found(f"{collection}/{ident}")
        return found

    def save(self, resource: Resource, collection: Optional[str] = None, ident: Optional[str] = None) -> None:
        if collection is None or ident is None:
            collection, ident = self.target()
        self.emulator.store.put(self.namespace, collection, ident, resource)

    def save_and_reply(self, resource: Resource, operation_type: Optional[str] = None) -> Reply:
        """Store the addressed resource and answer as the method's response type requires."""
        collection, ident = self.target()
        self.save(resource, collection, ident)
        return self.emulator.operations.reply(self, collection, ident, resource, operation_type or self.method.name)


Handler = Callable[[Call], Union[Reply, Any]]


class HandlerRegistry:
    """Method id (or fnmatch pattern) -> handler."""

    def __init__(self, handlers: Optional[dict[str, Handler]] = None) -> None:
        self._handlers: dict[str, Handler] = dict(handlers or {})

    def register(self, key: str, handler: Optional[Handler] = None) -> Any:
        """Register ``handler`` for ``key``; usable as a decorator when ``handler`` is omitted."""
        if handler is not None:
            self._handlers[key] = handler
            return handler

        def decorate(func: Handler) -> Handler:
            self._handlers[key] = func
            return func

        return decorate

    def find(self, method_id: str) -> Optional[Handler]:
        if method_id in self._handlers:
            return self._handlers[method_id]
        for key, handler in self._handlers.items():
            if any(c in key for c in "*?[") and fnmatch.fnmatchcase(method_id, key):
                return handler
        return None

    def copy(self) -> "HandlerRegistry":
        return HandlerRegistry(self._handlers)


# Handlers every emulator starts with; sandbox/gcp/builtin.py registers its own here.
DEFAULT_HANDLERS = HandlerRegistry()
