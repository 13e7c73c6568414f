#!/usr/bin/env bash
# The main job, end to end on local defaults: set up; start the container engine, the registry and
# the local staging cluster; lint, typecheck, test, gate coverage and build every project through
# Nx (cached, in parallel); build and push the service images; deploy them to the local cluster
# with a blue-green swap; print what is live.
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"
started=$SECONDS
# Each phase's seconds, for the summary: `phase NAME` ends the one before and starts NAME.
phase_names=() phase_starts=()
phase() {
  phase_names+=("$1")
  phase_starts+=("$SECONDS")
}
phase_times() {
  local i end out=''
  for i in "${!phase_names[@]}"; do
    end="${phase_starts[$((i + 1))]:-$SECONDS}"
    out+="${out:+, }${phase_names[$i]} $((end - phase_starts[i])) s"
  done
  printf 'Phases:   %s\n' "$out"
}

phase setup
bash scripts/setup.sh
phase stack
# The container engine and registry, the local staging cluster with its real node, Prometheus
# (promtool lints the alert rules; the SLO analysis queries it).
bash tools/stack.sh up

phase checks
step "Formatting: nx format:check (Prettier over TypeScript and JavaScript; npx nx format:write fixes it)"
npx nx format:check --all || die "files are not formatted (above): run npx nx format:write and commit the result"

read -r -a TARGETS <<<"${MAIN_TARGETS:-lint typecheck test integration e2e coverage build}"
step "nx run-many -t ${TARGETS[*]}"
npx nx run-many -t "${TARGETS[@]}" --parallel="${NX_PARALLEL:-2}" --output-style=stream-without-prefixes

phase images
step "Images: nx run-many -t docker-build -c push"
npx nx run-many -t docker-build -c push --parallel=1 --output-style=stream-without-prefixes

# The trading services run on the local cluster's real node. The cache server is not deployed
# here: its store is a GCS bucket reached through Workload Identity, which only GKE has.
SERVICES=agents,execution-engine,dashboard
phase deploy
step "Deploy: nx run deploy:staging --services=$SERVICES (blue-green on the real node, soak judged on the services' own metrics under the load hook's traffic)"
# The environment's load hook (analysis.load in environments.yaml) sends traffic through each
# Service while it is judged; its request counts are in the deploy's log, kept for the summary.
deployed=0
mkdir -p reports
npx nx run deploy:staging --services="$SERVICES" --scaleDownDelaySeconds="${MAIN_SCALE_DOWN_DELAY:-5}" --output-style=stream-without-prefixes 2>&1 |
  tee reports/deploy-staging.log || deployed=$?
soak_lines() {
  printf "Soak verdicts and what the load hook's clients saw (reports/deploy-staging.log):\n"
  node scripts/main-summary.mjs soak reports/deploy-staging.log || true
}
if [ "$deployed" != 0 ]; then
  # Where traffic is after a failed deploy depends on how it ended (a failed rollout or canary: the
  # live release untouched; a failed soak: switched back; a halted soak: the new release still live,
  # unjudged): the cluster says which, per service, in the same table as on success.
  step "The staging deploy failed: what each service serves now (nx run deploy:status)"
  npx nx run deploy:status --metricsFile=reports/release-status.prom --output-style=static 2>&1 | grep -E '^(Releases|\||- )' || true
  soak_lines
  phase_times
  die "the staging deploy failed (see above). The table says what each service serves now: its release and phase. Promoted (an earlier release, untouched), RolledBack or Aborted: traffic is on the previous release. Halted or Soaking: the new release is live and unjudged; rerun the deploy to judge it, or nx run deploy:abort --services=<name>"
fi

phase gates
step "Release gates on the staging deploy: load test and end-to-end in Chromium (scripts/staging-gates.sh)"
gates=0
bash scripts/staging-gates.sh trading-staging "$LOCAL_CLUSTER_CONTEXT" || gates=$?

