#!/usr/bin/env bash
# Install the tools that check the CI itself and scan the code, pinned, outside the clone:
#   ShellCheck (Debian), actionlint (Go module, tools/ci-tools/go.mod), and from PyPI through
#   `uv tool`: zizmor (workflow security audit), semgrep (rules in tools/security/semgrep),
#   pip-audit (Python dependency audit), Schemathesis (the DAST, scripts/security/dast.sh). Safe to
#   rerun. `install-ci-tools.sh dast` installs Schemathesis only (the affected job's DAST step);
#   `install-ci-tools.sh load` installs oha only (the load generator of `nx run <svc>:load`, built
#   from crates.io, pinned, into the tool folder outside the clone).
# shellcheck source=lib.sh
source "$(dirname "$0")/lib.sh"
cd "$ROOT"

ZIZMOR_VERSION=1.32.0
SEMGREP_VERSION=1.185.0
PIP_AUDIT_VERSION=2.10.1
SCHEMATHESIS_VERSION=4.32.5
OHA_VERSION=1.16.0
# The tools' environments beside the folder their commands are linked into (TRADING_BIN may be set apart).
UV_TOOL_DIR="$(dirname "$TRADING_BIN")/uv-tools"
export UV_TOOL_DIR UV_TOOL_BIN_DIR="$TRADING_BIN"

tool() {
  local name="$1" version="$2" bin="${3:-$1}"
  if [ -x "$TRADING_BIN/$bin" ] && "$TRADING_BIN/$bin" --version 2>&1 | grep -q "$version"; then return; fi
  uv tool install --quiet --force "$name==$version" || die "uv could not install $name $version from PyPI"
}
if [ "${1:-}" = load ]; then
  # Built into its own folder (a CI cache restores that folder alone), linked into $TRADING_BIN.
  oha_bin="$(dirname "$TRADING_BIN")/oha/bin/oha"
  if ! "$oha_bin" --version 2>/dev/null | grep -q "$OHA_VERSION"; then
    step "Building oha $OHA_VERSION (cargo install --locked; a few minutes the first time)"
    CARGO_TARGET_DIR="$(dirname "$TRADING_BIN")/cargo-target/oha" \
      cargo install --quiet --locked oha --version "$OHA_VERSION" --root "$(dirname "$TRADING_BIN")/oha" ||
      die "cargo could not build oha $OHA_VERSION from crates.io"
  fi
  mkdir -p "$TRADING_BIN"
  ln -sf "$oha_bin" "$TRADING_BIN/oha"
  echo "  $("$TRADING_BIN/oha" --version)"
  exit 0
fi
if [ "${1:-}" = dast ]; then
  tool schemathesis "$SCHEMATHESIS_VERSION" st
  echo "  $(st --version)"
  exit 0
fi

step "CI tools: shellcheck, actionlint, zizmor $ZIZMOR_VERSION, semgrep $SEMGREP_VERSION, pip-audit $PIP_AUDIT_VERSION, schemathesis $SCHEMATHESIS_VERSION"
command -v shellcheck >/dev/null || apt_install shellcheck
bash scripts/build-go-tools.sh ci-tools

tool zizmor "$ZIZMOR_VERSION"
tool semgrep "$SEMGREP_VERSION"
tool pip-audit "$PIP_AUDIT_VERSION"
tool schemathesis "$SCHEMATHESIS_VERSION" st
printf '  %s\n' "shellcheck $(shellcheck --version | sed -n 2p | cut -d' ' -f2)" "actionlint $(actionlint --version | head -1)" \
  "$(zizmor --version)" "semgrep $(semgrep --version 2>/dev/null)" "$(pip-audit --version)" "$(st --version)"
