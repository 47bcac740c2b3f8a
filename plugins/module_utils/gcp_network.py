# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Helpers shared by the collection's GCP network modules, on top of google.cloud's gcp_utils.

Responses are decoded and operations awaited the way google.cloud's generated modules do
it: a compute#operation is polled until its status is DONE, a google.longrunning
Operation until ``done``; errors in either fail the module.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

import json
import re
import time

from ansible_collections.google.cloud.plugins.module_utils.gcp_utils import navigate_hash

COMPUTE_URL = "https://compute.googleapis.com/compute/v1/"
SELF_LINK_ROOT = "https://www.googleapis.com/compute/v1/"
COMPUTE_SCOPE = "https://www.googleapis.com/auth/compute"
CLOUD_PLATFORM_SCOPE = "https://www.googleapis.com/auth/cloud-platform"
_RELATIVE_RE = re.compile(r"(?:^|/)(projects/[^/]+/(?:global|regions/[^/]+|zones/[^/]+)/[^/]+/[^/?#]+)$")


def return_if_object(module, response, allow_not_found=False):
    """The decoded JSON body; None on 404 (when allowed) or 204; fail_json on any error."""
    if allow_not_found and response.status_code == 404:
        return None
    if response.status_code == 204:
        return None
    try:
        module.raise_for_status(response)
        result = response.json()
    except getattr(json.decoder, "JSONDecodeError", ValueError):
        module.fail_json(msg="Invalid JSON response with error: %s" % response.text)
    if navigate_hash(result, ["error", "errors"]):
        module.fail_json(msg=navigate_hash(result, ["error", "errors"]))
    return result


def wait_for_compute_operation(module, session, response, sleep=1.0):
    """Poll a compute#operation (by its selfLink) until DONE; fail on operation errors."""
    op_result = return_if_object(module, response)
    if op_result is None:
        return {}
    while navigate_hash(op_result, ["status"]) != "DONE":
        raise_if_errors(module, op_result, ["error", "errors"])
        time.sleep(sleep)
        op_result = return_if_object(module, session.get(op_result["selfLink"]))
    raise_if_errors(module, op_result, ["error", "errors"])
    return op_result


def wait_for_longrunning_operation(module, session, response, root, sleep=1.0):
    """Poll a google.longrunning.Operation (GET ``root`` + name) until done; fail on its error."""
    op_result = return_if_object(module, response)
    if op_result is None:
        return {}
    while not op_result.get("done"):
        time.sleep(sleep)
        op_result = return_if_object(module, session.get(root + op_result["name"]))
    if op_result.get("error"):
        module.fail_json(msg="GCP operation %s failed: %s" % (op_result.get("name"), op_result["error"]))
    return op_result


def raise_if_errors(module, response, err_path):
    errors = navigate_hash(response, err_path)
    if errors is not None:
        module.fail_json(msg=errors)


def prepare_params(module, scope=COMPUTE_SCOPE, project_required=True):
    """Default ``scopes`` as google.cloud's modules do, and insist on a project where one is needed."""
    if not module.params["scopes"]:
        module.params["scopes"] = [scope]
    if project_required and not module.params["project"]:
        module.fail_json(msg="project is required (or the GCP_PROJECT environment variable)")


def network_path(module, value):
    """``projects/<p>/global/networks/<n>`` of a network given as URL, relative path or name (then ``project``)."""
    path = relative_path(value)
    if path is None:
        if not module.params["project"]:
            module.fail_json(msg="project is required when network is given as a name")
        path = "projects/%s/global/networks/%s" % (module.params["project"], value)
    return path


def relative_path(value):
    """``projects/<p>/<scope>/<collection>/<name>`` of a Compute URL or relative path, else None."""
    match = _RELATIVE_RE.search(value or "")
    return match.group(1) if match else None


def resource_link(value, project, scope, collection):
    """A Compute self link for a name, relative path or URL (``scope``: global or regions/<r>)."""
    path = relative_path(value)
    if path is None:
        path = "projects/%s/%s/%s/%s" % (project, scope, collection, value)
    return SELF_LINK_ROOT + path


def same_resource(left, right):
    """Whether two Compute references (URLs on either host or relative paths) name the same resource."""
    return (relative_path(left) or left) == (relative_path(right) or right)
