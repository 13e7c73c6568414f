#!/usr/bin/env bash
# Lint the GitHub Actions workflows: actionlint (with shellcheck on every run: script) and
# zizmor's security audits at the strictest persona (auditor), offline, over all of .github/ (the
# workflows and dependabot.yml). Any finding fails.
# Install the tools first: bash scripts/install-ci-tools.sh
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
for tool in actionlint shellcheck zizmor; do
  command -v "$tool" >/dev/null || die "$tool is missing: run 'bash scripts/install-ci-tools.sh'"
done
step "actionlint $(actionlint --version | head -1) (shellcheck $(shellcheck --version | sed -n 2p | cut -d' ' -f2))"
actionlint -no-color -shellcheck="$(command -v shellcheck)"
echo "actionlint: no findings in $(find .github/workflows -name '*.yml' | wc -l) workflow(s)"
step "zizmor $(zizmor --version | cut -d' ' -f2) (persona auditor, offline)"
zizmor --offline --persona=auditor --no-progress .github
summary "### Workflow lint" "actionlint and zizmor (auditor persona): no findings."
