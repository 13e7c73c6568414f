#!/usr/bin/env bash
# Every test in the repository: each project's tests through Nx, the service images, then the workspace tests
# (affected precision, cache replay) that drive the real Nx against a scratch copy.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

bash scripts/setup.sh
bash scripts/containers-up.sh

step "Project tests and coverage gates: nx run-many -t test coverage"
npx nx run-many -t test coverage --parallel="${NX_PARALLEL:-2}" --output-style=stream-without-prefixes

step "Service images: nx run-many -t docker-build -c push (to $DOCKER_REGISTRY)"
npx nx run-many -t docker-build -c push --parallel=1 --output-style=stream-without-prefixes

step "Local cluster binaries (Kubernetes control plane and kwok from Go modules; cached after the first build)"
bash scripts/build-go-tools.sh local-cluster

step "Workspace tests (node --test tools/workspace-tests)"
node --test --test-concurrency=1 tools/workspace-tests/
