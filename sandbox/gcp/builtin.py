# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Handlers shipped with the engine, for methods every GCP layer relies on.

Each is a non-standard method (or a standard one whose resource id is not in the
request) that the generic implementation would answer with 501 or get wrong.
"""

from __future__ import annotations

import base64
import email.parser
import email.policy
import hashlib
import json
import secrets

from .errors import ApiError, not_found
from .handlers import DEFAULT_HANDLERS, Call, Reply
from .resources import fill_output_fields, random_tag
from .schema import strip_output_only


@DEFAULT_HANDLERS.register("compute.*.setLabels")
def compute_set_labels(call: Call) -> Reply:
    """Compute's label update: guarded by ``labelFingerprint`` and answered with an operation."""
    resource = call.load()
    body = call.body if isinstance(call.body, dict) else {}
    current = resource.get("labelFingerprint")
    if current and body.get("labelFingerprint") != current:
        raise ApiError(
            412, "Labels fingerprint either invalid or resource labels have changed", reason="conditionNotMet"
        )
    labels = body.get("labels") or {}
    if labels:
        resource["labels"] = labels
    else:
        resource.pop("labels", None)
    resource["labelFingerprint"] = random_tag()
    return call.save_and_reply(resource, "setLabels")


@DEFAULT_HANDLERS.register("iam.projects.serviceAccounts.create")
def iam_create_service_account(call: Call) -> Reply:
    """Service accounts are named by e-mail, built from ``accountId`` and the project."""
    body = call.body if isinstance(call.body, dict) else {}
    account_id = body.get("accountId")
    if not account_id:
        raise ApiError(400, "Required field 'account_id' not specified", reason="required")
    project = call.params["name"].split("/", 1)[1]
    email = f"{account_id}@{project}.iam.gserviceaccount.com"
    account = strip_output_only(call.api, body.get("serviceAccount") or {}, {"$ref": "ServiceAccount"})
    account.update(
        name=f"projects/{project}/serviceAccounts/{email}",
        email=email,
        projectId=project,
        uniqueId=str(secrets.randbelow(10**21)).zfill(21),
        oauth2ClientId=str(secrets.randbelow(10**21)).zfill(21),
    )
    collection = f"projects/{project}/serviceAccounts"
    return call.emulator.generic.insert(call, "ServiceAccount", collection, email, account)


# -- Cloud Storage objects: media upload and download ---------------------------------------
def _multipart_related(content_type: str, data: bytes) -> tuple[dict, bytes, str]:
    """(metadata, media, media content type) of an ``uploadType=multipart`` body."""
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        b"Content-Type: " + content_type.encode() + b"\r\n\r\n" + data
    )
    parts = list(message.iter_parts()) if message.is_multipart() else []
    if len(parts) != 2:
        raise ApiError(
            400, "Invalid multipart request with 0 mime parts." if not parts else "Invalid multipart request."
        )
    try:
        metadata = json.loads(parts[0].get_payload(decode=True) or b"{}")
    except ValueError:
        raise ApiError(400, "Invalid JSON payload received in the metadata part.") from None
    return metadata, parts[1].get_payload(decode=True) or b"", parts[1].get_content_type()


