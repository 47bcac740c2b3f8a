# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The sandbox CLI's GCP side: the emulator, the HTTPS proxy for *.googleapis.com, the
generated service-account key, `env`, `summary`, and google.cloud modules and the
gcp_compute inventory run against them.

The sandbox is started through the CLI on free loopback ports with a temporary state dir
for the module (as in test_sandbox.py) and stopped at the end. Every request goes to
127.0.0.1: the emulator directly, or the proxy, which answers googleapis.com from the
emulator and refuses every other host.
"""

import json
import os
import re
import signal
import stat
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

import pytest
from sandbox_support import REPO_ROOT, VENV_BIN, kill as _kill
from sandbox_support import Cli as _SandboxCli, parse_env as _parse_env

PROJECT = "ecommerce-sandbox-host"
COMPUTE = f"/compute/v1/projects/{PROJECT}"
LINK_ROOT = "https://www.googleapis.com/compute/v1/projects/" + PROJECT


class Cli(_SandboxCli):
    def sandbox_env(self):
        """A minimal process environment: PATH, HOME and what `sandbox env` prints, nothing of the caller's."""
        printed = self("env")
        assert printed.returncode == 0, printed.stderr
        return {
            "PATH": f"{VENV_BIN}:{os.environ.get('PATH', '/usr/bin:/bin')}",
            "HOME": os.environ.get("HOME", "/tmp"),
            "LANG": "C.UTF-8",
            "ANSIBLE_CONFIG": str(REPO_ROOT / "ansible.cfg"),
            "ANSIBLE_NOCOLOR": "1",
            **_parse_env(printed.stdout),
        }


def _alive(pid):
    try:
        cmdline = Path(f"/proc/{pid}/cmdline").read_bytes()
        status = Path(f"/proc/{pid}/status").read_text()
    except OSError:
        return False
    return bool(cmdline) and "zombie" not in status


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    cli = Cli(tmp_path_factory.mktemp("sandbox-gcp-state"))
    started = cli("start")
    assert started.returncode == 0, started.stdout + started.stderr
    pids = cli.pids()
    try:
        yield cli
    finally:
        cli("stop")
        for pid in pids.values():
            if pid is not None and _alive(pid):
                _kill(pid)


@pytest.fixture()
def running(sandbox):
    status = sandbox("status")
    if status.returncode != 0:
        assert sandbox("start").returncode == 0
    return sandbox


