# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for ec2_transit_gateway_route, run in-process against moto.

moto 5.2.5 gaps worked around here. The first two are fixed by the sandbox's moto patch
``transit_gateway_routes`` (sandbox/moto_server.py), which the ``moto_route_fixes`` fixture
applies in-process, so the tests and the sandbox server share one fix:

* CreateTransitGatewayRoute stores the attachment as a dict instead of a list, so routes are
  always returned with an empty ``TransitGatewayAttachments`` list: the attachment a route
  points at can not be read back.
* ReplaceTransitGatewayRoute is not implemented (``NotImplementedError``).
* Propagated routes are never created (enabling propagation adds no route), so they are
  injected into the moto backend directly (in the tests only).
"""

import functools
import importlib.machinery
import importlib.util
import sys
from pathlib import Path

import pytest
from moto.ec2.models import ec2_backends
from moto.ec2.models.transit_gateway_route_tables import TransitGatewayRouteTableBackend

from ansible_collections.ecommerce.multicloud.plugins.modules import ec2_transit_gateway_route
from ansible_collections.ecommerce.multicloud.tests.unit.plugins.modules import aws_utils
from ansible_collections.ecommerce.multicloud.tests.unit.plugins.modules.aws_utils import ACCOUNT_ID
from ansible_collections.ecommerce.multicloud.tests.unit.plugins.modules.aws_utils import PEER_REGION
from ansible_collections.ecommerce.multicloud.tests.unit.plugins.modules.aws_utils import REGION

PEER_CIDR = "10.20.0.0/16"
SANDBOX_SERVER = Path(__file__).resolve().parents[4] / "sandbox" / "moto_server.py"
SANDBOX_SERVER_NAME = "sandbox_moto_server"
MUTATING_PREFIXES = aws_utils.MUTATING_PREFIXES + ("Replace",)

run_module = functools.partial(aws_utils.run_module, ec2_transit_gateway_route)


def _sandbox_moto_server():
    """sandbox/moto_server.py, loaded by path (under the name the sandbox tests use)."""
    module = sys.modules.get(SANDBOX_SERVER_NAME)
    if module is None:
        loader = importlib.machinery.SourceFileLoader(SANDBOX_SERVER_NAME, str(SANDBOX_SERVER))
        spec = importlib.util.spec_from_loader(SANDBOX_SERVER_NAME, loader)
        module = importlib.util.module_from_spec(spec)
        sys.modules[SANDBOX_SERVER_NAME] = module
        loader.exec_module(module)
    return module


@pytest.fixture(scope="session")
def moto_route_fixes():
    """Make moto's transit gateway routes behave like AWS, with the sandbox's patch.

    The patch replaces moto's methods outright, so applying it again (the sandbox tests, or
    the server's apply_patches() in this process) is harmless.
    """
    _sandbox_moto_server().transit_gateway_routes()


@pytest.fixture
def aws(moto_route_fixes, aws):
    """The shared moto EC2 clients, with moto's transit gateway routes fixed first."""
    return aws


@pytest.fixture
def network(aws):
    """A transit gateway with a VPC attachment, peered with a transit gateway in another region."""
    ec2, peer_ec2 = aws[REGION], aws[PEER_REGION]
    tgw = ec2.create_transit_gateway(Description="local")["TransitGateway"]
    peer_tgw_id = peer_ec2.create_transit_gateway(Description="peer")["TransitGateway"]["TransitGatewayId"]
    vpc_id = ec2.create_vpc(CidrBlock="10.10.0.0/16")["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock="10.10.0.0/24")["Subnet"]["SubnetId"]
    vpc_attachment_id = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw["TransitGatewayId"], VpcId=vpc_id, SubnetIds=[subnet_id]
    )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    peering_attachment_id = ec2.create_transit_gateway_peering_attachment(
        TransitGatewayId=tgw["TransitGatewayId"],
        PeerTransitGatewayId=peer_tgw_id,
        PeerRegion=PEER_REGION,
        PeerAccountId=ACCOUNT_ID,
    )["TransitGatewayPeeringAttachment"]["TransitGatewayAttachmentId"]
    peer_ec2.accept_transit_gateway_peering_attachment(TransitGatewayAttachmentId=peering_attachment_id)
    return dict(
        tgw_id=tgw["TransitGatewayId"],
        route_table_id=tgw["Options"]["AssociationDefaultRouteTableId"],
        peer_tgw_id=peer_tgw_id,
        vpc_id=vpc_id,
        vpc_attachment_id=vpc_attachment_id,
        peering_attachment_id=peering_attachment_id,
    )


