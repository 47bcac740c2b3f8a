# Copyright: ecommerce platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The platform's real AWX workflow on the sandbox, through the simulator's command line.

`./dev sandbox` runs the same workflow to success; this test forces the AWS network node to fail,
so that in one short run the GCP branch really converges against the emulator while the AWS branch
takes its failure path, and the workflow ends with the status AWX would report. Needs the sandbox
running and its environment set (`./dev integration` does both)."""
import json
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[2]
PYTHON = sys.executable
HOST_PROJECT = "ecommerce-sandbox-host"
NETWORK = "ecommerce-sandbox"


def summary():
    result = subprocess.run([PYTHON, str(ROOT / "sandbox/sandbox"), "summary", "--json"], check=True, capture_output=True, text=True)
    return json.loads(result.stdout)


def gcp_networks(state):
    project = state["gcp"]["projects"].get(HOST_PROJECT) or {}
    return [network["name"] for network in (project.get("global") or {}).get("networks", [])]


def playbook(*args):
    return subprocess.run([str(pathlib.Path(PYTHON).parent / "ansible-playbook"), "-i", "inventories/sandbox", *args],
                          cwd=ROOT, capture_output=True, text=True)


@pytest.fixture(scope="module")
def forced_aws_failure(tmp_path_factory):
    assert os.environ.get("HTTPS_PROXY"), "the sandbox environment is not set: run ./dev integration"
    before = summary()
    assert NETWORK not in gcp_networks(before), "the sandbox already holds the GCP network: run ./dev teardown first"
    result_file = tmp_path_factory.mktemp("awx") / "result.json"
    run = subprocess.run([PYTHON, "scripts/awx_simulate.py", "-i", "inventories/sandbox", "--fail-node", "network_aws", "--json", str(result_file)],
                         cwd=ROOT, capture_output=True, text=True)
    after = summary()
    yield run, json.loads(result_file.read_text()), before, after
    teardown = playbook("--limit", "gcp_regions:localhost", "playbooks/teardown.yml")
    assert teardown.returncode == 0, teardown.stdout[-3000:]
    assert NETWORK not in gcp_networks(summary())


def test_the_forced_failure_follows_the_failure_path_and_fails_the_workflow(forced_aws_failure):
    run, result, _, _ = forced_aws_failure
    nodes = {node["identifier"]: node for node in result["timeline"]}
    assert run.returncode == 1, run.stdout + run.stderr
    assert nodes["network_aws"]["status"] == "failed" and "forced to fail" in nodes["network_aws"]["note"]
    assert nodes["network_gcp"]["status"] == "successful", nodes["network_gcp"]
    # The AWS branch's failure path ran and stopped the workflow; the GCP branch's did not.
    assert nodes["network_aws_failed"]["status"] == "failed" and "notified" in nodes["network_aws_failed"]["note"]
    assert nodes["network_gcp_failed"]["status"] == "dont_run"
    # Every later layer waits for the AWS network (directly or through convergence): none runs.
    later = {name: node["status"] for name, node in nodes.items() if not name.startswith("network_")}
    assert set(later.values()) <= {"dont_run"}, later
    assert result["status"] == "failed"
    assert result["reason"] == "No error handling path for workflow job node(s) [(network_aws_failed,failed)]"
    # The readable per-node timeline and the final status are printed.
    assert "Workflow status: failed" in run.stdout and "network_gcp" in run.stdout


def test_the_gcp_branch_really_converged_and_the_aws_branch_touched_nothing(forced_aws_failure):
    _, _, before, after = forced_aws_failure
    assert NETWORK in gcp_networks(after)
    shared_vpc = after["gcp"]["projects"][HOST_PROJECT]["global"]["shared_vpc"]
    assert shared_vpc and shared_vpc[0]["service_projects"], shared_vpc
    assert after["aws"] == before["aws"]
