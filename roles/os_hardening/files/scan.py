#!/usr/bin/python3
# Copyright: ecommerce platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""Run Lynis and OpenSCAP on this host and print one JSON summary on stdout.

Used by the os_hardening role's `scan` entry point (ansible.builtin.script). The full reports stay
in --workdir (lynis-report.dat, lynis.log, oscap-results.xml, oscap-report.html)."""
import argparse
import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET

XCCDF = "{http://checklists.nist.gov/xccdf/1.2}"
RULE_PREFIX = "xccdf_org.ssgproject.content_rule_"


def lynis(workdir):
    report = os.path.join(workdir, "lynis-report.dat")
    subprocess.run(
        ["lynis", "audit", "system", "--quick", "--no-colors", "--quiet",
         "--report-file", report, "--logfile", os.path.join(workdir, "lynis.log")],
        check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    values, warnings, suggestions = {}, [], []
    with open(report) as stream:
        for line in stream:
            key, _, value = line.rstrip("\n").partition("=")
            if key == "warning[]":
                warnings.append(value.split("|")[0])
            elif key == "suggestion[]":
                suggestions.append(value.split("|")[0])
            else:
                values[key] = value
    return {
        "version": values.get("lynis_version"),
        "hardening_index": int(values["hardening_index"]),
        "tests_performed": int(values.get("lynis_tests_done", 0) or 0),
        "warnings": sorted(set(warnings)),
        "suggestions": sorted(set(suggestions)),
    }


def openscap(workdir, datastream, profile):
    results = os.path.join(workdir, "oscap-results.xml")
    proc = subprocess.run(
        ["oscap", "xccdf", "eval", "--profile", profile, "--results", results,
         "--report", os.path.join(workdir, "oscap-report.html"), datastream],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    if proc.returncode not in (0, 2):  # 2: some rule failed; anything else is an error
        sys.exit("oscap failed ({0}): {1}".format(proc.returncode, proc.stderr[-2000:]))
    root = ET.parse(results).getroot()
    test_result = root if root.tag == XCCDF + "TestResult" else root.find(".//" + XCCDF + "TestResult")
    rules, counts = {}, {}
    for rule_result in test_result.iter(XCCDF + "rule-result"):
        result = rule_result.find(XCCDF + "result").text
        rule_id = rule_result.get("idref").replace(RULE_PREFIX, "")
        if result == "notselected":
            continue
        rules[rule_id] = result
        counts[result] = counts.get(result, 0) + 1
    benchmark = root.find(".//" + XCCDF + "Benchmark")
    return {
        "profile": profile,
        "content": os.path.basename(datastream),
        "content_version": benchmark.find(XCCDF + "version").text if benchmark is not None else None,
        "counts": counts,
        "rules": rules,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--workdir", required=True)
    parser.add_argument("--datastream", required=True)
    parser.add_argument("--profile", required=True)
    args = parser.parse_args()
    summary = {"lynis": lynis(args.workdir), "openscap": openscap(args.workdir, args.datastream, args.profile)}
    json.dump(summary, sys.stdout, sort_keys=True)


if __name__ == "__main__":
    main()
