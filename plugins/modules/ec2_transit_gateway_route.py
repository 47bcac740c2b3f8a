#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

DOCUMENTATION = r"""
---
module: ec2_transit_gateway_route
short_description: Manage a static route in an AWS Transit Gateway route table
version_added: 0.1.0
description:
  - Create, replace or delete one static route in a Transit Gateway route table.
  - The route is identified by the route table and O(destination_cidr_block). Only routes of
    type V(static) are managed. Propagated routes (and V(system) routes) with the same
    destination are never modified or deleted.
  - When a static route for O(destination_cidr_block) already exists but points at another
    attachment, or its blackhole setting differs, it is replaced in place with
    ReplaceTransitGatewayRoute.
  - A typical use is to route the VPC CIDR blocks of a peer region over a transit gateway
    peering attachment. Routes are never propagated over peering attachments, so they must be
    added as static routes.
options:
  state:
    description:
      - Create or remove the route.
    type: str
    choices: ["present", "absent"]
    default: "present"
  transit_gateway_route_table_id:
    description:
      - The ID of the transit gateway route table, for example V(tgw-rtb-0123456789abcdef0).
      - Mutually exclusive with O(transit_gateway_id). One of them is required.
    type: str
  transit_gateway_id:
    description:
      - The ID of a transit gateway, for example V(tgw-0123456789abcdef0). The route is managed in
        the association default route table of the transit gateway (C(AssociationDefaultRouteTableId)
        in the options returned by DescribeTransitGateways).
      - The module fails when the transit gateway does not exist or has no association default
        route table (default route table association disabled).
      - Mutually exclusive with O(transit_gateway_route_table_id). One of them is required.
    type: str
  destination_cidr_block:
    description:
      - The IPv4 or IPv6 CIDR block matched by the route, for example V(10.20.0.0/16).
      - It must be a network address with a prefix length. Host bits must not be set.
      - IPv6 CIDR blocks are normalized to their compressed lowercase form, for example
        V(FD00:0:0::/48) is managed as V(fd00::/48).
      - The value is validated before any AWS API call.
    type: str
    required: true
  transit_gateway_attachment_id:
    description:
      - The ID of the attachment the traffic is sent to, for example a VPC, VPN or peering
        attachment V(tgw-attach-0123456789abcdef0).
      - For O(state=present), exactly one of O(transit_gateway_attachment_id) and O(blackhole=true)
        is required.
      - Ignored when O(state=absent).
    type: str
  blackhole:
    description:
      - Whether the traffic matching the route is dropped.
      - For O(state=present), exactly one of O(transit_gateway_attachment_id) and O(blackhole=true)
        is required.
      - Ignored when O(state=absent).
    type: bool
    default: false
notes:
  - With O(state=absent) the static route for O(destination_cidr_block) is deleted whatever it
    points at.
  - A static route is considered to point at O(transit_gateway_attachment_id) when that is the
    only attachment reported for the route, whatever the state of the route. A route whose
    attachment was deleted may be reported in the V(blackhole) state by AWS; it is not replaced
    when it is reported with the requested attachment.
  - In check mode no route is created, replaced or deleted.
author:
  - ecommerce platform team (!UNKNOWN)
extends_documentation_fragment:
  - amazon.aws.common.modules
  - amazon.aws.region.modules
  - amazon.aws.boto3
"""

EXAMPLES = r"""
- name: Route the us-west-2 VPC range over the transit gateway peering attachment
  ecommerce.multicloud.ec2_transit_gateway_route:
    region: us-east-1
    transit_gateway_id: tgw-0123456789abcdef0
    destination_cidr_block: 10.20.0.0/16
    transit_gateway_attachment_id: tgw-attach-0fedcba9876543210

- name: Route an IPv6 range to a VPC attachment in a specific route table
  ecommerce.multicloud.ec2_transit_gateway_route:
    transit_gateway_route_table_id: tgw-rtb-0123456789abcdef0
    destination_cidr_block: 2600:1f18:abcd::/56
    transit_gateway_attachment_id: tgw-attach-0123456789abcdef0

- name: Drop traffic to a decommissioned range
  ecommerce.multicloud.ec2_transit_gateway_route:
    transit_gateway_route_table_id: tgw-rtb-0123456789abcdef0
    destination_cidr_block: 10.99.0.0/16
    blackhole: true

- name: Remove the static route
  ecommerce.multicloud.ec2_transit_gateway_route:
    state: absent
    transit_gateway_id: tgw-0123456789abcdef0
    destination_cidr_block: 10.20.0.0/16
"""

