#!/usr/bin/env bash
# Creates a throwaway PostgreSQL cluster loaded with the wic-gql graph and prints its
# DATABASE_URL (the only line on stdout; progress goes to stderr).
#
#   setup.sh DIR [PORT] [DATA_JSON]
#
# DIR        the cluster's directory (created; its data in DIR/data, log DIR/postgres.log,
#            socket in DIR). It must not hold a cluster already.
# PORT       a free TCP port on 127.0.0.1 (default: one the kernel picks).
# DATA_JSON  `wic-gql export` output (default: made now with the wic-gql binary of this
#            repository — $WIC_GQL, else target/release or target/debug if it has `export`,
#            else `cargo run` — from a database seeded in DIR/wic-gql.db).
#
# Needs Debian's PostgreSQL (`apt-get install -y postgresql`), Node.js 20 and the
# packages of package.json (`npm ci`, run here when node_modules/ is missing). As root,
# the PostgreSQL binaries run as the `postgres` user, which then owns DIR.
# Stop the cluster with stop.sh DIR.
set -euo pipefail

if [ $# -lt 1 ] || [ $# -gt 3 ]; then
  echo "usage: $0 DIR [PORT] [DATA_JSON]" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
repo="$(cd "$here/../../.." && pwd)"
dir="$(realpath -m "$1")"
port="${2:-0}"
data="${3:-}"
started=$(date +%s%N)

# The newest installed server's binaries (Debian keeps them out of PATH).
bindir=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  if [ -x "$d/initdb" ]; then bindir="$d"; break; fi
done
if [ -z "$bindir" ]; then
  if command -v initdb >/dev/null; then
    bindir="$(dirname "$(command -v initdb)")"
  else
    echo "error: PostgreSQL is not installed: apt-get update && apt-get install -y postgresql" >&2
    exit 1
  fi
fi

as_pg() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

if [ -e "$dir/data/PG_VERSION" ]; then
  echo "error: $dir already holds a cluster (stop.sh $dir; rm -rf $dir)" >&2
  exit 1
fi
if [ "$port" = 0 ]; then
  port="$(node -e 'const s=require("net").createServer().listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})')"
fi

if [ ! -d "$here/node_modules" ]; then
  echo "installing the pinned packages (npm ci) ..." >&2
  (cd "$here" && npm ci --no-audit --no-fund >&2)
fi

if [ -z "$data" ]; then
  mkdir -p "$dir"
  wic=()
  for bin in "${WIC_GQL:-}" "$repo/target/release/wic-gql" "$repo/target/debug/wic-gql"; do
    if [ -n "$bin" ] && [ -x "$bin" ] && grep -q '^  export' <<<"$("$bin" --help 2>/dev/null)"; then wic=("$bin"); break; fi
  done
  [ ${#wic[@]} -gt 0 ] || wic=(cargo run --quiet --manifest-path "$repo/Cargo.toml" --)
  echo "exporting the graph with ${wic[*]} ..." >&2
  rm -rf "$dir/wic-gql.db"
  (cd "$repo" && "${wic[@]}" seed --db "$dir/wic-gql.db" >&2)
  "${wic[@]}" export --db "$dir/wic-gql.db" > "$dir/wic.json"
  data="$dir/wic.json"
fi
data="$(realpath "$data")"

mkdir -p "$dir"
[ "$(id -u)" = 0 ] && chown postgres: "$dir"
echo "initdb in $dir/data ($("$bindir/postgres" --version)) ..." >&2
as_pg "$bindir/initdb" -D "$dir/data" -U postgres --auth=trust --encoding=UTF8 --locale=C.UTF-8 \
  >"$dir/initdb.log" 2>&1 || { cat "$dir/initdb.log" >&2; exit 1; }
# Debian's defaults otherwise; durability off, as for any throwaway benchmark cluster
# (it only speeds up the load: the benchmark only reads).
cat >>"$dir/data/postgresql.conf" <<EOF

# setup.sh
listen_addresses = '127.0.0.1'
port = $port
unix_socket_directories = '$dir'
fsync = off
synchronous_commit = off
full_page_writes = off
EOF
as_pg "$bindir/pg_ctl" -D "$dir/data" -l "$dir/postgres.log" -w -t 60 start >&2

psql_() { "$bindir/psql" -X -q -v ON_ERROR_STOP=1 -h 127.0.0.1 -p "$port" "$@"; }
psql_ -U postgres -d postgres -c "CREATE ROLE wic LOGIN" -c "CREATE DATABASE wic OWNER wic"
url="postgres://wic@127.0.0.1:$port/wic"
echo "applying schema.sql ..." >&2
psql_ -U wic -d wic -f "$here/schema.sql" >&2
echo "loading $data ..." >&2
node "$here/load.mjs" "$data" "$url"
elapsed_ms=$(( ($(date +%s%N) - started) / 1000000 ))
printf 'setup took %d.%03d s\n' $((elapsed_ms / 1000)) $((elapsed_ms % 1000)) >&2
echo "$url"
