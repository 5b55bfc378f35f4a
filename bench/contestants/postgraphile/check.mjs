// Checks that PostGraphile answers the benchmark's queries with the same facts as wic-gql.
//
//   node check.mjs POSTGRAPHILE_URL WICGQL_URL
//
// Each URL is a server's base (`http://127.0.0.1:PORT`, as both print on start) or its
// GraphQL endpoint (`.../graphql`). Sends queries/qN.graphql to PostGraphile and
// ../../queries/qN.graphql to wic-gql (Q5 once per variable set of
// ../../queries/q5.variables.json, the same variables to both), and compares what
// README.md says "equivalent" means for each. Prints `qN ok` or the difference per query
// (and notes on what differs by design); exits 1 on any mismatch.
import { readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { isDeepStrictEqual } from "node:util";

const here = dirname(fileURLToPath(import.meta.url));
const [pgUrlArg, wicUrlArg] = process.argv.slice(2);
if (!pgUrlArg || !wicUrlArg) {
  console.error("usage: node check.mjs POSTGRAPHILE_URL WICGQL_URL");
  process.exit(2);
}
const endpoint = (url) => {
  const base = url.replace(/\/+$/, "");
  return base.endsWith("/graphql") ? base : `${base}/graphql`;
};
const PG = endpoint(pgUrlArg);
const WIC = endpoint(wicUrlArg);

async function run(url, file, variables) {
  const query = readFileSync(file, "utf8");
  const response = await fetch(url, {
    method: "POST",
    headers: { "content-type": "application/json", accept: "application/json" },
    body: JSON.stringify(variables ? { query, variables } : { query }),
  });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    throw new Error(`${url} answered ${response.status}: ${text.slice(0, 300)}`);
  }
  if (!response.ok || body.errors) {
    throw new Error(`${url} answered ${response.status} with errors: ${JSON.stringify(body.errors ?? body).slice(0, 500)}`);
  }
  return body.data;
}

const both = (n, variables) =>
  Promise.all([
    run(PG, join(here, "queries", `q${n}.graphql`), variables),
    run(WIC, join(here, "..", "..", "queries", `q${n}.graphql`), variables),
  ]);
const q5VariableSets = JSON.parse(readFileSync(join(here, "..", "..", "queries", "q5.variables.json"), "utf8"));

// Objects with sorted keys, so that equal facts print equally.
function canonical(value) {
  if (Array.isArray(value)) return value.map(canonical);
  if (value && typeof value === "object") {
    return Object.fromEntries(Object.keys(value).sort().map((k) => [k, canonical(value[k])]));
  }
  return value;
}
const show = (value) => JSON.stringify(canonical(value));

const citations = (list) =>
  (list ?? []).map((c) => `${c.section}¶${c.paragraph}: ${c.quote}`).sort();

// Differences between two sets of strings, for the report.
function setDiff(label, pg, wic, limit = 8) {
  const pgSet = new Set(pg);
  const wicSet = new Set(wic);
  const onlyPg = [...pgSet].filter((x) => !wicSet.has(x));
  const onlyWic = [...wicSet].filter((x) => !pgSet.has(x));
  if (!onlyPg.length && !onlyWic.length) return [];
  const cut = (xs) => xs.slice(0, limit).join("\n      ") + (xs.length > limit ? `\n      … ${xs.length - limit} more` : "");
  const lines = [`${label}:`];
  if (onlyWic.length) lines.push(`    only wic-gql (${onlyWic.length}):\n      ${cut(onlyWic)}`);
  if (onlyPg.length) lines.push(`    only postgraphile (${onlyPg.length}):\n      ${cut(onlyPg)}`);
  return lines;
}

