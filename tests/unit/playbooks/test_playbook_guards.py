# Copyright: ecommerce platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Guards in the playbooks that must hold for every environment, run for real with
ansible-playbook. No cloud is reachable: every proxy variable points at a dead loopback port."""
import os
import pathlib
import subprocess
import sys

import pytest

ROOT = pathlib.Path(__file__).resolve().parents[3]
ENVIRONMENTS = ["sandbox", "development", "staging", "production"]


def ansible_playbook(*args):
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and "proxy" not in k.lower()}
    env.update(HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9", NO_PROXY="127.0.0.1,localhost",
               ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    return subprocess.run([str(pathlib.Path(sys.executable).parent / "ansible-playbook"), *args],
                          env=env, capture_output=True, text=True, cwd=ROOT, check=False)


@pytest.mark.parametrize("env", ENVIRONMENTS)
@pytest.mark.parametrize("playbook", ["site.yml", "teardown.yml"])
def test_playbooks_parse_for_every_environment(env, playbook):
    result = ansible_playbook("-i", "inventories/{0}/hosts.yml".format(env), "playbooks/" + playbook, "--syntax-check")
    assert result.returncode == 0, result.stdout + result.stderr


def test_production_teardown_refuses_without_confirmation():
    result = ansible_playbook("-i", "inventories/production/hosts.yml", "playbooks/teardown.yml")
    assert result.returncode != 0
    assert "Refusing to tear down production: run again with -e teardown_confirm=production" in " ".join(result.stdout.split())
    # Nothing after the confirmation play ran.
    assert "PLAY [Teardown | Network" not in result.stdout


def test_production_teardown_with_the_wrong_confirmation_still_refuses():
    result = ansible_playbook("-i", "inventories/production/hosts.yml", "playbooks/teardown.yml", "-e", "teardown_confirm=staging")
    assert result.returncode != 0
    assert "PLAY [Teardown | Network" not in result.stdout
