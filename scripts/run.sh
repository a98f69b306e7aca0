#!/usr/bin/env bash
# The run command: starts PostgreSQL and Azurite, applies migrations, writes
# src/Ingest.Functions/local.settings.json from the sample (pointing at the local services)
# if it is missing, and runs the Functions app with `func start`.
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
    cat >&2 <<'MSG'
[run] Could not install Azure Functions Core Tools: its npm package downloads the host from a
[run] CDN at install time, and that download failed (log: .local/func/install.log).
[run] Install Core Tools v4 yourself, then run this command again:
[run]   Debian/Ubuntu: https://learn.microsoft.com/azure/azure-functions/functions-run-local
[run]                  (apt-get install azure-functions-core-tools-4 from the Microsoft package feed)
[run]   or:            npm install -g azure-functions-core-tools@4 --unsafe-perm true
[run] The local services are still running (scripts/services.sh down stops them).
MSG
    exit 1
  fi
fi

say "starting the Functions app on http://localhost:7071 (Ctrl+C to stop)"
cd src/Ingest.Functions
exec "$func_bin" start --csharp
