# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The sandbox CLI and its patched moto server.

One emulator is started through the CLI on a free loopback port with a temporary state
dir (SANDBOX_AWS_PORT, SANDBOX_STATE_DIR) for the module, and stopped at the end.
The sandbox code is loaded by path: no conftest is needed.
"""

import base64
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path
from urllib.parse import parse_qs

import boto3
import pytest
from botocore.exceptions import ClientError
from sandbox_support import (
    REPO_ROOT,
    SANDBOX_DIR,
    Cli,
    cli_module,
    free_port as _free_port,
    kill as _kill,
    load as _load,
)
from sandbox_support import parse_env as _parse_env

server_module = _load("sandbox_moto_server", SANDBOX_DIR / "moto_server.py")


def _moto_api(cli, path, method="GET"):
    """Body of a request to the emulator's /moto-api/, never through a proxy."""
    opener = urllib.request.build_opener(urllib.request.ProxyHandler({}))
    request = urllib.request.Request(
        f"{cli.endpoint}/moto-api/{path}", method=method, data=b"" if method == "POST" else None
    )
    with opener.open(request, timeout=30) as response:
        assert response.status == 200
        return response.read().decode()


@pytest.fixture(scope="module")
def sandbox(tmp_path_factory):
    cli = Cli(tmp_path_factory.mktemp("sandbox-state"), _free_port())
    started = cli("start")
    assert started.returncode == 0, started.stdout + started.stderr
    pids = list(cli.pids().values())
    try:
        yield cli
    finally:
        cli("stop")
        for pid in pids:
            if pid is not None and Path(f"/proc/{pid}").exists():
                _kill(pid)


@pytest.fixture()
def running(sandbox):
    """The module's emulator, started again if a test (test_stop) stopped it."""
    if not cli_module.answering(cli_module.Sandbox(sandbox.state_dir, sandbox.port)):
        assert sandbox("start").returncode == 0
    return sandbox


@pytest.fixture(scope="module")
def sandbox_env(sandbox):
    """The environment `sandbox env` prints, applied to this process (restored afterwards)."""
    printed = sandbox("env")
    assert printed.returncode == 0
    env = _parse_env(printed.stdout)
    with pytest.MonkeyPatch.context() as patch:
        for name in list(os.environ):
            if name.startswith("AWS_") or name.startswith("GCP_"):
                patch.delenv(name)
        for name, value in env.items():
            patch.setenv(name, value)
        yield env


@pytest.fixture()
def aws(running, sandbox_env):
    def client(service, region="us-east-1"):
        return boto3.client(service, region_name=region)

    return client


# --- without a server -------------------------------------------------------------------


def test_every_patch_is_documented():
    assert len(server_module.PATCHES) >= 5
    for patch in server_module.PATCHES:
        doc = patch.__doc__ or ""
        assert "Real AWS" in doc, patch.__name__
        assert "moto" in doc, patch.__name__
        assert "Breaks" in doc, patch.__name__


def test_server_refuses_non_loopback_host():
    with pytest.raises(SystemExit):
        server_module.parse_args(["--host", "0.0.0.0"])
    assert server_module.parse_args(["--host", "127.0.0.1", "--port", "5999"]).port == 5999


def test_state_dir_defaults_to_repo_dot_sandbox(monkeypatch):
    monkeypatch.delenv("SANDBOX_STATE_DIR", raising=False)
    monkeypatch.delenv("SANDBOX_AWS_PORT", raising=False)
    sandbox = cli_module.Sandbox.from_env()
    assert sandbox.state_dir == REPO_ROOT / ".sandbox"
    assert sandbox.endpoint == "http://127.0.0.1:5150"


def test_state_dir_and_port_overrides(monkeypatch, tmp_path):
    monkeypatch.setenv("SANDBOX_STATE_DIR", str(tmp_path))
    monkeypatch.setenv("SANDBOX_AWS_PORT", "5999")
    sandbox = cli_module.Sandbox.from_env()
    assert sandbox.pidfile == tmp_path / "aws.pid"
    assert sandbox.endpoint == "http://127.0.0.1:5999"


