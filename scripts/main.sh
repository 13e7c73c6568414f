#!/usr/bin/env bash
# The main job, end to end on local defaults: set up, then lint, typecheck, test, gate coverage and build every project
# through Nx (cached, in parallel), and print what ran.
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

bash scripts/setup.sh

TARGETS="${MAIN_TARGETS:-lint typecheck test coverage build}"
step "nx run-many -t $TARGETS"
started=$(date +%s)
npx nx run-many -t $TARGETS --parallel="${NX_PARALLEL:-2}" --output-style=stream-without-prefixes
elapsed=$(( $(date +%s) - started ))

step "Summary"
projects=$(npx nx show projects --with-target test | sort | tr '\n' ' ')
printf 'Targets:  %s\nProjects: %s\nTime:     %ss\n' "$TARGETS" "$projects" "$elapsed"
printf 'Artifacts:\n'
for f in dist/apps/agents/*.whl target/debug/execution-engine apps/dashboard/.next/standalone/apps/dashboard/server.js; do
  [ -e "$f" ] && printf '  %s (%s)\n' "$f" "$(du -h "$f" | cut -f1)"
done
summary "### Main job" "" "| targets | projects | seconds |" "|---|---|---|" "| $TARGETS | $projects | $elapsed |"
printf 'Coverage:\n'
for gate in $(find coverage -name coverage-gate.json | sort); do
  node -e 'const g=require(process.argv[1]); const t=g.totals; const f=(m)=>t[m]?`${m} ${(t[m].covered*100/Math.max(t[m].total,1)).toFixed(1)}%`:null; console.log(`  ${g.project.padEnd(20)} ${g.passed?"pass":"FAIL"}  ${["lines","branches","functions"].map(f).filter(Boolean).join(", ")}`)' "$PWD/$gate"
  if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat "$(dirname "$gate")/coverage-gate.md" >> "$GITHUB_STEP_SUMMARY"; fi
done
