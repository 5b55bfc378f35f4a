// PostGraphile 4 as a library on a plain node:http server, in the production setup its
// documentation recommends (https://www.graphile.org/postgraphile/production/): no
// GraphiQL, no query log, no watch mode, RBAC-aware introspection, JSON as JSON, setof
// functions without nulls, no mutations (the benchmark only reads).
//
//   NODE_ENV=production node server.mjs --port PORT --database-url URL
//
// Prints `listening on http://127.0.0.1:PORT` (the API is at /graphql) once the schema
// is built and the socket is bound; PORT 0 picks a free port. SIGTERM or SIGINT: stop
// accepting, finish requests in flight, close the pool, exit 0.
import http from "node:http";
import { parseArgs } from "node:util";
import pg from "pg";
import { postgraphile } from "postgraphile";

const { values } = parseArgs({
  options: {
    port: { type: "string", default: "5000" },
    host: { type: "string", default: "127.0.0.1" },
    "database-url": { type: "string", default: process.env.DATABASE_URL },
    "pool-size": { type: "string", default: "10" },
  },
});
if (!values["database-url"]) {
  console.error("usage: node server.mjs --port PORT --database-url URL");
  process.exit(2);
}
if (process.env.NODE_ENV !== "production") {
  console.error("warning: NODE_ENV is not `production`; start.sh sets it");
}

const pool = new pg.Pool({
  connectionString: values["database-url"],
  max: Number(values["pool-size"]),
});

const middleware = postgraphile(pool, "public", {
  graphiql: false,
  enhanceGraphiql: false,
  disableQueryLog: true,
  watchPg: false,
  retryOnInitFail: false,
  dynamicJson: true,
  setofFunctionsContainNulls: false,
  ignoreRBAC: false,
  ignoreIndexes: true,
  disableDefaultMutations: true,
  legacyRelations: "omit",
  enableQueryBatching: false,
  allowExplain: false,
  extendedErrors: [],
  showErrorStack: false,
  subscriptions: false,
  live: false,
});

// Build the schema before listening, so "listening" means ready to answer.
await middleware.getGraphQLSchema();

const server = http.createServer(middleware);
server.listen(Number(values.port), values.host, () => {
  const { port } = server.address();
  console.log(`listening on http://${values.host}:${port}`);
});

let stopping = false;
function stop(signal) {
  if (stopping) return;
  stopping = true;
  console.error(`${signal}: shutting down`);
  server.close(async () => {
    try {
      await middleware.release();
      await pool.end();
    } finally {
      process.exit(0);
    }
  });
  server.closeIdleConnections();
  // Keep-alive connections with a request in flight close after their response.
  setTimeout(() => server.closeAllConnections(), 5000).unref();
}
process.on("SIGTERM", () => stop("SIGTERM"));
process.on("SIGINT", () => stop("SIGINT"));
