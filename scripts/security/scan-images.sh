#!/usr/bin/env bash
# Vulnerability scan of the service images this run built (dist/*/image.json, written by the
# docker-build executor) with grype (built from Go modules: scripts/build-go-tools.sh
# image-scanner, run here when there are images). Fixable high and critical vulnerabilities fail. Needs grype's database (network).
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
shopt -s nullglob
records=(dist/*/image.json)
if [ ${#records[@]} -eq 0 ]; then
  echo "no image records in dist/: this change built no image, nothing to scan"
  summary "### Image scan" "No image built by this change."
  exit 0
fi
# grype takes minutes to build the first time: only when there is something to scan.
bash scripts/build-go-tools.sh image-scanner
command -v grype >/dev/null || die "grype is missing: run 'bash scripts/build-go-tools.sh image-scanner'"
failed=()
for record in "${records[@]}"; do
  # shellcheck disable=SC2016 # a JavaScript template literal, not a shell expansion
  image="$(node -e 'const r=require(process.argv[1]); process.stdout.write(r.reference ?? `${r.repository}:${r.tags[0]}`)' "$PWD/$record")"
  step "grype $image"
  grype "docker:$image" --only-fixed --fail-on high --by-cve -o table || failed+=("$image")
done
if [ ${#failed[@]} -gt 0 ]; then
  summary "### Image scan" "Fixable high/critical vulnerabilities in: ${failed[*]}"
  die "image scan failed for: ${failed[*]}"
fi
summary "### Image scan" "${#records[@]} image(s): no fixable high or critical vulnerability."
