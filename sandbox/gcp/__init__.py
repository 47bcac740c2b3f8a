# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Local emulator of Google Cloud REST APIs, driven by Google's Discovery documents.

The sandbox's GCP stand-in: one engine serves every API listed in ``apis.yml`` by reading
its Discovery document (shipped with google-api-python-client) for routes, request
schemas and response types.  Public entry points:

* :func:`create_app` / :class:`Emulator` - the WSGI application;
* :func:`serve` / :func:`create_server` - plain HTTP on a loopback address;
* :func:`generate_service_account_key` - a key file whose token_uri is the emulator;
* :data:`DEFAULT_HANDLERS` / :class:`Call` / :class:`Reply` - the hook for per-method
  behaviour (custom verbs) the generic standard methods do not cover.
"""

from .app import Emulator, create_app
from .auth import generate_service_account_key
from .errors import ApiError
from .handlers import DEFAULT_HANDLERS, Call, HandlerRegistry, Reply
from .server import create_server, serve

__all__ = [
    "ApiError",
    "Call",
    "DEFAULT_HANDLERS",
    "Emulator",
    "HandlerRegistry",
    "Reply",
    "create_app",
    "create_server",
    "generate_service_account_key",
    "serve",
]
