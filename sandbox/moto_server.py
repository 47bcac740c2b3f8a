#!/usr/bin/env python3
"""The sandbox's local AWS emulator: moto's server, plus small fixes.

Runs moto's WSGI application (the same one ``moto_server`` runs) on a loopback
address, after patching moto where it answers differently from real AWS in a way
that breaks the amazon.aws modules this collection uses.  Every patch below says
what real AWS does, what moto 5.2 does instead, and which module breaks.  Patches
change moto's classes in this process only; nothing is written to site-packages.

Rule for adding one: patch moto only where moto, not the module, is wrong.

Usage:  python sandbox/moto_server.py [--host 127.0.0.1] [--port 5150]
"""

from __future__ import annotations

import argparse
import ipaddress
import os
import signal
import sys
from typing import Any, Callable

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 5150

# States in which a transit gateway attachment no longer counts (AWS ignores such
# attachments when it checks for duplicates or blocks a gateway's deletion).
_GONE_ATTACHMENT_STATES = ("deleted", "rejected", "failed")

PATCHES: list[Callable[[], None]] = []
_applied = False


def _patch(func: Callable[[], None]) -> Callable[[], None]:
    PATCHES.append(func)
    return func


def _tag_filtered(objects: list[Any], filters: dict[str, list[str]] | None) -> list[Any]:
    """Apply EC2's tag filters (``tag:<key>``, ``tag-key``, ``tag-value``) to moto objects."""
    from moto.ec2.utils import is_tag_filter, tag_filter_matches

    for name, values in (filters or {}).items():
        if is_tag_filter(name):
            objects = [obj for obj in objects if tag_filter_matches(obj, name, values)]
    return objects


def _live_transit_gateway(backend: Any, transit_gateway_id: str) -> Any:
    """The backend's transit gateway, unless it is unknown or deleted (as AWS says then)."""
    from moto.ec2.exceptions import InvalidTransitGatewayID

    transit_gateway = backend.transit_gateways.get(transit_gateway_id)
    if transit_gateway is None or transit_gateway.state == "deleted":
        raise InvalidTransitGatewayID(
            transit_gateway_id,
            f"Transit Gateway {transit_gateway_id} was deleted or does not exist.",
        )
    return transit_gateway


@_patch
def describe_tags_uses_aws_resource_types() -> None:
    """DescribeTags: use AWS's resource-type names.

    Real AWS: DescribeTags names (and filters on) resource types as the API's
    ResourceType enum spells them: ``natgateway``, ``elastic-ip``, ``vpc-flow-log``,
    ``prefix-list``, ``dedicated-host``, ``spot-instances-request``, ``reserved-instances``.
    moto: uses its internal id-prefix names (``nat-gateway``, ``vpc-elastic-ip``,
    ``flow-logs``, ...), so a ``resource-type=natgateway`` filter matches nothing, and
    a resource-type filter raises KeyError (HTTP 500) when any tagged id has a prefix
    moto has no name for.
    Breaks: amazon.aws.ec2_vpc_nat_gateway reads its tags with
    ``describe_ec2_tags(resource_type="natgateway")``, always gets {}, and re-tags
    (changed=true) on every run; ec2_eip likewise for ``elastic-ip``.
    """
    from moto.ec2.models import tags as ec2_tags
    from moto.ec2.utils import EC2_PREFIX_TO_RESOURCE

    class _AwsResourceTypes(dict):
        def __missing__(self, key: Any) -> str:
            return ""

    names = _AwsResourceTypes(EC2_PREFIX_TO_RESOURCE)
    names.update(
        {
            "nat": "natgateway",
            "eipalloc": "elastic-ip",
            "fl": "vpc-flow-log",
            "pl": "prefix-list",
            "h": "dedicated-host",
            "sir": "spot-instances-request",
            "uuid4": "reserved-instances",
        }
    )
    # tags.py is the only user of this table; rebind its module-level name.
    ec2_tags.EC2_PREFIX_TO_RESOURCE = names


