# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Generic semantics of Google's standard methods, derived from the Discovery document.

Google's APIs follow one resource-oriented design: ``insert``/``create`` add to a
collection, ``get``/``list``/``patch``/``update``/``delete`` act on members, and
``getIamPolicy``/``setIamPolicy`` guard them.  Implementing those once, driven by the
method's path template and schemas, serves every loaded API; what does not fit (custom
verbs) goes to :mod:`sandbox.gcp.handlers`.

Output-only fields are filled the way the real services fill them (selfLink, id,
creation time, fingerprint, etag, kind) so that modules comparing desired and actual
state converge and re-run with ``changed=false``.
"""

from __future__ import annotations

import base64
import copy
import os
from typing import Any, Optional

from .discovery import (
    AGGREGATED_LIST,
    CREATE,
    DELETE,
    GET,
    GET_IAM,
    LIST,
    PATCH,
    SET_IAM,
    TEST_IAM,
    UPDATE,
    Api,
    Method,
    singular,
)
from .errors import ApiError, already_exists, not_found
from .filters import compile_filter
from .handlers import Call, Reply
from .operations import numeric_id
from .schema import is_output_only, schema_kind, strip_output_only
from .store import Resource, split_path

# Query parameters ending in "Id" that do not name the resource being created.
_NOT_IDS = frozenset({"requestId", "projectId", "parentId", "clientOperationId", "operationId"})
# Output fields fixed at creation and kept by every later write.
_IDENTITY = (
    "id",
    "selfLink",
    "selfLinkWithId",
    "creationTimestamp",
    "createTime",
    "creationTime",
    "timeCreated",
    "generation",
)
_CREATED = ("creationTimestamp", "createTime", "creationTime", "timeCreated")
_UPDATED = ("updateTime", "updated")
# Values a fresh resource's status/state takes when the schema's enum offers them.
_READY_STATES = ("RUNNING", "RUNNABLE", "READY", "ACTIVE", "ENABLED", "AVAILABLE", "SUCCEEDED")
# Parents that exist implicitly: no API creates projects/<id> before using it.
_IMPLICIT_PARENTS = ("projects", "organizations", "folders", "billingAccounts", "locations")
_DEFAULT_POLICY_ETAG = "ACAB"


class NotGeneric(Exception):
    """The method's request does not carry its resource; only a handler can serve it."""


def random_tag() -> str:
    """A fingerprint/etag value in Google's style (base64 of 8 random bytes)."""
    return base64.b64encode(os.urandom(8)).decode()


# -- schema lookups ------------------------------------------------------------------
def is_operation_schema(api: Api, ref: Optional[str]) -> bool:
    if not ref:
        return False
    if ref == "Operation" and api.config.operations in ("compute", "container", "sqladmin"):
        return True
    props = api.schema(ref).get("properties", {})
    return "done" in props and "response" in props


def resource_schema(method: Method) -> Optional[str]:
    """The schema of the resource a method acts on: what its sibling ``get`` returns."""
    getter = method.siblings.get("get")
    if (
        getter is not None
        and getter.kind == GET
        and getter.response_ref
        and not is_operation_schema(getter.api, getter.response_ref)
    ):
        return getter.response_ref
    if method.kind in (CREATE, PATCH, UPDATE) and method.request_ref:
        return method.request_ref
    if method.response_ref and not is_operation_schema(method.api, method.response_ref):
        return method.response_ref
    return None


def unwrap(call: Call, schema_name: Optional[str]) -> tuple[dict[str, Any], dict[str, Any]]:
    """(resource body, other request fields): ``{"cluster": {...}}`` carries a Cluster."""
    body = call.body if isinstance(call.body, dict) else {}
    request_ref = call.method.request_ref
    if request_ref is None or request_ref == schema_name or schema_name is None:
        return body, {}
    for name, prop in call.api.schema(request_ref).get("properties", {}).items():
        if prop.get("$ref") == schema_name:
            inner = body.get(name)
            return (inner if isinstance(inner, dict) else {}), {k: v for k, v in body.items() if k != name}
    raise NotGeneric()


def list_key(api: Api, response_ref: Optional[str], item_ref: Optional[str]) -> str:
    """Name of the array in a list response: ``items`` (compute), ``topics`` (pubsub), ..."""
    props = api.schema(response_ref).get("properties", {})
    arrays = [n for n, p in props.items() if p.get("type") == "array"]
    for name in arrays:
        if (props[name].get("items") or {}).get("$ref") == item_ref:
            return name
    return arrays[0] if arrays else "items"


