# Copyright: ecommerce platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""The Packer templates of the hardened images (packer/), checked offline with the Packer that
Debian 12 ships (1.6.6).

- `packer validate` (full: every builder, provisioner and post-processor prepares its
  configuration) in a network namespace without interfaces when `unshare -rn` works, always with
  every proxy variable on a dead loopback port and CHECKPOINT_DISABLE=1: nothing can reach a cloud;
- negative copies (a misspelled option, a missing variable, a rule only the full validate checks,
  the IMDS options Packer 1.6.6 does not have, a missing playbook) that must be rejected;
- the security properties read from the template text (encryption, IMDSv2 steps, Shielded VM,
  no external IP, the official source images, the tag policy, the provisioner chain);
- the playbook: `ansible-playbook --syntax-check`, its order (os_hardening, then the scan with
  assert true), and its gate refusing an unscanned build before connecting to the instance;
- scripts/aws_imdsv2.py on its own (botocore Stubber) for the failures moto cannot produce;
- a `packer build` of the AWS template against a local moto EC2 (the SSH and Ansible stage
  removed: moto runs no instance): the AMI Packer picks, the encryption it asks for, IMDSv2 on
  the build instance and the AMI read back, tags read back, and a build that fails when EC2
  does not apply IMDSv2.
"""
import concurrent.futures
import io
import json
import os
import pathlib
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import urllib.parse
from datetime import datetime, timezone

import pytest
import yaml

ROOT = pathlib.Path(__file__).resolve().parents[2]
PACKER_DIR = ROOT / "packer"
VENV_BIN = pathlib.Path(sys.executable).parent
PACKER = shutil.which("packer") or "/usr/bin/packer"
DEAD_PROXY = "http://127.0.0.1:9"
DEBIAN_OWNER = "136693071363"

VARS = {
    "aws": {"env": "development", "owner": "platform-team", "cost_center": "cc-4200", "ssh_source_cidrs": '["203.0.113.10/32"]'},
    "gce": {"env": "development", "owner": "platform-team", "cost_center": "cc-4200", "project_id": "ecommerce-development-storefront"},
}
TEMPLATES = {"aws": "aws-debian12-hardened.pkr.hcl", "gce": "gce-debian12-hardened.pkr.hcl"}

# Packer is part of the toolchain (scripts/bootstrap.sh installs Debian's): a missing one fails, never skips.
assert os.path.exists(PACKER), "packer is not installed: run scripts/bootstrap.sh"


# --- running packer offline ----------------------------------------------------------------

def _unshare_works():
    try:
        return subprocess.run(["unshare", "-rn", "true"], capture_output=True, timeout=10).returncode == 0
    except (OSError, subprocess.TimeoutExpired):
        return False


ISOLATE = ["unshare", "-rn"] if _unshare_works() else []


def offline_env(**extra):
    env = {k: v for k, v in os.environ.items() if not k.lower().endswith("_proxy") and not k.startswith(("AWS_", "GOOGLE_", "PKR_VAR_"))}
    env.update({
        "HTTPS_PROXY": DEAD_PROXY, "HTTP_PROXY": DEAD_PROXY, "https_proxy": DEAD_PROXY, "http_proxy": DEAD_PROXY,
        "NO_PROXY": "", "no_proxy": "", "CHECKPOINT_DISABLE": "1", "PACKER_NO_COLOR": "1",
        "AWS_EC2_METADATA_DISABLED": "true", "AWS_CONFIG_FILE": os.devnull, "AWS_SHARED_CREDENTIALS_FILE": os.devnull,
        "GOOGLE_APPLICATION_CREDENTIALS": os.devnull, "PACKER_CACHE_DIR": os.path.join(tempfile.gettempdir(), "packer-test-cache"),
    })
    env.update(extra)
    return env


def var_args(values):
    return [arg for name, value in values.items() for arg in ("-var", "{0}={1}".format(name, value))]


def packer(*args, isolate=True, env=None, timeout=60):
    return subprocess.run(([*ISOLATE] if isolate else []) + [PACKER, *args], cwd=ROOT, env=env or offline_env(),
                          capture_output=True, text=True, timeout=timeout)


def said(result, message):
    """Whether packer's output holds message (packer wraps its lines: compare words)."""
    return " ".join(message.split()) in " ".join((result.stdout + result.stderr).split())


def validate(template, values, *flags):
    return packer("validate", *flags, *var_args(values), str(template))


@pytest.fixture(scope="session")
def quick_toolchain(tmp_path_factory):
    """A bin directory like .venv/bin whose ansible-playbook only answers `--version` (with the
    real one's answer) and whose python runs the venv's. Packer's ansible provisioner runs
    `ansible-playbook --version` in validate; this saves a second of Python start-up per copy.
    The templates themselves are validated with the real toolchain."""
    real = subprocess.run([str(VENV_BIN / "ansible-playbook"), "--version"], capture_output=True, text=True, check=True).stdout
    stub = tmp_path_factory.mktemp("toolchain")
    script = stub / "ansible-playbook"
    script.write_text("#!/bin/sh\ncat <<'EOF'\n{0}EOF\n".format(real))
    script.chmod(0o755)
    python = stub / "python"   # a wrapper, not a symlink: a symlink would leave the venv's site-packages out
    python.write_text('#!/bin/sh\nexec "{0}" "$@"\n'.format(VENV_BIN / "python"))
    python.chmod(0o755)
    return stub


