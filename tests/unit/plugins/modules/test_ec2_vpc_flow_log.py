# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Unit tests for ec2_vpc_flow_log, run in-process against moto."""

import functools

import boto3
import pytest

from ansible_collections.ecommerce.multicloud.plugins.modules import ec2_vpc_flow_log
from ansible_collections.ecommerce.multicloud.tests.unit.plugins.modules import aws_utils
from ansible_collections.ecommerce.multicloud.tests.unit.plugins.modules.aws_utils import REGION
from ansible_collections.ecommerce.multicloud.tests.unit.plugins.modules.aws_utils import mutating

ROLE_ARN = "arn:aws:iam::123456789012:role/vpc-flow-logs"

run_module = functools.partial(aws_utils.run_module, ec2_vpc_flow_log)


@pytest.fixture
def aws(moto_env):
    """The moto EC2 client of REGION."""
    return boto3.client("ec2", region_name=REGION)


@pytest.fixture
def vpc_id(aws):
    return aws.create_vpc(CidrBlock="10.20.0.0/16")["Vpc"]["VpcId"]


@pytest.fixture
def base_args(vpc_id):
    return dict(
        resource_id=vpc_id,
        log_group_name="/vpc/flow-logs/test",
        deliver_logs_permission_arn=ROLE_ARN,
        tags={"Environment": "test"},
    )


def flow_logs(client, vpc_id):
    return client.describe_flow_logs(Filters=[{"Name": "resource-id", "Values": [vpc_id]}])["FlowLogs"]


def test_create_idempotent_absent(aws, vpc_id, base_args):
    rc, result = run_module(base_args)
    assert rc == 0, result
    assert result["changed"] is True
    flow_log = result["flow_log"]
    assert flow_log["flow_log_id"].startswith("fl-")
    assert flow_log["resource_id"] == vpc_id
    assert flow_log["traffic_type"] == "ALL"
    assert flow_log["log_destination_type"] == "cloud-watch-logs"
    assert flow_log["log_group_name"] == "/vpc/flow-logs/test"
    assert flow_log["max_aggregation_interval"] == 600
    assert flow_log["tags"] == {"Environment": "test"}
    existing = flow_logs(aws, vpc_id)
    assert [fl["FlowLogId"] for fl in existing] == [flow_log["flow_log_id"]]

    rc, again = run_module(base_args)
    assert rc == 0
    assert again["changed"] is False
    assert again["flow_log"]["flow_log_id"] == flow_log["flow_log_id"]

    absent_args = dict(base_args, state="absent")
    rc, removed = run_module(absent_args)
    assert rc == 0
    assert removed["changed"] is True
    assert removed["flow_log"] == {}
    assert flow_logs(aws, vpc_id) == []

    rc, removed_again = run_module(absent_args)
    assert rc == 0
    assert removed_again["changed"] is False


def test_check_mode_create_makes_no_changes(aws, vpc_id, base_args, api_calls):
    rc, result = run_module(base_args, check_mode=True, diff=True)
    assert rc == 0, result
    assert result["changed"] is True
    assert mutating(api_calls) == []
    assert flow_logs(aws, vpc_id) == []
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"]["resource_id"] == vpc_id
    assert result["diff"]["after"]["log_group_name"] == "/vpc/flow-logs/test"
    assert result["diff"]["after"]["tags"] == {"Environment": "test"}


def test_diff_on_create_and_unchanged(aws, vpc_id, base_args):
    rc, result = run_module(base_args, diff=True)
    assert rc == 0
    assert result["diff"]["before"] == {}
    assert result["diff"]["after"] == result["flow_log"]
    assert result["diff"]["after"]["flow_log_id"].startswith("fl-")

    rc, again = run_module(base_args, diff=True)
    assert again["changed"] is False
    assert again["diff"]["before"] == again["diff"]["after"]


def test_traffic_type_is_part_of_identity(aws, vpc_id, base_args):
    rc, result = run_module(dict(base_args, traffic_type="REJECT"))
    assert rc == 0 and result["changed"] is True
    # An ACCEPT flow log to the same destination is not the REJECT one: absent is a no-op
    rc, result = run_module(dict(base_args, traffic_type="ACCEPT", state="absent"))
    assert rc == 0 and result["changed"] is False
    assert len(flow_logs(aws, vpc_id)) == 1


def test_tag_update_in_place(aws, vpc_id, base_args, api_calls):
    rc, created = run_module(base_args)
    flow_log_id = created["flow_log"]["flow_log_id"]

    new_tags = {"Environment": "prod", "Team": "platform"}
    del api_calls[:]
    rc, checked = run_module(dict(base_args, tags=new_tags), check_mode=True, diff=True)
    assert rc == 0
    assert checked["changed"] is True
    assert checked["flow_log"]["tags"] == new_tags
    assert checked["diff"]["before"]["tags"] == {"Environment": "test"}
    assert checked["diff"]["after"]["tags"] == new_tags
    assert mutating(api_calls) == []
    assert flow_logs(aws, vpc_id)[0]["Tags"] == [{"Key": "Environment", "Value": "test"}]

    rc, updated = run_module(dict(base_args, tags=new_tags), diff=True)
    assert rc == 0
    assert updated["changed"] is True
    assert updated["flow_log"]["flow_log_id"] == flow_log_id
    assert updated["flow_log"]["tags"] == new_tags
    assert updated["diff"]["before"]["tags"] == {"Environment": "test"}
    assert updated["diff"]["after"]["tags"] == new_tags

    rc, merged = run_module(dict(base_args, tags={"CostCenter": "42"}, purge_tags=False))
    assert merged["changed"] is True
    assert merged["flow_log"]["tags"] == dict(new_tags, CostCenter="42")

    # tags not given: tags are left alone
    rc, untouched = run_module(dict(base_args, tags=None))
    assert untouched["changed"] is False
    assert untouched["flow_log"]["tags"] == dict(new_tags, CostCenter="42")

    rc, purged = run_module(dict(base_args, tags={}))
    assert purged["changed"] is True
    assert purged["flow_log"]["tags"] == {}
    assert len(flow_logs(aws, vpc_id)) == 1


