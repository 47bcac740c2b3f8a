#!/usr/bin/env python3
"""The sandbox's HTTPS forward proxy for Google Cloud, and its outbound guard.

Why it exists: the google.cloud modules (and the gcp_compute inventory) build every URL
from a literal ``https://<api>.googleapis.com/...`` and have no endpoint option.  They
send their requests through ``requests``, which honours ``HTTPS_PROXY`` and
``REQUESTS_CA_BUNDLE``.  So the sandbox points HTTPS_PROXY here, and this proxy:

* answers ``CONNECT <api>.googleapis.com:443`` itself, terminates TLS with a leaf
  certificate for that host signed by a sandbox CA, and forwards every HTTP request of
  the tunnel to the local GCP emulator over plain HTTP on loopback, keeping method,
  path, query, headers and the original Host header (the emulator routes on Host);
* refuses every other CONNECT target, every other port and all plain-HTTP proxying with
  403, without resolving or contacting the target: nothing reaches a real cloud.

``ensure_ca`` writes ``ca-bundle.pem`` (the system CAs plus the sandbox CA); point
REQUESTS_CA_BUNDLE and SSL_CERT_FILE at it (see ``client_env``).

Usage:  python sandbox/gcp_proxy.py --listen 127.0.0.1:PORT \\
            --upstream http://127.0.0.1:EMUPORT --state-dir DIR \\
            [--allow DOMAIN ...] [--log-file PATH]
"""

from __future__ import annotations

import argparse
import datetime
import fcntl
import http.client
import http.server
import ipaddress
import json
import os
import re
import signal
import socket
import socketserver
import ssl
import sys
import tempfile
import threading
import time
from dataclasses import dataclass
from typing import IO, Any, Iterable
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

DEFAULT_ALLOWED_DOMAINS = ("googleapis.com",)
CA_KEY_FILE = "ca-key.pem"
CA_CERT_FILE = "ca-cert.pem"
CA_BUNDLE_FILE = "ca-bundle.pem"
OS_CA_BUNDLE = "/etc/ssl/certs/ca-certificates.crt"
CA_NAME = "ecommerce.multicloud sandbox CA"

# Headers about one hop rather than the message (RFC 9110 7.6.1): never relayed.
HOP_BY_HOP = frozenset(
    (
        "connection",
        "keep-alive",
        "proxy-authenticate",
        "proxy-authorization",
        "proxy-connection",
        "te",
        "trailer",
        "transfer-encoding",
        "upgrade",
    )
)
_HOSTNAME = re.compile(r"^(?=.{1,253}$)[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?(\.[a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?)*$")
_PEM = serialization.Encoding.PEM


# --------------------------------------------------------------------------- the CA


@dataclass(frozen=True)
class SandboxCA:
    """Where the sandbox CA lives, and the loaded key and certificate that sign leaves."""

    key_path: str
    cert_path: str
    bundle_path: str
    key: Any
    cert: x509.Certificate


def system_ca_bundle() -> str | None:
    """The CA bundle that clients trust today: certifi's (what requests uses), else the OS's.

    It goes first in ``ca-bundle.pem`` so that pointing REQUESTS_CA_BUNDLE/SSL_CERT_FILE at
    the bundle changes nothing for hosts that are not served by the sandbox.
    """
    try:
        import certifi

        return certifi.where()
    except ImportError:
        return OS_CA_BUNDLE if os.path.exists(OS_CA_BUNDLE) else None


def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _write(path: str, data: bytes, mode: int) -> None:
    """Write atomically, so a reader never sees half a key or half a bundle."""
    tmp = f"{path}.tmp-{os.getpid()}"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, mode)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.replace(tmp, path)


