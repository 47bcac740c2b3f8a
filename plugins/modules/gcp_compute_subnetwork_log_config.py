#!/usr/bin/python
# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

from __future__ import absolute_import, division, print_function

__metaclass__ = type

DOCUMENTATION = r"""
---
module: gcp_compute_subnetwork_log_config
short_description: Manage VPC flow logs of a GCP subnetwork
version_added: 0.1.0
description:
  - Turn VPC flow logs of an existing subnetwork on or off and set their sampling, aggregation and
    metadata, with C(subnetworks.patch) guarded by the subnetwork's fingerprint.
  - M(google.cloud.gcp_compute_subnetwork) creates the subnetwork but cannot set its C(logConfig).
    This module manages only that field, so the two can be used side by side.
author:
  - ecommerce platform team (!UNKNOWN)
options:
  name:
    description:
      - Name of the subnetwork.
    type: str
    required: true
  region:
    description:
      - Region of the subnetwork.
    type: str
    required: true
  enable:
    description:
      - Whether flow logs are collected. With V(false) the other options are ignored.
    type: bool
    default: true
  aggregation_interval:
    description:
      - How long flow records are aggregated before they are written.
    type: str
    choices: ["INTERVAL_5_SEC", "INTERVAL_30_SEC", "INTERVAL_1_MIN", "INTERVAL_5_MIN", "INTERVAL_10_MIN", "INTERVAL_15_MIN"]
    default: INTERVAL_5_SEC
  flow_sampling:
    description:
      - Fraction of flows kept, from V(0.0) to V(1.0).
    type: float
    default: 0.5
  metadata:
    description:
      - Which metadata fields are added to the records.
    type: str
    choices: ["INCLUDE_ALL_METADATA", "EXCLUDE_ALL_METADATA", "CUSTOM_METADATA"]
    default: INCLUDE_ALL_METADATA
  metadata_fields:
    description:
      - The fields added with O(metadata=CUSTOM_METADATA), and only then.
    type: list
    elements: str
  filter_expr:
    description:
      - A CEL expression that selects the flows logged; all flows when not set.
    type: str
extends_documentation_fragment:
  - google.cloud.gcp
notes:
  - API Reference U(https://cloud.google.com/compute/docs/reference/rest/v1/subnetworks/patch)
  - VPC Flow Logs U(https://cloud.google.com/vpc/docs/flow-logs)
  - Supports check mode and diff mode.
"""

EXAMPLES = r"""
- name: Flow logs on the application subnetwork
  ecommerce.multicloud.gcp_compute_subnetwork_log_config:
    name: ecommerce-prod-app-us-central1
    region: us-central1
    aggregation_interval: INTERVAL_5_SEC
    flow_sampling: 0.5
    metadata: INCLUDE_ALL_METADATA
    project: ecommerce-prod-host
    auth_kind: serviceaccount
    service_account_file: /path/to/key.json

- name: Turn flow logs off
  ecommerce.multicloud.gcp_compute_subnetwork_log_config:
    name: ecommerce-prod-app-us-central1
    region: us-central1
    enable: false
    project: ecommerce-prod-host
    auth_kind: application
"""

RETURN = r"""
selfLink:
  description: URL of the subnetwork.
  returned: always
  type: str
  sample: https://www.googleapis.com/compute/v1/projects/ecommerce-prod-host/regions/us-central1/subnetworks/app
logConfig:
  description: The subnetwork's flow log configuration after the change, in the API's shape.
  returned: always
  type: dict
  sample: {enable: true, aggregationInterval: INTERVAL_5_SEC, flowSampling: 0.5, metadata: INCLUDE_ALL_METADATA}
"""

from ansible_collections.google.cloud.plugins.module_utils.gcp_utils import GcpModule, GcpSession
from ansible_collections.ecommerce.multicloud.plugins.module_utils.gcp_network import (
    COMPUTE_URL,
    prepare_params,
    return_if_object,
    wait_for_compute_operation,
)


def main():
    module = GcpModule(
        argument_spec=dict(
            name=dict(required=True, type="str"),
            region=dict(required=True, type="str"),
            enable=dict(default=True, type="bool"),
            aggregation_interval=dict(
                default="INTERVAL_5_SEC",
                choices=["INTERVAL_5_SEC", "INTERVAL_30_SEC", "INTERVAL_1_MIN", "INTERVAL_5_MIN", "INTERVAL_10_MIN", "INTERVAL_15_MIN"],
                type="str",
            ),
            flow_sampling=dict(default=0.5, type="float"),
            metadata=dict(
                default="INCLUDE_ALL_METADATA",
                choices=["INCLUDE_ALL_METADATA", "EXCLUDE_ALL_METADATA", "CUSTOM_METADATA"],
                type="str",
            ),
            metadata_fields=dict(type="list", elements="str"),
            filter_expr=dict(type="str"),
        ),
        supports_check_mode=True,
    )
    params = module.params
    prepare_params(module)
    validate(module)

    session = GcpSession(module, "compute")
    link = "{0}projects/{1}/regions/{2}/subnetworks/{3}".format(COMPUTE_URL, params["project"], params["region"], params["name"])
    subnetwork = return_if_object(module, session.get(link), allow_not_found=True)
    if subnetwork is None:
        module.fail_json(
            msg="Subnetwork %s not found in region %s of project %s" % (params["name"], params["region"], params["project"])
        )

    current = subnetwork.get("logConfig") or {"enable": False}
    desired = log_config_request(module)
    changed = not same_log_config(desired, current)
    result = desired if changed else current
    if changed and not module.check_mode:
        body = {"logConfig": desired, "fingerprint": subnetwork.get("fingerprint")}
        wait_for_compute_operation(module, session, session.patch(link, body))
        subnetwork = return_if_object(module, session.get(link))
        result = subnetwork.get("logConfig") or {"enable": False}

    output = dict(changed=changed, selfLink=subnetwork.get("selfLink", link), logConfig=result)
    if module._diff:
        output["diff"] = dict(before=dict(logConfig=current), after=dict(logConfig=desired))
    module.exit_json(**output)


def validate(module):
    params = module.params
    if not 0.0 <= params["flow_sampling"] <= 1.0:
        module.fail_json(msg="flow_sampling must be between 0.0 and 1.0, got %s" % params["flow_sampling"])
    if bool(params["metadata_fields"]) != (params["metadata"] == "CUSTOM_METADATA"):
        module.fail_json(msg="metadata_fields is required with, and only allowed with, metadata=CUSTOM_METADATA")


def log_config_request(module):
    """The logConfig to write. Disabled logs carry only ``enable``: GCP keeps no settings for them."""
    params = module.params
    if not params["enable"]:
        return {"enable": False}
    request = {
        "enable": True,
        "aggregationInterval": params["aggregation_interval"],
        "flowSampling": params["flow_sampling"],
        "metadata": params["metadata"],
    }
    if params["metadata_fields"]:
        request["metadataFields"] = sorted(params["metadata_fields"])
    if params["filter_expr"]:
        request["filterExpr"] = params["filter_expr"]
    return request


def same_log_config(desired, current):
    if not desired["enable"]:
        return not current.get("enable")
    have = dict(current)
    if "metadataFields" in have:
        have["metadataFields"] = sorted(have["metadataFields"])
    # GCP reports the default filter as "true" when none was set.
    if have.get("filterExpr") in ("true", "") and "filterExpr" not in desired:
        have.pop("filterExpr")
    return all(have.get(key) == value for key, value in desired.items()) and set(have) <= set(desired)


if __name__ == "__main__":
    main()