RETURN = r"""
transit_gateway_route_table_id:
  description:
    - The ID of the route table the route is managed in, O(transit_gateway_route_table_id) or
      the association default route table of O(transit_gateway_id).
  type: str
  returned: always
  sample: "tgw-rtb-0123456789abcdef0"
route:
  description:
    - The static route as returned by AWS, with keys converted to snake_case.
    - In check mode, when the route would be created or replaced, a prediction built from the
      module options, in which the attachments only contain C(transit_gateway_attachment_id).
    - An empty dictionary when O(state=absent).
  type: dict
  returned: always
  contains:
    destination_cidr_block:
      description: The CIDR block used for destination matches.
      type: str
      returned: when O(state=present)
      sample: "10.20.0.0/16"
    state:
      description: The state of the route, V(pending), V(active), V(blackhole), V(deleting) or V(deleted).
      type: str
      returned: when O(state=present)
      sample: "active"
    type:
      description: The type of the route, always V(static).
      type: str
      returned: when O(state=present)
      sample: "static"
    transit_gateway_attachments:
      description:
        - The attachments the route points at.
        - An empty list for a blackhole route.
      type: list
      elements: dict
      returned: when O(state=present)
      contains:
        resource_id:
          description: The ID of the resource of the attachment, for example a VPC or the peer transit gateway.
          type: str
          returned: when returned by AWS
          sample: "tgw-0fedcba9876543210"
        resource_type:
          description: The type of the resource of the attachment.
          type: str
          returned: when returned by AWS
          sample: "peering"
        transit_gateway_attachment_id:
          description: The ID of the attachment.
          type: str
          returned: always
          sample: "tgw-attach-0fedcba9876543210"
"""

import ipaddress
from typing import Any
from typing import Dict
from typing import List
from typing import Optional
from typing import Union

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.botocore import normalize_boto3_result
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import AnsibleEC2Error
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.modules import AnsibleAWSModule
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry

# Transit gateways in these states are treated as missing
GONE_TGW_STATES = ("deleting", "deleted")
# Static routes in these states are on their way out and are not considered existing
GONE_ROUTE_STATES = ("deleting", "deleted")

Network = Union[ipaddress.IPv4Network, ipaddress.IPv6Network]


class TransitGatewayRouteErrorHandler(AWSErrorHandler):
    _CUSTOM_EXCEPTION = AnsibleEC2Error

    @classmethod
    def _is_missing(cls):
        return is_boto3_error_code(["InvalidTransitGatewayID.NotFound", "InvalidRoute.NotFound"])


@TransitGatewayRouteErrorHandler.list_error_handler("describe transit gateways", [])
@AWSRetry.jittered_backoff()
def describe_transit_gateways(client, **params: Any) -> List[Dict[str, Any]]:
    paginator = client.get_paginator("describe_transit_gateways")
    return paginator.paginate(**params).build_full_result()["TransitGateways"]


@TransitGatewayRouteErrorHandler.common_error_handler("search transit gateway routes")
@AWSRetry.jittered_backoff()
def search_routes(client, **params: Any) -> List[Dict[str, Any]]:
    paginator = client.get_paginator("search_transit_gateway_routes")
    return paginator.paginate(**params).build_full_result().get("Routes", [])


@TransitGatewayRouteErrorHandler.common_error_handler("create transit gateway route")
@AWSRetry.jittered_backoff()
def create_route(client, **params: Any) -> Optional[Dict[str, Any]]:
    return client.create_transit_gateway_route(**params).get("Route")


