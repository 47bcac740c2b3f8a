# Copyright: ecommerce platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The sandbox's hosts end to end: `sandbox hosts up` starts podman hosts and registers them as
EC2 instances, the ordinary aws_ec2 inventory groups them by their tags, playbooks/monitoring.yml
converges them through it, and Prometheus on the role_prometheus host reports every host's
node_exporter up (read from Prometheus's HTTP API). `sandbox hosts down` then leaves no container
and no instance. Needs the sandbox running and its environment set (`./dev integration`)."""
import json
import os
import pathlib
import subprocess
import sys
import time

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
PYTHON = sys.executable
BIN = pathlib.Path(PYTHON).parent
PLAN = yaml.safe_load((ROOT / "sandbox/hosts/hosts.yml").read_text())
TARGETS_TIMEOUT = 60


def cli(*args, check=True):
    return subprocess.run([PYTHON, str(ROOT / "sandbox/sandbox"), *args], cwd=ROOT, capture_output=True, text=True, check=check)


def summary_hosts():
    return json.loads(cli("summary", "--json").stdout)["hosts"]["hosts"]


def sandbox_containers():
    result = subprocess.run(["podman", "ps", "--all", "--filter", "label=io.ecommerce.sandbox-host", "--format", "{{.Names}}"],
                            capture_output=True, text=True, check=True)
    return result.stdout.split()


@pytest.fixture(scope="module")
def hosts_up():
    assert os.environ.get("HTTPS_PROXY"), "the sandbox environment is not set: run ./dev integration"
    up = cli("hosts", "up", check=False)
    assert up.returncode == 0, up.stdout + up.stderr
    yield up
    down = cli("hosts", "down", check=False)
    assert down.returncode == 0, down.stdout + down.stderr


@pytest.fixture(scope="module")
def monitored(hosts_up):
    run = subprocess.run([str(BIN / "ansible-playbook"), "-i", "inventories/sandbox", "playbooks/monitoring.yml"],
                         cwd=ROOT, capture_output=True, text=True)
    assert run.returncode == 0, run.stdout[-4000:] + run.stderr[-2000:]
    return run


def test_hosts_are_running_and_registered_with_their_addresses(hosts_up):
    status = json.loads(cli("hosts", "status", "--json").stdout)
    assert {row["name"] for row in status} == {host["name"] for host in PLAN["hosts"]}
    for row in status:
        assert row["container"] == "running", row
        assert row["instance"].startswith("i-") and row["instance_address"] == row["address"], row
    # Idempotent: a second `up` registers nothing new.
    again = cli("hosts", "up")
    assert "registered" not in again.stdout, again.stdout


def test_hosts_do_not_inherit_the_outbound_guards_proxy(hosts_up):
    # The guard listens on the controller's loopback; a host given it could not reach Debian's mirror.
    for name in sandbox_containers():
        inspected = subprocess.run(["podman", "inspect", "--format", "{{json .Config.Env}}", name],
                                   capture_output=True, text=True, check=True)
        proxies = [item for item in json.loads(inspected.stdout) if item.split("=", 1)[0].lower().endswith("_proxy")]
        assert proxies == [], (name, proxies)


def test_the_aws_ec2_inventory_groups_the_hosts_by_their_tags(hosts_up):
    listing = subprocess.run([str(BIN / "ansible-inventory"), "-i", "inventories/sandbox", "--list"],
                             cwd=ROOT, capture_output=True, text=True, check=True)
    inventory = json.loads(listing.stdout)
    members = lambda group: set(inventory.get(group, {}).get("hosts", []))  # noqa: E731
    assert members("env_sandbox") == {host["name"] for host in PLAN["hosts"]}
    for host in PLAN["hosts"]:
        for key in ("tier", "role", "tenant"):
            assert host["name"] in members(f"{key}_{host['tags'][key]}"), (key, host)
        assert host["name"] in members("region_" + host["region"].replace("-", "_"))
        connection = inventory["_meta"]["hostvars"][host["name"]]["ansible_connection"]
        # ansible-inventory --list marks templated values unsafe: {"__ansible_unsafe": value}
        assert (connection.get("__ansible_unsafe") if isinstance(connection, dict) else connection) == "containers.podman.podman"


def test_prometheus_reports_every_hosts_node_exporter_up(monitored):
    addresses = {row["address"] for row in json.loads(cli("hosts", "status", "--json").stdout)}
    deadline = time.monotonic() + TARGETS_TIMEOUT
    while True:
        prometheus = [row for row in summary_hosts() if row["tags"].get("role") == "prometheus"]
        assert len(prometheus) == 1, prometheus
        targets = prometheus[0].get("prometheus_targets") or []
        node = {t["instance"]: t["health"] for t in targets if t["job"] == "node"}
        if set(node) == {f"{address}:9100" for address in addresses} and set(node.values()) == {"up"}:
            break
        assert time.monotonic() < deadline, f"node_exporter targets after {TARGETS_TIMEOUT} s: {node}"
        time.sleep(2)


def test_hosts_down_leaves_no_container_and_no_instance(monitored):
    cli("hosts", "down")
    assert sandbox_containers() == []
    status = cli("hosts", "status", "--json", check=False)
    assert status.returncode == 3
    assert all(row["container"] == "absent" and not row["instance"] for row in json.loads(status.stdout))
