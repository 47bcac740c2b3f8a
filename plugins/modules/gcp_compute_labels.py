#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gcp_compute_labels
short_description: Manage the labels of a GCP Compute Engine resource
version_added: 0.1.0
description:
  - Set the labels of an existing Compute Engine resource with its C(setLabels) method, guarded by
    its C(labelFingerprint).
  - Several google.cloud modules create resources that take labels but have no O(labels) option
    (for example M(google.cloud.gcp_compute_global_address)); this module adds them afterwards.
author:
  - ecommerce platform team (!UNKNOWN)
options:
  resource_type:
    description:
      - Kind of the resource.
    type: str
    required: true
    choices: ["address", "global_address", "vpn_tunnel", "forwarding_rule", "global_forwarding_rule"]
  name:
    description:
      - Name of the resource.
    type: str
    required: true
  region:
    description:
      - Region of a regional resource (V(address), V(vpn_tunnel), V(forwarding_rule)).
    type: str
  labels:
    description:
      - Labels to set. Keys and values follow GCP's rules (lower case letters, digits, C(-) and C(_);
        keys start with a letter; at most 63 characters).
    type: dict
    required: true
  purge_labels:
    description:
      - Remove labels that are not in O(labels).
    type: bool
    default: true
extends_documentation_fragment:
  - google.cloud.gcp
notes:
  - API Reference U(https://cloud.google.com/compute/docs/reference/rest/v1/globalAddresses/setLabels)
  - Labels U(https://cloud.google.com/compute/docs/labeling-resources)
  - Supports check mode and diff mode.
"""

EXAMPLES = r"""
- name: Label the private service access range with the tag policy
  ecommerce.multicloud.gcp_compute_labels:
    resource_type: global_address
    name: ecommerce-prod-psa
    labels:
      env: production
      project: ecommerce
      owner: platform-team
      cost-center: cc-4200
    project: ecommerce-prod-host
    auth_kind: application

- name: Add one label to a regional address and keep the others
  ecommerce.multicloud.gcp_compute_labels:
    resource_type: address
    name: nat-ip-1
    region: us-central1
    labels:
      tier: edge
    purge_labels: false
    project: ecommerce-prod-host
    auth_kind: application
"""

RETURN = r"""
selfLink:
  description: URL of the resource.
  returned: always
  type: str
  sample: https://www.googleapis.com/compute/v1/projects/ecommerce-prod-host/global/addresses/ecommerce-prod-psa
labels:
  description: The resource's labels after the change.
  returned: always
  type: dict
  sample: {env: production, project: ecommerce}
"""

import re

from ansible_collections.google.cloud.plugins.module_utils.gcp_utils import GcpModule, GcpSession
from ansible_collections.ecommerce.multicloud.plugins.module_utils.gcp_network import (
    COMPUTE_URL,
    prepare_params,
    return_if_object,
    wait_for_compute_operation,
)

# resource_type: (scope, collection); scope "regions" needs O(region).
COLLECTIONS = {
    "address": ("regions", "addresses"),
    "global_address": ("global", "addresses"),
    "vpn_tunnel": ("regions", "vpnTunnels"),
    "forwarding_rule": ("regions", "forwardingRules"),
    "global_forwarding_rule": ("global", "forwardingRules"),
}
LABEL_KEY = re.compile(r"^[a-z][a-z0-9_-]{0,62}$")
LABEL_VALUE = re.compile(r"^[a-z0-9_-]{0,63}$")


def main():
    module = GcpModule(
        argument_spec=dict(
            resource_type=dict(required=True, choices=sorted(COLLECTIONS), type="str"),
            name=dict(required=True, type="str"),
            region=dict(type="str"),
            labels=dict(required=True, type="dict"),
            purge_labels=dict(default=True, type="bool"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    prepare_params(module)
    labels = validate(module)

    session = GcpSession(module, "compute")
    link = resource_url(module)
    resource = return_if_object(module, session.get(link), allow_not_found=True)
    if resource is None:
        module.fail_json(msg="%s %s not found (%s)" % (params["resource_type"], params["name"], link))

    current = resource.get("labels") or {}
    desired = dict(labels) if params["purge_labels"] else dict(current, **labels)
    changed = desired != current
    result = desired if changed else current
    if changed and not module.check_mode:
        body = {"labels": desired, "labelFingerprint": resource.get("labelFingerprint")}
        wait_for_compute_operation(module, session, session.post(link + "/setLabels", body))
        result = return_if_object(module, session.get(link)).get("labels") or {}

    output = dict(changed=changed, selfLink=resource.get("selfLink", link), labels=result)
    if module._diff:
        output["diff"] = dict(before=dict(labels=current), after=dict(labels=desired))
    module.exit_json(**output)


def validate(module):
    """Labels as strings, checked against GCP's rules before any call."""
    params = module.params
    scope = COLLECTIONS[params["resource_type"]][0]
    if scope == "regions" and not params["region"]:
        module.fail_json(msg="region is required for resource_type=%s" % params["resource_type"])
    if scope == "global" and params["region"]:
        module.fail_json(msg="region is not allowed for the global resource_type=%s" % params["resource_type"])
    labels = {}
    for key, value in params["labels"].items():
        value = "" if value is None else str(value)
        if not LABEL_KEY.match(key):
            module.fail_json(msg="labels: key %r must start with a lower case letter and hold only a-z, 0-9, - and _ (63 at most)" % key)
        if not LABEL_VALUE.match(value):
            module.fail_json(msg="labels: value %r of %s may hold only a-z, 0-9, - and _ (63 at most)" % (value, key))
        labels[key] = value
    return labels


def resource_url(module):
    params = module.params
    scope, collection = COLLECTIONS[params["resource_type"]]
    where = "global" if scope == "global" else "regions/" + params["region"]
    return "{0}projects/{1}/{2}/{3}/{4}".format(COMPUTE_URL, params["project"], where, collection, params["name"])


if __name__ == "__main__":
    main()
