# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for ec2_transit_gateway_peering_info, run in-process against moto."""

import functools

import pytest

from ansible_collections.ecommerce.multicloud.plugins.modules import ec2_transit_gateway_peering_info
from ansible_collections.ecommerce.multicloud.tests.unit.plugins.modules import aws_utils
from ansible_collections.ecommerce.multicloud.tests.unit.plugins.modules.aws_utils import ACCOUNT_ID
from ansible_collections.ecommerce.multicloud.tests.unit.plugins.modules.aws_utils import MUTATING_PREFIXES
from ansible_collections.ecommerce.multicloud.tests.unit.plugins.modules.aws_utils import PEER_REGION
from ansible_collections.ecommerce.multicloud.tests.unit.plugins.modules.aws_utils import REGION

run_module = functools.partial(aws_utils.run_module, ec2_transit_gateway_peering_info)


@pytest.fixture
def api_calls(monkeypatch):
    """Record (operation name, parameters) of every AWS API call."""
    return aws_utils.record_api_calls(monkeypatch, with_params=True)


def create_tgw(client, description):
    return client.create_transit_gateway(Description=description)["TransitGateway"]["TransitGatewayId"]


def create_peering(client, tgw_id, peer_tgw_id, tags):
    return client.create_transit_gateway_peering_attachment(
        TransitGatewayId=tgw_id,
        PeerTransitGatewayId=peer_tgw_id,
        PeerAccountId=ACCOUNT_ID,
        PeerRegion=PEER_REGION,
        TagSpecifications=[
            {
                "ResourceType": "transit-gateway-attachment",
                "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
            }
        ],
    )["TransitGatewayPeeringAttachment"]["TransitGatewayAttachmentId"]


@pytest.fixture
def peerings(aws):
    """Two peerings from two us-east-1 transit gateways to one us-west-2 transit gateway.

    ``accepted`` is accepted (available), ``pending`` waits for acceptance.
    """
    tgw_a = create_tgw(aws[REGION], "a")
    tgw_b = create_tgw(aws[REGION], "b")
    tgw_peer = create_tgw(aws[PEER_REGION], "peer")
    accepted = create_peering(aws[REGION], tgw_a, tgw_peer, {"Name": "a-peer", "Environment": "test"})
    pending = create_peering(aws[REGION], tgw_b, tgw_peer, {"Name": "b-peer"})
    aws[PEER_REGION].accept_transit_gateway_peering_attachment(TransitGatewayAttachmentId=accepted)
    return dict(tgw_a=tgw_a, tgw_b=tgw_b, tgw_peer=tgw_peer, accepted=accepted, pending=pending)


def ids(result):
    return sorted(a["transit_gateway_attachment_id"] for a in result["transit_gateway_peering_attachments"])


def test_all_attachments(aws, peerings):
    rc, result = run_module({})
    assert rc == 0, result
    assert result["changed"] is False
    assert ids(result) == sorted([peerings["accepted"], peerings["pending"]])

    by_id = {a["transit_gateway_attachment_id"]: a for a in result["transit_gateway_peering_attachments"]}
    accepted = by_id[peerings["accepted"]]
    assert accepted["state"] == "available"
    assert accepted["tags"] == {"Name": "a-peer", "Environment": "test"}
    assert accepted["requester_tgw_info"] == {
        "owner_id": ACCOUNT_ID,
        "region": REGION,
        "transit_gateway_id": peerings["tgw_a"],
    }
    assert accepted["accepter_tgw_info"] == {
        "owner_id": ACCOUNT_ID,
        "region": PEER_REGION,
        "transit_gateway_id": peerings["tgw_peer"],
    }
    assert "code" in accepted["status"]
    assert "creation_time" in accepted

    pending = by_id[peerings["pending"]]
    assert pending["state"] == "pendingAcceptance"
    assert pending["tags"] == {"Name": "b-peer"}
    assert pending["requester_tgw_info"]["transit_gateway_id"] == peerings["tgw_b"]


