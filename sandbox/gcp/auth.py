# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Authentication as the sandbox needs it: present, never verified.

google.cloud modules authenticate either with ``auth_kind: accesstoken`` (any bearer
token) or with a service-account key, whose JWT google-auth exchanges at the key's
``token_uri``.  The emulator therefore

* requires an ``Authorization: Bearer`` header on API calls (401 UNAUTHENTICATED
  without one, so a module that forgets its credentials fails here as it would on GCP),
  but accepts any token;
* serves the OAuth 2.0 token endpoint and issues a token for any well-formed
  JWT-bearer assertion **without verifying its signature or audience**: the sandbox
  has no secrets to protect, and checking would only tie it to keys it generated;
* generates service-account key files with a real RSA key, because google-auth signs
  the assertion with it before it ever talks to the token endpoint.
"""

from __future__ import annotations

import base64
import json
import os
import secrets
import time
from typing import Any, Mapping, Optional
from urllib.parse import parse_qs

from .errors import ApiError
from .handlers import Reply

TOKEN_PATHS = ("token", "oauth2/v4/token", "o/oauth2/token")
JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
TOKEN_LIFETIME = 3600

_UNAUTHENTICATED = (
    "Request is missing required authentication credential. Expected OAuth 2 access token, login cookie "
    "or other valid authentication credential. "
    "See https://developers.google.com/identity/sign-in/web/devconsole-project."
)


def require_bearer(headers: Mapping[str, str], query: Mapping[str, str]) -> str:
    """The caller's token; ApiError 401 as Google answers when there is none."""
    header = headers.get("Authorization") or headers.get("authorization") or ""
    scheme, _, token = header.partition(" ")
    if scheme.lower() == "bearer" and token.strip():
        return token.strip()
    if query.get("access_token"):
        return query["access_token"]
    raise ApiError(
        401,
        _UNAUTHENTICATED,
        reason="required",
        location="Authorization",
        location_type="header",
        headers={"WWW-Authenticate": 'Bearer realm="https://accounts.google.com/"'},
    )


def is_token_request(http_method: str, path: str) -> bool:
    return http_method == "POST" and path.strip("/") in TOKEN_PATHS


def _oauth_error(error: str, description: str) -> Reply:
    """OAuth 2.0 errors are not Google API errors: RFC 6749 section 5.2 shape."""
    return Reply({"error": error, "error_description": description}, 400)


def _jwt_claims(assertion: str) -> Optional[dict[str, Any]]:
    """The JWT's payload, decoded but deliberately not verified (see module docstring)."""
    parts = assertion.split(".")
    if len(parts) != 3:
        return None
    try:
        padded = parts[1] + "=" * (-len(parts[1]) % 4)
        claims = json.loads(base64.urlsafe_b64decode(padded))
    except (ValueError, json.JSONDecodeError):
        return None
    return claims if isinstance(claims, dict) else None


def _unsigned_jwt(claims: dict[str, Any]) -> str:
    """An ID token shaped like Google's; google-auth reads its expiry without verifying it."""

    def part(data: dict[str, Any]) -> str:
        return base64.urlsafe_b64encode(json.dumps(data).encode()).decode().rstrip("=")

    return f"{part({'alg': 'RS256', 'typ': 'JWT', 'kid': 'sandbox'})}.{part(claims)}.{part({'sig': 'sandbox'})}"


def token_reply(raw_body: bytes) -> Reply:
    """Answer POST /token for JWT-bearer (service accounts) and refresh-token grants."""
    form = {k: v[0] for k, v in parse_qs(raw_body.decode("utf-8", "replace")).items()}
    grant = form.get("grant_type")
    now = int(time.time())
    if grant == JWT_BEARER:
        claims = _jwt_claims(form.get("assertion", ""))
        if claims is None:
            return _oauth_error("invalid_grant", "Invalid JWT: the assertion is not a JWT.")
        if claims.get("target_audience"):  # google-auth's IDTokenCredentials
            id_claims = {
                "aud": claims["target_audience"],
                "iss": "https://accounts.google.com",
                "sub": claims.get("sub") or claims.get("iss", "sandbox"),
                "email": claims.get("iss", ""),
                "iat": now,
                "exp": now + TOKEN_LIFETIME,
            }
            return Reply({"id_token": _unsigned_jwt(id_claims)})
    elif grant != "refresh_token":
        return _oauth_error("unsupported_grant_type", f"Invalid grant_type: {grant}")
    return Reply(
        {
            "access_token": "ya29.sandbox-" + secrets.token_urlsafe(24),
            "expires_in": TOKEN_LIFETIME,
            "token_type": "Bearer",
        }
    )


def generate_service_account_key(
    token_uri: str,
    project_id: str = "sandbox-project",
    account_id: str = "sandbox",
) -> dict[str, Any]:
    """A service-account key file (JSON-ready dict) whose token_uri is ``token_uri``.

    The RSA key is real (2048 bits, via ``cryptography``) so google-auth can sign its
    assertion; the emulator never checks that signature.
    """
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import rsa

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    pem = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    email = f"{account_id}@{project_id}.iam.gserviceaccount.com"
    return {
        "type": "service_account",
        "project_id": project_id,
        "private_key_id": os.urandom(20).hex(),
        "private_key": pem,
        "client_email": email,
        "client_id": str(secrets.randbelow(10**21)).zfill(21),
        "auth_uri": "https://accounts.google.com/o/oauth2/auth",
        "token_uri": token_uri,
        "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
        "client_x509_cert_url": f"https://www.googleapis.com/robot/v1/metadata/x509/{email.replace('@', '%40')}",
        "universe_domain": "googleapis.com",
    }
