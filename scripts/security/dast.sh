#!/usr/bin/env bash
# Dynamic application security test of one running service with Schemathesis, from the OpenAPI
# document it serves (<base-url>/openapi.json): server errors, conformance of status codes, content
# types and bodies to the document, invalid data accepted (negative data), auth not enforced
# (ignored auth). Any finding fails; the JUnit report goes to reports/dast/<name>.xml and a line to
# the GitHub step summary.
#   scripts/security/dast.sh <name> <base-url>
#   DAST_MAX_EXAMPLES (default 50 per operation), DAST_SEED (reproduce a run),
#   DAST_BEARER_TOKEN (sent as Authorization: Bearer, for APIs behind a token)
# shellcheck source=../lib.sh
source "$(dirname "$0")/../lib.sh"
cd "$ROOT"
[ $# -eq 2 ] || die "usage: scripts/security/dast.sh <name> <base-url>   (e.g. agents http://127.0.0.1:8000)"
name="$1" base="${2%/}"
command -v st >/dev/null || die "Schemathesis (st) is missing: run 'bash scripts/install-ci-tools.sh'"
curl -fsS -m 5 -o /dev/null "$base/openapi.json" ||
  die "$name: no OpenAPI document at $base/openapi.json (is the service running there?)"
report="reports/dast/$name.xml"
mkdir -p "$(dirname "$report")"
rm -f "$report"
# shellcheck disable=SC2054 # --checks takes one comma-separated word
args=(run "$base/openapi.json" --url "$base"
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance,negative_data_rejection,ignored_auth
  --max-examples "${DAST_MAX_EXAMPLES:-50}" --workers 1 --request-timeout 10 --generation-database none
  --report junit --report-junit-path "$report" --no-color)
[ -z "${DAST_SEED:-}" ] || args+=(--seed "$DAST_SEED")
[ -z "${DAST_BEARER_TOKEN:-}" ] || args+=(-H "Authorization: Bearer $DAST_BEARER_TOKEN")
step "DAST $name: Schemathesis against $base/openapi.json"
set +e
st --config-file tools/security/schemathesis.toml "${args[@]}"
code=$?
set -e
[ -s "$report" ] || die "$name: Schemathesis wrote no report (exit $code): the scan did not run"
# shellcheck disable=SC2016 # JavaScript template literals, not shell expansions
read -r cases failures < <(node -e '
  const xml = require("fs").readFileSync(process.argv[1], "utf8");
  const attr = (n) => [...xml.matchAll(new RegExp(`<testsuite [^>]*${n}="(\\d+)"`, "g"))].reduce((s, m) => s + Number(m[1]), 0);
  console.log(attr("tests"), attr("failures") + attr("errors"));' "$report")
if [ "$code" -ne 0 ] || [ "$failures" -ne 0 ]; then
  summary "| DAST $name | $failures of $cases operations with findings | \`$report\` |"
  die "DAST $name: Schemathesis found problems in $failures of $cases operations (exit $code); report $report"
fi
summary "| DAST $name | $cases operations clean | \`$report\` |"
echo "DAST $name: $cases operations, no finding"