@_patch
def describe_nat_gateways_tag_filters() -> None:
    """DescribeNatGateways: honour tag filters.

    Real AWS: DescribeNatGateways accepts ``tag:<key>``, ``tag-key`` and ``tag-value``
    filters.  moto: ignores them and returns every NAT gateway.
    Breaks: amazon.aws.ec2_vpc_nat_gateway_info with tag filters returns other
    gateways (a role selecting "its" NAT gateway by Name picks the wrong one).
    """
    from moto.ec2.models.nat_gateways import NatGatewayBackend

    original = NatGatewayBackend.describe_nat_gateways

    def describe_nat_gateways(self: Any, filters: Any, nat_gateway_ids: list[str] | None) -> list[Any]:
        return _tag_filtered(original(self, filters, nat_gateway_ids), filters)

    NatGatewayBackend.describe_nat_gateways = describe_nat_gateways


@_patch
def nat_gateway_deletion_frees_its_address() -> None:
    """DeleteNatGateway: disassociate the Elastic IP and delete the gateway's ENI.

    Real AWS: deleting a NAT gateway deletes its requester-managed network interface
    and disassociates (does not release) its Elastic IP, which becomes free for reuse;
    an unknown id is answered with NatGatewayNotFound.
    moto: only sets State=deleted; the EIP stays associated with an orphaned ENI
    (in a subnet that may itself be gone), and an unknown id gives HTTP 500.
    Breaks: amazon.aws.ec2_eip with reuse_existing_ip_allowed cannot find the
    gateway's tagged EIP again after the gateway is deleted (it looks for
    unassociated addresses), so rebuilding a NAT gateway allocates another EIP and
    leaks the old one; ec2_vpc_nat_gateway state=absent with release_eip=false leaves
    the address looking in use.
    """
    from moto.ec2.exceptions import EC2ClientError
    from moto.ec2.models.nat_gateways import NatGatewayBackend

    original = NatGatewayBackend.delete_nat_gateway

    def delete_nat_gateway(self: Any, nat_gateway_id: str) -> Any:
        nat_gateway = self.nat_gateways.get(nat_gateway_id)
        if nat_gateway is None:
            raise EC2ClientError("NatGatewayNotFound", f"The Nat Gateway {nat_gateway_id} was not found")
        if nat_gateway.state != "deleted":
            eni = nat_gateway._eni
            for address in list(self.addresses):
                if address.eni is eni and address.association_id:
                    self.disassociate_address(association_id=address.association_id)
            self.enis.pop(eni.id, None)
        return original(self, nat_gateway_id)

    NatGatewayBackend.delete_nat_gateway = delete_nat_gateway


@_patch
def transit_gateway_deletion_leaves_deleted_record() -> None:
    """DeleteTransitGateway: keep the gateway, in state ``deleted``.

    Real AWS: a deleted transit gateway stays describable for a while with State
    ``deleting`` then ``deleted``; DeleteTransitGateway is refused (IncorrectState,
    "has non-deleted Transit Gateway Attachments") while live attachments remain; a
    deleted gateway cannot get new attachments.
    moto: removes the gateway from its table at once and never checks attachments.
    Breaks: amazon.aws.ec2_transit_gateway state=absent wait=true polls the
    ``transit_gateway_deleted`` waiter, which needs State=deleted, so it times out.
    (The module ignores deleted gateways when matching by description, so a new
    gateway with the same description can still be created.)
    """
    from moto.ec2.exceptions import EC2ClientError, InvalidTransitGatewayID
    from moto.ec2.models.transit_gateway import TransitGatewayBackend
    from moto.ec2.models.transit_gateway_attachments import TransitGatewayAttachmentBackend

    def delete_transit_gateway(self: Any, transit_gateway_id: str) -> Any:
        transit_gateway = self.transit_gateways.get(transit_gateway_id)
        if transit_gateway is None:
            raise InvalidTransitGatewayID(transit_gateway_id)
        if transit_gateway.state == "deleted":
            return transit_gateway
        live = [
            attachment.id
            for attachment in self.transit_gateway_attachments.values()
            if attachment.transit_gateway_id == transit_gateway_id and attachment.state not in _GONE_ATTACHMENT_STATES
        ]
        if live:
            raise EC2ClientError(
                "IncorrectState",
                f"{transit_gateway_id} has non-deleted Transit Gateway Attachments: {', '.join(live)}.",
            )
        transit_gateway.state = "deleted"
        return transit_gateway

    TransitGatewayBackend.delete_transit_gateway = delete_transit_gateway

    original_peering = TransitGatewayAttachmentBackend.create_transit_gateway_peering_attachment

    def create_transit_gateway_peering_attachment(self: Any, transit_gateway_id: str, *args: Any, **kwargs: Any) -> Any:
        _live_transit_gateway(self, transit_gateway_id)
        return original_peering(self, transit_gateway_id, *args, **kwargs)

    TransitGatewayAttachmentBackend.create_transit_gateway_peering_attachment = (
        create_transit_gateway_peering_attachment
    )