@pytest.fixture
def args(network):
    return dict(
        region=REGION,
        transit_gateway_id=network["tgw_id"],
        destination_cidr_block=PEER_CIDR,
        transit_gateway_attachment_id=network["peering_attachment_id"],
    )


def static_routes(client, route_table_id):
    return client.search_transit_gateway_routes(
        TransitGatewayRouteTableId=route_table_id, Filters=[{"Name": "type", "Values": ["static"]}]
    )["Routes"]


def mutating(calls):
    return aws_utils.mutating(calls, MUTATING_PREFIXES)


def inject_propagated_route(route_table_id, cidr, attachment_id):
    """moto never creates propagated routes: add one to the backend."""
    backend = ec2_backends[ACCOUNT_ID][REGION]
    backend.transit_gateways_route_tables[route_table_id].routes[cidr] = {
        "destinationCidrBlock": cidr,
        "prefixListId": None,
        "state": "active",
        "type": "propagated",
        "transitGatewayAttachments": [
            {"resourceId": "vpc-propagated", "resourceType": "vpc", "transitGatewayAttachmentId": attachment_id}
        ],
    }


def test_create_over_peering_via_transit_gateway_id(aws, network, args, api_calls):
    rc, result = run_module(args, diff=True)
    assert rc == 0, result
    assert result["changed"] is True
    assert result["transit_gateway_route_table_id"] == network["route_table_id"]
    route = result["route"]
    assert route == {
        "destination_cidr_block": PEER_CIDR,
        "state": "active",
        "type": "static",
        "transit_gateway_attachments": [
            {
                "resource_id": network["peer_tgw_id"],
                "resource_type": "peering",
                "transit_gateway_attachment_id": network["peering_attachment_id"],
            }
        ],
    }
    assert result["diff"] == {"before": {}, "after": route}
    assert "DescribeTransitGateways" in api_calls
    assert mutating(api_calls) == ["CreateTransitGatewayRoute"]

    described = static_routes(aws[REGION], network["route_table_id"])
    assert [(r["DestinationCidrBlock"], r["State"]) for r in described] == [(PEER_CIDR, "active")]
    assert (
        described[0]["TransitGatewayAttachments"][0]["TransitGatewayAttachmentId"] == network["peering_attachment_id"]
    )


def test_idempotent(aws, network, args, api_calls):
    run_module(args)
    del api_calls[:]
    rc, again = run_module(args, diff=True)
    assert rc == 0, again
    assert again["changed"] is False
    assert mutating(api_calls) == []
    assert again["diff"]["before"] == again["diff"]["after"] == again["route"]
    assert again["route"]["transit_gateway_attachments"][0]["transit_gateway_attachment_id"] == (
        network["peering_attachment_id"]
    )

    # The same route addressed through its route table ID
    by_table = dict(args, transit_gateway_route_table_id=network["route_table_id"])
    del by_table["transit_gateway_id"]
    del api_calls[:]
    rc, again = run_module(by_table)
    assert rc == 0, again
    assert again["changed"] is False
    assert again["transit_gateway_route_table_id"] == network["route_table_id"]
    assert "DescribeTransitGateways" not in api_calls
    assert mutating(api_calls) == []