def test_transit_gateway_routes_patch_applies_twice_harmlessly(monkeypatch):
    """Applying the route patch again (another apply_patches(), a test fixture) changes nothing."""
    from moto import mock_aws
    from moto.ec2.models.transit_gateway_route_tables import TransitGatewayRouteTableBackend
    from moto.ec2.responses.transit_gateway_route_tables import TransitGatewayRouteTable

    # Leave moto's classes as they were (monkeypatch deletes on undo what was not there).
    for cls, name in (
        (TransitGatewayRouteTableBackend, "create_transit_gateway_route"),
        (TransitGatewayRouteTableBackend, "replace_transit_gateway_route"),
        (TransitGatewayRouteTable, "replace_transit_gateway_route"),
    ):
        monkeypatch.setattr(cls, name, cls.__dict__.get(name), raising=False)
    for name in list(os.environ):
        if name.startswith("AWS_") or name.lower() in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
            monkeypatch.delenv(name)

    server_module.transit_gateway_routes()
    server_module.transit_gateway_routes()
    with mock_aws():
        ec2 = boto3.client("ec2", region_name="us-east-1")
        tgw = ec2.create_transit_gateway(Description="twice")["TransitGateway"]
        table_id = tgw["Options"]["AssociationDefaultRouteTableId"]
        vpc_id, subnet_id = _vpc_and_subnet(ec2, "10.84.0.0/16", "10.84.1.0/24")
        attachment_id = ec2.create_transit_gateway_vpc_attachment(
            TransitGatewayId=tgw["TransitGatewayId"], VpcId=vpc_id, SubnetIds=[subnet_id]
        )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
        ec2.create_transit_gateway_route(
            TransitGatewayRouteTableId=table_id,
            DestinationCidrBlock="10.20.0.0/16",
            TransitGatewayAttachmentId=attachment_id,
        )
        routes = ec2.search_transit_gateway_routes(
            TransitGatewayRouteTableId=table_id, Filters=[{"Name": "type", "Values": ["static"]}]
        )["Routes"]
    assert [r["TransitGatewayAttachments"] for r in routes] == [
        [{"ResourceId": vpc_id, "ResourceType": "vpc", "TransitGatewayAttachmentId": attachment_id}]
    ]


def test_render_text_of_an_empty_summary():
    gcp = {"emulated": True, "running": True, "endpoint": "http://127.0.0.1:2", "projects": {}}
    text = cli_module.render_text({"aws": {"endpoint": "http://127.0.0.1:1", "regions": {}}, "gcp": gcp})
    assert "nothing in" in text
    assert text.splitlines()[-2:] == ["GCP (emulated at http://127.0.0.1:2)", "  nothing in any project"]


def test_render_hosts_text_shows_each_host_and_prometheus_target_health():
    row = {"name": "h1", "container": "running", "address": "10.88.0.4", "instance": "i-1", "region": "us-east-1",
           "tags": {"env": "sandbox", "role": "prometheus"}}
    targets = [{"job": "node", "instance": "10.88.0.4:9100", "health": "up"},
               {"job": "node", "instance": "10.88.0.5:9100", "health": "down"}]
    lines = cli_module.render_hosts_text({"available": True, "hosts": [{**row, "prometheus_targets": targets}]})
    assert lines[0].endswith("1 running")
    assert lines[1].split() == ["h1", "running", "10.88.0.4", "i-1", "in", "us-east-1", "env=sandbox,", "role=prometheus"]
    assert "Prometheus targets: 1 of 2 up" in lines[2]
    assert lines[4].split() == ["node", "10.88.0.5:9100", "down"]
    silent = cli_module.render_hosts_text({"available": True, "hosts": [{**row, "prometheus_targets": None}]})
    assert "not answering" in silent[-1]
    assert cli_module.render_hosts_text({"available": False, "hosts": []}) == ["Hosts: podman is not installed"]


# --- the emulator -----------------------------------------------------------------------


