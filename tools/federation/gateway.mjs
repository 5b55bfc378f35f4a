// A real Apollo gateway (IntrospectAndCompose) over a running `wic-gql serve --federation`
// and the subgraph of extras.graphql, which this script serves. It prints one JSON object:
// the composed supergraph SDL (the subgraphs' URLs replaced by fixed ones, so the file can
// be committed) and each query of QUERIES with the gateway's answer. tests/api/federation.rs
// runs it and checks both.
//
//   node gateway.mjs --wic http://127.0.0.1:8080/graphql
import { readFileSync } from "node:fs";
import { ApolloServer } from "@apollo/server";
import { ApolloServerPluginInlineTraceDisabled } from "@apollo/server/plugin/disabled";
import { startStandaloneServer } from "@apollo/server/standalone";
import { ApolloGateway, IntrospectAndCompose } from "@apollo/gateway";
import { buildSubgraphSchema } from "@apollo/subgraph";
import { parse } from "graphql";

/** The URLs the committed supergraph names: wic-gql's default address, and the extras'. */
const COMMITTED_URLS = {
  wic: "http://127.0.0.1:8080/graphql",
  extras: "http://127.0.0.1:4001/graphql",
};

/** Queries that cross both subgraphs, in both directions. */
const QUERIES = {
  // wic-gql first, then the extras by id (one entity).
  actorBySlug: `{ actor(slug: "oecd") { name slug decodedId } }`,
  // wic-gql first, then the extras by id, for a list.
  actorList: `{ actors(first: 3) { totalCount nodes { slug decodedId } } }`,
  // wic-gql first, then the extras by slug.
  trendList: `{ trends(first: 2) { nodes { slug shout name } } }`,
  // The extras first, then wic-gql's `_entities` by id.
  featuredActors: `{ featuredActors { id decodedId name kind } }`,
  // The extras first, then wic-gql's `_entities` by slug.
  featuredTrend: `{ featuredTrend { slug shout name numeral } }`,
  // An id wic-gql has no record for: its `_entities` answers null with ENTITY_NOT_FOUND.
  missingActor: `{ missingActor { decodedId name } }`,
};

const globalId = (type, slug) => Buffer.from(`${type}:${slug}`).toString("base64url");

function argument(name) {
  const at = process.argv.indexOf(name);
  if (at < 0 || at + 1 >= process.argv.length) {
    console.error(`usage: node gateway.mjs --wic URL (missing ${name})`);
    process.exit(2);
  }
  return process.argv[at + 1];
}

const wicUrl = argument("--wic");
// stdout carries the JSON alone: Apollo's notices go to stderr, and debug lines nowhere.
const logger = {
  debug() {},
  info: (...a) => console.error(...a),
  warn: (...a) => console.error(...a),
  error: (...a) => console.error(...a),
};
const here = new URL(".", import.meta.url);

const extras = new ApolloServer({
  logger,
  plugins: [ApolloServerPluginInlineTraceDisabled()],
  schema: buildSubgraphSchema({
    typeDefs: parse(readFileSync(new URL("extras.graphql", here), "utf8")),
    resolvers: {
      Query: {
        featuredActors: () => [{ id: globalId("Actor", "oecd") }, { id: globalId("Actor", "tencent") }],
        featuredTrend: () => ({ slug: "trend-ii" }),
        missingActor: () => ({ id: globalId("Actor", "nobody") }),
      },
      Actor: {
        __resolveReference: ({ id }) => ({ id }),
        decodedId: ({ id }) => Buffer.from(id, "base64url").toString(),
      },
      Trend: {
        __resolveReference: ({ slug }) => ({ slug }),
        shout: ({ slug }) => slug.toUpperCase(),
      },
    },
  }),
});

let exitCode = 0;
let router = null;
try {
  const { url: extrasUrl } = await startStandaloneServer(extras, {
    listen: { host: "127.0.0.1", port: 0 },
  });
  let supergraph = null;
  const gateway = new ApolloGateway({
    logger,
    supergraphSdl: new IntrospectAndCompose({
      subgraphs: [
        { name: "wic", url: wicUrl },
        { name: "extras", url: extrasUrl },
      ],
    }),
  });
  gateway.onSchemaLoadOrUpdate(({ coreSupergraphSdl }) => {
    supergraph = coreSupergraphSdl;
  });
  router = new ApolloServer({ gateway, logger, includeStacktraceInErrorResponses: false });
  const { url: routerUrl } = await startStandaloneServer(router, {
    listen: { host: "127.0.0.1", port: 0 },
  });

  const results = {};
  for (const [name, query] of Object.entries(QUERIES)) {
    const response = await fetch(routerUrl, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ query }),
    });
    results[name] = await response.json();
  }
  const committed = supergraph
    .replaceAll(`"${wicUrl}"`, `"${COMMITTED_URLS.wic}"`)
    .replaceAll(`"${extrasUrl}"`, `"${COMMITTED_URLS.extras}"`);
  console.log(JSON.stringify({ supergraph: committed, results }, null, 2));
} catch (error) {
  console.error(`the gateway failed: ${error.stack ?? error}`);
  exitCode = 1;
} finally {
  await router?.stop().catch(() => {});
  await extras.stop().catch(() => {});
}
process.exit(exitCode);