def _new_ca() -> tuple[Any, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "ecommerce.multicloud sandbox"),
            x509.NameAttribute(NameOID.COMMON_NAME, CA_NAME),
        ]
    )
    ski = x509.SubjectKeyIdentifier.from_public_key(key.public_key())
    now = _now()
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(days=1))
        .not_valid_after(now + datetime.timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True,
                key_cert_sign=True,
                crl_sign=True,
                content_commitment=False,
                key_encipherment=False,
                data_encipherment=False,
                key_agreement=False,
                encipher_only=False,
                decipher_only=False,
            ),
            critical=True,
        )
        .add_extension(ski, critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ski), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def ensure_ca(state_dir: str) -> SandboxCA:
    """Create the sandbox CA under ``state_dir`` once (reused afterwards) and (re)write the bundle.

    The CA is kept across runs so that a bundle path handed to clients stays valid; the
    bundle is rewritten on every call so it follows updates of the system CAs.  A lock file
    keeps two processes starting at once from writing a key and a certificate that do not match.
    """
    os.makedirs(state_dir, mode=0o700, exist_ok=True)
    key_path, cert_path, bundle_path = (os.path.join(state_dir, n) for n in (CA_KEY_FILE, CA_CERT_FILE, CA_BUNDLE_FILE))
    with open(os.path.join(state_dir, ".ca.lock"), "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not (os.path.exists(key_path) and os.path.exists(cert_path)):
            key, cert = _new_ca()
            pkcs8 = serialization.PrivateFormat.PKCS8
            _write(key_path, key.private_bytes(_PEM, pkcs8, serialization.NoEncryption()), 0o600)
            _write(cert_path, cert.public_bytes(_PEM), 0o644)
        with open(key_path, "rb") as handle:
            key = serialization.load_pem_private_key(handle.read(), password=None)
        with open(cert_path, "rb") as handle:
            cert = x509.load_pem_x509_certificate(handle.read())
        bundle = b""
        system = system_ca_bundle()
        if system:
            with open(system, "rb") as handle:
                bundle = handle.read().rstrip(b"\n") + b"\n\n"
        bundle += f"# {CA_NAME} ({cert_path})\n".encode() + cert.public_bytes(_PEM)
        _write(bundle_path, bundle, 0o644)
    return SandboxCA(key_path, cert_path, bundle_path, key, cert)


class LeafCerts:
    """TLS server contexts per host, with a certificate for that host signed by the sandbox CA.

    Made on first use and kept in memory for the life of the proxy.  One EC key serves every
    leaf: it never leaves this process and only the sandbox trusts its certificates.
    """

    def __init__(self, ca: SandboxCA):
        self._ca = ca
        self._key = ec.generate_private_key(ec.SECP256R1())
        self._contexts: dict[str, ssl.SSLContext] = {}
        self._lock = threading.Lock()

    def context_for(self, host: str) -> ssl.SSLContext:
        with self._lock:
            if host not in self._contexts:
                self._contexts[host] = self._make_context(host)
            return self._contexts[host]

    def _issue(self, host: str) -> x509.Certificate:
        now = _now()
        ca_ski = self._ca.cert.extensions.get_extension_for_class(x509.SubjectKeyIdentifier).value
        # A CN is limited to 64 characters; the SAN is what clients check anyway.
        subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, host)] if len(host) <= 64 else [])
        return (
            x509.CertificateBuilder()
            .subject_name(subject)
            .issuer_name(self._ca.cert.subject)
            .public_key(self._key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1))
            .not_valid_after(now + datetime.timedelta(days=365))
            .add_extension(x509.SubjectAlternativeName([x509.DNSName(host)]), critical=len(host) > 64)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(
                x509.KeyUsage(
                    digital_signature=True,
                    key_cert_sign=False,
                    crl_sign=False,
                    content_commitment=False,
                    key_encipherment=False,
                    data_encipherment=False,
                    key_agreement=False,
                    encipher_only=False,
                    decipher_only=False,
                ),
                critical=True,
            )
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(self._key.public_key()), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_subject_key_identifier(ca_ski), critical=False)
            .sign(self._ca.key, hashes.SHA256())
        )

    def _make_context(self, host: str) -> ssl.SSLContext:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.set_alpn_protocols(["http/1.1"])  # the tunnel speaks HTTP/1.1 only
        pem = self._issue(host).public_bytes(_PEM) + self._key.private_bytes(
            _PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
        # ssl only loads certificates from files: write one (mode 0600), load it, remove it.
        fd, path = tempfile.mkstemp(prefix="gcp-proxy-leaf-", suffix=".pem")
        try:
            with os.fdopen(fd, "wb") as handle:
                handle.write(pem)
            context.load_cert_chain(path)
        finally:
            os.unlink(path)
        return context


# --------------------------------------------------------------------------- policy


def is_allowed(host: str, domains: Iterable[str] = DEFAULT_ALLOWED_DOMAINS) -> bool:
    """True when ``host`` is one of ``domains`` or a subdomain of one (``evilgoogleapis.com`` is not)."""
    host = host.lower().rstrip(".")
    return any(host == d or host.endswith("." + d) for d in domains)


def check_loopback(host: str, what: str = "listen on") -> str:
    """Return ``host`` as a loopback IP literal, or raise ValueError.

    Only IP literals (and ``localhost``) are accepted, so that checking never needs a DNS lookup.
    """
    if host == "localhost":
        return "127.0.0.1"
    try:
        address = ipaddress.ip_address(host.strip("[]"))
    except ValueError:
        raise ValueError(f"refusing to {what} {host!r}: give a loopback IP address such as 127.0.0.1") from None
    if not address.is_loopback:
        raise ValueError(f"refusing to {what} {host}: the sandbox GCP proxy uses loopback addresses only")
    return str(address)


def parse_listen(listen: str) -> tuple[str, int]:
    """``127.0.0.1:8443`` or ``[::1]:8443`` -> (host, port); the host must be loopback."""
    host, sep, port = listen.rpartition(":")
    if not sep or not port.isdigit():
        raise ValueError(f"--listen wants HOST:PORT, got {listen!r}")
    return check_loopback(host), int(port)


def _parse_upstream(url: str) -> tuple[str, str, int]:
    parts = urlsplit(url)
    if parts.scheme != "http" or not parts.hostname or parts.path not in ("", "/") or parts.query:
        raise ValueError(f"--upstream wants http://<loopback address>:<port>, got {url!r}")
    host = check_loopback(parts.hostname, "forward to")
    port = parts.port or 80
    shown = f"[{host}]" if ":" in host else host
    return f"http://{shown}:{port}", host, port


def client_env(proxy_url: str, ca: SandboxCA) -> dict[str, str]:
    """The environment that sends google.cloud (requests, google-auth, curl) through the proxy.

    HTTP_PROXY too, so that stray plain-HTTP traffic meets the guard; loopback is exempt so
    that the emulator itself (e.g. a service-account ``token_uri``) is reached directly.
    """
    no_proxy = "127.0.0.1,localhost,::1"
    return {
        "HTTPS_PROXY": proxy_url,
        "https_proxy": proxy_url,
        "HTTP_PROXY": proxy_url,
        "http_proxy": proxy_url,
        "NO_PROXY": no_proxy,
        "no_proxy": no_proxy,
        "REQUESTS_CA_BUNDLE": ca.bundle_path,
        "SSL_CERT_FILE": ca.bundle_path,
        "CURL_CA_BUNDLE": ca.bundle_path,
    }


# --------------------------------------------------------------------------- handlers


def _end_to_end(items: Iterable[tuple[str, str]]) -> list[tuple[str, str]]:
    """Drop hop-by-hop headers and the ones a Connection header names; keep order and duplicates."""
    items = list(items)
    named = {t.strip().lower() for n, v in items if n.lower() == "connection" for t in v.split(",")}
    return [(n, v) for n, v in items if n.lower() not in HOP_BY_HOP and n.lower() not in named]


class _LoggingHandler(http.server.BaseHTTPRequestHandler):
    """One log line per request: host, method, path (without the query: it may hold tokens), status."""

    protocol_version = "HTTP/1.1"
    timeout = 300  # an idle keep-alive connection is closed after this many seconds
    log_host = "-"
    server: GCPProxyServer

    def log_request(self, code: Any = "-", size: Any = "-") -> None:
        command = self.command or "-"
        path = getattr(self, "path", "-")
        if command != "CONNECT":
            path = urlsplit(path).path or path
        self.server.log(f"{self.log_host} {command} {path} {int(code) if isinstance(code, int) else code}")

    def log_message(self, format: str, *args: Any) -> None:  # http.server's own notes (timeouts, bad requests)
        self.server.log(f"{self.log_host} - {format % args}")

    def _reply(self, status: int, body: bytes, content_type: str, close: bool = False) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        if close:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class _ProxyHandler(_LoggingHandler):
    """A client's connection to the proxy: CONNECT to an allowed host opens a tunnel, all else is refused."""

    def do_CONNECT(self) -> None:
        host, _, port = self.path.rpartition(":")
        host = host.strip("[]").lower().rstrip(".")
        self.log_host = host or self.path
        if port != "443" or not _HOSTNAME.match(host) or not is_allowed(host, self.server.allowed_domains):
            return self._refuse(self.path)
        context = self.server.leaf_certs.context_for(host)
        self.send_response(200, "Connection Established")
        self.end_headers()
        self.close_connection = True  # after the tunnel, this connection is done
        try:
            tls = context.wrap_socket(self.connection, server_side=True)
        except (ssl.SSLError, OSError) as exc:
            self.server.log(f"{host} TLS - handshake failed: {exc.__class__.__name__}")
            return
        _TunnelHandler(tls, self.client_address, self.server, host)

    def _refuse_plain(self) -> None:
        host = urlsplit(self.path).hostname or urlsplit("//" + (self.headers.get("Host") or "")).hostname or "-"
        self.log_host = host
        self._refuse(host)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _refuse_plain

    def _refuse(self, target: str) -> None:
        domains = ", ".join(self.server.allowed_domains)
        body = (
            f"403 refused by the sandbox GCP proxy: {target} is not served. This sandbox only serves "
            f"{domains} (HTTPS via CONNECT to port 443) from the local GCP emulator; "
            "nothing is sent to any other host.\n"
        )
        self._reply(403, body.encode(), "text/plain; charset=utf-8", close=True)


class _TunnelHandler(_LoggingHandler):
    """The HTTP/1.1 requests inside one decrypted CONNECT tunnel, each forwarded to the emulator."""

    def __init__(self, request: ssl.SSLSocket, client_address: Any, server: GCPProxyServer, host: str):
        self.log_host = host
        super().__init__(request, client_address, server)

    def handle(self) -> None:
        try:
            super().handle()
        except OSError:  # the client dropped the connection (ssl.SSLError is an OSError)
            pass

    def finish(self) -> None:
        try:
            super().finish()
        except OSError:
            pass
        self.request.close()  # the server only knows (and closes) the socket from before TLS

    def _forward(self) -> None:
        try:
            body = self._read_body()
        except ValueError:
            return self._reply(400, b"bad request body framing\n", "text/plain", close=True)
        path = self.path
        if not path.startswith("/"):  # absolute-form inside the tunnel: keep path and query
            parts = urlsplit(path)
            path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
        upstream = http.client.HTTPConnection(
            self.server.upstream_host, self.server.upstream_port, timeout=self.server.upstream_timeout
        )
        try:
            upstream.putrequest(self.command, path, skip_host=True, skip_accept_encoding=True)
            if "Host" not in self.headers:
                upstream.putheader("Host", self.log_host)
            for name, value in _end_to_end(self.headers.items()):
                if name.lower() != "content-length":
                    upstream.putheader(name, value)
            upstream.putheader("X-Forwarded-Proto", "https")  # the client used https, the emulator sees http
            if body or "Content-Length" in self.headers or self.command in ("POST", "PUT", "PATCH"):
                upstream.putheader("Content-Length", str(len(body)))
            upstream.endheaders(body or None)
            response = upstream.getresponse()
            payload = response.read()
        except (OSError, http.client.HTTPException) as exc:
            return self._bad_gateway(exc)
        finally:
            upstream.close()
        self.log_request(response.status)
        self.send_response_only(response.status, response.reason)
        for name, value in _end_to_end(response.getheaders()):
            if name.lower() != "content-length":
                self.send_header(name, value)
        has_body = self.command != "HEAD" and response.status not in (204, 304) and response.status >= 200
        if has_body:
            self.send_header("Content-Length", str(len(payload)))
        elif self.command == "HEAD" and response.getheader("Content-Length"):
            self.send_header("Content-Length", response.getheader("Content-Length"))
        self.end_headers()
        if has_body:
            self.wfile.write(payload)

    do_GET = do_HEAD = do_POST = do_PUT = do_PATCH = do_DELETE = do_OPTIONS = _forward

    def _read_body(self) -> bytes:
        """The request body, de-chunked: the emulator always gets a Content-Length."""
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks = []
            while True:
                size = int(self.rfile.readline(65537).split(b";")[0].strip(), 16)
                if size == 0:
                    break
                chunks.append(self.rfile.read(size))
                self.rfile.readline(65537)
            while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):  # trailers
                pass
            return b"".join(chunks)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length > 0 else b""

    def _bad_gateway(self, exc: Exception) -> None:
        """Google's error shape, so google.cloud shows this message rather than a confusing one."""
        message = (
            f"sandbox GCP proxy: the emulator at {self.server.upstream_url} did not answer "
            f"({exc.__class__.__name__}: {exc}); is it running?"
        )
        body = json.dumps({"error": {"code": 502, "message": message, "status": "UNAVAILABLE"}}).encode()
        self._reply(502, body, "application/json; charset=UTF-8", close=True)