@pytest.mark.usefixtures("running")
def test_start_is_idempotent(sandbox):
    pid = sandbox.pid()
    again = sandbox("start")
    assert again.returncode == 0
    assert "already running" in again.stdout
    assert sandbox.endpoint in again.stdout
    assert sandbox.pid() == pid


@pytest.mark.usefixtures("running")
def test_status_reports_running(sandbox):
    status = sandbox("status")
    assert status.returncode == 0
    assert "running" in status.stdout
    assert str(sandbox.pid()) in status.stdout
    assert sandbox.endpoint in status.stdout


def test_env_prints_sandbox_and_outbound_guard(sandbox):
    env = _parse_env(sandbox("env").stdout)
    assert env["AWS_ENDPOINT_URL"] == sandbox.endpoint
    assert env["AWS_ACCESS_KEY_ID"] == env["AWS_SECRET_ACCESS_KEY"] == "testing"
    assert env["AWS_DEFAULT_REGION"] == "us-east-1"
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy"):
        assert env[name] == sandbox.proxy_url  # the GCP proxy: it refuses every non-googleapis host
    for name in ("NO_PROXY", "no_proxy"):
        assert env[name] == "127.0.0.1,localhost"


def test_outbound_guard_fails_fast(sandbox):
    """A call that misses the local endpoint is refused by the sandbox's proxy, never sent to a real cloud."""
    guard = _parse_env(sandbox("env").stdout)
    assert guard["HTTPS_PROXY"] == sandbox.proxy_url  # else the call below could leave the host
    state = cli_module.Sandbox(sandbox.state_dir, sandbox.port, sandbox.gcp_port, sandbox.gcp_proxy_port)
    assert cli_module.proxy_answering(state)
    env = {"PATH": os.environ.get("PATH", "/usr/bin:/bin"), "HOME": os.environ.get("HOME", "/tmp"), **guard}
    script = (
        "import boto3, botocore.exceptions, time\n"
        "client = boto3.client('ec2', endpoint_url='https://ec2.us-east-1.amazonaws.com')\n"
        "start = time.monotonic()\n"
        "try:\n"
        "    client.describe_vpcs()\n"
        "    print('REACHED')\n"
        "except botocore.exceptions.ProxyConnectionError as error:\n"
        "    print('PROXY-ERROR', round(time.monotonic() - start, 2), error)\n"
    )
    start = time.monotonic()
    run = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=60)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith("PROXY-ERROR"), run.stdout + run.stderr
    assert sandbox.proxy_url in run.stdout
    # botocore hides the status; the proxy's log shows it refused the tunnel.
    log = (sandbox.state_dir / "gcp-proxy.log").read_text()
    assert "CONNECT ec2.us-east-1.amazonaws.com:443 403" in log
    assert time.monotonic() - start < 20


def _vpc_and_subnet(ec2, cidr="10.77.0.0/16", subnet_cidr="10.77.1.0/24", az="us-east-1a"):
    vpc_id = ec2.create_vpc(CidrBlock=cidr)["Vpc"]["VpcId"]
    subnet_id = ec2.create_subnet(VpcId=vpc_id, CidrBlock=subnet_cidr, AvailabilityZone=az)["Subnet"]["SubnetId"]
    return vpc_id, subnet_id


