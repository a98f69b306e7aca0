#!/usr/bin/env bash
# Mints a local development token for the SSE host (HS256, the key in
# src/Stream.Host/appsettings.Development.json, or Jwt__SigningKey when set).
#   bash scripts/token.sh --company <uuid> [--hours 8]
#   bash scripts/token.sh --operator            (may read /v1/stream/stats)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
dotnet build src/Stream.Host --nologo -v q >/dev/null
ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}" \
  exec dotnet src/Stream.Host/bin/Debug/net10.0/Impact.Stream.Host.dll token "$@"
