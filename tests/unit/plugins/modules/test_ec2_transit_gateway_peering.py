# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for ec2_transit_gateway_peering, run in-process against moto."""

import functools

import pytest

from ansible_collections.ecommerce.multicloud.plugins.modules import ec2_transit_gateway_peering
from ansible_collections.ecommerce.multicloud.tests.unit.plugins.modules import aws_utils
from ansible_collections.ecommerce.multicloud.tests.unit.plugins.modules.aws_utils import ACCOUNT_ID
from ansible_collections.ecommerce.multicloud.tests.unit.plugins.modules.aws_utils import PEER_REGION
from ansible_collections.ecommerce.multicloud.tests.unit.plugins.modules.aws_utils import REGION
from ansible_collections.ecommerce.multicloud.tests.unit.plugins.modules.aws_utils import mutating

run_module = functools.partial(aws_utils.run_module, ec2_transit_gateway_peering)


@pytest.fixture
def tgws(aws):
    local = aws[REGION].create_transit_gateway(Description="local")["TransitGateway"]["TransitGatewayId"]
    peer = aws[PEER_REGION].create_transit_gateway(Description="peer")["TransitGateway"]["TransitGatewayId"]
    return local, peer


@pytest.fixture
def args(tgws):
    local, peer = tgws
    return dict(
        region=REGION,
        transit_gateway_id=local,
        peer_transit_gateway_id=peer,
        peer_region=PEER_REGION,
        tags={"Name": "use1-usw2"},
    )


@pytest.fixture
def reverse_args(tgws):
    local, peer = tgws
    return dict(
        region=PEER_REGION,
        transit_gateway_id=peer,
        peer_transit_gateway_id=local,
        peer_region=REGION,
        tags={"Name": "use1-usw2"},
    )


def peering_attachments(client):
    return client.describe_transit_gateway_peering_attachments()["TransitGatewayPeeringAttachments"]


def test_create_accept_idempotent_delete(aws, tgws, args, reverse_args):
    local, peer = tgws
    rc, created = run_module(args, diff=True)
    assert rc == 0, created
    assert created["changed"] is True
    attachment = created["transit_gateway_peering_attachment"]
    attachment_id = attachment["transit_gateway_attachment_id"]
    assert attachment_id.startswith("tgw-attach-")
    assert attachment["state"] == "available"
    assert attachment["requester_tgw_info"] == {"owner_id": ACCOUNT_ID, "region": REGION, "transit_gateway_id": local}
    assert attachment["accepter_tgw_info"] == {
        "owner_id": ACCOUNT_ID,
        "region": PEER_REGION,
        "transit_gateway_id": peer,
    }
    assert attachment["tags"] == {"Name": "use1-usw2"}
    assert created["diff"] == {"before": {}, "after": attachment}

    for region in (REGION, PEER_REGION):
        described = peering_attachments(aws[region])
        assert [(a["TransitGatewayAttachmentId"], a["State"]) for a in described] == [(attachment_id, "available")]

    rc, again = run_module(args)
    assert rc == 0
    assert again["changed"] is False
    assert again["transit_gateway_peering_attachment"]["transit_gateway_attachment_id"] == attachment_id

    rc, reverse = run_module(reverse_args, diff=True)
    assert rc == 0, reverse
    assert reverse["changed"] is False
    assert reverse["transit_gateway_peering_attachment"]["transit_gateway_attachment_id"] == attachment_id
    assert reverse["diff"]["before"] == reverse["diff"]["after"]

    rc, removed = run_module(dict(args, state="absent"), diff=True)
    assert rc == 0, removed
    assert removed["changed"] is True
    assert removed["transit_gateway_peering_attachment"]["transit_gateway_attachment_id"] == attachment_id
    assert removed["transit_gateway_peering_attachment"]["state"] == "deleted"
    assert removed["diff"]["before"]["transit_gateway_attachment_id"] == attachment_id
    assert removed["diff"]["after"] == {}
    assert [a["State"] for a in peering_attachments(aws[REGION])] == ["deleted"]

    rc, removed_again = run_module(dict(args, state="absent"))
    assert rc == 0
    assert removed_again["changed"] is False
    assert removed_again["transit_gateway_peering_attachment"] == {}

    rc, removed_reverse = run_module(dict(reverse_args, state="absent"))
    assert removed_reverse["changed"] is False


def test_delete_from_the_accepter_side(aws, args, reverse_args):
    run_module(args)
    rc, removed = run_module(dict(reverse_args, state="absent"))
    assert rc == 0, removed
    assert removed["changed"] is True
    assert [a["State"] for a in peering_attachments(aws[REGION])] == ["deleted"]


def test_check_mode_create(aws, tgws, args, api_calls):
    local, peer = tgws
    del api_calls[:]
    rc, result = run_module(args, check_mode=True, diff=True)
    assert rc == 0, result
    assert result["changed"] is True
    assert mutating(api_calls) == []
    assert peering_attachments(aws[REGION]) == []
    assert peering_attachments(aws[PEER_REGION]) == []
    predicted = result["transit_gateway_peering_attachment"]
    assert predicted["state"] == "available"
    assert predicted["requester_tgw_info"]["transit_gateway_id"] == local
    assert predicted["accepter_tgw_info"] == {"owner_id": ACCOUNT_ID, "region": PEER_REGION, "transit_gateway_id": peer}
    assert predicted["tags"] == {"Name": "use1-usw2"}
    assert result["diff"] == {"before": {}, "after": predicted}