def test_nat_gateway_tags_are_returned(aws):
    ec2 = aws("ec2")
    _, subnet_id = _vpc_and_subnet(ec2)
    allocation_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat_id = ec2.create_nat_gateway(
        SubnetId=subnet_id,
        AllocationId=allocation_id,
        TagSpecifications=[{"ResourceType": "natgateway", "Tags": [{"Key": "Name", "Value": "nat-a"}]}],
    )["NatGateway"]["NatGatewayId"]
    ec2.create_tags(Resources=[nat_id], Tags=[{"Key": "Env", "Value": "sandbox"}])

    described = ec2.describe_nat_gateways(NatGatewayIds=[nat_id])["NatGateways"][0]
    assert {t["Key"]: t["Value"] for t in described["Tags"]} == {"Name": "nat-a", "Env": "sandbox"}

    # What amazon.aws.ec2_vpc_nat_gateway reads: describe_ec2_tags(resource_type="natgateway").
    tags = ec2.describe_tags(
        Filters=[{"Name": "resource-id", "Values": [nat_id]}, {"Name": "resource-type", "Values": ["natgateway"]}]
    )["Tags"]
    assert {(t["Key"], t["Value"], t["ResourceType"]) for t in tags} == {
        ("Name", "nat-a", "natgateway"),
        ("Env", "sandbox", "natgateway"),
    }

    def by_filter(name, value):
        return [
            n["NatGatewayId"]
            for n in ec2.describe_nat_gateways(Filters=[{"Name": name, "Values": [value]}])["NatGateways"]
        ]

    assert by_filter("tag:Name", "nat-a") == [nat_id]
    assert by_filter("tag:Name", "nat-other") == []
    assert nat_id in by_filter("tag-key", "Env")


def test_nat_gateway_deletion_frees_its_elastic_ip(aws):
    ec2 = aws("ec2")
    _, subnet_id = _vpc_and_subnet(ec2, "10.78.0.0/16", "10.78.1.0/24")
    allocation_id = ec2.allocate_address(Domain="vpc")["AllocationId"]
    nat = ec2.create_nat_gateway(SubnetId=subnet_id, AllocationId=allocation_id)["NatGateway"]
    eni_id = nat["NatGatewayAddresses"][0]["NetworkInterfaceId"]
    ec2.delete_nat_gateway(NatGatewayId=nat["NatGatewayId"])

    assert ec2.describe_nat_gateways(NatGatewayIds=[nat["NatGatewayId"]])["NatGateways"][0]["State"] == "deleted"
    address = ec2.describe_addresses(AllocationIds=[allocation_id])["Addresses"][0]
    assert not address.get("AssociationId")
    interfaces = [i["NetworkInterfaceId"] for i in ec2.describe_network_interfaces()["NetworkInterfaces"]]
    assert eni_id not in interfaces
    with pytest.raises(ClientError, match="NatGatewayNotFound"):
        ec2.delete_nat_gateway(NatGatewayId="nat-0123456789abcdef0")


def test_transit_gateway_is_describable_as_deleted(aws):
    ec2 = aws("ec2")
    tgw_id = ec2.create_transit_gateway(Description="doomed")["TransitGateway"]["TransitGatewayId"]
    ec2.delete_transit_gateway(TransitGatewayId=tgw_id)

    described = ec2.describe_transit_gateways(TransitGatewayIds=[tgw_id])["TransitGateways"]
    assert [t["State"] for t in described] == ["deleted"]
    # The waiter amazon.aws.ec2_transit_gateway uses (state=absent, wait=true) now succeeds.
    from ansible_collections.amazon.aws.plugins.module_utils.waiters import get_waiter

    get_waiter(ec2, "transit_gateway_deleted").wait(
        TransitGatewayIds=[tgw_id], WaiterConfig={"Delay": 1, "MaxAttempts": 2}
    )
    # A new gateway with the same description can be made; the deleted one stays apart.
    new_id = ec2.create_transit_gateway(Description="doomed")["TransitGateway"]["TransitGatewayId"]
    states = {t["TransitGatewayId"]: t["State"] for t in ec2.describe_transit_gateways()["TransitGateways"]}
    assert states[tgw_id] == "deleted" and states[new_id] == "available"
    live = ec2.describe_transit_gateways(Filters=[{"Name": "state", "Values": ["available"]}])["TransitGateways"]
    assert tgw_id not in [t["TransitGatewayId"] for t in live]

    vpc_id, subnet_id = _vpc_and_subnet(ec2, "10.79.0.0/16", "10.79.1.0/24")
    with pytest.raises(ClientError, match="InvalidTransitGatewayID.NotFound"):
        ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw_id, VpcId=vpc_id, SubnetIds=[subnet_id])


