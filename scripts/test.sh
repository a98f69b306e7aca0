#!/usr/bin/env bash
# The test command: starts PostgreSQL and Azurite (unless already running), builds the
# solution, runs every test project, prints a one-line summary and stops the services it
# started. Extra arguments go to `dotnet test` (e.g. --filter "FullyQualifiedName~Webhooks").
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

started_here=0
if ! bash scripts/services.sh status >/dev/null 2>&1; then
  bash scripts/services.sh up
  started_here=1
fi
cleanup() { if [ "$started_here" = 1 ]; then bash scripts/services.sh down || true; fi; }
trap cleanup EXIT

# Kiota (pinned in .config/dotnet-tools.json) for the test that regenerates the API client.
dotnet tool restore >/dev/null || echo "dotnet tool restore failed: the client staleness test will skip" >&2

results="$ROOT/.local/test-results"
rm -rf "$results"
set +e
dotnet test Functions.sln --nologo -v q --logger "trx" --logger "console;verbosity=normal" \
  --results-directory "$results" "$@" 2>&1 | grep -vE '^\s*$|NU1603'
rc=${PIPESTATUS[0]}
set -e

# One plain closing line over all test assemblies, read from the TRX files.
passed=0; failed=0; skipped=0
for f in "$results"/*.trx; do
  [ -f "$f" ] || continue
  line=$(grep -o '<Counters [^>]*>' "$f" | head -n 1)
  p=$(sed -n 's/.* passed="\([0-9]*\)".*/\1/p' <<<"$line"); passed=$((passed + ${p:-0}))
  q=$(sed -n 's/.* failed="\([0-9]*\)".*/\1/p' <<<"$line"); failed=$((failed + ${q:-0}))
  s=$(sed -n 's/.* notExecuted="\([0-9]*\)".*/\1/p' <<<"$line"); skipped=$((skipped + ${s:-0}))
done
# The failed tests again, with their first message lines, so the end of a long log names them.
if [ "$failed" -gt 0 ]; then
  echo "Failed tests:"
  for f in "$results"/*.trx; do
    [ -f "$f" ] || continue
    python3 - "$f" <<'PY' || grep -o 'testName="[^"]*" [^>]*outcome="Failed"' "$f" || true
import sys, xml.etree.ElementTree as ET
ns = {"t": "http://microsoft.com/schemas/VisualStudio/TeamTest/2010"}
root = ET.parse(sys.argv[1]).getroot()
for r in root.iterfind(".//t:UnitTestResult", ns):
    if r.get("outcome") != "Failed":
        continue
    msg = r.find(".//t:ErrorInfo/t:Message", ns)
    text = (msg.text or "").strip().splitlines() if msg is not None else []
    print("  " + r.get("testName", "?"))
    for line in text[:6]:
        print("      " + line[:300])
PY
  done
fi
echo "Tests: $passed passed, $failed failed, $skipped skipped"
if [ "$rc" -eq 0 ] && [ "$passed" -eq 0 ]; then echo "no test ran" >&2; exit 1; fi
exit "$rc"