@DEFAULT_HANDLERS.register("storage.objects.insert")
def storage_insert_object(call: Call) -> Reply:
    """Create or overwrite an object (a new generation), from JSON metadata, media or multipart."""
    content_type = call.headers.get("Content-Type", "application/octet-stream")
    data = b""
    if call.media:
        upload = call.query.get("uploadType", "media")
        if upload == "media":
            metadata: dict = {}
        elif upload == "multipart":
            metadata, data, content_type = _multipart_related(content_type, call.raw_body)
            call.emulator.validators[call.api.key].validate(call.method, metadata)
        else:
            raise ApiError(501, f"uploadType={upload} is not implemented by the GCP sandbox emulator.")
        if upload == "media":
            data = call.raw_body
    else:
        metadata = call.body if isinstance(call.body, dict) else {}
    name = call.query.get("name") or metadata.get("name")
    if not name:
        raise ApiError(400, "Required parameter: name", reason="required", location="name")
    bucket = call.params["bucket"]
    collection = f"b/{bucket}/o"
    if not call.emulator.store.exists(call.namespace, "b", bucket):
        raise not_found(f"b/{bucket}")
    resource = strip_output_only(call.api, metadata, {"$ref": "Object"})
    resource.update(
        name=name, bucket=bucket, size=str(len(data)), md5Hash=base64.b64encode(hashlib.md5(data).digest()).decode()
    )  # noqa: S324 (checksum, not security)
    resource.setdefault("contentType", content_type if call.media else "application/octet-stream")
    call.emulator.store.delete(call.namespace, collection, name)  # a re-upload is a new generation
    fill_output_fields(call, "Object", resource, collection, name)
    call.emulator.store.put(call.namespace, collection, name, resource)
    call.emulator.store.set_media(call.namespace, f"{collection}/{name}", data)
    return Reply(resource)


@DEFAULT_HANDLERS.register("storage.objects.get")
def storage_get_object(call: Call) -> Reply:
    """Metadata by default; the content with ``alt=media``."""
    resource = call.load()
    if call.query.get("alt") != "media":
        return Reply(resource)
    collection, ident = call.target()
    data = call.emulator.store.get_media(call.namespace, f"{collection}/{ident}") or b""
    return Reply(data, content_type=resource.get("contentType", "application/octet-stream"))


@DEFAULT_HANDLERS.register("storage.buckets.delete")
def storage_delete_bucket(call: Call) -> Reply:
    """Cloud Storage refuses to delete a bucket that still holds objects."""
    bucket = call.params["bucket"]
    if call.emulator.store.list(call.namespace, f"b/{bucket}/o"):
        raise ApiError(409, "The bucket you tried to delete is not empty.", "FAILED_PRECONDITION", "conflict")
    return call.emulator.generic.delete(call)


# -- GKE: the default node pool ---------------------------------------------------------------
@DEFAULT_HANDLERS.register("container.projects.*.clusters.create")
def container_create_cluster(call: Call) -> Reply:
    """Create the cluster and its node pools; without ``nodePools`` GKE adds ``default-pool``.

    google.cloud's gcp_container_cluster deletes that default pool after creating the
    cluster, so it has to exist.  Pools are stored as the cluster's children (where the
    nodePools methods find them) and listed into the cluster on every GET.
    """
    reply = call.emulator.generic.create(call)
    body = call.body.get("cluster") if isinstance(call.body, dict) else None
    body = body if isinstance(body, dict) else {}
    collection = call.path()
    cluster_id = body.get("name", "")
    stored = call.load(collection, cluster_id)
    stored.pop("nodePools", None)
    call.save(stored, collection, cluster_id)
    pools = body.get("nodePools") or [
        {
            "name": "default-pool",
            "initialNodeCount": body.get("initialNodeCount", 3),
            "config": body.get("nodeConfig") or {},
        }
    ]
    for pool in pools:
        pool = strip_output_only(call.api, pool, {"$ref": "NodePool"})
        pool_collection = f"{collection}/{cluster_id}/nodePools"
        fill_output_fields(call, "NodePool", pool, pool_collection, pool.get("name", "default-pool"))
        call.emulator.store.put(call.namespace, pool_collection, pool["name"], pool)
    return reply


@DEFAULT_HANDLERS.register("container.projects.*.clusters.get")
def container_get_cluster(call: Call) -> Reply:
    """A cluster as GKE shows it: with its current node pools."""
    collection, ident = call.target()
    cluster = call.load(collection, ident)
    pools = [pool for _, pool in call.emulator.store.list(call.namespace, f"{collection}/{ident}/nodePools")]
    if pools:
        cluster["nodePools"] = pools
    return Reply(cluster)