# -- output-only fields -----------------------------------------------------------------
def fill_output_fields(
    call: Call,
    schema_name: Optional[str],
    resource: Resource,
    collection: str,
    ident: str,
    previous: Optional[Resource] = None,
) -> Resource:
    """Set the fields the server owns, keeping identity fields of ``previous`` on updates."""
    api = call.api
    props = api.schema(schema_name).get("properties", {})
    path = f"{collection}/{ident}"
    now = call.emulator.now()
    kind = schema_kind(api.schema(schema_name))
    if kind:
        resource["kind"] = kind
    if previous is not None:
        for field in _IDENTITY:
            if field in previous:
                resource[field] = previous[field]
        if "name" in previous and "name" not in resource:
            resource["name"] = previous["name"]
    else:
        if "id" in props and "id" not in resource:
            fmt = props["id"].get("format")
            resource["id"] = numeric_id() if fmt in ("uint64", "int64") or api.config.operations == "compute" else ident
        for field in _CREATED:
            if field in props:
                resource[field] = now
        if "generation" in props:
            resource["generation"] = str(call.emulator.clock_micros())
        for field in ("status", "state"):
            enum = props.get(field, {}).get("enum") or []
            if field not in resource:
                for value in _READY_STATES:
                    if value in enum:
                        resource[field] = value
                        break
    if "name" in props and "name" not in resource:
        resource["name"] = path if api.full_names else ident
    if "selfLink" in props:
        resource["selfLink"] = call.self_link(collection, ident)
    if "selfLinkWithId" in props and resource.get("id"):
        resource["selfLinkWithId"] = call.self_link(collection, str(resource["id"]))
    for field in _UPDATED:
        if field in props:
            resource[field] = now
    if "etag" in props:
        resource["etag"] = random_tag()
    if "metageneration" in props:
        resource["metageneration"] = str(int((previous or {}).get("metageneration", "0")) + 1)
    if "fingerprint" in props:
        resource["fingerprint"] = random_tag()
    if "labelFingerprint" in props:
        same_labels = previous is not None and previous.get("labels") == resource.get("labels")
        resource["labelFingerprint"] = (previous or {}).get("labelFingerprint") if same_labels else None
        resource["labelFingerprint"] = resource["labelFingerprint"] or random_tag()
    if api.config.operations == "compute":
        _compute_scope_links(call, props, resource, collection)
    return resource


def _compute_scope_links(call: Call, props: dict[str, Any], resource: Resource, collection: str) -> None:
    """Compute answers ``region``/``zone`` as full URLs whatever form the client sent."""
    segments = collection.split("/")
    if len(segments) >= 4 and segments[0] == "projects" and segments[2] in ("regions", "zones"):
        field = segments[2][:-1]
        if field in props:
            resource[field] = call.self_link("/".join(segments[:4]))


def check_preconditions(old: Resource, body: dict[str, Any]) -> None:
    """Optimistic concurrency: a stale fingerprint is 412 (Compute), a stale etag 409 (AIP-154)."""
    sent = body.get("fingerprint")
    if sent and "fingerprint" in old and sent != old["fingerprint"]:
        raise ApiError(
            412,
            "Supplied fingerprint does not match current fingerprint of the resource; "
            "get the resource again and retry with its fingerprint.",
            reason="conditionNotMet",
        )
    sent = body.get("labelFingerprint")
    if sent and "labelFingerprint" in old and sent != old["labelFingerprint"]:
        raise ApiError(
            412, "Labels fingerprint either invalid or resource labels have changed", reason="conditionNotMet"
        )
    sent = body.get("etag")
    if sent and "etag" in old and sent != old["etag"]:
        raise ApiError(409, "The etag in the request does not match the resource's current etag.", "ABORTED", "aborted")


def merge_patch(target: Any, patch: Any) -> Any:
    """RFC 7396 JSON merge patch, the semantics Google documents for PATCH."""
    if not isinstance(patch, dict):
        return copy.deepcopy(patch)
    result = copy.deepcopy(target) if isinstance(target, dict) else {}
    for key, value in patch.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = merge_patch(result.get(key), value)
    return result


