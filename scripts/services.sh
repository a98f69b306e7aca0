#!/usr/bin/env bash
# Local services for development and tests: a throwaway PostgreSQL cluster and Azurite,
# both on free loopback ports. Installs what is missing (Debian's postgresql, Azurite from
# the committed npm lockfile), applies the migrations and writes the connection settings to
# .local/services.env, where the app, the tests and the run script read them.
#
#   scripts/services.sh up       start both (idempotent: a running pair is reused)
#   scripts/services.sh down     stop both and delete their data
#   scripts/services.sh status   print the settings of the running pair, exit 1 if none
#
# Works as root (PostgreSQL then runs as the `postgres` user, since initdb refuses root)
# and as a normal user.
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
STATE="$ROOT/.local"
ENV_FILE="$STATE/services.env"
mkdir -p "$STATE"

say() { printf '[services] %s\n' "$*" >&2; }
die() { printf '[services] ERROR: %s\n' "$*" >&2; exit 1; }

free_port() {
  node -e "const s=require('net').createServer();s.listen(0,'127.0.0.1',()=>{console.log(s.address().port);s.close()})"
}

as_root() { [ "$(id -u)" = 0 ]; }

pg_bin_dir() {
  local d
  for d in /usr/lib/postgresql/*/bin; do
    if [ -x "$d/initdb" ]; then echo "$d"; fi
  done | sort -V | tail -n 1
}

ensure_postgres_installed() {
  if [ -n "$(pg_bin_dir)" ]; then return; fi
  say "PostgreSQL server binaries not found; installing Debian's postgresql package"
  if as_root; then
    DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2 || die "apt-get update failed"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2 || die "apt-get install postgresql failed"
  elif command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    sudo DEBIAN_FRONTEND=noninteractive apt-get update -qq >&2
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >&2
  else
    die "PostgreSQL is not installed and this user cannot install it. Run: sudo apt-get install postgresql"
  fi
  [ -n "$(pg_bin_dir)" ] || die "postgresql installed, but no initdb under /usr/lib/postgresql/*/bin"
}

ensure_node() {
  command -v node >/dev/null || die "Node.js is needed for Azurite. Install Node 20 (apt-get install nodejs npm)."
  command -v npm >/dev/null || die "npm is needed for Azurite. Install it (apt-get install npm)."
}

ensure_azurite_installed() {
  # The Redocly CLI (the OpenAPI lint test) comes from the same lockfile.
  if [ -x "$ROOT/node_modules/.bin/azurite" ] && [ -x "$ROOT/node_modules/.bin/redocly" ]; then return; fi
  say "installing Azurite and the Redocly CLI from package-lock.json (npm ci)"
  (cd "$ROOT" && npm ci --no-audit --no-fund --loglevel=error >&2) || die "npm ci failed; is the npm registry reachable?"
}

# Runs a PostgreSQL binary as the cluster's owner.
pg_run() {
  if as_root; then runuser -u postgres -- "$@"; else "$@"; fi
}

is_running() {
  [ -f "$ENV_FILE" ] || return 1
  # shellcheck disable=SC1090
  . "$ENV_FILE"
  [ -n "${PG_PORT:-}" ] && [ -n "${AZURITE_PID:-}" ] && [ -n "${AZ_QUEUE:-}" ] || return 1
  kill -0 "$AZURITE_PID" 2>/dev/null || return 1
  "$(pg_bin_dir)/pg_isready" -q -h 127.0.0.1 -p "$PG_PORT" || return 1
}

start_postgres() {
  local bin port data log
  bin="$(pg_bin_dir)"
  port="$(free_port)"
  # A temp folder rather than the work tree: when running as root the cluster belongs to the
  # `postgres` user, who may not be able to reach a checkout under /root.
  data="$(mktemp -d /tmp/impact-pg.XXXXXX)"
  log="$data/postgres.log"
  if as_root; then chown postgres: "$data"; fi
  pg_run "$bin/initdb" -D "$data/data" -U postgres -A trust -E UTF8 --locale=C.UTF-8 >"$STATE/initdb.log" 2>&1 \
    || die "initdb failed; see $STATE/initdb.log"
  pg_run "$bin/pg_ctl" -D "$data/data" -l "$log" -w -t 60 \
    -o "-p $port -k $data -c listen_addresses=127.0.0.1 -c max_connections=300 -c shared_buffers=1GB -c max_wal_size=4GB -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { cat "$log" >&2 || true; die "PostgreSQL did not start (log above)"; }
  PG_PORT="$port"; PG_DIR="$data"
  "$bin/psql" -h 127.0.0.1 -p "$port" -U postgres -d postgres -qAt -c "CREATE DATABASE impact" >/dev/null \
    || die "could not create database impact"
  say "PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (data $data)"
}

