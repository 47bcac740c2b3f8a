#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gcp_compute_network_peering
short_description: Manage one VPC network peering of a GCP network
version_added: 0.1.0
description:
  - Add, update or remove one peering of a VPC network with C(networks.addPeering),
    C(networks.updatePeering) and C(networks.removePeering).
  - A peering is one-sided; GCP reports it as C(ACTIVE) once the peer network has the
    reverse peering, C(INACTIVE) until then. Run the module for both networks.
  - The peer network of an existing peering can not be changed in place; when
    O(peer_network) differs the peering is removed and added again.
author:
  - ecommerce platform team (!UNKNOWN)
options:
  state:
    description:
      - Whether the peering should exist.
    type: str
    choices: ["present", "absent"]
    default: "present"
  name:
    description:
      - Name of the peering, unique within O(network).
    type: str
    required: true
  network:
    description:
      - The local network, as a name in O(project) or as a network URL.
    type: str
    required: true
  peer_network:
    description:
      - The peer network, as a network URL or relative path (C(projects/P/global/networks/N)),
        or as a name in O(peer_project).
      - Required when O(state=present).
    type: str
  peer_project:
    description:
      - Project of O(peer_network) when it is given as a name. Defaults to O(project).
    type: str
  export_custom_routes:
    description:
      - Whether custom routes of the local network are exported to the peer.
    type: bool
    default: false
  import_custom_routes:
    description:
      - Whether custom routes of the peer network are imported.
    type: bool
    default: false
extends_documentation_fragment:
  - google.cloud.gcp
notes:
  - API Reference U(https://cloud.google.com/compute/docs/reference/rest/v1/networks/addPeering)
  - VPC Network Peering U(https://cloud.google.com/vpc/docs/vpc-peering)
  - Supports check mode and diff mode.
"""

EXAMPLES = r"""
- name: Peer the shared VPC with the tooling network (both directions)
  ecommerce.multicloud.gcp_compute_network_peering:
    name: "{{ item.name }}"
    project: "{{ item.project }}"
    network: "{{ item.network }}"
    peer_network: "{{ item.peer }}"
    export_custom_routes: true
    import_custom_routes: true
    auth_kind: application
  loop:
    - {name: shared-to-tools, project: host-prod, network: shared-vpc, peer: projects/tools/global/networks/tools}
    - {name: tools-to-shared, project: tools, network: tools, peer: projects/host-prod/global/networks/shared-vpc}

- name: Remove a peering
  ecommerce.multicloud.gcp_compute_network_peering:
    name: shared-to-tools
    project: host-prod
    network: shared-vpc
    state: absent
    auth_kind: application
"""

RETURN = r"""
name:
  description: Name of the peering.
  returned: when O(state=present)
  type: str
  sample: shared-to-tools
network:
  description: URL of the peer network.
  returned: when O(state=present)
  type: str
  sample: https://www.googleapis.com/compute/v1/projects/tools/global/networks/tools
state:
  description: C(ACTIVE) when the peer network has the reverse peering, else C(INACTIVE).
  returned: when O(state=present)
  type: str
  sample: ACTIVE
stateDetails:
  description: Details of the peering state.
  returned: when O(state=present)
  type: str
exportCustomRoutes:
  description: Whether custom routes are exported.
  returned: when O(state=present)
  type: bool
importCustomRoutes:
  description: Whether custom routes are imported.
  returned: when O(state=present)
  type: bool
exchangeSubnetRoutes:
  description: Whether subnet routes are exchanged (always true).
  returned: when O(state=present)
  type: bool
"""

from ansible_collections.google.cloud.plugins.module_utils.gcp_utils import GcpModule, GcpSession
from ansible_collections.ecommerce.multicloud.plugins.module_utils.gcp_network import (
    COMPUTE_URL,
    network_path,
    prepare_params,
    relative_path,
    resource_link,
    return_if_object,
    same_resource,
    wait_for_compute_operation,
)


def main():
    module = GcpModule(
        argument_spec=dict(
            state=dict(default="present", choices=["present", "absent"], type="str"),
            name=dict(required=True, type="str"),
            network=dict(required=True, type="str"),
            peer_network=dict(type="str"),
            peer_project=dict(type="str"),
            export_custom_routes=dict(default=False, type="bool"),
            import_custom_routes=dict(default=False, type="bool"),
        ),
        required_if=[("state", "present", ["peer_network"])],
        supports_check_mode=True,
    )
    params = module.params
    prepare_params(module, project_required=False)
    own_network = network_path(module, params["network"])
    peer_link = None
    if params["state"] == "present":
        peer_project = params["peer_project"] or params["project"]
        if relative_path(params["peer_network"]) is None and not peer_project:
            module.fail_json(msg="peer_project or project is required when peer_network is given as a name")
        peer_link = resource_link(params["peer_network"], peer_project, "global", "networks")

    session = GcpSession(module, "compute")
    link = COMPUTE_URL + own_network
    network = return_if_object(module, session.get(link), allow_not_found=True)
    if network is None:
        module.fail_json(msg="Network %s not found" % own_network)
    current = find_peering(network, params["name"])

    desired = None
    actions = []
    if params["state"] == "present":
        desired = dict(
            name=params["name"],
            network=peer_link,
            exchangeSubnetRoutes=True,
            exportCustomRoutes=params["export_custom_routes"],
            importCustomRoutes=params["import_custom_routes"],
        )
        if current is None:
            actions = ["add"]
        elif not same_resource(current.get("network", ""), peer_link):
            actions = ["remove", "add"]
        elif any(current.get(k, False) != desired[k] for k in ("exportCustomRoutes", "importCustomRoutes")):
            actions = ["update"]
    elif current is not None:
        actions = ["remove"]

    changed = bool(actions)
    result = current if not changed else (dict(current or {}, **desired) if desired else {})
    if changed and not module.check_mode:
        for action in actions:
            if action == "add":
                body = {"name": params["name"], "networkPeering": desired}
                response = session.post(link + "/addPeering", body)
            elif action == "update":
                body = {
                    "networkPeering": dict(
                        name=params["name"],
                        exportCustomRoutes=desired["exportCustomRoutes"],
                        importCustomRoutes=desired["importCustomRoutes"],
                    )
                }
                response = session.patch(link + "/updatePeering", body)
            else:
                response = session.post(link + "/removePeering", {"name": params["name"]})
            wait_for_compute_operation(module, session, response)
        network = return_if_object(module, session.get(link))
        result = find_peering(network, params["name"]) or {}

    output = dict(result or {}, changed=changed)
    if module._diff:
        output["diff"] = dict(before=current or {}, after=(dict(current or {}, **desired) if desired else {}))
    module.exit_json(**output)


def find_peering(network, name):
    for peering in network.get("peerings") or []:
        if peering.get("name") == name:
            return peering
    return None


if __name__ == "__main__":
    main()