@_patch
def transit_gateway_vpc_attachments() -> None:
    """Transit gateway VPC attachments: tags on create, describe, delete.

    Real AWS:
      * CreateTransitGatewayVpcAttachment applies TagSpecifications of ResourceType
        ``transit-gateway-attachment``;
      * DescribeTransitGatewayVpcAttachments returns VPC attachments only, and
        honours ``tag:<key>``/``tag-key``/``tag-value`` filters;
      * a deleted attachment stays describable with State ``deleted`` for a while, and
        does not count as a duplicate when the same VPC is attached again.
    moto:
      * reads the tags from a ``transit-gateway-route-table`` spec, so they are lost;
      * returns peering and VPN attachments too, and ignores tag filters;
      * removes a deleted attachment at once.
    Breaks: amazon.aws.ec2_transit_gateway_vpc_attachment creates the attachment
    without its Name tag and re-tags it on the next run (changed=true); it finds its
    attachment by ``tag:Name`` and so can match another attachment of the same
    gateway, or fail with "Multiple matching attachments found" once a gateway also
    has a peering attachment.
    """
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import DuplicateTransitGatewayAttachmentError
    from moto.ec2.models.transit_gateway_attachments import (
        TransitGatewayAttachmentBackend,
        TransitGatewayVpcAttachment,
    )
    from moto.ec2.responses.transit_gateway_attachments import TransitGatewayAttachment

    def create_response(self: Any) -> ActionResult:
        tags = self._parse_tag_specification().get("transit-gateway-attachment", {})
        attachment = self.ec2_backend.create_transit_gateway_vpc_attachment(
            transit_gateway_id=self._get_param("TransitGatewayId"),
            tags=tags,
            vpc_id=self._get_param("VpcId"),
            subnet_ids=self._get_param("SubnetIds", []),
            options=self._get_param("Options", {}),
        )
        return ActionResult({"TransitGatewayVpcAttachment": attachment})

    TransitGatewayAttachment.create_transit_gateway_vpc_attachment = create_response

    def create_transit_gateway_vpc_attachment(
        self: Any,
        transit_gateway_id: str,
        vpc_id: str,
        subnet_ids: list[str],
        tags: dict[str, str] | None = None,
        options: dict[str, str] | None = None,
    ) -> Any:
        transit_gateway = _live_transit_gateway(self, transit_gateway_id)
        for existing in self.transit_gateway_attachments.values():
            if (
                existing.resource_type == "vpc"
                and existing.transit_gateway_id == transit_gateway_id
                and existing.resource_id == vpc_id
                and existing.state not in _GONE_ATTACHMENT_STATES
            ):
                raise DuplicateTransitGatewayAttachmentError(transit_gateway_id)
        attachment = TransitGatewayVpcAttachment(
            self,
            transit_gateway=transit_gateway,
            tags=tags,
            vpc_id=vpc_id,
            subnet_ids=subnet_ids,
            options=options,
        )
        self.transit_gateway_attachments[attachment.id] = attachment
        self.set_route_table_association(
            transit_gateway_attachment_id=attachment.id,
            transit_gateway_route_table_id=attachment.transit_gateway_route_table.id,
        )
        return attachment

    TransitGatewayAttachmentBackend.create_transit_gateway_vpc_attachment = create_transit_gateway_vpc_attachment

    original_describe = TransitGatewayAttachmentBackend.describe_transit_gateway_vpc_attachments

    def describe_transit_gateway_vpc_attachments(
        self: Any, transit_gateways_attachment_ids: list[str] | None = None, filters: Any = None
    ) -> list[Any]:
        found = original_describe(self, transit_gateways_attachment_ids, filters)
        return _tag_filtered([a for a in found if a.resource_type == "vpc"], filters)

    TransitGatewayAttachmentBackend.describe_transit_gateway_vpc_attachments = describe_transit_gateway_vpc_attachments

    original_delete = TransitGatewayAttachmentBackend.delete_transit_gateway_vpc_attachment

    def delete_transit_gateway_vpc_attachment(self: Any, transit_gateway_attachment_id: str) -> Any:
        attachment = original_delete(self, transit_gateway_attachment_id)  # pops it, state=deleted
        self.transit_gateway_attachments[attachment.id] = attachment
        return attachment

    TransitGatewayAttachmentBackend.delete_transit_gateway_vpc_attachment = delete_transit_gateway_vpc_attachment


