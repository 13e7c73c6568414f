#!/usr/bin/env bash
# The local container environment: install the tooling (Debian packages), start dockerd and the
# registry on 127.0.0.1:5000 and BuildKit (built from Go modules), and build the base images.
# Idempotent; fast when already up.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
step "Container engine, registry and base images"
bash tools/docker/install.sh
bash scripts/build-go-tools.sh image-builder
bash tools/docker/daemon.sh start
bash tools/docker/buildx-builder.sh
bash tools/docker/bases.sh
