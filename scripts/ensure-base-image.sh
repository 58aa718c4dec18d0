#!/usr/bin/env bash
# Make sure a Debian base image (debian:<release>-slim) exists in the local Docker engine.
# The lab image is built on trixie, the targets on bookworm: `BASE_IMAGE=debian:bookworm-slim`.
# A registry pull is tried first; only when it fails (no registry reachable) is the
# image built locally with debootstrap and `docker import`.
set -euo pipefail
IMAGE=${BASE_IMAGE:-debian:trixie-slim}
release=${IMAGE#debian:}
release=${release%-slim}
STAMP_DIR=${STAMP_DIR:-build}
mkdir -p "$STAMP_DIR"

# An image that was pulled has a registry digest; one imported here has none, and then the
# containers cannot reach PyPI either: the lab image installs from a host-built wheelhouse.
mark_offline() {
  if [ "$(docker image inspect -f '{{len .RepoDigests}}' "$IMAGE")" = 0 ]; then
    touch "$STAMP_DIR/offline"
  else
    rm -f "$STAMP_DIR/offline"
  fi
}
if docker image inspect "$IMAGE" >/dev/null 2>&1; then
  echo "base image $IMAGE: present"
  mark_offline
  exit 0
fi
if timeout 120 docker pull "$IMAGE" >/dev/null 2>&1; then
  echo "base image $IMAGE: pulled"
  mark_offline
  exit 0
fi

echo "base image $IMAGE: no registry reachable, building it with debootstrap"
command -v debootstrap >/dev/null || { echo "debootstrap is missing: apt-get install -y debootstrap" >&2; exit 1; }
mirror=${DEBIAN_MIRROR:-}
if [ -z "$mirror" ]; then
  mirror=$(grep -hoE '^(URIs:|deb) +https?://[^ ]+/debian/?( |$)' /etc/apt/sources.list /etc/apt/sources.list.d/* 2>/dev/null \
           | head -n1 | awk '{print $2}') || true
fi
mirror=${mirror:-http://deb.debian.org/debian}
rootfs=$(mktemp -d)
trap 'rm -rf "$rootfs"' EXIT
debootstrap --variant=minbase "$release" "$rootfs" "$mirror" >"$STAMP_DIR/debootstrap-$release.log" 2>&1 \
  || { echo "debootstrap failed, see $STAMP_DIR/debootstrap-$release.log" >&2; exit 1; }
# Keep the image close to the official slim one: no apt lists, no caches.
rm -rf "$rootfs"/var/lib/apt/lists/* "$rootfs"/var/cache/apt/*.bin
tar -C "$rootfs" -c . | docker import - "$IMAGE" >/dev/null
mark_offline
echo "base image $IMAGE: built locally"
