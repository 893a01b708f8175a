# shellcheck shell=bash
# Sourced by scripts/test and scripts/bench: starts a throwaway PostgreSQL cluster on 127.0.0.1
# (random port, trust auth) and exports SIGIL_TEST_POSTGRES_URL. Tests run it with fsync off;
# PG_DURABLE=1 keeps PostgreSQL's default durability (fsync, synchronous_commit) for benchmarks. The cluster and its
# directory are removed when the calling shell exits. PostgreSQL refuses to run as root, so as
# root the cluster runs as the `postgres` user (created by Debian's postgresql package).

pg_bindir() {
  local d
  if command -v pg_config >/dev/null 2>&1 && [ -x "$(pg_config --bindir)/initdb" ] && [ -x "$(pg_config --bindir)/pg_ctl" ]; then
    pg_config --bindir; return
  fi
  for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
    if [ -x "$d/initdb" ] && [ -x "$d/pg_ctl" ]; then echo "$d"; return; fi
  done
  return 1
}

start_temp_postgres() {
  local bin port as
  if ! bin=$(pg_bindir); then
    echo "scripts/test: PostgreSQL server binaries not found. Install them (Debian: apt-get install postgresql)" >&2
    echo "  or point SIGIL_TEST_POSTGRES_URL at a server whose user may CREATE DATABASE." >&2
    return 1
  fi
  PG_TEMP_DIR=$(mktemp -d /tmp/sigil-pg.XXXXXX)
  port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  as=()
  if [ "$(id -u)" = 0 ]; then
    chown postgres: "$PG_TEMP_DIR"
    as=(runuser -u postgres --)
  fi
  "${as[@]}" "$bin/initdb" -D "$PG_TEMP_DIR/data" -U postgres --auth=trust -E UTF8 --no-sync >"$PG_TEMP_DIR/initdb.log" 2>&1 \
    || { cat "$PG_TEMP_DIR/initdb.log" >&2; return 1; }
  local durability="-c fsync=off -c synchronous_commit=off -c full_page_writes=off"
  if [ "${PG_DURABLE:-0}" = 1 ]; then durability=""; fi
  "${as[@]}" "$bin/pg_ctl" -D "$PG_TEMP_DIR/data" -l "$PG_TEMP_DIR/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -p $port -k $PG_TEMP_DIR -c max_connections=400 $durability" \
    start >/dev/null || { cat "$PG_TEMP_DIR/server.log" >&2; return 1; }
  PG_TEMP_CTL=("${as[@]}" "$bin/pg_ctl" -D "$PG_TEMP_DIR/data")
  trap stop_temp_postgres EXIT
  export SIGIL_TEST_POSTGRES_URL="postgres://postgres@127.0.0.1:$port/postgres"
  echo "scripts/test: PostgreSQL $("$bin/postgres" --version | awk '{print $3}') on 127.0.0.1:$port (throwaway cluster in $PG_TEMP_DIR)"
}

stop_temp_postgres() {
  if [ -n "${PG_TEMP_DIR:-}" ]; then
    "${PG_TEMP_CTL[@]}" stop -m immediate >/dev/null 2>&1 || true
    rm -rf "$PG_TEMP_DIR"
  fi
}