@pytest.fixture
def packer_copy(tmp_path, quick_toolchain):
    """packer/ copied to a temporary folder (playbook and script paths stay valid), and a writer of
    modified templates; the toolchain and ansible.cfg are passed explicitly since the copy is
    outside the checkout."""
    copy = tmp_path / "packer"
    shutil.copytree(PACKER_DIR, copy)
    toolchain = {"toolchain_bin": str(quick_toolchain), "ansible_config": str(ROOT / "ansible.cfg")}

    def write(cloud, old=None, new=None):
        path = copy / TEMPLATES[cloud]
        if old is not None:
            text = path.read_text()
            assert old in text, old
            path.write_text(text.replace(old, new, 1))
        return path, dict(VARS[cloud], **toolchain)
    return write


# --- a reader for the HCL2 these templates use (canonical `packer fmt` layout) --------------

class Block:
    def __init__(self, kind, labels):
        self.kind, self.labels, self.attrs, self.blocks = kind, labels, {}, []

    def all(self, kind, *labels):
        return [b for b in self.blocks if b.kind == kind and tuple(b.labels[:len(labels)]) == labels]

    def one(self, kind, *labels):
        found = self.all(kind, *labels)
        assert len(found) == 1, (kind, labels, len(found))
        return found[0]


def _balance(text):
    """Brackets left open at the end of text, skipping strings and the ${...} inside them."""
    stack, i = [["code", 0]], 0   # frames: code (top level), str (a string), tpl (${ } in a string)
    while i < len(text):
        c, frame = text[i], stack[-1]
        if frame[0] == "str":
            if c == "\\":
                i += 1
            elif c == '"':
                stack.pop()
            elif text.startswith("${", i):
                stack.append(["tpl", 0])
                i += 1
        elif c == '"':
            stack.append(["str"])
        elif c == "#" and len(stack) == 1:
            break
        elif c in "{[(":
            frame[1] += 1
        elif c in "}])":
            if frame[0] == "tpl" and frame[1] == 0:
                stack.pop()
            else:
                frame[1] -= 1
        i += 1
    assert len(stack) == 1, "unterminated string: " + text
    return stack[0][1]


def parse_hcl(text):
    root = Block("file", [])
    path = [root]
    lines = iter(text.splitlines())
    for line in lines:
        stripped = line.strip()
        if not stripped or stripped.startswith("#"):
            continue
        if stripped == "}":
            path.pop()
            continue
        opening = re.match(r'^([a-z_][a-z0-9_-]*)((?:\s+"[^"]*")*)\s*\{$', stripped)
        if opening:
            block = Block(opening.group(1), re.findall(r'"([^"]*)"', opening.group(2)))
            path[-1].blocks.append(block)
            path.append(block)
            continue
        name, sep, value = stripped.partition("=")
        assert sep, "unexpected line: " + line
        value = value.strip()
        while _balance(value) > 0:
            value += "\n" + next(lines).strip()
        path[-1].attrs[name.strip().strip('"')] = value
    assert path == [root], "unbalanced blocks"
    return root


def literal(raw):
    """A literal's value (bool, number, plain string, list of them); anything else stays raw."""
    raw = raw.strip().rstrip(",")
    if raw in ("true", "false"):
        return raw == "true"
    if raw.startswith(('"', "[", "{")) or re.fullmatch(r"-?\d+(\.\d+)?", raw):
        try:
            return json.loads(raw)
        except ValueError:
            return raw
    return raw


def hcl_map(raw):
    body = raw.strip()
    assert body.startswith("{") and body.endswith("}"), raw
    pairs = [line.strip().rstrip(",") for line in body[1:-1].splitlines() if line.strip()]
    return {literal(k.strip()) if k.strip().startswith('"') else k.strip(): v.strip()
            for k, _, v in (pair.partition("=") for pair in pairs)}


@pytest.fixture(scope="module")
def hcl():
    return {cloud: parse_hcl((PACKER_DIR / name).read_text()) for cloud, name in TEMPLATES.items()}


# --- packer itself --------------------------------------------------------------------------

def test_the_validation_runs_with_debians_packer_1_6_6():
    result = packer("version")
    assert result.returncode == 0 and result.stdout.startswith("Packer v1.6.6"), result.stdout + result.stderr


def test_validation_is_isolated_from_the_network_when_the_kernel_allows():
    if not ISOLATE:
        pytest.skip("unshare -rn is not permitted here: only the dead-proxy guard applies")
    probe = subprocess.run([*ISOLATE, sys.executable, "-c", "import socket; socket.create_connection(('192.0.2.1', 443), timeout=2)"],
                           capture_output=True, text=True, timeout=30)
    assert probe.returncode != 0 and "unreachable" in probe.stderr.lower(), probe.stderr


