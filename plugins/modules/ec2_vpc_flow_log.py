#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
---
module: ec2_vpc_flow_log
short_description: Manage a single AWS VPC flow log
version_added: 0.1.0
description:
  - Create, replace, tag or delete one VPC flow log attached to a VPC, subnet,
    network interface, transit gateway or transit gateway attachment.
  - A flow log is identified by O(resource_id), O(traffic_type), O(log_destination_type)
    and its destination (O(log_group_name) or O(log_destination)).
  - Flow logs can not be modified after creation. When O(max_aggregation_interval),
    O(log_format) or O(deliver_logs_permission_arn) differ from the existing flow log,
    the flow log is deleted and created again with the requested settings.
    Tags are updated in place.
options:
  state:
    description:
      - Create or remove the flow log.
    type: str
    choices: ["present", "absent"]
    default: "present"
  resource_id:
    description:
      - The ID of the resource whose traffic is logged, for example V(vpc-0123456789abcdef0).
    type: str
    required: true
  resource_type:
    description:
      - The type of resource referred to by O(resource_id).
      - For V(TransitGateway) and V(TransitGatewayAttachment), AWS does not accept a traffic
        type and only supports an aggregation interval of 60 seconds, so O(traffic_type) must be
        V(ALL) and O(max_aggregation_interval) must be set to V(60).
    type: str
    choices: ["VPC", "Subnet", "NetworkInterface", "TransitGateway", "TransitGatewayAttachment"]
    default: "VPC"
  traffic_type:
    description:
      - The type of traffic to log.
    type: str
    choices: ["ALL", "ACCEPT", "REJECT"]
    default: "ALL"
  log_destination_type:
    description:
      - Where the flow log records are delivered.
    type: str
    choices: ["cloud-watch-logs", "s3"]
    default: "cloud-watch-logs"
  log_group_name:
    description:
      - The name of the CloudWatch Logs log group to deliver to.
      - One of O(log_group_name) or O(log_destination) is required when
        O(log_destination_type=cloud-watch-logs).
      - Mutually exclusive with O(log_destination).
    type: str
  log_destination:
    description:
      - The ARN of the destination.
      - Required when O(log_destination_type=s3), for example V(arn:aws:s3:::my-bucket/prefix/).
      - May be used instead of O(log_group_name) when O(log_destination_type=cloud-watch-logs),
        in which case it is the ARN of a CloudWatch Logs log group.
      - Mutually exclusive with O(log_group_name).
    type: str
  deliver_logs_permission_arn:
    description:
      - The ARN of the IAM role that allows the flow log service to publish to CloudWatch Logs.
      - Required when O(state=present) and O(log_destination_type=cloud-watch-logs).
      - Changing this on an existing flow log replaces the flow log.
    type: str
  max_aggregation_interval:
    description:
      - The maximum interval of time, in seconds, during which a flow of packets is captured
        and aggregated into a flow log record.
      - Changing this on an existing flow log replaces the flow log.
    type: int
    choices: [60, 600]
    default: 600
  log_format:
    description:
      - The fields to include in the flow log records, in the order in which they should appear,
        for example V(${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr}).
      - When not set, AWS uses its default format and the format of an existing flow log
        is not compared.
      - Changing this on an existing flow log replaces the flow log.
    type: str
notes:
  - Support for O(tags) and O(purge_tags) follows the usual amazon.aws semantics. When
    a flow log is replaced and O(tags) is not set, the existing tags are copied to the new flow log.
  - In check mode no resources are created, replaced, tagged or deleted.
author:
  - ecommerce platform team (!UNKNOWN)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.tags
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Log rejected VPC traffic to CloudWatch Logs
  ecommerce.multicloud.ec2_vpc_flow_log:
    resource_id: vpc-0123456789abcdef0
    traffic_type: REJECT
    log_group_name: /vpc/flow-logs/shop
    deliver_logs_permission_arn: arn:aws:iam::123456789012:role/vpc-flow-logs
    max_aggregation_interval: 60
    tags:
      Environment: production

