#!/usr/bin/env bash
# ShellCheck over every shell script we write: *.sh, and the files with a bash shebang (.ci/run, the
# act stand-ins). Any finding fails. Settings: .shellcheckrc (sourced files via `# shellcheck source=`).
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
command -v shellcheck >/dev/null || die "shellcheck is not installed: bash scripts/install-ci-tools.sh"
# Not ours: GitHub's runner-image scripts, kept unchanged as facts for the workflow tests.
theirs=':!tools/ci-tools/runner-images/*'
mapfile -t scripts < <({ git ls-files -- '*.sh' "$theirs"; git grep -lE '^#!(/usr/bin/env bash|/bin/bash)' -- ':!*.sh' "$theirs"; } | sort -u)
[ ${#scripts[@]} -gt 0 ] || die "no shell scripts found (run from a git checkout)"
shellcheck "${scripts[@]}" || die "shellcheck found problems in the scripts above (fix them, or add a '# shellcheck disable=SCxxxx # why' for a false positive)"
echo "shellcheck $(shellcheck --version | sed -n 2p | cut -d' ' -f2): no findings in ${#scripts[@]} scripts"
