#!/usr/bin/env bash
# Every test in the repository. It starts what the tests drive: the Docker engine and the local
# registry, the local Kubernetes cluster (control plane built from Go modules), then runs each
# project's tests through Nx, builds and pushes the service images, and runs the workspace tests
# (affected precision, caching, remote cache, images, cluster, deploys, SLO analysis with a real
# Prometheus, workflow lint and semgrep) against the real things.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

# The production workflow's integration-tests job runs this script. Under the workflow tests
# (tools/ci-tools/workspace-tests/act-deploy.test.mjs) that job runs inside this very script's run, which
# already runs every test at this commit and owns the cluster this would tear down: the test sets
# TEST_ALL_NESTED=skip for its act jobs only, and the job says so instead of recursing.
if [ "${TEST_ALL_NESTED:-}" = skip ]; then
  echo "test-all: nested inside a run of scripts/test-all.sh that is running these very tests (TEST_ALL_NESTED=skip); not run again"
  exit 0
fi

started=$SECONDS
bash scripts/setup.sh
step "The local stack: container engine, registry, base images, cluster with its real node, Prometheus, PostgreSQL"
bash tools/stack.sh up
trap 'bash tools/stack.sh down cluster prometheus postgres >/dev/null 2>&1 || true' EXIT
# Local copies of images already pushed to the local registry (the registry keeps them; a test that
# runs one pulls it back): with the vfs storage driver every run's images would otherwise pile up
# (measured: 32 GB after a day of runs, and a build failing with "no space left on device").
step "Reclaiming disk: local copies of pushed images, dangling images"
docker images --format '{{.Repository}}:{{.Tag}}' | grep '^127\.0\.0\.1:5000/' | xargs -r docker rmi -f >/dev/null 2>&1 || true
docker image prune -f >/dev/null 2>&1 || true
echo "docker: $(docker images -q | wc -l) local images left; $(df -h --output=avail "$TRADING_HOME" | tail -1 | tr -d ' ') free"

step "CI tools (workflow lint, semgrep, audits)"
bash scripts/install-ci-tools.sh

step "Type checks, project tests, integration and e2e tests, coverage gates, Semgrep over the repository: nx run-many -t typecheck test integration e2e coverage semgrep"
npx nx run-many -t typecheck test integration e2e coverage semgrep --parallel="${NX_PARALLEL:-2}" --output-style=stream-without-prefixes

step "Service images: nx run-many -t docker-build -c push (to $DOCKER_REGISTRY)"
npx nx run-many -t docker-build -c push --parallel=1 --output-style=stream-without-prefixes

# Each project's workspace tests are its workspace-test--<file> targets (inferred from
# <project>/workspace-tests/*.test.mjs by our plugin): side by side where the locks their files
# declare allow (tools/workspace-tests/run.sh), alone where they measure time, replayed from the
# cache where their outcome depends only on their inputs.
step "Workspace tests: nx run-many -t workspace-test"
rm -rf reports/workspace-tests && mkdir -p reports/workspace-tests
# Nx joins NX_PROFILE to the workspace root: relative.
status=0
# Four side by side (WORKSPACE_TEST_PARALLEL): most of them wait on the cluster, probes, soaks and
# timers more than they compute; those that measure time run alone (quiet), those that disrupt a
# part of the stack hold it alone (run.sh's locks: only the cluster's and the database's own
# lifecycle tests now; a waiting test holds its slot, which is what kept a fourth from paying off
# before, docs/tests.md).
NX_PROFILE=reports/workspace-tests/profile.json npx nx run-many -t workspace-test --parallel="${WORKSPACE_TEST_PARALLEL:-4}" --output-style=stream-without-prefixes || status=$?
node scripts/task-times.mjs reports/workspace-tests/profile.json "Workspace tests" || true
# The closing line: what the workspace tests' runs counted (their JUnit reports, replays included).
node scripts/test-totals.mjs workspace-tests reports/workspace-tests || status=1
# The run's record (docs/runs.json takes it with `node scripts/run-record.mjs add reports/run.json new|warm`).
node scripts/run-record.mjs write test-all.sh "$((SECONDS - started))" "$status" reports/workspace-tests || true
exit "$status"
