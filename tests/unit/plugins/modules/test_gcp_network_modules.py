# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for the collection's GCP network modules, run in-process against the GCP emulator.

The emulator (sandbox/gcp) serves on a free loopback port.  google.cloud's GcpSession builds
literal https://*.googleapis.com URLs, so every requests session gets a transport adapter for
https:// that forwards to the emulator over plain HTTP, keeping the original Host header (as
the sandbox's HTTPS proxy does).  Authentication is auth_kind=accesstoken with a dummy token.
"""

import os
import sys
import threading
from urllib.parse import urlsplit

import pytest
import requests
from requests.adapters import BaseAdapter, HTTPAdapter

REPO_ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
)
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from sandbox.gcp import create_app, create_server  # noqa: E402
from sandbox.gcp.network_handlers import project_number  # noqa: E402

from ansible_collections.ecommerce.multicloud.tests.unit.plugins.modules import module_runner  # noqa: E402
from ansible_collections.ecommerce.multicloud.plugins.modules import (  # noqa: E402
    gcp_compute_labels,
    gcp_compute_network_peering,
    gcp_compute_router_nat,
    gcp_compute_shared_vpc,
    gcp_compute_subnetwork_log_config,
    gcp_service_networking_connection,
)

COMPUTE = "https://compute.googleapis.com/compute/v1/projects"
AUTH = {"auth_kind": "accesstoken", "access_token": "sandbox-token"}


class EmulatorAdapter(BaseAdapter):
    """Send https://<google host>/... to http://127.0.0.1:<port>/... with Host: <google host>."""

    def __init__(self, port, calls):
        super().__init__()
        self.port = port
        self.calls = calls
        self.inner = HTTPAdapter()

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        parts = urlsplit(request.url)
        self.calls.append((request.method, request.url))
        forwarded = request.copy()
        forwarded.url = "http://127.0.0.1:%d%s%s" % (self.port, parts.path, "?" + parts.query if parts.query else "")
        forwarded.headers["Host"] = parts.netloc
        response = self.inner.send(forwarded, stream=stream, timeout=timeout)
        response.url = request.url
        response.request = request
        return response

    def close(self):
        self.inner.close()


@pytest.fixture(scope="module")
def emulator():
    app = create_app()
    server = create_server("127.0.0.1", 0, app=app)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield app, server.server_port
    server.shutdown()
    server.server_close()


@pytest.fixture
def calls(emulator, monkeypatch):
    """Route every requests session to the emulator; the list records (method, url) sent."""
    app, port = emulator
    app.reset()
    recorded = []
    adapter = EmulatorAdapter(port, recorded)
    original = requests.Session.get_adapter

    def get_adapter(self, url):
        if url.lower().startswith("https://"):
            return adapter
        return original(self, url)

    monkeypatch.setattr(requests.Session, "get_adapter", get_adapter)
    for name in ("HTTPS_PROXY", "https_proxy", "HTTP_PROXY", "http_proxy", "ALL_PROXY", "all_proxy"):
        monkeypatch.delenv(name, raising=False)
    for name in list(os.environ):
        if name.startswith("GCP_"):
            monkeypatch.delenv(name, raising=False)
    return recorded


def mutating(recorded):
    return [(m, u) for m, u in recorded if m not in ("GET", "HEAD")]


def api(method, url, body=None):
    """A direct call through the same adapter (the calls fixture must be active)."""
    response = requests.Session().request(method, url, json=body, headers={"Authorization": "Bearer t"})
    return response.status_code, (response.json() if response.content else None)


def ok(result):
    code, body = result
    assert code == 200, body
    return body


def run_module(module, args, check_mode=False, diff=False):
    return module_runner.run_module(module, dict(AUTH, **args), check_mode=check_mode, diff=diff)


def succeed(module, args, **kwargs):
    code, result = run_module(module, args, **kwargs)
    assert code == 0, result
    return result


def fail(module, args, **kwargs):
    code, result = run_module(module, args, **kwargs)
    assert code == 1, result
    assert result["failed"] is True
    return result


