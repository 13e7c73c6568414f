#!/usr/bin/env bash
# Install the container tooling from Debian's packages: the Docker engine (docker.io),
# the registry (docker-registry), debootstrap and Debian's archive keyring for the base images.
# shellcheck source=../../scripts/lib.sh
source "$(dirname "$0")/../../scripts/lib.sh"
missing=()
command -v dockerd >/dev/null || missing+=(docker.io)
command -v docker-registry >/dev/null || missing+=(docker-registry)
command -v debootstrap >/dev/null || missing+=(debootstrap)
# Debian's archive keyring: the base images' packages and debootstrap are verified with it, also on
# a machine that is not Debian (Ubuntu ships the package too).
[ -f /usr/share/keyrings/debian-archive-keyring.gpg ] || missing+=(debian-archive-keyring)
if [ ${#missing[@]} -eq 0 ]; then echo "container tooling: installed"; exit 0; fi
apt_install "${missing[@]}"
# The package enables a system registry on :5000 under systemd; ours runs on demand.
echo "installed: ${missing[*]}"
