# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""Fixtures shared by the AWS module unit tests, which run the modules in-process against moto.

None of them is autouse, so test files that do not ask for them (the GCP module tests) are not
affected. A test file overrides ``aws`` or ``api_calls`` when it needs something else (one EC2
client, calls recorded with their parameters, moto patches). Plain helpers are in aws_utils.py.
"""

import os

import boto3
import pytest
from moto import mock_aws

from ansible_collections.ecommerce.multicloud.tests.unit.plugins.modules.aws_utils import PEER_REGION
from ansible_collections.ecommerce.multicloud.tests.unit.plugins.modules.aws_utils import REGION
from ansible_collections.ecommerce.multicloud.tests.unit.plugins.modules.aws_utils import record_api_calls


@pytest.fixture
def moto_env(monkeypatch, tmp_path):
    """Fake credentials, no endpoint overrides or proxies, everything served by moto."""
    for name in list(os.environ):
        if name.startswith("AWS_") or name.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
            monkeypatch.delenv(name, raising=False)
    monkeypatch.delenv("ANSIBLE_DEBUG_BOTOCORE_LOGS", raising=False)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "testing")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "testing")
    monkeypatch.setenv("AWS_DEFAULT_REGION", REGION)
    monkeypatch.setenv("AWS_CONFIG_FILE", str(tmp_path / "aws-config"))
    monkeypatch.setenv("AWS_SHARED_CREDENTIALS_FILE", str(tmp_path / "aws-credentials"))
    with mock_aws():
        yield


@pytest.fixture
def aws(moto_env):
    """moto EC2 clients of REGION and PEER_REGION, by region name."""
    return {
        REGION: boto3.client("ec2", region_name=REGION),
        PEER_REGION: boto3.client("ec2", region_name=PEER_REGION),
    }


@pytest.fixture
def api_calls(monkeypatch):
    """Record the name of every AWS API operation called."""
    return record_api_calls(monkeypatch)
