# Copyright: Contributors to the ecommerce.multicloud collection
# GNU General Public License v3.0+ (see LICENSE or https://www.gnu.org/licenses/gpl-3.0.txt)
# SPDX-License-Identifier: GPL-3.0-or-later

"""What the sandbox tests share: the sandbox code loaded by path, free loopback ports, and a
handle on the CLI run with its own state dir and ports (never the defaults other runs use)."""

import importlib.machinery
import importlib.util
import os
import signal
import socket
import subprocess
import sys
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[3]
SANDBOX_DIR = REPO_ROOT / "sandbox"
CLI = SANDBOX_DIR / "sandbox"
VENV_BIN = Path(sys.executable).parent


def load(name, path):
    """Import a file by path (the CLI has no .py suffix; sandbox/ is not a package here)."""
    if name in sys.modules:
        return sys.modules[name]
    loader = importlib.machinery.SourceFileLoader(name, str(path))
    spec = importlib.util.spec_from_loader(name, loader)
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses look their module up while it executes
    loader.exec_module(module)
    return module


cli_module = load("sandbox_cli", CLI)


def free_port():
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def parse_env(text):
    """The variables of the `export NAME=value` lines `sandbox env` prints."""
    env = {}
    for line in text.splitlines():
        if line.startswith("export "):
            name, _, value = line[len("export ") :].partition("=")
            env[name] = value
    return env


def kill(pid):
    try:
        os.kill(pid, signal.SIGKILL)
    except ProcessLookupError:
        pass


class Cli:
    """`sandbox/sandbox` with its own state dir and free ports for all three processes."""

    def __init__(self, state_dir, port=None):
        self.state_dir = state_dir
        self.port = port or free_port()
        self.endpoint = f"http://127.0.0.1:{self.port}"
        self.gcp_port, self.gcp_proxy_port = free_port(), free_port()
        self.gcp_endpoint = f"http://127.0.0.1:{self.gcp_port}"
        self.proxy_url = f"http://127.0.0.1:{self.gcp_proxy_port}"

    def env(self):
        env = dict(os.environ)
        env.update(
            SANDBOX_STATE_DIR=str(self.state_dir),
            SANDBOX_AWS_PORT=str(self.port),
            SANDBOX_GCP_PORT=str(self.gcp_port),
            SANDBOX_GCP_PROXY_PORT=str(self.gcp_proxy_port),
        )
        return env

    def __call__(self, *args, timeout=60):
        return subprocess.run(
            [sys.executable, str(CLI), *args],
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    def pid(self, name="aws"):
        try:
            return int((self.state_dir / f"{name}.pid").read_text())
        except (OSError, ValueError):
            return None

    def pids(self):
        return {name: self.pid(name) for name in ("aws", "gcp", "gcp-proxy")}
