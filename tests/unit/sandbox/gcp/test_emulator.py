# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The GCP emulator (sandbox/gcp): routing, CRUD, validation, operations, IAM, auth.

Most tests drive the WSGI application in-process with werkzeug's test client, sending
the real googleapis.com Host header as the HTTPS proxy will.  The client-library tests
run a real server on a free loopback port and talk to it with google-api-python-client,
google-auth and requests, as the sandbox's users do.
"""

import base64
import json
import os
import subprocess
import sys
import threading
import time
from urllib.parse import urlsplit

import pytest

REPO_ROOT = os.path.dirname(
    os.path.dirname(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
)
if REPO_ROOT not in sys.path:
    sys.path.insert(0, REPO_ROOT)

from werkzeug.test import Client  # noqa: E402

from sandbox.gcp import Reply, create_app, create_server, generate_service_account_key  # noqa: E402
from sandbox.gcp.config import load_config  # noqa: E402
from sandbox.gcp.templates import Template  # noqa: E402

COMPUTE = "https://compute.googleapis.com/compute/v1/projects/p1"
WWW_COMPUTE = "https://www.googleapis.com/compute/v1/projects/p1"
PUBSUB = "https://pubsub.googleapis.com/v1/projects/p1"
SECRETS = "https://secretmanager.googleapis.com/v1/projects/p1"
STORAGE = "https://storage.googleapis.com/storage/v1"
CONTAINER = "https://container.googleapis.com/v1/projects/p1"
SQL = "https://sqladmin.googleapis.com/sql/v1beta4/projects/p1"
FUNCTIONS = "https://cloudfunctions.googleapis.com/v2/projects/p1/locations/us-central1"

# The APIs the issue requires (sqladmin: v1beta4 is what google.cloud's modules call).
REQUIRED_APIS = {
    "compute.v1",
    "container.v1",
    "sqladmin.v1beta4",
    "pubsub.v1",
    "storage.v1",
    "iam.v1",
    "cloudresourcemanager.v1",
    "cloudresourcemanager.v3",
    "cloudkms.v1",
    "secretmanager.v1",
    "cloudfunctions.v2",
    "cloudbuild.v1",
    "monitoring.v3",
    "billingbudgets.v1",
    "firestore.v1",
    "servicenetworking.v1",
    "dns.v1",
}


@pytest.fixture(scope="module")
def app():
    return create_app()


@pytest.fixture(autouse=True)
def _fresh_state(app):
    app.reset()
    yield


class Api:
    """Sends requests to the app the way the HTTPS proxy forwards them: real Host, any token."""

    def __init__(self, app):
        self.client = Client(app)

    def __call__(self, method, url, body=None, token="sandbox-token", headers=None, data=None):
        parts = urlsplit(url)
        all_headers = dict(headers or {})
        if token:
            all_headers["Authorization"] = f"Bearer {token}"
        response = self.client.open(
            parts.path + (f"?{parts.query}" if parts.query else ""),
            base_url=f"{parts.scheme}://{parts.netloc}",
            method=method,
            headers=all_headers,
            json=body,
            data=data,
        )
        raw = response.get_data()
        if raw and response.mimetype == "application/json":
            return response.status_code, json.loads(raw), response.headers
        return response.status_code, (raw or None), response.headers


@pytest.fixture
def api(app):
    return Api(app)


def ok(result, status=200):
    code, body, _ = result
    assert code == status, body
    return body


def error_of(result, code, status):
    got, body, _ = result
    assert got == code, body
    assert body["error"]["code"] == code
    assert body["error"]["status"] == status
    assert body["error"]["errors"][0]["domain"] == "global"
    return body["error"]


# -- configuration ---------------------------------------------------------------------------
def test_every_configured_api_loads_and_routes(app):
    configured = {c.key for c in load_config()}
    assert REQUIRED_APIS <= configured
    assert set(app.apis) == configured
    misrouted = []
    for key, loaded in app.apis.items():
        assert len(loaded.methods) > 3, key
        # Every method's flatPath, filled in, must route back to that very method.
        for method in loaded.methods.values():
            flat = Template(method.flat_path or method.route.text)
            path = "/" + flat.expand({v.name: f"v{i}" for i, v in enumerate(flat.variables)})
            found = app.router.match(loaded.hosts[0], method.http_method, path)
            if found is None or found.method.id != method.id:
                misrouted.append((method.id, path, found and found.method.id))
    assert misrouted == []


def test_adding_an_api_is_configuration(tmp_path):
    config = tmp_path / "apis.yml"
    config.write_text("apis:\n  - {name: redis, version: v1, operations: longrunning}\n")
    emulator = create_app(str(config))
    result = Api(emulator)(
        "POST",
        "https://redis.googleapis.com/v1/projects/p1/locations/us-central1/instances?instanceId=cache",
        {"tier": "BASIC", "memorySizeGb": 1},
    )
    op = ok(result)
    assert op["done"] is True
    assert op["response"]["name"] == "projects/p1/locations/us-central1/instances/cache"
    assert ok(Api(emulator)("GET", "https://redis.googleapis.com/v1/" + op["name"]))["done"] is True


# -- compute ---------------------------------------------------------------------------------
def test_compute_network_crud_with_operations(api):
    op = ok(api("POST", f"{COMPUTE}/global/networks", {"name": "net-1", "autoCreateSubnetworks": False}))
    assert op["kind"] == "compute#operation"
    assert op["status"] == "DONE" and op["progress"] == 100 and op["operationType"] == "insert"
    assert op["targetLink"] == f"{WWW_COMPUTE}/global/networks/net-1"
    assert op["selfLink"] == f"{WWW_COMPUTE}/global/operations/{op['name']}"
    assert "zone" not in op and "region" not in op

    polled = ok(api("GET", f"{COMPUTE}/global/operations/{op['name']}"))
    assert polled["status"] == "DONE" and polled["targetLink"] == op["targetLink"]
    assert ok(api("POST", f"{COMPUTE}/global/operations/{op['name']}/wait"))["name"] == op["name"]

    network = ok(api("GET", op["targetLink"]))  # www.googleapis.com serves compute too
    assert network["name"] == "net-1" and network["autoCreateSubnetworks"] is False
    assert network["kind"] == "compute#network"
    assert network["id"].isdigit() and network["id"] == op["targetId"]
    assert network["selfLink"] == op["targetLink"]
    assert network["creationTimestamp"].endswith("Z")

    listed = ok(api("GET", f"{COMPUTE}/global/networks"))
    assert listed["kind"] == "compute#networkList"
    assert [n["name"] for n in listed["items"]] == ["net-1"]

    patch = ok(api("PATCH", f"{COMPUTE}/global/networks/net-1", {"routingConfig": {"routingMode": "GLOBAL"}}))
    assert patch["operationType"] == "patch"
    patched = ok(api("GET", f"{COMPUTE}/global/networks/net-1"))
    assert patched["routingConfig"] == {"routingMode": "GLOBAL"}
    assert patched["id"] == network["id"] and patched["creationTimestamp"] == network["creationTimestamp"]

    delete = ok(api("DELETE", f"{COMPUTE}/global/networks/net-1"))
    assert delete["operationType"] == "delete" and delete["status"] == "DONE"
    error = error_of(api("GET", f"{COMPUTE}/global/networks/net-1"), 404, "NOT_FOUND")
    assert error["errors"][0]["reason"] == "notFound"
    assert "items" not in ok(api("GET", f"{COMPUTE}/global/networks"))


def test_compute_subnetwork_crud_region_operation_and_references(api):
    ok(api("POST", f"{COMPUTE}/global/networks", {"name": "net-1", "autoCreateSubnetworks": False}))
    body = {
        "name": "sub-1",
        "network": f"{WWW_COMPUTE}/global/networks/net-1",
        "ipCidrRange": "10.0.0.0/24",
        "secondaryIpRanges": [{"rangeName": "pods", "ipCidrRange": "10.4.0.0/14"}],
        "logConfig": {"enable": True, "aggregationInterval": "INTERVAL_5_SEC"},
    }
    op = ok(api("POST", f"{COMPUTE}/regions/us-central1/subnetworks", body))
    assert op["region"] == f"{WWW_COMPUTE}/regions/us-central1"
    assert op["selfLink"].startswith(f"{WWW_COMPUTE}/regions/us-central1/operations/")
    assert ok(api("GET", f"{COMPUTE}/regions/us-central1/operations/{op['name']}"))["status"] == "DONE"

    subnet = ok(api("GET", f"{COMPUTE}/regions/us-central1/subnetworks/sub-1"))
    assert subnet["region"] == f"{WWW_COMPUTE}/regions/us-central1"
    assert subnet["secondaryIpRanges"] == body["secondaryIpRanges"]
    assert subnet["fingerprint"]

    # Compute refuses to delete a network a subnetwork still references.
    error = error_of(api("DELETE", f"{COMPUTE}/global/networks/net-1"), 400, "INVALID_ARGUMENT")
    assert error["errors"][0]["reason"] == "resourceInUseByAnotherResource"
    assert "projects/p1/regions/us-central1/subnetworks/sub-1" in error["message"]

    listed = ok(api("GET", f"{COMPUTE}/regions/us-central1/subnetworks"))
    assert [s["name"] for s in listed["items"]] == ["sub-1"]
    ok(api("DELETE", f"{COMPUTE}/regions/us-central1/subnetworks/sub-1"))
    error_of(api("GET", f"{COMPUTE}/regions/us-central1/subnetworks/sub-1"), 404, "NOT_FOUND")
    ok(api("DELETE", f"{COMPUTE}/global/networks/net-1"))


def test_compute_fingerprint_semantics(api):
    ok(api("POST", f"{COMPUTE}/global/networks", {"name": "net-1"}))
    ok(
        api(
            "POST",
            f"{COMPUTE}/regions/us-central1/subnetworks",
            {"name": "sub-1", "network": "global/networks/net-1", "ipCidrRange": "10.0.0.0/24"},
        )
    )
    url = f"{COMPUTE}/regions/us-central1/subnetworks/sub-1"
    first = ok(api("GET", url))["fingerprint"]

    ok(api("PATCH", url, {"fingerprint": first, "privateIpGoogleAccess": True}))
    second = ok(api("GET", url))
    assert second["privateIpGoogleAccess"] is True
    assert second["fingerprint"] != first  # every write rotates it

    error = error_of(
        api("PATCH", url, {"fingerprint": first, "privateIpGoogleAccess": False}), 412, "FAILED_PRECONDITION"
    )
    assert error["errors"][0]["reason"] == "conditionNotMet"
    assert ok(api("GET", url))["privateIpGoogleAccess"] is True  # the stale write changed nothing


def test_compute_set_labels_with_label_fingerprint(api):
    op = ok(api("POST", f"{COMPUTE}/regions/us-central1/addresses", {"name": "ip-1", "labels": {"env": "dev"}}))
    assert op["region"].endswith("/regions/us-central1")
    url = f"{COMPUTE}/regions/us-central1/addresses/ip-1"
    address = ok(api("GET", url))
    assert address["labels"] == {"env": "dev"}
    stale = address["labelFingerprint"]

    op = ok(api("POST", f"{url}/setLabels", {"labels": {"env": "prod"}, "labelFingerprint": stale}))
    assert op["operationType"] == "setLabels" and op["targetLink"] == address["selfLink"]
    relabelled = ok(api("GET", url))
    assert relabelled["labels"] == {"env": "prod"} and relabelled["labelFingerprint"] != stale

    error = error_of(
        api("POST", f"{url}/setLabels", {"labels": {}, "labelFingerprint": stale}), 412, "FAILED_PRECONDITION"
    )
    assert error["errors"][0]["reason"] == "conditionNotMet"


def test_compute_aggregated_list_and_filter(api):
    for zone, name, env in (
        ("us-central1-a", "web-1", "prod"),
        ("us-central1-b", "web-2", "dev"),
        ("europe-west1-b", "db-1", "prod"),
    ):
        ok(
            api(
                "POST",
                f"{COMPUTE}/zones/{zone}/instances",
                {"name": name, "machineType": f"zones/{zone}/machineTypes/e2-small", "labels": {"env": env}},
            )
        )
    everything = ok(api("GET", f"{COMPUTE}/aggregated/instances"))
    assert everything["kind"] == "compute#instanceAggregatedList"
    assert set(everything["items"]) == {"zones/us-central1-a", "zones/us-central1-b", "zones/europe-west1-b"}
    assert everything["items"]["zones/us-central1-a"]["instances"][0]["status"] == "RUNNING"

    prod = ok(api("GET", f"{COMPUTE}/aggregated/instances?filter=%28labels.env+%3D+prod%29"))
    names = sorted(i["name"] for scope in prod["items"].values() for i in scope["instances"])
    assert names == ["db-1", "web-1"]
    legacy = ok(api("GET", f"{COMPUTE}/zones/us-central1-a/instances?filter=name+eq+web-.*"))
    assert [i["name"] for i in legacy["items"]] == ["web-1"]
    error_of(api("GET", f"{COMPUTE}/zones/us-central1-a/instances?filter=%28name+%3D"), 400, "INVALID_ARGUMENT")


def test_compute_custom_verb_without_handler_is_501(api):
    ok(api("POST", f"{COMPUTE}/global/networks", {"name": "net-1"}))
    error = error_of(api("POST", f"{COMPUTE}/global/networks/net-1/switchToCustomMode"), 501, "UNIMPLEMENTED")
    assert "compute.networks.switchToCustomMode" in error["message"]


def test_registered_handler_serves_a_custom_verb(app, api):
    ok(api("POST", f"{COMPUTE}/global/networks", {"name": "net-1"}))

    def add_peering(call):
        network = call.load()
        network.setdefault("peerings", []).append({"name": call.body["name"], "state": "ACTIVE"})
        return call.save_and_reply(network, "addPeering")

    app.handlers.register("compute.networks.addPeering", add_peering)
    try:
        op = ok(api("POST", f"{COMPUTE}/global/networks/net-1/addPeering", {"name": "peer"}))
        assert op["operationType"] == "addPeering" and op["kind"] == "compute#operation"
        assert ok(api("GET", f"{COMPUTE}/global/networks/net-1"))["peerings"] == [{"name": "peer", "state": "ACTIVE"}]
    finally:
        app.handlers.register("compute.networks.addPeering", lambda call: Reply({}, 501))


# -- schema validation ---------------------------------------------------------------------
def test_misspelled_field_is_rejected_like_google(api):
    error = error_of(
        api("POST", f"{COMPUTE}/global/networks", {"name": "net-1", "autoCreateSubnetwork": False}),
        400,
        "INVALID_ARGUMENT",
    )
    expected = "Invalid JSON payload received. Unknown name \"autoCreateSubnetwork\" at 'resource': Cannot find field."
    assert error["message"] == expected
    assert error["errors"] == [{"message": expected, "domain": "global", "reason": "invalid"}]
    assert error["details"][0]["@type"] == "type.googleapis.com/google.rpc.BadRequest"
    error_of(api("GET", f"{COMPUTE}/global/networks/net-1"), 404, "NOT_FOUND")  # nothing was created


def test_nested_unknown_field_and_top_level_body(api):
    error = error_of(
        api("POST", f"{COMPUTE}/global/networks", {"name": "n", "routingConfig": {"routingMod": "GLOBAL"}}),
        400,
        "INVALID_ARGUMENT",
    )
    assert error["message"] == (
        "Invalid JSON payload received. Unknown name \"routingMod\" at 'resource.routing_config': Cannot find field."
    )
    error = error_of(api("PUT", f"{PUBSUB}/topics/t1", {"labelz": {}}), 400, "INVALID_ARGUMENT")
    assert error["message"] == 'Invalid JSON payload received. Unknown name "labelz": Cannot find field.'
    error = error_of(
        api("POST", f"{CONTAINER}/locations/us-central1/clusters", {"cluster": {"name": "c", "nodeCount": 1}}),
        400,
        "INVALID_ARGUMENT",
    )
    assert "Unknown name \"nodeCount\" at 'cluster'" in error["message"]


@pytest.mark.parametrize(
    "body, message",
    [
        (
            {"name": "n", "autoCreateSubnetworks": "yes"},
            "Invalid value at 'resource.auto_create_subnetworks' (TYPE_BOOL), \"yes\"",
        ),
        ({"name": "n", "mtu": "many"}, "Invalid value at 'resource.mtu' (TYPE_INT32), \"many\""),
        (
            {"name": "n", "routingConfig": {"routingMode": "FOO"}},
            "Invalid value at 'resource.routing_config.routing_mode' (TYPE_ENUM), \"FOO\"",
        ),
        ({"name": "n", "description": 42}, "Invalid value at 'resource.description' (TYPE_STRING), 42"),
        (
            {"name": "n", "peerings": {"name": "x"}},
            'Invalid value at \'resource.peerings\' (TYPE_MESSAGE), {"name": "x"}',
        ),
        ({"name": "Bad_Name"}, "Invalid value for field 'resource.name': 'Bad_Name'. Must be a match of regex"),
        ({"autoCreateSubnetworks": True}, "Required field 'resource.name' not specified"),
    ],
)
def test_wrong_types_are_rejected(api, body, message):
    error = error_of(api("POST", f"{COMPUTE}/global/networks", body), 400, "INVALID_ARGUMENT")
    assert error["message"].startswith(message)


def test_lenient_where_google_is_lenient(api):
    # int32 and int64 may be JSON strings; output-only fields are accepted and ignored.
    body = {
        "name": "net-1",
        "mtu": "1460",
        "id": "123",
        "selfLink": "https://example.invalid/x",
        "creationTimestamp": "1970-01-01T00:00:00Z",
        "kind": "compute#network",
    }
    ok(api("POST", f"{COMPUTE}/global/networks", body))
    network = ok(api("GET", f"{COMPUTE}/global/networks/net-1"))
    assert network["id"] != "123" and network["selfLink"].endswith("/global/networks/net-1")
    assert network["creationTimestamp"] != "1970-01-01T00:00:00Z"
    ok(api("POST", f"{STORAGE}/b?project=p1", {"name": "bkt", "retentionPolicy": {"retentionPeriod": "86400"}}))
    error = error_of(
        api("POST", f"{STORAGE}/b?project=p1", {"name": "bkt2", "retentionPolicy": {"retentionPeriod": "a day"}}),
        400,
        "INVALID_ARGUMENT",
    )
    assert error["message"] == "Invalid value at 'retention_policy.retention_period' (TYPE_INT64), \"a day\""


def test_invalid_path_parameter_and_missing_required_query(api):
    error = error_of(api("GET", f"{COMPUTE}/global/networks/Bad_Net"), 400, "INVALID_ARGUMENT")
    assert error["message"].startswith("Invalid value for field 'network': 'Bad_Net'")
    error = error_of(api("POST", f"{STORAGE}/b", {"name": "bkt"}), 400, "INVALID_ARGUMENT")
    assert error["message"] == "Required parameter: project"
    error_of(
        api("POST", f"{COMPUTE}/global/networks", data="{not json", headers={"Content-Type": "application/json"}),
        400,
        "INVALID_ARGUMENT",
    )


# -- pubsub, secret manager, storage ------------------------------------------------------
def test_pubsub_topic_crud_and_conflict(api):
    topic = ok(api("PUT", f"{PUBSUB}/topics/orders", {"labels": {"env": "dev"}}))
    assert topic["name"] == "projects/p1/topics/orders"
    error = error_of(api("PUT", f"{PUBSUB}/topics/orders", {}), 409, "ALREADY_EXISTS")
    assert error["errors"][0]["reason"] == "alreadyExists"
    assert ok(api("GET", f"{PUBSUB}/topics/orders"))["labels"] == {"env": "dev"}

    patched = ok(
        api(
            "PATCH",
            f"{PUBSUB}/topics/orders",
            {"topic": {"labels": {"env": "prod"}, "messageRetentionDuration": "600s"}, "updateMask": "labels"},
        )
    )
    assert patched["labels"] == {"env": "prod"} and "messageRetentionDuration" not in patched

    sub = ok(
        api(
            "PUT",
            f"{PUBSUB}/subscriptions/orders-worker",
            {"topic": "projects/p1/topics/orders", "ackDeadlineSeconds": 30},
        )
    )
    assert sub["name"] == "projects/p1/subscriptions/orders-worker"
    assert ok(api("DELETE", f"{PUBSUB}/topics/orders")) == {}
    error_of(api("GET", f"{PUBSUB}/topics/orders"), 404, "NOT_FOUND")
    error_of(api("DELETE", f"{PUBSUB}/topics/orders"), 404, "NOT_FOUND")


def test_secret_manager_secret_crud(api):
    secret = ok(
        api(
            "POST",
            f"{SECRETS}/secrets?secretId=db-password",
            {"replication": {"automatic": {}}, "labels": {"env": "dev"}, "name": "ignored"},
        )
    )
    assert secret["name"] == "projects/p1/secrets/db-password"  # name is output only
    assert secret["createTime"] and secret["etag"]
    error_of(
        api("POST", f"{SECRETS}/secrets?secretId=db-password", {"replication": {"automatic": {}}}),
        409,
        "ALREADY_EXISTS",
    )

    listed = ok(api("GET", f"{SECRETS}/secrets"))
    assert [s["name"] for s in listed["secrets"]] == ["projects/p1/secrets/db-password"]
    patched = ok(api("PATCH", f"{SECRETS}/secrets/db-password?updateMask=labels", {"labels": {"env": "prod"}}))
    assert patched["labels"] == {"env": "prod"} and patched["etag"] != secret["etag"]
    assert patched["createTime"] == secret["createTime"]
    error_of(
        api("PATCH", f"{SECRETS}/secrets/db-password?updateMask=labels", {"labels": {}, "etag": secret["etag"]}),
        409,
        "ABORTED",
    )

    assert ok(api("DELETE", f"{SECRETS}/secrets/db-password")) == {}
    error_of(api("GET", f"{SECRETS}/secrets/db-password"), 404, "NOT_FOUND")


def test_storage_bucket_crud_on_both_hosts(api):
    # Cloud Storage ignores unknown fields (apis.yml unknown_fields: ignore); google.cloud sends "project".
    body = {"name": "assets", "location": "US", "labels": {"env": "dev"}, "project": "p1"}
    bucket = ok(api("POST", f"{STORAGE}/b?project=p1", body))
    assert "project" not in bucket
    assert bucket["kind"] == "storage#bucket" and bucket["id"] == "assets"
    assert bucket["selfLink"] == "https://www.googleapis.com/storage/v1/b/assets"
    assert bucket["metageneration"] == "1"
    assert ok(api("GET", "https://www.googleapis.com/storage/v1/b/assets"))["location"] == "US"
    error_of(api("POST", f"{STORAGE}/b?project=p1", {"name": "assets"}), 409, "ALREADY_EXISTS")

    patched = ok(api("PATCH", f"{STORAGE}/b/assets", {"labels": {"env": "prod"}, "versioning": {"enabled": True}}))
    assert patched["labels"] == {"env": "prod"} and patched["versioning"] == {"enabled": True}
    assert patched["metageneration"] == "2" and patched["timeCreated"] == bucket["timeCreated"]
    # The storage document marks Bucket.acl required for buckets.update: enforced as written.
    error = error_of(api("PUT", f"{STORAGE}/b/assets", {"name": "assets", "location": "US"}), 400, "INVALID_ARGUMENT")
    assert error["message"] == "Required field 'acl' not specified"
    replaced = ok(api("PUT", f"{STORAGE}/b/assets", {"name": "assets", "location": "US", "acl": []}))
    assert "labels" not in replaced and replaced["id"] == "assets" and replaced["metageneration"] == "3"
    assert replaced["timeCreated"] == bucket["timeCreated"]

    listed = ok(api("GET", f"{STORAGE}/b?project=p1"))
    assert listed["kind"] == "storage#buckets" and [b["name"] for b in listed["items"]] == ["assets"]
    code, body, _ = api("DELETE", f"{STORAGE}/b/assets")
    assert code == 204 and body is None
    error_of(api("GET", f"{STORAGE}/b/assets"), 404, "NOT_FOUND")


def test_storage_object_upload_download_and_bucket_not_empty(api):
    ok(api("POST", f"{STORAGE}/b?project=p1", {"name": "assets"}))
    upload = "https://storage.googleapis.com/upload/storage/v1/b/assets/o"
    simple = ok(
        api(
            "POST",
            f"{upload}?uploadType=media&name=site/index.html",
            data=b"<h1>shop</h1>",
            headers={"Content-Type": "text/html"},
        )
    )
    assert simple["name"] == "site/index.html" and simple["size"] == "13" and simple["contentType"] == "text/html"
    assert simple["bucket"] == "assets" and simple["md5Hash"]

    boundary = "sandbox-boundary"
    multipart = (
        f"--{boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n"
        + json.dumps({"name": "fn/source.zip", "metadata": {"layer": "serverless"}})
        + f"\r\n--{boundary}\r\nContent-Type: application/zip\r\n\r\nPK-zip-bytes\r\n--{boundary}--\r\n"
    ).encode()
    obj = ok(
        api(
            "POST",
            f"{upload}?uploadType=multipart",
            data=multipart,
            headers={"Content-Type": f"multipart/related; boundary={boundary}"},
        )
    )
    assert obj["name"] == "fn/source.zip" and obj["contentType"] == "application/zip"
    assert obj["metadata"] == {"layer": "serverless"} and obj["size"] == "12"

    meta = ok(api("GET", f"{STORAGE}/b/assets/o/site%2Findex.html"))
    assert meta["selfLink"] == "https://www.googleapis.com/storage/v1/b/assets/o/site%2Findex.html"
    assert ok(api("GET", meta["selfLink"]))["name"] == "site/index.html"
    code, content, headers = api("GET", f"{STORAGE}/b/assets/o/site%2Findex.html?alt=media")
    assert code == 200 and content == b"<h1>shop</h1>" and headers["Content-Type"] == "text/html"
    listed = ok(api("GET", f"{STORAGE}/b/assets/o"))
    assert [o["name"] for o in listed["items"]] == ["fn/source.zip", "site/index.html"]

    error_of(api("DELETE", f"{STORAGE}/b/assets"), 409, "FAILED_PRECONDITION")
    for name in ("fn%2Fsource.zip", "site%2Findex.html"):
        assert api("DELETE", f"{STORAGE}/b/assets/o/{name}")[0] == 204
    assert api("DELETE", f"{STORAGE}/b/assets")[0] == 204
    error_of(api("POST", f"{upload}?uploadType=media&name=x", data=b"x"), 404, "NOT_FOUND")


def test_missing_parent_is_404(api):
    error_of(api("POST", f"{SQL}/instances/nope/databases", {"name": "shop"}), 404, "NOT_FOUND")
    error_of(
        api("POST", f"{CONTAINER}/locations/us-central1/clusters/nope/nodePools", {"nodePool": {"name": "np"}}),
        404,
        "NOT_FOUND",
    )
    error_of(
        api(
            "POST",
            "https://cloudkms.googleapis.com/v1/projects/p1/locations/global/keyRings/nope/cryptoKeys" "?cryptoKeyId=k",
            {"purpose": "ENCRYPT_DECRYPT"},
        ),
        404,
        "NOT_FOUND",
    )


# -- pagination ------------------------------------------------------------------------------
def test_pagination_over_several_pages(api):
    names = [f"topic-{i}" for i in range(7)]
    for name in names:
        ok(api("PUT", f"{PUBSUB}/topics/{name}", {}))
    seen, token, pages = [], None, 0
    while True:
        url = f"{PUBSUB}/topics?pageSize=3" + (f"&pageToken={token}" if token else "")
        page = ok(api("GET", url))
        pages += 1
        seen += [t["name"].rsplit("/", 1)[1] for t in page["topics"]]
        token = page.get("nextPageToken")
        if not token:
            break
    assert pages == 3 and seen == names

    for i in range(5):
        ok(api("POST", f"{COMPUTE}/global/networks", {"name": f"net-{i}"}))
    first = ok(api("GET", f"{COMPUTE}/global/networks?maxResults=2"))
    second = ok(api("GET", f"{COMPUTE}/global/networks?maxResults=2&pageToken={first['nextPageToken']}"))
    third = ok(api("GET", f"{COMPUTE}/global/networks?maxResults=2&pageToken={second['nextPageToken']}"))
    assert [n["name"] for p in (first, second, third) for n in p["items"]] == [f"net-{i}" for i in range(5)]
    assert "nextPageToken" not in third
    error_of(api("GET", f"{COMPUTE}/global/networks?pageToken=garbage!"), 400, "INVALID_ARGUMENT")


# -- operations of the other API families ---------------------------------------------------
def test_container_operation_shape(api):
    op = ok(
        api(
            "POST",
            f"{CONTAINER}/locations/us-central1/clusters",
            {"cluster": {"name": "gke-1", "initialNodeCount": 1, "resourceLabels": {"env": "dev"}}},
        )
    )
    assert op["status"] == "DONE" and op["operationType"] == "CREATE_CLUSTER"
    assert op["name"].startswith("operation-") and "/" not in op["name"]
    assert op["targetLink"] == f"{CONTAINER}/locations/us-central1/clusters/gke-1"
    assert op["selfLink"] == f"{CONTAINER}/locations/us-central1/operations/{op['name']}"
    assert ok(api("GET", f"{CONTAINER}/locations/us-central1/operations/{op['name']}"))["status"] == "DONE"
    assert ok(api("GET", f"{CONTAINER}/zones/us-central1/operations/{op['name']}"))["name"] == op["name"]

    cluster = ok(api("GET", op["targetLink"]))
    assert cluster["name"] == "gke-1" and cluster["status"] == "RUNNING" and cluster["selfLink"] == op["targetLink"]
    assert ok(api("GET", f"{CONTAINER}/zones/us-central1/clusters/gke-1"))["name"] == "gke-1"

    # Without nodePools in the request GKE adds "default-pool" (google.cloud's module deletes it).
    assert [p["name"] for p in cluster["nodePools"]] == ["default-pool"]
    assert cluster["nodePools"][0]["status"] == "RUNNING"
    delete = ok(api("DELETE", f"{CONTAINER}/locations/us-central1/clusters/gke-1/nodePools/default-pool"))
    assert delete["operationType"] == "DELETE_NODE_POOL"
    error_of(api("GET", delete["targetLink"]), 404, "NOT_FOUND")
    pool_op = ok(
        api(
            "POST",
            f"{CONTAINER}/locations/us-central1/clusters/gke-1/nodePools",
            {"nodePool": {"name": "apps", "initialNodeCount": 1, "config": {"machineType": "e2-standard-4"}}},
        )
    )
    assert pool_op["operationType"] == "CREATE_NODE_POOL"
    pools = ok(api("GET", f"{CONTAINER}/locations/us-central1/clusters/gke-1"))["nodePools"]
    assert [(p["name"], p["config"]["machineType"]) for p in pools] == [("apps", "e2-standard-4")]
    # UpdateClusterRequest carries ClusterUpdate, not a Cluster: generic CRUD cannot apply it.
    error_of(
        api("PUT", f"{CONTAINER}/locations/us-central1/clusters/gke-1", {"update": {"desiredNodeVersion": "latest"}}),
        501,
        "UNIMPLEMENTED",
    )


def test_sqladmin_operation_shape(api):
    op = ok(
        api(
            "POST",
            f"{SQL}/instances",
            {"name": "shop-db", "databaseVersion": "POSTGRES_15", "settings": {"tier": "db-custom-1-3840"}},
        )
    )
    assert op["kind"] == "sql#operation" and op["status"] == "DONE" and op["operationType"] == "CREATE"
    assert op["targetLink"] == f"{SQL}/instances/shop-db" and op["targetId"] == "shop-db"
    assert op["selfLink"] == f"{SQL}/operations/{op['name']}"
    assert ok(api("GET", f"{SQL}/operations/{op['name']}"))["status"] == "DONE"
    instance = ok(api("GET", op["targetLink"]))
    assert instance["kind"] == "sql#instance" and instance["state"] == "RUNNABLE"

    db_op = ok(api("POST", f"{SQL}/instances/shop-db/databases", {"name": "orders"}))
    assert db_op["operationType"] == "CREATE_DATABASE" and db_op["targetId"] == "shop-db"
    assert ok(api("GET", db_op["targetLink"]))["name"] == "orders"
    user_op = ok(api("POST", f"{SQL}/instances/shop-db/users", {"name": "app", "password": "x"}))
    assert user_op["operationType"] == "CREATE_USER"
    ok(api("PUT", f"{SQL}/instances/shop-db/users?name=app", {"name": "app", "password": "y"}))
    assert ok(api("DELETE", f"{SQL}/instances/shop-db/users?name=app"))["operationType"] == "DELETE_USER"
    # sqladmin v1 shares the store with v1beta4
    assert ok(api("GET", "https://sqladmin.googleapis.com/v1/projects/p1/instances/shop-db"))["name"] == "shop-db"


def test_longrunning_operation_shape(api):
    op = ok(api("POST", f"{FUNCTIONS}/functions?functionId=resize", {"buildConfig": {"runtime": "python311"}}))
    assert op["done"] is True
    assert op["name"].startswith("projects/p1/locations/us-central1/operations/")
    assert op["response"]["name"] == "projects/p1/locations/us-central1/functions/resize"
    polled = ok(api("GET", f"https://cloudfunctions.googleapis.com/v2/{op['name']}"))
    assert polled["done"] is True and polled["response"]["name"] == op["response"]["name"]

    deleted = ok(api("DELETE", f"{FUNCTIONS}/functions/resize"))
    assert deleted["done"] is True and deleted["response"]["@type"].endswith("google.protobuf.Empty")

    project_op = ok(
        api(
            "POST",
            "https://cloudresourcemanager.googleapis.com/v3/projects",
            {"projectId": "shop-dev", "parent": "folders/1"},
        )
    )
    assert project_op["name"].startswith("operations/") and project_op["response"]["projectId"] == "shop-dev"
    assert ok(api("GET", f"https://cloudresourcemanager.googleapis.com/v3/{project_op['name']}"))["done"] is True
    project = ok(api("GET", "https://cloudresourcemanager.googleapis.com/v3/projects/shop-dev"))
    assert project["state"] == "ACTIVE" and project["name"] == "projects/shop-dev"


# -- IAM -------------------------------------------------------------------------------------
def test_iam_policy_round_trip_with_etag(api):
    ok(api("PUT", f"{PUBSUB}/topics/orders", {}))
    empty = ok(api("GET", f"{PUBSUB}/topics/orders:getIamPolicy"))
    assert "bindings" not in empty and empty["etag"]
    binding = {"role": "roles/pubsub.publisher", "members": ["serviceAccount:app@p1.iam.gserviceaccount.com"]}
    stored = ok(
        api("POST", f"{PUBSUB}/topics/orders:setIamPolicy", {"policy": {"bindings": [binding], "etag": empty["etag"]}})
    )
    assert stored["bindings"] == [binding] and stored["etag"] != empty["etag"]
    read = ok(api("GET", f"{PUBSUB}/topics/orders:getIamPolicy"))
    assert read == stored

    error_of(
        api("POST", f"{PUBSUB}/topics/orders:setIamPolicy", {"policy": {"bindings": [], "etag": empty["etag"]}}),
        409,
        "ABORTED",
    )
    error_of(api("GET", f"{PUBSUB}/topics/missing:getIamPolicy"), 404, "NOT_FOUND")
    allowed = ok(api("POST", f"{PUBSUB}/topics/orders:testIamPermissions", {"permissions": ["pubsub.topics.publish"]}))
    assert allowed == {"permissions": ["pubsub.topics.publish"]}


def test_iam_policy_on_compute_storage_and_projects(api):
    ok(api("POST", f"{COMPUTE}/global/networks", {"name": "net-1"}))
    ok(
        api(
            "POST",
            f"{COMPUTE}/regions/us-central1/subnetworks",
            {"name": "sub-1", "network": "global/networks/net-1", "ipCidrRange": "10.0.0.0/24"},
        )
    )
    binding = {"role": "roles/compute.networkUser", "members": ["group:dev@example.com"]}
    url = f"{COMPUTE}/regions/us-central1/subnetworks/sub-1"
    ok(api("POST", f"{url}/setIamPolicy", {"policy": {"bindings": [binding]}}))
    assert ok(api("GET", f"{url}/getIamPolicy"))["bindings"] == [binding]

    ok(api("POST", f"{STORAGE}/b?project=p1", {"name": "assets"}))
    policy = ok(api("GET", f"{STORAGE}/b/assets/iam"))
    assert policy["kind"] == "storage#policy" and policy["resourceId"] == "b/assets"
    viewer = {"role": "roles/storage.objectViewer", "members": ["allUsers"]}
    ok(api("PUT", f"{STORAGE}/b/assets/iam", {"bindings": [viewer], "etag": policy["etag"]}))
    assert ok(api("GET", f"{STORAGE}/b/assets/iam"))["bindings"] == [viewer]

    # Projects exist implicitly: their policy can be read and written without creating them.
    project_policy = ok(api("POST", "https://cloudresourcemanager.googleapis.com/v1/projects/p1:getIamPolicy", {}))
    owner = {"role": "roles/owner", "members": ["user:admin@example.com"]}
    ok(
        api(
            "POST",
            "https://cloudresourcemanager.googleapis.com/v1/projects/p1:setIamPolicy",
            {"policy": {"bindings": [owner], "etag": project_policy["etag"]}},
        )
    )
    assert ok(api("POST", "https://cloudresourcemanager.googleapis.com/v1/projects/p1:getIamPolicy", {}))[
        "bindings"
    ] == [owner]


def test_iam_service_account_named_by_email(api):
    account = ok(
        api(
            "POST",
            "https://iam.googleapis.com/v1/projects/p1/serviceAccounts",
            {"accountId": "deployer", "serviceAccount": {"displayName": "Deployer"}},
        )
    )
    email = "deployer@p1.iam.gserviceaccount.com"
    assert account["email"] == email and account["name"] == f"projects/p1/serviceAccounts/{email}"
    assert (
        ok(api("GET", f"https://iam.googleapis.com/v1/projects/p1/serviceAccounts/{email}"))["displayName"]
        == "Deployer"
    )
    error_of(
        api("POST", "https://iam.googleapis.com/v1/projects/p1/serviceAccounts", {"accountId": "deployer"}),
        409,
        "ALREADY_EXISTS",
    )


# -- routing ---------------------------------------------------------------------------------
def test_unknown_paths_and_direct_access(api):
    error_of(api("GET", f"{COMPUTE}/global/nothing-here/x"), 404, "NOT_FOUND")
    error_of(api("GET", "https://unknown.googleapis.com/v1/projects/p1/things"), 404, "NOT_FOUND")
    # Without a Google host, a path unique to one API is still routed ...
    ok(api("PUT", "http://127.0.0.1/v1/projects/p1/topics/direct", {}))
    assert ok(api("GET", f"{PUBSUB}/topics/direct"))["name"] == "projects/p1/topics/direct"
    # ... but an ambiguous one (many APIs have v1/operations/{name}) is not guessed.
    error_of(api("GET", "http://127.0.0.1/v1/operations/x"), 404, "NOT_FOUND")


# -- auth ------------------------------------------------------------------------------------
def test_requests_without_a_token_are_401(api):
    code, body, headers = api("GET", f"{COMPUTE}/global/networks", token=None)
    assert code == 401
    assert body["error"]["status"] == "UNAUTHENTICATED" and body["error"]["code"] == 401
    assert body["error"]["errors"][0]["reason"] == "required"
    assert headers["WWW-Authenticate"].startswith("Bearer")
    code, _, _ = api("GET", f"{COMPUTE}/global/networks", token=None, headers={"Authorization": "Basic abc"})
    assert code == 401


def _jwt(claims):
    def part(data):
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'typ': 'JWT'})}.{part(claims)}.c2lnbmF0dXJl"


def test_token_endpoint(api):
    form = {
        "grant_type": "urn:ietf:params:oauth:grant-type:jwt-bearer",
        "assertion": _jwt(
            {
                "iss": "sa@p1.iam.gserviceaccount.com",
                "scope": "https://www.googleapis.com/auth/cloud-platform",
                "aud": "https://oauth2.googleapis.com/token",
                "iat": 0,
                "exp": 3600,
            }
        ),
    }
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    code, token, _ = api("POST", "https://oauth2.googleapis.com/token", token=None, data=form, headers=headers)
    assert code == 200
    assert token["token_type"] == "Bearer" and token["expires_in"] == 3600 and token["access_token"]
    ok(api("GET", f"{COMPUTE}/global/networks", token=token["access_token"]))

    bad = dict(form, assertion="not-a-jwt")
    code, body, _ = api("POST", "https://oauth2.googleapis.com/token", token=None, data=bad, headers=headers)
    assert code == 400 and body["error"] == "invalid_grant"
    code, body, _ = api(
        "POST", "https://oauth2.googleapis.com/token", token=None, data={"grant_type": "password"}, headers=headers
    )
    assert code == 400 and body["error"] == "unsupported_grant_type"


def test_generated_service_account_key():
    key = generate_service_account_key("http://127.0.0.1:1/token", project_id="p1", account_id="ansible")
    assert key["type"] == "service_account" and key["token_uri"] == "http://127.0.0.1:1/token"
    assert key["client_email"] == "ansible@p1.iam.gserviceaccount.com"
    assert key["private_key"].startswith("-----BEGIN PRIVATE KEY-----")


def test_server_refuses_non_loopback(app):
    with pytest.raises(ValueError):
        create_server("0.0.0.0", 0, app)
    with pytest.raises(ValueError):
        create_server("192.0.2.1", 0, app)


# -- real clients against a real server -----------------------------------------------------
@pytest.fixture(scope="module")
def server(app):
    httpd = create_server("127.0.0.1", 0, app)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{httpd.server_port}"
    httpd.shutdown()
    httpd.server_close()


def _loopback_http(base):
    """An httplib2.Http that sends googleapis.com requests to the emulator, keeping the Host header."""
    import httplib2

    class LoopbackHttp(httplib2.Http):
        def request(self, uri, method="GET", body=None, headers=None, redirections=5, connection_type=None):
            parts = urlsplit(uri)
            headers = dict(headers or {})
            headers["host"] = parts.netloc
            local = base + parts.path + (f"?{parts.query}" if parts.query else "")
            return super().request(local, method, body, headers, redirections, connection_type)

    return LoopbackHttp()


def test_google_api_python_client_round_trip(server):
    import google.oauth2.credentials
    import google_auth_httplib2
    from googleapiclient.discovery import build
    from googleapiclient.errors import HttpError

    credentials = google.oauth2.credentials.Credentials("sandbox-token")
    http = google_auth_httplib2.AuthorizedHttp(credentials, http=_loopback_http(server))
    compute = build("compute", "v1", http=http, static_discovery=True, cache_discovery=False)
    op = compute.networks().insert(project="p1", body={"name": "vpc", "autoCreateSubnetworks": False}).execute()
    assert op["status"] == "DONE"
    assert compute.globalOperations().get(project="p1", operation=op["name"]).execute()["status"] == "DONE"
    assert compute.networks().get(project="p1", network="vpc").execute()["autoCreateSubnetworks"] is False
    with pytest.raises(HttpError) as raised:
        compute.networks().insert(project="p1", body={"name": "vpc"}).execute()
    assert raised.value.resp.status == 409
    with pytest.raises(HttpError) as raised:
        compute.networks().insert(project="p1", body={"name": "vpc2", "autoCreateSubnetwork": True}).execute()
    assert raised.value.resp.status == 400 and "autoCreateSubnetwork" in raised.value.reason

    # api_endpoint straight at the emulator: routed by path alone.
    pubsub = build(
        "pubsub",
        "v1",
        credentials=credentials,
        static_discovery=True,
        cache_discovery=False,
        client_options={"api_endpoint": server + "/"},
    )
    pubsub.projects().topics().create(name="projects/p1/topics/events", body={}).execute()
    listed = pubsub.projects().topics().list(project="projects/p1").execute()
    assert [t["name"] for t in listed["topics"]] == ["projects/p1/topics/events"]


def test_google_auth_service_account_key_and_authorized_session(server):
    from google.auth.transport.requests import AuthorizedSession
    from google.oauth2 import service_account

    key = generate_service_account_key(server + "/token", project_id="p1")
    credentials = service_account.Credentials.from_service_account_info(
        key, scopes=["https://www.googleapis.com/auth/cloud-platform"]
    )
    session = AuthorizedSession(credentials)
    response = session.post(
        server + "/storage/v1/b?project=p1", json={"name": "from-session"}, headers={"Host": "storage.googleapis.com"}
    )
    assert response.status_code == 200, response.text
    assert credentials.token.startswith("ya29.sandbox-")  # issued by the emulator's token endpoint
    response = session.get(server + "/storage/v1/b/from-session", headers={"Host": "www.googleapis.com"})
    assert response.status_code == 200 and response.json()["name"] == "from-session"


def test_server_script_entry_point():
    script = os.path.join(REPO_ROOT, "sandbox", "gcp", "server.py")
    process = subprocess.Popen(
        [sys.executable, script, "--port", "0", "--quiet"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
        cwd="/",
    )
    try:
        line = process.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), line
        base = line.split()[-1]
        import requests

        deadline = time.time() + 10
        while True:
            try:
                response = requests.get(
                    base + "/compute/v1/projects/p1/global/networks",
                    headers={"Host": "compute.googleapis.com", "Authorization": "Bearer t"},
                    timeout=5,
                )
                break
            except requests.ConnectionError:
                if time.time() > deadline:
                    raise
                time.sleep(0.1)
        assert response.status_code == 200 and response.json()["kind"] == "compute#networkList"
    finally:
        process.terminate()
        process.wait(timeout=10)