@pytest.mark.parametrize("cloud", sorted(TEMPLATES))
def test_template_is_in_canonical_format(cloud):
    result = packer("fmt", "-check", "-diff", str(PACKER_DIR / TEMPLATES[cloud]))
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.fixture(scope="module")
def real_runs(tmp_path_factory):
    """The runs that need the real toolchain (a second of Python start-up each), started together:
    both templates' validation with their defaults, and the syntax check of the playbook and of
    a copy naming a role that does not exist."""
    broken = tmp_path_factory.mktemp("playbook") / "harden.yml"
    broken.write_text(PLAYBOOK.read_text().replace("name: ecommerce.multicloud.os_hardening\n", "name: ecommerce.multicloud.os_hardenin\n", 1))
    syntax_check = [str(VENV_BIN / "ansible-playbook"), "--syntax-check", "-i", "localhost,"]
    with concurrent.futures.ThreadPoolExecutor(max_workers=4) as pool:
        futures = {cloud: pool.submit(validate, PACKER_DIR / TEMPLATES[cloud], VARS[cloud]) for cloud in TEMPLATES}
        for name, playbook in (("syntax", PLAYBOOK), ("syntax-broken", broken)):
            futures[name] = pool.submit(subprocess.run, syntax_check + [str(playbook)], cwd=ROOT, env=ansible_env(),
                                        capture_output=True, text=True, timeout=120)
        return {name: future.result() for name, future in futures.items()}


@pytest.mark.parametrize("cloud", sorted(TEMPLATES))
def test_template_validates_offline(real_runs, cloud):
    result = real_runs[cloud]
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Syntax-only check passed" not in result.stdout


@pytest.mark.parametrize("cloud, old, new, message", [
    ("aws", "  encrypt_boot = true", "  encrypt_bot  = true", 'An argument named "encrypt_bot" is not expected here. Did you mean\n"encrypt_boot"?'),
    ("gce", "  enable_vtpm                 = true", "  enable_vtmp                 = true", 'An argument named "enable_vtmp" is not expected here'),
    ("gce", '"${path.root}/playbooks/harden.yml"', '"${path.root}/playbooks/hardening.yml"', "playbooks/hardening.yml is invalid"),
    ("aws", '"${path.root}/playbooks/harden.yml"', '"${path.root}/playbooks/hardening.yml"', "playbooks/hardening.yml is invalid"),
])
def test_a_broken_copy_is_rejected(packer_copy, cloud, old, new, message):
    template, values = packer_copy(cloud, old, new)
    result = validate(template, values)
    assert result.returncode != 0
    assert said(result, message), result.stdout + result.stderr


@pytest.mark.parametrize("cloud", sorted(TEMPLATES))
def test_an_unmodified_copy_validates(packer_copy, cloud):
    """The control for the negative copies: they fail for their change, not for being copies."""
    template, values = packer_copy(cloud)
    result = validate(template, values)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.parametrize("cloud, missing", [("aws", "cost_center"), ("aws", "ssh_source_cidrs"), ("gce", "project_id"), ("gce", "env")])
def test_a_missing_required_variable_is_rejected(cloud, missing):
    values = {k: v for k, v in VARS[cloud].items() if k != missing}
    result = validate(PACKER_DIR / TEMPLATES[cloud], values)
    assert result.returncode != 0
    assert said(result, 'Unset variable "{0}"'.format(missing)), result.stdout + result.stderr


@pytest.mark.parametrize("cloud, name, value, message", [
    ("aws", "ssh_source_cidrs", '["10.0.0.0/8", "0.0.0.0/0"]', "SSH open to the internet (0.0.0.0/0, ::/0) is refused"),
    ("aws", "env", "prod", "must be one of sandbox, development, staging, production"),
    ("aws", "ssh_interface", "session_manager", "must be public_ip or private_ip"),
    ("gce", "cost_center", "CC 4200", "lowercase letters, digits, - and _ only"),
])
def test_a_bad_variable_value_is_rejected(cloud, name, value, message):
    result = validate(PACKER_DIR / TEMPLATES[cloud], dict(VARS[cloud], **{name: value}))
    assert result.returncode != 0
    assert said(result, message), result.stdout + result.stderr


def test_full_validation_checks_what_syntax_only_cannot(packer_copy):
    """Without an internal IP, a VM without an external one is unreachable: only the builder's
    own Prepare, which `packer validate` runs and `-syntax-only` skips, knows that rule."""
    template, values = packer_copy("gce", "  use_internal_ip    = true", "  use_internal_ip    = false")
    assert validate(template, values, "-syntax-only").returncode == 0
    result = validate(template, values)
    assert result.returncode != 0
    assert said(result, "'use_internal_ip' must be true if 'omit_external_ip' is true"), result.stdout + result.stderr