@pytest.mark.parametrize(
    "change",
    [
        {"max_aggregation_interval": 60},
        {"log_format": "${version} ${srcaddr} ${dstaddr} ${action}"},
        {"deliver_logs_permission_arn": "arn:aws:iam::123456789012:role/other-role"},
    ],
    ids=["max_aggregation_interval", "log_format", "deliver_logs_permission_arn"],
)
def test_replace_when_immutable_setting_changes(aws, vpc_id, base_args, api_calls, change):
    rc, created = run_module(base_args)
    old_id = created["flow_log"]["flow_log_id"]
    ((option, value),) = change.items()

    del api_calls[:]
    rc, checked = run_module(dict(base_args, **change), check_mode=True, diff=True)
    assert rc == 0
    assert checked["changed"] is True
    assert checked["diff"]["after"][option] == value
    assert mutating(api_calls) == []
    assert [fl["FlowLogId"] for fl in flow_logs(aws, vpc_id)] == [old_id]

    rc, replaced = run_module(dict(base_args, **change), diff=True)
    assert rc == 0, replaced
    assert replaced["changed"] is True
    new_id = replaced["flow_log"]["flow_log_id"]
    assert new_id != old_id
    assert replaced["flow_log"][option] == value
    assert replaced["diff"]["before"]["flow_log_id"] == old_id
    assert replaced["diff"]["before"][option] != value
    assert replaced["diff"]["after"]["flow_log_id"] == new_id
    assert replaced["flow_log"]["tags"] == {"Environment": "test"}
    assert [fl["FlowLogId"] for fl in flow_logs(aws, vpc_id)] == [new_id]

    rc, again = run_module(dict(base_args, **change))
    assert again["changed"] is False
    assert again["flow_log"]["flow_log_id"] == new_id


def test_replace_keeps_existing_tags_when_tags_not_given(aws, vpc_id, base_args):
    run_module(base_args)
    rc, replaced = run_module(dict(base_args, tags=None, max_aggregation_interval=60))
    assert rc == 0 and replaced["changed"] is True
    assert replaced["flow_log"]["tags"] == {"Environment": "test"}


def test_s3_destination(aws, vpc_id):
    boto3.client("s3", region_name=REGION).create_bucket(Bucket="flow-log-bucket")
    args = dict(
        resource_id=vpc_id,
        traffic_type="REJECT",
        log_destination_type="s3",
        log_destination="arn:aws:s3:::flow-log-bucket",
    )
    rc, created = run_module(args)
    assert rc == 0, created
    assert created["changed"] is True
    assert created["flow_log"]["log_destination"] == "arn:aws:s3:::flow-log-bucket"
    assert created["flow_log"]["log_destination_type"] == "s3"

    rc, again = run_module(args)
    assert again["changed"] is False

    rc, removed = run_module(dict(args, state="absent"))
    assert removed["changed"] is True
    assert flow_logs(aws, vpc_id) == []


@pytest.mark.parametrize(
    "args, expected",
    [
        (
            {"deliver_logs_permission_arn": ROLE_ARN},
            "log_group_name",
        ),
        (
            {"log_destination_type": "s3"},
            "log_destination",
        ),
        (
            {
                "log_group_name": "group",
                "log_destination": "arn:aws:logs:us-east-1:123456789012:log-group:group",
                "deliver_logs_permission_arn": ROLE_ARN,
            },
            "mutually exclusive",
        ),
        (
            {"log_group_name": "group"},
            "deliver_logs_permission_arn",
        ),
        (
            {"log_destination_type": "s3", "log_destination": "arn:aws:s3:::bucket", "resource_type": "TransitGateway"},
            "max_aggregation_interval",
        ),
        (
            {
                "log_destination_type": "s3",
                "log_destination": "arn:aws:s3:::bucket",
                "resource_type": "TransitGateway",
                "max_aggregation_interval": 60,
                "traffic_type": "REJECT",
            },
            "traffic_type",
        ),
        (
            {"log_group_name": "group", "deliver_logs_permission_arn": ROLE_ARN, "max_aggregation_interval": 120},
            "max_aggregation_interval",
        ),
    ],
    ids=[
        "cwl-without-log-group",
        "s3-without-destination",
        "group-and-destination",
        "cwl-without-role",
        "tgw-interval",
        "tgw-traffic-type",
        "bad-interval",
    ],
)
def test_argument_validation(aws, api_calls, args, expected):
    rc, result = run_module(dict(args, resource_id="vpc-0123456789abcdef0"))
    assert rc == 1
    assert result["failed"] is True
    assert expected in result["msg"]
    assert api_calls == []


def test_resource_id_required(aws, api_calls):
    rc, result = run_module({"log_group_name": "group", "deliver_logs_permission_arn": ROLE_ARN})
    assert rc == 1
    assert "resource_id" in result["msg"]
    assert api_calls == []


def test_absent_does_not_need_role(aws, vpc_id, base_args):
    run_module(base_args)
    rc, result = run_module(
        dict(state="absent", resource_id=vpc_id, log_group_name="/vpc/flow-logs/test"), check_mode=True, diff=True
    )
    assert rc == 0, result
    assert result["changed"] is True
    assert result["diff"]["after"] == {}
    assert result["diff"]["before"]["log_group_name"] == "/vpc/flow-logs/test"
    assert len(flow_logs(aws, vpc_id)) == 1