def make_network(project, name):
    ok(api("POST", f"{COMPUTE}/{project}/global/networks", {"name": name, "autoCreateSubnetworks": False}))


# -- gcp_compute_router_nat --------------------------------------------------------------------------
def make_router(project="p1", region="us-central1"):
    make_network(project, "vpc")
    ok(
        api(
            "POST",
            f"{COMPUTE}/{project}/regions/{region}/routers",
            {"name": "r1", "network": f"projects/{project}/global/networks/vpc", "bgp": {"asn": 64514}},
        )
    )
    ok(
        api(
            "POST",
            f"{COMPUTE}/{project}/regions/{region}/subnetworks",
            {"name": "app", "network": f"projects/{project}/global/networks/vpc", "ipCidrRange": "10.0.0.0/20"},
        )
    )
    for name in ("ip1", "ip2"):
        ok(api("POST", f"{COMPUTE}/{project}/regions/{region}/addresses", {"name": name}))


def router_nats():
    return ok(api("GET", f"{COMPUTE}/p1/regions/us-central1/routers/r1")).get("nats", [])


NAT = {
    "project": "p1",
    "region": "us-central1",
    "router": "r1",
    "name": "nat1",
    "min_ports_per_vm": 128,
    "log_config": {"enable": True, "filter": "ERRORS_ONLY"},
}