@TransitGatewayRouteErrorHandler.common_error_handler("replace transit gateway route")
@AWSRetry.jittered_backoff()
def replace_route(client, **params: Any) -> Optional[Dict[str, Any]]:
    return client.replace_transit_gateway_route(**params).get("Route")


@TransitGatewayRouteErrorHandler.deletion_error_handler("delete transit gateway route")
@AWSRetry.jittered_backoff()
def delete_route(client, route_table_id: str, cidr: str) -> bool:
    client.delete_transit_gateway_route(TransitGatewayRouteTableId=route_table_id, DestinationCidrBlock=cidr)
    return True


def route_to_ansible(route: Optional[Dict[str, Any]]) -> Dict[str, Any]:
    """Convert a boto3 transit gateway route to snake_case, always with a list of attachments."""
    if not route:
        return {}
    result = camel_dict_to_snake_dict(normalize_boto3_result(route))
    result.setdefault("transit_gateway_attachments", [])
    return result


def parse_cidr(value: str) -> Network:
    """Parse an IPv4 or IPv6 CIDR block; raise ValueError with the reason when it is not valid."""
    if "/" not in value:
        raise ValueError("a prefix length is required, for example 10.0.0.0/16")
    return ipaddress.ip_network(value, strict=True)


def same_network(value: Optional[str], network: Network) -> bool:
    if not value:
        return False
    try:
        return ipaddress.ip_network(value, strict=False) == network
    except ValueError:
        return False


def route_attachment_ids(route: Dict[str, Any]) -> List[str]:
    attachments = route.get("TransitGatewayAttachments") or []
    return sorted({a["TransitGatewayAttachmentId"] for a in attachments if a.get("TransitGatewayAttachmentId")})


def route_matches(route: Dict[str, Any], attachment_id: Optional[str], blackhole: bool) -> bool:
    """Whether an existing static route already points where the options ask."""
    attachment_ids = route_attachment_ids(route)
    if blackhole:
        return not attachment_ids and route.get("State") == "blackhole"
    return attachment_ids == [attachment_id]


def predicted_route(cidr: str, attachment_id: Optional[str], blackhole: bool) -> Dict[str, Any]:
    """What the route is expected to look like (used in check mode)."""
    route = {"DestinationCidrBlock": cidr, "Type": "static"}
    if blackhole:
        route["State"] = "blackhole"
    else:
        route["State"] = "active"
        route["TransitGatewayAttachments"] = [{"TransitGatewayAttachmentId": attachment_id}]
    return route


def validate_params(module: AnsibleAWSModule) -> Network:
    """Checks that argument_spec rules can not express. Runs before any AWS API call."""
    params = module.params
    cidr = params["destination_cidr_block"]
    try:
        network = parse_cidr(cidr)
    except ValueError as e:
        module.fail_json(msg=f"destination_cidr_block: {cidr!r} is not a valid IPv4 or IPv6 CIDR block: {e}")

    if params["transit_gateway_attachment_id"] and params["blackhole"]:
        module.fail_json(msg="transit_gateway_attachment_id and blackhole=true are mutually exclusive")
    if params["state"] == "present" and not (params["transit_gateway_attachment_id"] or params["blackhole"]):
        module.fail_json(msg="one of transit_gateway_attachment_id or blackhole=true is required when state is present")
    return network


def resolve_route_table_id(client, module: AnsibleAWSModule) -> str:
    route_table_id = module.params["transit_gateway_route_table_id"]
    if route_table_id:
        return route_table_id

    tgw_id = module.params["transit_gateway_id"]
    try:
        tgws = describe_transit_gateways(client, TransitGatewayIds=[tgw_id])
    except AnsibleEC2Error as e:
        module.fail_json_aws_error(e)
    tgws = [t for t in tgws if t.get("TransitGatewayId") == tgw_id and t.get("State") not in GONE_TGW_STATES]
    if not tgws:
        module.fail_json(msg=f"Transit gateway {tgw_id} not found")

    route_table_id = (tgws[0].get("Options") or {}).get("AssociationDefaultRouteTableId")
    if not route_table_id:
        module.fail_json(
            msg=f"Transit gateway {tgw_id} has no association default route table, set transit_gateway_route_table_id"
        )
    return route_table_id