def test_transit_gateway_with_attachments_cannot_be_deleted(aws):
    ec2 = aws("ec2")
    tgw_id = ec2.create_transit_gateway(Description="busy")["TransitGateway"]["TransitGatewayId"]
    vpc_id, subnet_id = _vpc_and_subnet(ec2, "10.80.0.0/16", "10.80.1.0/24")
    attachment_id = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw_id, VpcId=vpc_id, SubnetIds=[subnet_id]
    )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    with pytest.raises(ClientError, match="IncorrectState"):
        ec2.delete_transit_gateway(TransitGatewayId=tgw_id)
    ec2.delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=attachment_id)
    ec2.delete_transit_gateway(TransitGatewayId=tgw_id)


def test_transit_gateway_vpc_attachments(aws):
    ec2 = aws("ec2")
    west = aws("ec2", "us-west-2")
    tgw_id = ec2.create_transit_gateway(Description="hub")["TransitGateway"]["TransitGatewayId"]
    peer_id = west.create_transit_gateway(Description="hub-west")["TransitGateway"]["TransitGatewayId"]
    vpc_id, subnet_id = _vpc_and_subnet(ec2, "10.81.0.0/16", "10.81.1.0/24")

    created = ec2.create_transit_gateway_vpc_attachment(
        TransitGatewayId=tgw_id,
        VpcId=vpc_id,
        SubnetIds=[subnet_id],
        TagSpecifications=[
            {"ResourceType": "transit-gateway-attachment", "Tags": [{"Key": "Name", "Value": "hub-vpc"}]}
        ],
    )["TransitGatewayVpcAttachment"]
    attachment_id = created["TransitGatewayAttachmentId"]
    assert created["Tags"] == [{"Key": "Name", "Value": "hub-vpc"}]
    peering_id = ec2.create_transit_gateway_peering_attachment(
        TransitGatewayId=tgw_id, PeerTransitGatewayId=peer_id, PeerAccountId="123456789012", PeerRegion="us-west-2"
    )["TransitGatewayPeeringAttachment"]["TransitGatewayAttachmentId"]

    def vpc_attachments(*filters):
        found = ec2.describe_transit_gateway_vpc_attachments(
            Filters=[{"Name": "transit-gateway-id", "Values": [tgw_id]}, *filters]
        )
        return [a["TransitGatewayAttachmentId"] for a in found["TransitGatewayVpcAttachments"]]

    assert vpc_attachments() == [attachment_id]  # not the peering attachment
    assert vpc_attachments({"Name": "tag:Name", "Values": ["hub-vpc"]}) == [attachment_id]
    assert vpc_attachments({"Name": "tag:Name", "Values": ["other"]}) == []

    peerings = ec2.describe_transit_gateway_peering_attachments()["TransitGatewayPeeringAttachments"]
    assert [p["TransitGatewayAttachmentId"] for p in peerings] == [peering_id]

    ec2.delete_transit_gateway_vpc_attachment(TransitGatewayAttachmentId=attachment_id)
    after = ec2.describe_transit_gateway_vpc_attachments(TransitGatewayAttachmentIds=[attachment_id])
    assert [a["State"] for a in after["TransitGatewayVpcAttachments"]] == ["deleted"]
    # A deleted attachment is no duplicate: the VPC can be attached again.
    again = ec2.create_transit_gateway_vpc_attachment(TransitGatewayId=tgw_id, VpcId=vpc_id, SubnetIds=[subnet_id])
    assert again["TransitGatewayVpcAttachment"]["State"] == "available"


