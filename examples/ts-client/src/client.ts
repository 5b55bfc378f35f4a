// A typed client for wic-gql: the response and variable types come from graphql-codegen
// (`npm run generate`), which checks each operation in ../operations/ against the published
// ../../schema.graphql, so a field the schema drops or retypes fails `npm run typecheck`.
//
// Usage: npm start -- [SERVER_URL]   (default http://127.0.0.1:8080; `/graphql` is appended
// unless the URL already ends with it). Exits non-zero on any HTTP or GraphQL error.

import { readFileSync } from "node:fs";

import type {
  EventTrendsActorsQuery,
  EventTrendsActorsQueryVariables,
  FoundersOfWicQuery,
  FoundersOfWicQueryVariables,
} from "./generated/graphql.js";

/** Each operation in ../operations/ by name: its response data and its variables. */
interface Operations {
  EventTrendsActors: { data: EventTrendsActorsQuery; variables: EventTrendsActorsQueryVariables };
  FoundersOfWic: { data: FoundersOfWicQuery; variables: FoundersOfWicQueryVariables };
}

interface GraphQLError {
  message: string;
  path?: ReadonlyArray<string | number>;
  extensions?: Record<string, unknown>;
}

interface GraphQLResponse<TData> {
  data?: TData | null;
  errors?: ReadonlyArray<GraphQLError>;
}

/** The text of an operation, shared with the Rust client (examples/operations/NAME.graphql). */
function documentOf(name: keyof Operations): string {
  // From src/ and from dist/ alike, ../../operations is examples/operations.
  return readFileSync(new URL(`../../operations/${name}.graphql`, import.meta.url), "utf8");
}

/** Posts one operation and returns its data; throws on an HTTP failure, any GraphQL error or no data. */
async function run<N extends keyof Operations>(
  endpoint: string,
  operationName: N,
  variables: Operations[N]["variables"],
): Promise<Operations[N]["data"]> {
  const response = await fetch(endpoint, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      accept: "application/graphql-response+json, application/json",
    },
    body: JSON.stringify({ query: documentOf(operationName), operationName, variables }),
  });
  let body: GraphQLResponse<Operations[N]["data"]>;
  try {
    body = (await response.json()) as GraphQLResponse<Operations[N]["data"]>;
  } catch (e) {
    throw new Error(`${operationName}: HTTP ${response.status}, not a GraphQL response: ${String(e)}`);
  }
  if (body.errors !== undefined && body.errors.length > 0) {
    const messages = body.errors.map((e) => e.message).join("; ");
    throw new Error(`${operationName}: GraphQL errors: ${messages}`);
  }
  if (body.data === undefined || body.data === null) {
    throw new Error(`${operationName}: HTTP ${response.status}, no data`);
  }
  return body.data;
}

async function eventTrendsActors(endpoint: string): Promise<void> {
  // `actors` is left out, so the operation's default applies.
  const { event } = await run(endpoint, "EventTrendsActors", { slug: "wic-2017", trends: 10 });
  if (event === null) {
    throw new Error("EventTrendsActors: no event `wic-2017`");
  }
  // The place, its parent and its grandparent (locality, province, country).
  const places: string[] = [];
  if (event.place !== null) {
    places.push(event.place.name);
    if (event.place.parent !== null) {
      places.push(event.place.parent.name);
      if (event.place.parent.parent !== null) {
        places.push(event.place.parent.parent.name);
      }
    }
  }
  console.log(
    `event ${event.slug}: ${event.name} (${event.startDate} to ${event.endDate ?? "?"}) in ${places.join(", ")}`,
  );
  for (const organizer of event.organizers.nodes) {
    console.log(`organizer ${organizer.slug}: ${organizer.name}`);
    console.log(`trends: ${organizer.projects.totalCount}`);
    for (const trend of organizer.projects.nodes) {
      console.log(`trend ${trend.numeral}: ${trend.statement}`);
      console.log(`  actors: ${trend.actors.totalCount}`);
      for (const { role, node } of trend.actors.edges) {
        console.log(`  actor ${node.slug} [${node.kind}] ${node.name}: ${role ?? "-"}`);
      }
    }
  }
}

async function foundersOfWic(endpoint: string): Promise<void> {
  // `founders` is left out, so the operation's default applies.
  const { actor } = await run(endpoint, "FoundersOfWic", { slug: "wic" });
  if (actor === null) {
    throw new Error("FoundersOfWic: no actor `wic`");
  }
  console.log(
    `organization ${actor.slug}: ${actor.name} [${actor.kind}] founded ${actor.founded ?? "?"} ` +
      `headquartered in ${actor.headquarters?.name ?? "?"}`,
  );
  console.log(`founders: ${actor.founders.totalCount}`);
  for (const { role, node } of actor.founders.edges) {
    const aliases = node.aliases.length > 0 ? ` (${node.aliases.join(", ")})` : "";
    const founded = node.organizationsFounded.nodes.map((o) => o.slug).join(", ");
    console.log(`founder ${node.slug} [${node.kind}] ${node.name}${aliases}: ${role ?? "-"}; founded ${founded}`);
  }
}

async function main(): Promise<void> {
  const base = (process.argv[2] ?? "http://127.0.0.1:8080").replace(/\/+$/, "");
  const endpoint = base.endsWith("/graphql") ? base : `${base}/graphql`;
  await eventTrendsActors(endpoint);
  await foundersOfWic(endpoint);
}

/** An error's message and the messages of its causes (fetch puts the network error in `cause`). */
function describe(e: unknown): string {
  if (!(e instanceof Error)) {
    return String(e);
  }
  return e.cause === undefined ? e.message : `${e.message}: ${describe(e.cause)}`;
}

main().catch((e: unknown) => {
  console.error(`wic-gql-ts-client: ${describe(e)}`);
  process.exitCode = 1;
});
