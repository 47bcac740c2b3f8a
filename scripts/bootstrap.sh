#!/usr/bin/env bash
# Sets up everything the sandbox and the tests need on a fresh Debian 12 machine, idempotently:
# Debian packages, the pinned Python toolchain in .venv, and a link that makes this checkout
# the installed ecommerce.multicloud collection.
set -euo pipefail
root="$(cd "$(dirname "$0")/.." && pwd)"
cd "$root"

apt_packages=(python3 python3-venv python3-pip git ca-certificates podman runc debootstrap slirp4netns uidmap packer)
missing=()
for package in "${apt_packages[@]}"; do
  dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
done
if ((${#missing[@]})); then
  echo "bootstrap: installing Debian packages: ${missing[*]}"
  sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq "${missing[@]}" >/dev/null
fi

# Rebuild the venv only when the lock changes.
stamp=".venv/.constraints.sha256"
want="$(cat constraints.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)"
if [ ! -x .venv/bin/python ] || [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  echo "bootstrap: building .venv from constraints.txt"
  python3 -m venv .venv
  .venv/bin/python -m pip install -q --upgrade pip
  .venv/bin/python -m pip install -q -r requirements-dev.txt -c constraints.txt
  echo "$want" > "$stamp"
fi

# ansible.cfg points collections_path at .cache/collections.
mkdir -p .cache/collections/ansible_collections/ecommerce
ln -sfn ../../../.. .cache/collections/ansible_collections/ecommerce/multicloud
