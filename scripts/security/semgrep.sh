#!/usr/bin/env bash
# Static analysis with Semgrep and the rules kept in this repository (tools/ci-tools/semgrep):
# offline, no metrics, every finding fails. Extra arguments go to semgrep (e.g. a path).
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
command -v semgrep >/dev/null || die "semgrep is missing: run 'bash scripts/install-ci-tools.sh'"
step "semgrep $(semgrep --version) with tools/ci-tools/semgrep"
semgrep scan --config tools/ci-tools/semgrep --error --metrics=off --disable-version-check --quiet \
  --exclude node_modules --exclude dist --exclude target --exclude coverage --exclude .nx "${@:-.}"
echo "semgrep: no findings"
summary "### Semgrep" "Rules in tools/ci-tools/semgrep: no findings."
