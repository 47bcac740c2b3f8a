# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Plain helpers shared by the AWS module unit tests, which run the modules in-process against moto.

The fixtures built on them (``moto_env``, ``aws``, ``api_calls``) are in conftest.py next to this file.
"""

from botocore.client import BaseClient

from ansible_collections.ecommerce.multicloud.tests.unit.plugins.modules.module_runner import (
    run_module,
)  # noqa: F401 (re-exported)

REGION = "us-east-1"
PEER_REGION = "us-west-2"
ACCOUNT_ID = "123456789012"  # moto's default account
MUTATING_PREFIXES = ("Create", "Delete", "Modify", "Accept", "Reject", "Associate", "Disassociate", "Put")


def record_api_calls(monkeypatch, with_params=False):
    """Record every AWS API call: its operation name, or (operation name, parameters) with with_params."""
    calls = []
    original = BaseClient._make_api_call

    def spy(self, operation_name, api_params):
        calls.append((operation_name, api_params) if with_params else operation_name)
        return original(self, operation_name, api_params)

    monkeypatch.setattr(BaseClient, "_make_api_call", spy)
    return calls


def mutating(calls, prefixes=MUTATING_PREFIXES):
    """The operation names among calls (as recorded by record_api_calls) that change something."""
    return [c for c in calls if c.startswith(prefixes)]