def test_check_mode_create(aws, network, args, api_calls):
    rc, result = run_module(args, check_mode=True, diff=True)
    assert rc == 0, result
    assert result["changed"] is True
    assert mutating(api_calls) == []
    assert static_routes(aws[REGION], network["route_table_id"]) == []
    predicted = {
        "destination_cidr_block": PEER_CIDR,
        "state": "active",
        "type": "static",
        "transit_gateway_attachments": [{"transit_gateway_attachment_id": network["peering_attachment_id"]}],
    }
    assert result["route"] == predicted
    assert result["diff"] == {"before": {}, "after": predicted}
    assert result["transit_gateway_route_table_id"] == network["route_table_id"]


def test_replace_target(aws, network, args, api_calls):
    rc, created = run_module(args)
    to_vpc = dict(args, transit_gateway_attachment_id=network["vpc_attachment_id"])

    del api_calls[:]
    rc, checked = run_module(to_vpc, check_mode=True, diff=True)
    assert rc == 0, checked
    assert checked["changed"] is True
    assert mutating(api_calls) == []
    assert checked["diff"]["before"] == created["route"]
    assert checked["diff"]["after"]["transit_gateway_attachments"] == [
        {"transit_gateway_attachment_id": network["vpc_attachment_id"]}
    ]
    described = static_routes(aws[REGION], network["route_table_id"])
    assert (
        described[0]["TransitGatewayAttachments"][0]["TransitGatewayAttachmentId"] == network["peering_attachment_id"]
    )

    del api_calls[:]
    rc, replaced = run_module(to_vpc, diff=True)
    assert rc == 0, replaced
    assert replaced["changed"] is True
    assert mutating(api_calls) == ["ReplaceTransitGatewayRoute"]
    assert replaced["diff"]["before"] == created["route"]
    assert replaced["diff"]["after"] == replaced["route"]
    assert replaced["route"]["transit_gateway_attachments"] == [
        {
            "resource_id": network["vpc_id"],
            "resource_type": "vpc",
            "transit_gateway_attachment_id": network["vpc_attachment_id"],
        }
    ]
    described = static_routes(aws[REGION], network["route_table_id"])
    assert len(described) == 1
    assert described[0]["TransitGatewayAttachments"][0]["TransitGatewayAttachmentId"] == network["vpc_attachment_id"]

    rc, again = run_module(to_vpc)
    assert again["changed"] is False


def test_blackhole(aws, network, args, api_calls):
    run_module(args)
    blackhole = dict(args, blackhole=True)
    del blackhole["transit_gateway_attachment_id"]

    del api_calls[:]
    rc, result = run_module(blackhole, diff=True)
    assert rc == 0, result
    assert result["changed"] is True
    assert mutating(api_calls) == ["ReplaceTransitGatewayRoute"]
    assert result["route"] == {
        "destination_cidr_block": PEER_CIDR,
        "state": "blackhole",
        "type": "static",
        "transit_gateway_attachments": [],
    }
    assert result["diff"]["before"]["state"] == "active"
    assert result["diff"]["after"] == result["route"]
    described = static_routes(aws[REGION], network["route_table_id"])
    assert [(r["DestinationCidrBlock"], r["State"]) for r in described] == [(PEER_CIDR, "blackhole")]

    del api_calls[:]
    rc, again = run_module(blackhole)
    assert again["changed"] is False
    assert mutating(api_calls) == []

    # and back to an attachment
    rc, restored = run_module(args)
    assert restored["changed"] is True
    assert restored["route"]["state"] == "active"


def test_create_blackhole(aws, network, args, api_calls):
    blackhole = dict(args, destination_cidr_block="10.99.0.0/16", blackhole=True)
    del blackhole["transit_gateway_attachment_id"]
    rc, result = run_module(blackhole)
    assert rc == 0, result
    assert result["changed"] is True
    assert mutating(api_calls) == ["CreateTransitGatewayRoute"]
    assert result["route"]["state"] == "blackhole"
    rc, again = run_module(blackhole)
    assert again["changed"] is False


