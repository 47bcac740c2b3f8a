#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gcp_service_networking_connection
short_description: Manage a private service access connection of a GCP VPC network
version_added: 0.1.0
description:
  - Create, update or delete the Service Networking connection that gives a VPC network
    private access to a Google-managed service (Cloud SQL, Memorystore, ...).
  - The connection peers the network with the service producer's network over the
    allocated ranges O(reserved_peering_ranges) (global addresses with purpose
    C(VPC_PEERING), see M(google.cloud.gcp_compute_global_address)).
  - Uses C(services.connections.list), C(create), C(patch) and C(deleteConnection) of the
    Service Networking API and waits for their long-running operations.
author:
  - ecommerce platform team (!UNKNOWN)
options:
  state:
    description:
      - Whether the connection should exist.
    type: str
    choices: ["present", "absent"]
    default: "present"
  network:
    description:
      - The consumer VPC network, as a name in O(project) or as a network URL.
    type: str
    required: true
  service:
    description:
      - The service producer the network is connected to.
    type: str
    default: servicenetworking.googleapis.com
  reserved_peering_ranges:
    description:
      - Names of the allocated IP ranges (global addresses of the network's project with
        purpose C(VPC_PEERING)) the service may use. Order does not matter.
      - Required when O(state=present).
    type: list
    elements: str
  force:
    description:
      - Update the connection even when ranges that are removed from it are still in use
        by the service (C(force) of C(services.connections.patch)).
    type: bool
    default: false
extends_documentation_fragment:
  - google.cloud.gcp
notes:
  - API Reference U(https://cloud.google.com/service-infrastructure/docs/service-networking/reference/rest/v1/services.connections)
  - Private services access U(https://cloud.google.com/vpc/docs/configure-private-services-access)
  - The network's project number is read with the Compute API (C(projects.get)).
  - Supports check mode and diff mode.
"""

EXAMPLES = r"""
- name: Allocated range for Google-managed services
  google.cloud.gcp_compute_global_address:
    name: psa-range
    purpose: VPC_PEERING
    address_type: INTERNAL
    address: 10.100.0.0
    prefix_length: 16
    network:
      selfLink: "https://www.googleapis.com/compute/v1/projects/ecommerce-net-host/global/networks/shared-vpc"
    project: ecommerce-net-host
    auth_kind: application

- name: Private service access for Cloud SQL
  ecommerce.multicloud.gcp_service_networking_connection:
    network: shared-vpc
    reserved_peering_ranges: [psa-range]
    project: ecommerce-net-host
    auth_kind: application

- name: Remove the connection
  ecommerce.multicloud.gcp_service_networking_connection:
    network: shared-vpc
    project: ecommerce-net-host
    state: absent
    auth_kind: application
"""

RETURN = r"""
network:
  description: The consumer network, as C(projects/PROJECT_NUMBER/global/networks/NAME).
  returned: when O(state=present)
  type: str
  sample: projects/123456789012/global/networks/shared-vpc
reservedPeeringRanges:
  description: Names of the allocated ranges of the connection.
  returned: when O(state=present)
  type: list
  elements: str
  sample: [psa-range]
peering:
  description: Name of the VPC peering the connection created on the network.
  returned: when O(state=present) and not in check mode for a new connection
  type: str
  sample: servicenetworking-googleapis-com
service:
  description: The service producer, as C(services/SERVICE).
  returned: when O(state=present)
  type: str
  sample: services/servicenetworking.googleapis.com
"""

from ansible_collections.google.cloud.plugins.module_utils.gcp_utils import GcpModule, GcpSession
from ansible_collections.ecommerce.multicloud.plugins.module_utils.gcp_network import (
    CLOUD_PLATFORM_SCOPE,
    COMPUTE_URL,
    network_path,
    prepare_params,
    return_if_object,
    wait_for_longrunning_operation,
)

SERVICE_NETWORKING_URL = "https://servicenetworking.googleapis.com/v1/"


def main():
    module = GcpModule(
        argument_spec=dict(
            state=dict(default="present", choices=["present", "absent"], type="str"),
            network=dict(required=True, type="str"),
            service=dict(default="servicenetworking.googleapis.com", type="str"),
            reserved_peering_ranges=dict(type="list", elements="str"),
            force=dict(default=False, type="bool"),
        ),
        required_if=[("state", "present", ["reserved_peering_ranges"])],
        supports_check_mode=True,
    )
    params = module.params
    prepare_params(module, scope=CLOUD_PLATFORM_SCOPE, project_required=False)
    path = network_path(module, params["network"])
    parts = path.split("/")
    if parts[2] != "global" or parts[3] != "networks":
        module.fail_json(msg="network must name a VPC network (projects/PROJECT/global/networks/NAME)")
    if params["state"] == "present":
        if not params["reserved_peering_ranges"]:
            module.fail_json(msg="reserved_peering_ranges must list at least one allocated range")
        if len(set(params["reserved_peering_ranges"])) != len(params["reserved_peering_ranges"]):
            module.fail_json(msg="reserved_peering_ranges lists a range more than once")

    session = GcpSession(module, "servicenetworking")
    project = return_if_object(module, session.get(COMPUTE_URL + "projects/" + parts[1]))
    network = "projects/%s/global/networks/%s" % (project["id"], parts[4])
    connections_url = "%sservices/%s/connections" % (SERVICE_NETWORKING_URL, params["service"])
    current = find_connection(module, session, connections_url, network)

    desired = None
    action = None
    if params["state"] == "present":
        desired = dict(current or {}, network=network, reservedPeeringRanges=list(params["reserved_peering_ranges"]))
        desired.setdefault("service", "services/" + params["service"])
        if current is None:
            action = "create"
        elif sorted(current.get("reservedPeeringRanges") or []) != sorted(desired["reservedPeeringRanges"]):
            action = "patch"
    elif current is not None:
        action = "delete"

    changed = action is not None
    result = (desired or {}) if changed else (current or {})
    if changed and not module.check_mode:
        body = dict(network=network, reservedPeeringRanges=params["reserved_peering_ranges"])
        if action == "create":
            response = session.post(connections_url, body)
        elif action == "patch":
            query = dict(updateMask="reservedPeeringRanges", force="true" if params["force"] else "false")
            response = session.patch(connections_url + "/-", body, params=query)
        else:
            response = session.post(
                "%s/%s" % (connections_url, current.get("peering") or "servicenetworking-googleapis-com"),
                dict(consumerNetwork=network),
            )
        wait_for_longrunning_operation(module, session, response, SERVICE_NETWORKING_URL)
        result = find_connection(module, session, connections_url, network) or {}

    output = dict(result, changed=changed)
    if module._diff:
        output["diff"] = dict(before=current or {}, after=desired or {})
    module.exit_json(**output)


def find_connection(module, session, url, network):
    response = return_if_object(module, session.full_get(url, params=dict(network=network)))
    for connection in (response or {}).get("connections") or []:
        if connection.get("network") == network:
            return connection
    return None


if __name__ == "__main__":
    main()
