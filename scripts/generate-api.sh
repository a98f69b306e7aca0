#!/usr/bin/env bash
# Regenerates the API contract from the code: docs/openapi.json (tools/ApiDocument, built from the function
# attributes) and the typed Kiota client in src/Impact.Client/Generated (Kiota pinned in .config/dotnet-tools.json).
# Run it after adding or changing an HTTP function, and commit both; the tests fail while either is stale.
#   bash scripts/generate-api.sh                  document + client
#   bash scripts/generate-api.sh --client-to DIR  only the client, from the committed document, into DIR (the staleness test)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
export DOTNET_CLI_TELEMETRY_OPTOUT=1 DOTNET_NOLOGO=1
mkdir -p "$ROOT/.local"

client_dir="src/Impact.Client/Generated"
document_too=1
if [ "${1:-}" = "--client-to" ]; then
  [ -n "${2:-}" ] || { echo "usage: $0 [--client-to DIR]" >&2; exit 2; }
  client_dir="$2"; document_too=0
elif [ -n "${1:-}" ]; then
  echo "usage: $0 [--client-to DIR]" >&2; exit 2
fi

if [ "$document_too" = 1 ]; then
  dotnet build tools/ApiDocument -v q --nologo 2>&1 | { grep -E " error |rror\(s\)" || true; }
  dotnet run --no-build --project tools/ApiDocument -- docs/openapi.json
fi

dotnet tool restore >/dev/null
# Kiota's update check needs the internet; its failure is only a warning, so keep it out of the output.
dotnet tool run kiota generate --language CSharp --openapi docs/openapi.json --class-name ImpactApiClient \
  --namespace-name Impact.Client --output "$client_dir" --exclude-backward-compatible --clean-output \
  --log-level Error >/dev/null 2>"$ROOT/.local/kiota.err" || { cat "$ROOT/.local/kiota.err" >&2; exit 1; }
rm -f "$client_dir/.kiota.log"
echo "generated $client_dir"