start_azurite() {
  local dir bp qp tp log
  dir="$(mktemp -d /tmp/impact-azurite.XXXXXX)"
  bp="$(free_port)"; qp="$(free_port)"; tp="$(free_port)"
  while [ "$qp" = "$bp" ]; do qp="$(free_port)"; done
  while [ "$tp" = "$bp" ] || [ "$tp" = "$qp" ]; do tp="$(free_port)"; done
  log="$dir/azurite.log"
  # Its own process group, so `down` can stop node and its children together.
  setsid "$ROOT/node_modules/.bin/azurite" --silent --inMemoryPersistence \
    --blobHost 127.0.0.1 --queueHost 127.0.0.1 --tableHost 127.0.0.1 \
    --blobPort "$bp" --queuePort "$qp" --tablePort "$tp" \
    --skipApiVersionCheck --loose >"$log" 2>&1 < /dev/null &
  AZURITE_PID=$!
  local i
  for i in $(seq 1 100); do
    if (exec 3<>"/dev/tcp/127.0.0.1/$qp") 2>/dev/null && (exec 3<>"/dev/tcp/127.0.0.1/$bp") 2>/dev/null \
       && (exec 3<>"/dev/tcp/127.0.0.1/$tp") 2>/dev/null; then
      break
    fi
    kill -0 "$AZURITE_PID" 2>/dev/null || { cat "$log" >&2; die "Azurite exited (log above)"; }
    sleep 0.2
  done
  [ "$i" -lt 100 ] || { cat "$log" >&2; die "Azurite did not open its ports within 20 s"; }
  AZ_DIR="$dir"; AZ_BLOB="$bp"; AZ_QUEUE="$qp"; AZ_TABLE="$tp"
  say "Azurite on 127.0.0.1 blob:$bp queue:$qp table:$tp"
}

write_env() {
  # The well-known Azurite development account key (public, documented by Microsoft).
  local key="Eby8vdM02xNOcqFlqUwJPLlmEtlCDXJ1OUzFT50uSRZ6IFsuFq2UVErCz4I6tq/K1SZFPTOtr/KBHBeksoGMGw=="
  local storage="DefaultEndpointsProtocol=http;AccountName=devstoreaccount1;AccountKey=$key;BlobEndpoint=http://127.0.0.1:$AZ_BLOB/devstoreaccount1;QueueEndpoint=http://127.0.0.1:$AZ_QUEUE/devstoreaccount1;TableEndpoint=http://127.0.0.1:$AZ_TABLE/devstoreaccount1;"
  cat >"$ENV_FILE" <<EOF
# Written by scripts/services.sh; read by the tests, scripts/run.sh and the app.
PG_PORT=$PG_PORT
PG_DIR=$PG_DIR
AZURITE_PID=$AZURITE_PID
AZ_DIR=$AZ_DIR
AZ_BLOB=$AZ_BLOB
AZ_QUEUE=$AZ_QUEUE
AZ_TABLE=$AZ_TABLE
Postgres__ConnectionString='Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=impact;Include Error Detail=true'
AzureWebJobsStorage='$storage'
EOF
}

migrate() {
  say "applying migrations"
  (cd "$ROOT" && dotnet run --project tools/Migrator -v q -- "Host=127.0.0.1;Port=$PG_PORT;Username=postgres;Database=impact") >&2 \
    || die "migrations failed"
}

stop_all() {
  if [ -f "$ENV_FILE" ]; then
    # shellcheck disable=SC1090
    . "$ENV_FILE"
    if [ -n "${AZURITE_PID:-}" ] && kill -0 "$AZURITE_PID" 2>/dev/null; then
      kill -TERM -- "-$AZURITE_PID" 2>/dev/null || true
      for _ in $(seq 1 20); do kill -0 "$AZURITE_PID" 2>/dev/null || break; sleep 0.1; done
      kill -KILL -- "-$AZURITE_PID" 2>/dev/null || true
    fi
    if [ -n "${PG_DIR:-}" ] && [ -d "$PG_DIR/data" ]; then
      pg_run "$(pg_bin_dir)/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
      rm -rf "$PG_DIR"
    fi
    [ -n "${AZ_DIR:-}" ] && rm -rf "$AZ_DIR"
    rm -f "$ENV_FILE"
    say "stopped"
  fi
}

case "${1:-up}" in
  up)
    if is_running; then say "already running (see $ENV_FILE)"; exit 0; fi
    stop_all
    ensure_node
    ensure_postgres_installed
    ensure_azurite_installed
    command -v dotnet >/dev/null || die "the .NET 10 SDK is needed (dotnet not on PATH)"
    # Whatever fails below (die exits), stop what was already started.
    trap 'rc=$?; if [ $rc -ne 0 ]; then say "start-up failed; stopping what was started"; stop_all; fi' EXIT
    PG_PORT=; PG_DIR=; AZURITE_PID=; AZ_DIR=; AZ_BLOB=; AZ_QUEUE=; AZ_TABLE=
    start_postgres
    write_env
    start_azurite
    write_env
    [ "${SKIP_MIGRATIONS:-0}" = 1 ] || migrate
    say "settings written to $ENV_FILE"
    ;;
  down) stop_all ;;
  status)
    if is_running; then cat "$ENV_FILE"; else say "not running"; exit 1; fi
    ;;
  *) die "usage: $0 up|down|status" ;;
esac