@pytest.mark.parametrize("old, new, message", [
    ("  ssh_username ", '  metadata_options {\n    http_tokens = "required"\n  }\n  ssh_username ', 'Blocks of type "metadata_options" are not expected here.'),
    ("  ssh_username ", '  imds_support = "v2.0"\n  ssh_username ', 'An argument named "imds_support" is not expected here.'),
])
def test_packer_1_6_6_has_no_imds_options_hence_the_script(packer_copy, old, new, message):
    """Why scripts/aws_imdsv2.py exists. When Debian's Packer gains these options, this test fails:
    then use them in the template instead."""
    template, values = packer_copy("aws", old, new)
    result = validate(template, values)
    assert result.returncode != 0 and said(result, message), result.stdout + result.stderr


# --- what the templates say -----------------------------------------------------------------

def test_every_variable_is_described(hcl):
    for cloud, tree in hcl.items():
        for variable in tree.all("variable"):
            assert len(literal(variable.attrs.get("description", '""'))) > 20, (cloud, variable.labels)


def test_aws_source_is_the_official_debian_12_ami(hcl):
    source = hcl["aws"].one("source", "amazon-ebs")
    ami_filter = source.one("source_ami_filter")
    assert literal(ami_filter.attrs["owners"]) == [DEBIAN_OWNER]
    assert literal(ami_filter.attrs["most_recent"]) is True
    filters = hcl_map(ami_filter.attrs["filters"])
    assert literal(filters["name"]) == "debian-12-amd64-*" and literal(filters["architecture"]) == "x86_64"
    assert "source_ami" not in source.attrs
    assert literal(source.attrs["ssh_username"]) == "admin"


def test_aws_root_volume_and_ami_are_encrypted_and_cannot_be_switched_off(hcl):
    source = hcl["aws"].one("source", "amazon-ebs")
    assert literal(source.attrs["encrypt_boot"]) is True
    assert source.attrs["kms_key_id"] == "var.kms_key_id"
    volume = source.one("launch_block_device_mappings")
    assert literal(volume.attrs["device_name"]) == "/dev/xvda"
    assert literal(volume.attrs["encrypted"]) is True and volume.attrs["kms_key_id"] == "var.kms_key_id"
    assert literal(volume.attrs["delete_on_termination"]) is True


def test_aws_imdsv2_is_required_on_the_build_instance_before_ansible_and_on_the_ami(hcl):
    build = hcl["aws"].one("build")
    provisioners = build.all("provisioner")
    assert [p.labels[0] for p in provisioners] == ["shell-local", "ansible"]
    inline = provisioners[0].attrs["inline"]
    assert re.search(r"\binstance --region '\$\{var\.region\}' --instance-id '\$\{build\.ID\}'", inline), inline
    chain = build.one("post-processors").all("post-processor")
    assert [p.labels[0] for p in chain] == ["manifest", "shell-local"]
    assert re.search(r"\bimage --manifest '\$\{local\.output_dir\}/manifest\.json' --run-uuid '\$\{build\.PackerRunUUID\}'", chain[1].attrs["inline"])
    assert chain[0].attrs["output"] == '"${local.output_dir}/manifest.json"'
    assert "scripts/aws_imdsv2.py" in hcl["aws"].one("locals").attrs["imdsv2"]


def test_aws_ssh_is_never_open_to_the_internet(hcl):
    variable = hcl["aws"].one("variable", "ssh_source_cidrs")
    assert "default" not in variable.attrs
    source = hcl["aws"].one("source", "amazon-ebs")
    assert source.attrs["temporary_security_group_source_cidrs"] == "var.ssh_source_cidrs"
    assert literal(source.attrs["ssh_clear_authorized_keys"]) is True
    assert "iam_instance_profile" not in source.attrs


def test_gce_source_is_debian_12_on_a_shielded_vm_without_external_ip(hcl):
    source = hcl["gce"].one("source", "googlecompute")
    assert literal(source.attrs["source_image_family"]) == "debian-12"
    assert literal(source.attrs["source_image_project_id"]) == ["debian-cloud"]
    for option in ("enable_secure_boot", "enable_vtpm", "enable_integrity_monitoring", "omit_external_ip", "use_internal_ip",
                   "disable_default_service_account", "ssh_clear_authorized_keys"):
        assert literal(source.attrs[option]) is True, option
    assert literal(hcl_map(source.attrs["metadata"])["block-project-ssh-keys"]) == "true"
    assert source.one("dynamic", "image_encryption_key").one("content").attrs["kmsKeyName"] == "image_encryption_key.value"


@pytest.mark.parametrize("cloud, attributes", [("aws", ("tags", "snapshot_tags", "run_tags", "run_volume_tags")), ("gce", ("image_labels", "labels"))])
def test_every_resource_carries_the_tag_policy_and_managed_by_packer(hcl, cloud, attributes):
    tree = hcl[cloud]
    local_name = "tags" if cloud == "aws" else "labels"
    tags = hcl_map(tree.one("locals").attrs[local_name])
    assert literal(tags.pop("managed-by")) == "packer"
    assert tags == {"env": "var.env", "project": "var.project", "owner": "var.owner", "cost-center": "var.cost_center"}
    required = set()
    for platform in ROOT.glob("inventories/*/group_vars/all/platform.yml"):
        required |= set(yaml.safe_load(platform.read_text())["platform"]["tag_policy"]["required"])
    assert required and required <= set(tags)
    source = tree.all("source")[0]
    for attribute in attributes:
        assert source.attrs[attribute].startswith(("local.{0}".format(local_name), "merge(local.{0},".format(local_name))), attribute