phase restart-check
step "Trading state: orders booked on staging outlive the replacement of every engine pod (tools/testing/restart-check.mjs)"
restart=0
# Shown as it runs, its last line kept for the summary. (Not `tee /dev/stderr`: with the job's
# output redirected to a file, tee reopens that file and truncates what was logged before.)
restart_log="$(mktemp)"
node tools/testing/restart-check.mjs --namespace trading-staging --context "$LOCAL_CLUSTER_CONTEXT" 2>&1 | tee "$restart_log" || restart=1
restart_line="$(tail -1 "$restart_log")"
rm -f "$restart_log"

phase summary
step "Summary"
printf 'Checks:   %s (every project, through Nx)\n' "${TARGETS[*]}"
# The tests counted from what the runners reported (a task Nx replayed restores its report with
# its result), not from the source; the pyramid below is the tests declared in the source.
printf "Tests run (from the runners' reports):\n"
mapfile -t test_reports < <(find coverage reports/e2e \( -name junit.xml -o -name jest-results.json -o -name cargo-test.log \) 2>/dev/null | sort)
node scripts/main-summary.mjs tests "${test_reports[@]}"
printf 'Coverage:\n'
mapfile -t coverage_gates < <(find coverage -name coverage-gate.json | sort)
node scripts/main-summary.mjs coverage "${coverage_gates[@]}"
for gate in "${coverage_gates[@]}"; do
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat "$(dirname "$gate")/coverage-gate.md" >> "$GITHUB_STEP_SUMMARY"; fi
done
node scripts/coverage-badge.mjs
printf 'Tests declared in the source (the pyramid):\n'
node scripts/test-mix.mjs | sed -n '3,$p'
printf 'Images:\n'
node scripts/main-summary.mjs images dist/*/image.json
# What is live, read from the cluster by the same code operators use (also into the step summary).
if status="$(npx nx run deploy:status --metricsFile=reports/release-status.prom --output-style=static 2>&1)"; then grep -E '^(Releases|Delivery|\||- )' <<<"$status"; else printf '%s\n' "$status"; exit 1; fi
soak_lines
printf 'Answers through the active Services (trading-staging):\n'
for svc in ${SERVICES//,/ }; do
  ip="$(kubectl --context "$LOCAL_CLUSTER_CONTEXT" -n trading-staging get service "$svc" -o jsonpath='{.spec.clusterIP}')"
  ready="$(kubectl --context "$LOCAL_CLUSTER_CONTEXT" -n trading-staging get endpointslices -l "kubernetes.io/service-name=$svc" -o jsonpath='{range .items[*].endpoints[?(@.conditions.ready==true)]}x{end}')"
  printf '  %-18s %s ready pod(s), GET http://%s/healthz -> %s\n' "$svc" "${#ready}" "$ip" "$(curl -sS --max-time 3 "http://$ip/healthz" 2>&1 | head -c 60)"
done
printf 'Database (trading-staging): %s\n' "$(bash scripts/database-status.sh trading-staging "$LOCAL_CLUSTER_CONTEXT" 2>&1)"
printf '%s\n' "$restart_line"
printf 'Release gates on trading-staging (%s):\n' "$([ "$gates" = 0 ] && echo passed || echo FAILED)"
loads=()
for report in reports/load/agents.json reports/load/execution-engine.json; do if [ -f "$report" ]; then loads+=("$report"); fi; done
node scripts/main-summary.mjs load ${loads[@]+"${loads[@]}"}
printf 'Not deployed locally: cache-server (GCS store through Workload Identity; GKE only)\n'
phase_times
printf 'Time:     %s s\n' "$((SECONDS - started))"
# The run's record (docs/runs.json takes it with `node scripts/run-record.mjs add reports/run.json new|warm`).
node scripts/run-record.mjs write main.sh "$((SECONDS - started))" "$([ "$gates$restart" = 00 ] && echo 0 || echo 1)" || true
[ "$gates" = 0 ] || die "a release gate failed against the staging deploy (see above)"
[ "$restart" = 0 ] || die "orders booked on staging did not survive the replacement of the engine's pods (see above)"
