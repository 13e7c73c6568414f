#!/usr/bin/env bash
# The main job, end to end on local defaults: set up; start the container engine, the registry and
# the local staging cluster; lint, typecheck, test, gate coverage and build every project through
# Nx (cached, in parallel); build and push the service images; deploy them to the local cluster
# with a blue-green swap; print what is live.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
started=$SECONDS

bash scripts/setup.sh
bash scripts/containers-up.sh
step "Local staging cluster"
bash tools/local-cluster/cluster.sh up
step "Prometheus (promtool lints the alert rules; the SLO analysis queries it)"
bash tools/prometheus/install.sh
bash tools/prometheus/prometheus.sh up

TARGETS="${MAIN_TARGETS:-lint typecheck test coverage build}"
step "nx run-many -t $TARGETS"
npx nx run-many -t $TARGETS --parallel="${NX_PARALLEL:-2}" --output-style=stream-without-prefixes

step "Images: nx run-many -t docker-build -c push"
npx nx run-many -t docker-build -c push --parallel=1 --output-style=stream-without-prefixes

step "Deploy: nx run deploy:staging (blue-green, local cluster; kwok pods serve no traffic to analyse, so --skipAnalysis)"
npx nx run deploy:staging --skipAnalysis --scaleDownDelaySeconds="${MAIN_SCALE_DOWN_DELAY:-5}" --output-style=stream-without-prefixes

step "Summary"
printf 'Checks:   %s (every project, through Nx)\n' "$TARGETS"
printf 'Coverage:\n'
for gate in $(find coverage -name coverage-gate.json | sort); do
  node -e 'const g=require(process.argv[1]); const t=g.totals; const f=(m)=>t[m]?`${m} ${(t[m].covered*100/Math.max(t[m].total,1)).toFixed(1)}%`:null; console.log(`  ${g.project.padEnd(20)} ${g.passed?"pass":"FAIL"}  ${["lines","branches","functions"].map(f).filter(Boolean).join(", ")}`)' "$PWD/$gate"
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat "$(dirname "$gate")/coverage-gate.md" >> "$GITHUB_STEP_SUMMARY"; fi
done
node scripts/coverage-badge.mjs
printf 'Images:\n'
for record in dist/*/image.json; do
  node -e 'const r=require(process.argv[1]); console.log(`  ${r.project.padEnd(18)} ${(r.sizeBytes/1e6).toFixed(1).padStart(6)} MB  ${r.reference}`)' "$PWD/$record"
done
# What is live, read from the cluster by the same code operators use (also into the step summary).
if status="$(npx nx run deploy:status --output-style=static 2>&1)"; then grep -E '^(Releases|\||- )' <<<"$status"; else printf '%s\n' "$status"; exit 1; fi
printf 'Analysis: skipped for this local deploy (kwok pods serve no traffic); the canary/soak/rollback paths are tested against Prometheus in tools/workspace-tests/slo.test.mjs\n'
printf 'Time:     %s s\n' "$((SECONDS - started))"
