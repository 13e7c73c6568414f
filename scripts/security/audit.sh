#!/usr/bin/env bash
# Dependency audits against the public advisory databases (they need network access to them):
#   npm     npm audit of package-lock.json (high and critical fail)
#   python  pip-audit of each uv project's locked requirements (any known vulnerability fails)
#   rust    cargo audit of Cargo.lock (RustSec advisory database; cargo-audit installed pinned)
#   scripts/security/audit.sh [npm] [python] [rust]     (default: all three)
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
CARGO_AUDIT_VERSION=0.22.0
kinds=("$@")
[ ${#kinds[@]} -gt 0 ] || kinds=(npm python rust)
failed=()
for kind in "${kinds[@]}"; do
  case "$kind" in
    npm)
      step "npm audit (high and critical fail)"
      npm audit --audit-level=high || failed+=(npm) ;;
    python)
      command -v pip-audit >/dev/null || die "pip-audit is missing: run 'bash scripts/install-ci-tools.sh'"
      for project in libs/trading-core apps/agents; do
        step "pip-audit $project (uv.lock)"
        reqs="$(mktemp)"
        # Hashed requirements of the locked third-party packages: the project itself and local path
        # dependencies (agents -> libs/trading-core, audited on its own) carry no hash.
        if (cd "$project" && uv export --locked --quiet --no-emit-project --no-emit-local --format requirements-txt) > "$reqs"; then
          pip-audit --strict --disable-pip --progress-spinner=off -r "$reqs" || failed+=("python:$project")
        else
          failed+=("python:$project (uv export)")
        fi
        rm -f "$reqs"
      done ;;
    rust)
      step "cargo audit (Cargo.lock)"
      cargo audit --version 2>/dev/null | grep -q "$CARGO_AUDIT_VERSION" ||
        cargo install --locked --quiet cargo-audit --version "$CARGO_AUDIT_VERSION"
      cargo audit --deny warnings || failed+=(rust) ;;
    *) die "unknown audit '$kind' (known: npm, python, rust)" ;;
  esac
done
if [ ${#failed[@]} -gt 0 ]; then
  summary "### Dependency audits" "Failed: ${failed[*]}"
  die "dependency audit failed: ${failed[*]} (an unreachable advisory database fails too: it proves nothing)"
fi
summary "### Dependency audits" "${kinds[*]}: no known vulnerabilities."
