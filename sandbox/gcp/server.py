#!/usr/bin/env python3
# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later
"""Serve the GCP emulator over plain HTTP on a loopback address.

The emulator accepts any token and holds whatever it is sent, so it must never be
reachable from another machine: non-loopback addresses are refused.  TLS for the real
``*.googleapis.com`` names is the HTTPS proxy's job, not this server's.

Usage:  python -m sandbox.gcp [--host 127.0.0.1] [--port N] [--config apis.yml] [--quiet]
        python sandbox/gcp/server.py --port N
``--port 0`` (the default) picks a free port; the bound address is printed on stdout as
``listening on http://HOST:PORT`` so a supervisor can read it.
"""

from __future__ import annotations

import argparse
import ipaddress
import logging
import os
import signal
import sys
from typing import Any, Optional

if __package__ in (None, ""):  # run as a file: make "sandbox.gcp" importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))
    __package__ = "sandbox.gcp"  # noqa: A001

from werkzeug.serving import BaseWSGIServer, make_server

from sandbox.gcp.app import Emulator, create_app

DEFAULT_HOST = "127.0.0.1"


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def create_server(
    host: str = DEFAULT_HOST, port: int = 0, app: Optional[Emulator] = None, **kwargs: Any
) -> BaseWSGIServer:
    """A threaded WSGI server for the emulator (not yet serving); loopback only."""
    if not is_loopback(host):
        raise ValueError(f"refusing to serve the GCP emulator on non-loopback address {host!r}")
    return make_server(host, port, app or create_app(**kwargs), threaded=True)


def serve(host: str = DEFAULT_HOST, port: int = 0, config_path: Optional[str] = None, quiet: bool = False) -> None:
    """Serve until SIGINT/SIGTERM."""
    server = create_server(host, port, config_path=config_path)
    if quiet:
        logging.getLogger("werkzeug").setLevel(logging.WARNING)

    def stop(signum: int, frame: Any) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, stop)
    print(f"listening on http://{host}:{server.server_port}", flush=True)
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.server_close()


def main(argv: Optional[list[str]] = None) -> int:
    parser = argparse.ArgumentParser(description="Local emulator of Google Cloud REST APIs (loopback only).")
    parser.add_argument("--host", default=DEFAULT_HOST, help="loopback address to bind (default %(default)s)")
    parser.add_argument("--port", type=int, default=0, help="port (default: a free one)")
    parser.add_argument("--config", default=None, help="apis.yml to load (default: the packaged one)")
    parser.add_argument("--quiet", action="store_true", help="do not log each request")
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    try:
        serve(args.host, args.port, args.config, args.quiet)
    except ValueError as error:
        parser.error(str(error))
    return 0


if __name__ == "__main__":
    sys.exit(main())
