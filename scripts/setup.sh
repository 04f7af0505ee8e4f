#!/usr/bin/env bash
# Installs what srns needs to build and test on a Debian/Ubuntu machine (Debian bookworm,
# Ubuntu 24.04; as root, as in a container build, or through sudo), and nothing that is already
# there. Safe to run repeatedly; called by build.sh, and by docker/Dockerfile before the sources.
# Package names as arguments install those instead (docker/check.sh: podman, debootstrap).
set -euo pipefail

# Debian packages the build needs (header-only libraries, test framework, build tools).
need_pkgs=(cmake g++ ninja-build libcxxopts-dev nlohmann-json3-dev libgtest-dev)
if [ $# -gt 0 ]; then need_pkgs=("$@"); fi

missing=()
for p in "${need_pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done

if [ ${#missing[@]} -gt 0 ]; then
  echo "srns setup: installing Debian packages: ${missing[*]}"
  sudo_cmd=""
  if [ "$(id -u)" -ne 0 ]; then
    if command -v sudo >/dev/null; then sudo_cmd="sudo"; else
      echo "srns setup: need root (or sudo) to install: ${missing[*]}" >&2; exit 1
    fi
  fi
  export DEBIAN_FRONTEND=noninteractive
  $sudo_cmd apt-get update -qq
  $sudo_cmd apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