@pytest.mark.parametrize("cloud", sorted(TEMPLATES))
def test_image_name_carries_a_timestamp(hcl, cloud):
    image_name = hcl[cloud].one("locals").attrs["image_name"]
    assert re.fullmatch(r'"ecommerce-debian12-hardened-\$\{formatdate\("YYYYMMDD-hhmmss", timestamp\(\)\)\}"', image_name), image_name
    source = hcl[cloud].all("source")[0]
    assert source.attrs["ami_name" if cloud == "aws" else "image_name"] == "local.image_name"


@pytest.mark.parametrize("cloud", sorted(TEMPLATES))
def test_ansible_provisioner_runs_the_hardening_playbook_with_this_collection(hcl, cloud):
    tree = hcl[cloud]
    ansible = tree.one("build").one("provisioner", "ansible")
    assert ansible.attrs["playbook_file"] == '"${path.root}/playbooks/harden.yml"'
    assert literal(ansible.attrs["use_proxy"]) is False
    assert ansible.attrs["command"] == '"${local.toolchain_bin}/ansible-playbook"'
    assert "os_hardening_scan_report_dir = local.report_dir" in ansible.attrs["extra_arguments"]
    assert '"ANSIBLE_CONFIG=${local.ansible_config}"' in ansible.attrs["ansible_env_vars"]
    host_alias = literal(ansible.attrs["host_alias"])
    locals_ = tree.one("locals").attrs
    assert locals_["ansible_config"] == 'var.ansible_config != "" ? var.ansible_config : "${local.repo}/ansible.cfg"'
    assert locals_["repo"] == 'abspath("${path.root}/..")'
    assert locals_["report_dir"] == '"${local.output_dir}/${local.image_name}"'
    manifest = tree.one("build").all("post-processor", "manifest") or tree.one("build").one("post-processors").all("post-processor", "manifest")
    assert '"${local.report_dir}/%s.json"' % host_alias in manifest[0].attrs["custom_data"]


def test_the_checkouts_ansible_cfg_resolves_this_collection():
    collection = ROOT / ".cache/collections/ansible_collections/ecommerce/multicloud"
    assert collection.resolve() == ROOT, "run scripts/bootstrap.sh: it links the checkout there"
    assert (collection / "roles/os_hardening/tasks/scan.yml").exists()


# --- the playbook ---------------------------------------------------------------------------

PLAYBOOK = PACKER_DIR / "playbooks/harden.yml"


def ansible_env(**extra):
    return dict(os.environ, ANSIBLE_CONFIG=str(ROOT / "ansible.cfg"), ANSIBLE_FORCE_COLOR="0", ANSIBLE_NOCOLOR="1", **extra)


def test_playbook_passes_syntax_check(real_runs):
    result = real_runs["syntax"]
    assert result.returncode == 0, result.stdout + result.stderr


def test_syntax_check_bites_on_an_unknown_role(real_runs):
    result = real_runs["syntax-broken"]
    assert result.returncode != 0 and "os_hardenin" in result.stdout + result.stderr


def test_playbook_hardens_then_scans_with_assert_true():
    gate, harden = yaml.safe_load(PLAYBOOK.read_text())
    assert gate["hosts"] == harden["hosts"] == "all"
    assert gate["gather_facts"] is False and [next(iter(t.keys() - {"name"})) for t in gate["tasks"]] == ["ansible.builtin.assert"]
    assert harden["become"] is True
    modules = [next(k for k in task if k.startswith("ansible.builtin.")) for task in harden["tasks"]]
    assert modules == ["ansible.builtin.import_role", "ansible.builtin.meta", "ansible.builtin.include_role"]
    role, flush, scan = harden["tasks"]
    assert role["ansible.builtin.import_role"] == {"name": "ecommerce.multicloud.os_hardening"}
    assert flush["ansible.builtin.meta"] == "flush_handlers"
    assert scan["ansible.builtin.include_role"] == {"name": "ecommerce.multicloud.os_hardening", "tasks_from": "scan"}
    assert scan["vars"]["os_hardening_scan_assert"] is True
    assert not {"when", "ignore_errors", "failed_when"} & (set(scan) | set(role))
    spec = yaml.safe_load((ROOT / "roles/os_hardening/meta/argument_specs.yml").read_text())["argument_specs"]["scan"]["options"]
    assert set(scan["vars"]) | {"os_hardening_scan_report_dir"} <= set(spec)


