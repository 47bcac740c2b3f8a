#!/usr/bin/env python3
# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The sandbox's hosts: podman containers from the sandbox's Debian 12 image, each registered
as an EC2 instance in the sandbox's AWS emulator, so that the ordinary aws_ec2 inventory
(inventories/sandbox/aws_ec2.yml) finds and groups them like the instances of a real account.

  up        build the image if its recipe changed, start every host of hosts.yml (systemd as
            PID 1), register each as a running instance whose private IP is the container's
            address and whose tags are the host's (Name, env, tier, role, tenant); idempotent
  down      terminate the instances, remove the containers
  status    one line a host: container state, address, instance; exit 0 if all are up, else 3

The inventory connects to a registered host with the podman connection (the instance's
`sandbox-container` tag names the container) and keeps `ansible_host` as the private IP, which
is what Prometheus scrapes: the same address a real instance's exporters are reached on.

Environment: AWS_ENDPOINT_URL (default http://127.0.0.1:5150), SANDBOX_HOSTS_FILE (default
hosts.yml beside this file), CONTAINERS_CONF (default containers.conf beside this file).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import yaml

HERE = Path(__file__).resolve().parent
BUILD_IMAGE = HERE / "build_image.sh"
DEFAULT_ENDPOINT = "http://127.0.0.1:5150"
CONTAINER_TAG = "sandbox-container"  # the instance tag the inventory's podman connection reads
LABEL = "io.ecommerce.sandbox-host"  # the container label that marks the sandbox's hosts
LIVE_STATES = ["pending", "running"]
BOOT_TIMEOUT = 60.0
EXIT_NOT_UP = 3


@dataclass(frozen=True)
class Host:
    name: str
    region: str
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class Plan:
    env: str
    instance_type: str
    hosts: tuple[Host, ...]


def load_plan(path: Path) -> Plan:
    """hosts.yml, validated: every field named in the error, nothing started on bad input."""
    data = yaml.safe_load(path.read_text()) or {}
    errors = []
    env = data.get("env")
    if not isinstance(env, str) or not env:
        errors.append(f"{path.name}: env must be a non-empty string (got {env!r})")
    hosts = []
    seen = set()
    for index, entry in enumerate(data.get("hosts") or []):
        where = f"{path.name}: hosts[{index}]"
        name, region, tags = entry.get("name"), entry.get("region"), entry.get("tags") or {}
        if not isinstance(name, str) or not name.replace("-", "").isalnum():
            errors.append(f"{where}.name must be letters, digits and '-' (got {name!r})")
        elif name in seen:
            errors.append(f"{where}.name {name} is not unique")
        seen.add(name)
        if not isinstance(region, str) or not region:
            errors.append(f"{where}.region must be an AWS region (got {region!r})")
        missing = [key for key in ("tier", "role", "tenant") if not tags.get(key)]
        if missing:
            errors.append(f"{where}.tags lacks {', '.join(missing)}")
        reserved = sorted({"Name", "env", CONTAINER_TAG} & set(tags))
        if reserved:
            errors.append(f"{where}.tags may not set {', '.join(reserved)} (the sandbox sets them)")
        hosts.append(Host(str(name), str(region), {str(k): str(v) for k, v in tags.items()}))
    if not hosts:
        errors.append(f"{path.name}: hosts is empty")
    if errors:
        raise SystemExit("error: " + "\n       ".join(errors))
    return Plan(env, str(data.get("instance_type") or "t3.small"), tuple(hosts))


# --- podman -----------------------------------------------------------------------------


