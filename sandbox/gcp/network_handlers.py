# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Handlers for the networking verbs of the GCP network layer.

* Compute VPC peering: ``networks.addPeering`` / ``removePeering`` / ``updatePeering``
  edit the network's ``peerings`` list.  A peering is ``ACTIVE`` only while the peer
  network has the reverse peering, ``INACTIVE`` otherwise, as Compute Engine reports it.
* Shared VPC (XPN): ``projects.get`` (with ``xpnProjectStatus``), ``enableXpnHost`` /
  ``disableXpnHost``, ``enableXpnResource`` / ``disableXpnResource``,
  ``getXpnResources`` and ``getXpnHost``.
* Private service access: ``servicenetworking.services.connections.create`` / ``list`` /
  ``patch`` / ``deleteConnection``; a connection peers the consumer network with the
  service producer's network (peering ``servicenetworking-googleapis-com``).

Registered on :data:`sandbox.gcp.handlers.DEFAULT_HANDLERS` when imported (by app.py).
"""

from __future__ import annotations

import hashlib
import re
from typing import Any, Optional

from .errors import ApiError, not_found
from .handlers import DEFAULT_HANDLERS, Call, Reply

COMPUTE_NS = "compute.v1"
COMPUTE_LINK_ROOT = "https://www.googleapis.com/compute/v1/"
_NETWORK_RE = re.compile(r"(?:^|/)projects/([^/]+)/global/networks/([^/?#]+)$")
_XPN_COLLECTION = "projects/{host}/xpnResources"  # service projects attached to a host
_XPN_HOSTS = "xpnHosts"  # project id -> {"host": id}: the host of a service project


def project_number(project: str) -> str:
    """A stable 12-digit project number for a project id (what Compute's Project.id holds)."""
    if project.isdigit():
        return project
    digest = int(hashlib.sha256(project.encode()).hexdigest(), 16)
    return str(100000000000 + digest % 900000000000)


def parse_network(value: str) -> Optional[tuple[str, str]]:
    """(project, network) of a network URL or relative path; None when it is neither."""
    match = _NETWORK_RE.search(value or "")
    return (match.group(1), match.group(2)) if match else None


def network_link(project: str, network: str) -> str:
    return f"{COMPUTE_LINK_ROOT}projects/{project}/global/networks/{network}"


def _compute_op(call: Call, project: str, target_path: str, op_type: str) -> Reply:
    """A finished compute#operation in the project's global scope targeting ``target_path``."""
    reply = call.emulator.operations.reply(call, f"projects/{project}", "", None, op_type)
    op = reply.body
    op["targetLink"] = f"{COMPUTE_LINK_ROOT}{target_path}"
    call.emulator.store.put(call.namespace, f"projects/{project}/global/operations", op["name"], op)
    return Reply(op)


def _body(call: Call) -> dict[str, Any]:
    return call.body if isinstance(call.body, dict) else {}


# -- VPC network peering ----------------------------------------------------------------------
def _peer_state(store: Any, ns: str, peering: dict[str, Any], own_project: str, own_network: str) -> bool:
    """Whether the peer network holds a peering back to (own_project, own_network)."""
    peer = parse_network(peering.get("network", ""))
    if peer is None:
        return False
    other = store.get(ns, f"projects/{peer[0]}/global/networks", peer[1])
    for back in (other or {}).get("peerings", []):
        if parse_network(back.get("network", "")) == (own_project, own_network):
            return True
    return False


def _set_state(peering: dict[str, Any], active: bool, now: str) -> None:
    peering["state"] = "ACTIVE" if active else "INACTIVE"
    peering["stateDetails"] = f"[{now}]: " + ("Connected." if active else "Waiting for peer network to connect.")


def _refresh_peer(call: Call, project: str, network: str, peer: tuple[str, str], active: bool) -> None:
    """Set the state of the peer's peering that points back at (project, network)."""
    store, ns = call.emulator.store, call.namespace
    collection = f"projects/{peer[0]}/global/networks"
    other = store.get(ns, collection, peer[1])
    if other is None:
        return
    changed = False
    for back in other.get("peerings", []):
        if parse_network(back.get("network", "")) == (project, network):
            _set_state(back, active, call.emulator.now())
            changed = True
    if changed:
        store.put(ns, collection, peer[1], other)


@DEFAULT_HANDLERS.register("compute.networks.addPeering")
def compute_add_peering(call: Call) -> Reply:
    """Add a peering to the network; ACTIVE when the peer already peers back."""
    network = call.load()
    project, name = call.params["project"], call.params["network"]
    body = _body(call)
    spec = dict(body.get("networkPeering") or {})
    spec.setdefault("name", body.get("name"))
    spec.setdefault("network", body.get("peerNetwork"))
    if body.get("autoCreateRoutes") is not None:
        spec.setdefault("exchangeSubnetRoutes", body["autoCreateRoutes"])
    if not spec.get("name"):
        raise ApiError(
            400, "Invalid value for field 'resource.name': ''. Must be a match of regex '[a-z]([-a-z0-9]*[a-z0-9])?'"
        )
    peer = parse_network(spec.get("network") or "")
    if peer is None:
        raise ApiError(400, f"Invalid value for field 'networkPeering.network': '{spec.get('network') or ''}'.")
    if peer == (project, name):
        raise ApiError(400, "A network cannot be peered with itself.")
    if not call.emulator.store.exists(call.namespace, f"projects/{peer[0]}/global/networks", peer[1]):
        raise not_found(f"projects/{peer[0]}/global/networks/{peer[1]}")
    peerings = network.setdefault("peerings", [])
    for existing in peerings:
        if existing.get("name") == spec["name"]:
            raise ApiError(400, f"There is already a peering {spec['name']} in network {name}.", reason="invalid")
        if parse_network(existing.get("network", "")) == peer:
            raise ApiError(
                400,
                f"There is already a peering {existing.get('name')} between network {name} and peer network {peer[1]}.",
                reason="invalid",
            )
    peering = {
        "name": spec["name"],
        "network": network_link(*peer),
        "autoCreateRoutes": True,
        "exchangeSubnetRoutes": spec.get("exchangeSubnetRoutes", True),
        "exportCustomRoutes": bool(spec.get("exportCustomRoutes", False)),
        "importCustomRoutes": bool(spec.get("importCustomRoutes", False)),
        "exportSubnetRoutesWithPublicIp": bool(spec.get("exportSubnetRoutesWithPublicIp", True)),
        "importSubnetRoutesWithPublicIp": bool(spec.get("importSubnetRoutesWithPublicIp", False)),
        "stackType": spec.get("stackType", "IPV4_ONLY"),
        "peerMtu": 1460,
    }
    active = _peer_state(call.emulator.store, call.namespace, peering, project, name)
    _set_state(peering, active, call.emulator.now())
    peerings.append(peering)
    reply = call.save_and_reply(network, "addPeering")
    _refresh_peer(call, project, name, peer, active)
    return reply


@DEFAULT_HANDLERS.register("compute.networks.removePeering")
def compute_remove_peering(call: Call) -> Reply:
    """Remove a peering by name; the peer's reverse peering becomes INACTIVE."""
    network = call.load()
    project, name = call.params["project"], call.params["network"]
    wanted = _body(call).get("name")
    kept, removed = [], None
    for peering in network.get("peerings", []):
        if peering.get("name") == wanted and removed is None:
            removed = peering
        else:
            kept.append(peering)
    if removed is None:
        raise ApiError(400, f"There is no peering with name {wanted} in network {name}.", reason="invalid")
    if kept:
        network["peerings"] = kept
    else:
        network.pop("peerings", None)
    reply = call.save_and_reply(network, "removePeering")
    peer = parse_network(removed.get("network", ""))
    if peer is not None:
        _refresh_peer(call, project, name, peer, False)
    return reply


@DEFAULT_HANDLERS.register("compute.networks.updatePeering")
def compute_update_peering(call: Call) -> Reply:
    """Update the route-exchange settings of an existing peering (the peer network is fixed)."""
    network = call.load()
    spec = _body(call).get("networkPeering") or {}
    for peering in network.get("peerings", []):
        if peering.get("name") == spec.get("name"):
            if spec.get("network") and parse_network(spec["network"]) != parse_network(peering.get("network", "")):
                raise ApiError(400, "The peer network of a peering cannot be changed.", reason="invalid")
            for field in (
                "exportCustomRoutes",
                "importCustomRoutes",
                "exportSubnetRoutesWithPublicIp",
                "importSubnetRoutesWithPublicIp",
                "stackType",
            ):
                if field in spec:
                    peering[field] = spec[field]
            return call.save_and_reply(network, "updatePeering")
    raise ApiError(
        400, f"There is no peering with name {spec.get('name')} in network {call.params['network']}.", reason="invalid"
    )


# -- Shared VPC (XPN) -------------------------------------------------------------------------
def _project(call: Call, project: str) -> dict[str, Any]:
    """The Compute view of a project: stored when it has state, else synthesised."""
    stored = call.emulator.store.get(COMPUTE_NS, "projects", project)
    if stored is not None:
        return stored
    return {
        "kind": "compute#project",
        "id": project_number(project),
        "name": project,
        "creationTimestamp": "2020-01-01T00:00:00.000-08:00",
        "selfLink": f"{COMPUTE_LINK_ROOT}projects/{project}",
        "defaultServiceAccount": f"{project_number(project)}-compute@developer.gserviceaccount.com",
        "defaultNetworkTier": "PREMIUM",
        "xpnProjectStatus": "UNSPECIFIED_XPN_PROJECT_STATUS",
    }


def _service_projects(call: Call, host: str) -> list[dict[str, Any]]:
    return [r for _, r in call.emulator.store.list(COMPUTE_NS, _XPN_COLLECTION.format(host=host))]


@DEFAULT_HANDLERS.register("compute.projects.get")
def compute_get_project(call: Call) -> Reply:
    return Reply(_project(call, call.params["project"]))


@DEFAULT_HANDLERS.register("compute.projects.enableXpnHost")
def compute_enable_xpn_host(call: Call) -> Reply:
    project = call.params["project"]
    if call.emulator.store.get(COMPUTE_NS, _XPN_HOSTS, project):
        raise ApiError(
            400,
            f"Project '{project}' is a service project of a shared VPC host; it cannot be a host.",
            reason="invalid",
        )
    resource = _project(call, project)
    resource["xpnProjectStatus"] = "HOST"
    call.emulator.store.put(COMPUTE_NS, "projects", project, resource)
    return _compute_op(call, project, f"projects/{project}", "enableXpnHost")


@DEFAULT_HANDLERS.register("compute.projects.disableXpnHost")
def compute_disable_xpn_host(call: Call) -> Reply:
    project = call.params["project"]
    if _service_projects(call, project):
        raise ApiError(
            400,
            f"Cannot disable shared VPC host project '{project}' while it has associated service projects.",
            "FAILED_PRECONDITION",
            "failedPrecondition",
        )
    resource = _project(call, project)
    resource["xpnProjectStatus"] = "UNSPECIFIED_XPN_PROJECT_STATUS"
    call.emulator.store.put(COMPUTE_NS, "projects", project, resource)
    return _compute_op(call, project, f"projects/{project}", "disableXpnHost")


def _xpn_resource(call: Call) -> str:
    resource = _body(call).get("xpnResource") or {}
    if resource.get("type") != "PROJECT" or not resource.get("id"):
        raise ApiError(
            400, "Invalid value for field 'xpnResource': only resources of type PROJECT with an id are supported."
        )
    return resource["id"]


@DEFAULT_HANDLERS.register("compute.projects.enableXpnResource")
def compute_enable_xpn_resource(call: Call) -> Reply:
    host = call.params["project"]
    service = _xpn_resource(call)
    store = call.emulator.store
    if _project(call, host).get("xpnProjectStatus") != "HOST":
        raise ApiError(
            400, f"Project '{host}' is not a shared VPC host project.", "FAILED_PRECONDITION", "failedPrecondition"
        )
    if service == host or _project(call, service).get("xpnProjectStatus") == "HOST":
        raise ApiError(400, f"Project '{service}' is a shared VPC host project; it cannot be a service project.")
    current = store.get(COMPUTE_NS, _XPN_HOSTS, service)
    if current and current.get("host") != host:
        raise ApiError(
            400,
            f"Project '{service}' is already a service project of host project '{current['host']}'.",
            reason="invalid",
        )
    store.put(COMPUTE_NS, _XPN_COLLECTION.format(host=host), service, {"type": "PROJECT", "id": service})
    store.put(COMPUTE_NS, _XPN_HOSTS, service, {"host": host})
    return _compute_op(call, host, f"projects/{host}", "enableXpnResource")


@DEFAULT_HANDLERS.register("compute.projects.disableXpnResource")
def compute_disable_xpn_resource(call: Call) -> Reply:
    host = call.params["project"]
    service = _xpn_resource(call)
    store = call.emulator.store
    if not store.delete(COMPUTE_NS, _XPN_COLLECTION.format(host=host), service):
        raise ApiError(400, f"Project '{service}' is not a service project of host project '{host}'.", reason="invalid")
    store.delete(COMPUTE_NS, _XPN_HOSTS, service)
    return _compute_op(call, host, f"projects/{host}", "disableXpnResource")


@DEFAULT_HANDLERS.register("compute.projects.getXpnResources")
def compute_get_xpn_resources(call: Call) -> Reply:
    resources = _service_projects(call, call.params["project"])
    page, token = call.emulator.generic._page(call, resources)  # noqa: SLF001 (same paging as lists)
    out: dict[str, Any] = {"kind": "compute#projectsGetXpnResources"}
    if page:
        out["resources"] = page
    if token:
        out["nextPageToken"] = token
    return Reply(out)


@DEFAULT_HANDLERS.register("compute.projects.getXpnHost")
def compute_get_xpn_host(call: Call) -> Reply:
    current = call.emulator.store.get(COMPUTE_NS, _XPN_HOSTS, call.params["project"])
    return Reply(_project(call, current["host"]) if current else {})


# -- Private service access (servicenetworking) -------------------------------------------------
SERVICE_PEERING = "servicenetworking-googleapis-com"


def _consumer(call: Call, value: str) -> tuple[str, str, str]:
    """(project id, project number, network) of a ``projects/{number|id}/global/networks/{name}``."""
    parsed = parse_network(value or "")
    if parsed is None or not value.startswith("projects/"):
        raise ApiError(
            400,
            f"Invalid network '{value}': expected projects/{{project_number}}/global/networks/{{network}}.",
            field="network",
        )
    project, network = parsed
    if project.isdigit():  # find the project id whose number this is
        for collection, _ in call.emulator.store.collections(COMPUTE_NS):
            parts = collection.split("/")
            if len(parts) >= 2 and parts[0] == "projects" and project_number(parts[1]) == project:
                project = parts[1]
                break
    if not call.emulator.store.exists(COMPUTE_NS, f"projects/{project}/global/networks", network):
        raise ApiError(400, f"Network '{value}' does not exist.", "FAILED_PRECONDITION", "failedPrecondition")
    return project, project_number(project), network


def _check_ranges(call: Call, project: str, network: str, ranges: Any) -> list[str]:
    if not isinstance(ranges, list) or not ranges:
        raise ApiError(400, "At least one reserved peering range is required.", field="reserved_peering_ranges")
    for name in ranges:
        address = call.emulator.store.get(COMPUTE_NS, f"projects/{project}/global/addresses", name)
        if (
            address is None
            or address.get("purpose") != "VPC_PEERING"
            or parse_network(address.get("network", "")) != (project, network)
        ):
            raise ApiError(
                400,
                f"Allocated IP range '{name}' not found in network projects/{project}/global/networks/{network} "
                "(a global address with purpose VPC_PEERING).",
                "FAILED_PRECONDITION",
                "failedPrecondition",
            )
    return list(ranges)


def _set_service_peering(call: Call, project: str, network: str, service: str, present: bool) -> None:
    """Add or remove the producer peering the connection creates on the consumer network."""
    store, collection = call.emulator.store, f"projects/{project}/global/networks"
    resource = store.get(COMPUTE_NS, collection, network)
    if resource is None:
        return
    peerings = [p for p in resource.get("peerings", []) if p.get("name") != SERVICE_PEERING]
    if present:
        tenant = "sn-" + project_number(project)[-8:] + "-tp"
        peering = {
            "name": SERVICE_PEERING,
            "network": network_link(tenant, "servicenetworking"),
            "autoCreateRoutes": True,
            "exchangeSubnetRoutes": True,
            "exportCustomRoutes": False,
            "importCustomRoutes": False,
            "exportSubnetRoutesWithPublicIp": False,
            "importSubnetRoutesWithPublicIp": False,
            "stackType": "IPV4_ONLY",
            "peerMtu": 1460,
        }
        _set_state(peering, True, call.emulator.now())
        peerings.append(peering)
    if peerings:
        resource["peerings"] = peerings
    else:
        resource.pop("peerings", None)
    store.put(COMPUTE_NS, collection, network, resource)


def _connection_reply(call: Call, collection: str, ident: str, resource: Optional[dict[str, Any]], verb: str) -> Reply:
    return call.emulator.operations.reply(call, collection, ident, resource, verb, deleted=resource is None)


@DEFAULT_HANDLERS.register("servicenetworking.services.connections.create")
def servicenetworking_create_connection(call: Call) -> Reply:
    service = call.params["parent"].split("/", 1)[1]
    body = _body(call)
    project, number, network = _consumer(call, body.get("network", ""))
    collection = f"services/{service}/connections"
    key = f"projects/{number}/global/networks/{network}"
    if call.emulator.store.exists(call.namespace, collection, key):
        raise ApiError(
            400,
            "Cannot modify allocated ranges in CreateConnection. Please use UpdateConnection.",
            "FAILED_PRECONDITION",
            "failedPrecondition",
        )
    connection = {
        "network": key,
        "reservedPeeringRanges": _check_ranges(call, project, network, body.get("reservedPeeringRanges")),
        "peering": SERVICE_PEERING,
        "service": f"services/{service}",
    }
    call.emulator.store.put(call.namespace, collection, key, connection)
    _set_service_peering(call, project, network, service, True)
    return _connection_reply(call, collection, SERVICE_PEERING, connection, "create")


@DEFAULT_HANDLERS.register("servicenetworking.services.connections.list")
def servicenetworking_list_connections(call: Call) -> Reply:
    service = call.params["parent"].split("/", 1)[1]
    wanted = call.query.get("network")
    number_and_name = None
    if wanted:
        parsed = parse_network(wanted)
        if parsed is None:
            raise ApiError(400, f"Invalid network '{wanted}'.", field="network")
        number_and_name = (project_number(parsed[0]), parsed[1])
    items = []
    for _, connection in call.emulator.store.list(call.namespace, f"services/{service}/connections"):
        parsed = parse_network(connection["network"])
        if number_and_name is None or parsed == number_and_name:
            items.append(connection)
    return Reply({"connections": items} if items else {})


@DEFAULT_HANDLERS.register("servicenetworking.services.connections.patch")
def servicenetworking_patch_connection(call: Call) -> Reply:
    """Update the allocated ranges of the connection of ``network`` (the name's last segment is ``-``)."""
    service = call.params["name"].split("/")[1]
    body = _body(call)
    project, number, network = _consumer(call, body.get("network", ""))
    collection = f"services/{service}/connections"
    key = f"projects/{number}/global/networks/{network}"
    connection = call.emulator.store.get(call.namespace, collection, key)
    if connection is None:
        raise not_found(f"{collection}/{SERVICE_PEERING}")
    mask = call.query.get("updateMask") or "reservedPeeringRanges"
    if "reservedPeeringRanges" in mask:
        new = _check_ranges(call, project, network, body.get("reservedPeeringRanges"))
        removed = set(connection["reservedPeeringRanges"]) - set(new)
        if removed and call.query.get("force", "false").lower() != "true":
            raise ApiError(
                400,
                "Removing allocated ranges from a connection requires force=true: " + ", ".join(sorted(removed)),
                "FAILED_PRECONDITION",
                "failedPrecondition",
            )
        connection["reservedPeeringRanges"] = new
    call.emulator.store.put(call.namespace, collection, key, connection)
    return _connection_reply(call, collection, SERVICE_PEERING, connection, "patch")


@DEFAULT_HANDLERS.register("servicenetworking.services.connections.deleteConnection")
def servicenetworking_delete_connection(call: Call) -> Reply:
    parts = call.params["name"].split("/")
    service = parts[1]
    body = _body(call)
    project, number, network = _consumer(call, body.get("consumerNetwork", ""))
    collection = f"services/{service}/connections"
    key = f"projects/{number}/global/networks/{network}"
    if not call.emulator.store.delete(call.namespace, collection, key):
        raise not_found(call.params["name"])
    _set_service_peering(call, project, network, service, False)
    return _connection_reply(call, collection, parts[-1], None, "deleteConnection")
