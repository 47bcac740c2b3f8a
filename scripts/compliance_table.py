#!/usr/bin/env python3
# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Print the before/after compliance table of the os_hardening role, as a Markdown table for
the README, from the scan results its Molecule scenario records (one JSON per host, written by
the role's `scan` entry point into .cache/compliance/): `baseline` is the untouched sandbox
image, `hardened` the same image after the role.

  ./dev molecule os_hardening         # runs the scans and records the results
  python scripts/compliance_table.py  # prints the table (--dir DIR for another folder)
"""
import argparse
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ROWS = (("baseline", "untouched Debian 12 image"), ("hardened", "after os_hardening (defaults)"))


def load(directory: Path, host: str) -> dict:
    path = directory / f"{host}.json"
    try:
        return json.loads(path.read_text())
    except FileNotFoundError:
        sys.exit(f"error: {path} not found: run ./dev molecule os_hardening first")


def row(label: str, scan: dict) -> str:
    lynis, openscap = scan["lynis"], scan["openscap"]
    counts = openscap["counts"]
    claimed = scan.get("claimed") or []
    passed_claims = sum(openscap["rules"].get(rule["id"]) == "pass" for rule in claimed)
    claims = f"{passed_claims}/{len(claimed)}" if claimed else "-"
    return (
        f"| {label} | {lynis['hardening_index']} | {lynis['tests_performed']} | {len(lynis['warnings'])} "
        f"| {counts.get('pass', 0)} | {counts.get('fail', 0)} | {counts.get('notapplicable', 0)} | {claims} |"
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--dir", type=Path, default=ROOT / ".cache" / "compliance")
    args = parser.parse_args()
    scans = {host: load(args.dir, host) for host, _ in ROWS}
    hardened = scans["hardened"]
    print(
        f"Lynis {hardened['lynis']['version']}, OpenSCAP profile `{hardened['openscap']['profile'].rsplit('_profile_', 1)[-1]}` "
        f"of {hardened['openscap']['content']}; "
        f"hosts are podman containers (controls that need a kernel are not applicable there).\n"
    )
    print("| host | Lynis hardening index | Lynis tests | Lynis warnings | OpenSCAP pass | OpenSCAP fail "
          "| OpenSCAP not applicable | claimed rules passing |")
    print("|---|---|---|---|---|---|---|---|")
    for host, label in ROWS:
        print(row(label, scans[host]))
    print(f"\nThe role's threshold: Lynis hardening index >= {hardened['lynis_min_index']}; every claimed rule passes.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
