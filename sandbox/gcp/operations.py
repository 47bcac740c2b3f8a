# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Answer mutating calls the way each API family does: with a finished operation.

Compute, GKE and Cloud SQL each have their own Operation message, and the rest of Google
uses google.longrunning.Operation.  Clients (google.cloud modules, googleapiclient
callers) poll the operation until it is done and then GET its ``targetLink`` or read its
``response``, so every operation is created already finished and stored where the API's
``operations.get`` reads it.  apis.yml's ``operations`` key picks the shape; the
Discovery document decides whether a method answers with an operation at all.
"""

from __future__ import annotations

import random
import re
import time
import uuid
from typing import TYPE_CHECKING, Any, Optional

from .discovery import Api, Method, singular
from .handlers import Reply
from .store import Resource, split_path

if TYPE_CHECKING:  # pragma: no cover - typing only
    from .handlers import Call

SANDBOX_USER = "sandbox@sandbox.iam.gserviceaccount.com"
_VERBS = {"insert": "CREATE", "create": "CREATE", "delete": "DELETE", "patch": "UPDATE", "update": "UPDATE"}


def numeric_id() -> str:
    """A 19-digit id like the uint64 ids Compute Engine assigns."""
    return str(random.randrange(10**18, 10**19))


def upper_snake(name: str) -> str:
    return re.sub(r"(?<=[a-z0-9])([A-Z])", r"_\1", name).upper()


class Operations:
    """Builds, stores and returns operations for one emulator."""

    def __init__(self, now: Any) -> None:
        self._now = now

    # -- decisions -------------------------------------------------------------------
    @staticmethod
    def returns_operation(method: Method) -> bool:
        api = method.api
        style = api.config.operations
        if style == "none" or not method.response_ref:
            return False
        if style == "longrunning":
            props = api.schema(method.response_ref).get("properties", {})
            return "done" in props and "name" in props and "response" in props
        return method.response_ref == "Operation"

    def reply(
        self,
        call: "Call",
        collection: str,
        ident: str,
        resource: Optional[Resource],
        operation_type: str,
        *,
        deleted: bool = False,
    ) -> Reply:
        """The method's answer: an operation when the document says so, else the resource.

        ``deleted`` marks a resource that no longer exists: non-operation methods then
        answer google.protobuf.Empty and longrunning operations an Empty ``response``.
        """
        method = call.method
        if not self.returns_operation(method):
            if method.response_ref is None:
                return Reply(None, 204)
            return Reply({} if deleted or resource is None else resource)
        build = getattr(self, "_" + method.api.config.operations)
        op_collection, op_id, op = build(call, collection, ident, resource, operation_type, deleted)
        call.emulator.store.put(call.namespace, op_collection, op_id, op)
        return Reply(op)

    # -- shapes ----------------------------------------------------------------------
    def _compute(
        self, call: "Call", collection: str, ident: str, resource: Optional[Resource], op_type: str, deleted: bool
    ):
        segments = collection.split("/")
        project = "/".join(segments[:2])
        if len(segments) >= 4 and segments[2] in ("zones", "regions"):
            scope = "/".join(segments[2:4])
        else:
            scope = "global"
        name = "operation-%d-%013x-%08x-%08x" % (
            self._millis(),
            random.getrandbits(52),
            random.getrandbits(32),
            random.getrandbits(32),
        )
        op_collection = f"{project}/{scope}/operations"
        now = self._now()
        op: dict[str, Any] = {
            "kind": "compute#operation",
            "id": numeric_id(),
            "name": name,
            "operationType": op_type,
            "targetLink": call.self_link(collection, ident),
            "targetId": (resource or {}).get("id") or numeric_id(),
            "status": "DONE",
            "user": SANDBOX_USER,
            "progress": 100,
            "insertTime": now,
            "startTime": now,
            "endTime": now,
            "selfLink": call.self_link(f"{op_collection}/{name}"),
        }
        if scope.startswith("zones/"):
            op["zone"] = call.self_link(f"{project}/{scope}")
        elif scope.startswith("regions/"):
            op["region"] = call.self_link(f"{project}/{scope}")
        return op_collection, name, op

    def _container(
        self, call: "Call", collection: str, ident: str, resource: Optional[Resource], op_type: str, deleted: bool
    ):
        segments = collection.split("/")
        location = segments[3] if len(segments) >= 4 else "-"
        op_collection = "/".join(segments[:4] + ["operations"])
        name = "operation-%d-%08x" % (self._millis(), random.getrandbits(32))
        now = self._now()
        op = {
            "name": name,
            "zone": location,
            "location": location,
            "operationType": self._enum_type(call.api, call.method, collection, op_type, "TYPE_UNSPECIFIED"),
            "status": "DONE",
            "selfLink": call.self_link(f"{op_collection}/{name}"),
            "targetLink": call.self_link(collection, ident),
            "startTime": now,
            "endTime": now,
        }
        return op_collection, name, op

    def _sqladmin(
        self, call: "Call", collection: str, ident: str, resource: Optional[Resource], op_type: str, deleted: bool
    ):
        segments = collection.split("/")
        project = segments[1] if len(segments) > 1 else ""
        instance = segments[3] if len(segments) > 3 and segments[2] == "instances" else ident
        op_collection = f"projects/{project}/operations"
        name = str(uuid.uuid4())
        now = self._now()
        op = {
            "kind": "sql#operation",
            "name": name,
            "status": "DONE",
            "operationType": self._enum_type(
                call.api, call.method, collection, op_type, "SQL_OPERATION_TYPE_UNSPECIFIED"
            ),
            "targetLink": call.self_link(collection, ident),
            "targetId": instance,
            "targetProject": project,
            "selfLink": call.self_link(f"{op_collection}/{name}"),
            "insertTime": now,
            "startTime": now,
            "endTime": now,
            "user": SANDBOX_USER,
        }
        return op_collection, name, op

    def _longrunning(
        self, call: "Call", collection: str, ident: str, resource: Optional[Resource], op_type: str, deleted: bool
    ):
        target = f"{collection}/{ident}"
        name = self.longrunning_name(call.api, target, "operation-%d-%08x" % (self._millis(), random.getrandbits(32)))
        now = self._now()
        op = {
            "name": name,
            "done": True,
            "metadata": {"createTime": now, "endTime": now, "target": target, "verb": op_type},
            "response": (
                {"@type": "type.googleapis.com/google.protobuf.Empty"} if deleted or resource is None else resource
            ),
        }
        op_collection, op_id = split_path(name)
        return op_collection, op_id, op

    # -- helpers ---------------------------------------------------------------------
    @staticmethod
    def longrunning_name(api: Api, target: str, op_id: str) -> str:
        """An operation name the API's own ``operations.get`` route accepts, nearest the target."""
        segments = target.split("/")
        start = len(segments) - len(segments) % 2
        candidates = ["/".join(segments[:i] + ["operations", op_id]) for i in range(start, -1, -2)]
        candidates.append(f"operations/{op_id}")
        getters = list(api.operation_methods())
        for candidate in candidates:
            for getter in getters:
                if getter.resource_template.match(candidate) is not None:
                    return candidate
        return f"operations/{op_id}"

    @staticmethod
    def _enum_type(api: Api, method: Method, collection: str, op_type: str, fallback: str) -> str:
        """Map a method to the API's operationType enum: CREATE_CLUSTER, CREATE_DATABASE, CREATE, ..."""
        enum = api.schema("Operation").get("properties", {}).get("operationType", {}).get("enum") or []
        verb = _VERBS.get(op_type, upper_snake(op_type))
        noun = upper_snake(singular(collection.rsplit("/", 1)[-1]))
        for candidate in (f"{verb}_{noun}", verb):
            if candidate in enum:
                return candidate
        return fallback

    @staticmethod
    def _millis() -> int:
        return int(time.time() * 1000)
