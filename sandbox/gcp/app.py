# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""The emulator as a WSGI application: routing, auth, validation, then a handler.

Request pipeline, in the order Google's front end applies it:

1. ``POST /token`` (any host) is the OAuth endpoint (:mod:`sandbox.gcp.auth`).
2. Host + verb + path select a Discovery method (:mod:`sandbox.gcp.routing`); none -> 404.
3. A bearer token must be present (401 otherwise).
4. Path parameters, required query parameters and the JSON body are validated
   against the document (:mod:`sandbox.gcp.schema`); violations -> 400.
5. A registered handler for the method id runs (:mod:`sandbox.gcp.handlers`), else the
   generic standard-method implementation (:mod:`sandbox.gcp.resources`), else 501.
"""

from __future__ import annotations

import json
import logging
import time
from datetime import datetime, timezone
from typing import Any, Iterable, Optional
from urllib.parse import quote

from werkzeug.datastructures import MultiDict
from werkzeug.wrappers import Request, Response

from . import auth, builtin  # noqa: F401  (builtin registers the default handlers)
from . import network_handlers  # noqa: F401  (registers the networking verbs)
from .config import ApiConfig, load_config
from .discovery import Api, load_api
from .errors import ApiError
from .handlers import DEFAULT_HANDLERS, Call, HandlerRegistry, Reply
from .operations import Operations
from .resources import GenericMethods, NotGeneric
from .routing import Match, Router
from .schema import Validator
from .store import Store

LOG = logging.getLogger("sandbox.gcp")


class Emulator:
    """A WSGI application serving every API listed in the configuration."""

    def __init__(
        self,
        apis: Optional[Iterable[ApiConfig]] = None,
        config_path: Optional[str] = None,
        handlers: Optional[HandlerRegistry] = None,
    ) -> None:
        configs = list(apis) if apis is not None else load_config(config_path)
        self.apis: dict[str, Api] = {c.key: load_api(c) for c in configs}
        self.router = Router(self.apis.values())
        self.validators = {key: Validator(api) for key, api in self.apis.items()}
        self.store = Store()
        self.operations = Operations(self.now)
        self.handlers = (handlers or DEFAULT_HANDLERS).copy()
        self.generic = GenericMethods()

    # -- clock -------------------------------------------------------------------------
    @staticmethod
    def now() -> str:
        """RFC 3339 UTC timestamp with milliseconds, as Google's APIs write them."""
        return datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

    @staticmethod
    def clock_micros() -> int:
        return int(time.time() * 1_000_000)

    def reset(self) -> None:
        """Forget every resource (tests, or a sandbox rebuilt from scratch)."""
        self.store.clear()

    # -- WSGI ------------------------------------------------------------------------
    def __call__(self, environ: dict[str, Any], start_response: Any) -> Iterable[bytes]:
        request = Request(environ)
        try:
            reply = self.handle(request)
        except ApiError as error:
            reply = Reply(error.body(), error.code, dict(error.headers))
        except Exception:  # a bug here must reach the client as Google's 500, and the log
            LOG.exception("unhandled error for %s %s", request.method, request.url)
            reply = Reply(ApiError(500, "Internal error in the GCP sandbox emulator.").body(), 500)
        return self._response(reply)(environ, start_response)

    @staticmethod
    def _response(reply: Reply) -> Response:
        if reply.body is None:
            body = b""
        elif isinstance(reply.body, (bytes, bytearray)):
            body = bytes(reply.body)
        else:
            body = json.dumps(reply.body, indent=2).encode()
        response = Response(body, status=reply.status, headers=reply.headers)
        if body or reply.status != 204:
            response.headers["Content-Type"] = reply.content_type
        return response

    def handle(self, request: Request) -> Reply:
        host = (request.headers.get("Host") or "").rsplit(":", 1)[0].strip("[]").lower()
        http_method = (request.headers.get("X-HTTP-Method-Override") or request.method).upper()
        raw_path = request.environ.get("REQUEST_URI") or request.environ.get("RAW_URI") or quote(request.path)
        raw_body = request.get_data(cache=True)
        path_only = raw_path.split("?", 1)[0]
        if auth.is_token_request(http_method, path_only):
            return auth.token_reply(raw_body)
        match = self.router.match(host, http_method, raw_path)
        if match is None:
            raise ApiError(404, f"The requested URL {path_only} was not found on this server.")
        auth.require_bearer(request.headers, request.args)
        call = self._call(request, match, raw_body)
        self._validate(call)
        with self.store.lock:
            return self.dispatch(call)

    def dispatch(self, call: Call) -> Reply:
        """Run the method's registered handler, or the generic standard method, or answer 501."""
        handler = self.handlers.find(call.method.id)
        if handler is not None:
            result = handler(call)
            return result if isinstance(result, Reply) else Reply(result)
        try:
            return self.generic.dispatch(call)
        except NotGeneric:
            raise ApiError(
                501,
                f"Method {call.method.id} is not implemented by the GCP sandbox emulator "
                "(register a handler for it: see sandbox/gcp/handlers.py).",
            ) from None

    # -- request parsing and validation ------------------------------------------------
    def _call(self, request: Request, match: Match, raw_body: bytes) -> Call:
        body: Any = None
        is_json = not request.mimetype or request.mimetype in ("application/json", "text/json")
        if raw_body.strip() and is_json and not match.media:
            try:
                body = json.loads(raw_body)
            except ValueError as error:
                raise ApiError(400, f"Invalid JSON payload received. {error}.", field="") from None
        return Call(
            emulator=self,
            api=match.method.api,
            method=match.method,
            params=match.params,
            query=MultiDict(request.args),
            body=body,
            raw_body=raw_body,
            headers=dict(request.headers),
            media=match.media,
        )

    def _validate(self, call: Call) -> None:
        validator = self.validators[call.api.key]
        validator.validate_parameters(call.method, call.params, call.query)
        if call.body is not None and not call.media:
            validator.validate(call.method, call.body)


def create_app(config_path: Optional[str] = None, **kwargs: Any) -> Emulator:
    """The WSGI application for ``config_path`` (default: the packaged apis.yml)."""
    return Emulator(config_path=config_path, **kwargs)
