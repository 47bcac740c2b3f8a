#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
---
module: ec2_vpc_flow_log_info
short_description: Gather information about AWS VPC flow logs
version_added: 0.1.0
description:
  - Gather information about VPC flow logs attached to VPCs, subnets, network interfaces,
    transit gateways and transit gateway attachments.
  - Without O(flow_log_ids) and O(filters), all the flow logs of the region are returned.
options:
  flow_log_ids:
    description:
      - A list of flow log IDs to describe, for example V(fl-0123456789abcdef0).
      - Unknown flow log IDs do not cause a failure.
    type: list
    elements: str
    default: []
  filters:
    description:
      - A dict of filters to apply. Each dict item consists of a filter key and a filter value.
        A filter value may be a single value or a list of values.
      - See U(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeFlowLogs.html)
        for possible filters.
      - Supported filters are V(deliver-log-status), V(log-destination-type), V(flow-log-id),
        V(log-group-name), V(resource-id), V(traffic-type), V(tag:<key>) and V(tag-key).
      - When O(flow_log_ids) is also set, only the flow logs matching both are returned.
    type: dict
    default: {}
author:
  - ecommerce platform team (!UNKNOWN)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: List all the flow logs of a region
  ecommerce.multicloud.ec2_vpc_flow_log_info:
    region: eu-west-1
  register: all_flow_logs

- name: Describe specific flow logs
  ecommerce.multicloud.ec2_vpc_flow_log_info:
    flow_log_ids:
      - fl-0123456789abcdef0
      - fl-0fedcba9876543210

- name: Find the flow logs of a VPC that deliver to a CloudWatch Logs log group
  ecommerce.multicloud.ec2_vpc_flow_log_info:
    filters:
      resource-id: vpc-0123456789abcdef0
      log-group-name: /vpc/flow-logs/shop
  register: vpc_flow_logs

- name: Find the flow logs that only capture rejected traffic, for several VPCs
  ecommerce.multicloud.ec2_vpc_flow_log_info:
    filters:
      resource-id:
        - vpc-0123456789abcdef0
        - vpc-0fedcba9876543210
      traffic-type: REJECT

- name: Find flow logs by tag
  ecommerce.multicloud.ec2_vpc_flow_log_info:
    filters:
      "tag:Name": shop-vpc-flow-logs
  register: tagged

- name: Show the IDs of the flow logs found
  ansible.builtin.debug:
    msg: "{{ tagged.flow_logs | map(attribute='flow_log_id') | list }}"
"""

RETURN = r"""
flow_logs:
  description:
    - The flow logs as returned by DescribeFlowLogs, with keys converted to snake_case
      and tags converted to a dictionary.
    - An empty list when no flow log matches.
  type: list
  elements: dict
  returned: always
  contains:
    creation_time:
      description: The date and time the flow log was created.
      type: str
      returned: always
      sample: "2024-05-01T10:00:00+00:00"
    deliver_cross_account_role:
      description: The ARN of the IAM role that allows the service to publish flow logs across accounts.
      type: str
      returned: when set
      sample: "arn:aws:iam::123456789012:role/cross-account-flow-logs"
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
      returned: always
      sample: "SUCCESS"
    destination_options:
      description: The options for flow logs delivered to Amazon S3.
      type: dict
      returned: when the destination is Amazon S3
      contains:
        file_format:
          description: The format of the log files.
          type: str
          returned: always
          sample: "plain-text"
        hive_compatible_partitions:
          description: Whether to use Hive-compatible prefixes for the log files.
          type: bool
          returned: always
          sample: false
        per_hour_partition:
          description: Whether to partition the flow log per hour.
          type: bool
          returned: always
          sample: false
    flow_log_id:
      description: The ID of the flow log.
      type: str
      returned: always
      sample: "fl-0123456789abcdef0"
    flow_log_status:
      description: The status of the flow log.
      type: str
      returned: always
      sample: "ACTIVE"
    log_destination:
      description: The ARN of the destination the flow log data is published to.
      type: str
      returned: when set
      sample: "arn:aws:s3:::shop-flow-logs/vpc/"
    log_destination_type:
      description: The type of destination the flow log data is published to.
      type: str
      returned: always
      sample: "cloud-watch-logs"
    log_format:
      description: The format of the flow log records.
      type: str
      returned: always
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
      sample: {"Name": "shop-vpc-flow-logs", "Environment": "production"}
    traffic_type:
      description: The type of traffic captured.
      type: str
      returned: when the resource is not a transit gateway or transit gateway attachment
      sample: "ALL"
"""

from typing import Any
from typing import Dict

from ansible_collections.amazon.aws.plugins.module_utils.ec2 import AnsibleEC2Error
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.transformation import ansible_dict_to_boto3_filter_list

from ansible_collections.ecommerce.multicloud.plugins.module_utils.ec2_describe import ec2_resource_to_ansible
from ansible_collections.ecommerce.multicloud.plugins.module_utils.ec2_describe import paginated_describer

describe_flow_logs = paginated_describer(
    "describe_flow_logs", "FlowLogs", "InvalidFlowLogId.NotFound", "describe flow logs"
)


def main() -> None:
    argument_spec = dict(
        flow_log_ids=dict(type="list", elements="str", default=[]),
        filters=dict(type="dict", default={}),
    )

    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
    )

    client = module.client("ec2")

    params: Dict[str, Any] = {}
    if module.params.get("flow_log_ids"):
        params["FlowLogIds"] = module.params["flow_log_ids"]
    if module.params.get("filters"):
        # DescribeFlowLogs names its filter parameter "Filter", not "Filters"
        params["Filter"] = ansible_dict_to_boto3_filter_list(module.params["filters"])

    try:
        flow_logs = describe_flow_logs(client, **params)
    except AnsibleEC2Error as e:
        module.fail_json_aws_error(e)

    module.exit_json(changed=False, flow_logs=[ec2_resource_to_ansible(flow_log) for flow_log in flow_logs])


if __name__ == "__main__":
    main()