const checks = {
  // Q0: the root type's name.
  async q0() {
    const [pg, wic] = await both(0);
    return pg.__typename === wic.__typename ? [] : [`__typename ${pg.__typename} vs ${wic.__typename}`];
  },

  // Q1: the event's name and dates.
  async q1() {
    const [pg, wic] = await both(1);
    const p = pg.recordBySlug;
    const w = wic.event;
    const pick = (x) => x && { name: x.name, startDate: x.startDate, endDate: x.endDate };
    return isDeepStrictEqual(pick(p), pick(w)) ? [] : [`postgraphile ${show(pick(p))}\n  wic-gql     ${show(pick(w))}`];
  },

  // Q2: the Organizing Committee's projected trends: numeral -> actor slugs -> the actors'
  // trend numerals.
  async q2() {
    const [pg, wic] = await both(2);
    const shape = (trends) =>
      Object.fromEntries(
        trends.map((t) => [
          t.numeral,
          Object.fromEntries(t.actors.map((a) => [a.slug, a.trends.map((n) => n.numeral).sort()])),
        ]),
      );
    const p = shape(
      pg.recordBySlug.projects.nodes.map(({ to }) => ({
        numeral: to.numeral,
        actors: to.actors.nodes.map(({ from }) => ({
          slug: from.slug,
          trends: from.trends.nodes.map((e) => e.to),
        })),
      })),
    );
    const w = shape(
      wic.actor.projects.nodes.map((t) => ({
        numeral: t.numeral,
        actors: t.actors.nodes.map((a) => ({ slug: a.slug, trends: a.trends.nodes })),
      })),
    );
    if (isDeepStrictEqual(canonical(p), canonical(w))) return [];
    return [`postgraphile ${show(p)}\n  wic-gql      ${show(w)}`];
  },

  // Q3: every record with its citations, kind fields and the edges the query follows.
  async q3() {
    const [pg, wic] = await both(3);
    const problems = [];
    const notes = [];
    const p = pg.allRecords;
    const w = wic.records;
    if (p.totalCount !== w.totalCount) problems.push(`totalCount ${p.totalCount} vs ${w.totalCount}`);

    // One line per record: its kind, name, citations and the kind's own fields.
    const lower = (s) => (s == null ? null : String(s).toLowerCase());
    const wicRecord = (n) => {
      const fields = { kind: n.__typename.toLowerCase(), slug: n.slug, name: n.name, citations: citations(n.citations) };
      switch (n.__typename) {
        case "Trend": Object.assign(fields, { numeral: n.numeral, statement: n.statement, paragraphs: n.paragraphs }); break;
        case "Actor": fields.category = lower(n.actorKind); break;
        case "Topic": fields.category = lower(n.topicKind); break;
        case "Event": Object.assign(fields, { startDate: n.startDate, endDate: n.endDate, theme: n.theme }); break;
        case "Document": Object.assign(fields, { category: lower(n.documentKind), year: n.year }); break;
        case "Statistic": Object.assign(fields, { text: n.text, value: n.value, unit: n.unit, qualifier: lower(n.qualifier) }); break;
      }
      return show(fields);
    };
    const pgRecord = (n) => {
      const kind = n.kind.toLowerCase();
      const fields = { kind, slug: n.slug, name: n.name, citations: citations(n.citations) };
      switch (kind) {
        case "trend": Object.assign(fields, { numeral: n.numeral, statement: n.statement, paragraphs: n.paragraphs }); break;
        case "actor": case "topic": fields.category = lower(n.category); break;
        case "event": Object.assign(fields, { startDate: n.startDate, endDate: n.endDate, theme: n.theme }); break;
        case "document": Object.assign(fields, { category: lower(n.category), year: n.year }); break;
        case "statistic": Object.assign(fields, { text: n.text, value: n.value, unit: n.unit, qualifier: lower(n.qualifier) }); break;
      }
      return show(fields);
    };
    const pgSlugs = p.nodes.map((n) => n.slug);
    const wicSlugs = w.nodes.map((n) => n.slug);
    if (pgSlugs.length !== new Set(pgSlugs).size) problems.push("postgraphile lists a slug twice");
    problems.push(...setDiff("slugs", pgSlugs, wicSlugs));
    problems.push(...setDiff("records (kind, name, citations, fields)", p.nodes.map(pgRecord), w.nodes.map(wicRecord), 3));

    // One line per edge as seen from one end: which list it came from, from, relation,
    // to, role, citations and the other end's name or numeral (as each query asks).
    const edge = (list, from, relation, to, role, cites, other) =>
      show({ list, from, relation: lower(relation), to, role, citations: cites === undefined ? undefined : citations(cites), other });
    const wicEdges = [];
    for (const n of w.nodes) {
      switch (n.__typename) {
        case "Trend":
          for (const e of n.topics.edges) wicEdges.push(edge("trend.topics", n.slug, e.relation, e.node.slug, undefined, e.citations, e.node.name));
          for (const e of n.actors.edges) wicEdges.push(edge("trend.actors", e.node.slug, "acts_in", n.slug, e.role, e.citations, e.node.name));
          break;
        case "Actor":
          for (const e of n.trends.edges) wicEdges.push(edge("actor.trends", n.slug, "acts_in", e.node.slug, e.role, e.citations, e.node.numeral));
          break;
        case "Topic":
          for (const e of n.trends.edges) wicEdges.push(edge("topic.trends", e.node.slug, "names", n.slug, undefined, e.citations, e.node.numeral));
          break;
        case "Event":
          for (const t of n.trends.nodes) wicEdges.push(edge("event.trends", n.slug, "projects", t.slug));
          for (const t of n.topics.nodes) wicEdges.push(edge("event.topics", n.slug, "discusses", t.slug));
          break;
      }
    }
    // PostGraphile's record type has every list on every record; wic-gql has each on
    // one kind. Compare the lists of that kind; report the others.
    const pgEdges = [];
    const pgOtherKinds = [];
    for (const n of p.nodes) {
      const kind = n.kind.toLowerCase();
      const lists = [
        ["trend", "trend.topics", n.topics.nodes.map((e) => edge("trend.topics", n.slug, e.relation, e.to.slug, undefined, e.citations, e.to.name))],
        ["trend", "trend.actors", n.actors.nodes.map((e) => edge("trend.actors", e.from.slug, "acts_in", n.slug, e.role, e.citations, e.from.name))],
        ["actor", "actor.trends", n.actorTrends.nodes.map((e) => edge("actor.trends", n.slug, "acts_in", e.to.slug, e.role, e.citations, e.to.numeral))],
        ["topic", "topic.trends", n.topicTrends.nodes.map((e) => edge("topic.trends", e.from.slug, "names", n.slug, undefined, e.citations, e.from.numeral))],
        ["event", "event.trends", n.eventTrends.nodes.map((e) => edge("event.trends", n.slug, "projects", e.to.slug))],
        ["event", "event.topics", n.eventTopics.nodes.map((e) => edge("event.topics", n.slug, "discusses", e.to.slug))],
      ];
      for (const [onKind, list, edges] of lists) {
        if (onKind === kind) pgEdges.push(...edges);
        else if (edges.length) pgOtherKinds.push(`${edges.length} on ${kind} ${n.slug} in ${list}`);
      }
    }
    problems.push(...setDiff("edges", pgEdges, wicEdges, 3));
    if (pgEdges.length !== new Set(pgEdges).size || wicEdges.length !== new Set(wicEdges).size) {
      problems.push("an edge is listed twice");
    }
    const distinct = new Set(pgEdges.map((e) => { const x = JSON.parse(e); return `${x.from} ${x.relation} ${x.to}`; }));
    notes.push(`${pgSlugs.length} records, ${pgEdges.length} edge views (${distinct.size} distinct edges)`);
    if (pgOtherKinds.length) {
      notes.push(`postgraphile also returned edges on records of another kind (one record type, so every list is on every record): ${pgOtherKinds.join("; ")}`);
    }
    return problems.length ? problems : { notes };
  },

  // Q4: the same top hit; the top three compared as sets (reported, not a failure).
  async q4() {
    const [pg, wic] = await both(4);
    const p = pg.searchRecords.nodes.map((n) => n.slug);
    const w = wic.search.map((h) => h.node.slug);
    const notes = [];
    const top3 = setDiff("top 3", p.slice(0, 3), w.slice(0, 3));
    if (top3.length) notes.push(top3.join("\n  ").replace(/\n {6}/g, " "));
    else notes.push(`same top 3: ${p.slice(0, 3).join(", ")}`);
    const top10 = setDiff("top 10", p, w);
    if (top10.length) notes.push(top10.join("\n  ").replace(/\n {6}/g, " "));
    if (!p.length || p[0] !== w[0]) return [`top hit ${p[0]} vs ${w[0]}`, ...notes];
    return { notes: [`top hit ${p[0]}`, ...notes] };
  },

  // Q5: Q2 with the slug and the two page sizes in variables, for every variable set: the
  // same trends in the same order, each with the same first actors in the same order, each
  // with the same trend numerals in the same order.
  async q5() {
    const problems = [];
    for (const variables of q5VariableSets) {
      const [pg, wic] = await both(5, variables);
      const p = (pg.recordBySlug?.projects.nodes ?? []).map(({ to }) => ({
        numeral: to.numeral,
        actors: to.actors.nodes.map(({ from }) => ({
          slug: from.slug,
          trends: from.trends.nodes.map((e) => e.to.numeral),
        })),
      }));
      const w = (wic.actor?.projects.nodes ?? []).map((t) => ({
        numeral: t.numeral,
        actors: t.actors.nodes.map((a) => ({ slug: a.slug, trends: a.trends.nodes.map((n) => n.numeral) })),
      }));
      if (!isDeepStrictEqual(p, w)) problems.push(`${show(variables)}:\n    postgraphile ${show(p)}\n    wic-gql      ${show(w)}`);
    }
    return problems.length ? problems : { notes: [`${q5VariableSets.length} variable sets`] };
  },

  // Q6: search hits with each type's fields. PostGraphile has one record type, so every
  // hit carries every type's fields (null or empty where they do not apply). The engines
  // rank differently: the hits both return are compared, fact by fact, and the top 10 as
  // sets (reported, not a failure); at least one hit of each of the three types must be
  // among the compared ones.
  async q6() {
    const [pg, wic] = await both(6);
    const lower = (s) => (s == null ? null : String(s).toLowerCase());
    const facts = new Map();
    for (const hit of wic.search) {
      const n = hit.node;
      const fact = { kind: n.__typename.toLowerCase() };
      if (n.__typename === "Actor") Object.assign(fact, { category: lower(n.actorKind), trends: n.trends.nodes.map((t) => t.numeral) });
      if (n.__typename === "Topic") fact.category = lower(n.topicKind);
      if (n.__typename === "Trend") Object.assign(fact, { numeral: n.numeral, statement: n.statement });
      facts.set(n.slug, fact);
    }
    const problems = [];
    const compared = [];
    for (const n of pg.searchRecords.nodes) {
      if (!facts.has(n.slug)) continue;
      const kind = n.kind.toLowerCase();
      const fact = { kind };
      if (kind === "actor") Object.assign(fact, { category: lower(n.category), trends: n.actorTrends.nodes.map((e) => e.to.numeral) });
      if (kind === "topic") fact.category = lower(n.category);
      if (kind === "trend") Object.assign(fact, { numeral: n.numeral, statement: n.statement });
      if (!isDeepStrictEqual(fact, facts.get(n.slug))) {
        problems.push(`${n.slug}: postgraphile ${show(fact)}, wic-gql ${show(facts.get(n.slug))}`);
      }
      compared.push(kind);
    }
    for (const kind of ["actor", "topic", "trend"]) {
      if (!compared.includes(kind)) problems.push(`no ${kind} among the hits both return`);
    }
    const notes = [`${compared.length} hits compared (${["actor", "topic", "trend"].map((k) => `${compared.filter((c) => c === k).length} ${k}`).join(", ")})`];
    const top10 = setDiff("top 10", pg.searchRecords.nodes.map((n) => n.slug), wic.search.map((h) => h.node.slug));
    if (top10.length) notes.push(top10.join("\n  ").replace(/\n {6}/g, " "));
    return problems.length ? [...problems, ...notes] : { notes };
  },
};

let failed = false;
for (const [name, check] of Object.entries(checks)) {
  let result;
  try {
    result = await check();
  } catch (error) {
    result = [String(error.message ?? error)];
  }
  if (Array.isArray(result) && result.length) {
    failed = true;
    console.log(`${name} MISMATCH\n  ${result.join("\n  ")}`);
  } else {
    console.log(`${name} ok`);
    for (const note of result?.notes ?? []) console.log(`  note: ${note}`);
  }
}
process.exit(failed ? 1 : 0);