def test_router_nat_lifecycle(calls):
    make_router()
    ok(
        api(
            "PATCH",
            f"{COMPUTE}/p1/regions/us-central1/routers/r1",
            {
                "nats": [
                    {
                        "name": "other",
                        "natIpAllocateOption": "AUTO_ONLY",
                        "sourceSubnetworkIpRangesToNat": "ALL_SUBNETWORKS_ALL_IP_RANGES",
                    }
                ]
            },
        )
    )

    calls.clear()
    result = succeed(gcp_compute_router_nat, NAT, check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["minPortsPerVm"] == 128
    assert mutating(calls) == []
    assert [n["name"] for n in router_nats()] == ["other"]

    result = succeed(gcp_compute_router_nat, NAT, diff=True)
    assert result["changed"] is True
    assert result["name"] == "nat1" and result["natIpAllocateOption"] == "AUTO_ONLY"
    assert result["logConfig"] == {"enable": True, "filter": "ERRORS_ONLY"}
    assert result["router"].endswith("/projects/p1/regions/us-central1/routers/r1")
    assert [n["name"] for n in router_nats()] == ["other", "nat1"]

    calls.clear()
    result = succeed(gcp_compute_router_nat, NAT)
    assert result["changed"] is False
    assert mutating(calls) == []

    update = dict(
        NAT,
        nat_ip_allocate_option="MANUAL_ONLY",
        nat_ips=["ip1", "https://www.googleapis.com/compute/v1/projects/p1/regions/us-central1/addresses/ip2"],
        source_subnetwork_ip_ranges_to_nat="LIST_OF_SUBNETWORKS",
        subnetworks=[{"name": "app", "source_ip_ranges_to_nat": ["PRIMARY_IP_RANGE"]}],
    )
    result = succeed(gcp_compute_router_nat, update, check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["diff"]["before"]["natIpAllocateOption"] == "AUTO_ONLY"
    assert result["diff"]["after"]["natIpAllocateOption"] == "MANUAL_ONLY"
    assert router_nats()[1]["natIpAllocateOption"] == "AUTO_ONLY"

    result = succeed(gcp_compute_router_nat, update)
    assert result["changed"] is True
    nat = router_nats()[1]
    assert nat["natIps"] == [
        "https://www.googleapis.com/compute/v1/projects/p1/regions/us-central1/addresses/ip1",
        "https://www.googleapis.com/compute/v1/projects/p1/regions/us-central1/addresses/ip2",
    ]
    assert nat["subnetworks"][0]["name"].endswith("/projects/p1/regions/us-central1/subnetworks/app")
    assert nat["minPortsPerVm"] == 128  # kept
    # the same addresses in another order and form: no change
    reordered = dict(update, nat_ips=["projects/p1/regions/us-central1/addresses/ip2", "ip1"])
    assert succeed(gcp_compute_router_nat, reordered)["changed"] is False

    absent = dict(NAT, state="absent")
    calls.clear()
    result = succeed(gcp_compute_router_nat, absent, check_mode=True, diff=True)
    assert result["changed"] is True and result["diff"]["after"] == {}
    assert mutating(calls) == []
    assert len(router_nats()) == 2
    assert succeed(gcp_compute_router_nat, absent)["changed"] is True
    assert [n["name"] for n in router_nats()] == ["other"]
    calls.clear()
    assert succeed(gcp_compute_router_nat, absent)["changed"] is False
    assert mutating(calls) == []


def test_router_nat_missing_router(calls):
    result = fail(gcp_compute_router_nat, NAT)
    assert "not found" in result["msg"]


@pytest.mark.parametrize(
    "args, message",
    [
        ({"nat_ip_allocate_option": "MANUAL_ONLY"}, "nat_ips"),
        ({"nat_ips": ["ip1"]}, "MANUAL_ONLY"),
        ({"source_subnetwork_ip_ranges_to_nat": "LIST_OF_SUBNETWORKS"}, "subnetworks"),
        ({"subnetworks": [{"name": "app"}]}, "LIST_OF_SUBNETWORKS"),
        ({"min_ports_per_vm": 1}, "min_ports_per_vm"),
        ({"log_config": {"filter": "ALL"}}, "enable"),
        ({"nat_ip_allocate_option": "SOMETIMES"}, "nat_ip_allocate_option"),
        (
            {
                "source_subnetwork_ip_ranges_to_nat": "LIST_OF_SUBNETWORKS",
                "subnetworks": [{"name": "app", "source_ip_ranges_to_nat": ["LIST_OF_SECONDARY_IP_RANGES"]}],
            },
            "secondary_ip_range_names",
        ),
    ],
)
def test_router_nat_argument_errors(calls, args, message):
    result = fail(gcp_compute_router_nat, dict(NAT, **args))
    assert message in result["msg"]
    assert calls == []


# -- gcp_compute_network_peering ---------------------------------------------------------------------
PEERING = {"project": "p1", "network": "a", "name": "a-to-b", "peer_network": "b", "peer_project": "p2"}


def peerings(project, network):
    return ok(api("GET", f"{COMPUTE}/{project}/global/networks/{network}")).get("peerings", [])


def test_network_peering_lifecycle(calls):
    make_network("p1", "a")
    make_network("p2", "b")
    make_network("p2", "c")

    calls.clear()
    result = succeed(gcp_compute_network_peering, PEERING, check_mode=True, diff=True)
    assert result["changed"] is True and result["diff"]["before"] == {}
    assert result["diff"]["after"]["network"].endswith("/projects/p2/global/networks/b")
    assert mutating(calls) == [] and peerings("p1", "a") == []

    result = succeed(gcp_compute_network_peering, PEERING)
    assert result["changed"] is True
    assert result["state"] == "INACTIVE" and result["name"] == "a-to-b"
    assert result["network"] == "https://www.googleapis.com/compute/v1/projects/p2/global/networks/b"
    calls.clear()
    assert succeed(gcp_compute_network_peering, PEERING)["changed"] is False
    assert mutating(calls) == []

    reverse = {
        "project": "p2",
        "network": "https://www.googleapis.com/compute/v1/projects/p2/global/networks/b",
        "name": "b-to-a",
        "peer_network": "projects/p1/global/networks/a",
    }
    assert succeed(gcp_compute_network_peering, reverse)["state"] == "ACTIVE"
    assert peerings("p1", "a")[0]["state"] == "ACTIVE"

    routes = dict(PEERING, export_custom_routes=True, import_custom_routes=True)
    result = succeed(gcp_compute_network_peering, routes, check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["diff"]["before"]["exportCustomRoutes"] is False
    assert result["diff"]["after"]["exportCustomRoutes"] is True
    assert peerings("p1", "a")[0]["exportCustomRoutes"] is False
    result = succeed(gcp_compute_network_peering, routes)
    assert result["changed"] is True and result["exportCustomRoutes"] is True and result["importCustomRoutes"] is True
    assert succeed(gcp_compute_network_peering, routes)["changed"] is False

    moved = dict(routes, peer_network="c")
    result = succeed(gcp_compute_network_peering, moved)
    assert result["changed"] is True and result["network"].endswith("/projects/p2/global/networks/c")
    assert result["state"] == "INACTIVE"
    assert peerings("p2", "b")[0]["state"] == "INACTIVE"

    absent = {"project": "p1", "network": "a", "name": "a-to-b", "state": "absent"}
    calls.clear()
    result = succeed(gcp_compute_network_peering, absent, check_mode=True, diff=True)
    assert result["changed"] is True and result["diff"]["after"] == {}
    assert mutating(calls) == [] and len(peerings("p1", "a")) == 1
    assert succeed(gcp_compute_network_peering, absent)["changed"] is True
    assert peerings("p1", "a") == []
    calls.clear()
    assert succeed(gcp_compute_network_peering, absent)["changed"] is False
    assert mutating(calls) == []


def test_network_peering_errors(calls):
    result = fail(gcp_compute_network_peering, PEERING)
    assert "not found" in result["msg"]
    make_network("p1", "a")
    result = fail(gcp_compute_network_peering, dict(PEERING, peer_network="missing"))
    assert "GCP returned error" in result["msg"]


@pytest.mark.parametrize(
    "args, message",
    [
        ({"peer_network": None}, "peer_network"),
        ({"project": None, "peer_project": None, "network": "projects/p1/global/networks/a"}, "peer_project"),
        ({"project": None}, "project is required"),
        ({"export_custom_routes": "maybe"}, "export_custom_routes"),
        ({"state": "gone"}, "state"),
    ],
)
def test_network_peering_argument_errors(calls, args, message):
    params = {k: v for k, v in dict(PEERING, **args).items() if v is not None}
    result = fail(gcp_compute_network_peering, params)
    assert message in result["msg"]
    assert calls == []


# -- gcp_compute_shared_vpc --------------------------------------------------------------------------
def xpn(host="host"):
    status = ok(api("GET", f"{COMPUTE}/{host}"))["xpnProjectStatus"]
    resources = ok(api("GET", f"{COMPUTE}/{host}/getXpnResources")).get("resources", [])
    return status, sorted(r["id"] for r in resources)


def test_shared_vpc_lifecycle(calls):
    args = {"host_project": "host", "service_projects": ["dev", "stg"]}
    calls.clear()
    result = succeed(gcp_compute_shared_vpc, args, check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["diff"]["before"]["xpn_project_status"] == "UNSPECIFIED_XPN_PROJECT_STATUS"
    assert result["diff"]["after"] == {
        "host_project": "host",
        "xpn_project_status": "HOST",
        "service_projects": ["dev", "stg"],
    }
    assert mutating(calls) == []
    assert xpn() == ("UNSPECIFIED_XPN_PROJECT_STATUS", [])

    result = succeed(gcp_compute_shared_vpc, args)
    assert result["changed"] is True
    assert result["xpn_project_status"] == "HOST" and result["service_projects"] == ["dev", "stg"]
    assert xpn() == ("HOST", ["dev", "stg"])
    calls.clear()
    assert succeed(gcp_compute_shared_vpc, args)["changed"] is False
    assert mutating(calls) == []

    # without purge, an unlisted service project stays attached
    result = succeed(gcp_compute_shared_vpc, {"host_project": "host", "service_projects": ["dev", "prod"]})
    assert result["changed"] is True and result["service_projects"] == ["dev", "prod", "stg"]
    purge = {"host_project": "host", "service_projects": ["dev", "prod"], "purge_service_projects": True}
    result = succeed(gcp_compute_shared_vpc, purge, check_mode=True, diff=True)
    assert result["changed"] is True and result["diff"]["after"]["service_projects"] == ["dev", "prod"]
    assert xpn() == ("HOST", ["dev", "prod", "stg"])
    result = succeed(gcp_compute_shared_vpc, purge)
    assert result["changed"] is True and xpn() == ("HOST", ["dev", "prod"])
    assert succeed(gcp_compute_shared_vpc, purge)["changed"] is False

    absent = {"host_project": "host", "state": "absent"}
    calls.clear()
    result = succeed(gcp_compute_shared_vpc, absent, check_mode=True, diff=True)
    assert result["changed"] is True and result["diff"]["after"]["service_projects"] == []
    assert mutating(calls) == [] and xpn() == ("HOST", ["dev", "prod"])
    result = succeed(gcp_compute_shared_vpc, absent)
    assert result["changed"] is True
    assert result["xpn_project_status"] == "UNSPECIFIED_XPN_PROJECT_STATUS" and result["service_projects"] == []
    assert xpn() == ("UNSPECIFIED_XPN_PROJECT_STATUS", [])
    calls.clear()
    assert succeed(gcp_compute_shared_vpc, absent)["changed"] is False
    assert mutating(calls) == []


def test_shared_vpc_service_project_of_another_host(calls):
    succeed(gcp_compute_shared_vpc, {"host_project": "host", "service_projects": ["dev"]})
    result = fail(gcp_compute_shared_vpc, {"host_project": "host2", "service_projects": ["dev"]})
    assert "already a service project" in result["msg"]


@pytest.mark.parametrize(
    "args, message",
    [
        ({"service_projects": ["host"]}, "can not also be"),
        ({"service_projects": ["a", "a"]}, "more than once"),
        ({"host_project": None}, "host_project"),
        ({"purge_service_projects": "sometimes"}, "purge_service_projects"),
    ],
)
def test_shared_vpc_argument_errors(calls, args, message):
    params = {k: v for k, v in dict({"host_project": "host"}, **args).items() if v is not None}
    result = fail(gcp_compute_shared_vpc, params)
    assert message in result["msg"]
    assert calls == []


# -- gcp_service_networking_connection ---------------------------------------------------------------
SN = "https://servicenetworking.googleapis.com/v1/services/servicenetworking.googleapis.com/connections"
PSA = {"project": "p1", "network": "vpc", "reserved_peering_ranges": ["psa-a"]}


def make_psa_network():
    make_network("p1", "vpc")
    for name, address in (("psa-a", "10.100.0.0"), ("psa-b", "10.101.0.0")):
        ok(
            api(
                "POST",
                f"{COMPUTE}/p1/global/addresses",
                {
                    "name": name,
                    "purpose": "VPC_PEERING",
                    "addressType": "INTERNAL",
                    "address": address,
                    "prefixLength": 16,
                    "network": "projects/p1/global/networks/vpc",
                },
            )
        )


def connections():
    net = f"projects/{project_number('p1')}/global/networks/vpc"
    return ok(api("GET", f"{SN}?network={net}")).get("connections", [])


def test_service_networking_connection_lifecycle(calls):
    make_psa_network()
    net = f"projects/{project_number('p1')}/global/networks/vpc"
    calls.clear()
    result = succeed(gcp_service_networking_connection, PSA, check_mode=True, diff=True)
    assert result["changed"] is True and result["diff"]["before"] == {}
    assert result["diff"]["after"]["network"] == net
    assert mutating(calls) == [] and connections() == []

    result = succeed(gcp_service_networking_connection, PSA)
    assert result["changed"] is True
    assert result["network"] == net and result["reservedPeeringRanges"] == ["psa-a"]
    assert result["peering"] == "servicenetworking-googleapis-com"
    peering = ok(api("GET", f"{COMPUTE}/p1/global/networks/vpc"))["peerings"][0]
    assert peering["name"] == "servicenetworking-googleapis-com"
    calls.clear()
    assert succeed(gcp_service_networking_connection, PSA)["changed"] is False
    assert mutating(calls) == []
    by_url = dict(PSA, network="https://www.googleapis.com/compute/v1/projects/p1/global/networks/vpc", project=None)
    assert succeed(gcp_service_networking_connection, {k: v for k, v in by_url.items() if v})["changed"] is False

    grow = dict(PSA, reserved_peering_ranges=["psa-b", "psa-a"])
    result = succeed(gcp_service_networking_connection, grow, check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["diff"]["before"]["reservedPeeringRanges"] == ["psa-a"]
    assert connections()[0]["reservedPeeringRanges"] == ["psa-a"]
    assert succeed(gcp_service_networking_connection, grow)["changed"] is True
    assert sorted(connections()[0]["reservedPeeringRanges"]) == ["psa-a", "psa-b"]
    assert (
        succeed(gcp_service_networking_connection, dict(PSA, reserved_peering_ranges=["psa-a", "psa-b"]))["changed"]
        is False
    )

    shrink = dict(PSA, reserved_peering_ranges=["psa-b"])
    result = fail(gcp_service_networking_connection, shrink)
    assert "force" in result["msg"]
    result = succeed(gcp_service_networking_connection, dict(shrink, force=True))
    assert result["changed"] is True and result["reservedPeeringRanges"] == ["psa-b"]

    absent = {"project": "p1", "network": "vpc", "state": "absent"}
    calls.clear()
    result = succeed(gcp_service_networking_connection, absent, check_mode=True, diff=True)
    assert result["changed"] is True and result["diff"]["after"] == {}
    assert mutating(calls) == [] and len(connections()) == 1
    assert succeed(gcp_service_networking_connection, absent)["changed"] is True
    assert connections() == []
    assert "peerings" not in ok(api("GET", f"{COMPUTE}/p1/global/networks/vpc"))
    calls.clear()
    assert succeed(gcp_service_networking_connection, absent)["changed"] is False
    assert mutating(calls) == []


def test_service_networking_connection_missing_range(calls):
    make_psa_network()
    result = fail(gcp_service_networking_connection, dict(PSA, reserved_peering_ranges=["nope"]))
    assert "GCP returned error" in result["msg"]


@pytest.mark.parametrize(
    "args, message",
    [
        ({"reserved_peering_ranges": None}, "reserved_peering_ranges"),
        ({"reserved_peering_ranges": []}, "at least one"),
        ({"reserved_peering_ranges": ["a", "a"]}, "more than once"),
        ({"project": None}, "project is required"),
        ({"network": "projects/p1/regions/us-central1/subnetworks/app"}, "VPC network"),
        ({"force": "perhaps"}, "force"),
    ],
)
def test_service_networking_connection_argument_errors(calls, args, message):
    params = dict(PSA, **args)
    if params["reserved_peering_ranges"] is None:
        del params["reserved_peering_ranges"]
    if params["project"] is None:
        del params["project"]
    result = fail(gcp_service_networking_connection, params)
    assert message in result["msg"]
    assert calls == []


# -- gcp_compute_subnetwork_log_config ---------------------------------------------------------------
FLOW_LOGS = {"project": "p1", "region": "us-central1", "name": "app", "flow_sampling": 0.5}


def subnetwork():
    return ok(api("GET", f"{COMPUTE}/p1/regions/us-central1/subnetworks/app"))


def test_subnetwork_log_config_lifecycle(calls):
    make_router()
    fingerprint = subnetwork()["fingerprint"]

    calls.clear()
    result = succeed(gcp_compute_subnetwork_log_config, FLOW_LOGS, check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["diff"]["before"] == {"logConfig": {"enable": False}}
    assert result["diff"]["after"]["logConfig"]["aggregationInterval"] == "INTERVAL_5_SEC"
    assert mutating(calls) == []
    assert "logConfig" not in subnetwork()

    result = succeed(gcp_compute_subnetwork_log_config, FLOW_LOGS)
    assert result["changed"] is True
    read_back = subnetwork()
    assert read_back["logConfig"] == {
        "enable": True,
        "aggregationInterval": "INTERVAL_5_SEC",
        "flowSampling": 0.5,
        "metadata": "INCLUDE_ALL_METADATA",
    }
    assert read_back["fingerprint"] != fingerprint
    assert read_back["ipCidrRange"] == "10.0.0.0/20"  # the rest of the subnetwork is untouched

    calls.clear()
    assert succeed(gcp_compute_subnetwork_log_config, FLOW_LOGS)["changed"] is False
    assert mutating(calls) == []

    custom = dict(FLOW_LOGS, metadata="CUSTOM_METADATA", metadata_fields=["src_vpc", "dest_vpc"], flow_sampling=1.0)
    assert succeed(gcp_compute_subnetwork_log_config, custom)["changed"] is True
    assert subnetwork()["logConfig"]["metadataFields"] == ["dest_vpc", "src_vpc"]
    assert succeed(gcp_compute_subnetwork_log_config, dict(custom, metadata_fields=["dest_vpc", "src_vpc"]))["changed"] is False

    off = dict(FLOW_LOGS, enable=False)
    assert succeed(gcp_compute_subnetwork_log_config, off)["changed"] is True
    assert subnetwork()["logConfig"]["enable"] is False  # patch merges: the other settings may stay
    assert succeed(gcp_compute_subnetwork_log_config, off)["changed"] is False


def test_subnetwork_log_config_missing_subnetwork(calls):
    assert "not found" in fail(gcp_compute_subnetwork_log_config, FLOW_LOGS)["msg"]


@pytest.mark.parametrize(
    "args, message",
    [
        ({"flow_sampling": 1.5}, "flow_sampling"),
        ({"metadata": "CUSTOM_METADATA"}, "metadata_fields"),
        ({"metadata_fields": ["src_vpc"]}, "metadata_fields"),
        ({"aggregation_interval": "INTERVAL_2_SEC"}, "aggregation_interval"),
    ],
)
def test_subnetwork_log_config_argument_errors(calls, args, message):
    assert message in fail(gcp_compute_subnetwork_log_config, dict(FLOW_LOGS, **args))["msg"]
    assert calls == []


# -- gcp_compute_labels ------------------------------------------------------------------------------
LABELS = {"project": "p1", "resource_type": "global_address", "name": "psa", "labels": {"env": "sandbox", "cost-center": "cc-4200"}}


def global_address():
    return ok(api("GET", f"{COMPUTE}/p1/global/addresses/psa"))


def test_labels_lifecycle(calls):
    ok(api("POST", f"{COMPUTE}/p1/global/addresses", {"name": "psa", "labels": {"team": "net"}}))
    calls.clear()
    result = succeed(gcp_compute_labels, LABELS, check_mode=True, diff=True)
    assert result["changed"] is True
    assert result["diff"] == {"before": {"labels": {"team": "net"}}, "after": {"labels": LABELS["labels"]}}
    assert mutating(calls) == [] and global_address()["labels"] == {"team": "net"}

    assert succeed(gcp_compute_labels, LABELS)["changed"] is True
    assert global_address()["labels"] == LABELS["labels"]
    calls.clear()
    assert succeed(gcp_compute_labels, LABELS)["changed"] is False
    assert mutating(calls) == []

    keep = dict(LABELS, labels={"tier": "data"}, purge_labels=False)
    assert succeed(gcp_compute_labels, keep)["changed"] is True
    assert global_address()["labels"] == dict(LABELS["labels"], tier="data")


def test_labels_regional_address(calls):
    ok(api("POST", f"{COMPUTE}/p1/regions/us-east4/addresses", {"name": "nat-ip"}))
    args = dict(LABELS, resource_type="address", name="nat-ip", region="us-east4")
    assert succeed(gcp_compute_labels, args)["changed"] is True
    assert ok(api("GET", f"{COMPUTE}/p1/regions/us-east4/addresses/nat-ip"))["labels"] == LABELS["labels"]


def test_labels_missing_resource(calls):
    assert "not found" in fail(gcp_compute_labels, LABELS)["msg"]


@pytest.mark.parametrize(
    "args, message",
    [
        ({"labels": {"Env": "sandbox"}}, "'Env'"),
        ({"labels": {"env": "Sandbox"}}, "'Sandbox'"),
        ({"resource_type": "address"}, "region is required"),
        ({"region": "us-east4"}, "region is not allowed"),
    ],
)
def test_labels_argument_errors(calls, args, message):
    assert message in fail(gcp_compute_labels, dict(LABELS, **args))["msg"]
    assert calls == []