def test_transit_gateway_routes(aws):
    ec2 = aws("ec2")
    tgw = ec2.create_transit_gateway(Description="routes")["TransitGateway"]
    tgw_id, table_id = tgw["TransitGatewayId"], tgw["Options"]["AssociationDefaultRouteTableId"]
    attachments = {}
    for octet in (85, 86):
        vpc_id, subnet_id = _vpc_and_subnet(ec2, f"10.{octet}.0.0/16", f"10.{octet}.1.0/24")
        attachments[vpc_id] = ec2.create_transit_gateway_vpc_attachment(
            TransitGatewayId=tgw_id, VpcId=vpc_id, SubnetIds=[subnet_id]
        )["TransitGatewayVpcAttachment"]["TransitGatewayAttachmentId"]
    (first_vpc, first), (second_vpc, second) = attachments.items()
    cidr = "10.20.0.0/16"

    def targets(route):
        return [
            (a["TransitGatewayAttachmentId"], a["ResourceType"], a["ResourceId"])
            for a in route["TransitGatewayAttachments"]
        ]

    def routes():
        return ec2.search_transit_gateway_routes(
            TransitGatewayRouteTableId=table_id, Filters=[{"Name": "route-search.exact-match", "Values": [cidr]}]
        )["Routes"]

    created = ec2.create_transit_gateway_route(
        TransitGatewayRouteTableId=table_id, DestinationCidrBlock=cidr, TransitGatewayAttachmentId=first
    )["Route"]
    assert targets(created) == [(first, "vpc", first_vpc)]
    assert [(r["Type"], r["State"], targets(r)) for r in routes()] == [
        ("static", "active", [(first, "vpc", first_vpc)])
    ]

    replaced = ec2.replace_transit_gateway_route(
        TransitGatewayRouteTableId=table_id, DestinationCidrBlock=cidr, TransitGatewayAttachmentId=second
    )["Route"]
    assert targets(replaced) == [(second, "vpc", second_vpc)]
    assert [targets(r) for r in routes()] == [[(second, "vpc", second_vpc)]]

    ec2.replace_transit_gateway_route(TransitGatewayRouteTableId=table_id, DestinationCidrBlock=cidr, Blackhole=True)
    assert [(r["State"], r.get("TransitGatewayAttachments", [])) for r in routes()] == [("blackhole", [])]

    with pytest.raises(ClientError, match="InvalidRoute.NotFound"):
        ec2.replace_transit_gateway_route(
            TransitGatewayRouteTableId=table_id, DestinationCidrBlock="10.21.0.0/16", TransitGatewayAttachmentId=first
        )


def test_vpc_peering_filters(aws):
    east, west = aws("ec2"), aws("ec2", region="us-west-2")
    requester = east.create_vpc(CidrBlock="10.81.0.0/16")["Vpc"]["VpcId"]
    other = east.create_vpc(CidrBlock="10.82.0.0/16")["Vpc"]["VpcId"]
    peer = west.create_vpc(CidrBlock="10.83.0.0/16")["Vpc"]["VpcId"]
    mine = east.create_vpc_peering_connection(
        VpcId=requester,
        PeerVpcId=peer,
        PeerRegion="us-west-2",
        TagSpecifications=[{"ResourceType": "vpc-peering-connection", "Tags": [{"Key": "Name", "Value": "mine"}]}],
    )["VpcPeeringConnection"]["VpcPeeringConnectionId"]
    theirs = east.create_vpc_peering_connection(VpcId=other, PeerVpcId=peer, PeerRegion="us-west-2")[
        "VpcPeeringConnection"
    ]["VpcPeeringConnectionId"]
    east.delete_vpc_peering_connection(VpcPeeringConnectionId=theirs)

    def ids(*filters):
        found = east.describe_vpc_peering_connections(Filters=[{"Name": n, "Values": v} for n, v in filters])
        return {p["VpcPeeringConnectionId"] for p in found["VpcPeeringConnections"]}

    assert ids(("requester-vpc-info.vpc-id", [requester])) == {mine}
    assert ids(("accepter-vpc-info.vpc-id", [peer])) >= {mine, theirs}
    assert theirs not in ids(("status-code", ["pending-acceptance", "active"]))
    assert ids(("tag:Name", ["mine"])) == {mine}
    with pytest.raises(ClientError, match="InvalidFilter"):
        ids(("no-such-filter", ["x"]))


