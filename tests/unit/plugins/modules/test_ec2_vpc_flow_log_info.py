# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for ec2_vpc_flow_log_info, run in-process against moto."""

import functools

import boto3
import pytest

from ansible_collections.ecommerce.multicloud.plugins.modules import ec2_vpc_flow_log_info
from ansible_collections.ecommerce.multicloud.tests.unit.plugins.modules import aws_utils
from ansible_collections.ecommerce.multicloud.tests.unit.plugins.modules.aws_utils import MUTATING_PREFIXES
from ansible_collections.ecommerce.multicloud.tests.unit.plugins.modules.aws_utils import REGION

ROLE_ARN = "arn:aws:iam::123456789012:role/vpc-flow-logs"

run_module = functools.partial(aws_utils.run_module, ec2_vpc_flow_log_info)


@pytest.fixture
def aws(moto_env):
    """The moto EC2 client of REGION."""
    return boto3.client("ec2", region_name=REGION)


@pytest.fixture
def api_calls(monkeypatch):
    """Record (operation name, parameters) of every AWS API call."""
    return aws_utils.record_api_calls(monkeypatch, with_params=True)


def create_flow_log(client, vpc_id, traffic_type, log_group_name, tags=None):
    params = dict(
        ResourceIds=[vpc_id],
        ResourceType="VPC",
        TrafficType=traffic_type,
        LogDestinationType="cloud-watch-logs",
        LogGroupName=log_group_name,
        DeliverLogsPermissionArn=ROLE_ARN,
    )
    if tags:
        params["TagSpecifications"] = [
            {"ResourceType": "vpc-flow-log", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}
        ]
    response = client.create_flow_logs(**params)
    assert not response.get("Unsuccessful"), response
    (flow_log_id,) = response["FlowLogIds"]
    return flow_log_id


@pytest.fixture
def flow_logs(aws):
    """Three flow logs on two VPCs: two on vpc1 (ALL and REJECT), one on vpc2 (ACCEPT, untagged)."""
    vpc1 = aws.create_vpc(CidrBlock="10.10.0.0/16")["Vpc"]["VpcId"]
    vpc2 = aws.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]
    return dict(
        vpc1=vpc1,
        vpc2=vpc2,
        all_vpc1=create_flow_log(aws, vpc1, "ALL", "/vpc/flow-logs/a", {"Name": "vpc1-all", "Environment": "test"}),
        reject_vpc1=create_flow_log(aws, vpc1, "REJECT", "/vpc/flow-logs/b", {"Name": "vpc1-reject"}),
        accept_vpc2=create_flow_log(aws, vpc2, "ACCEPT", "/vpc/flow-logs/a"),
    )


def ids(result):
    return sorted(fl["flow_log_id"] for fl in result["flow_logs"])


def test_all_flow_logs(aws, flow_logs):
    rc, result = run_module({})
    assert rc == 0, result
    assert result["changed"] is False
    assert ids(result) == sorted([flow_logs["all_vpc1"], flow_logs["reject_vpc1"], flow_logs["accept_vpc2"]])

    by_id = {fl["flow_log_id"]: fl for fl in result["flow_logs"]}
    first = by_id[flow_logs["all_vpc1"]]
    assert first["resource_id"] == flow_logs["vpc1"]
    assert first["traffic_type"] == "ALL"
    assert first["log_group_name"] == "/vpc/flow-logs/a"
    assert first["log_destination_type"] == "cloud-watch-logs"
    assert first["deliver_logs_permission_arn"] == ROLE_ARN
    assert first["tags"] == {"Name": "vpc1-all", "Environment": "test"}
    assert by_id[flow_logs["reject_vpc1"]]["tags"] == {"Name": "vpc1-reject"}
    assert by_id[flow_logs["accept_vpc2"]]["tags"] == {}
    # snake_case keys only, at every level returned
    for flow_log in result["flow_logs"]:
        assert all(key == key.lower() for key in flow_log), flow_log