- name: Log all subnet traffic to an S3 bucket with a custom format
  ecommerce.multicloud.ec2_vpc_flow_log:
    resource_id: subnet-0123456789abcdef0
    resource_type: Subnet
    log_destination_type: s3
    log_destination: arn:aws:s3:::shop-flow-logs/subnets/
    log_format: "${version} ${vpc-id} ${subnet-id} ${srcaddr} ${dstaddr} ${action}"

- name: Log transit gateway traffic (TGW flow logs only support a 60 second interval)
  ecommerce.multicloud.ec2_vpc_flow_log:
    resource_id: tgw-0123456789abcdef0
    resource_type: TransitGateway
    log_destination_type: s3
    log_destination: arn:aws:s3:::shop-flow-logs
    max_aggregation_interval: 60

- name: Remove the CloudWatch Logs flow log
  ecommerce.multicloud.ec2_vpc_flow_log:
    state: absent
    resource_id: vpc-0123456789abcdef0
    traffic_type: REJECT
    log_group_name: /vpc/flow-logs/shop
"""

RETURN = r"""
flow_log:
  description:
    - The flow log as returned by DescribeFlowLogs, with keys converted to snake_case and
      tags converted to a dictionary.
    - In check mode, when the flow log would be created or replaced, a prediction built from the
      module options, without the flow log ID and the other values generated by AWS.
    - An empty dictionary when O(state=absent).
  type: dict
  returned: always
  contains:
    creation_time:
      description: The date and time the flow log was created.
      type: str
      returned: when the flow log exists
      sample: "2024-05-01T10:00:00+00:00"
    deliver_logs_error_message:
      description: Information about the error that occurred while delivering logs.
      type: str
      returned: when delivery failed
      sample: "Access error"
    deliver_logs_permission_arn:
      description: The ARN of the IAM role used to publish to CloudWatch Logs.
      type: str
      returned: when set
      sample: "arn:aws:iam::123456789012:role/vpc-flow-logs"
    deliver_logs_status:
      description: The status of the logs delivery.
      type: str
      returned: when the flow log exists
      sample: "SUCCESS"
    flow_log_id:
      description: The ID of the flow log.
      type: str
      returned: when the flow log exists
      sample: "fl-0123456789abcdef0"
    flow_log_status:
      description: The status of the flow log.
      type: str
      returned: when the flow log exists
      sample: "ACTIVE"
    log_destination:
      description: The ARN of the destination the flow log data is published to.
      type: str
      returned: when set
      sample: "arn:aws:s3:::shop-flow-logs/subnets/"
    log_destination_type:
      description: The type of destination the flow log data is published to.
      type: str
      returned: always
      sample: "cloud-watch-logs"
    log_format:
      description: The format of the flow log records.
      type: str
      returned: when the flow log exists or O(log_format) is set
      sample: "${version} ${account-id} ${interface-id} ${srcaddr} ${dstaddr}"
    log_group_name:
      description: The name of the CloudWatch Logs log group.
      type: str
      returned: when the destination is CloudWatch Logs
      sample: "/vpc/flow-logs/shop"
    max_aggregation_interval:
      description: The maximum aggregation interval in seconds.
      type: int
      returned: always
      sample: 600
    resource_id:
      description: The ID of the resource being monitored.
      type: str
      returned: always
      sample: "vpc-0123456789abcdef0"
    tags:
      description: A dictionary of the tags of the flow log.
      type: dict
      returned: always
      sample: {"Environment": "production"}
    traffic_type:
      description: The type of traffic captured.
      type: str
      returned: when the resource is not a transit gateway or transit gateway attachment
      sample: "ALL"
