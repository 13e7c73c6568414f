#!/usr/bin/env bash
# Every test in the repository: each project's tests through Nx, then the workspace tests
# (affected precision, cache replay) that drive the real Nx against a scratch copy.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

bash scripts/setup.sh

step "Project tests and coverage gates: nx run-many -t test coverage"
npx nx run-many -t test coverage --parallel="${NX_PARALLEL:-2}" --output-style=stream-without-prefixes

step "Workspace tests (node --test tools/workspace-tests)"
node --test --test-concurrency=1 tools/workspace-tests/
