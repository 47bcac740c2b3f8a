# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Find the Discovery method a request is for, from its Host header, verb and path.

Google serves each API on its own host (compute.googleapis.com, pubsub.googleapis.com,
...), and a few on www.googleapis.com too, so the host picks the candidate APIs and the
path picks the method.  Templates are tried most specific first (most literal
characters of the flatPath, where ``{+name}`` is spelled out segment by segment), which
is how ``v1/{+resource}:getIamPolicy`` wins over ``v1/{+name}``.

A request whose Host is no Google API host (a client pointed straight at the emulator,
``client_options={"api_endpoint": "http://127.0.0.1:PORT/"}``) is routed by path alone,
and only when exactly one loaded API has a matching method: paths such as
``v1/operations/x`` exist in many APIs and must not be guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Iterable, Optional

from .discovery import Api, Method
from .templates import Template

# Percent-escapes decoded before matching: everything except "/" and "%" themselves, so
# a variable holding an encoded "/" (a storage object name) stays one segment.
_ESCAPE = re.compile(r"%(?!2[fF]|25)([0-9A-Fa-f]{2})")


@dataclass
class Match:
    """A routed request: the method and its decoded path parameters."""

    method: Method
    params: dict[str, str]
    media: bool = False


def normalize_path(raw_path: str) -> str:
    """Request path without leading slash or query, safe escapes decoded."""
    path = raw_path.split("?", 1)[0].lstrip("/")
    return _ESCAPE.sub(lambda m: chr(int(m.group(1), 16)), path)


class Router:
    """Index of every loaded method by host and HTTP verb."""

    def __init__(self, apis: Iterable[Api]) -> None:
        self.apis = list(apis)
        self._by_host: dict[str, list[Api]] = {}
        self._routes: dict[tuple[str, str], list[tuple[Template, Method, bool, tuple[int, int]]]] = {}
        for api in self.apis:
            for host in api.hosts:
                self._by_host.setdefault(host, []).append(api)
            for method in api.methods.values():
                bucket = self._routes.setdefault((api.key, method.http_method), [])
                bucket.append((method.route, method, False, method.specificity))
                if method.media_route is not None:
                    media = method.media_route
                    bucket.append((media, method, True, (media.literal_length, -len(media.variables))))
        for bucket in self._routes.values():
            bucket.sort(key=lambda r: r[3], reverse=True)

    def is_api_host(self, host: str) -> bool:
        return host in self._by_host

    def match(self, host: str, http_method: str, raw_path: str) -> Optional[Match]:
        """The method serving this request, or None (answered 404 like Google's front end)."""
        path = normalize_path(raw_path)
        apis = self._by_host.get(host)
        if apis is not None:
            for api in apis:
                found = self._match_api(api, http_method, path)
                if found:
                    return found
            return None
        hits = [m for m in (self._match_api(api, http_method, path) for api in self.apis) if m]
        if len({hit.method.api.namespace for hit in hits}) == 1:
            return hits[0]
        return None

    def _match_api(self, api: Api, http_method: str, path: str) -> Optional[Match]:
        for template, method, media, _ in self._routes.get((api.key, http_method), ()):
            params = template.match(path)
            if params is not None:
                return Match(method, params, media)
        return None