def test_absent(aws, network, args, api_calls):
    rc, created = run_module(args)
    absent = dict(args, state="absent")
    del absent["transit_gateway_attachment_id"]

    del api_calls[:]
    rc, checked = run_module(absent, check_mode=True, diff=True)
    assert rc == 0, checked
    assert checked["changed"] is True
    assert mutating(api_calls) == []
    assert checked["diff"] == {"before": created["route"], "after": {}}
    assert len(static_routes(aws[REGION], network["route_table_id"])) == 1

    del api_calls[:]
    rc, removed = run_module(absent, diff=True)
    assert rc == 0, removed
    assert removed["changed"] is True
    assert mutating(api_calls) == ["DeleteTransitGatewayRoute"]
    assert removed["route"] == {}
    assert removed["transit_gateway_route_table_id"] == network["route_table_id"]
    assert removed["diff"] == {"before": created["route"], "after": {}}
    assert static_routes(aws[REGION], network["route_table_id"]) == []

    del api_calls[:]
    rc, again = run_module(absent, diff=True)
    assert rc == 0, again
    assert again["changed"] is False
    assert mutating(api_calls) == []
    assert again["route"] == {}
    assert again["diff"] == {"before": {}, "after": {}}


def test_absent_ignores_target(aws, network, args):
    """With state=absent the static route is removed whatever it points at."""
    run_module(args)
    rc, removed = run_module(dict(args, state="absent", transit_gateway_attachment_id=network["vpc_attachment_id"]))
    assert rc == 0, removed
    assert removed["changed"] is True
    assert static_routes(aws[REGION], network["route_table_id"]) == []


def test_propagated_route_is_not_touched(aws, network, args, api_calls):
    inject_propagated_route(network["route_table_id"], PEER_CIDR, network["vpc_attachment_id"])

    del api_calls[:]
    rc, removed = run_module(dict(args, state="absent"), diff=True)
    assert rc == 0, removed
    assert removed["changed"] is False
    assert mutating(api_calls) == []
    assert removed["diff"] == {"before": {}, "after": {}}

    rc, checked = run_module(args, check_mode=True, diff=True)
    assert rc == 0, checked
    assert checked["changed"] is True
    assert checked["diff"]["before"] == {}

    routes = aws[REGION].search_transit_gateway_routes(
        TransitGatewayRouteTableId=network["route_table_id"],
        Filters=[{"Name": "route-search.exact-match", "Values": [PEER_CIDR]}],
    )["Routes"]
    assert [(r["Type"], r["State"]) for r in routes] == [("propagated", "active")]


def test_search_results_are_filtered_again(aws, network, args, api_calls, monkeypatch):
    """Only the static route for exactly the CIDR counts, even if the API returns more."""
    table = network["route_table_id"]
    aws[REGION].create_transit_gateway_route(
        TransitGatewayRouteTableId=table,
        DestinationCidrBlock="10.20.0.0/24",
        TransitGatewayAttachmentId=network["vpc_attachment_id"],
    )
    inject_propagated_route(table, "10.20.0.0/16", network["vpc_attachment_id"])

    def unfiltered(self, transit_gateway_route_table_id, filters, max_results=None):
        return list(self.transit_gateways_route_tables[transit_gateway_route_table_id].routes.values())

    monkeypatch.setattr(TransitGatewayRouteTableBackend, "search_transit_gateway_routes", unfiltered)

    del api_calls[:]
    rc, removed = run_module(dict(args, state="absent"))
    assert rc == 0, removed
    assert removed["changed"] is False
    assert mutating(api_calls) == []

    rc, checked = run_module(args, check_mode=True, diff=True)
    assert checked["changed"] is True
    assert checked["diff"]["before"] == {}


