#!/usr/bin/env python3
# Copyright: ecommerce platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a playbook in check mode under moto's request recorder and fail on any mutating call.

Check mode promises to change nothing. Comparing state before and after cannot see a
create-then-delete, so this audits the API calls themselves: every request moto received
during the run is classified by its action, and any action that is not a read fails the audit.
Prints a JSON report: {"calls": N, "reads": {...}, "mutating": [...], "changed": N}.
"""
import argparse
import base64
import json
import os
import re
import subprocess
import sys
import urllib.parse
import urllib.request

READ_PREFIXES = ("Describe", "Get", "List", "Lookup", "Search", "Check", "Simulate")


def moto_api(endpoint, path, method="POST"):
    request = urllib.request.Request(endpoint.rstrip("/") + "/moto-api/recorder/" + path, method=method, data=b"" if method == "POST" else None)
    with urllib.request.urlopen(request, timeout=30) as response:
        return response.read().decode()


def action_of(entry):
    """The API action of one recorded request: query APIs put it in Action=, JSON APIs in X-Amz-Target."""
    headers = {k.lower(): v for k, v in entry.get("headers", {}).items()}
    target = headers.get("x-amz-target")
    if target:
        return target.split(".")[-1]
    body = entry.get("body") or ""
    if entry.get("body_encoded"):
        body = base64.b64decode(body).decode("utf-8", "replace")
    query = urllib.parse.urlparse(entry.get("url", "")).query
    for text in (body, query):
        match = re.search(r"(?:^|&)Action=([A-Za-z0-9]+)", text)
        if match:
            return match.group(1)
    # REST APIs (S3, Lambda, ...): a read is a GET or HEAD.
    return "{0} {1}".format(entry.get("method"), urllib.parse.urlparse(entry.get("url", "")).path)


def is_read(action):
    return action.startswith(READ_PREFIXES) or action.split(" ")[0] in ("GET", "HEAD")


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--inventory", required=True)
    parser.add_argument("--playbook", required=True)
    parser.add_argument("--endpoint", default=os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:5150"))
    parser.add_argument("--expect-changed", type=int, default=None, help="fail unless the recap reports exactly this many changed tasks")
    args = parser.parse_args()

    moto_api(args.endpoint, "reset-recording")
    moto_api(args.endpoint, "start-recording")
    try:
        run = subprocess.run(
            [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", args.inventory, args.playbook, "--check"],
            capture_output=True, text=True, check=False,
        )
    finally:
        moto_api(args.endpoint, "stop-recording")
    entries = [json.loads(line) for line in moto_api(args.endpoint, "download-recording", method="GET").splitlines() if line.strip()]
    actions = [action_of(entry) for entry in entries]
    reads = {}
    for action in filter(is_read, actions):
        reads[action] = reads.get(action, 0) + 1
    changed = sum(int(n) for n in re.findall(r"changed=(\d+)", run.stdout))
    report = {
        "calls": len(actions),
        "reads": reads,
        "mutating": sorted({a for a in actions if not is_read(a)}),
        "changed": changed,
        "playbook_rc": run.returncode,
    }
    print(json.dumps(report, sort_keys=True))
    if run.returncode != 0:
        sys.stderr.write(run.stdout[-6000:] + run.stderr[-3000:])
        return 1
    if report["mutating"] or not report["calls"]:
        return 1
    if args.expect_changed is not None and changed != args.expect_changed:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
