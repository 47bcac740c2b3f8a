#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gcp_compute_router_nat
short_description: Manage one Cloud NAT configuration on a GCP Cloud Router
version_added: 0.1.0
description:
  - Create, update or delete one NAT configuration (Cloud NAT) in the C(nats) list of an
    existing Cloud Router.
  - The router is read, its C(nats) list changed and written back with C(routers.patch);
    other NAT configurations of the router are left as they are.
  - Options that are not set are not managed; the values the router already has are kept.
author:
  - ecommerce platform team (!UNKNOWN)
options:
  state:
    description:
      - Whether the NAT configuration should exist.
    type: str
    choices: ["present", "absent"]
    default: "present"
  name:
    description:
      - Name of the NAT configuration, unique within the router.
    type: str
    required: true
  router:
    description:
      - Name of the existing Cloud Router that holds the NAT configuration.
    type: str
    required: true
  region:
    description:
      - Region of the Cloud Router.
    type: str
    required: true
  nat_ip_allocate_option:
    description:
      - How external IP addresses are allocated to the NAT.
      - V(AUTO_ONLY) lets Google allocate them; V(MANUAL_ONLY) uses O(nat_ips).
    type: str
    choices: ["AUTO_ONLY", "MANUAL_ONLY"]
    default: "AUTO_ONLY"
  nat_ips:
    description:
      - Static external addresses used by the NAT, as names of regional addresses in
        O(region) or as address URLs.
      - Required when O(nat_ip_allocate_option=MANUAL_ONLY), not allowed with V(AUTO_ONLY).
    type: list
    elements: str
  source_subnetwork_ip_ranges_to_nat:
    description:
      - Which subnetwork IP ranges are translated.
      - With V(LIST_OF_SUBNETWORKS) only the ranges of O(subnetworks) are.
    type: str
    choices: ["ALL_SUBNETWORKS_ALL_IP_RANGES", "ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES", "LIST_OF_SUBNETWORKS"]
    default: "ALL_SUBNETWORKS_ALL_IP_RANGES"
  subnetworks:
    description:
      - The subnetworks whose ranges are translated.
      - Required when O(source_subnetwork_ip_ranges_to_nat=LIST_OF_SUBNETWORKS), not allowed otherwise.
    type: list
    elements: dict
    suboptions:
      name:
        description:
          - Name of a subnetwork in O(region), or its URL.
        type: str
        required: true
      source_ip_ranges_to_nat:
        description:
          - Which ranges of the subnetwork are translated.
        type: list
        elements: str
        choices: ["ALL_IP_RANGES", "PRIMARY_IP_RANGE", "LIST_OF_SECONDARY_IP_RANGES"]
        default: ["ALL_IP_RANGES"]
      secondary_ip_range_names:
        description:
          - Secondary ranges translated, with V(LIST_OF_SECONDARY_IP_RANGES) in O(subnetworks[].source_ip_ranges_to_nat).
        type: list
        elements: str
  min_ports_per_vm:
    description:
      - Minimum number of ports allocated to a VM from this NAT.
    type: int
  log_config:
    description:
      - Logging of the NAT's translations.
    type: dict
    suboptions:
      enable:
        description:
          - Whether logging is enabled.
        type: bool
        required: true
      filter:
        description:
          - Which translations are logged.
        type: str
        choices: ["ALL", "ERRORS_ONLY", "TRANSLATIONS_ONLY"]
        default: "ALL"
extends_documentation_fragment:
  - google.cloud.gcp