def test_accepter_region_sees_attachments(aws, peerings):
    rc, result = run_module({"region": PEER_REGION})
    assert rc == 0, result
    assert ids(result) == sorted([peerings["accepted"], peerings["pending"]])


def test_attachment_ids(aws, peerings):
    rc, result = run_module({"transit_gateway_attachment_ids": [peerings["pending"]]})
    assert rc == 0, result
    assert ids(result) == [peerings["pending"]]
    assert result["transit_gateway_peering_attachments"][0]["tags"] == {"Name": "b-peer"}


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"state": "available"}, ["accepted"]),
        ({"state": "pendingAcceptance"}, ["pending"]),
        ({"state": ["available", "pendingAcceptance"]}, ["accepted", "pending"]),
        ({"tag:Name": "b-peer"}, ["pending"]),
        ({"transit-gateway-attachment-id": "accepted"}, ["accepted"]),
        ({"tag:Name": "a-peer", "state": "available"}, ["accepted"]),
        ({"tag:Name": "a-peer", "state": "pendingAcceptance"}, []),
    ],
    ids=["available", "pending", "state-list", "tag", "attachment-id", "combined", "combined-no-match"],
)
def test_filters(aws, peerings, filters, expected):
    # Fixture keys stand in for the generated IDs
    resolved = {
        name: peerings.get(value, value) if isinstance(value, str) else value for name, value in filters.items()
    }
    rc, result = run_module({"filters": resolved})
    assert rc == 0, result
    assert ids(result) == sorted(peerings[key] for key in expected)


def test_transit_gateway_id_filter_is_sent(aws, peerings, api_calls):
    # moto 5.2.5 does not implement the transit-gateway-id filter (it is ignored and every
    # attachment is returned), so only check that it reaches the API in the boto3 format.
    rc, result = run_module({"filters": {"transit-gateway-id": peerings["tgw_a"], "state": "available"}})
    assert rc == 0, result
    ((operation, params),) = api_calls
    assert operation == "DescribeTransitGatewayPeeringAttachments"
    assert sorted(params["Filters"], key=lambda f: f["Name"]) == [
        {"Name": "state", "Values": ["available"]},
        {"Name": "transit-gateway-id", "Values": [peerings["tgw_a"]]},
    ]
    assert ids(result) == [peerings["accepted"]]


def test_attachment_ids_and_filters(aws, peerings):
    args = {
        "transit_gateway_attachment_ids": [peerings["accepted"], peerings["pending"]],
        "filters": {"state": "pendingAcceptance"},
    }
    rc, result = run_module(args)
    assert rc == 0, result
    assert ids(result) == [peerings["pending"]]


def test_no_attachments(aws, api_calls):
    rc, result = run_module({})
    assert rc == 0, result
    assert result["changed"] is False
    assert result["transit_gateway_peering_attachments"] == []
    # No filters or IDs sent when none are given
    assert api_calls == [("DescribeTransitGatewayPeeringAttachments", {})]


@pytest.mark.parametrize(
    "args",
    [
        {"filters": {"tag:Name": "no-such-peering"}},
        {"filters": {"state": "deleted"}},
        {"transit_gateway_attachment_ids": ["tgw-attach-00000000000000000"]},
    ],
    ids=["tag", "state", "unknown-id"],
)
def test_nothing_matches(aws, peerings, args):
    rc, result = run_module(args)
    assert rc == 0, result
    assert result["changed"] is False
    assert result["transit_gateway_peering_attachments"] == []


def test_check_mode(aws, peerings, api_calls):
    rc, result = run_module({"filters": {"state": "available"}}, check_mode=True)
    assert rc == 0, result
    assert result["changed"] is False
    assert ids(result) == [peerings["accepted"]]
    assert [op for op, _ in api_calls if op.startswith(MUTATING_PREFIXES)] == []


def test_invalid_option(aws, api_calls):
    rc, result = run_module({"transit_gateway_attachment_id": "tgw-attach-00000000000000000"})
    assert rc == 1
    assert result["failed"] is True
    assert "transit_gateway_attachment_id" in result["msg"]
    assert api_calls == []
