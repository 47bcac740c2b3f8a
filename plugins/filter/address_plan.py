# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see COPYING or https://www.gnu.org/licenses/gpl-3.0.txt)

"""Validate the platform address plan (platform.address_plan) before any cloud API call.

The filter is pure Python (stdlib ipaddress only) and returns a list of human
readable error strings; an empty list means the plan is valid. Documentation
for the filter lives in address_plan_errors.yml next to this file.
"""

from __future__ import annotations

import ipaddress

from collections.abc import Mapping

from ansible.errors import AnsibleFilterError

RFC1918_NETWORKS = tuple(ipaddress.IPv4Network(cidr) for cidr in ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"))
RFC1918_TEXT = "10.0.0.0/8, 172.16.0.0/12, 192.168.0.0/16"
PRIVATE_ASN_RANGES = ((64512, 65534), (4200000000, 4294967294))
PRIVATE_ASN_TEXT = "64512-65534 or 4200000000-4294967294"
AWS_SUBNET_TIERS = ("public", "private_app", "private_data")
AWS_AZ_COUNT = 3


class _PlanReport:
    """Accumulates error messages plus the ranges and ASNs needed for the cross-plan checks."""

    def __init__(self):
        self.errors = []
        self.ranges = []  # (path, IPv4Network) of every top-level range, in plan order
        self.asns = []  # (path, int) of every well-formed ASN, in plan order

    def add(self, message):
        self.errors.append(message)


# ---------------------------------------------------------------------------
# Formatting helpers
# ---------------------------------------------------------------------------


def _kind(value):
    """Return a YAML-ish type name for messages about wrong types."""
    if value is None:
        return "null"
    if isinstance(value, Mapping):
        return "dict"
    if isinstance(value, (list, tuple)):
        return "list"
    if isinstance(value, bool):
        return "bool"
    for kind in (str, int, float):
        if isinstance(value, kind):
            return kind.__name__
    return type(value).__name__


def _fmt(value, depth=0):
    """Render a value for a message: plain strings unquoted, other scalars and containers YAML-like."""
    if isinstance(value, str):
        text = str(value)
        return text if text and not any(char.isspace() for char in text) else repr(text)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, (int, float)):
        return str(int(value)) if isinstance(value, int) else repr(float(value))
    if depth >= 2 and isinstance(value, (Mapping, list, tuple)):
        return "..."
    if isinstance(value, Mapping):
        return "{" + ", ".join(f"{_fmt(key, depth + 1)}: {_fmt(item, depth + 1)}" for key, item in value.items()) + "}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_fmt(item, depth + 1) for item in value) + "]"
    return repr(value)


def _sorted_keys(mapping):
    return sorted(mapping, key=str)


def _unique(messages):
    return list(dict.fromkeys(messages))


# ---------------------------------------------------------------------------
# Generic value checks
# ---------------------------------------------------------------------------


def _require(path, value, kind, report):
    """Check that value is present and of the wanted container kind ("dict" or "list")."""
    if value is None:
        report.add(f"{path} is missing")
        return False
    wanted = Mapping if kind == "dict" else (list, tuple)
    if not isinstance(value, wanted):
        report.add(f"{path} must be a {kind}, got {_kind(value)}")
        return False
    return True


def _is_private(network):
    return any(network.subnet_of(block) for block in RFC1918_NETWORKS)


def _parse_network(path, value, report):
    """Return an IPv4Network for a well-formed CIDR string, reporting (and returning None for) anything else."""
    if value is None:
        report.add(f"{path} is missing")
        return None
    if not isinstance(value, str) or "/" not in value:
        report.add(f"{path} {_fmt(value)} is not an IPv4 network in CIDR form (a.b.c.d/len)")
        return None
    try:
        return ipaddress.IPv4Network(value, strict=True)
    except ValueError:
        pass
    try:
        loose = ipaddress.IPv4Network(value, strict=False)
    except ValueError:
        report.add(f"{path} {_fmt(value)} is not a valid IPv4 network in CIDR form (a.b.c.d/len)")
        return None
    report.add(f"{path} {_fmt(value)} has host bits set (the network address is {loose})")
    return None


def _check_range(path, value, report):
    """Parse a CIDR and check it is RFC 1918 private space. Returns the network when it parses."""
    network = _parse_network(path, value, report)
    if network is not None and not _is_private(network):
        report.add(f"{path} {network} is not inside RFC 1918 private space ({RFC1918_TEXT})")
    return network


def _add_top_level_range(path, value, report):
    network = _check_range(path, value, report)
    if network is not None:
        report.ranges.append((path, network))
    return network


def _check_asn(path, value, report):
    """Check an ASN is a private-range integer; well-formed ASNs are kept for the duplicate check."""
    if value is None:
        report.add(f"{path} is missing")
        return
    if isinstance(value, bool) or not isinstance(value, int):
        report.add(f"{path} {_fmt(value)} is not an integer ASN")
        return
    asn = int(value)
    if not any(low <= asn <= high for low, high in PRIVATE_ASN_RANGES):
        report.add(f"{path} {asn} is not a private ASN ({PRIVATE_ASN_TEXT})")
    report.asns.append((path, asn))