def _gcp(cli, path, method="GET", body=None, host="compute.googleapis.com"):
    """(status, JSON body) of a request straight to the emulator on loopback (it routes on Host)."""
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(
        f"{cli.gcp_endpoint}{path}",
        method=method,
        data=data,
        headers={"Host": host, "Authorization": "Bearer test", "Content-Type": "application/json"},
    )
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    try:
        with opener.open(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")


def _names(cli, path):
    status, body = _gcp(cli, path)
    assert status == 200, body
    return sorted(item["name"] for item in body.get("items", []))


def _recap(output):
    match = re.search(r"localhost\s*:\s*ok=(\d+)\s+changed=(\d+)\s+unreachable=(\d+)\s+failed=(\d+)", output)
    assert match, output
    ok, changed, unreachable, failed = map(int, match.groups())
    assert unreachable == failed == 0, output
    return changed


# --- start, env --------------------------------------------------------------------------


@pytest.mark.usefixtures("running")
def test_start_creates_ca_and_service_account_key_once(sandbox):
    key_file = sandbox.state_dir / "gcp-service-account.json"
    key = json.loads(key_file.read_text())
    assert stat.S_IMODE(key_file.stat().st_mode) == 0o600
    assert key["type"] == "service_account"
    assert key["token_uri"] == f"{sandbox.gcp_endpoint}/token"
    bundle = (sandbox.state_dir / "ca-bundle.pem").read_text()
    assert "ecommerce.multicloud sandbox CA" in bundle
    again = sandbox("start")
    assert again.returncode == 0, again.stderr
    assert again.stdout.count("already running") == 3
    assert json.loads(key_file.read_text())["private_key_id"] == key["private_key_id"]


def test_env_prints_gcp_lines(sandbox):
    env = _parse_env(sandbox("env").stdout)
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        assert env[name] == sandbox.proxy_url
    assert env["NO_PROXY"] == env["no_proxy"] == "127.0.0.1,localhost"
    bundle = str(sandbox.state_dir / "ca-bundle.pem")
    assert env["REQUESTS_CA_BUNDLE"] == env["SSL_CERT_FILE"] == bundle
    assert env["GCP_AUTH_KIND"] == "serviceaccount"
    assert env["GCP_SERVICE_ACCOUNT_FILE"] == str(sandbox.state_dir / "gcp-service-account.json")
    assert env["GCP_PROJECT"] == PROJECT
    assert env["AWS_ENDPOINT_URL"] == f"http://127.0.0.1:{sandbox.port}"


# --- google.cloud modules through the proxy ------------------------------------------------

PLAYBOOK = """\
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    ansible_python_interpreter: "{{ ansible_playbook_python }}"
    state: present
  tasks:
    - name: Network
      google.cloud.gcp_compute_network:
        name: play-net
        auto_create_subnetworks: false
      register: network
      when: state == 'present'
    - name: Subnetwork with secondary ranges
      google.cloud.gcp_compute_subnetwork:
        name: play-subnet
        region: us-central1
        network: {selfLink: "%(link)s/global/networks/play-net"}
        ip_cidr_range: 10.20.0.0/20
        private_ip_google_access: true
        secondary_ip_ranges:
          - {range_name: pods, ip_cidr_range: 10.21.0.0/16}
          - {range_name: services, ip_cidr_range: 10.25.0.0/20}
        state: "{{ state }}"
    - name: Network removed
      google.cloud.gcp_compute_network:
        name: play-net
        state: absent
      when: state == 'absent'
""" % {"link": LINK_ROOT}


def _playbook(sandbox, path, *extra):
    run = subprocess.run(
        [str(VENV_BIN / "ansible-playbook"), "-i", "localhost,", str(path), *extra],
        env=sandbox.sandbox_env(),
        cwd=str(path.parent),
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    return run.stdout


@pytest.mark.usefixtures("running")
def test_google_cloud_modules_create_converge_and_remove(sandbox, tmp_path):
    playbook = tmp_path / "network.yml"
    playbook.write_text(PLAYBOOK)

    assert _recap(_playbook(sandbox, playbook)) == 2
    assert "play-net" in _names(sandbox, f"{COMPUTE}/global/networks")
    status, subnet = _gcp(sandbox, f"{COMPUTE}/regions/us-central1/subnetworks/play-subnet")
    assert status == 200, subnet
    assert subnet["ipCidrRange"] == "10.20.0.0/20"
    assert subnet["network"].endswith("/global/networks/play-net")
    assert subnet["privateIpGoogleAccess"] is True
    assert {r["rangeName"]: r["ipCidrRange"] for r in subnet["secondaryIpRanges"]} == {
        "pods": "10.21.0.0/16",
        "services": "10.25.0.0/20",
    }

    assert _recap(_playbook(sandbox, playbook)) == 0  # idempotent

    assert _recap(_playbook(sandbox, playbook, "-e", "state=absent")) == 2
    assert "play-subnet" not in _names(sandbox, f"{COMPUTE}/regions/us-central1/subnetworks")
    assert "play-net" not in _names(sandbox, f"{COMPUTE}/global/networks")


@pytest.mark.usefixtures("running")
def test_misspelled_field_is_rejected_through_the_proxy(sandbox):
    import requests

    env = sandbox.sandbox_env()
    response = requests.post(
        f"https://compute.googleapis.com{COMPUTE}/global/networks",
        json={"name": "typo-net", "autoCreateSubnetwork": False},
        headers={"Authorization": "Bearer test"},
        proxies={"https": env["HTTPS_PROXY"], "http": env["HTTP_PROXY"]},
        verify=env["REQUESTS_CA_BUNDLE"],
        timeout=30,
    )
    assert response.status_code == 400, response.text
    error = response.json()["error"]
    assert error["status"] == "INVALID_ARGUMENT"
    assert "autoCreateSubnetwork" in json.dumps(error)
    assert "typo-net" not in _names(sandbox, f"{COMPUTE}/global/networks")


def _insert_instance(sandbox, zone, name, labels, ip):
    status, body = _gcp(
        sandbox,
        f"{COMPUTE}/zones/{zone}/instances",
        method="POST",
        body={
            "name": name,
            "machineType": f"zones/{zone}/machineTypes/e2-small",
            "labels": labels,
            "networkInterfaces": [{"network": "global/networks/default", "networkIP": ip}],
            "disks": [
                {
                    "boot": True,
                    "initializeParams": {"sourceImage": "projects/debian-cloud/global/images/family/debian-12"},
                }
            ],
        },
    )
    assert status == 200, body


@pytest.mark.usefixtures("running")
def test_gcp_compute_inventory_groups_instances_by_label(sandbox):
    labels = {"env": "sandbox", "tier": "app", "role": "api", "tenant": "payments"}
    _insert_instance(sandbox, "us-central1-a", "inv-app-1", labels, "10.20.0.10")
    _insert_instance(sandbox, "us-east4-b", "inv-app-2", dict(labels, tenant="storefront"), "10.20.16.10")
    _insert_instance(sandbox, "us-central1-a", "inv-prod-1", dict(labels, env="production"), "10.20.0.11")
    _insert_instance(sandbox, "europe-west1-b", "inv-elsewhere", labels, "10.30.0.10")
    try:
        run = subprocess.run(
            [str(VENV_BIN / "ansible-inventory"), "-i", "inventories/sandbox/gcp_compute.yml", "--list"],
            env=sandbox.sandbox_env(),
            cwd=str(REPO_ROOT),
            capture_output=True,
            text=True,
            timeout=120,
            check=False,
        )
        assert run.returncode == 0, run.stdout + run.stderr
        inventory = json.loads(run.stdout)
        assert sorted(inventory["_meta"]["hostvars"]) == ["inv-app-1", "inv-app-2"]
        assert inventory["env_sandbox"]["hosts"] == ["inv-app-1", "inv-app-2"]
        assert inventory["tier_app"]["hosts"] == ["inv-app-1", "inv-app-2"]
        assert inventory["role_api"]["hosts"] == ["inv-app-1", "inv-app-2"]
        assert inventory["tenant_payments"]["hosts"] == ["inv-app-1"]
        assert inventory["tenant_storefront"]["hosts"] == ["inv-app-2"]
        assert inventory["zone_us_east4_b"]["hosts"] == ["inv-app-2"]
        host = inventory["_meta"]["hostvars"]["inv-app-1"]["ansible_host"]
        assert (host.get("__ansible_unsafe") if isinstance(host, dict) else host) == "10.20.0.10"
    finally:
        for zone, name in (
            ("us-central1-a", "inv-app-1"),
            ("us-east4-b", "inv-app-2"),
            ("us-central1-a", "inv-prod-1"),
            ("europe-west1-b", "inv-elsewhere"),
        ):
            _gcp(sandbox, f"{COMPUTE}/zones/{zone}/instances/{name}", method="DELETE")


@pytest.mark.usefixtures("running")
def test_other_hosts_are_refused_fast_through_the_sandbox_env(sandbox):
    script = (
        "import time, requests\n"
        "start = time.monotonic()\n"
        "try:\n"
        "    requests.get('https://sts.amazonaws.com/', timeout=30)\n"
        "    print('REACHED')\n"
        "except requests.exceptions.ProxyError as error:\n"
        "    print('PROXY-ERROR', round(time.monotonic() - start, 2), error)\n"
    )
    start = time.monotonic()
    run = subprocess.run(
        [sys.executable, "-c", script], env=sandbox.sandbox_env(), capture_output=True, text=True, timeout=60
    )
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("PROXY-ERROR"), run.stdout + run.stderr
    assert "403" in run.stdout
    assert time.monotonic() - start < 20
    assert "CONNECT sts.amazonaws.com:443 403" in (sandbox.state_dir / "gcp-proxy.log").read_text()


# --- summary, reset ------------------------------------------------------------------------


@pytest.mark.usefixtures("running")
def test_summary_lists_gcp_networks_subnets_routers_firewalls(sandbox):
    network = f"{LINK_ROOT}/global/networks/sum-net"
    for path, body in (
        (f"{COMPUTE}/global/networks", {"name": "sum-net", "autoCreateSubnetworks": False}),
        (
            f"{COMPUTE}/regions/us-east4/subnetworks",
            {
                "name": "sum-app",
                "network": network,
                "ipCidrRange": "10.20.16.0/20",
                "secondaryIpRanges": [
                    {"rangeName": "pods", "ipCidrRange": "10.22.0.0/16"},
                    {"rangeName": "services", "ipCidrRange": "10.25.16.0/20"},
                ],
            },
        ),
        (
            f"{COMPUTE}/regions/us-east4/routers",
            {
                "name": "sum-router",
                "network": network,
                "bgp": {"asn": 64523},
                "nats": [
                    {
                        "name": "sum-nat",
                        "natIpAllocateOption": "AUTO_ONLY",
                        "sourceSubnetworkIpRangesToNat": "ALL_SUBNETWORKS_ALL_IP_RANGES",
                    }
                ],
            },
        ),
        (
            f"{COMPUTE}/global/firewalls",
            {
                "name": "sum-allow-iap-ssh",
                "network": network,
                "direction": "INGRESS",
                "priority": 900,
                "allowed": [{"IPProtocol": "tcp", "ports": ["22"]}],
                "sourceRanges": ["35.235.240.0/20"],
            },
        ),
    ):
        status, reply = _gcp(sandbox, path, method="POST", body=body)
        assert status == 200, reply

    text = sandbox("summary", "--regions", "us-east-1")
    assert text.returncode == 0, text.stderr
    out = text.stdout
    assert f"GCP (emulated at {sandbox.gcp_endpoint})" in out
    assert f"project {PROJECT}" in out
    assert "sum-net  custom subnets" in out
    assert "sum-app  sum-net  10.20.16.0/20  secondary: pods 10.22.0.0/16, services 10.25.16.0/20" in out
    assert "sum-router  sum-net  ASN 64523  NATs: sum-nat (AUTO_ONLY, ALL_SUBNETWORKS_ALL_IP_RANGES)" in out
    assert "sum-allow-iap-ssh  sum-net  INGRESS  priority 900  allow tcp:22  from 35.235.240.0/20" in out
    assert "GCP: not emulated yet" not in out

    as_json = sandbox("summary", "--json", "--regions", "us-east-1", "--gcp-projects", PROJECT)
    assert as_json.returncode == 0, as_json.stderr
    gcp = json.loads(as_json.stdout)["gcp"]
    assert gcp["emulated"] is True and gcp["running"] is True
    project = gcp["projects"][PROJECT]
    assert [n["name"] for n in project["global"]["networks"]] == ["sum-net"]
    assert [f["name"] for f in project["global"]["firewalls"]] == ["sum-allow-iap-ssh"]
    region = project["regions"]["us-east4"]
    assert region["subnetworks"][0]["secondary_ranges"] == {"pods": "10.22.0.0/16", "services": "10.25.16.0/20"}
    assert region["routers"][0]["nats"][0]["name"] == "sum-nat"


@pytest.mark.usefixtures("running")
def test_reset_wipes_the_gcp_emulator(sandbox):
    status, reply = _gcp(sandbox, f"{COMPUTE}/global/networks", method="POST", body={"name": "reset-net"})
    assert status == 200, reply
    key_before = (sandbox.state_dir / "gcp-service-account.json").read_text()
    reset = sandbox("reset")
    assert reset.returncode == 0, reset.stdout + reset.stderr
    assert "GCP emulator state wiped" in reset.stdout
    assert _names(sandbox, f"{COMPUTE}/global/networks") == []
    assert sandbox("status").returncode == 0
    assert (sandbox.state_dir / "gcp-service-account.json").read_text() == key_before
    assert "nothing in any project" in sandbox("summary").stdout


# --- status, stop ---------------------------------------------------------------------------


@pytest.mark.usefixtures("running")
def test_status_needs_all_three_and_start_restarts_only_the_missing_one(sandbox):
    status = sandbox("status")
    assert status.returncode == 0, status.stdout
    pids = sandbox.pids()
    for line, name in zip(status.stdout.splitlines(), ("aws", "gcp", "gcp-proxy")):
        assert f"running pid {pids[name]}" in line
    assert f"GCP proxy: running pid {pids['gcp-proxy']} endpoint {sandbox.proxy_url}" in status.stdout

    os.kill(pids["gcp-proxy"], signal.SIGTERM)
    deadline = time.monotonic() + 10
    while _alive(pids["gcp-proxy"]) and time.monotonic() < deadline:
        time.sleep(0.1)
    status = sandbox("status")
    assert status.returncode == 3, status.stdout
    assert "GCP proxy: stopped" in status.stdout
    assert f"AWS: running pid {pids['aws']}" in status.stdout

    started = sandbox("start")
    assert started.returncode == 0, started.stderr
    assert "AWS emulator already running" in started.stdout
    assert "GCP emulator already running" in started.stdout
    assert "GCP proxy started" in started.stdout
    assert sandbox("status").returncode == 0


def test_stop_stops_all_three(sandbox):
    pids = sandbox.pids()
    assert all(pids.values()), pids
    stopped = sandbox("stop")
    assert stopped.returncode == 0
    for title in ("AWS emulator", "GCP emulator", "GCP proxy"):
        assert f"{title} stopped" in stopped.stdout
    status = sandbox("status")
    assert status.returncode == 3
    assert [line.split(":")[0] for line in status.stdout.splitlines()] == ["AWS", "GCP", "GCP proxy"]
    assert all(": stopped" in line for line in status.stdout.splitlines())
    again = sandbox("stop")
    assert again.returncode == 0 and again.stdout.count("not running") == 3
    deadline = time.monotonic() + 10
    while any(_alive(pid) for pid in pids.values()) and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(_alive(pid) for pid in pids.values())
