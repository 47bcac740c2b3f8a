# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""playbooks/awx.yml through ansible-playbook: for every environment the mapping, the role's
argument specs and the graph check pass, and the first AWX call is the read-only plan; a broken
graph fails in preflight, naming the node, before any connection to AWX. "AWX" is a local socket
that counts connections (no AWX server can run here)."""
import os
import pathlib
import socket
import subprocess
import sys
import threading

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[3]


@pytest.fixture
def fake_awx():
    """A listener that accepts and drops connections, counting them."""
    server = socket.socket()
    server.bind(("127.0.0.1", 0))
    server.listen(8)
    server.settimeout(0.2)
    seen = []
    stop = threading.Event()

    def serve():
        while not stop.is_set():
            try:
                conn, _ = server.accept()
            except socket.timeout:
                continue
            seen.append(1)
            conn.close()
    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    yield "https://127.0.0.1:{0}".format(server.getsockname()[1]), seen
    stop.set()
    thread.join()
    server.close()


def playbook(env, controller, *extra):
    environ = dict(os.environ, CONTROLLER_HOST=controller, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
                   PATH=os.pathsep.join([str(pathlib.Path(sys.executable).parent), os.environ.get("PATH", "")]))
    return subprocess.run(["ansible-playbook", "-i", "inventories/" + env, "playbooks/awx.yml", "--check", *extra],
                          cwd=ROOT, env=environ, capture_output=True, text=True, timeout=120)


@pytest.mark.parametrize("env", ["sandbox", "development", "staging", "production"])
def test_every_check_passes_and_the_first_awx_call_is_the_plan(env, fake_awx):
    controller, seen = fake_awx
    result = playbook(env, controller)
    out = result.stdout
    assert "Validating arguments against arg spec 'main'" in out and "Preflight | The objects and every workflow graph" in out, out
    assert "failed=1" in out and "Plan | Read this organization's objects from AWX" in out, out
    before_plan = out.split("TASK [ecommerce.multicloud.awx_platform : Plan")[0]
    assert "fatal" not in before_plan and before_plan.count("ok: [localhost]") == 3, out
    assert seen, "the plan step should have reached the (fake) controller"


def test_a_broken_graph_fails_in_preflight_before_any_awx_call(tmp_path, fake_awx):
    controller, seen = fake_awx
    layers = yaml.safe_load((ROOT / "playbooks/vars/awx_layers.yml").read_text())
    layers["awx_layers"].append({"name": "compute", "playbook": "playbooks/compute.yml", "clouds": ["aws", "gcp"], "after": ["network"]})
    (tmp_path / "layers.yml").write_text(yaml.safe_dump(layers))
    result = playbook("staging", controller, "-e", "@{0}".format(tmp_path / "layers.yml"))
    out = result.stdout
    assert result.returncode != 0
    assert "node compute_gcp: job template ecommerce-staging compute gcp: playbook playbooks/compute.yml does not exist" in out, out
    assert "Plan | Read" not in out
    assert seen == []
