// Checks that the Apollo contestant answers the benchmark's queries exactly as wic-gql does.
//
//   node check.mjs APOLLO_URL WIC_GQL_URL
//
// Sends each of ../../queries/q*.graphql as a JSON POST `{query}` to both servers (a query
// with a qN.variables.json beside it once per variable set, as `{query, variables}`) and
// compares the response bodies as JSON: same keys and values, list items in the same order,
// numbers equal (a `score` within 1e-9 relative). A URL without a path gets `/graphql`.
// Prints `qN ok` or the first difference per query; exits with 1 on any difference.

import { existsSync, readFileSync, readdirSync } from 'node:fs';

const [apolloArg, wicArg] = process.argv.slice(2);
if (!apolloArg || !wicArg) {
  console.error('usage: node check.mjs APOLLO_URL WIC_GQL_URL');
  process.exit(2);
}

/** The GraphQL endpoint: `/graphql` when the URL has no path. */
function endpoint(arg) {
  const url = new URL(arg);
  if (url.pathname === '/' || url.pathname === '') url.pathname = '/graphql';
  return url.href;
}
const apollo = endpoint(apolloArg);
const wic = endpoint(wicArg);

const queriesDir = new URL('../../queries/', import.meta.url);
const queries = readdirSync(queriesDir)
  .filter((f) => /^q\d+\.graphql$/.test(f))
  .sort((a, b) => Number(a.slice(1, -8)) - Number(b.slice(1, -8)))
  .map((f) => new URL(f, queriesDir));

async function post(url, query, variables) {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json' },
    body: JSON.stringify(variables ? { query, variables } : { query }),
  });
  const text = await response.text();
  let body;
  try {
    body = JSON.parse(text);
  } catch {
    body = { unparsable: text };
  }
  return { status: response.status, body };
}

const typeOf = (v) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const show = (v) => {
  const s = JSON.stringify(v);
  return s.length > 200 ? `${s.slice(0, 200)}…` : s;
};

/** The first difference between `a` (Apollo) and `b` (wic-gql), or null. */
function diff(a, b, path, key) {
  const ta = typeOf(a);
  const tb = typeOf(b);
  if (ta !== tb) return `${path}: apollo ${show(a)}, wic-gql ${show(b)}`;
  if (ta === 'array') {
    for (let i = 0; i < Math.min(a.length, b.length); i++) {
      const d = diff(a[i], b[i], `${path}[${i}]`, key);
      if (d) return d;
    }
    if (a.length !== b.length) return `${path}: apollo has ${a.length} items, wic-gql ${b.length}`;
    return null;
  }
  if (ta === 'object') {
    const ka = Object.keys(a);
    const kb = Object.keys(b);
    for (const k of kb) if (!(k in a)) return `${path}.${k}: missing in apollo (wic-gql ${show(b[k])})`;
    for (const k of ka) if (!(k in b)) return `${path}.${k}: only in apollo (${show(a[k])})`;
    for (const k of kb) {
      const d = diff(a[k], b[k], `${path}.${k}`, k);
      if (d) return d;
    }
    return null;
  }
  if (ta === 'number' && key === 'score') {
    const scale = Math.max(Math.abs(a), Math.abs(b));
    return Math.abs(a - b) <= 1e-9 * scale ? null : `${path}: apollo ${a}, wic-gql ${b}`;
  }
  return a === b ? null : `${path}: apollo ${show(a)}, wic-gql ${show(b)}`;
}

/** The requests of one query file: its variable sets, or one request without variables. */
function requests(file) {
  const name = file.pathname.split('/').pop().slice(0, -8);
  const query = readFileSync(file, 'utf8');
  const variablesFile = new URL(`${name}.variables.json`, queriesDir);
  if (!existsSync(variablesFile)) return [{ name, query }];
  return JSON.parse(readFileSync(variablesFile, 'utf8')).map((variables) => ({
    name: `${name} ${JSON.stringify(variables)}`,
    query,
    variables,
  }));
}

let failures = 0;
for (const { name, query, variables } of queries.flatMap(requests)) {
  const [ours, theirs] = await Promise.all([post(apollo, query, variables), post(wic, query, variables)]);
  let problem = null;
  if (ours.status !== theirs.status) {
    problem = `HTTP status: apollo ${ours.status}, wic-gql ${theirs.status}`;
    const errors = ours.body.errors ?? theirs.body.errors;
    if (errors?.length) {
      const who = ours.body.errors ? 'apollo' : 'wic-gql';
      problem += `; ${who}: ${errors.length} error(s), first: ${errors[0].message}`;
    }
  } else if (theirs.body.errors || !theirs.body.data) {
    problem = `wic-gql answered with errors: ${show(theirs.body)}`;
  } else {
    problem = diff(ours.body, theirs.body, '$', null);
  }
  if (problem) {
    failures++;
    console.log(`${name} DIFFERS: ${problem}`);
  } else {
    console.log(`${name} ok (${JSON.stringify(theirs.body).length} bytes)`);
  }
}
process.exit(failures ? 1 : 0);
