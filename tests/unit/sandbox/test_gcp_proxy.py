# -*- coding: utf-8 -*-

# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""The sandbox's HTTPS proxy for googleapis.com (sandbox/gcp_proxy.py).

An echo server on a free loopback port stands in for the GCP emulator: it answers every
request with its method, path, Host and body as JSON.  The proxy runs in this process on
another free port (one per test, each with its own log) so that its log and its sockets can
be inspected; one test runs the CLI as a subprocess.  Nothing leaves 127.0.0.1.
"""

import datetime
import http.server
import importlib.util
import io
import json
import os
import re
import signal
import socket
import socketserver
import ssl
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests
from cryptography import x509

REPO_ROOT = Path(__file__).resolve().parents[3]
PROXY_PY = REPO_ROOT / "sandbox" / "gcp_proxy.py"


def _load():
    spec = importlib.util.spec_from_file_location("sandbox_gcp_proxy", PROXY_PY)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while it executes
    spec.loader.exec_module(module)
    return module


gcp_proxy = _load()

COMPUTE = "https://compute.googleapis.com"


class _EchoHandler(http.server.BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def _echo(self):
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        if self.path.endswith("/missing"):
            status, payload = 404, {"error": {"code": 404, "message": "not found", "status": "NOT_FOUND"}}
        else:
            status, payload = 200, {
                "method": self.command,
                "path": self.path,
                "host": self.headers.get("Host"),
                "body": body.decode(),
                "headers": {k.lower(): v for k, v in self.headers.items()},
            }
        data = json.dumps(payload).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("X-Emulator", "echo")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = _echo

    def log_message(self, *args):
        pass


class _EchoServer(http.server.ThreadingHTTPServer):
    def server_bind(self):  # skip HTTPServer's FQDN lookup
        socketserver.TCPServer.server_bind(self)


def _serve(server):
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    return server


@pytest.fixture(scope="module")
def upstream():
    server = _serve(_EchoServer(("127.0.0.1", 0), _EchoHandler))
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture(scope="module")
def state_dir(tmp_path_factory):
    return str(tmp_path_factory.mktemp("gcp-proxy-state"))


@pytest.fixture(scope="module")
def ca(state_dir):
    return gcp_proxy.ensure_ca(state_dir)


class Proxy:
    def __init__(self, server, log):
        self.server = server
        self.log = log
        self.url = server.url
        self.port = server.server_address[1]

    def lines(self):
        return [line.split(" ", 1)[1] for line in self.log.getvalue().splitlines()]


@pytest.fixture
def proxy(upstream, state_dir):
    log = io.StringIO()
    server = _serve(gcp_proxy.make_server("127.0.0.1:0", upstream, state_dir, log_stream=log))
    yield Proxy(server, log)
    server.shutdown()
    server.server_close()


@pytest.fixture
def session(proxy, ca):
    with requests.Session() as sess:
        sess.trust_env = False  # only the proxy and bundle given here
        sess.proxies = {"https": proxy.url, "http": proxy.url}
        sess.verify = ca.bundle_path
        yield sess


def _get(url, proxy_url, bundle):
    """One GET through ``proxy_url``, ignoring any proxy settings of the environment running the tests."""
    with requests.Session() as sess:
        sess.trust_env = False
        return sess.get(url, proxies={"https": proxy_url}, verify=bundle, timeout=10)


def _connect(proxy, target, timeout=5):
    """Send a raw CONNECT; return (socket, status line + headers, body)."""
    sock = socket.create_connection(("127.0.0.1", proxy.port), timeout=timeout)
    sock.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(4096)
        if not chunk:
            break
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return sock, head.decode(), rest


def _peer_cert(proxy, ca, host, server_hostname=None):
    sock, head, _ = _connect(proxy, f"{host}:443")
    assert head.startswith("HTTP/1.1 200"), head
    context = ssl.create_default_context(cafile=ca.cert_path)  # the sandbox CA alone
    with context.wrap_socket(sock, server_hostname=server_hostname or host) as tls:
        return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))


# --------------------------------------------------------------------------- forwarding


def test_get_is_forwarded_with_host_path_and_query(proxy, session):
    response = session.get(
        f"{COMPUTE}/compute/v1/projects/p/global/networks", params={"maxResults": 2, "filter": "a b"}
    )
    assert response.status_code == 200
    echo = response.json()
    assert echo["method"] == "GET"
    assert echo["host"] == "compute.googleapis.com"
    assert echo["path"] == "/compute/v1/projects/p/global/networks?maxResults=2&filter=a+b"
    assert echo["headers"]["x-forwarded-proto"] == "https"
    assert "proxy-connection" not in echo["headers"]
    assert response.headers["X-Emulator"] == "echo"
    assert "compute.googleapis.com GET /compute/v1/projects/p/global/networks 200" in proxy.lines()


def test_headers_are_preserved(session):
    response = session.get(f"{COMPUTE}/x", headers={"Authorization": "Bearer dummy", "X-Goog-User-Project": "p"})
    headers = response.json()["headers"]
    assert headers["authorization"] == "Bearer dummy"
    assert headers["x-goog-user-project"] == "p"


def test_post_json_body_round_trips(session):
    network = {"name": "vpc-a", "autoCreateSubnetworks": False}
    response = session.post(f"{COMPUTE}/compute/v1/projects/p/global/networks", json=network)
    echo = response.json()
    assert (echo["method"], json.loads(echo["body"])) == ("POST", network)
    assert echo["headers"]["content-type"] == "application/json"


def test_chunked_body_is_dechunked(session):
    def parts():
        yield b'{"name": '
        yield b'"chunked"}'

    response = session.post("https://storage.googleapis.com/upload/storage/v1/b/bkt/o", data=parts())
    echo = response.json()
    assert response.request.headers["Transfer-Encoding"] == "chunked"
    assert echo["host"] == "storage.googleapis.com"
    assert json.loads(echo["body"]) == {"name": "chunked"}
    assert "transfer-encoding" not in echo["headers"]
    assert echo["headers"]["content-length"] == str(len(b'{"name": "chunked"}'))


def test_keep_alive_uses_one_tunnel(proxy, session):
    first = session.get(f"{COMPUTE}/compute/v1/projects/p/global/networks/a")
    second = session.patch(f"{COMPUTE}/compute/v1/projects/p/global/networks/a", json={"mtu": 1460})
    assert (first.json()["method"], second.json()["method"]) == ("GET", "PATCH")
    lines = proxy.lines()
    assert [line for line in lines if " CONNECT " in line] == [
        "compute.googleapis.com CONNECT compute.googleapis.com:443 200"
    ]
    assert len([line for line in lines if line.startswith("compute.googleapis.com GET ")]) == 1
    assert len([line for line in lines if line.startswith("compute.googleapis.com PATCH ")]) == 1


def test_error_status_and_body_are_relayed(proxy, session):
    response = session.delete(f"{COMPUTE}/compute/v1/projects/p/global/networks/missing")
    assert response.status_code == 404
    assert response.json()["error"]["status"] == "NOT_FOUND"
    assert "compute.googleapis.com DELETE /compute/v1/projects/p/global/networks/missing 404" in proxy.lines()


def test_environment_variables_are_enough(proxy, ca, monkeypatch):
    """What google.cloud does: plain requests, configured only by the environment."""
    for name in ("NO_PROXY", "no_proxy", "ALL_PROXY", "all_proxy", "CURL_CA_BUNDLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in gcp_proxy.client_env(proxy.url, ca).items():
        monkeypatch.setenv(name, value)
    response = requests.get("https://container.googleapis.com/v1/projects/p/locations/-/clusters", timeout=10)
    assert response.json()["host"] == "container.googleapis.com"


def test_unreachable_emulator_gives_googles_error_shape(state_dir, ca):
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        dead = sock.getsockname()[1]  # closed again before use: nothing listens there
    server = _serve(
        gcp_proxy.make_server("127.0.0.1:0", f"http://127.0.0.1:{dead}", state_dir, log_stream=io.StringIO())
    )
    try:
        response = _get(f"{COMPUTE}/x", server.url, ca.bundle_path)
        assert response.status_code == 502
        assert response.json()["error"]["status"] == "UNAVAILABLE"
        assert f"127.0.0.1:{dead}" in response.json()["error"]["message"]
    finally:
        server.shutdown()
        server.server_close()


# --------------------------------------------------------------------------- certificates


def test_leaf_certificate_verifies_against_the_ca_with_the_host_as_san(proxy, ca):
    cert = _peer_cert(proxy, ca, "compute.googleapis.com")
    cert.verify_directly_issued_by(ca.cert)
    san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert san.get_values_for_type(x509.DNSName) == ["compute.googleapis.com"]
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is False

    other = _peer_cert(proxy, ca, "storage.googleapis.com")
    other.verify_directly_issued_by(ca.cert)
    assert other.extensions.get_extension_for_class(x509.SubjectAlternativeName).value.get_values_for_type(
        x509.DNSName
    ) == ["storage.googleapis.com"]
    assert other.serial_number != cert.serial_number


def test_leaf_certificate_does_not_cover_another_host(proxy, ca):
    with pytest.raises(ssl.SSLCertVerificationError):
        _peer_cert(proxy, ca, "storage.googleapis.com", server_hostname="compute.googleapis.com")


# --------------------------------------------------------------------------- the guard


@pytest.mark.parametrize(
    "target",
    ["example.com:443", "ec2.us-east-1.amazonaws.com:443", "evilgoogleapis.com:443", "compute.googleapis.com:80"],
)
def test_connect_elsewhere_is_refused_without_any_lookup(proxy, monkeypatch, target):
    calls = []
    for name in ("getaddrinfo", "gethostbyname", "gethostbyname_ex", "create_connection"):
        real = getattr(socket, name)

        def spy(*args, _real=real, _name=name, **kwargs):
            calls.append((_name, args))
            return _real(*args, **kwargs)

        monkeypatch.setattr(socket, name, spy)
    sock = socket.socket()
    sock.settimeout(5)
    start = time.monotonic()
    sock.connect(("127.0.0.1", proxy.port))
    sock.sendall(f"CONNECT {target} HTTP/1.1\r\nHost: {target}\r\n\r\n".encode())
    data = b""
    while chunk := sock.recv(4096):  # the proxy closes after refusing
        data += chunk
    sock.close()
    assert time.monotonic() - start < 1
    assert calls == []
    head, _, body = data.decode().partition("\r\n\r\n")
    assert head.startswith("HTTP/1.1 403")
    assert target in body and "googleapis.com" in body
    assert f"{target.rsplit(':', 1)[0]} CONNECT {target} 403" in proxy.lines()


@pytest.mark.parametrize("url", ["http://example.com/", "http://compute.googleapis.com/compute/v1/projects"])
def test_plain_http_proxying_is_refused(proxy, session, url):
    response = session.get(url, timeout=5)
    assert response.status_code == 403
    host = url.split("/")[2]
    assert host in response.text and "only serves googleapis.com" in response.text
    assert any(line.startswith(f"{host} GET ") and line.endswith(" 403") for line in proxy.lines())


# --------------------------------------------------------------------------- the CA


def test_ensure_ca_is_idempotent_and_bundles_system_cas(state_dir, ca):
    again = gcp_proxy.ensure_ca(state_dir)
    assert again.cert == ca.cert
    assert Path(again.key_path).read_bytes() == Path(ca.key_path).read_bytes()
    assert os.stat(ca.key_path).st_mode & 0o777 == 0o600

    bundle = Path(ca.bundle_path).read_text()
    system = Path(gcp_proxy.system_ca_bundle()).read_text()
    assert bundle.startswith(system.rstrip("\n"))
    assert Path(ca.cert_path).read_text() in bundle
    assert bundle.count("BEGIN CERTIFICATE") == system.count("BEGIN CERTIFICATE") + 1
    assert bundle.count("BEGIN CERTIFICATE") > 10


def test_ca_is_a_ten_year_signing_ca(ca):
    cert = ca.cert
    assert cert.extensions.get_extension_for_class(x509.BasicConstraints).value.ca is True
    assert cert.extensions.get_extension_for_class(x509.KeyUsage).value.key_cert_sign is True
    lifetime = cert.not_valid_after_utc - cert.not_valid_before_utc
    assert lifetime >= datetime.timedelta(days=3650)
    assert cert.subject == cert.issuer


def test_new_state_dir_gets_a_new_ca(tmp_path, ca):
    assert gcp_proxy.ensure_ca(str(tmp_path)).cert != ca.cert


# --------------------------------------------------------------------------- addresses and CLI


@pytest.mark.parametrize("listen", ["0.0.0.0:0", "192.168.1.10:8080", "[::]:0", "proxy.example.com:0", "127.0.0.1"])
def test_refuses_non_loopback_listen(state_dir, upstream, listen):
    with pytest.raises(ValueError):
        gcp_proxy.make_server(listen, upstream, state_dir)


@pytest.mark.parametrize("url", ["http://10.0.0.1:8080", "https://127.0.0.1:8080", "http://emulator.example.com:80"])
def test_refuses_non_loopback_upstream(state_dir, url):
    with pytest.raises(ValueError):
        gcp_proxy.make_server("127.0.0.1:0", url, state_dir)


def test_is_allowed():
    assert gcp_proxy.is_allowed("compute.googleapis.com")
    assert gcp_proxy.is_allowed("googleapis.com.")
    assert not gcp_proxy.is_allowed("googleapis.com.evil.net")
    assert not gcp_proxy.is_allowed("accounts.google.com")
    assert gcp_proxy.is_allowed("accounts.google.com", ["googleapis.com", "accounts.google.com"])


def test_cli_serves_logs_and_stops_on_sigterm(tmp_path, upstream):
    state = tmp_path / "state"
    log = tmp_path / "proxy.log"
    command = [
        sys.executable,
        str(PROXY_PY),
        "--listen",
        "127.0.0.1:0",
        "--upstream",
        upstream,
        "--state-dir",
        str(state),
        "--log-file",
        str(log),
    ]
    with subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) as process:
        _check_cli(process, state)
    assert "compute.googleapis.com GET /compute/v1/projects/p/zones 200" in log.read_text()


def _check_cli(process, state):
    try:
        banner = process.stdout.readline()
        match = re.search(r"listening on (http://127\.0\.0\.1:\d+)", banner)
        assert match, banner + process.stderr.read()
        assert "BEGIN" not in banner
        response = _get(f"{COMPUTE}/compute/v1/projects/p/zones", match.group(1), str(state / "ca-bundle.pem"))
        assert response.json()["host"] == "compute.googleapis.com"
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=5) == 0
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def test_cli_refuses_non_loopback_listen(tmp_path, upstream):
    result = subprocess.run(
        [sys.executable, str(PROXY_PY), "--listen", "0.0.0.0:0", "--upstream", upstream, "--state-dir", str(tmp_path)],
        capture_output=True,
        text=True,
        timeout=20,
    )
    assert result.returncode != 0
    assert "loopback" in result.stderr