def test_playbook_refuses_an_unscanned_image_before_connecting(tmp_path):
    """Build instances at an address nothing answers (and, with unshare, no network at all): the
    gate fails a host whose scan is off or unrecorded without a connection attempt (failed, not
    unreachable); the control host, gate satisfied, goes on to connect (unreachable)."""
    reports = tmp_path / "reports"
    inventory = tmp_path / "inventory.yml"
    inventory.write_text(yaml.safe_dump({"all": {
        "vars": {"ansible_host": "192.0.2.1", "ansible_user": "admin", "ansible_ssh_timeout": 2},
        "hosts": {
            "control": {"os_hardening_scan_report_dir": str(reports)},
            "scan-off": {"os_hardening_scan_report_dir": str(reports), "os_hardening_scan_assert": False},
            "no-report": {},
        }}}))
    result = subprocess.run([*ISOLATE, str(VENV_BIN / "ansible-playbook"), "-i", str(inventory), str(PLAYBOOK)],
                            cwd=tmp_path, env=ansible_env(), capture_output=True, text=True, timeout=120)
    assert result.returncode != 0
    recap = dict(re.findall(r"^(\S+)\s*: (ok=\d+\s+changed=\d+\s+unreachable=\d+\s+failed=\d+)", result.stdout, re.M))
    recap = {host: " ".join(line.split()) for host, line in recap.items()}
    assert recap == {"control": "ok=1 changed=0 unreachable=1 failed=0", "scan-off": "ok=0 changed=0 unreachable=0 failed=1",
                     "no-report": "ok=0 changed=0 unreachable=0 failed=1"}, result.stdout
    output = " ".join(result.stdout.split())
    assert "os_hardening_scan_assert must stay true (got False)" in output
    assert "os_hardening_scan_report_dir must name a directory on the controller (got '')" in output
    assert "os_hardening :" not in result.stdout and not reports.exists()


# --- the AWS build against a local EC2 (moto) -----------------------------------------------

class _Recorder:
    """WSGI middleware: keeps every EC2 query-API request (Action and parameters) in order."""

    def __init__(self, app):
        self.app, self.calls = app, []

    def __call__(self, environ, start_response):
        body = environ["wsgi.input"].read(int(environ.get("CONTENT_LENGTH") or 0))
        environ["wsgi.input"] = io.BytesIO(body)
        params = dict(urllib.parse.parse_qsl(body.decode("utf-8", "replace")))
        if "Action" in params:
            self.calls.append(params)
        return self.app(environ, start_response)

    def actions(self):
        return [call["Action"] for call in self.calls]

    def only(self, action):
        return [call for call in self.calls if call["Action"] == action]


