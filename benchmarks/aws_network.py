#!/usr/bin/env python3
# Copyright: ecommerce platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Benchmark of the AWS network layer against the sandbox's moto: converge and no-op re-run,
for one region and for two regions converging in parallel, measured in one run.

Usage: ./dev benchmark [--strategy linear] [--strategy mitogen_linear]
Prints wall times and the ratios between them. The emulator is reset before each converge,
so every converge starts from an empty account. Timings are for this machine only; the ratios
are what to compare across machines.
"""
import argparse
import json
import os
import pathlib
import subprocess
import sys
import tempfile
import time
import urllib.request

import yaml

ROOT = pathlib.Path(__file__).resolve().parents[1]
SANDBOX = [sys.executable, str(ROOT / "sandbox" / "sandbox")]


def sandbox_environment():
    """The environment `sandbox/sandbox env` prints, applied to a copy of ours."""
    env = dict(os.environ)
    for line in subprocess.run(SANDBOX + ["env"], check=True, capture_output=True, text=True).stdout.splitlines():
        if line.startswith("export "):
            name, _, value = line[len("export "):].partition("=")
            env[name] = value.strip("'\"")
    env["ANSIBLE_CONFIG"] = str(ROOT / "ansible.cfg")
    return env


def reset_emulator(env):
    request = urllib.request.Request(env["AWS_ENDPOINT_URL"] + "/moto-api/reset", data=b"", method="POST")
    with urllib.request.urlopen(request, timeout=30):
        pass


def inventory_for(regions, workdir):
    """The sandbox inventory narrowed to `regions`: one control-plane host per region."""
    platform = yaml.safe_load((ROOT / "inventories/sandbox/group_vars/all/platform.yml").read_text())["platform"]
    platform["regions"]["aws"] = list(regions)
    hosts = {"all": {"children": {"aws_regions": {
        "vars": {"ansible_connection": "local", "ansible_python_interpreter": "{{ ansible_playbook_python }}"},
        "hosts": {"aws_" + r.replace("-", "_"): {"aws_region": r} for r in regions},
    }}}}
    directory = pathlib.Path(workdir) / "-".join(regions)
    (directory / "group_vars" / "all").mkdir(parents=True)
    (directory / "hosts.yml").write_text(yaml.safe_dump(hosts))
    (directory / "group_vars" / "all" / "platform.yml").write_text(yaml.safe_dump({"platform": platform}))
    (directory / "group_vars" / "all" / "sandbox.yml").write_text((ROOT / "inventories/sandbox/group_vars/all/sandbox.yml").read_text())
    return directory


def run_playbook(inventory, env, strategy):
    env = dict(env, ANSIBLE_STRATEGY=strategy)
    if strategy.startswith("mitogen"):
        import ansible_mitogen  # noqa: F401 - only needed for this strategy

        env["ANSIBLE_STRATEGY_PLUGINS"] = str(pathlib.Path(ansible_mitogen.__file__).parent / "plugins" / "strategy")
    started = time.monotonic()
    result = subprocess.run(
        [str(pathlib.Path(sys.executable).parent / "ansible-playbook"), "-i", str(inventory), str(ROOT / "playbooks/network.yml")],
        env=env, capture_output=True, text=True, check=False,
    )
    elapsed = time.monotonic() - started
    if result.returncode != 0:
        sys.exit("playbook failed ({0}, {1}):\n{2}".format(inventory.name, strategy, result.stdout[-4000:]))
    changed = sum(int(part.split("=")[1]) for part in result.stdout.split() if part.startswith("changed="))
    return elapsed, changed


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--strategy", action="append", help="Ansible strategy to measure (repeatable); default linear")
    parser.add_argument("--json", action="store_true", help="print the measurements as JSON too")
    args = parser.parse_args()
    strategies = args.strategy or ["linear"]
    env = sandbox_environment()
    rows = []
    with tempfile.TemporaryDirectory() as workdir:
        for strategy in strategies:
            for regions in (["us-east-1"], ["us-east-1", "us-west-2"]):
                inventory = inventory_for(regions, pathlib.Path(workdir) / strategy)
                reset_emulator(env)
                converge, converge_changed = run_playbook(inventory, env, strategy)
                rerun, rerun_changed = run_playbook(inventory, env, strategy)
                rows.append({"strategy": strategy, "regions": len(regions), "converge_s": round(converge, 1),
                             "converge_changed": converge_changed, "noop_rerun_s": round(rerun, 1), "noop_changed": rerun_changed})
        reset_emulator(env)

    print("{0:<16} {1:>7} {2:>11} {3:>13} {4:>14}".format("strategy", "regions", "converge s", "no-op rerun s", "rerun/converge"))
    for row in rows:
        print("{strategy:<16} {regions:>7} {converge_s:>11} {noop_rerun_s:>13} {0:>14.2f}".format(row["noop_rerun_s"] / row["converge_s"], **row))
    print()
    for strategy in strategies:
        one, two = [r for r in rows if r["strategy"] == strategy]
        print("{0}: two regions / one region: converge {1:.2f}x, no-op re-run {2:.2f}x (2.00x would mean no parallelism)".format(
            strategy, two["converge_s"] / one["converge_s"], two["noop_rerun_s"] / one["noop_rerun_s"]))
    if len(strategies) > 1:
        base = [r for r in rows if r["strategy"] == strategies[0]]
        for strategy in strategies[1:]:
            for ref, row in zip(base, [r for r in rows if r["strategy"] == strategy]):
                print("{0} vs {1}, {2} region(s): speed-up converge {3:.2f}x, no-op re-run {4:.2f}x (above 1 = faster)".format(
                    strategy, strategies[0], row["regions"], ref["converge_s"] / row["converge_s"], ref["noop_rerun_s"] / row["noop_rerun_s"]))
    if any(r["noop_changed"] for r in rows):
        print("WARNING: a no-op re-run reported changes: {0}".format([r for r in rows if r["noop_changed"]]))
    if args.json:
        print(json.dumps(rows, indent=2))


if __name__ == "__main__":
    main()
