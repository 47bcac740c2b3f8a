# Copyright: ecommerce platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""What the AWX orchestration needs from the packaging: the execution environment carries awx.awx
(roles/awx_platform) and ansible-runner (AWX's job engine, also the simulator's), and the
collection artifact carries the role, the workflow check and the playbooks AWX job templates name."""
import pathlib
import subprocess
import sys
import tarfile

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]


def test_the_ee_installs_awx_awx_and_ansible_runner(ee_context):
    collections = yaml.safe_load((ee_context / "_build/requirements.yml").read_text())["collections"]
    assert {"name": "awx.awx", "version": "24.6.1"} in collections
    containerfile = (ee_context / "Containerfile").read_text()
    assert "ansible-runner==2.4.3" in containerfile


def test_the_artifact_carries_the_awx_orchestration():
    artifacts = sorted((ROOT / ".cache/build").glob("ecommerce-multicloud-*.tar.gz"))
    assert artifacts, "run ./dev build first"
    names = set(tarfile.open(artifacts[-1]).getnames())
    layers = yaml.safe_load((ROOT / "playbooks/vars/awx_layers.yml").read_text())["awx_layers"]
    for required in ["roles/awx_platform/meta/argument_specs.yml", "plugins/filter/awx_workflow.py", "plugins/module_utils/awx_workflow.py",
                     "playbooks/awx.yml", "playbooks/workflow_stop.yml"] + [layer["playbook"] for layer in layers]:
        assert required in names, required