def test_check_mode_absent(aws, args, api_calls):
    run_module(args)
    del api_calls[:]
    rc, result = run_module(dict(args, state="absent"), check_mode=True, diff=True)
    assert rc == 0
    assert result["changed"] is True
    assert mutating(api_calls) == []
    assert result["diff"]["after"] == {}
    assert result["diff"]["before"]["state"] == "available"
    assert [a["State"] for a in peering_attachments(aws[REGION])] == ["available"]


def test_tag_update(aws, args, api_calls):
    rc, created = run_module(args)
    attachment_id = created["transit_gateway_peering_attachment"]["transit_gateway_attachment_id"]
    new_tags = {"Name": "use1-usw2", "Environment": "prod"}

    del api_calls[:]
    rc, checked = run_module(dict(args, tags=new_tags), check_mode=True, diff=True)
    assert rc == 0
    assert checked["changed"] is True
    assert checked["diff"]["before"]["tags"] == {"Name": "use1-usw2"}
    assert checked["diff"]["after"]["tags"] == new_tags
    assert mutating(api_calls) == []

    rc, updated = run_module(dict(args, tags=new_tags), diff=True)
    assert rc == 0
    assert updated["changed"] is True
    assert updated["transit_gateway_peering_attachment"]["transit_gateway_attachment_id"] == attachment_id
    assert updated["transit_gateway_peering_attachment"]["tags"] == new_tags
    described = aws[REGION].describe_transit_gateway_peering_attachments(TransitGatewayAttachmentIds=[attachment_id])
    tags = {t["Key"]: t["Value"] for t in described["TransitGatewayPeeringAttachments"][0]["Tags"]}
    assert tags == new_tags

    rc, again = run_module(dict(args, tags=new_tags))
    assert again["changed"] is False

    rc, purged = run_module(dict(args, tags={"Environment": "prod"}))
    assert purged["changed"] is True
    assert purged["transit_gateway_peering_attachment"]["tags"] == {"Environment": "prod"}

    rc, untouched = run_module(dict(args, tags=None))
    assert untouched["changed"] is False
    assert untouched["transit_gateway_peering_attachment"]["tags"] == {"Environment": "prod"}


def test_accept_later(aws, args, api_calls):
    rc, pending = run_module(dict(args, accept=False))
    assert rc == 0, pending
    assert pending["changed"] is True
    assert pending["transit_gateway_peering_attachment"]["state"] == "pendingAcceptance"
    assert "AcceptTransitGatewayPeeringAttachment" not in api_calls

    rc, still_pending = run_module(dict(args, accept=False))
    assert still_pending["changed"] is False

    del api_calls[:]
    rc, checked = run_module(args, check_mode=True)
    assert checked["changed"] is True
    assert checked["transit_gateway_peering_attachment"]["state"] == "available"
    assert mutating(api_calls) == []

    rc, accepted = run_module(args, diff=True)
    assert rc == 0, accepted
    assert accepted["changed"] is True
    assert accepted["diff"]["before"]["state"] == "pendingAcceptance"
    assert accepted["diff"]["after"]["state"] == "available"
    assert [a["State"] for a in peering_attachments(aws[PEER_REGION])] == ["available"]


def test_accept_from_the_accepter_side(aws, args, reverse_args):
    run_module(dict(args, accept=False))
    rc, accepted = run_module(reverse_args)
    assert rc == 0, accepted
    assert accepted["changed"] is True
    assert accepted["transit_gateway_peering_attachment"]["state"] == "available"


def test_other_account_is_not_accepted(aws, args, api_calls):
    rc, result = run_module(dict(args, peer_account_id="210987654321"))
    assert rc == 0, result
    assert result["changed"] is True
    attachment = result["transit_gateway_peering_attachment"]
    assert attachment["state"] == "pendingAcceptance"
    assert attachment["accepter_tgw_info"]["owner_id"] == "210987654321"
    assert "AcceptTransitGatewayPeeringAttachment" not in api_calls


def test_recreate_after_delete(aws, args):
    rc, first = run_module(args)
    first_id = first["transit_gateway_peering_attachment"]["transit_gateway_attachment_id"]
    run_module(dict(args, state="absent"))
    rc, second = run_module(args)
    assert second["changed"] is True
    assert second["transit_gateway_peering_attachment"]["transit_gateway_attachment_id"] != first_id
    assert second["transit_gateway_peering_attachment"]["state"] == "available"


def test_no_wait(aws, args):
    rc, created = run_module(dict(args, wait=False))
    assert rc == 0
    assert created["changed"] is True
    rc, removed = run_module(dict(args, state="absent", wait=False))
    assert rc == 0
    assert removed["changed"] is True


@pytest.mark.parametrize(
    "drop, expected",
    [("peer_region", "peer_region"), ("transit_gateway_id", "transit_gateway_id")],
)
def test_required_options(aws, args, api_calls, drop, expected):
    broken = dict(args)
    broken.pop(drop)
    rc, result = run_module(broken)
    assert rc == 1
    assert expected in result["msg"]
    assert api_calls == []


def test_same_transit_gateway_rejected(aws, args, api_calls):
    rc, result = run_module(dict(args, peer_transit_gateway_id=args["transit_gateway_id"]))
    assert rc == 1
    assert "peer_transit_gateway_id" in result["msg"]
    assert api_calls == []
