# Copyright: ecommerce platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The inventories: every environment's files agree with its platform model, and the sandbox's
aws_ec2 inventory answers from the emulator with hosts grouped by their tags."""
import json
import os
import pathlib
import socket
import subprocess
import sys

import boto3
import pytest
import yaml
from moto.server import ThreadedMotoServer

ROOT = pathlib.Path(__file__).resolve().parents[3]
ENVIRONMENTS = sorted(p.name for p in (ROOT / "inventories").iterdir() if (p / "group_vars/all/platform.yml").exists())


def load(path):
    return yaml.safe_load(path.read_text())


def platform(env):
    return load(ROOT / "inventories" / env / "group_vars/all/platform.yml")["platform"]


def test_every_environment_is_there():
    assert ENVIRONMENTS == ["development", "production", "sandbox", "staging"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_control_plane_hosts_are_the_model_regions(env):
    hosts = load(ROOT / "inventories" / env / "hosts.yml")["all"]["children"]["aws_regions"]["hosts"]
    assert sorted(h["aws_region"] for h in hosts.values()) == sorted(platform(env)["regions"]["aws"])
    assert all(name == "aws_" + h["aws_region"].replace("-", "_") for name, h in hosts.items())


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_gcp_control_plane_hosts_are_the_model_regions(env):
    hosts = load(ROOT / "inventories" / env / "hosts.yml")["all"]["children"]["gcp_regions"]["hosts"]
    assert sorted(h["gcp_region"] for h in hosts.values()) == sorted(platform(env)["regions"]["gcp"])
    assert all(name == "gcp_" + h["gcp_region"].replace("-", "_") for name, h in hosts.items())


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_gcp_compute_inventory_covers_the_model_projects_regions_and_environment(env):
    config = load(ROOT / "inventories" / env / "gcp_compute.yml")
    model = platform(env)
    assert config["plugin"] == "google.cloud.gcp_compute"
    assert config["projects"] == [model["network"]["gcp"]["host_project"]] + model["network"]["gcp"]["service_projects"]
    assert sorted({zone.rsplit("-", 1)[0] for zone in config["zones"]}) == sorted(model["regions"]["gcp"])
    assert config["filters"] == ["labels.env = " + env]
    assert config["keyed_groups"] == load(ROOT / "inventories/sandbox/gcp_compute.yml")["keyed_groups"]


@pytest.mark.parametrize("env", ENVIRONMENTS)
def test_aws_ec2_inventory_covers_the_model_regions_and_environment(env):
    config = load(ROOT / "inventories" / env / "aws_ec2.yml")
    assert config["plugin"] == "amazon.aws.aws_ec2"
    assert sorted(config["regions"]) == sorted(platform(env)["regions"]["aws"])
    assert config["filters"]["tag:env"] == platform(env)["environment"] == env
    assert config["keyed_groups"] == load(ROOT / "inventories/sandbox/aws_ec2.yml")["keyed_groups"]
    # Only the sandbox names an endpoint, and only on loopback.
    if env == "sandbox":
        assert config["endpoint_url"].startswith("http://127.0.0.1:")
    else:
        assert not {"endpoint_url", "access_key", "secret_key"} & set(config)


def free_port():
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture()
def emulator():
    port = free_port()
    server = ThreadedMotoServer(ip_address="127.0.0.1", port=port)
    server.start()
    yield "http://127.0.0.1:{0}".format(port)
    server.stop()


def run_instance(endpoint, region, tags):
    ec2 = boto3.client("ec2", region_name=region, endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")
    image = ec2.describe_images()["Images"][0]["ImageId"]
    ec2.run_instances(ImageId=image, MinCount=1, MaxCount=1,
                      TagSpecifications=[{"ResourceType": "instance", "Tags": [{"Key": k, "Value": v} for k, v in tags.items()]}])


def test_sandbox_aws_ec2_inventory_groups_emulated_instances_by_tag(emulator, tmp_path):
    run_instance(emulator, "us-east-1", {"Name": "web-1", "env": "sandbox", "tier": "app", "role": "web", "tenant": "storefront"})
    run_instance(emulator, "us-west-2", {"Name": "kafka-1", "env": "sandbox", "tier": "data", "role": "kafka"})
    run_instance(emulator, "us-east-1", {"Name": "prod-web-1", "env": "production", "tier": "app", "role": "web"})
    config = (ROOT / "inventories/sandbox/aws_ec2.yml").read_text().replace("http://127.0.0.1:5150", emulator)
    inventory = tmp_path / "aws_ec2.yml"
    inventory.write_text(config)
    # No AWS settings from the caller; every proxy variable points at a dead port, so only a
    # loopback endpoint can answer.
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_") and "proxy" not in k.lower()}
    env.update(HTTPS_PROXY="http://127.0.0.1:9", HTTP_PROXY="http://127.0.0.1:9", NO_PROXY="127.0.0.1,localhost",
               ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_INVENTORY_UNPARSED_FAILED="true")
    result = subprocess.run([str(pathlib.Path(sys.executable).parent / "ansible-inventory"), "-i", str(inventory), "--list"],
                            env=env, capture_output=True, text=True, check=True, cwd=ROOT)
    groups = json.loads(result.stdout)
    members = {name: set(group.get("hosts", [])) for name, group in groups.items() if isinstance(group, dict)}
    assert members["env_sandbox"] == {"web-1", "kafka-1"}
    assert members["tier_app"] == {"web-1"} and members["tier_data"] == {"kafka-1"}
    assert members["role_web"] == {"web-1"} and members["role_kafka"] == {"kafka-1"}
    assert members["tenant_storefront"] == {"web-1"}
    assert members["region_us_west_2"] == {"kafka-1"}
    assert "prod-web-1" not in groups["_meta"]["hostvars"]
    # --list marks values that came from the cloud as unsafe: {"__ansible_unsafe": value}.
    address = groups["_meta"]["hostvars"]["web-1"]["ansible_host"]
    assert (address.get("__ansible_unsafe") if isinstance(address, dict) else address).startswith("10.")