@_patch
def describe_transit_gateway_peering_attachments_only_peerings() -> None:
    """DescribeTransitGatewayPeeringAttachments: return peering attachments only.

    Real AWS: returns only peering attachments.  moto: returns every attachment of
    the region, VPC attachments included (without the peering fields).
    Breaks: whatever pages through this call to find a gateway's peerings (this
    collection's ec2_transit_gateway_peering module does) also gets the VPC
    attachments, which have no RequesterTgwInfo/AccepterTgwInfo.
    """
    from moto.ec2.models.transit_gateway_attachments import TransitGatewayAttachmentBackend

    original = TransitGatewayAttachmentBackend.describe_transit_gateway_peering_attachments

    def describe_transit_gateway_peering_attachments(
        self: Any, transit_gateways_attachment_ids: list[str] | None = None, filters: Any = None
    ) -> list[Any]:
        found = original(self, transit_gateways_attachment_ids, filters)
        return [a for a in found if a.resource_type == "peering"]

    TransitGatewayAttachmentBackend.describe_transit_gateway_peering_attachments = (
        describe_transit_gateway_peering_attachments
    )


@_patch
def transit_gateway_routes() -> None:
    """Transit gateway static routes: attachments as a list; ReplaceTransitGatewayRoute.

    Real AWS: CreateTransitGatewayRoute and SearchTransitGatewayRoutes return a
    route's targets as a list, ``TransitGatewayAttachments: [{ResourceId, ResourceType,
    TransitGatewayAttachmentId}]`` (empty for a blackhole route);
    ReplaceTransitGatewayRoute points an existing static route at another attachment,
    or makes it a blackhole, and answers InvalidRoute.NotFound when the table has no
    static route for that CIDR.
    moto: stores the attachment as a single dict instead of a list, so every route is
    returned with an empty ``TransitGatewayAttachments`` list; ReplaceTransitGatewayRoute
    is not implemented (NotImplementedError, HTTP 500).
    Breaks: ecommerce.multicloud.ec2_transit_gateway_route cannot read back which
    attachment a route points at, so it reports changed=true on every run and tries to
    replace the route, which fails.

    Replaces moto's methods outright (wraps nothing), so applying it twice is harmless.
    """
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import InvalidRouteError
    from moto.ec2.models.transit_gateway_route_tables import TransitGatewayRouteTableBackend
    from moto.ec2.responses.transit_gateway_route_tables import TransitGatewayRouteTable
    from moto.utilities.utils import str2bool

    def create_transit_gateway_route(
        self: Any,
        transit_gateway_route_table_id: str,
        destination_cidr_block: str,
        transit_gateway_attachment_id: str | None = None,
        blackhole: bool = False,
    ) -> dict[str, Any]:
        table = self.transit_gateways_route_tables[transit_gateway_route_table_id]
        attachment = self.transit_gateway_attachments.get(transit_gateway_attachment_id)
        route: dict[str, Any] = {
            "destinationCidrBlock": destination_cidr_block,
            "prefixListId": None,
            "state": "blackhole" if blackhole else "active",
            "type": "static",
        }
        if attachment is not None and not blackhole:
            route["transitGatewayAttachments"] = [
                {
                    "resourceId": attachment.resource_id,
                    "resourceType": attachment.resource_type,
                    "transitGatewayAttachmentId": transit_gateway_attachment_id,
                }
            ]
        table.routes[destination_cidr_block] = route
        return route

    def replace_transit_gateway_route(
        self: Any,
        transit_gateway_route_table_id: str,
        destination_cidr_block: str,
        transit_gateway_attachment_id: str | None = None,
        blackhole: bool = False,
    ) -> dict[str, Any]:
        table = self.transit_gateways_route_tables[transit_gateway_route_table_id]
        route = table.routes.get(destination_cidr_block)
        if route is None or route.get("type") != "static":
            raise InvalidRouteError(transit_gateway_route_table_id, destination_cidr_block)
        return self.create_transit_gateway_route(
            transit_gateway_route_table_id, destination_cidr_block, transit_gateway_attachment_id, blackhole
        )

    def replace_transit_gateway_route_response(self: Any) -> ActionResult:
        route = self.ec2_backend.replace_transit_gateway_route(
            transit_gateway_route_table_id=self._get_param("TransitGatewayRouteTableId"),
            destination_cidr_block=self._get_param("DestinationCidrBlock"),
            transit_gateway_attachment_id=self._get_param("TransitGatewayAttachmentId"),
            blackhole=str2bool(self._get_param("Blackhole")),
        )
        return ActionResult({"route": route})

    TransitGatewayRouteTableBackend.create_transit_gateway_route = create_transit_gateway_route
    TransitGatewayRouteTableBackend.replace_transit_gateway_route = replace_transit_gateway_route
    TransitGatewayRouteTable.replace_transit_gateway_route = replace_transit_gateway_route_response


