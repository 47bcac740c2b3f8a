# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Unit tests for the ecommerce.multicloud.address_plan_errors filter.

The plugin is loaded by file path (the checkout is not under an ansible_collections/ tree when
pytest runs), and the filter function is called directly rather than through the templar.
"""

from __future__ import annotations

import copy
import importlib.util
import pathlib

import pytest
import yaml

from ansible.errors import AnsibleFilterError

REPO_ROOT = pathlib.Path(__file__).resolve().parents[4]
PLUGIN_PATH = REPO_ROOT / "plugins" / "filter" / "address_plan.py"
PLATFORM_FILES = sorted(REPO_ROOT.glob("inventories/*/group_vars/all/platform.yml"))


def _load_plugin():
    spec = importlib.util.spec_from_file_location("ecommerce_multicloud_filter_address_plan", PLUGIN_PATH)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


address_plan = _load_plugin()
address_plan_errors = address_plan.address_plan_errors


def good_plan():
    """A fresh, valid plan (shaped like inventories/sandbox) that each test mutates."""
    return {
        "aws": {
            "us-east-1": {
                "vpc_cidr": "10.10.0.0/16",
                "azs": ["us-east-1a", "us-east-1b", "us-east-1c"],
                "transit_gateway_asn": 64512,
                "subnets": {
                    "public": ["10.10.0.0/24", "10.10.1.0/24", "10.10.2.0/24"],
                    "private_app": ["10.10.16.0/20", "10.10.32.0/20", "10.10.48.0/20"],
                    "private_data": ["10.10.64.0/24", "10.10.65.0/24", "10.10.66.0/24"],
                },
            },
            "us-west-2": {
                "vpc_cidr": "10.11.0.0/16",
                "azs": ["us-west-2a", "us-west-2b", "us-west-2c"],
                "transit_gateway_asn": 64513,
                "subnets": {
                    "public": ["10.11.0.0/24", "10.11.1.0/24", "10.11.2.0/24"],
                    "private_app": ["10.11.16.0/20", "10.11.32.0/20", "10.11.48.0/20"],
                    "private_data": ["10.11.64.0/24", "10.11.65.0/24", "10.11.66.0/24"],
                },
            },
        },
        "gcp": {
            "us-central1": {
                "cloud_router_asn": 64522,
                "subnets": [
                    {
                        "name": "app",
                        "cidr": "10.20.0.0/20",
                        "secondary_ranges": {"pods": "10.21.0.0/16", "services": "10.25.0.0/20"},
                    },
                ],
            },
            "us-east4": {
                "cloud_router_asn": 64523,
                "subnets": [
                    {
                        "name": "app",
                        "cidr": "10.20.16.0/20",
                        "secondary_ranges": {"pods": "10.22.0.0/16", "services": "10.25.16.0/20"},
                    },
                ],
            },
        },
        "onprem": [
            {
                "site": "dc1",
                "asn": 65010,
                "ranges": [
                    {"name": "servers", "cidr": "172.16.0.0/20"},
                    {"name": "management", "cidr": "172.16.16.0/22"},
                    {"name": "storage", "cidr": "172.16.32.0/22"},
                ],
            },
        ],
    }


def errors_after(mutate):
    plan = good_plan()
    mutate(plan)
    return address_plan_errors(plan)


# ---------------------------------------------------------------------------
# Good plans
# ---------------------------------------------------------------------------


def test_platform_files_are_found():
    assert len(PLATFORM_FILES) >= 2, f"expected inventories/*/group_vars/all/platform.yml under {REPO_ROOT}"


@pytest.mark.parametrize("platform_file", PLATFORM_FILES, ids=lambda path: path.parts[-4])
def test_inventory_address_plans_are_valid(platform_file):
    with platform_file.open(encoding="utf-8") as handle:
        platform = yaml.safe_load(handle)["platform"]
    assert address_plan_errors(platform["address_plan"]) == []


def test_built_in_good_plan_is_valid():
    assert address_plan_errors(good_plan()) == []


def test_four_byte_private_asn_is_accepted():
    def mutate(plan):
        plan["aws"]["us-east-1"]["transit_gateway_asn"] = 4200000000
        plan["onprem"][0]["asn"] = 4294967294

    assert errors_after(mutate) == []


def test_gcp_subnet_without_secondary_ranges_is_valid():
    assert errors_after(lambda plan: plan["gcp"]["us-east4"]["subnets"][0].pop("secondary_ranges")) == []


def test_private_service_access_range_is_valid():
    plan = good_plan()
    plan["gcp_private_service_access"] = "10.30.0.0/16"
    assert address_plan_errors(plan) == []


def test_filter_module_exposes_filter():
    assert address_plan.FilterModule().filters() == {"address_plan_errors": address_plan_errors}


# ---------------------------------------------------------------------------
# Bad plans: one case per rule violation, each asserting the exact message
# ---------------------------------------------------------------------------


def _set(path, value):
    """Return a mutator that sets plan[path[0]][path[1]]... = value."""

    def mutate(plan):
        node = plan
        for key in path[:-1]:
            node = node[key]
        node[path[-1]] = value

    return mutate


def _delete(path):
    def mutate(plan):
        node = plan
        for key in path[:-1]:
            node = node[key]
        del node[path[-1]]

    return mutate


def _chain(*mutators):
    def mutate(plan):
        for mutator in mutators:
            mutator(plan)

    return mutate


RFC1918 = "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16"

BAD_PLANS = [
    # Rule 1: valid IPv4 CIDR, host bits clear, present.
    pytest.param(
        _set(("aws", "us-east-1", "vpc_cidr"), "10.0.0.1/16"),
        ["aws.us-east-1.vpc_cidr 10.0.0.1/16 has host bits set (the network address is 10.0.0.0/16)"],
        id="host-bits-set",
    ),
    pytest.param(
        _set(("aws", "us-west-2", "subnets", "private_data", 2), "banana"),
        ["aws.us-west-2.subnets.private_data[2] banana is not an IPv4 network in CIDR form (a.b.c.d/len)"],
        id="garbage-cidr",
    ),
    pytest.param(
        _set(("gcp", "us-east4", "subnets", 0, "secondary_ranges", "pods"), "10.22.0.300/24"),
        ["gcp.us-east4.subnets[app].secondary_ranges.pods 10.22.0.300/24 is not a valid IPv4 network in CIDR form (a.b.c.d/len)"],
        id="bad-octet",
    ),
    pytest.param(
        _set(("onprem", 0, "ranges", 1, "cidr"), "172.16.16.0"),
        ["onprem[dc1].ranges[management].cidr 172.16.16.0 is not an IPv4 network in CIDR form (a.b.c.d/len)"],
        id="cidr-without-prefix",
    ),
    pytest.param(
        _set(("onprem", 0, "ranges", 2, "cidr"), "fd00:10::/64"),
        ["onprem[dc1].ranges[storage].cidr fd00:10::/64 is not a valid IPv4 network in CIDR form (a.b.c.d/len)"],
        id="ipv6-cidr",
    ),
    pytest.param(
        _set(("aws", "us-east-1", "subnets", "public", 0), 167772160),
        ["aws.us-east-1.subnets.public[0] 167772160 is not an IPv4 network in CIDR form (a.b.c.d/len)"],
        id="integer-cidr",
    ),
    pytest.param(
        _delete(("aws", "us-west-2", "vpc_cidr")),
        ["aws.us-west-2.vpc_cidr is missing"],
        id="missing-vpc-cidr",
    ),
    # Rule 2: RFC 1918 only.
    pytest.param(
        _set(("gcp", "us-central1", "subnets", 0, "cidr"), "100.64.0.0/20"),
        [f"gcp.us-central1.subnets[app].cidr 100.64.0.0/20 is not inside RFC 1918 private space ({RFC1918})"],
        id="cgnat-not-private",
    ),
    pytest.param(
        _set(("onprem", 0, "ranges", 0, "cidr"), "172.32.0.0/20"),
        [f"onprem[dc1].ranges[servers].cidr 172.32.0.0/20 is not inside RFC 1918 private space ({RFC1918})"],
        id="just-above-172-16-12",
    ),
    pytest.param(
        _set(("onprem", 0, "ranges", 2, "cidr"), "172.0.0.0/8"),
        [
            f"onprem[dc1].ranges[storage].cidr 172.0.0.0/8 is not inside RFC 1918 private space ({RFC1918})",
            "onprem[dc1].ranges[servers].cidr 172.16.0.0/20 overlaps onprem[dc1].ranges[storage].cidr 172.0.0.0/8",
            "onprem[dc1].ranges[management].cidr 172.16.16.0/22 overlaps onprem[dc1].ranges[storage].cidr 172.0.0.0/8",
        ],
        id="covers-rfc1918",
    ),
    # Rule 3: no overlap between top-level ranges across clouds.
    pytest.param(
        _set(("gcp", "us-central1", "subnets", 0, "secondary_ranges", "pods"), "10.8.0.0/14"),
        [
            "aws.us-east-1.vpc_cidr 10.10.0.0/16 overlaps gcp.us-central1.subnets[app].secondary_ranges.pods 10.8.0.0/14",
            "aws.us-west-2.vpc_cidr 10.11.0.0/16 overlaps gcp.us-central1.subnets[app].secondary_ranges.pods 10.8.0.0/14",
        ],
        id="gke-pods-overlap-aws-vpcs",
    ),
    pytest.param(
        _set(("onprem", 0, "ranges", 1, "cidr"), "10.20.16.0/22"),
        ["gcp.us-east4.subnets[app].cidr 10.20.16.0/20 overlaps onprem[dc1].ranges[management].cidr 10.20.16.0/22"],
        id="onprem-overlaps-gcp-primary",
    ),
    pytest.param(
        _set(("aws", "us-west-2", "vpc_cidr"), "10.10.0.0/15"),
        ["aws.us-east-1.vpc_cidr 10.10.0.0/16 overlaps aws.us-west-2.vpc_cidr 10.10.0.0/15"],
        id="aws-vpcs-overlap",
    ),
    pytest.param(
        _set(("gcp", "us-east4", "subnets", 0, "secondary_ranges", "services"), "10.20.16.0/24"),
        ["gcp.us-east4.subnets[app].cidr 10.20.16.0/20 overlaps gcp.us-east4.subnets[app].secondary_ranges.services 10.20.16.0/24"],
        id="gcp-secondary-overlaps-primary",
    ),
    # Rule 4: AWS subnets inside the VPC and disjoint.
    pytest.param(
        _set(("aws", "us-east-1", "subnets", "private_app", 1), "10.12.32.0/20"),
        ["aws.us-east-1.subnets.private_app[1] 10.12.32.0/20 is not inside aws.us-east-1.vpc_cidr 10.10.0.0/16"],
        id="subnet-outside-vpc",
    ),
    pytest.param(
        _set(("aws", "us-east-1", "subnets", "private_data", 0), "10.10.48.0/24"),
        ["aws.us-east-1.subnets.private_app[2] 10.10.48.0/20 overlaps aws.us-east-1.subnets.private_data[0] 10.10.48.0/24"],
        id="subnets-overlap-in-vpc",
    ),
    # Rule 5: three AZs of the region, one subnet per AZ per required tier.
    pytest.param(
        _set(("aws", "us-east-1", "azs"), ["us-east-1a", "us-east-1b"]),
        ["aws.us-east-1.azs [us-east-1a, us-east-1b] has 2 distinct AZs, expected exactly 3"],
        id="two-azs",
    ),
    pytest.param(
        _set(("aws", "us-west-2", "azs", 2), "us-east-1c"),
        ["aws.us-west-2.azs[2] us-east-1c is not an availability zone of region us-west-2"],
        id="az-of-other-region",
    ),
    pytest.param(
        _set(("aws", "us-east-1", "azs", 2), "us-east-10a"),
        ["aws.us-east-1.azs[2] us-east-10a is not an availability zone of region us-east-1"],
        id="az-prefix-lookalike",
    ),
    pytest.param(
        _set(("aws", "us-east-1", "azs", 2), "us-east-1a"),
        [
            "aws.us-east-1.azs[2] us-east-1a is listed more than once",
            "aws.us-east-1.azs [us-east-1a, us-east-1b, us-east-1a] has 2 distinct AZs, expected exactly 3",
        ],
        id="duplicate-az",
    ),
    pytest.param(
        _delete(("aws", "us-west-2", "subnets", "private_data")),
        ["aws.us-west-2.subnets.private_data is missing"],
        id="missing-tier",
    ),
    pytest.param(
        _set(("aws", "us-west-2", "subnets", "private_db"), ["10.11.80.0/24", "10.11.81.0/24", "10.11.82.0/24"]),
        ["aws.us-west-2.subnets.private_db is not a known subnet tier (expected public, private_app, private_data)"],
        id="unknown-tier",
    ),
    pytest.param(
        _set(("aws", "us-west-2", "subnets", "public"), ["10.11.0.0/24", "10.11.1.0/24"]),
        ["aws.us-west-2.subnets.public [10.11.0.0/24, 10.11.1.0/24] has 2 subnets, expected one per AZ (3)"],
        id="tier-short-one-subnet",
    ),
    # Rule 6: private, unique BGP ASNs.
    pytest.param(
        _set(("gcp", "us-east4", "cloud_router_asn"), 64512),
        ["aws.us-east-1.transit_gateway_asn 64512 duplicates gcp.us-east4.cloud_router_asn 64512"],
        id="duplicate-asn-aws-gcp",
    ),
    pytest.param(
        _set(("onprem", 0, "asn"), 64522),
        ["gcp.us-central1.cloud_router_asn 64522 duplicates onprem[dc1].asn 64522"],
        id="duplicate-asn-gcp-onprem",
    ),
    pytest.param(
        _set(("aws", "us-west-2", "transit_gateway_asn"), 64511),
        ["aws.us-west-2.transit_gateway_asn 64511 is not a private ASN (64512-65534 or 4200000000-4294967294)"],
        id="public-asn",
    ),
    pytest.param(
        _set(("onprem", 0, "asn"), 4294967295),
        ["onprem[dc1].asn 4294967295 is not a private ASN (64512-65534 or 4200000000-4294967294)"],
        id="reserved-4-byte-asn",
    ),
    pytest.param(
        _set(("gcp", "us-central1", "cloud_router_asn"), "64522"),
        ["gcp.us-central1.cloud_router_asn 64522 is not an integer ASN"],
        id="string-asn",
    ),
    pytest.param(
        _set(("aws", "us-east-1", "transit_gateway_asn"), True),
        ["aws.us-east-1.transit_gateway_asn true is not an integer ASN"],
        id="bool-asn",
    ),
    pytest.param(
        _delete(("gcp", "us-east4", "cloud_router_asn")),
        ["gcp.us-east4.cloud_router_asn is missing"],
        id="missing-asn",
    ),
    # Rule 7: structural problems are messages, not exceptions.
    pytest.param(
        _set(("aws", "us-west-2"), ["10.11.0.0/16"]),
        ["aws.us-west-2 must be a dict, got list"],
        id="region-not-a-dict",
    ),
    pytest.param(
        _delete(("aws", "us-east-1", "subnets")),
        ["aws.us-east-1.subnets is missing"],
        id="missing-aws-subnets",
    ),
    pytest.param(
        _set(("aws", "us-east-1", "subnets", "public"), "10.10.0.0/24"),
        ["aws.us-east-1.subnets.public must be a list, got str"],
        id="tier-not-a-list",
    ),
    pytest.param(
        _delete(("gcp", "us-central1", "subnets", 0, "name")),
        ["gcp.us-central1.subnets[0].name is missing"],
        id="gcp-subnet-without-name",
    ),
    pytest.param(
        _delete(("gcp", "us-central1", "subnets", 0, "cidr")),
        ["gcp.us-central1.subnets[app].cidr is missing"],
        id="gcp-subnet-without-cidr",
    ),
    pytest.param(
        lambda plan: plan["gcp"]["us-east4"]["subnets"].append({"name": "app", "cidr": "10.20.32.0/20", "secondary_ranges": {"pods": "10.23.0.0/16"}}),
        ["gcp.us-east4.subnets[1].name app duplicates the name of gcp.us-east4.subnets[0]"],
        id="duplicate-gcp-subnet-name",
    ),
    pytest.param(
        _set(("gcp", "us-east4", "subnets", 0, "secondary_ranges"), ["10.22.0.0/16"]),
        ["gcp.us-east4.subnets[app].secondary_ranges must be a dict, got list"],
        id="secondary-ranges-not-a-dict",
    ),
    pytest.param(
        _set(("onprem", 0, "ranges", 2, "name"), "servers"),
        ["onprem[dc1].ranges[2].name servers duplicates the name of onprem[dc1].ranges[0]"],
        id="duplicate-onprem-range-name",
    ),
    pytest.param(
        lambda plan: plan["onprem"].append({"site": "dc1", "asn": 65011, "ranges": [{"name": "servers", "cidr": "172.17.0.0/20"}]}),
        ["onprem[1].site dc1 duplicates the site of onprem[0]"],
        id="duplicate-onprem-site",
    ),
    pytest.param(
        _delete(("onprem", 0, "ranges")),
        ["onprem[dc1].ranges is missing"],
        id="missing-onprem-ranges",
    ),
    pytest.param(
        _set(("onprem", 0, "ranges", 0), "172.16.0.0/20"),
        ["onprem[dc1].ranges[0] must be a dict, got str"],
        id="onprem-range-not-a-dict",
    ),
    pytest.param(
        _delete(("gcp",)),
        ["gcp is missing"],
        id="missing-gcp-section",
    ),
    pytest.param(
        _set(("gcp_private_service_access",), "8.8.0.0/16"),
        ["gcp_private_service_access 8.8.0.0/16 is not inside RFC 1918 private space (10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16)"],
        id="psa-range-public",
    ),
    pytest.param(
        _set(("gcp_private_service_access",), "10.30.0.0/26"),
        ["gcp_private_service_access 10.30.0.0/26 is smaller than a /24, the smallest range private service access allows"],
        id="psa-range-too-small",
    ),
    pytest.param(
        _set(("gcp_private_service_access",), "10.20.0.0/16"),
        [
            "gcp.us-central1.subnets[app].cidr 10.20.0.0/20 overlaps gcp_private_service_access 10.20.0.0/16",
            "gcp.us-east4.subnets[app].cidr 10.20.16.0/20 overlaps gcp_private_service_access 10.20.0.0/16",
        ],
        id="psa-range-overlaps-subnets",
    ),
    pytest.param(
        _set(("onprem",), {"dc1": {}}),
        ["onprem must be a list, got dict"],
        id="onprem-not-a-list",
    ),
]


@pytest.mark.parametrize("mutate, expected", BAD_PLANS)
def test_bad_plan_reports_specific_message(mutate, expected):
    errors = errors_after(mutate)
    assert all(isinstance(error, str) for error in errors)
    for message in expected:
        assert message in errors, f"{message!r} not in {errors!r}"


@pytest.mark.parametrize("mutate, expected", BAD_PLANS)
def test_bad_plan_reports_nothing_unexpected(mutate, expected):
    """Each single fault produces exactly its own messages (no noise, no duplicates)."""
    assert errors_after(mutate) == expected


def test_several_faults_are_all_reported_in_stable_order():
    """Per-section checks first (AWS, GCP, on-prem), then range overlaps, then duplicate ASNs."""
    mutate = _chain(
        _set(("onprem", 0, "asn"), 64513),
        _set(("gcp", "us-central1", "subnets", 0, "cidr"), "10.10.128.0/20"),
        _set(("aws", "us-west-2", "vpc_cidr"), "10.11.0.1/16"),
        _set(("aws", "us-east-1", "azs", 0), "eu-west-1a"),
        _delete(("gcp", "us-east4", "subnets", 0, "name")),
    )
    assert errors_after(mutate) == [
        "aws.us-east-1.azs[0] eu-west-1a is not an availability zone of region us-east-1",
        "aws.us-west-2.vpc_cidr 10.11.0.1/16 has host bits set (the network address is 10.11.0.0/16)",
        "gcp.us-east4.subnets[0].name is missing",
        "aws.us-east-1.vpc_cidr 10.10.0.0/16 overlaps gcp.us-central1.subnets[app].cidr 10.10.128.0/20",
        "aws.us-west-2.transit_gateway_asn 64513 duplicates onprem[dc1].asn 64513",
    ]


def test_output_does_not_depend_on_dict_insertion_order():
    plan = good_plan()
    plan["aws"]["us-east-1"]["vpc_cidr"] = "10.10.0.1/16"
    plan["gcp"]["us-east4"]["cloud_router_asn"] = 64512
    plan["gcp"]["us-central1"]["subnets"][0]["secondary_ranges"]["pods"] = "10.11.0.0/16"
    reordered = {key: plan[key] for key in reversed(list(plan))}
    reordered["aws"] = {key: plan["aws"][key] for key in reversed(list(plan["aws"]))}
    reordered["gcp"] = {key: plan["gcp"][key] for key in reversed(list(plan["gcp"]))}
    first = address_plan_errors(plan)
    assert first == address_plan_errors(reordered)
    assert first == address_plan_errors(copy.deepcopy(plan))
    assert first == [
        "aws.us-east-1.vpc_cidr 10.10.0.1/16 has host bits set (the network address is 10.10.0.0/16)",
        "aws.us-west-2.vpc_cidr 10.11.0.0/16 overlaps gcp.us-central1.subnets[app].secondary_ranges.pods 10.11.0.0/16",
        "aws.us-east-1.transit_gateway_asn 64512 duplicates gcp.us-east4.cloud_router_asn 64512",
    ]


def test_filter_does_not_modify_its_input():
    plan = good_plan()
    plan["aws"]["us-east-1"]["subnets"]["extra"] = ["10.10.200.0/24"]
    snapshot = copy.deepcopy(plan)
    address_plan_errors(plan)
    assert plan == snapshot


@pytest.mark.parametrize("value", [None, [], "10.0.0.0/8", 42])
def test_top_level_not_a_dict_raises(value):
    with pytest.raises(AnsibleFilterError, match="address_plan_errors expects a dict"):
        address_plan_errors(value)


def test_empty_plan_reports_missing_sections():
    assert address_plan_errors({}) == ["aws is missing", "gcp is missing", "onprem is missing"]


# ---------------------------------------------------------------------------
# Robustness: no malformed value anywhere in the plan makes the filter raise
# ---------------------------------------------------------------------------

JUNK_VALUES = [None, True, 0, -1, 1.5, "", " ", "junk", "10.0.0.0/33", [], [None], ["x", 1], {}, {"x": None}, {1: [2]}, object()]


def _paths(node, prefix=()):
    """Every key path into the plan, parents before children."""
    children = node.items() if isinstance(node, dict) else enumerate(node) if isinstance(node, list) else ()
    for key, child in children:
        yield prefix + (key,)
        yield from _paths(child, prefix + (key,))


ALL_PATHS = list(_paths(good_plan()))


@pytest.mark.parametrize("path", ALL_PATHS, ids=lambda path: ".".join(str(part) for part in path))
def test_malformed_values_never_raise(path):
    for junk in JUNK_VALUES:
        errors = errors_after(_set(path, junk))
        assert isinstance(errors, list) and all(isinstance(error, str) for error in errors)
        assert len(errors) == len(set(errors))
    errors = errors_after(_delete(path))
    assert isinstance(errors, list) and all(isinstance(error, str) for error in errors)