def test_flow_log_ids(aws, flow_logs):
    rc, result = run_module({"flow_log_ids": [flow_logs["reject_vpc1"]]})
    assert rc == 0, result
    assert ids(result) == [flow_logs["reject_vpc1"]]
    assert result["flow_logs"][0]["traffic_type"] == "REJECT"
    assert result["flow_logs"][0]["tags"] == {"Name": "vpc1-reject"}

    rc, result = run_module({"flow_log_ids": [flow_logs["reject_vpc1"], flow_logs["accept_vpc2"]]})
    assert ids(result) == sorted([flow_logs["reject_vpc1"], flow_logs["accept_vpc2"]])


@pytest.mark.parametrize(
    "filters, expected",
    [
        ({"resource-id": "vpc1"}, ["all_vpc1", "reject_vpc1"]),
        ({"resource-id": ["vpc1", "vpc2"]}, ["all_vpc1", "reject_vpc1", "accept_vpc2"]),
        ({"traffic-type": "REJECT"}, ["reject_vpc1"]),
        ({"log-group-name": "/vpc/flow-logs/a"}, ["all_vpc1", "accept_vpc2"]),
        ({"tag:Name": "vpc1-all"}, ["all_vpc1"]),
        ({"resource-id": "vpc1", "log-group-name": "/vpc/flow-logs/a"}, ["all_vpc1"]),
        ({"flow-log-id": "accept_vpc2"}, ["accept_vpc2"]),
    ],
    ids=["resource-id", "resource-id-list", "traffic-type", "log-group-name", "tag", "combined", "flow-log-id"],
)
def test_filters(aws, flow_logs, api_calls, filters, expected):
    # Fixture keys stand in for the generated IDs
    resolved = {}
    for name, value in filters.items():
        if isinstance(value, list):
            resolved[name] = [flow_logs.get(v, v) for v in value]
        else:
            resolved[name] = flow_logs.get(value, value)

    rc, result = run_module({"filters": resolved})
    assert rc == 0, result
    assert ids(result) == sorted(flow_logs[key] for key in expected)

    # DescribeFlowLogs takes its filters as "Filter"
    ((operation, params),) = api_calls
    assert operation == "DescribeFlowLogs"
    assert "Filters" not in params
    assert {f["Name"] for f in params["Filter"]} == set(resolved)
    assert all(isinstance(f["Values"], list) for f in params["Filter"])


def test_flow_log_ids_and_filters(aws, flow_logs):
    args = {
        "flow_log_ids": [flow_logs["all_vpc1"], flow_logs["accept_vpc2"]],
        "filters": {"resource-id": flow_logs["vpc2"]},
    }
    rc, result = run_module(args)
    assert rc == 0, result
    assert ids(result) == [flow_logs["accept_vpc2"]]


def test_no_flow_logs(aws, api_calls):
    rc, result = run_module({})
    assert rc == 0, result
    assert result["changed"] is False
    assert result["flow_logs"] == []
    # No filters or IDs sent when none are given
    assert api_calls == [("DescribeFlowLogs", {})]


@pytest.mark.parametrize(
    "args",
    [
        {"filters": {"resource-id": "vpc-00000000000000000"}},
        {"filters": {"tag:Name": "no-such-flow-log"}},
        {"flow_log_ids": ["fl-00000000000000000"]},
    ],
    ids=["resource-id", "tag", "unknown-id"],
)
def test_nothing_matches(aws, flow_logs, args):
    rc, result = run_module(args)
    assert rc == 0, result
    assert result["changed"] is False
    assert result["flow_logs"] == []


def test_check_mode(aws, flow_logs, api_calls):
    rc, result = run_module({"filters": {"resource-id": flow_logs["vpc2"]}}, check_mode=True)
    assert rc == 0, result
    assert result["changed"] is False
    assert ids(result) == [flow_logs["accept_vpc2"]]
    assert [op for op, _ in api_calls if op.startswith(MUTATING_PREFIXES)] == []


def test_invalid_option(aws, api_calls):
    rc, result = run_module({"flow_log_id": "fl-00000000000000000"})
    assert rc == 1
    assert result["failed"] is True
    assert "flow_log_id" in result["msg"]
    assert api_calls == []