@_patch
def default_security_group_allows_itself() -> None:
    """A VPC's ``default`` security group: add AWS's self-referencing inbound rule.

    Real AWS: the default group of a new VPC allows all inbound traffic from
    members of the group itself, and all outbound traffic.
    moto: creates it with the outbound rule only.
    Breaks: nothing fails, but amazon.aws.ec2_security_group emptying the default
    group (``rules: []``, CIS AWS 5.4) never has to revoke an inbound rule in the
    sandbox, so a run that would leave AWS's inbound rule in place passes here.
    """
    from moto.ec2.models.security_groups import SecurityGroupBackend

    original = SecurityGroupBackend.create_security_group

    def create_security_group(self: Any, *args: Any, **kwargs: Any) -> Any:
        group = original(self, *args, **kwargs)
        if kwargs.get("is_default"):
            self.authorize_security_group_ingress(
                group.id,
                "-1",
                None,
                None,
                [],
                source_groups=[{"GroupId": group.id, "UserId": self.account_id}],
                vpc_id=group.vpc_id,
            )
        return group

    SecurityGroupBackend.create_security_group = create_security_group


@_patch
def describe_vpc_peering_connections_filters() -> None:
    """DescribeVpcPeeringConnections: honour filters.

    Real AWS: filters by ``status-code``, ``requester-vpc-info.vpc-id``,
    ``accepter-vpc-info.vpc-id``, their ``cidr-block``/``owner-id``,
    ``vpc-peering-connection-id`` and tags.  moto: ignores every filter and returns
    every peering connection, deleted ones included.
    Breaks: amazon.aws.ec2_vpc_peering_info with filters, so a role that removes "the
    peerings its VPC requested" would delete other VPCs' peerings.  A filter this fix does
    not implement is refused (InvalidFilter) rather than silently ignored.
    """
    from moto.core.responses import ActionResult
    from moto.ec2.exceptions import InvalidFilter
    from moto.ec2.responses.vpc_peering_connections import VPCPeeringConnections

    attributes = {
        "status-code": lambda pcx: [pcx._status.code],
        "vpc-peering-connection-id": lambda pcx: [pcx.id],
        "requester-vpc-info.vpc-id": lambda pcx: [pcx.vpc.id],
        "requester-vpc-info.cidr-block": lambda pcx: [pcx.vpc.cidr_block],
        "requester-vpc-info.owner-id": lambda pcx: [pcx.vpc.owner_id],
        "accepter-vpc-info.vpc-id": lambda pcx: [pcx.peer_vpc.id],
        "accepter-vpc-info.cidr-block": lambda pcx: [pcx.peer_vpc.cidr_block],
        "accepter-vpc-info.owner-id": lambda pcx: [pcx.peer_vpc.owner_id],
    }
    original = VPCPeeringConnections.describe_vpc_peering_connections

    def describe_vpc_peering_connections(self: Any) -> Any:
        filters = self._filters_from_querystring()
        result = original(self)
        connections = _tag_filtered(list(result.result["VpcPeeringConnections"]), filters)
        for name, values in filters.items():
            if name.startswith("tag"):
                continue
            if name not in attributes:
                raise InvalidFilter(name)
            connections = [pcx for pcx in connections if set(attributes[name](pcx)) & set(values)]
        return ActionResult({"VpcPeeringConnections": connections})

    VPCPeeringConnections.describe_vpc_peering_connections = describe_vpc_peering_connections


