#!/usr/bin/env bash
# Builds docker/Dockerfile for real, where no Docker engine runs and no registry can be reached:
# podman builds it (--isolation=chroot) with SRNS_CUDA=OFF and, for both stages, a local Debian
# bookworm image that debootstrap makes from the apt mirror. Every step of the Dockerfile runs,
# nothing cached: the packages, scripts/test.sh (build and the whole test suite), the runtime
# stage and its smoke steps (srns info, srns gen, a short srns train). Ends with the image size.
#
# Exit status 1 when a step of the Dockerfile fails. Where the check cannot run at all (not
# root, podman or debootstrap not installable, podman unable to build a trivial image, mirror
# unreachable) it says why and exits 0; SRNS_CONTAINER_CHECK=require makes that a failure,
# SRNS_CONTAINER_CHECK=skip skips on purpose.
#
# The base is cached outside the checkout, in ${SRNS_CACHE_DIR:-${XDG_CACHE_HOME:-~/.cache}/srns}
# (a tarball) and in podman's storage; to make a new one, delete the tarball and
# `podman rmi localhost/srns-base:debian-bookworm`. SRNS_DEBIAN_MIRROR overrides the mirror
# (default: the first Debian archive in apt's sources, else deb.debian.org).
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
cache=${SRNS_CACHE_DIR:-${XDG_CACHE_HOME:-$HOME/.cache}/srns}
tarball="$cache/debian-bookworm-minbase.tar"
base=localhost/srns-base:debian-bookworm
image=localhost/srns:check-cpu
mode=${SRNS_CONTAINER_CHECK:-auto}
start=$SECONDS

say() { echo "docker/check.sh: $*"; }
skip() {
  if [ "$mode" = require ]; then
    say "FAILED (SRNS_CONTAINER_CHECK=require), cannot run here: $*" >&2
    exit 1
  fi
  say "SKIPPED, cannot run here: $*"
  exit 0
}
if [ "$mode" = skip ]; then
  say "SKIPPED (SRNS_CONTAINER_CHECK=skip)"
  exit 0
fi

# ---- tools ----------------------------------------------------------------------------------
# debootstrap needs root (chroot, device nodes); so does podman without subordinate id ranges.
[ "$(id -u)" -eq 0 ] || skip "needs root (debootstrap, podman storage)"
if ! command -v podman >/dev/null || ! command -v debootstrap >/dev/null; then
  "$root/scripts/setup.sh" podman debootstrap || skip "podman and debootstrap cannot be installed"
fi

# ---- the Debian base: podman's storage, else the cached tarball, else debootstrap ----------
default_mirror() {
  local m
  m=$(cat /etc/apt/sources.list /etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources \
    2>/dev/null | grep -v '^ *#' | grep -oE 'https?://[^ ]+/debian/?( |$)' | head -n 1 | tr -d ' ')
  echo "${m:-http://deb.debian.org/debian}"
}
make_base_tarball() {
  local mirror=${SRNS_DEBIAN_MIRROR:-$(default_mirror)} t0=$SECONDS
  mkdir -p "$cache"
  work=$(mktemp -d "$cache/rootfs.XXXXXX")  # not /tmp: it may be nodev, and debootstrap mknods
  trap 'rm -rf "$work"' EXIT
  say "making the Debian bookworm base: debootstrap --variant=minbase from $mirror"
  debootstrap --variant=minbase bookworm "$work/rootfs" "$mirror" >"$work/debootstrap.log" 2>&1 ||
    { tail -n 20 "$work/debootstrap.log"; skip "debootstrap failed (log above)"; }
  rm -rf "$work"/rootfs/var/cache/apt/archives/*.deb "$work"/rootfs/var/lib/apt/lists/*
  tar -C "$work/rootfs" --numeric-owner -cf "$tarball.part" .
  mv "$tarball.part" "$tarball"
  rm -rf "$work"
  say "base made in $((SECONDS - t0))s: $tarball ($(du -h "$tarball" | cut -f1))"
}
if ! podman image exists "$base"; then
  [ -f "$tarball" ] || make_base_tarball
  podman import --quiet "$tarball" "$base" >/dev/null || skip "podman cannot import an image"
  say "base image $base imported from $tarball"
fi

# ---- can podman build here at all? A trivial image tells an unusable podman (no namespaces,
# no overlay, no chroot) from a failing step of the Dockerfile. -------------------------------
probe=$(mktemp -d)
printf 'FROM %s\nRUN true\n' "$base" >"$probe/Containerfile"
if ! podman build --isolation=chroot --layers=false --iidfile "$probe/id" "$probe" \
  >"$probe/log" 2>&1; then
  cat "$probe/log"
  rm -rf "$probe"
  skip "podman cannot build a trivial image (output above)"
fi
podman rmi "$(cat "$probe/id")" >/dev/null || true
rm -rf "$probe"

# ---- the real build ---------------------------------------------------------------------------
old_id=$(podman image inspect --format '{{.Id}}' "$image" 2>/dev/null || true)
say "building docker/Dockerfile with podman: SRNS_CUDA=OFF, BASE_IMAGE=RUNTIME_IMAGE=$base"
t0=$SECONDS
if ! podman build --isolation=chroot --layers=false -f "$root/docker/Dockerfile" \
  --build-arg BASE_IMAGE="$base" --build-arg RUNTIME_IMAGE="$base" --build-arg SRNS_CUDA=OFF \
  -t "$image" "$root"; then
  say "FAILED: a step of docker/Dockerfile failed (output above)" >&2
  exit 1
fi
build_s=$((SECONDS - t0))
new_id=$(podman image inspect --format '{{.Id}}' "$image")
if [ -n "$old_id" ] && [ "$old_id" != "$new_id" ]; then
  podman rmi "$old_id" >/dev/null 2>&1 || true  # the previous check's image, now untagged
fi
podman images --filter reference="$image"
size=$(podman image inspect --format '{{.Size}}' "$image")
say "OK: $image ${new_id:0:12}, $((size / 1000000)) MB; build ${build_s}s, check $((SECONDS - start))s"
