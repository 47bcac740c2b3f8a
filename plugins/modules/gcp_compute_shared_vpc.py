#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gcp_compute_shared_vpc
short_description: Manage a GCP shared VPC host project and its service projects
version_added: 0.1.0
description:
  - Enable a project as shared VPC (XPN) host and attach service projects to it, with
    C(projects.enableXpnHost) and C(projects.enableXpnResource).
  - With O(state=absent) every service project is detached and the host project disabled
    (GCP refuses to disable a host that still has service projects).
author:
  - ecommerce platform team (!UNKNOWN)
options:
  state:
    description:
      - V(present) makes O(host_project) a shared VPC host with O(service_projects) attached.
      - V(absent) detaches all service projects and disables the host; O(service_projects)
        and O(purge_service_projects) are ignored.
    type: str
    choices: ["present", "absent"]
    default: "present"
  host_project:
    description:
      - ID of the shared VPC host project.
    type: str
    required: true
  service_projects:
    description:
      - IDs of the service projects attached to the host.
    type: list
    elements: str
    default: []
  purge_service_projects:
    description:
      - Detach service projects attached to the host but not listed in O(service_projects).
    type: bool
    default: false
extends_documentation_fragment:
  - google.cloud.gcp
notes:
  - API Reference U(https://cloud.google.com/compute/docs/reference/rest/v1/projects/enableXpnHost)
  - Shared VPC U(https://cloud.google.com/vpc/docs/shared-vpc)
  - O(project) is not used; the host project is O(host_project).
  - Supports check mode and diff mode.
"""

EXAMPLES = r"""
- name: Shared VPC host with the environment service projects
  ecommerce.multicloud.gcp_compute_shared_vpc:
    host_project: ecommerce-net-host
    service_projects:
      - ecommerce-development
      - ecommerce-staging
      - ecommerce-production
    purge_service_projects: true
    auth_kind: serviceaccount
    service_account_file: /path/to/key.json

- name: Dissolve the shared VPC
  ecommerce.multicloud.gcp_compute_shared_vpc:
    host_project: ecommerce-net-host
    state: absent
    auth_kind: application
"""

RETURN = r"""
host_project:
  description: ID of the host project.
  returned: always
  type: str
  sample: ecommerce-net-host
xpn_project_status:
  description: The host project's C(xpnProjectStatus), C(HOST) when it is a shared VPC host.
  returned: always
  type: str
  sample: HOST
service_projects:
  description: IDs of the service projects attached to the host, sorted.
  returned: always
  type: list
  elements: str
  sample: [ecommerce-development, ecommerce-production, ecommerce-staging]
"""

from ansible_collections.google.cloud.plugins.module_utils.gcp_utils import GcpModule, GcpSession
from ansible_collections.ecommerce.multicloud.plugins.module_utils.gcp_network import (
    COMPUTE_URL,
    prepare_params,
    return_if_object,
    wait_for_compute_operation,
)

HOST = "HOST"


def main():
    module = GcpModule(
        argument_spec=dict(
            state=dict(default="present", choices=["present", "absent"], type="str"),
            host_project=dict(required=True, type="str"),
            service_projects=dict(default=[], type="list", elements="str"),
            purge_service_projects=dict(default=False, type="bool"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    prepare_params(module, project_required=False)
    host = params["host_project"]
    if host in params["service_projects"]:
        module.fail_json(msg="host_project %s can not also be one of its service_projects" % host)
    if len(set(params["service_projects"])) != len(params["service_projects"]):
        module.fail_json(msg="service_projects lists a project more than once")

    session = GcpSession(module, "compute")
    link = COMPUTE_URL + "projects/" + host
    before = read_state(module, session, link)

    if params["state"] == "present":
        wanted = set(params["service_projects"])
        attach = sorted(wanted - set(before["service_projects"]))
        detach = sorted(set(before["service_projects"]) - wanted) if params["purge_service_projects"] else []
        enable_host, disable_host = before["xpn_project_status"] != HOST, False
        after_projects = sorted((set(before["service_projects"]) | wanted) - set(detach))
        after = dict(host_project=host, xpn_project_status=HOST, service_projects=after_projects)
    else:
        attach, detach = [], list(before["service_projects"])
        enable_host, disable_host = False, before["xpn_project_status"] == HOST
        after = dict(host_project=host, xpn_project_status="UNSPECIFIED_XPN_PROJECT_STATUS", service_projects=[])
        if not disable_host:
            after["xpn_project_status"] = before["xpn_project_status"]

    changed = bool(attach or detach or enable_host or disable_host)
    result = after if changed else before
    if changed and not module.check_mode:
        if enable_host:
            wait_for_compute_operation(module, session, session.post(link + "/enableXpnHost"))
        for project in detach:
            body = {"xpnResource": {"id": project, "type": "PROJECT"}}
            wait_for_compute_operation(module, session, session.post(link + "/disableXpnResource", body))
        for project in attach:
            body = {"xpnResource": {"id": project, "type": "PROJECT"}}
            wait_for_compute_operation(module, session, session.post(link + "/enableXpnResource", body))
        if disable_host:
            wait_for_compute_operation(module, session, session.post(link + "/disableXpnHost"))
        result = read_state(module, session, link)

    output = dict(result, changed=changed)
    if module._diff:
        output["diff"] = dict(before=before, after=after)
    module.exit_json(**output)


def read_state(module, session, link):
    project = return_if_object(module, session.get(link))
    status = project.get("xpnProjectStatus") or "UNSPECIFIED_XPN_PROJECT_STATUS"
    services = []
    if status == HOST:
        resources = session.list(link + "/getXpnResources", return_if_object, array_name="resources")
        services = sorted(r["id"] for r in resources if r.get("type") == "PROJECT")
    return dict(host_project=module.params["host_project"], xpn_project_status=status, service_projects=services)


if __name__ == "__main__":
    main()
