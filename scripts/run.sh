#!/usr/bin/env bash
# The run command: starts PostgreSQL and Azurite, applies migrations, writes
# src/Ingest.Functions/local.settings.json from the sample (pointing at the local services)
# if it is missing, starts the SSE host (src/Stream.Host) on http://127.0.0.1:5080 in the
# background and runs the Functions app with `func start`.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
say() { printf '[run] %s\n' "$*" >&2; }

bash scripts/services.sh up
# shellcheck disable=SC1091
. .local/services.env

settings="src/Ingest.Functions/local.settings.json"
if [ ! -f "$settings" ]; then
  node -e '
    const fs = require("fs");
    const s = JSON.parse(fs.readFileSync("local.settings.sample.json", "utf8"));
    s.Values.AzureWebJobsStorage = process.env.STORAGE;
    s.Values.Postgres__ConnectionString = process.env.PG;
    fs.writeFileSync(process.argv[1], JSON.stringify(s, null, 2) + "\n");
  ' "$settings"
  say "wrote $settings (local services; edit it to change secrets)"
fi
export STORAGE="$AzureWebJobsStorage" PG="$Postgres__ConnectionString"
# Every start points local.settings.json at the services started just now (their ports change).
node -e '
  const fs = require("fs");
  const s = JSON.parse(fs.readFileSync(process.argv[1], "utf8"));
  s.Values.AzureWebJobsStorage = process.env.STORAGE;
  s.Values.Postgres__ConnectionString = process.env.PG;
  fs.writeFileSync(process.argv[1], JSON.stringify(s, null, 2) + "\n");
' "$settings"

# The SSE host (change notifications) runs next to the Functions app and stops with this script.
say "starting the SSE host on http://127.0.0.1:5080 (log: .local/stream-host.log)"
dotnet build src/Stream.Host --nologo -v q >.local/stream-host-build.log 2>&1 \
  || { cat .local/stream-host-build.log >&2; say "building src/Stream.Host failed"; exit 1; }
ASPNETCORE_ENVIRONMENT=Development ASPNETCORE_URLS=http://127.0.0.1:5080 Postgres__ConnectionString="$PG" \
  dotnet src/Stream.Host/bin/Debug/net10.0/Impact.Stream.Host.dll >.local/stream-host.log 2>&1 &
stream_host_pid=$!
echo "$stream_host_pid" >.local/stream-host.pid
trap 'kill "$stream_host_pid" 2>/dev/null || true' EXIT

func_bin="$(command -v func || true)"
if [ -z "$func_bin" ] && [ -x "$ROOT/.local/func/node_modules/.bin/func" ]; then
  func_bin="$ROOT/.local/func/node_modules/.bin/func"
fi
if [ -z "$func_bin" ]; then
  say "Azure Functions Core Tools (func) not found; trying a local npm install of v4"
  mkdir -p .local/func
  if timeout 300 npm install --prefix .local/func --no-audit --no-fund azure-functions-core-tools@4 >.local/func/install.log 2>&1 \
     && [ -x .local/func/node_modules/.bin/func ] && .local/func/node_modules/.bin/func --version >/dev/null 2>&1; then
    func_bin="$ROOT/.local/func/node_modules/.bin/func"
  else
    rm -rf .local/func/node_modules
    # Leave what did start running: the services and the SSE host are useful without the Functions app.
    trap - EXIT
    cat >&2 <<MSG
[run] The Functions app needs Azure Functions Core Tools v4 (func), which is not installed and could
[run] not be installed locally (its npm package downloads the host from a CDN; log: .local/func/install.log).
[run] Install it (https://learn.microsoft.com/azure/azure-functions/functions-run-local):
[run]   Debian/Ubuntu: apt-get install azure-functions-core-tools-4   (from the Microsoft package feed)
[run]   or:            npm install -g azure-functions-core-tools@4 --unsafe-perm true
[run] then run this command again, or: cd src/Ingest.Functions && func start --csharp
[run] Still running: PostgreSQL and Azurite (bash scripts/services.sh down stops them) and the SSE host
[run] on http://127.0.0.1:5080 (pid $stream_host_pid; kill $stream_host_pid stops it).
MSG
    exit 1
  fi
fi

say "starting the Functions app on http://localhost:7071 (Ctrl+C to stop)"
cd src/Ingest.Functions
# Not exec: the EXIT trap above must still run to stop the SSE host.
"$func_bin" start --csharp