# --------------------------------------------------------------------------- server


class GCPProxyServer(http.server.ThreadingHTTPServer):
    """The proxy: one thread per client connection, bound to loopback only."""

    allow_reuse_address = True
    block_on_close = False  # stopping must not wait for idle keep-alive tunnels
    request_queue_size = 64
    upstream_timeout = 120.0

    def __init__(
        self,
        listen: tuple[str, int],
        upstream: str,
        ca: SandboxCA,
        allowed_domains: Iterable[str] = DEFAULT_ALLOWED_DOMAINS,
        log_stream: IO[str] | None = None,
    ):
        host = check_loopback(listen[0])
        self.upstream_url, self.upstream_host, self.upstream_port = _parse_upstream(upstream)
        self.allowed_domains = tuple(d.lower().strip(".") for d in allowed_domains)
        self.ca = ca
        self.leaf_certs = LeafCerts(ca)
        self.log_stream = log_stream if log_stream is not None else sys.stderr
        self._log_lock = threading.Lock()
        self.address_family = socket.AF_INET6 if ":" in host else socket.AF_INET
        super().__init__((host, listen[1]), _ProxyHandler)

    def server_bind(self) -> None:
        # HTTPServer.server_bind looks up the FQDN of the address (a DNS query); not needed here.
        socketserver.TCPServer.server_bind(self)
        self.server_name, self.server_port = self.server_address[:2]

    @property
    def url(self) -> str:
        host = self.server_address[0]
        return f"http://[{host}]:{self.server_port}" if ":" in host else f"http://{host}:{self.server_port}"

    def log(self, line: str) -> None:
        with self._log_lock:
            self.log_stream.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} {line}\n")
            self.log_stream.flush()


