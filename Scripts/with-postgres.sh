#!/usr/bin/env bash
# Runs a command beside a throwaway PostgreSQL cluster on a free loopback port, with
# DATABASE_URL pointing at it, and always stops and removes the cluster afterwards.
#   Scripts/with-postgres.sh swift run -c release summarize-bench db
# PG_FSYNC=off trades durability for speed (the test suite uses it); the default keeps fsync on,
# as benchmarks should. PG_OPTIONS adds server settings (e.g. "-c log_checkpoints=on");
# PG_SERVER_LOG names a file to keep the server's log in. Needs PostgreSQL's server binaries (Scripts/test.sh installs them).
# With openssl present the server also speaks TLS with a throwaway certificate for 127.0.0.1
# and localhost, whose path is exported as DATABASE_TLS_ROOT_CERT for the TLS tests.
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '==> %s\n' "$*" >&2; }

pg_bin=$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1 || true)
if [ -z "$pg_bin" ] || [ ! -x "$pg_bin/initdb" ]; then
  log "PostgreSQL's server binaries are missing; run Scripts/test.sh once or apt-get install postgresql"
  exit 1
fi

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()' 2>/dev/null \
    || echo $((20000 + RANDOM % 20000))
}

pg_dir=$(mktemp -d "${TMPDIR:-/tmp}/summarize-pg.XXXXXX")
chmod 755 "$pg_dir"
as_pg() {
  # initdb refuses to run as root: run the server as the postgres user then.
  if [ "$(id -u)" -eq 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}
[ "$(id -u)" -eq 0 ] && chown postgres "$pg_dir"

stop_pg() {
  if [ -f "$pg_dir/data/postmaster.pid" ]; then
    as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -m fast -w stop >/dev/null 2>&1 || true
  fi
  if [ -n "${PG_SERVER_LOG:-}" ] && [ -f "$pg_dir/server.log" ]; then cp "$pg_dir/server.log" "$PG_SERVER_LOG" || true; fi
  rm -rf "$pg_dir"
}
trap stop_pg EXIT INT TERM

port=$(free_port)
log "starting PostgreSQL ($pg_bin) on 127.0.0.1:$port (fsync ${PG_FSYNC:-on})"
as_pg "$pg_bin/initdb" -D "$pg_dir/data" -A trust -U postgres --no-sync -E UTF8 >"$pg_dir/initdb.log" 2>&1 \
  || { cat "$pg_dir/initdb.log" >&2; exit 1; }
tls_options=""
if command -v openssl >/dev/null 2>&1; then
  # A self-signed certificate that is its own root, valid for the addresses clients use.
  openssl req -x509 -newkey rsa:2048 -nodes -days 2 -subj "/CN=localhost" \
    -addext "subjectAltName=IP:127.0.0.1,DNS:localhost" \
    -keyout "$pg_dir/server.key" -out "$pg_dir/server.crt" >/dev/null 2>&1
  chmod 600 "$pg_dir/server.key"
  [ "$(id -u)" -eq 0 ] && chown postgres "$pg_dir/server.key" "$pg_dir/server.crt"
  tls_options="-c ssl=on -c ssl_cert_file=$pg_dir/server.crt -c ssl_key_file=$pg_dir/server.key"
  export DATABASE_TLS_ROOT_CERT="$pg_dir/server.crt"
fi
as_pg "$pg_bin/pg_ctl" -D "$pg_dir/data" -l "$pg_dir/server.log" -w \
  -o "-p $port -k $pg_dir -c listen_addresses=127.0.0.1 -c fsync=${PG_FSYNC:-on} $tls_options ${PG_OPTIONS:-}" start >/dev/null \
  || { cat "$pg_dir/server.log" >&2; exit 1; }
export DATABASE_URL="postgres://postgres@127.0.0.1:$port/postgres"

# Not exec: the trap must run after the command to stop the cluster.
status=0
"$@" || status=$?
exit $status