"""

import time
from copy import deepcopy
from typing import Any
from typing import Dict
from typing import Optional

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict
from ansible.module_utils.common.text.converters import to_text

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import AnsibleEC2Error
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import ensure_ec2_tags
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import ansible_dict_to_boto3_tag_list
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_specifications

from ansible_collections.ecommerce.multicloud.plugins.module_utils.ec2_describe import ec2_resource_to_ansible
from ansible_collections.ecommerce.multicloud.plugins.module_utils.ec2_describe import paginated_describer

TRANSIT_GATEWAY_RESOURCE_TYPES = ("TransitGateway", "TransitGatewayAttachment")


class FlowLogErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleEC2Error

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code("InvalidFlowLogId.NotFound")


describe_flow_logs = paginated_describer(
    "describe_flow_logs", "FlowLogs", "InvalidFlowLogId.NotFound", "describe flow logs"
)


@FlowLogErrorHandler.common_error_handler("create flow log")
@AWSRetry.jittered_backoff()
def create_flow_logs(client, **params: Any) -> Dict[str, Any]:
    return client.create_flow_logs(**params)


@FlowLogErrorHandler.deletion_error_handler("delete flow log")
@AWSRetry.jittered_backoff()
def delete_flow_log(client, flow_log_id: str) -> bool:
    response = client.delete_flow_logs(FlowLogIds=[flow_log_id])
    for failure in response.get("Unsuccessful") or []:
        error = failure.get("Error") or {}
        if error.get("Code") == "InvalidFlowLogId.NotFound":
            return False
        raise AnsibleEC2Error(message=f"Failed to delete flow log {flow_log_id}: {error.get('Message')}")
    return True


def flow_log_to_ansible(flow_log: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """Convert a boto3 flow log to snake_case with tags as a dictionary."""
    if not flow_log:
        return {}
    return ec2_resource_to_ansible(flow_log)


def _strip_arn(arn: Optional[str]) -> Optional[str]:
    if not arn:
        return arn
    if arn.endswith(":*"):
        arn = arn[:-2]
    return arn.rstrip("/")


def _log_group_from_arn(arn: str) -> Optional[str]:
    # arn:aws:logs:us-east-1:123456789012:log-group:NAME[:*]
    parts = _strip_arn(arn).split(":", 6)
    if len(parts) == 7 and parts[2] == "logs" and parts[5] == "log-group":
        return parts[6]
    return None


def is_transit_gateway_resource(params: Dict[str, Any]) -> bool:
    return params["resource_type"] in TRANSIT_GATEWAY_RESOURCE_TYPES


def flow_log_matches(flow_log: Dict[str, Any], params: Dict[str, Any]) -> bool:
    """Identity of a flow log: resource, traffic type and destination."""
    if flow_log.get("ResourceId") != params["resource_id"]:
        return False
    if flow_log.get("LogDestinationType", "cloud-watch-logs") != params["log_destination_type"]:
        return False

    if is_transit_gateway_resource(params):
        # TrafficType is not supported (and not returned) for transit gateway flow logs
        if flow_log.get("TrafficType") not in (None, "ALL"):
            return False
    elif flow_log.get("TrafficType") != params["traffic_type"]:
        return False

    if params.get("log_group_name"):
        return flow_log.get("LogGroupName") == params["log_group_name"]

    destination = _strip_arn(params.get("log_destination"))
    if destination and _strip_arn(flow_log.get("LogDestination")) == destination:
        return True
    if params["log_destination_type"] == "cloud-watch-logs" and flow_log.get("LogGroupName"):
        return flow_log["LogGroupName"] == _log_group_from_arn(params["log_destination"])
    return False


def find_flow_log(client, module: AnsibleAWSModule) -> Optional[Dict[str, Any]]:
    filters = [{"Name": "resource-id", "Values": [module.params["resource_id"]]}]
    try:
        flow_logs = describe_flow_logs(client, Filters=filters)
    except AnsibleEC2Error as e:
        module.fail_json_aws_error(e)

    matches = [fl for fl in flow_logs if flow_log_matches(fl, module.params)]
    if len(matches) > 1:
        module.fail_json(
            msg="Multiple flow logs match the resource, traffic type and destination",
            flow_log_ids=[fl.get("FlowLogId") for fl in matches],
        )
    return matches[0] if matches else None


def get_flow_log_by_id(client, module: AnsibleAWSModule, flow_log_id: str) -> Optional[Dict[str, Any]]:
    # A freshly created flow log may take a moment to be returned by DescribeFlowLogs
    # (there is no botocore waiter for flow logs).
    attempts = 10
    for attempt in range(attempts):
        try:
            flow_logs = describe_flow_logs(client, FlowLogIds=[flow_log_id])
        except AnsibleEC2Error as e:
            module.fail_json_aws_error(e)
        if flow_logs:
            return flow_logs[0]
        if attempt < attempts - 1:
            time.sleep(min(2**attempt, 10))
    module.fail_json(msg=f"Flow log {flow_log_id} was created but could not be described")


def immutable_differences(existing: Dict[str, Any], params: Dict[str, Any]) -> Dict[str, Dict[str, Any]]:
    """Return the immutable settings which differ between an existing flow log and the options."""
    differences = {}
    desired = {"max_aggregation_interval": params["max_aggregation_interval"]}
    if params.get("log_format") is not None:
        desired["log_format"] = params["log_format"]
    if params.get("deliver_logs_permission_arn") is not None:
        desired["deliver_logs_permission_arn"] = params["deliver_logs_permission_arn"]

    current = {
        "max_aggregation_interval": existing.get("MaxAggregationInterval"),
        "log_format": existing.get("LogFormat"),
        "deliver_logs_permission_arn": existing.get("DeliverLogsPermissionArn"),
    }
    for key, value in desired.items():
        if current[key] != value:
            differences[key] = dict(before=current[key], after=value)
    return differences


def desired_tags(current: Dict[str, str], tags: Optional[Dict[str, Any]], purge_tags: bool) -> Dict[str, str]:
    if tags is None:
        return dict(current)
    if purge_tags:
        result = {k: v for k, v in current.items() if k.startswith("aws:")}
    else:
        result = dict(current)
    result.update({k: to_text(v) for k, v in tags.items()})
    return result


def build_create_params(params: Dict[str, Any], tags: Dict[str, str]) -> Dict[str, Any]:
    create_params = {
        "ResourceIds": [params["resource_id"]],
        "ResourceType": params["resource_type"],
        "LogDestinationType": params["log_destination_type"],
        "MaxAggregationInterval": params["max_aggregation_interval"],
    }
    if not is_transit_gateway_resource(params):
        create_params["TrafficType"] = params["traffic_type"]
    if params.get("log_group_name"):
        create_params["LogGroupName"] = params["log_group_name"]
    if params.get("log_destination"):
        create_params["LogDestination"] = params["log_destination"]
    if params.get("deliver_logs_permission_arn"):
        create_params["DeliverLogsPermissionArn"] = params["deliver_logs_permission_arn"]
    if params.get("log_format"):
        create_params["LogFormat"] = params["log_format"]
    if tags:
        create_params["TagSpecifications"] = boto3_tag_specifications(tags, types=["vpc-flow-log"])
    return create_params


def predicted_flow_log(params: Dict[str, Any], tags: Dict[str, str]) -> Dict[str, Any]:
    """What the flow log is expected to look like (used in check mode)."""
    predicted = {
        "ResourceId": params["resource_id"],
        "LogDestinationType": params["log_destination_type"],
        "MaxAggregationInterval": params["max_aggregation_interval"],
    }
    if not is_transit_gateway_resource(params):
        predicted["TrafficType"] = params["traffic_type"]
    for option, key in (
        ("log_group_name", "LogGroupName"),
        ("log_destination", "LogDestination"),
        ("deliver_logs_permission_arn", "DeliverLogsPermissionArn"),
        ("log_format", "LogFormat"),
    ):
        if params.get(option):
            predicted[key] = params[option]
    predicted["Tags"] = ansible_dict_to_boto3_tag_list(tags)
    return predicted


def create_flow_log(client, module: AnsibleAWSModule, tags: Dict[str, str]) -> Dict[str, Any]:
    try:
        response = create_flow_logs(client, **build_create_params(module.params, tags))
    except AnsibleEC2Error as e:
        module.fail_json_aws_error(e)

    unsuccessful = response.get("Unsuccessful") or []
    if unsuccessful or not response.get("FlowLogIds"):
        messages = [(item.get("Error") or {}).get("Message") for item in unsuccessful]
        module.fail_json(
            msg=f"Failed to create flow log for {module.params['resource_id']}: {'; '.join(str(m) for m in messages)}",
            unsuccessful=camel_dict_to_snake_dict({"Unsuccessful": unsuccessful})["unsuccessful"],
        )
    return get_flow_log_by_id(client, module, response["FlowLogIds"][0])


def ensure_present(client, module: AnsibleAWSModule, existing: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    params = module.params
    tags = params.get("tags")
    purge_tags = params.get("purge_tags")
    current_tags = boto3_tag_list_to_ansible_dict((existing or {}).get("Tags") or [])
    wanted_tags = desired_tags(current_tags, tags, purge_tags)

    if existing is None:
        if module.check_mode:
            return dict(changed=True, after=predicted_flow_log(params, wanted_tags))
        return dict(changed=True, after=create_flow_log(client, module, wanted_tags))

    if immutable_differences(existing, params):
        if module.check_mode:
            return dict(changed=True, after=predicted_flow_log(params, wanted_tags))
        try:
            delete_flow_log(client, existing["FlowLogId"])
        except AnsibleEC2Error as e:
            module.fail_json_aws_error(e)
        return dict(changed=True, after=create_flow_log(client, module, wanted_tags))

    changed = ensure_ec2_tags(
        client,
        module,
        existing["FlowLogId"],
        # resource_type is deliberately not passed: the flow log ID is unique and
        # some implementations report flow log tags under other resource type names.
        tags=tags,
        purge_tags=purge_tags,
    )
    after = deepcopy(existing)
    if changed:
        if module.check_mode:
            after["Tags"] = ansible_dict_to_boto3_tag_list(wanted_tags)
        else:
            after = get_flow_log_by_id(client, module, existing["FlowLogId"])
    return dict(changed=changed, after=after)


def ensure_absent(client, module: AnsibleAWSModule, existing: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    if existing is None:
        return dict(changed=False, after=None)
    if module.check_mode:
        return dict(changed=True, after=None)
    try:
        changed = delete_flow_log(client, existing["FlowLogId"])
    except AnsibleEC2Error as e:
        module.fail_json_aws_error(e)
    return dict(changed=changed, after=None)


def validate_params(module: AnsibleAWSModule) -> None:
    """Checks that argument_spec rules can not express. Runs before any AWS API call."""
    params = module.params
    if (
        params["state"] == "present"
        and params["log_destination_type"] == "cloud-watch-logs"
        and not params.get("deliver_logs_permission_arn")
    ):
        module.fail_json(
            msg="deliver_logs_permission_arn is required when log_destination_type is cloud-watch-logs and state is present"
        )
    if is_transit_gateway_resource(params):
        if params["traffic_type"] != "ALL":
            module.fail_json(
                msg=f"traffic_type can not be set for resource_type {params['resource_type']}, use traffic_type=ALL"
            )
        if params["state"] == "present" and params["max_aggregation_interval"] != 60:
            module.fail_json(msg=f"max_aggregation_interval must be 60 for resource_type {params['resource_type']}")


def main():
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        resource_id=dict(type="str", required=True),
        resource_type=dict(
            type="str",
            default="VPC",
            choices=["VPC", "Subnet", "NetworkInterface", "TransitGateway", "TransitGatewayAttachment"],
        ),
        traffic_type=dict(type="str", default="ALL", choices=["ALL", "ACCEPT", "REJECT"]),
        log_destination_type=dict(type="str", default="cloud-watch-logs", choices=["cloud-watch-logs", "s3"]),
        log_group_name=dict(type="str"),
        log_destination=dict(type="str"),
        deliver_logs_permission_arn=dict(type="str"),
        max_aggregation_interval=dict(type="int", default=600, choices=[60, 600]),
        log_format=dict(type="str"),
        tags=dict(type="dict", aliases=["resource_tags"]),
        purge_tags=dict(type="bool", default=True),
    )

    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[["log_group_name", "log_destination"]],
        required_if=[
            ["log_destination_type", "cloud-watch-logs", ["log_group_name", "log_destination"], True],
            ["log_destination_type", "s3", ["log_destination"]],
        ],
    )
    validate_params(module)

    client = module.client("ec2")

    existing = find_flow_log(client, module)
    if module.params["state"] == "present":
        outcome = ensure_present(client, module, existing)
    else:
        outcome = ensure_absent(client, module, existing)

    before = flow_log_to_ansible(existing)
    after = flow_log_to_ansible(outcome["after"])
    result = dict(changed=outcome["changed"], flow_log=after)
    if module._diff:
        result["diff"] = dict(before=before, after=after)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