def make_server(
    listen: str,
    upstream: str,
    state_dir: str,
    allowed_domains: Iterable[str] = DEFAULT_ALLOWED_DOMAINS,
    log_stream: IO[str] | None = None,
) -> GCPProxyServer:
    """Check the addresses, make sure the CA exists, and bind (without serving yet)."""
    address = parse_listen(listen)
    _parse_upstream(upstream)  # fail on a bad upstream before creating anything
    return GCPProxyServer(address, upstream, ensure_ca(state_dir), allowed_domains, log_stream)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--listen", required=True, metavar="HOST:PORT", help="loopback address to listen on (port 0: any free port)"
    )
    parser.add_argument("--upstream", required=True, metavar="URL", help="the GCP emulator, http://127.0.0.1:PORT")
    parser.add_argument("--state-dir", required=True, metavar="DIR", help="where the sandbox CA and ca-bundle.pem live")
    parser.add_argument(
        "--allow",
        action="append",
        metavar="DOMAIN",
        help=f"serve this domain and its subdomains (repeatable; default: {', '.join(DEFAULT_ALLOWED_DOMAINS)})",
    )
    parser.add_argument("--log-file", metavar="PATH", help="append one line per request here (default: stderr)")
    args = parser.parse_args(argv)

    log_stream = open(args.log_file, "a", encoding="utf-8") if args.log_file else sys.stderr
    try:
        server = make_server(
            args.listen, args.upstream, args.state_dir, args.allow or DEFAULT_ALLOWED_DOMAINS, log_stream
        )
    except ValueError as exc:
        parser.error(str(exc))
    except OSError as exc:
        parser.exit(1, f"gcp_proxy: cannot listen on {args.listen}: {exc}\n")

    def stop(signum: int, frame: Any) -> None:
        # shutdown() waits for serve_forever() to return, so it cannot run in this (the serving) thread.
        threading.Thread(target=server.shutdown, daemon=True).start()

    signal.signal(signal.SIGTERM, stop)
    signal.signal(signal.SIGINT, stop)
    print(
        f"gcp_proxy: listening on {server.url}, serving {', '.join(server.allowed_domains)} "
        f"from {server.upstream_url}; CA bundle {server.ca.bundle_path}",
        flush=True,
    )
    try:
        server.serve_forever()
    finally:
        server.server_close()
        if log_stream is not sys.stderr:
            log_stream.close()
    return 0


if __name__ == "__main__":
    sys.exit(main())