def _entry_label(list_path, index, entry, key, seen, report):
    """Return the readable path of a named list entry, e.g. gcp.us-east4.subnets[app].

    Falls back to the positional path (subnets[0]) when the name is missing, invalid or a duplicate,
    and reports those problems.
    """
    positional = f"{list_path}[{index}]"
    name = entry.get(key)
    if name is None:
        report.add(f"{positional}.{key} is missing")
        return positional
    if not isinstance(name, str) or not name.strip():
        report.add(f"{positional}.{key} {_fmt(name)} must be a non-empty string")
        return positional
    if name in seen:
        report.add(f"{positional}.{key} {_fmt(name)} duplicates the {key} of {list_path}[{seen[name]}]")
        return positional
    seen[name] = index
    return f"{list_path}[{name}]"


def _overlap_errors(entries):
    """One message per overlapping pair of (path, network) entries, in entry order."""
    errors = []
    for index, (path_a, net_a) in enumerate(entries):
        for path_b, net_b in entries[index + 1 :]:
            if net_a.overlaps(net_b):
                errors.append(f"{path_a} {net_a} overlaps {path_b} {net_b}")
    return errors


def _duplicate_asn_errors(asns):
    """One message per pair of owners sharing an ASN, in plan order."""
    errors = []
    for index, (path_a, asn_a) in enumerate(asns):
        for path_b, asn_b in asns[index + 1 :]:
            if asn_a == asn_b:
                errors.append(f"{path_a} {asn_a} duplicates {path_b} {asn_b}")
    return errors


# ---------------------------------------------------------------------------
# AWS
# ---------------------------------------------------------------------------


def _az_in_region(az, region):
    """us-east-1a belongs to us-east-1; us-east-10a does not."""
    if not isinstance(az, str) or not az.startswith(region) or len(az) == len(region):
        return False
    return not az[len(region)].isdigit()


def _check_aws_azs(region_path, region, azs, report):
    """Check the AZ list; returns the number of subnets each tier needs, or None when the AZ list is itself wrong.

    A wrong AZ count is reported once here rather than again for every tier.
    """
    path = f"{region_path}.azs"
    if not _require(path, azs, "list", report):
        return None
    distinct = []
    for index, az in enumerate(azs):
        if not _az_in_region(az, region):
            report.add(f"{path}[{index}] {_fmt(az)} is not an availability zone of region {region}")
        if az in distinct:
            report.add(f"{path}[{index}] {_fmt(az)} is listed more than once")
        else:
            distinct.append(az)
    if len(distinct) != AWS_AZ_COUNT:
        report.add(f"{path} {_fmt(list(azs))} has {len(distinct)} distinct AZs, expected exactly {AWS_AZ_COUNT}")
    return AWS_AZ_COUNT if len(azs) == len(distinct) == AWS_AZ_COUNT else None


def _check_aws_tier(tier_path, cidrs, az_count, report):
    """Check one subnet tier list; returns its (path, network) entries that parsed."""
    if not _require(tier_path, cidrs, "list", report):
        return []
    if az_count is not None and len(cidrs) != az_count:
        report.add(f"{tier_path} {_fmt(list(cidrs))} has {len(cidrs)} subnets, expected one per AZ ({az_count})")
    entries = []
    for index, cidr in enumerate(cidrs):
        path = f"{tier_path}[{index}]"
        network = _check_range(path, cidr, report)
        if network is not None:
            entries.append((path, network))
    return entries


def _check_aws_subnets(region_path, subnets, vpc, az_count, report):
    path = f"{region_path}.subnets"
    if not _require(path, subnets, "dict", report):
        return
    for tier in AWS_SUBNET_TIERS:
        if tier not in subnets:
            report.add(f"{path}.{tier} is missing")
    for tier in _sorted_keys(subnets):
        if tier not in AWS_SUBNET_TIERS:
            report.add(f"{path}.{tier} is not a known subnet tier (expected {', '.join(AWS_SUBNET_TIERS)})")
    entries = []
    for tier in AWS_SUBNET_TIERS:
        if tier in subnets:
            entries.extend(_check_aws_tier(f"{path}.{tier}", subnets[tier], az_count, report))
    if vpc is not None:
        for subnet_path, network in entries:
            if not network.subnet_of(vpc):
                report.add(f"{subnet_path} {network} is not inside {region_path}.vpc_cidr {vpc}")
    report.errors.extend(_overlap_errors(entries))