def find_route(client, module: AnsibleAWSModule, route_table_id: str, network: Network) -> Optional[Dict[str, Any]]:
    """Return the static route for the network, never a propagated one."""
    filters = [
        {"Name": "type", "Values": ["static"]},
        {"Name": "route-search.exact-match", "Values": [str(network)]},
    ]
    try:
        routes = search_routes(client, TransitGatewayRouteTableId=route_table_id, Filters=filters)
    except AnsibleEC2Error as e:
        module.fail_json_aws_error(e)

    # The filters are applied again: only static routes for exactly this network are ours.
    matches = [
        r
        for r in routes
        if r.get("Type") == "static"
        and r.get("State") not in GONE_ROUTE_STATES
        and same_network(r.get("DestinationCidrBlock"), network)
    ]
    if len(matches) > 1:
        module.fail_json(
            msg=f"Multiple static routes found for {network} in {route_table_id}",
            routes=[route_to_ansible(r) for r in matches],
        )
    return matches[0] if matches else None


def ensure_present(
    client, module: AnsibleAWSModule, route_table_id: str, cidr: str, existing: Optional[Dict[str, Any]]
) -> Dict[str, Any]:
    attachment_id = module.params["transit_gateway_attachment_id"]
    blackhole = module.params["blackhole"]

    if existing is not None and route_matches(existing, attachment_id, blackhole):
        return dict(changed=False, after=existing)

    predicted = predicted_route(cidr, attachment_id, blackhole)
    if module.check_mode:
        return dict(changed=True, after=predicted)

    request = dict(TransitGatewayRouteTableId=route_table_id, DestinationCidrBlock=cidr)
    if blackhole:
        request["Blackhole"] = True
    else:
        request["TransitGatewayAttachmentId"] = attachment_id
    try:
        if existing is None:
            route = create_route(client, **request)
        else:
            route = replace_route(client, **request)
    except AnsibleEC2Error as e:
        module.fail_json_aws_error(e)
    return dict(changed=True, after=route or predicted)


def ensure_absent(
    client, module: AnsibleAWSModule, route_table_id: str, cidr: str, existing: Optional[Dict[str, Any]]
) -> Dict[str, Any]:
    if existing is None:
        return dict(changed=False, after=None)
    if module.check_mode:
        return dict(changed=True, after=None)
    try:
        changed = delete_route(client, route_table_id, existing.get("DestinationCidrBlock") or cidr)
    except AnsibleEC2Error as e:
        module.fail_json_aws_error(e)
    return dict(changed=changed, after=None)


def main():
    argument_spec = dict(
        state=dict(type="str", default="present", choices=["present", "absent"]),
        transit_gateway_route_table_id=dict(type="str"),
        transit_gateway_id=dict(type="str"),
        destination_cidr_block=dict(type="str", required=True),
        transit_gateway_attachment_id=dict(type="str"),
        blackhole=dict(type="bool", default=False),
    )

    module = AnsibleAWSModule(
        argument_spec=argument_spec,
        supports_check_mode=True,
        mutually_exclusive=[["transit_gateway_route_table_id", "transit_gateway_id"]],
        required_one_of=[["transit_gateway_route_table_id", "transit_gateway_id"]],
    )
    network = validate_params(module)
    cidr = str(network)

    client = module.client("ec2")
    route_table_id = resolve_route_table_id(client, module)

    existing = find_route(client, module, route_table_id, network)
    if module.params["state"] == "present":
        outcome = ensure_present(client, module, route_table_id, cidr, existing)
    else:
        outcome = ensure_absent(client, module, route_table_id, cidr, existing)

    after = route_to_ansible(outcome["after"])
    result = dict(changed=outcome["changed"], route=after, transit_gateway_route_table_id=route_table_id)
    if module._diff:
        result["diff"] = dict(before=route_to_ansible(existing), after=after)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