notes:
  - API Reference U(https://cloud.google.com/compute/docs/reference/rest/v1/routers)
  - Cloud NAT U(https://cloud.google.com/nat/docs/overview)
  - The router must exist; create it with M(google.cloud.gcp_compute_router).
  - Supports check mode and diff mode.
"""

EXAMPLES = r"""
- name: Cloud NAT for instances without public IPs
  ecommerce.multicloud.gcp_compute_router_nat:
    name: nat-us-central1
    router: router-us-central1
    region: us-central1
    project: ecommerce-prod-host
    auth_kind: serviceaccount
    service_account_file: /path/to/key.json
    nat_ip_allocate_option: AUTO_ONLY
    source_subnetwork_ip_ranges_to_nat: ALL_SUBNETWORKS_ALL_IP_RANGES
    min_ports_per_vm: 128
    log_config:
      enable: true
      filter: ERRORS_ONLY

- name: NAT only the primary range of one subnetwork, with static addresses
  ecommerce.multicloud.gcp_compute_router_nat:
    name: nat-app
    router: router-us-central1
    region: us-central1
    project: ecommerce-prod-host
    auth_kind: application
    nat_ip_allocate_option: MANUAL_ONLY
    nat_ips: [nat-ip-1, nat-ip-2]
    source_subnetwork_ip_ranges_to_nat: LIST_OF_SUBNETWORKS
    subnetworks:
      - name: app-us-central1
        source_ip_ranges_to_nat: [PRIMARY_IP_RANGE]

- name: Remove the NAT configuration
  ecommerce.multicloud.gcp_compute_router_nat:
    name: nat-us-central1
    router: router-us-central1
    region: us-central1
    project: ecommerce-prod-host
    auth_kind: application
    state: absent
"""

RETURN = r"""
name:
  description: Name of the NAT configuration.
  returned: when O(state=present)
  type: str
  sample: nat-us-central1
natIpAllocateOption:
  description: How external IP addresses are allocated.
  returned: when O(state=present)
  type: str
  sample: AUTO_ONLY
natIps:
  description: URLs of the static external addresses used by the NAT.
  returned: when O(state=present) and addresses are set
  type: list
  elements: str
sourceSubnetworkIpRangesToNat:
  description: Which subnetwork IP ranges are translated.
  returned: when O(state=present)
  type: str
  sample: ALL_SUBNETWORKS_ALL_IP_RANGES
subnetworks:
  description: The subnetworks translated, with C(name) (URL), C(sourceIpRangesToNat) and C(secondaryIpRangeNames).
  returned: when O(state=present) and subnetworks are listed
  type: list
  elements: dict
minPortsPerVm:
  description: Minimum number of ports per VM.
  returned: when set
  type: int
  sample: 128
logConfig:
  description: Logging settings, with C(enable) and C(filter).
  returned: when set
  type: dict
  sample: {"enable": true, "filter": "ERRORS_ONLY"}
router:
  description: Self link of the Cloud Router holding the NAT configuration.
  returned: always
  type: str
  sample: https://www.googleapis.com/compute/v1/projects/ecommerce-prod-host/regions/us-central1/routers/router-us-central1
"""

import copy

from ansible_collections.google.cloud.plugins.module_utils.gcp_utils import GcpModule, GcpSession
from ansible_collections.ecommerce.multicloud.plugins.module_utils.gcp_network import (
    COMPUTE_URL,
    prepare_params,
    relative_path,
    resource_link,
    return_if_object,
    wait_for_compute_operation,
)


def main():
    module = GcpModule(
        argument_spec=dict(
            state=dict(default="present", choices=["present", "absent"], type="str"),
            name=dict(required=True, type="str"),
            router=dict(required=True, type="str"),
            region=dict(required=True, type="str"),
            nat_ip_allocate_option=dict(default="AUTO_ONLY", choices=["AUTO_ONLY", "MANUAL_ONLY"], type="str"),
            nat_ips=dict(type="list", elements="str"),
            source_subnetwork_ip_ranges_to_nat=dict(
                default="ALL_SUBNETWORKS_ALL_IP_RANGES",
                choices=[
                    "ALL_SUBNETWORKS_ALL_IP_RANGES",
                    "ALL_SUBNETWORKS_ALL_PRIMARY_IP_RANGES",
                    "LIST_OF_SUBNETWORKS",
                ],
                type="str",
            ),
            subnetworks=dict(
                type="list",
                elements="dict",
                options=dict(
                    name=dict(required=True, type="str"),
                    source_ip_ranges_to_nat=dict(
                        type="list",
                        elements="str",
                        choices=["ALL_IP_RANGES", "PRIMARY_IP_RANGE", "LIST_OF_SECONDARY_IP_RANGES"],
                        default=["ALL_IP_RANGES"],
                    ),
                    secondary_ip_range_names=dict(type="list", elements="str"),
                ),
            ),
            min_ports_per_vm=dict(type="int"),
            log_config=dict(
                type="dict",
                options=dict(
                    enable=dict(required=True, type="bool"),
                    filter=dict(default="ALL", choices=["ALL", "ERRORS_ONLY", "TRANSLATIONS_ONLY"], type="str"),
                ),
            ),
        ),
        required_if=[
            ("nat_ip_allocate_option", "MANUAL_ONLY", ["nat_ips"]),
            ("source_subnetwork_ip_ranges_to_nat", "LIST_OF_SUBNETWORKS", ["subnetworks"]),
        ],
        supports_check_mode=True,
    )
    params = module.params
    prepare_params(module)
    if params["state"] == "present":
        validate(module)

    session = GcpSession(module, "compute")
    link = router_link(module)
    router = return_if_object(module, session.get(link), allow_not_found=True)
    if router is None:
        module.fail_json(
            msg="Cloud Router %s not found in region %s of project %s"
            % (params["router"], params["region"], params["project"])
        )

    nats = router.get("nats") or []
    current = find_nat(nats, params["name"])
    if params["state"] == "present":
        desired = merge(current, nat_request(module))
        changed = current is None or not same_nat(desired, current)
        new_nats = [desired if n.get("name") == params["name"] else n for n in nats]
        if current is None:
            new_nats.append(desired)
    else:
        desired = None
        changed = current is not None
        new_nats = [n for n in nats if n.get("name") != params["name"]]

    result = desired if desired is not None else {}
    if changed and not module.check_mode:
        body = {"nats": new_nats}
        if router.get("fingerprint"):
            body["fingerprint"] = router["fingerprint"]
        wait_for_compute_operation(module, session, session.patch(link, body))
        router = return_if_object(module, session.get(link))
        result = find_nat(router.get("nats") or [], params["name"]) or {}

    output = dict(copy.deepcopy(result), changed=changed, router=router.get("selfLink", link))
    if module._diff:
        output["diff"] = dict(before=current or {}, after=desired or {})
    module.exit_json(**output)


def validate(module):
    params = module.params
    if params["nat_ip_allocate_option"] == "AUTO_ONLY" and params["nat_ips"]:
        module.fail_json(msg="nat_ips can only be set with nat_ip_allocate_option=MANUAL_ONLY")
    if params["source_subnetwork_ip_ranges_to_nat"] != "LIST_OF_SUBNETWORKS" and params["subnetworks"]:
        module.fail_json(msg="subnetworks can only be set with source_subnetwork_ip_ranges_to_nat=LIST_OF_SUBNETWORKS")
    for subnet in params["subnetworks"] or []:
        secondary = "LIST_OF_SECONDARY_IP_RANGES" in subnet["source_ip_ranges_to_nat"]
        if secondary != bool(subnet.get("secondary_ip_range_names")):
            module.fail_json(
                msg="subnetwork %s: secondary_ip_range_names is required with, and only allowed with, "
                "source_ip_ranges_to_nat LIST_OF_SECONDARY_IP_RANGES" % subnet["name"]
            )
    if params["min_ports_per_vm"] is not None and not 2 <= params["min_ports_per_vm"] <= 65536:
        module.fail_json(msg="min_ports_per_vm must be between 2 and 65536")


def router_link(module):
    return "{0}projects/{1}/regions/{2}/routers/{3}".format(
        COMPUTE_URL, module.params["project"], module.params["region"], module.params["router"]
    )


def find_nat(nats, name):
    for nat in nats:
        if nat.get("name") == name:
            return nat
    return None


def nat_request(module):
    """The NAT fields this module manages, in the API's shape (None: not managed)."""
    params = module.params
    project, scope = params["project"], "regions/%s" % params["region"]
    request = {
        "name": params["name"],
        "natIpAllocateOption": params["nat_ip_allocate_option"],
        "sourceSubnetworkIpRangesToNat": params["source_subnetwork_ip_ranges_to_nat"],
        "natIps": [resource_link(ip, project, scope, "addresses") for ip in params["nat_ips"] or []],
        "subnetworks": [],
        "minPortsPerVm": params["min_ports_per_vm"],
        "logConfig": None,
    }
    for subnet in params["subnetworks"] or []:
        item = {
            "name": resource_link(subnet["name"], project, scope, "subnetworks"),
            "sourceIpRangesToNat": subnet["source_ip_ranges_to_nat"],
        }
        if subnet.get("secondary_ip_range_names"):
            item["secondaryIpRangeNames"] = subnet["secondary_ip_range_names"]
        request["subnetworks"].append(item)
    if params["log_config"] is not None:
        request["logConfig"] = dict(enable=params["log_config"]["enable"], filter=params["log_config"]["filter"])
    return request


def merge(current, request):
    """The NAT to write: the current one with every managed field replaced; empty lists removed."""
    nat = copy.deepcopy(current) if current else {}
    for key, value in request.items():
        if value is None:
            continue
        if value == []:
            nat.pop(key, None)
        else:
            nat[key] = value
    return nat


def same_nat(desired, current):
    keys = set(desired) | set(current)
    for key in keys:
        want, have = desired.get(key), current.get(key)
        if key == "natIps":
            if sorted(_paths(want)) != sorted(_paths(have)):
                return False
        elif key == "subnetworks":
            if _subnets(want) != _subnets(have):
                return False
        elif want != have:
            return False
    return True


def _paths(links):
    return [relative_path(link) or link for link in links or []]


def _subnets(items):
    return sorted(
        (
            relative_path(item.get("name", "")) or item.get("name", ""),
            sorted(item.get("sourceIpRangesToNat") or []),
            sorted(item.get("secondaryIpRangeNames") or []),
        )
        for item in items or []
    )


if __name__ == "__main__":
    main()
