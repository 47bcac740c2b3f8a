# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""AWX orchestration filters: ``awx_workflow_errors`` (the offline check of AWX objects and
workflow graphs) and ``awx_layer_workflow`` (job templates and the platform workflow from the
layer list). The logic lives in module_utils/awx_workflow.py, which the simulator shares.
Documentation for each filter is in the YAML file of the same name next to this one.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import os

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError
from ansible_collections.ecommerce.multicloud.plugins.module_utils.awx_workflow import awx_workflow_errors as _errors
from ansible_collections.ecommerce.multicloud.plugins.module_utils.awx_workflow import layer_workflow as _layer_workflow

# plugins/filter/ -> the collection root, which is also the AWX project (its playbooks/ and inventories/).
COLLECTION_ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def awx_workflow_errors(objects, project_root=None):
    """Problems of the AWX objects and their workflows; an empty list means AWX would accept and run them."""
    if not isinstance(objects, Mapping):
        raise AnsibleFilterError("awx_workflow_errors expects a dict of AWX objects, got {0}".format(type(objects).__name__))
    return _errors(objects, project_root or COLLECTION_ROOT)


def awx_layer_workflow(awx, layers, platform):
    """The job templates and the platform workflow of one environment."""
    if not isinstance(awx, Mapping) or not isinstance(platform, Mapping) or not isinstance(layers, list):
        raise AnsibleFilterError("awx_layer_workflow expects awx (dict) | awx_layer_workflow(layers (list), platform (dict))")
    try:
        return _layer_workflow(awx, layers, platform)
    except (KeyError, ValueError) as exc:
        raise AnsibleFilterError("awx_layer_workflow: {0}".format(exc))


class FilterModule:
    """ecommerce.multicloud AWX orchestration filters."""

    def filters(self):
        return {
            "awx_workflow_errors": awx_workflow_errors,
            "awx_layer_workflow": awx_layer_workflow,
        }
