# Copyright: ecommerce platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The collection's packaging: artifact contents, the EE build context, and that every
list of dependencies agrees with the others and with what the tests actually ran."""
import json
import pathlib
import subprocess
import sys
import tarfile

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
VENV_BIN = pathlib.Path(sys.executable).parent
BUNDLED = pathlib.Path(yaml.__file__).parents[1] / "ansible_collections"


def load(path):
    return yaml.safe_load((ROOT / path).read_text())


def pins(path):
    result = {}
    for line in (ROOT / path).read_text().splitlines():
        line = line.split("#")[0].strip()
        if "==" in line:
            name, version = line.split("==")
            result[name.lower().split("[")[0]] = version
    return result


def test_ee_build_context_is_rendered_offline(ee_context):
    containerfile = (ee_context / "Containerfile").read_text()
    assert "quay.io/centos/centos:stream9" in containerfile
    assert "ansible-core==2.19.14" in containerfile


def test_ee_carries_the_collections_own_dependency_files(ee_context):
    build = ee_context / "_build"
    assert yaml.safe_load((build / "requirements.yml").read_text()) == load("requirements.yml")
    assert (build / "requirements.txt").read_text() == (ROOT / "requirements.txt").read_text()
    assert (build / "bindep.txt").read_text() == (ROOT / "bindep.txt").read_text()


def test_ee_carries_this_collection_from_its_artifact(ee_context):
    artifact = sorted((ROOT / ".cache/build").glob("ecommerce-multicloud-*.tar.gz"))[-1]
    copied = ee_context / "_build" / "collection" / artifact.name
    assert copied.read_bytes() == artifact.read_bytes()
    install = [line for line in (ee_context / "Containerfile").read_text().splitlines() if "/tmp/ecommerce-multicloud/" in line and "collection install" in line]
    assert len(install) == 1 and "--offline" in install[0] and "/tmp/ecommerce-multicloud/ecommerce-multicloud-*.tar.gz" in install[0], install
    # The install step comes after ansible-core is in the image (the final stage), not in the builder stage only.
    final_stage = (ee_context / "Containerfile").read_text().rsplit("FROM ", 1)[1]
    assert "COPY _build/collection/ /tmp/ecommerce-multicloud/" in final_stage and install[0] in final_stage


def test_requirements_yml_pins_the_bundled_collections_the_tests_run_with():
    for entry in load("requirements.yml")["collections"]:
        namespace, name = entry["name"].split(".")
        manifest = json.loads((BUNDLED / namespace / name / "MANIFEST.json").read_text())
        assert manifest["collection_info"]["version"] == entry["version"], entry["name"]


def test_galaxy_dependencies_are_the_requirements_yml_collections():
    assert set(load("galaxy.yml")["dependencies"]) == {c["name"] for c in load("requirements.yml")["collections"]}


def test_ee_ansible_core_matches_the_lock():
    ee = load("execution-environment.yml")
    assert ee["dependencies"]["ansible_core"]["package_pip"] == "ansible-core==" + pins("constraints.txt")["ansible-core"]


def test_every_dev_requirement_is_pinned_in_the_lock():
    locked = pins("constraints.txt")
    for line in (ROOT / "requirements-dev.txt").read_text().splitlines():
        name = line.split("#")[0].strip().split("[")[0].lower()
        if name:
            assert name in locked, name


@pytest.mark.parametrize("cloud, prefixes", [("aws", ("ec2_",)), ("gcp", ("gcp_",))])
def test_every_module_is_in_its_clouds_action_group(cloud, prefixes):
    group = load("meta/runtime.yml")["action_groups"][cloud]
    modules = {p.stem for p in (ROOT / "plugins/modules").glob("*.py") if p.stem.startswith(prefixes)}
    assert modules and modules == {entry for entry in group if isinstance(entry, str)}


def test_every_module_belongs_to_a_cloud():
    assert all(p.stem.startswith(("ec2_", "gcp_")) for p in (ROOT / "plugins/modules").glob("*.py"))


@pytest.mark.parametrize("role", sorted(p.name for p in (ROOT / "roles").iterdir() if (p / "meta/argument_specs.yml").exists()))
def test_role_defaults_and_argument_spec_agree(role):
    defaults = load("roles/{0}/defaults/main.yml".format(role)) or {}
    spec = load("roles/{0}/meta/argument_specs.yml".format(role))["argument_specs"]["main"]["options"]
    assert set(defaults) == set(spec)
    for name, option in spec.items():
        assert option.get("default") == defaults[name], name


def test_built_artifact_holds_the_collection_and_nothing_local():
    artifacts = sorted((ROOT / ".cache/build").glob("ecommerce-multicloud-*.tar.gz"))
    assert artifacts, "run ./dev build first"
    names = tarfile.open(artifacts[-1]).getnames()
    for required in ("MANIFEST.json", "meta/runtime.yml", "roles/aws_network/meta/argument_specs.yml",
                     "plugins/modules/ec2_vpc_flow_log.py", "plugins/filter/address_plan.py", "playbooks/site.yml"):
        assert required in names
    assert not [n for n in names if n.startswith((".venv", ".cache", ".sandbox", ".git/"))]


def test_role_readmes_are_generated_from_the_argument_specs():
    result = subprocess.run([sys.executable, str(ROOT / "scripts/role_readme.py"), "--check"], capture_output=True, text=True)
    assert result.returncode == 0, result.stderr


def test_ci_runs_the_readmes_test_command_as_written():
    section = (ROOT / "README.md").read_text().split("## Two commands", 1)[1].split("\n## ", 1)[0]
    blocks = [block.split("\n", 1)[1].strip() for block in section.split("```sh")[1:]]
    commands = [block.split("```", 1)[0].strip() for block in blocks]
    assert commands == ["./dev sandbox", "./dev test"], commands
    ci_lines = [line.strip() for line in (ROOT / ".ci/run").read_text().splitlines()]
    assert commands[1] in ci_lines, ci_lines
