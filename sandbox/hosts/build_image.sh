#!/usr/bin/env bash
# Builds the Debian 12 (bookworm) systemd image that the host sandbox and the host Molecule
# scenarios run, or with --release 13 the Debian 13 (trixie) one, without any image registry:
# debootstrap a minbase rootfs with the packages of packages.txt, cache it as a tarball under
# .cache/hosts/, and `podman import` it with CMD ["/sbin/init"] as
# localhost/ecommerce-debian<release>:<recipe hash> and :latest.
#
# The recipe is this script, packages.txt and the release; its hash names the image and is kept
# in .cache/hosts/debian<release>.recipe. Nothing is rebuilt while the recipe is unchanged: an existing
# image is only re-tagged, an existing tarball only re-imported. Safe to run concurrently
# (flock). Prints the image name on stdout; progress goes to stderr.
#
#   sandbox/hosts/build_image.sh                 build or reuse the Debian 12 image
#   sandbox/hosts/build_image.sh --release 13    the same for Debian 13
#   sandbox/hosts/build_image.sh --print         print the image name for the current recipe, build nothing
set -euo pipefail
release=12
print_only=false
while (($#)); do
  case "$1" in
    --release) release="${2:-}"; shift 2 ;;
    --print) print_only=true; shift ;;
    *) echo "build_image: unknown argument $1" >&2; exit 2 ;;
  esac
done
case "$release" in
  12) suite=bookworm ;;
  13) suite=trixie ;;
  *) echo "build_image: --release must be 12 or 13, got '$release'" >&2; exit 2 ;;
esac
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/../.." && pwd)"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$here/containers.conf}"

name="${HOST_IMAGE_NAME:-localhost/ecommerce-debian$release}"
mirror="${DEBIAN_MIRROR:-http://deb.debian.org/debian}"
security_mirror="${DEBIAN_SECURITY_MIRROR:-http://deb.debian.org/debian-security}"
cache="$root/.cache/hosts"

recipe="$( (cat "$here/build_image.sh" "$here/packages.txt"; echo "$suite") | sha256sum | cut -c1-12)"
image="$name:$recipe"
if $print_only; then echo "$image"; exit 0; fi

log() { echo "build_image: $*" >&2; }

# Inside the sandbox's environment (sandbox/sandbox env) every proxy variable points at the
# googleapis.com proxy on loopback, the outbound guard, which refuses Debian's mirror. Building
# the image is an install step that needs the mirror, like bootstrap's apt-get: drop a proxy
# that points at loopback, keep any other (a site proxy that reaches the mirror).
for proxy_var in http_proxy HTTP_PROXY https_proxy HTTPS_PROXY; do
  case "${!proxy_var:-}" in *://127.*|*://localhost*|*://\[::1\]*) unset "$proxy_var" ;; esac
done
sudo_cmd=(); [ "$(id -u)" -eq 0 ] || sudo_cmd=(sudo)

mkdir -p "$cache"
exec 9>"$cache/.lock-debian$release"
flock 9

if podman image exists "$image"; then
  podman tag "$image" "$name:latest"
  echo "$image"
  exit 0
fi

tarball="$cache/debian$release-$recipe.tar"
if [ ! -s "$tarball" ] || [ "$(cat "$cache/debian$release.recipe" 2>/dev/null)" != "$recipe" ]; then
  packages="$(grep -v '^\s*#' "$here/packages.txt" | grep -v '^\s*$' | paste -sd, -)"
  rootfs="$(mktemp -d "$cache/rootfs.XXXXXX")"
  trap '"${sudo_cmd[@]}" rm -rf "$rootfs"' EXIT
  log "debootstrap $suite ($packages) from $mirror into $rootfs (about 80-120 s)"
  "${sudo_cmd[@]}" debootstrap --variant=minbase --include="$packages" "$suite" "$rootfs" "$mirror" >"$cache/debootstrap-debian$release.log" 2>&1 \
    || { tail -20 "$cache/debootstrap-debian$release.log" >&2; exit 1; }

  # What a cloud image does on first boot instead of at build time: a fresh machine-id and
  # fresh SSH host keys per host (never shared between hosts built from one image).
  "${sudo_cmd[@]}" sh -e -c '
    cd "$1"
    cat > etc/apt/sources.list <<EOF
deb $2 $4 main
deb $2 $4-updates main
deb $3 $4-security main
EOF
    : > etc/machine-id
    rm -f var/lib/dbus/machine-id etc/hostname etc/ssh/ssh_host_*
    cat > etc/systemd/system/ssh-hostkeys.service <<EOF
[Unit]
Description=Generate this host'"'"'s SSH host keys
ConditionPathExists=!/etc/ssh/ssh_host_ed25519_key
Before=ssh.service

[Service]
Type=oneshot
ExecStart=/usr/bin/ssh-keygen -A

[Install]
WantedBy=ssh.service
EOF
    chroot . systemctl enable ssh-hostkeys.service >/dev/null 2>&1
    rm -rf var/cache/apt/archives/*.deb var/lib/apt/lists/* var/log/*.log tmp/*
    # No package lists in the image: dated at the epoch so that apt cache_valid_time always refreshes them.
    touch -d @0 var/lib/apt/lists
  ' sh "$rootfs" "$mirror" "$security_mirror" "$suite"

  "${sudo_cmd[@]}" tar --numeric-owner --xattrs -C "$rootfs" -cf "$tarball.tmp" .
  mv "$tarball.tmp" "$tarball"
  find "$cache" -maxdepth 1 -name "debian$release-*.tar" ! -name "debian$release-$recipe.tar" -delete
  echo "$recipe" > "$cache/debian$release.recipe"
  log "rootfs cached in $tarball ($(du -h "$tarball" | cut -f1))"
fi

log "podman import $tarball as $image"
podman import \
  --change 'CMD ["/sbin/init"]' \
  --change 'STOPSIGNAL SIGRTMIN+3' \
  --change "LABEL org.opencontainers.image.title=ecommerce-debian$release io.ecommerce.recipe=$recipe" \
  --message "debootstrap $suite minbase + packages.txt, recipe $recipe" \
  "$tarball" "$image" >/dev/null
podman tag "$image" "$name:latest"
# Older recipes' images go when nothing uses them any more.
for old in $(podman images --format '{{.Repository}}:{{.Tag}}' --filter "reference=$name" | grep -v -e ":$recipe\$" -e ':latest$'); do
  podman rmi "$old" >/dev/null 2>&1 || true
done
echo "$image"