@pytest.mark.usefixtures("aws")
def test_recording_goes_to_the_state_dir(running):
    """moto's request recorder writes <state dir>/aws-recording.jsonl, not ./moto_recording in the checkout."""
    recording = running.state_dir / "aws-recording.jsonl"
    assert Path(f"/proc/{running.pid()}/cwd").resolve() == running.state_dir.resolve()
    _moto_api(running, "recorder/reset-recording", method="POST")
    _moto_api(running, "recorder/start-recording", method="POST")
    try:
        boto3.client("ec2", region_name="us-east-1").describe_vpcs(
            Filters=[{"Name": "tag:Name", "Values": ["recorded-call"]}]
        )
    finally:
        _moto_api(running, "recorder/stop-recording", method="POST")
    downloaded = _moto_api(running, "recorder/download-recording")

    entries = [json.loads(line) for line in downloaded.splitlines() if line.strip()]
    assert len(entries) == 1, downloaded
    body = entries[0]["body"]
    if entries[0]["body_encoded"]:
        body = base64.b64decode(body).decode()
    params = parse_qs(body)
    assert entries[0]["method"] == "POST"
    assert params["Action"] == ["DescribeVpcs"]
    assert "recorded-call" in body
    assert recording.read_text() == downloaded
    assert not (running.state_dir / "moto_recording").exists()


def test_kms_key_deletion_by_arn(aws):
    kms = aws("kms")
    arn = kms.create_key()["KeyMetadata"]["Arn"]
    kms.disable_key(KeyId=arn)
    kms.enable_key(KeyId=arn)
    kms.schedule_key_deletion(KeyId=arn, PendingWindowInDays=7)
    assert kms.describe_key(KeyId=arn)["KeyMetadata"]["KeyState"] == "PendingDeletion"
    kms.cancel_key_deletion(KeyId=arn)
    assert kms.describe_key(KeyId=arn)["KeyMetadata"]["KeyState"] == "Disabled"


def test_default_security_group_allows_itself(aws):
    ec2 = aws("ec2")
    vpc_id = ec2.create_vpc(CidrBlock="10.82.0.0/16")["Vpc"]["VpcId"]
    group = ec2.describe_security_groups(
        Filters=[{"Name": "vpc-id", "Values": [vpc_id]}, {"Name": "group-name", "Values": ["default"]}]
    )["SecurityGroups"][0]
    assert [p["IpProtocol"] for p in group["IpPermissions"]] == ["-1"]
    assert [g["GroupId"] for g in group["IpPermissions"][0]["UserIdGroupPairs"]] == [group["GroupId"]]
    ec2.revoke_security_group_ingress(GroupId=group["GroupId"], IpPermissions=group["IpPermissions"])
    ec2.revoke_security_group_egress(GroupId=group["GroupId"], IpPermissions=group["IpPermissionsEgress"])
    emptied = ec2.describe_security_groups(GroupIds=[group["GroupId"]])["SecurityGroups"][0]
    assert emptied["IpPermissions"] == [] and emptied["IpPermissionsEgress"] == []


