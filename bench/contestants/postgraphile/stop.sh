#!/usr/bin/env bash
# Stops the cluster that setup.sh DIR started (fast shutdown). Leaves DIR in place.
#
#   stop.sh DIR
set -euo pipefail
if [ $# -ne 1 ]; then
  echo "usage: $0 DIR" >&2
  exit 2
fi
dir="$(realpath -m "$1")"
if [ ! -f "$dir/data/postmaster.pid" ]; then
  echo "no cluster running in $dir" >&2
  exit 0
fi
bindir=""
for d in $(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V -r); do
  if [ -x "$d/pg_ctl" ]; then bindir="$d"; break; fi
done
[ -n "$bindir" ] || bindir="$(dirname "$(command -v pg_ctl)")"
if [ "$(id -u)" = 0 ]; then
  runuser -u postgres -- "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop
else
  "$bindir/pg_ctl" -D "$dir/data" -m fast -w stop
fi
