#!/usr/bin/env python3
# Copyright: ecommerce platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run a playbook under moto's request recorder and audit the API calls it made.

Two promises are checked this way, because comparing state before and after cannot see a
create-then-delete:
- check mode changes nothing: `--check` fails the audit on any call that is not a read;
- bad input is refused before any API call: `--expect-failure REGEX` requires the playbook to
  fail with a message matching REGEX and the emulator to have received no request at all.
Prints a JSON report: {"calls": N, "reads": {...}, "mutating": [...], "changed": N, ...}.
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
    parser.add_argument("--inventory", required=True, help="a static inventory: dynamic inventory plugins make API calls of their own")
    parser.add_argument("--playbook", required=True)
    parser.add_argument("--endpoint", default=os.environ.get("AWS_ENDPOINT_URL", "http://127.0.0.1:5150"))
    parser.add_argument("--check", action="store_true", help="run in check mode; fail on any mutating call")
    parser.add_argument("--extra-vars", action="append", default=[], help="passed to ansible-playbook -e (repeatable)")
    parser.add_argument("--limit", help="passed to ansible-playbook --limit")
    parser.add_argument("--expect-changed", type=int, default=None, help="fail unless the recap reports exactly this many changed tasks")
    parser.add_argument("--expect-failure", metavar="REGEX", help="the run must fail with this message and make no API call")
    args = parser.parse_args()
    command = [os.path.join(os.path.dirname(sys.executable), "ansible-playbook"), "-i", args.inventory, args.playbook]
    command += ["--check"] if args.check else []
    for extra in args.extra_vars:
        command += ["-e", extra]
    command += ["--limit", args.limit] if args.limit else []

    moto_api(args.endpoint, "reset-recording")
    moto_api(args.endpoint, "start-recording")
    try:
        run = subprocess.run(command, capture_output=True, text=True, check=False)
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
    if args.expect_failure:
        # Callbacks wrap long messages: match against the output with whitespace folded.
        match = re.search(args.expect_failure, " ".join((run.stdout + run.stderr).split()))
        report["failure_message"] = match.group(0) if match else None
        print(json.dumps(report, sort_keys=True))
        if run.returncode == 0 or not match or report["calls"]:
            sys.stderr.write(run.stdout[-6000:] + run.stderr[-3000:])
            return 1
        return 0
    print(json.dumps(report, sort_keys=True))
    if run.returncode != 0:
        sys.stderr.write(run.stdout[-6000:] + run.stderr[-3000:])
        return 1
    if not report["calls"] or (args.check and report["mutating"]):
        return 1
    if args.expect_changed is not None and changed != args.expect_changed:
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
