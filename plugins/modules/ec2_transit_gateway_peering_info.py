#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
---
module: ec2_transit_gateway_peering_info
short_description: Gather information about AWS Transit Gateway peering attachments
version_added: 0.1.0
description:
  - Gather information about Transit Gateway peering attachments visible in the region of
    the module (O(region)), whether the transit gateway of that region is the requester or
    the accepter of the peering.
  - Without O(transit_gateway_attachment_ids) and O(filters), all the peering attachments of
    the region are returned, including attachments in the V(deleted) and V(rejected) states
    for as long as AWS still returns them.
options:
  transit_gateway_attachment_ids:
    description:
      - A list of Transit Gateway peering attachment IDs to describe, for example
        V(tgw-attach-0123456789abcdef0).
      - Unknown attachment IDs do not cause a failure.
    type: list
    elements: str
    default: []
  filters:
    description:
      - A dict of filters to apply. Each dict item consists of a filter key and a filter value.
        A filter value may be a single value or a list of values.
      - See U(https://docs.aws.amazon.com/AWSEC2/latest/APIReference/API_DescribeTransitGatewayPeeringAttachments.html)
        for possible filters.
      - Supported filters are V(transit-gateway-attachment-id), V(local-owner-id),
        V(remote-owner-id), V(state), V(tag:<key>), V(tag-key) and V(transit-gateway-id).
      - Valid values for the V(state) filter are V(available), V(deleted), V(deleting), V(failed),
        V(failing), V(initiatingRequest), V(modifying), V(pendingAcceptance), V(pending),
        V(rollingBack), V(rejected) and V(rejecting).
      - When O(transit_gateway_attachment_ids) is also set, only the attachments matching both
        are returned.
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
- name: List all the Transit Gateway peering attachments of a region
  ecommerce.multicloud.ec2_transit_gateway_peering_info:
    region: us-east-1
  register: all_peerings

- name: Describe a specific peering attachment
  ecommerce.multicloud.ec2_transit_gateway_peering_info:
    transit_gateway_attachment_ids:
      - tgw-attach-0123456789abcdef0

- name: Find the peering attachments of a transit gateway that wait for acceptance
  ecommerce.multicloud.ec2_transit_gateway_peering_info:
    filters:
      transit-gateway-id: tgw-0123456789abcdef0
      state: pendingAcceptance
  register: pending_peerings

- name: Find the active peering attachments by tag
  ecommerce.multicloud.ec2_transit_gateway_peering_info:
    filters:
      "tag:Name": use1-euw1
      state:
        - available
        - modifying
  register: tagged

- name: Show the accepter transit gateway of each peering attachment found
  ansible.builtin.debug:
    msg: "{{ tagged.transit_gateway_peering_attachments | map(attribute='accepter_tgw_info.transit_gateway_id') | list }}"
"""

RETURN = r"""
transit_gateway_peering_attachments:
  description:
    - The peering attachments as returned by DescribeTransitGatewayPeeringAttachments, with keys
      converted to snake_case and tags converted to a dictionary.
    - An empty list when no peering attachment matches.
  type: list
  elements: dict
  returned: always
  contains:
    accepter_tgw_info:
      description: Information about the accepter transit gateway.
      type: dict
      returned: always
      contains:
        core_network_id:
          description: The ID of the core network where the transit gateway peer is located.
          type: str
          returned: when the peer is a core network
          sample: "core-network-0123456789abcdef0"
        owner_id:
          description: The ID of the AWS account that owns the transit gateway.
          type: str
          returned: always
          sample: "123456789012"
        region:
          description: The region of the transit gateway.
          type: str
          returned: always
          sample: "us-west-2"
        transit_gateway_id:
          description: The ID of the transit gateway.
          type: str
          returned: always
          sample: "tgw-0fedcba9876543210"
    accepter_transit_gateway_attachment_id:
      description: The ID of the accepter transit gateway attachment.
      type: str
      returned: when available
      sample: "tgw-attach-0fedcba9876543210"
    creation_time:
      description: The date and time the attachment was created.
      type: str
      returned: always
      sample: "2024-05-01T10:00:00+00:00"
    options:
      description: Options for the peering attachment.
      type: dict
      returned: when available
      contains:
        dynamic_routing:
          description: Whether dynamic routing is enabled or disabled.
          type: str
          returned: always
          sample: "disable"
    requester_tgw_info:
      description: Information about the requester transit gateway.
      type: dict
      returned: always
      contains:
        core_network_id:
          description: The ID of the core network where the transit gateway peer is located.
          type: str
          returned: when the peer is a core network
          sample: "core-network-0123456789abcdef0"
        owner_id:
          description: The ID of the AWS account that owns the transit gateway.
          type: str
          returned: always
          sample: "123456789012"
        region:
          description: The region of the transit gateway.
          type: str
          returned: always
          sample: "us-east-1"
        transit_gateway_id:
          description: The ID of the transit gateway.
          type: str
          returned: always
          sample: "tgw-0123456789abcdef0"
    state:
      description: The state of the peering attachment.
      type: str
      returned: always
      sample: "available"
    status:
      description: The status of the peering attachment.
      type: dict
      returned: always
      contains:
        code:
          description: The status code.
          type: str
          returned: always
          sample: "available"
        message:
          description: The status message, if applicable.
          type: str
          returned: when available
          sample: "Available"
    tags:
      description: A dictionary of the tags of the peering attachment.
      type: dict
      returned: always
      sample: {"Name": "use1-usw2"}
    transit_gateway_attachment_id:
      description: The ID of the peering attachment.
      type: str
      returned: always
      sample: "tgw-attach-0123456789abcdef0"
"""

from typing import Any
from typing import Dict

from ansible_collections.amazon.aws.plugins.module_utils.ec2 import AnsibleEC2Error
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.transformation import ansible_dict_to_boto3_filter_list

from ansible_collections.ecommerce.multicloud.plugins.module_utils.ec2_describe import ec2_resource_to_ansible
from ansible_collections.ecommerce.multicloud.plugins.module_utils.ec2_describe import paginated_describer

describe_peering_attachments = paginated_describer(
    "describe_transit_gateway_peering_attachments",
    "TransitGatewayPeeringAttachments",
    "InvalidTransitGatewayAttachmentID.NotFound",
    "describe transit gateway peering attachments",
)


def main() -> None:
    argument_spec = dict(
        transit_gateway_attachment_ids=dict(type="list", elements="str", default=[]),
        filters=dict(type="dict", default={}),
    )

    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
    )

    client = module.client("ec2")

    params: Dict[str, Any] = {}
    if module.params.get("transit_gateway_attachment_ids"):
        params["TransitGatewayAttachmentIds"] = module.params["transit_gateway_attachment_ids"]
    if module.params.get("filters"):
        params["Filters"] = ansible_dict_to_boto3_filter_list(module.params["filters"])

    try:
        attachments = describe_peering_attachments(client, **params)
    except AnsibleEC2Error as e:
        module.fail_json_aws_error(e)

    module.exit_json(
        changed=False,
        transit_gateway_peering_attachments=[ec2_resource_to_ansible(attachment) for attachment in attachments],
    )


if __name__ == "__main__":
    main()
