#!/usr/bin/env bash
# Install the container tooling from Debian's packages: the Docker engine (docker.io),
# the registry (docker-registry) and debootstrap for the base images.
source "$(dirname "$0")/../../scripts/lib.sh"
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v docker-registry >/dev/null || missing+=(docker-registry)
command -v debootstrap >/dev/null || missing+=(debootstrap)
if [ ${#missing[@]} -eq 0 ]; then echo "container tooling: installed"; exit 0; fi
[ "$(id -u)" = 0 ] || die "installing ${missing[*]} needs root (apt-get)"
step "Installing ${missing[*]} from Debian"
export DEBIAN_FRONTEND=noninteractive
apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 ||
  { apt-get update -q >/dev/null && apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null; } ||
  die "apt-get could not install ${missing[*]}"
# The package enables a system registry on :5000 under systemd; ours runs on demand.
echo "installed: ${missing[*]}"