def test_explicit_route_table(aws, network, args):
    """A route in another route table of the same transit gateway is independent."""
    table_id = aws[REGION].create_transit_gateway_route_table(TransitGatewayId=network["tgw_id"])[
        "TransitGatewayRouteTable"
    ]["TransitGatewayRouteTableId"]
    by_table = dict(args, transit_gateway_route_table_id=table_id)
    del by_table["transit_gateway_id"]

    rc, created = run_module(by_table)
    assert rc == 0, created
    assert created["changed"] is True
    assert created["transit_gateway_route_table_id"] == table_id
    assert len(static_routes(aws[REGION], table_id)) == 1
    assert static_routes(aws[REGION], network["route_table_id"]) == []

    rc, default_table = run_module(args)
    assert default_table["changed"] is True
    assert default_table["transit_gateway_route_table_id"] == network["route_table_id"]


def test_ipv6_cidr_is_normalized(aws, network, args):
    rc, created = run_module(dict(args, destination_cidr_block="FD00:0:0::/48"))
    assert rc == 0, created
    assert created["changed"] is True
    assert created["route"]["destination_cidr_block"] == "fd00::/48"
    rc, again = run_module(dict(args, destination_cidr_block="fd00::/48"))
    assert again["changed"] is False
    rc, removed = run_module(dict(args, destination_cidr_block="fd00:0::/48", state="absent"))
    assert removed["changed"] is True
    assert static_routes(aws[REGION], network["route_table_id"]) == []


@pytest.mark.parametrize(
    "cidr",
    ["10.20.0.0", "10.20.0.1/16", "300.20.0.0/16", "10.20.0.0/33", "fd00::/129", "fd00::1/48", "not-a-cidr", ""],
)
def test_invalid_cidr_fails_before_any_api_call(aws, args, api_calls, cidr):
    del api_calls[:]
    rc, result = run_module(dict(args, destination_cidr_block=cidr))
    assert rc == 1
    assert result["failed"] is True
    assert "destination_cidr_block" in result["msg"]
    assert api_calls == []


@pytest.mark.parametrize("route_table", [True, False], ids=["both", "none"])
def test_route_table_and_transit_gateway_options(aws, network, args, api_calls, route_table):
    broken = dict(args)
    if route_table:
        broken["transit_gateway_route_table_id"] = network["route_table_id"]
    else:
        del broken["transit_gateway_id"]
    del api_calls[:]
    rc, result = run_module(broken)
    assert rc == 1
    assert "transit_gateway_route_table_id" in result["msg"]
    assert "transit_gateway_id" in result["msg"]
    assert api_calls == []


@pytest.mark.parametrize("state", ["present", "absent"])
def test_attachment_and_blackhole_are_exclusive(aws, args, api_calls, state):
    del api_calls[:]
    rc, result = run_module(dict(args, blackhole=True, state=state))
    assert rc == 1
    assert "transit_gateway_attachment_id" in result["msg"] and "blackhole" in result["msg"]
    assert api_calls == []


def test_present_needs_a_target(aws, args, api_calls):
    broken = dict(args)
    del broken["transit_gateway_attachment_id"]
    del api_calls[:]
    rc, result = run_module(broken)
    assert rc == 1
    assert "transit_gateway_attachment_id" in result["msg"] and "blackhole" in result["msg"]
    assert api_calls == []

    rc, explicit_false = run_module(dict(broken, blackhole=False))
    assert rc == 1
    assert api_calls == []


def test_unknown_transit_gateway(aws, args, api_calls):
    del api_calls[:]
    rc, result = run_module(dict(args, transit_gateway_id="tgw-0123456789abcdef0"))
    assert rc == 1
    assert "tgw-0123456789abcdef0" in result["msg"]
    assert "not found" in result["msg"]
    assert mutating(api_calls) == []


def test_transit_gateway_without_default_route_table(aws, network, args, api_calls):
    # moto always creates a default route table: remove it from the options as AWS does when
    # DefaultRouteTableAssociation is disabled.
    ec2_backends[ACCOUNT_ID][REGION].transit_gateways[network["tgw_id"]].options.pop("AssociationDefaultRouteTableId")
    del api_calls[:]
    rc, result = run_module(args)
    assert rc == 1
    assert "transit_gateway_route_table_id" in result["msg"]
    assert mutating(api_calls) == []