@pytest.mark.usefixtures("running")
def test_summary_lists_what_exists(sandbox, aws):
    ec2, logs, kms = aws("ec2", "eu-central-1"), aws("logs", "eu-central-1"), aws("kms", "eu-central-1")
    vpc_id = ec2.create_vpc(
        CidrBlock="10.90.0.0/16",
        TagSpecifications=[{"ResourceType": "vpc", "Tags": [{"Key": "Name", "Value": "summary-vpc"}]}],
    )["Vpc"]["VpcId"]
    for cidr, az, tier in (
        ("10.90.1.0/24", "eu-central-1a", "public"),
        ("10.90.2.0/24", "eu-central-1b", "public"),
        ("10.90.3.0/24", "eu-central-1a", "private_app"),
    ):
        ec2.create_subnet(
            VpcId=vpc_id,
            CidrBlock=cidr,
            AvailabilityZone=az,
            TagSpecifications=[{"ResourceType": "subnet", "Tags": [{"Key": "tier", "Value": tier}]}],
        )
    ec2.create_transit_gateway(
        Description="summary-tgw",
        Options={"AmazonSideAsn": 64620},
        TagSpecifications=[{"ResourceType": "transit-gateway", "Tags": [{"Key": "Name", "Value": "summary-tgw"}]}],
    )
    gone = ec2.create_transit_gateway(Description="summary-gone")["TransitGateway"]["TransitGatewayId"]
    ec2.delete_transit_gateway(TransitGatewayId=gone)
    key_arn = kms.create_key(Description="summary")["KeyMetadata"]["Arn"]
    kms.create_alias(AliasName="alias/summary-logs", TargetKeyId=key_arn)
    logs.create_log_group(logGroupName="/summary/flow", kmsKeyId=key_arn)
    logs.put_retention_policy(logGroupName="/summary/flow", retentionInDays=14)
    ec2.create_flow_logs(
        ResourceIds=[vpc_id],
        ResourceType="VPC",
        TrafficType="ALL",
        LogDestinationType="cloud-watch-logs",
        LogGroupName="/summary/flow",
        DeliverLogsPermissionArn="arn:aws:iam::123456789012:role/summary-flow-logs",
    )

    text = sandbox("summary")
    assert text.returncode == 0, text.stderr
    out = text.stdout
    assert "eu-central-1" in out
    assert "summary-vpc" in out and "10.90.0.0/16" in out
    assert "public: eu-central-1a x1, eu-central-1b x1" in out
    assert "private_app: eu-central-1a x1" in out
    assert "summary-tgw" in out and "64620" in out
    assert gone not in out and "summary-gone" not in out
    assert "/summary/flow  KMS encrypted: yes  retention: 14 days" in out
    assert "alias/summary-logs" in out
    assert "cloud-watch-logs:/summary/flow" in out
    assert f"GCP (emulated at http://127.0.0.1:{sandbox.gcp_port})" in out

    as_json = sandbox("summary", "--json", "--regions", "eu-central-1")
    assert as_json.returncode == 0, as_json.stderr
    data = json.loads(as_json.stdout)
    region = data["aws"]["regions"]["eu-central-1"]
    assert list(data["aws"]["regions"]) == ["eu-central-1"]
    assert [v["name"] for v in region["vpcs"]] == ["summary-vpc"]
    assert region["vpcs"][0]["subnets"] == {
        "private_app": {"eu-central-1a": 1},
        "public": {"eu-central-1a": 1, "eu-central-1b": 1},
    }
    assert [(t["name"], t["asn"]) for t in region["transit_gateways"]] == [("summary-tgw", 64620)]
    assert region["log_groups"] == [{"name": "/summary/flow", "kms_encrypted": True, "retention_days": 14}]
    assert [k["state"] for k in region["kms_keys"]] == ["Enabled"]
    assert [f["status"] for f in region["flow_logs"]] == ["ACTIVE"]
    assert data["gcp"]["emulated"] is True and data["gcp"]["running"] is True


@pytest.mark.usefixtures("running")
def test_reset_wipes_state(sandbox, aws):
    aws("ec2").create_vpc(CidrBlock="10.99.0.0/16")
    reset = sandbox("reset")
    assert reset.returncode == 0, reset.stderr
    vpcs = aws("ec2").describe_vpcs()["Vpcs"]
    assert [v for v in vpcs if not v["IsDefault"]] == []
    summary = sandbox("summary")
    assert "nothing in" in summary.stdout


def test_stop(sandbox):
    pid = sandbox.pid()
    stopped = sandbox("stop")
    assert stopped.returncode == 0
    assert "stopped" in stopped.stdout
    status = sandbox("status")
    assert status.returncode == 3
    assert "stopped" in status.stdout
    again = sandbox("stop")
    assert again.returncode == 0 and "not running" in again.stdout
    deadline = time.monotonic() + 10
    while Path(f"/proc/{pid}").exists() and time.monotonic() < deadline:
        status_line = Path(f"/proc/{pid}/status").read_text() if Path(f"/proc/{pid}/status").exists() else ""
        if "zombie" in status_line:
            break
        time.sleep(0.1)
    assert not Path(f"/proc/{pid}/cmdline").exists() or not Path(f"/proc/{pid}/cmdline").read_bytes()