def apply_mask(old: Resource, patch: dict[str, Any], mask: str) -> Resource:
    """Apply only the fields an ``updateMask`` names; named fields absent from the body are cleared."""
    result = copy.deepcopy(old)
    for raw in mask.split(","):
        path = [p for p in raw.strip().split(".") if p]
        if not path:
            continue
        source: Any = patch
        for part in path:
            source = source.get(part) if isinstance(source, dict) else None
        parent = result
        for part in path[:-1]:
            parent = parent.setdefault(part, {})
        if source is None:
            parent.pop(path[-1], None)
        else:
            parent[path[-1]] = copy.deepcopy(source)
    return result


# -- the generic methods -----------------------------------------------------------------
class GenericMethods:
    """Standard-method behaviour shared by every loaded API."""

    def dispatch(self, call: Call) -> Reply:
        handler = {
            CREATE: self.create,
            GET: self.get,
            LIST: self.list,
            AGGREGATED_LIST: self.aggregated_list,
            PATCH: self.patch,
            UPDATE: self.update,
            DELETE: self.delete,
            GET_IAM: self.get_iam_policy,
            SET_IAM: self.set_iam_policy,
            TEST_IAM: self.test_iam_permissions,
        }.get(call.method.kind)
        if handler is None:
            raise NotGeneric()
        return handler(call)

    # create ------------------------------------------------------------------------
    def create(self, call: Call) -> Reply:
        schema_name = resource_schema(call.method)
        body, extra = unwrap(call, schema_name)
        resource = strip_output_only(call.api, body, {"$ref": schema_name}) if schema_name else dict(body)
        template = call.method.resource_template
        if call.method.http_method == "PUT" and template.ends_with_variable:
            collection, ident = call.target()
        else:
            collection = call.path()
            ident = self._new_id(call, body, extra, collection)
        return self.insert(call, schema_name, collection, ident, resource)

    def insert(self, call: Call, schema_name: Optional[str], collection: str, ident: str, resource: Resource) -> Reply:
        """Store a new resource at collection/ident and answer; handlers reuse it."""
        store, ns = call.emulator.store, call.namespace
        self._require_parent(call, collection)
        if store.exists(ns, collection, ident):
            raise already_exists(f"{collection}/{ident}")
        fill_output_fields(call, schema_name, resource, collection, ident)
        store.put(ns, collection, ident, resource)
        return call.emulator.operations.reply(call, collection, ident, resource, call.method.name)

    @staticmethod
    def _new_id(call: Call, body: dict[str, Any], extra: dict[str, Any], collection: str) -> str:
        """The id of a created resource: ``*Id`` query parameter, body name, or server-assigned."""
        for name in call.method.query_parameters():
            if name.endswith("Id") and name not in _NOT_IDS and call.query.get(name):
                return call.query[name]
        if "name" in call.method.query_parameters() and call.query.get("name"):
            return call.query["name"]
        for name, value in extra.items():
            if name.endswith("Id") and name not in _NOT_IDS and isinstance(value, str) and value:
                return value
        name = body.get("name")
        if isinstance(name, str) and name:
            return name.rsplit("/", 1)[-1] if call.api.full_names else name
        own = singular(collection.rsplit("/", 1)[-1]) + "Id"
        if isinstance(body.get(own), str) and body[own]:
            return body[own]
        return numeric_id()

    @staticmethod
    def _require_parent(call: Call, collection: str) -> None:
        """404 when the parent is a resource this API creates and it does not exist."""
        if "/" not in collection:
            return
        parent = collection.rsplit("/", 1)[0]
        parent_collection, parent_id = split_path(parent)
        segment = parent_collection.rsplit("/", 1)[-1]
        if segment in _IMPLICIT_PARENTS or segment not in call.api.creatable:
            return
        if not call.emulator.store.exists(call.namespace, parent_collection, parent_id):
            raise not_found(parent)

    # read --------------------------------------------------------------------------
    def get(self, call: Call) -> Reply:
        return Reply(call.load())

    def list(self, call: Call) -> Reply:
        collection = call.path()
        item_ref = resource_schema(call.method)
        predicate = compile_filter(call.query.get("filter", ""))
        items = [r for _, r in call.emulator.store.list(call.namespace, collection) if predicate(r)]
        page, token = self._page(call, items)
        response = self._list_envelope(call, collection)
        if page:
            response[list_key(call.api, call.method.response_ref, item_ref)] = page
        if token:
            response["nextPageToken"] = token
        return Reply(response)

    def aggregated_list(self, call: Call) -> Reply:
        """Compute's ``aggregated/<collection>``: members of every zone, region and global scope."""
        path = call.path()
        project, collection_name = path.split("/aggregated/", 1) if "/aggregated/" in path else (path, "")
        predicate = compile_filter(call.query.get("filter", ""))
        scoped: list[tuple[str, Resource]] = []
        for collection, members in call.emulator.store.collections(call.namespace):
            rest = collection[len(project) + 1 :] if collection.startswith(project + "/") else None
            if rest is None or not rest.endswith("/" + collection_name):
                continue
            scope = rest[: -len(collection_name) - 1]
            if scope == "global" or (scope.count("/") == 1 and scope.split("/")[0] in ("zones", "regions")):
                scoped.extend((scope, r) for _, r in members if predicate(r))
        page, token = self._page(call, scoped)
        scoped_ref = (
            call.api.schema(call.method.response_ref)
            .get("properties", {})
            .get("items", {})
            .get("additionalProperties", {})
            .get("$ref")
        )
        inner_key = list_key(call.api, scoped_ref, resource_schema(call.method))
        items: dict[str, Any] = {}
        for scope, resource in page:
            items.setdefault(scope, {}).setdefault(inner_key, []).append(resource)
        response = self._list_envelope(call, path)
        response["items"] = items
        if token:
            response["nextPageToken"] = token
        return Reply(response)

    @staticmethod
    def _page(call: Call, items: list[Any]) -> tuple[list[Any], Optional[str]]:
        """One page of ``items``; the token is the offset, opaque to clients."""
        size_raw = call.query.get("maxResults") or call.query.get("pageSize")
        try:
            start = (
                int(base64.urlsafe_b64decode(call.query["pageToken"]).decode()) if call.query.get("pageToken") else 0
            )
        except ValueError:
            raise ApiError(400, "Invalid page token.", field="page_token") from None
        try:
            size = int(size_raw) if size_raw else 500
        except ValueError:
            raise ApiError(400, f"Invalid value for field 'maxResults': '{size_raw}'.") from None
        if size <= 0:
            size = 500
        page = items[start : start + size]
        if start + size < len(items):
            return page, base64.urlsafe_b64encode(str(start + size).encode()).decode()
        return page, None

    @staticmethod
    def _list_envelope(call: Call, collection: str) -> dict[str, Any]:
        schema = call.api.schema(call.method.response_ref)
        props = schema.get("properties", {})
        response: dict[str, Any] = {}
        kind = schema_kind(schema)
        if kind:
            response["kind"] = kind
        if "id" in props and call.api.config.operations == "compute":
            response["id"] = collection
        if "selfLink" in props:
            response["selfLink"] = call.self_link(collection)
        return response

    # write -------------------------------------------------------------------------
    def patch(self, call: Call) -> Reply:
        collection, ident = call.target()
        old = call.load(collection, ident)
        schema_name = resource_schema(call.method)
        body, extra = unwrap(call, schema_name)
        check_preconditions(old, body)
        patch = strip_output_only(call.api, body, {"$ref": schema_name}) if schema_name else body
        mask = call.query.get("updateMask") or extra.get("updateMask")
        updated = apply_mask(old, patch, mask) if mask else merge_patch(old, patch)
        return self._write(call, schema_name, collection, ident, updated, old)

    def update(self, call: Call) -> Reply:
        collection, ident = call.target()
        old = call.load(collection, ident)
        schema_name = resource_schema(call.method)
        body, _ = unwrap(call, schema_name)
        check_preconditions(old, body)
        replacement = strip_output_only(call.api, body, {"$ref": schema_name}) if schema_name else dict(body)
        props = call.api.schema(schema_name).get("properties", {})
        for field, prop in props.items():  # the server's fields survive a replace
            if is_output_only(prop) and field in old:
                replacement[field] = old[field]
        return self._write(call, schema_name, collection, ident, replacement, old)

    @staticmethod
    def _write(
        call: Call, schema_name: Optional[str], collection: str, ident: str, resource: Resource, old: Resource
    ) -> Reply:
        fill_output_fields(call, schema_name, resource, collection, ident, previous=old)
        call.save(resource, collection, ident)
        return call.emulator.operations.reply(call, collection, ident, resource, call.method.name)

    def delete(self, call: Call) -> Reply:
        collection, ident = call.target()
        old = call.load(collection, ident)
        if call.api.config.operations == "compute":
            self._refuse_if_in_use(call, collection, ident)
        call.emulator.store.delete(call.namespace, collection, ident)
        return call.emulator.operations.reply(call, collection, ident, old, call.method.name, deleted=True)

    @staticmethod
    def _refuse_if_in_use(call: Call, collection: str, ident: str) -> None:
        """Compute refuses to delete a resource another one references (a network with subnets)."""
        path = f"{collection}/{ident}"
        short = path.split("/", 2)[2] if path.startswith("projects/") and path.count("/") >= 2 else path
        for other_collection, members in call.emulator.store.collections(call.namespace):
            if other_collection.endswith("/operations"):
                continue
            for other_id, other in members:
                other_path = f"{other_collection}/{other_id}"
                if other_path != path and _references(other, path, short):
                    noun = singular(collection.rsplit("/", 1)[-1])
                    raise ApiError(
                        400,
                        f"The {noun} resource '{path}' is already being used by '{other_path}'",
                        reason="resourceInUseByAnotherResource",
                    )

    # IAM ---------------------------------------------------------------------------
    def _policy_target(self, call: Call) -> str:
        path = call.path(upto_last_variable=True)
        collection, ident = split_path(path)
        implicit = "/" not in collection and collection in _IMPLICIT_PARENTS
        if not implicit and not call.emulator.store.exists(call.namespace, collection, ident):
            raise not_found(path)
        return path

    def _policy_reply(self, call: Call, path: str, policy: Resource) -> Reply:
        schema = call.api.schema(call.method.response_ref)
        out = dict(policy)
        kind = schema_kind(schema)
        if kind:
            out["kind"] = kind
        if "resourceId" in schema.get("properties", {}):
            out["resourceId"] = path
        if not out.get("bindings"):
            out.pop("bindings", None)
        return Reply(out)

    def get_iam_policy(self, call: Call) -> Reply:
        path = self._policy_target(call)
        policy = call.emulator.store.get_policy(call.namespace, path) or {"version": 1, "etag": _DEFAULT_POLICY_ETAG}
        return self._policy_reply(call, path, policy)

    def set_iam_policy(self, call: Call) -> Reply:
        path = self._policy_target(call)
        body = call.body if isinstance(call.body, dict) else {}
        request_props = call.api.schema(call.method.request_ref).get("properties", {})
        if "policy" in request_props and isinstance(body.get("policy"), dict):
            incoming = dict(body["policy"])
        else:
            incoming = {k: v for k, v in body.items() if k not in ("updateMask", "policy")}
        current = call.emulator.store.get_policy(call.namespace, path) or {"version": 1, "etag": _DEFAULT_POLICY_ETAG}
        if incoming.get("etag") and incoming["etag"] != current.get("etag"):
            raise ApiError(
                409,
                "There were concurrent policy changes. "
                "Please retry the whole read-modify-write with exponential backoff.",
                "ABORTED",
                "aborted",
            )
        mask = body.get("updateMask")
        if mask:
            policy = {k: v for k, v in current.items() if k != "etag"}
            for field in (f.strip() for f in mask.split(",")):
                if field in incoming:
                    policy[field] = incoming[field]
                else:
                    policy.pop(field, None)
        else:
            policy = {k: v for k, v in incoming.items() if k not in ("etag", "kind", "resourceId")}
        policy.setdefault("version", 1)
        policy["etag"] = random_tag()
        call.emulator.store.set_policy(call.namespace, path, policy)
        return self._policy_reply(call, path, policy)

    def test_iam_permissions(self, call: Call) -> Reply:
        self._policy_target(call)
        body = call.body if isinstance(call.body, dict) else {}
        permissions = body.get("permissions") or call.query.getlist("permissions")
        out: dict[str, Any] = {}
        kind = schema_kind(call.api.schema(call.method.response_ref))
        if kind:
            out["kind"] = kind
        if permissions:
            out["permissions"] = list(permissions)
        return Reply(out)


def _references(value: Any, path: str, short: str) -> bool:
    """Whether a stored resource mentions ``path`` as a (full, relative or short) reference."""
    if isinstance(value, str):
        return value == path or value == short or value.endswith("/" + path)
    if isinstance(value, dict):
        return any(k not in ("selfLink", "selfLinkWithId") and _references(v, path, short) for k, v in value.items())
    if isinstance(value, list):
        return any(_references(v, path, short) for v in value)
    return False
