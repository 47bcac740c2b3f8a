#!/usr/bin/env python3
# Copyright: ecommerce platform team
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
"""IMDSv2 for the AWS image build, where Packer 1.6.6 cannot set it.

Packer 1.6.6's amazon-ebs builder has neither ``metadata_options`` (build instance) nor
``imds_support`` (AMI); both came with the later amazon plugin. This script makes the same
EC2 calls those options make, from the controller, with the credentials Packer uses
(the standard AWS chain: environment, ``AWS_PROFILE``, SSO, instance role):

``instance``  ModifyInstanceMetadataOptions on the build instance (HttpTokens=required, endpoint
              enabled, hop limit 1), then reads the instance back until EC2 reports the options
              applied. Run by a shell-local provisioner before Ansible touches the instance.
``image``     ModifyImageAttribute ImdsSupport=v2.0 on every AMI of this Packer run (read from the
              manifest post-processor's file, by run UUID), then reads the attribute back.
              Instances launched from the AMI then require IMDSv2 unless a launch explicitly
              says otherwise. AWS cannot undo v2.0 on an AMI.

Exits non-zero, with a message naming the resource, when EC2 does not end in the wanted state,
so the Packer build fails.
"""

from __future__ import annotations

import argparse
import json
import sys
import time

import boto3

HOP_LIMIT = 1


def client(region: str, endpoint_url: str):
    return boto3.client("ec2", region_name=region, endpoint_url=endpoint_url or None)


def require_on_instance(ec2, instance_id: str, timeout: float, interval: float) -> dict:
    ec2.modify_instance_metadata_options(
        InstanceId=instance_id, HttpTokens="required", HttpEndpoint="enabled", HttpPutResponseHopLimit=HOP_LIMIT,
    )
    deadline = time.monotonic() + timeout
    while True:
        reservations = ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
        options = reservations[0]["Instances"][0].get("MetadataOptions", {})
        if options.get("State") == "applied":
            break
        if time.monotonic() >= deadline:
            raise SystemExit(f"aws_imdsv2: {instance_id}: metadata options still {options.get('State')!r} after {timeout:.0f} s")
        time.sleep(interval)
    if options.get("HttpTokens") != "required" or options.get("HttpEndpoint") != "enabled":
        raise SystemExit(f"aws_imdsv2: {instance_id}: EC2 reports {options}, not HttpTokens=required")
    return options


def manifest_images(manifest: str, run_uuid: str) -> list[tuple[str, str]]:
    with open(manifest, encoding="utf-8") as handle:
        data = json.load(handle)
    images = []
    for build in data.get("builds", []):
        if build.get("packer_run_uuid") != run_uuid or not build.get("builder_type", "").startswith("amazon-"):
            continue
        for entry in build.get("artifact_id", "").split(","):
            region, _, image_id = entry.partition(":")
            if not image_id.startswith("ami-"):
                raise SystemExit(f"aws_imdsv2: {manifest}: unexpected artifact {entry!r}")
            images.append((region, image_id))
    if not images:
        raise SystemExit(f"aws_imdsv2: {manifest}: no AMI of run {run_uuid}")
    return images


def require_on_image(ec2, image_id: str) -> str:
    ec2.modify_image_attribute(ImageId=image_id, ImdsSupport={"Value": "v2.0"})
    value = ec2.describe_image_attribute(ImageId=image_id, Attribute="imdsSupport").get("ImdsSupport", {}).get("Value")
    if value != "v2.0":
        raise SystemExit(f"aws_imdsv2: {image_id}: EC2 reports ImdsSupport {value!r}, not v2.0")
    return value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--endpoint-url", default="", help="EC2 endpoint; empty for AWS's (the tests use a local moto)")
    commands = parser.add_subparsers(dest="command", required=True)
    instance = commands.add_parser("instance", help="require IMDSv2 on the running build instance")
    instance.add_argument("--region", required=True)
    instance.add_argument("--instance-id", required=True)
    instance.add_argument("--timeout", type=float, default=120.0)
    instance.add_argument("--interval", type=float, default=2.0)
    image = commands.add_parser("image", help="mark this run's AMIs ImdsSupport=v2.0")
    image.add_argument("--manifest", required=True)
    image.add_argument("--run-uuid", required=True)
    args = parser.parse_args(argv)

    if args.command == "instance":
        options = require_on_instance(client(args.region, args.endpoint_url), args.instance_id, args.timeout, args.interval)
        print(f"aws_imdsv2: {args.instance_id}: HttpTokens={options['HttpTokens']}, hop limit {options.get('HttpPutResponseHopLimit')}")
    else:
        for region, image_id in manifest_images(args.manifest, args.run_uuid):
            require_on_image(client(region, args.endpoint_url), image_id)
            print(f"aws_imdsv2: {region}:{image_id}: ImdsSupport=v2.0")
    return 0


if __name__ == "__main__":
    sys.exit(main())