def _podman(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    env = dict(os.environ)
    env.setdefault("CONTAINERS_CONF", str(HERE / "containers.conf"))
    return subprocess.run(["podman", *args], check=check, capture_output=True, text=True, env=env)


def container(name: str) -> dict[str, Any] | None:
    """podman inspect of the container, or None when there is none."""
    result = _podman("container", "inspect", name, check=False)
    if result.returncode != 0:
        return None
    return json.loads(result.stdout)[0]


def _address(info: dict[str, Any]) -> str:
    settings = info.get("NetworkSettings") or {}
    address = settings.get("IPAddress")
    if not address:
        for network in (settings.get("Networks") or {}).values():
            address = address or network.get("IPAddress")
    return address or ""


def build_image() -> str:
    result = subprocess.run([str(BUILD_IMAGE)], check=True, stdout=subprocess.PIPE, text=True)
    return result.stdout.strip().splitlines()[-1]


def start_container(host: Host, image: str) -> dict[str, Any]:
    info = container(host.name)
    if info is None:
        _podman(
            "run", "--detach", "--name", host.name, "--hostname", host.name,
            "--label", f"{LABEL}=1", "--systemd", "always", image, "/sbin/init",
        )
    elif not info["State"]["Running"]:
        _podman("start", host.name)
    deadline = time.monotonic() + BOOT_TIMEOUT
    while True:  # systemd is up once it leaves initializing/starting (degraded is fine in a container)
        state = _podman("exec", host.name, "systemctl", "is-system-running", check=False).stdout.strip()
        if state not in ("", "initializing", "starting", "offline"):
            break
        if time.monotonic() > deadline:
            raise SystemExit(f"error: {host.name}: systemd did not finish booting in {BOOT_TIMEOUT:.0f} s ({state})")
        time.sleep(0.5)
    return container(host.name)


# --- the AWS emulator -------------------------------------------------------------------


def _ec2(region: str) -> Any:
    import boto3

    return boto3.client(
        "ec2",
        region_name=region,
        endpoint_url=os.environ.get("AWS_ENDPOINT_URL") or DEFAULT_ENDPOINT,
        aws_access_key_id="testing",
        aws_secret_access_key="testing",  # notsecret: the emulator accepts any key
    )


def instances(ec2: Any, name: str | None = None) -> list[dict[str, Any]]:
    filters = [{"Name": "tag-key", "Values": [CONTAINER_TAG]}, {"Name": "instance-state-name", "Values": LIVE_STATES}]
    if name:
        filters.append({"Name": f"tag:{CONTAINER_TAG}", "Values": [name]})
    found = []
    for page in ec2.get_paginator("describe_instances").paginate(Filters=filters):
        for reservation in page["Reservations"]:
            found.extend(reservation["Instances"])
    return found


def _image_id(ec2: Any) -> str:
    images = ec2.describe_images(Owners=["amazon"])["Images"]
    if not images:
        raise SystemExit("error: the AWS emulator lists no AMI to register the hosts with")
    return sorted(image["ImageId"] for image in images)[0]


def register(plan: Plan, host: Host, address: str) -> tuple[str, bool]:
    """The host's instance (id, changed): kept when its address is the container's, else replaced."""
    ec2 = _ec2(host.region)
    current = instances(ec2, host.name)
    if len(current) == 1 and current[0].get("PrivateIpAddress") == address:
        return current[0]["InstanceId"], False
    if current:
        ec2.terminate_instances(InstanceIds=[i["InstanceId"] for i in current])
    tags = {"Name": host.name, "env": plan.env, **host.tags, CONTAINER_TAG: host.name}
    reservation = ec2.run_instances(
        ImageId=_image_id(ec2),
        InstanceType=plan.instance_type,
        MinCount=1,
        MaxCount=1,
        PrivateIpAddress=address,
        TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}],
    )
    return reservation["Instances"][0]["InstanceId"], True


# --- commands ---------------------------------------------------------------------------


def cmd_up(plan: Plan, args: argparse.Namespace) -> int:
    image = build_image()
    for host in plan.hosts:
        info = start_container(host, image)
        address = _address(info)
        if not address:
            raise SystemExit(f"error: {host.name}: the container has no IP address")
        instance_id, changed = register(plan, host, address)
        verb = "registered" if changed else "up"
        print(f"{host.name}: {verb} {address} as {instance_id} in {host.region} ({_tag_text(host)})")
    return 0


def cmd_down(plan: Plan, args: argparse.Namespace) -> int:
    for region in sorted({host.region for host in plan.hosts}):
        ec2 = _ec2(region)
        found = instances(ec2)
        if found:
            ec2.terminate_instances(InstanceIds=[i["InstanceId"] for i in found])
            print(f"{region}: terminated {', '.join(sorted(i['InstanceId'] for i in found))}")
    names = _podman("ps", "--all", "--filter", f"label={LABEL}", "--format", "{{.Names}}").stdout.split()
    for name in names:
        _podman("rm", "--force", "--time", "5", name)
        print(f"{name}: removed")
    if not names:
        print("no sandbox hosts")
    return 0


