# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Helpers for the collection's EC2 modules that read resources with a paginated Describe* call.

``paginated_describer`` builds the function that fetches every page (retried with
``AWSRetry.jittered_backoff``), treats the operation's NotFound error code as "nothing found"
and raises ``AnsibleEC2Error`` on other errors. ``ec2_resource_to_ansible`` converts one resource
to snake_case with its tags as a dictionary.
"""

from __future__ import absolute_import, division, print_function

__metaclass__ = type

from typing import Any
from typing import Callable
from typing import Dict
from typing import List

from ansible.module_utils.common.dict_transformations import camel_dict_to_snake_dict

from ansible_collections.amazon.aws.plugins.module_utils.botocore import is_boto3_error_code
from ansible_collections.amazon.aws.plugins.module_utils.botocore import normalize_boto3_result
from ansible_collections.amazon.aws.plugins.module_utils.ec2 import AnsibleEC2Error
from ansible_collections.amazon.aws.plugins.module_utils.errors import AWSErrorHandler
from ansible_collections.amazon.aws.plugins.module_utils.retries import AWSRetry
from ansible_collections.amazon.aws.plugins.module_utils.tagging import boto3_tag_list_to_ansible_dict


def paginated_describer(
    operation: str, result_key: str, not_found_code: str, description: str
) -> Callable[..., List[Dict[str, Any]]]:
    """Return ``describe(client, **params)``: all the resources of a paginated EC2 Describe* call.

    operation: the boto3 paginator name, for example V(describe_flow_logs).
    result_key: the key of the resource list in the response, for example V(FlowLogs).
    not_found_code: the error code returned for unknown IDs; it yields an empty list.
    description: what the call does, for the error message ("Failed to <description>").
    """

    class ErrorHandler(AWSErrorHandler):
        _CUSTOM_EXCEPTION = AnsibleEC2Error

        @classmethod
        def _is_missing(cls):
            return is_boto3_error_code(not_found_code)

    @ErrorHandler.list_error_handler(description, [])
    @AWSRetry.jittered_backoff()
    def describe(client, **params: Any) -> List[Dict[str, Any]]:
        paginator = client.get_paginator(operation)
        return paginator.paginate(**params).build_full_result()[result_key]

    return describe


def ec2_resource_to_ansible(resource: Dict[str, Any]) -> Dict[str, Any]:
    """Convert a boto3 EC2 resource to snake_case with tags as a dictionary."""
    result = camel_dict_to_snake_dict(normalize_boto3_result(resource), ignore_list=["Tags"])
    result["tags"] = boto3_tag_list_to_ansible_dict(resource.get("Tags") or [])
    return result
