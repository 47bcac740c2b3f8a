# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The emulator's networking verbs (sandbox/gcp/network_handlers.py): VPC peering,
shared VPC (XPN) and private service access, driven through the WSGI app."""

import json
import os
import sys
from urllib.parse import urlsplit

import pytest

REPO_ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
)
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from werkzeug.test import Client  # noqa: E402

from sandbox.gcp import create_app  # noqa: E402
from sandbox.gcp.network_handlers import project_number  # noqa: E402

COMPUTE = "https://compute.googleapis.com/compute/v1/projects"
SN = "https://servicenetworking.googleapis.com/v1/services/servicenetworking.googleapis.com"


@pytest.fixture(scope="module")
def app():
    return create_app()


@pytest.fixture
def api(app):
    app.reset()
    client = Client(app)

    def call(method, url, body=None):
        parts = urlsplit(url)
        response = client.open(
            parts.path + (f"?{parts.query}" if parts.query else ""),
            base_url=f"{parts.scheme}://{parts.netloc}",
            method=method,
            headers={"Authorization": "Bearer sandbox-token"},
            json=body,
        )
        raw = response.get_data()
        return response.status_code, (json.loads(raw) if raw else None)

    return call


def ok(result, status=200):
    code, body = result
    assert code == status, body
    return body


def network(api, project, name):
    op = ok(api("POST", f"{COMPUTE}/{project}/global/networks", {"name": name, "autoCreateSubnetworks": False}))
    assert op["status"] == "DONE"


def get_network(api, project, name):
    return ok(api("GET", f"{COMPUTE}/{project}/global/networks/{name}"))


# -- VPC peering ------------------------------------------------------------------------------------
def test_peering_inactive_until_the_peer_peers_back(api):
    network(api, "p1", "a")
    network(api, "p2", "b")
    op = ok(
        api(
            "POST",
            f"{COMPUTE}/p1/global/networks/a/addPeering",
            {
                "name": "a-b",
                "networkPeering": {
                    "name": "a-b",
                    "network": "projects/p2/global/networks/b",
                    "exchangeSubnetRoutes": True,
                },
            },
        )
    )
    assert op["kind"] == "compute#operation" and op["status"] == "DONE"
    assert op["operationType"] == "addPeering"
    assert op["targetLink"].endswith("/projects/p1/global/networks/a")
    assert ok(api("GET", op["selfLink"]))["status"] == "DONE"
    (peering,) = get_network(api, "p1", "a")["peerings"]
    assert peering["state"] == "INACTIVE"
    assert peering["network"] == "https://www.googleapis.com/compute/v1/projects/p2/global/networks/b"
    assert peering["exportCustomRoutes"] is False

    ok(
        api(
            "POST",
            f"{COMPUTE}/p2/global/networks/b/addPeering",
            {
                "name": "b-a",
                "networkPeering": {
                    "name": "b-a",
                    "network": "https://www.googleapis.com/compute/v1/projects/p1/global/networks/a",
                    "importCustomRoutes": True,
                },
            },
        )
    )
    assert get_network(api, "p1", "a")["peerings"][0]["state"] == "ACTIVE"
    (back,) = get_network(api, "p2", "b")["peerings"]
    assert back["state"] == "ACTIVE" and back["importCustomRoutes"] is True

    ok(api("POST", f"{COMPUTE}/p2/global/networks/b/removePeering", {"name": "b-a"}))
    assert "peerings" not in get_network(api, "p2", "b")
    assert get_network(api, "p1", "a")["peerings"][0]["state"] == "INACTIVE"


def test_peering_errors(api):
    network(api, "p1", "a")
    network(api, "p1", "b")
    url = f"{COMPUTE}/p1/global/networks/a/addPeering"
    code, body = api(
        "POST", url, {"name": "x", "networkPeering": {"name": "x", "network": "projects/p1/global/networks/missing"}}
    )
    assert code == 404
    code, body = api(
        "POST", url, {"name": "x", "networkPeering": {"name": "x", "network": "projects/p1/global/networks/a"}}
    )
    assert code == 400
    ok(api("POST", url, {"name": "x", "networkPeering": {"name": "x", "network": "projects/p1/global/networks/b"}}))
    code, body = api(
        "POST", url, {"name": "x", "networkPeering": {"name": "x", "network": "projects/p1/global/networks/b"}}
    )
    assert code == 400 and "already" in body["error"]["message"]
    code, body = api(
        "POST", url, {"name": "y", "networkPeering": {"name": "y", "network": "projects/p1/global/networks/b"}}
    )
    assert code == 400
    code, body = api("POST", f"{COMPUTE}/p1/global/networks/a/removePeering", {"name": "nope"})
    assert code == 400
    code, body = api(
        "POST", f"{COMPUTE}/p1/global/networks/a/addPeering", {"name": "x", "networkPeering": {"name": "x", "bogus": 1}}
    )
    assert code == 400  # schema validation still applies
    code, _ = api(
        "POST",
        f"{COMPUTE}/p1/global/networks/zzz/addPeering",
        {"name": "x", "peerNetwork": "projects/p1/global/networks/b"},
    )
    assert code == 404


def test_update_peering(api):
    network(api, "p1", "a")
    network(api, "p1", "b")
    ok(
        api(
            "POST",
            f"{COMPUTE}/p1/global/networks/a/addPeering",
            {"name": "x", "peerNetwork": "projects/p1/global/networks/b"},
        )
    )
    op = ok(
        api(
            "PATCH",
            f"{COMPUTE}/p1/global/networks/a/updatePeering",
            {"networkPeering": {"name": "x", "exportCustomRoutes": True}},
        )
    )
    assert op["operationType"] == "updatePeering"
    assert get_network(api, "p1", "a")["peerings"][0]["exportCustomRoutes"] is True
    code, _ = api("PATCH", f"{COMPUTE}/p1/global/networks/a/updatePeering", {"networkPeering": {"name": "nope"}})
    assert code == 400


# -- shared VPC -----------------------------------------------------------------------------------
def test_shared_vpc_lifecycle(api):
    project = ok(api("GET", f"{COMPUTE}/host"))
    assert project["xpnProjectStatus"] == "UNSPECIFIED_XPN_PROJECT_STATUS"
    assert project["id"] == project_number("host") and len(project["id"]) == 12
    attach = {"xpnResource": {"type": "PROJECT", "id": "svc"}}
    code, body = api("POST", f"{COMPUTE}/host/enableXpnResource", attach)
    assert code == 400  # not a host yet

    op = ok(api("POST", f"{COMPUTE}/host/enableXpnHost"))
    assert op["operationType"] == "enableXpnHost" and op["targetLink"].endswith("/projects/host")
    assert ok(api("GET", op["selfLink"]))["status"] == "DONE"
    assert ok(api("GET", f"{COMPUTE}/host"))["xpnProjectStatus"] == "HOST"
    assert ok(api("GET", f"{COMPUTE}/host/getXpnResources")) == {"kind": "compute#projectsGetXpnResources"}

    ok(api("POST", f"{COMPUTE}/host/enableXpnResource", attach))
    ok(api("POST", f"{COMPUTE}/host/enableXpnResource", attach))  # re-attaching is accepted
    assert ok(api("GET", f"{COMPUTE}/host/getXpnResources"))["resources"] == [{"type": "PROJECT", "id": "svc"}]
    assert ok(api("GET", f"{COMPUTE}/svc/getXpnHost"))["name"] == "host"
    assert ok(api("GET", f"{COMPUTE}/other/getXpnHost")) == {}

    ok(api("POST", f"{COMPUTE}/host2/enableXpnHost"))
    code, body = api("POST", f"{COMPUTE}/host2/enableXpnResource", attach)
    assert code == 400 and "already a service project" in body["error"]["message"]
    code, _ = api("POST", f"{COMPUTE}/svc/enableXpnHost")
    assert code == 400
    code, body = api("POST", f"{COMPUTE}/host/disableXpnHost")
    assert code == 400 and body["error"]["status"] == "FAILED_PRECONDITION"

    ok(api("POST", f"{COMPUTE}/host/disableXpnResource", attach))
    code, _ = api("POST", f"{COMPUTE}/host/disableXpnResource", attach)
    assert code == 400
    ok(api("POST", f"{COMPUTE}/host/disableXpnHost"))
    assert ok(api("GET", f"{COMPUTE}/host"))["xpnProjectStatus"] == "UNSPECIFIED_XPN_PROJECT_STATUS"
    code, _ = api(
        "POST", f"{COMPUTE}/host/enableXpnResource", {"xpnResource": {"type": "XPN_RESOURCE_TYPE_UNSPECIFIED"}}
    )
    assert code == 400


# -- private service access -----------------------------------------------------------------------
def reserve(api, name, project="p1", net="vpc"):
    ok(
        api(
            "POST",
            f"{COMPUTE}/{project}/global/addresses",
            {
                "name": name,
                "purpose": "VPC_PEERING",
                "addressType": "INTERNAL",
                "prefixLength": 20,
                "address": "10.100.0.0" if name.endswith("a") else "10.101.0.0",
                "network": f"projects/{project}/global/networks/{net}",
            },
        )
    )


def test_service_networking_connection_lifecycle(api):
    network(api, "p1", "vpc")
    reserve(api, "psa-a")
    reserve(api, "psa-b")
    number = project_number("p1")
    net = f"projects/{number}/global/networks/vpc"
    op = ok(api("POST", f"{SN}/connections", {"network": net, "reservedPeeringRanges": ["psa-a"]}))
    assert op["done"] is True and op["name"].startswith("operations/")
    assert ok(api("GET", f"https://servicenetworking.googleapis.com/v1/{op['name']}"))["done"] is True
    listed = ok(api("GET", f"{SN}/connections?network={net}"))["connections"]
    assert listed == [
        {
            "network": net,
            "reservedPeeringRanges": ["psa-a"],
            "peering": "servicenetworking-googleapis-com",
            "service": "services/servicenetworking.googleapis.com",
        }
    ]
    # the project id form lists the same connection; another network has none
    assert len(ok(api("GET", f"{SN}/connections?network=projects/p1/global/networks/vpc"))["connections"]) == 1
    assert ok(api("GET", f"{SN}/connections?network=projects/p1/global/networks/other")) == {}
    (peering,) = get_network(api, "p1", "vpc")["peerings"]
    assert peering["name"] == "servicenetworking-googleapis-com" and peering["state"] == "ACTIVE"

    code, body = api("POST", f"{SN}/connections", {"network": net, "reservedPeeringRanges": ["psa-b"]})
    assert code == 400 and "UpdateConnection" in body["error"]["message"]

    ok(
        api(
            "PATCH",
            f"{SN}/connections/-?updateMask=reservedPeeringRanges",
            {"network": net, "reservedPeeringRanges": ["psa-a", "psa-b"]},
        )
    )
    code, body = api("PATCH", f"{SN}/connections/-", {"network": net, "reservedPeeringRanges": ["psa-b"]})
    assert code == 400 and "force" in body["error"]["message"]
    ok(api("PATCH", f"{SN}/connections/-?force=true", {"network": net, "reservedPeeringRanges": ["psa-b"]}))
    assert ok(api("GET", f"{SN}/connections?network={net}"))["connections"][0]["reservedPeeringRanges"] == ["psa-b"]

    op = ok(api("POST", f"{SN}/connections/servicenetworking-googleapis-com", {"consumerNetwork": net}))
    assert op["done"] is True
    assert ok(api("GET", f"{SN}/connections?network={net}")) == {}
    assert "peerings" not in get_network(api, "p1", "vpc")
    code, _ = api("POST", f"{SN}/connections/servicenetworking-googleapis-com", {"consumerNetwork": net})
    assert code == 404


def test_service_networking_validation(api):
    network(api, "p1", "vpc")
    net = "projects/p1/global/networks/vpc"
    code, _ = api("POST", f"{SN}/connections", {"network": net, "reservedPeeringRanges": ["missing"]})
    assert code == 400
    code, _ = api("POST", f"{SN}/connections", {"network": net, "reservedPeeringRanges": []})
    assert code == 400
    code, _ = api(
        "POST", f"{SN}/connections", {"network": "projects/p1/global/networks/none", "reservedPeeringRanges": ["x"]}
    )
    assert code == 400
    code, _ = api("POST", f"{SN}/connections", {"network": "vpc", "reservedPeeringRanges": ["x"]})
    assert code == 400
    code, _ = api("POST", f"{SN}/connections", {"network": net, "reservedPeeringRanges": ["x"], "bogus": True})
    assert code == 400
    code, _ = api("PATCH", f"{SN}/connections/-", {"network": net, "reservedPeeringRanges": ["x"]})
    assert code == 404