def _check_aws_region(region, entry, report):
    path = f"aws.{region}"
    if not _require(path, entry, "dict", report):
        return
    vpc = _add_top_level_range(f"{path}.vpc_cidr", entry.get("vpc_cidr"), report)
    _check_asn(f"{path}.transit_gateway_asn", entry.get("transit_gateway_asn"), report)
    az_count = _check_aws_azs(path, str(region), entry.get("azs"), report)
    _check_aws_subnets(path, entry.get("subnets"), vpc, az_count, report)


def _check_aws(aws, report):
    if _require("aws", aws, "dict", report):
        for region in _sorted_keys(aws):
            _check_aws_region(region, aws[region], report)


# ---------------------------------------------------------------------------
# GCP
# ---------------------------------------------------------------------------


def _check_gcp_secondary_ranges(subnet_path, secondary, report):
    path = f"{subnet_path}.secondary_ranges"
    if secondary is None:
        return
    if not isinstance(secondary, Mapping):
        report.add(f"{path} must be a dict, got {_kind(secondary)}")
        return
    for name in _sorted_keys(secondary):
        _add_top_level_range(f"{path}.{name}", secondary[name], report)


def _check_gcp_subnet(list_path, index, subnet, seen, report):
    if not _require(f"{list_path}[{index}]", subnet, "dict", report):
        return
    path = _entry_label(list_path, index, subnet, "name", seen, report)
    _add_top_level_range(f"{path}.cidr", subnet.get("cidr"), report)
    _check_gcp_secondary_ranges(path, subnet.get("secondary_ranges"), report)


def _check_gcp_region(region, entry, report):
    path = f"gcp.{region}"
    if not _require(path, entry, "dict", report):
        return
    _check_asn(f"{path}.cloud_router_asn", entry.get("cloud_router_asn"), report)
    subnets = entry.get("subnets")
    if not _require(f"{path}.subnets", subnets, "list", report):
        return
    seen = {}
    for index, subnet in enumerate(subnets):
        _check_gcp_subnet(f"{path}.subnets", index, subnet, seen, report)


def _check_gcp(gcp, report):
    if _require("gcp", gcp, "dict", report):
        for region in _sorted_keys(gcp):
            _check_gcp_region(region, gcp[region], report)


# ---------------------------------------------------------------------------
# On-prem
# ---------------------------------------------------------------------------


def _check_onprem_range(list_path, index, entry, seen, report):
    if not _require(f"{list_path}[{index}]", entry, "dict", report):
        return
    path = _entry_label(list_path, index, entry, "name", seen, report)
    _add_top_level_range(f"{path}.cidr", entry.get("cidr"), report)


def _check_onprem_site(index, site, seen_sites, report):
    if not _require(f"onprem[{index}]", site, "dict", report):
        return
    path = _entry_label("onprem", index, site, "site", seen_sites, report)
    _check_asn(f"{path}.asn", site.get("asn"), report)
    ranges = site.get("ranges")
    if not _require(f"{path}.ranges", ranges, "list", report):
        return
    seen_ranges = {}
    for range_index, entry in enumerate(ranges):
        _check_onprem_range(f"{path}.ranges", range_index, entry, seen_ranges, report)


def _check_onprem(onprem, report):
    if _require("onprem", onprem, "list", report):
        seen_sites = {}
        for index, site in enumerate(onprem):
            _check_onprem_site(index, site, seen_sites, report)


def _check_gcp_private_service_access(value, report):
    """The range reserved for Google-managed services (Cloud SQL) over private service access: optional,
    RFC 1918, at least a /24 (Cloud SQL's minimum), and like every range it must not overlap another."""
    if value is None:
        return
    path = "gcp_private_service_access"
    network = _add_top_level_range(path, value, report)
    if network is not None and network.prefixlen > 24:
        report.add(f"{path} {network} is smaller than a /24, the smallest range private service access allows")


# ---------------------------------------------------------------------------
# Public filter
# ---------------------------------------------------------------------------


def address_plan_errors(address_plan):
    """Return the list of problems found in platform.address_plan; an empty list means the plan is valid.

    Only a top-level value that is not a dict raises (AnsibleFilterError); every other malformation is
    reported as a message. Messages come out in a fixed order: AWS regions (sorted), GCP regions (sorted),
    on-prem sites (list order), then cross-plan range overlaps, then duplicate ASNs.
    """
    if not isinstance(address_plan, Mapping):
        raise AnsibleFilterError(f"address_plan_errors expects a dict (platform.address_plan), got {_kind(address_plan)}")
    report = _PlanReport()
    _check_aws(address_plan.get("aws"), report)
    _check_gcp(address_plan.get("gcp"), report)
    _check_gcp_private_service_access(address_plan.get("gcp_private_service_access"), report)
    _check_onprem(address_plan.get("onprem"), report)
    report.errors.extend(_overlap_errors(report.ranges))
    report.errors.extend(_duplicate_asn_errors(report.asns))
    return _unique(report.errors)


class FilterModule:
    """ecommerce.multicloud address plan filters."""

    def filters(self):
        return {
            "address_plan_errors": address_plan_errors,
        }