@pytest.fixture
def moto_ec2(monkeypatch):
    """A moto EC2 on a free loopback port, in this process so that the gaps below can be filled:
    - the official Debian AMIs (and decoys) that source_ami_filter must choose from;
    - AMI ImdsSupport: AWS stores it (ModifyImageAttribute ImdsSupport, DescribeImageAttribute
      imdsSupport); moto 5.2 ignores the first and fails the second."""
    from moto.core import DEFAULT_ACCOUNT_ID
    from moto.ec2 import ec2_backends
    from moto.ec2.models.amis import Ami
    from moto.ec2.responses.amis import AmisResponse
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, MotoRequestHandler, create_backend_app
    from werkzeug.serving import make_server

    monkeypatch.setattr(Ami, "imds", None, raising=False)
    original = AmisResponse.modify_image_attribute

    def modify_image_attribute(self):
        value = self._get_param("ImdsSupport", {}).get("Value") if isinstance(self._get_param("ImdsSupport"), dict) else self._get_param("ImdsSupport.Value")
        if value:
            self.ec2_backend.describe_images(ami_ids=[self._get_param("ImageId")])[0].imds = value
            from moto.core.responses import ActionResult
            return ActionResult({"Return": True})
        return original(self)
    monkeypatch.setattr(AmisResponse, "modify_image_attribute", modify_image_attribute)

    monkeypatch.setenv("MOTO_EC2_LOAD_DEFAULT_AMIS", "false")   # only the AMIs below exist
    ec2_backends[DEFAULT_ACCOUNT_ID]["us-east-1"].reset()   # each build starts from an empty account
    backend = ec2_backends[DEFAULT_ACCOUNT_ID]["us-east-1"]
    images = {}
    for key, name, owner, arch, date in [
        ("older", "debian-12-amd64-20250112-1990", DEBIAN_OWNER, "x86_64", datetime(2025, 1, 12, tzinfo=timezone.utc)),
        ("newest", "debian-12-amd64-20250610-2140", DEBIAN_OWNER, "x86_64", datetime(2025, 6, 10, tzinfo=timezone.utc)),
        ("arm64", "debian-12-arm64-20250701-2160", DEBIAN_OWNER, "arm64", datetime(2025, 7, 1, tzinfo=timezone.utc)),
        ("impostor", "debian-12-amd64-20250801-9999", "999999999999", "x86_64", datetime(2025, 8, 1, tzinfo=timezone.utc)),
    ]:
        ami = Ami(backend, "ami-0deb{0:013x}".format(len(images) + 1), name=name, owner_id=owner, architecture=arch,
                  virtualization_type="hvm", root_device_type="ebs", root_device_name="/dev/xvda", public=True, creation_date=date)
        backend.amis[ami.id] = images[key] = ami

    recorder = _Recorder(DomainDispatcherApplication(create_backend_app))
    server = make_server("127.0.0.1", 0, recorder, threaded=True, request_handler=MotoRequestHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    endpoint = "http://127.0.0.1:{0}".format(server.server_address[1])
    yield endpoint, recorder, images, backend
    server.shutdown()
    thread.join()
    backend.reset()


def moto_build(packer_copy, tmp_path, endpoint, kms_key_id=""):
    """`packer build` of the AWS template with its SSH stage removed: communicator none and no
    ansible provisioner (moto starts no machine to log in to). Everything else is the template."""
    template, values = packer_copy("aws", '  provisioner "ansible" {', '  provisioner "ansible-removed" {')
    text = template.read_text()
    start = text.index('  provisioner "ansible-removed" {')
    end = text.index("\n  }\n", start) + len("\n  }\n")
    text = text[:start] + text[end:]
    text = text.replace('source "amazon-ebs" "debian12-hardened" {\n', 'source "amazon-ebs" "debian12-hardened" {\n  communicator = "none"\n', 1)
    template.write_text(text)
    values = dict(values, ec2_endpoint=endpoint, output_dir=str(tmp_path / "out"), kms_key_id=kms_key_id)
    env = offline_env(NO_PROXY="127.0.0.1", no_proxy="127.0.0.1", AWS_ACCESS_KEY_ID="testing", AWS_SECRET_ACCESS_KEY="testing",
                      AWS_DEFAULT_REGION="us-east-1", AWS_MAX_ATTEMPTS="1")
    return packer("build", "-color=false", *var_args(values), str(template), isolate=False, env=env, timeout=180)


def ec2_client(endpoint):
    import boto3
    return boto3.client("ec2", region_name="us-east-1", endpoint_url=endpoint, aws_access_key_id="testing", aws_secret_access_key="testing")


KMS_KEY = "arn:aws:kms:us-east-1:123456789012:key/0b7c2b8e-1a4f-4e36-9d7e-5c1e0e3f9a11"


def test_aws_build_against_moto_encrypts_requires_imdsv2_and_tags(packer_copy, tmp_path, moto_ec2, monkeypatch):
    endpoint, recorder, images, backend = moto_ec2
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    result = moto_build(packer_copy, tmp_path, endpoint, kms_key_id=KMS_KEY)
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr

    (run,) = recorder.only("RunInstances")
    assert run["ImageId"] == images["newest"].id, "source_ami_filter chose another AMI than the newest official amd64 one"
    assert run["InstanceType"] == "t3.small"
    assert {k: v for k, v in run.items() if k.startswith("BlockDeviceMapping.1.")} == {
        "BlockDeviceMapping.1.DeviceName": "/dev/xvda", "BlockDeviceMapping.1.Ebs.Encrypted": "true", "BlockDeviceMapping.1.Ebs.KmsKeyId": KMS_KEY,
        "BlockDeviceMapping.1.Ebs.VolumeType": "gp3", "BlockDeviceMapping.1.Ebs.VolumeSize": "8", "BlockDeviceMapping.1.Ebs.Iops": "3000",
        "BlockDeviceMapping.1.Ebs.Throughput": "125", "BlockDeviceMapping.1.Ebs.DeleteOnTermination": "true"}
    (ingress,) = recorder.only("AuthorizeSecurityGroupIngress")
    assert [v for k, v in ingress.items() if k.endswith("CidrIp")] == ["203.0.113.10/32"]

    actions = recorder.actions()
    (imds,) = recorder.only("ModifyInstanceMetadataOptions")
    assert imds["HttpTokens"] == "required" and imds["HttpEndpoint"] == "enabled" and imds["HttpPutResponseHopLimit"] == "1"
    assert actions.index("RunInstances") < actions.index("ModifyInstanceMetadataOptions") < actions.index("StopInstances")
    instance_id = imds["InstanceId"]
    instance = ec2_client(endpoint).describe_instances(InstanceIds=[instance_id])["Reservations"][0]["Instances"][0]
    assert instance["MetadataOptions"]["HttpTokens"] == "required"

    (copy,) = recorder.only("CopyImage")
    assert copy["Encrypted"] == "true" and copy["KmsKeyId"] == KMS_KEY

    manifest = json.loads((tmp_path / "out/manifest.json").read_text())
    (build,) = [b for b in manifest["builds"] if b["packer_run_uuid"] == manifest["last_run_uuid"]]
    region, image_id = build["artifact_id"].split(":")
    assert region == "us-east-1"
    assert build["custom_data"]["scan_report"].startswith(str(tmp_path / "out/ecommerce-debian12-hardened-"))
    assert build["custom_data"]["scan_report"].endswith("/aws-debian12-hardened.json")

    ec2 = ec2_client(endpoint)
    (image,) = ec2.describe_images(ImageIds=[image_id])["Images"]
    assert re.fullmatch(r"ecommerce-debian12-hardened-\d{8}-\d{6}", image["Name"]), image["Name"]
    expected = {"env": "development", "project": "ecommerce", "owner": "platform-team", "cost-center": "cc-4200", "managed-by": "packer", "Name": image["Name"]}
    assert {t["Key"]: t["Value"] for t in image.get("Tags", [])} == expected
    assert ec2.describe_image_attribute(ImageId=image_id, Attribute="imdsSupport")["ImdsSupport"]["Value"] == "v2.0"
    assert [call["ImageId"] for call in recorder.only("ModifyImageAttribute") if call.get("ImdsSupport.Value") == "v2.0"] == [image_id]
    assert {t["Key"]: t["Value"] for t in instance.get("Tags", [])} == dict(expected, Name="packer-build-" + image["Name"])


def test_aws_build_fails_when_ec2_does_not_apply_imdsv2(packer_copy, tmp_path, moto_ec2, monkeypatch):
    """A build instance that still answers IMDSv1 stops the build before any AMI exists."""
    endpoint, recorder, images, backend = moto_ec2
    from moto.ec2.models.instances import InstanceBackend
    original = InstanceBackend.modify_instance_metadata_options

    def ignore_tokens(self, instance_id, http_tokens=None, *args, **kwargs):
        return original(self, instance_id, "optional", *args, **kwargs)
    monkeypatch.setattr(InstanceBackend, "modify_instance_metadata_options", ignore_tokens)
    result = moto_build(packer_copy, tmp_path, endpoint)
    assert result.returncode != 0
    assert "not HttpTokens=required" in result.stdout + result.stderr, result.stdout[-4000:]
    assert "CreateImage" not in recorder.actions() and "TerminateInstances" in recorder.actions()
    assert not ec2_client(endpoint).describe_images(Owners=["self"], Filters=[{"Name": "name", "Values": ["ecommerce-debian12-hardened-*"]}])["Images"]


# --- scripts/aws_imdsv2.py on its own -------------------------------------------------------

@pytest.fixture(scope="module")
def imdsv2():
    import importlib.util
    spec = importlib.util.spec_from_file_location("aws_imdsv2", PACKER_DIR / "scripts/aws_imdsv2.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_imdsv2_image_step_fails_when_ec2_keeps_imdsv1(imdsv2):
    from botocore.stub import Stubber
    ec2 = ec2_client("http://127.0.0.1:9")
    with Stubber(ec2) as stub:
        stub.add_response("modify_image_attribute", {}, {"ImageId": "ami-0123", "ImdsSupport": {"Value": "v2.0"}})
        stub.add_response("describe_image_attribute", {"ImageId": "ami-0123"}, {"ImageId": "ami-0123", "Attribute": "imdsSupport"})
        with pytest.raises(SystemExit, match="ami-0123: EC2 reports ImdsSupport None, not v2.0"):
            imdsv2.require_on_image(ec2, "ami-0123")
        stub.assert_no_pending_responses()


def test_imdsv2_instance_step_gives_up_when_the_options_never_apply(imdsv2):
    from botocore.stub import Stubber
    ec2 = ec2_client("http://127.0.0.1:9")
    pending = {"Reservations": [{"Instances": [{"InstanceId": "i-0123", "MetadataOptions": {"State": "pending", "HttpTokens": "required"}}]}]}
    with Stubber(ec2) as stub:
        stub.add_response("modify_instance_metadata_options", {},
                          {"InstanceId": "i-0123", "HttpTokens": "required", "HttpEndpoint": "enabled", "HttpPutResponseHopLimit": 1})
        stub.add_response("describe_instances", pending, {"InstanceIds": ["i-0123"]})
        stub.add_response("describe_instances", pending, {"InstanceIds": ["i-0123"]})
        with pytest.raises(SystemExit, match="i-0123: metadata options still 'pending'"):
            imdsv2.require_on_instance(ec2, "i-0123", timeout=0.05, interval=0.05)


def test_imdsv2_takes_only_this_runs_amis_from_the_manifest(imdsv2, tmp_path):
    manifest = tmp_path / "manifest.json"
    manifest.write_text(json.dumps({"last_run_uuid": "b", "builds": [
        {"builder_type": "amazon-ebs", "packer_run_uuid": "a", "artifact_id": "us-east-1:ami-0old"},
        {"builder_type": "amazon-ebs", "packer_run_uuid": "b", "artifact_id": "us-east-1:ami-0new,eu-west-1:ami-0copy"},
        {"builder_type": "googlecompute", "packer_run_uuid": "b", "artifact_id": "ecommerce-debian12-hardened-x"}]}))
    assert imdsv2.manifest_images(str(manifest), "b") == [("us-east-1", "ami-0new"), ("eu-west-1", "ami-0copy")]
    with pytest.raises(SystemExit, match="no AMI of run c"):
        imdsv2.manifest_images(str(manifest), "c")