@_patch
def kms_key_state_calls_accept_key_arns() -> None:
    """KMS Enable/DisableKey, Schedule/CancelKeyDeletion: accept a key ARN.

    Real AWS: these calls take the key ID or the key ARN.
    moto: looks the raw value up in its key table, so a key ARN raises KeyError
    (HTTP 500).
    Breaks: amazon.aws.kms_key passes the key ARN: state=absent fails with
    "Failed to schedule key for deletion" (500); enabled=false, and re-creating a key
    that is pending deletion, fail the same way.
    """
    from moto.kms.models import KmsBackend

    def by_key_id(original: Callable[..., Any]) -> Callable[..., Any]:
        def call(self: Any, key_id: str, *args: Any, **kwargs: Any) -> Any:
            return original(self, self.get_key_id(key_id), *args, **kwargs)

        call.__name__ = original.__name__
        return call

    for name in ("enable_key", "disable_key", "cancel_key_deletion", "schedule_key_deletion"):
        setattr(KmsBackend, name, by_key_id(getattr(KmsBackend, name)))


def apply_patches() -> None:
    """Apply every patch once (idempotent)."""
    global _applied
    if _applied:
        return
    for patch in PATCHES:
        patch()
    _applied = True


def make_app() -> Any:
    """moto's WSGI app, with the patches applied."""
    apply_patches()
    from moto.moto_server.werkzeug_app import DomainDispatcherApplication, create_backend_app

    return DomainDispatcherApplication(create_backend_app)


def _loopback(host: str) -> str:
    if host != "localhost" and not ipaddress.ip_address(host).is_loopback:
        raise argparse.ArgumentTypeError(f"{host} is not a loopback address: the sandbox only listens locally")
    return host


def parse_args(argv: list[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--host", type=_loopback, default=DEFAULT_HOST, help="loopback address to bind")
    parser.add_argument(
        "--port",
        type=int,
        default=int(os.environ.get("SANDBOX_AWS_PORT", DEFAULT_PORT)),
        help=f"port to listen on (default $SANDBOX_AWS_PORT or {DEFAULT_PORT})",
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> None:
    args = parse_args(argv)
    from moto.moto_server.werkzeug_app import MotoRequestHandler
    from werkzeug.serving import run_simple

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    os.environ.setdefault("MOTO_PORT", str(args.port))
    run_simple(
        args.host,
        args.port,
        make_app(),
        threaded=True,
        request_handler=MotoRequestHandler,
    )


if __name__ == "__main__":
    main()
