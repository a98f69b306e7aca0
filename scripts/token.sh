#!/usr/bin/env bash
# Mints a local development token (HS256 with the key in src/Stream.Host/appsettings.Development.json,
# or Jwt__SigningKey when set). The Functions app and the SSE host share the Jwt settings (issuer
# impact-local, audience impact-api), so one token works for both.
#   bash scripts/token.sh --company <uuid> --role Impact.CompanyAdmin [--role Impact.PrivacyOfficer]
#                         [--sub alice] [--name "Alice"] [--hours 8]
#   bash scripts/token.sh --company <uuid>      (no role: reads the company's stream only)
#   bash scripts/token.sh --operator            (role Impact.Operator, no company: /v1/stream/stats, dead letters, ...)
# Roles: Impact.CompanyAdmin, Impact.PrivacyOfficer, Impact.Reviewer, Impact.Operator.
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
dotnet build src/Stream.Host --nologo -v q >/dev/null
ASPNETCORE_ENVIRONMENT="${ASPNETCORE_ENVIRONMENT:-Development}" \
  exec dotnet src/Stream.Host/bin/Debug/net10.0/Impact.Stream.Host.dll token "$@"
