// The Apollo Server contestant of the wic-gql benchmark: the same schema (`schema.graphql`
// at the repository root, read at startup) over the same data (the JSON of
// `wic-gql export`), held in plain in-memory maps, served by `@apollo/server`'s standalone
// server in production mode.
//
//   NODE_ENV=production node server.mjs --port PORT --data FILE
//
// (environment: WIC_APOLLO_PORT, WIC_APOLLO_DATA, WIC_APOLLO_SCHEMA; `--schema FILE`
// overrides the schema path). Prints `listening on http://127.0.0.1:PORT` when ready;
// exits with 0 on SIGTERM or SIGINT once requests in flight have finished.
//
// The resolvers (graph.mjs, shared with the conformance suite in tools/conformance/) port
// wic-gql's semantics (src/api/*.rs, src/graph/mod.rs, search.rs): edge order (relation
// tag, then seed position), Relay paging with keyset cursors and a default page of 100, the
// global ids, and full-text search with the same tokenizer, stopwords, field weights,
// scoring and snippets.

import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { createGraph } from './graph.mjs';

// graphql-js decides at import time whether to run its development-only checks, so the
// environment must be set before the (dynamic) imports below.
process.env.NODE_ENV ??= 'production';

const { ApolloServer } = await import('@apollo/server');
const { startStandaloneServer } = await import('@apollo/server/standalone');
const {
  ApolloServerPluginLandingPageDisabled,
  ApolloServerPluginCacheControlDisabled,
  ApolloServerPluginInlineTraceDisabled,
  ApolloServerPluginUsageReportingDisabled,
  ApolloServerPluginSchemaReportingDisabled,
} = await import('@apollo/server/plugin/disabled');

// ---------------------------------------------------------------------------------------
// Command line

const { values: opts } = parseArgs({
  options: {
    port: { type: 'string' },
    data: { type: 'string' },
    schema: { type: 'string' },
  },
});
const port = Number(opts.port ?? process.env.WIC_APOLLO_PORT ?? 4000);
const dataPath = opts.data ?? process.env.WIC_APOLLO_DATA;
const schemaPath =
  opts.schema ??
  process.env.WIC_APOLLO_SCHEMA ??
  fileURLToPath(new URL('../../../schema.graphql', import.meta.url));
if (!dataPath || !Number.isInteger(port) || port < 0 || port > 65535) {
  console.error('usage: node server.mjs --port PORT --data FILE  (FILE: the output of `wic-gql export`)');
  process.exit(2);
}

const { resolvers } = createGraph(JSON.parse(readFileSync(dataPath, 'utf8')));

// ---------------------------------------------------------------------------------------
// The server

const server = new ApolloServer({
  typeDefs: readFileSync(schemaPath, 'utf8'),
  resolvers,
  nodeEnv: 'production',
  // As wic-gql's `--mode production`: no introspection, no schema hints in errors.
  introspection: false,
  hideSchemaDetailsFromClientErrors: true,
  includeStacktraceInErrorResponses: false,
  // SIGTERM/SIGINT are handled below, to exit with 0.
  stopOnTerminationSignals: false,
  plugins: [
    ApolloServerPluginLandingPageDisabled(),
    ApolloServerPluginCacheControlDisabled(),
    ApolloServerPluginInlineTraceDisabled(),
    ApolloServerPluginUsageReportingDisabled(),
    ApolloServerPluginSchemaReportingDisabled(),
  ],
});

const { url } = await startStandaloneServer(server, { listen: { host: '127.0.0.1', port } });
console.log(`listening on http://127.0.0.1:${new URL(url).port}`);

let stopping = false;
for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    if (stopping) return;
    stopping = true;
    // Stops accepting connections, lets requests in flight finish, closes idle ones.
    server.stop().then(
      () => process.exit(0),
      (err) => {
        console.error(err);
        process.exit(1);
      },
    );
  });
}
