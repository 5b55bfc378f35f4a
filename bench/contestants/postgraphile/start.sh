#!/usr/bin/env bash
# Runs PostGraphile in the foreground in production mode (see server.mjs).
#
#   start.sh PORT DATABASE_URL
#
# Prints `listening on http://127.0.0.1:PORT` when ready (GraphQL at /graphql); exits 0
# on SIGTERM. DATABASE_URL is what setup.sh printed.
set -euo pipefail
if [ $# -ne 2 ]; then
  echo "usage: $0 PORT DATABASE_URL" >&2
  exit 2
fi
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
export NODE_ENV=production
exec node "$here/server.mjs" --port "$1" --database-url "$2"