def describe(plan: Plan) -> list[dict[str, Any]]:
    """One entry a host: container state and address, the instance registered for it."""
    registered: dict[str, dict[str, Any]] = {}
    for region in sorted({host.region for host in plan.hosts}):
        try:
            for instance in instances(_ec2(region)):
                tags = {t["Key"]: t["Value"] for t in instance.get("Tags", [])}
                registered[tags[CONTAINER_TAG]] = instance
        except Exception as error:  # the emulator is down: say so per host instead of failing
            registered.setdefault("__error__", {"error": str(error)})
    rows = []
    for host in plan.hosts:
        info = container(host.name)
        instance = registered.get(host.name)
        rows.append(
            {
                "name": host.name,
                "region": host.region,
                "tags": {"env": plan.env, **host.tags},
                "container": info["State"]["Status"] if info else "absent",
                "address": _address(info) if info else "",
                "instance": instance["InstanceId"] if instance else "",
                "instance_address": instance.get("PrivateIpAddress", "") if instance else "",
            }
        )
    return rows


def prometheus_targets(name: str, settle_seconds: float = 30.0) -> list[dict[str, str]] | None:
    """The scrape targets Prometheus on host `name` reports (its HTTP API, read inside the
    container), or None when it does not answer.

    A Prometheus that has just (re)started lists no targets, or targets of unknown health, until
    its first scrapes: such an answer is asked again for up to `settle_seconds`."""
    deadline = time.monotonic() + settle_seconds
    while True:
        targets = _read_prometheus_targets(name)
        settled = targets is None or (targets and all(t["health"] != "unknown" for t in targets))
        if settled or time.monotonic() >= deadline:
            return targets
        time.sleep(2)


def _read_prometheus_targets(name: str) -> list[dict[str, str]] | None:
    probe = (
        "import json, urllib.request\n"
        "data = json.load(urllib.request.urlopen('http://127.0.0.1:9090/api/v1/targets?state=active', timeout=5))\n"
        "print(json.dumps([{'job': t['labels'].get('job', ''), 'instance': t['labels'].get('instance', ''),"
        " 'health': t['health']} for t in data['data']['activeTargets']]))"
    )
    result = _podman("exec", name, "python3", "-c", probe, check=False)
    if result.returncode != 0:
        return None
    return json.loads(result.stdout)


def is_up(row: dict[str, Any]) -> bool:
    return row["container"] == "running" and bool(row["instance"]) and row["instance_address"] == row["address"]


def _tag_text(host: Host) -> str:
    return ", ".join(f"{key}={value}" for key, value in sorted(host.tags.items()))


def cmd_status(plan: Plan, args: argparse.Namespace) -> int:
    rows = describe(plan)
    if args.json:
        print(json.dumps(rows, indent=2))
    for row in rows if not args.json else []:
        instance = row["instance"] or "not registered"
        if row["instance"] and row["instance_address"] != row["address"]:
            instance += f" (registered as {row['instance_address']}, stale)"
        print(f"{row['name']}: {row['container']} {row['address'] or '-'} {instance} in {row['region']}")
    return 0 if all(is_up(row) for row in rows) else EXIT_NOT_UP


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="hosts", description=__doc__.split("\n\n")[0])
    parser.add_argument("--file", type=Path, default=Path(os.environ.get("SANDBOX_HOSTS_FILE") or HERE / "hosts.yml"))
    commands = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    commands.add_parser("up", help="start and register every host (idempotent)").set_defaults(func=cmd_up)
    commands.add_parser("down", help="terminate the instances and remove the containers").set_defaults(func=cmd_down)
    status = commands.add_parser("status", help="one line a host (exit 3 unless all are up)")
    status.add_argument("--json", action="store_true")
    status.set_defaults(func=cmd_status)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    return args.func(load_plan(args.file), args)


if __name__ == "__main__":
    sys.exit(main())
