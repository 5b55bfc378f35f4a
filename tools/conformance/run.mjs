// The conformance suite's runner: sends every document of the corpora to a live wic-gql and
// compares its HTTP answer with the reference's (reference.mjs: graphql-js over the same
// schema and data).
//
//   node run.mjs --url http://127.0.0.1:PORT/graphql --data export.json
//                [--corpus DIR] [--seed N] [--count N] [--only NAME] [--schema FILE]
//                [--deviations FILE] [--show N]
//
// Corpus (a) is every `*.json` file of `--corpus` (default `corpus/`): an array of
// `{name, query, variables?, operationName?}`; a document is named `FILE/NAME`. A cursor
// names its list and the data's generation, so the corpus writes cursors as placeholders
// the runner replaces (see `resolveCursors`): `$cursor(FIELDS, N)`.
// Corpus (b) is `--count` (default 1000) random valid documents from `--seed` (default 1),
// named `gen-SEED-I` (generate.mjs). `--count 0` runs the hand-written corpus alone.
// `--only NAME` runs one document, or every document whose name starts with NAME.
//
// Compared, for each document: the status; whether the body has `data`; `data` itself,
// byte for byte as JSON (key order included); for a 200, the errors' `path`s, grouped by
// the null each left in `data` (see `errorGroups`); for a 400, that there is at least one
// error. Every error of wic-gql's must carry an `extensions.code` string. Messages and
// codes may differ.
//
// Deliberate deviations are listed in `deviations.json` (`[{name, reason}]`): such a
// document is expected to disagree; one that no longer does is reported and fails the run,
// so the list stays true. Prints each disagreement, then `N passed, N failed` (documented
// deviations count as passed); exits with 1 on any failure, 2 on a usage or setup error.

import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';

import { validate, parse } from 'graphql';

import { generate } from './generate.mjs';
import { createReference, rules } from './reference.mjs';

const here = (p) => fileURLToPath(new URL(p, import.meta.url));

const { values: opts } = parseArgs({
  options: {
    url: { type: 'string' },
    data: { type: 'string' },
    corpus: { type: 'string', default: here('./corpus') },
    seed: { type: 'string', default: '1' },
    count: { type: 'string', default: '1000' },
    only: { type: 'string' },
    schema: { type: 'string', default: here('../../schema.graphql') },
    deviations: { type: 'string', default: here('./deviations.json') },
    show: { type: 'string', default: '600' },
    concurrency: { type: 'string', default: '8' },
  },
});
const seed = Number(opts.seed);
const count = Number(opts.count);
const show = Number(opts.show);
if (!opts.url || !opts.data || !Number.isInteger(seed) || !Number.isInteger(count) || count < 0) {
  console.error(
    'usage: node run.mjs --url http://127.0.0.1:PORT/graphql --data EXPORT.json ' +
      '[--corpus DIR] [--seed N] [--count N] [--only NAME]',
  );
  process.exit(2);
}

const reference = createReference(
  readFileSync(opts.schema, 'utf8'),
  JSON.parse(readFileSync(opts.data, 'utf8')),
);

// ---------------------------------------------------------------------------------------
// The documents

/** The hand-written corpus: every `*.json` file of `dir`, in name order. */
function readCorpus(dir) {
  const docs = [];
  const names = new Set();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const group = file.slice(0, -'.json'.length);
    const entries = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    for (const entry of entries) {
      const name = `${group}/${entry.name}`;
      if (typeof entry.name !== 'string' || typeof entry.query !== 'string') {
        throw new Error(`${file}: every entry needs a string \`name\` and \`query\` (${JSON.stringify(entry).slice(0, 80)})`);
      }
      if (names.has(name)) throw new Error(`${file}: two documents named ${entry.name}`);
      names.add(name);
      docs.push({ ...entry, name, corpus: 'a' });
    }
  }
  return docs;
}

const handWritten = readCorpus(opts.corpus);
const generated = generate(reference.schema, reference.graph, { seed, count }).map((doc) => {
  const errors = validate(reference.schema, parse(doc.query), rules);
  if (errors.length) {
    console.error(`generator bug: ${doc.name} is invalid: ${errors[0].message}\n${doc.query}`);
    process.exit(2);
  }
  return { ...doc, corpus: 'b' };
});
let docs = [...handWritten, ...generated];
if (opts.only) {
  const exact = docs.filter((d) => d.name === opts.only);
  docs = exact.length ? exact : docs.filter((d) => d.name.startsWith(opts.only));
  if (!docs.length) {
    console.error(`no document named ${opts.only}`);
    process.exit(2);
  }
}

const deviations = new Map();
for (const { name, reason } of JSON.parse(readFileSync(opts.deviations, 'utf8'))) {
  if (!reason) throw new Error(`deviation ${name} has no reason`);
  if (!handWritten.some((d) => d.name === name)) {
    console.error(`deviations.json lists ${name}, which no corpus file holds`);
    process.exit(2);
  }
  deviations.set(name, reason);
}

// ---------------------------------------------------------------------------------------
// Cursors

/**
 * `$cursor(FIELDS, N)` is the cursor of the item at position N of the connection that
 * FIELDS select from the query root: fields separated by spaces, each with its arguments
 * but the paging ones (`trends`, `records(orderBy: {field: NAME})`,
 * `event(slug: "wic-2017") participants`), as the reference issues it in
 * `{ FIELDS(first: 500) { edges { cursor } } }`. Past the end of the list, it is the last
 * item's cursor with its position replaced by N (a cursor no list issues).
 * `$cursor(FIELDS, N, SLUG)` is the cursor at N with its slug replaced by SLUG (tampered).
 */
const CURSOR_RE = /\$cursor\(((?:[^()]|\([^()]*\))*?), (\d+)(?:, ([a-z0-9-]+))?\)/g;
const cursorCache = new Map();

async function cursorOf(fields, position, slug) {
  const key = `${fields}|${position}|${slug ?? ''}`;
  if (cursorCache.has(key)) return cursorCache.get(key);
  const parts = fields.match(/[A-Za-z_]\w*(?:\([^()]*\))?/g);
  const leaf = parts.pop();
  const paged = leaf.endsWith(')') ? `${leaf.slice(0, -1)}, first: 500)` : `${leaf}(first: 500)`;
  const query = `{ ${parts.map((p) => `${p} { `).join('')}${paged} { edges { cursor } }${' }'.repeat(parts.length)} }`;
  const { body } = await reference.answer({ query });
  let conn = body.data;
  for (const part of [...parts, leaf]) conn = conn?.[part.match(/^\w+/)[0]];
  const edges = conn?.edges;
  if (!edges?.length) throw new Error(`$cursor(${fields}, ${position}): no cursor in ${JSON.stringify(body)}`);
  let bytes = Buffer.from(edges[Math.min(position, edges.length - 1)].cursor, 'base64url');
  if (position >= edges.length) bytes.writeUInt32BE(position, 17);
  if (slug != null) bytes = Buffer.concat([bytes.subarray(0, 21), Buffer.from(slug, 'utf8')]);
  const cursor = bytes.toString('base64url');
  cursorCache.set(key, cursor);
  return cursor;
}

/** `doc` with its `$cursor(...)` placeholders replaced, in the query and the variables. */
async function resolveCursors(doc) {
  const replace = async (text) => {
    let out = text;
    for (const [whole, fields, position, slug] of text.matchAll(CURSOR_RE)) {
      out = out.replace(whole, await cursorOf(fields, Number(position), slug));
    }
    return out;
  };
  const inValue = async (value) => {
    if (typeof value === 'string') return replace(value);
    if (Array.isArray(value)) return Promise.all(value.map(inValue));
    if (value !== null && typeof value === 'object') {
      const entries = await Promise.all(Object.entries(value).map(async ([k, v]) => [k, await inValue(v)]));
      return Object.fromEntries(entries);
    }
    return value;
  };
  const resolved = { ...doc, query: await replace(doc.query) };
  if (doc.variables !== undefined) resolved.variables = await inValue(doc.variables);
  return resolved;
}

// ---------------------------------------------------------------------------------------
// Asking the server

async function ask({ query, variables, operationName }) {
  const body = { query };
  if (variables !== undefined) body.variables = variables;
  if (operationName !== undefined) body.operationName = operationName;
  const response = await fetch(opts.url, {
    method: 'POST',
    headers: {
      'content-type': 'application/json',
      accept: 'application/graphql-response+json',
    },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  try {
    return { status: response.status, body: JSON.parse(text), duplicate: duplicateKey(text) };
  } catch {
    return { status: response.status, body: { unparsable: text } };
  }
}

/**
 * The first key that occurs twice in one object of the JSON `text`, or null. JSON.parse
 * keeps one of them silently, so a response that repeats a key (two fields merged wrong)
 * would otherwise compare equal.
 */
function duplicateKey(text) {
  const stack = [];
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    const top = stack[stack.length - 1];
    if (c === '"') {
      let j = i + 1;
      while (text[j] !== '"') j += text[j] === '\\' ? 2 : 1;
      if (top?.keys && top.expectKey) {
        const key = JSON.parse(text.slice(i, j + 1));
        if (top.keys.has(key)) return key;
        top.keys.add(key);
        top.expectKey = false;
      }
      i = j;
    } else if (c === '{') {
      stack.push({ keys: new Set(), expectKey: true });
    } else if (c === '[') {
      stack.push({ keys: null, expectKey: false });
    } else if (c === '}' || c === ']') {
      stack.pop();
    } else if (c === ',' && top?.keys) {
      top.expectKey = true;
    }
  }
  return null;
}

// ---------------------------------------------------------------------------------------
// Comparing

const pathsOf = (errors) => (errors ?? []).map((e) => JSON.stringify(e.path ?? null)).sort();

/**
 * Where in `data` the error at `path` left its `null`: the first position along the path
 * that is null (the field itself, or the nullable parent it propagated to).
 */
function nulledAt(data, path) {
  let value = data;
  for (let i = 0; i <= path.length; i++) {
    if (value === null) return JSON.stringify(path.slice(0, i));
    if (i === path.length || typeof value !== 'object' || value === undefined) break;
    value = value[path[i]];
  }
  return `not null at ${JSON.stringify(path)}`;
}

/**
 * The errors of a 200 grouped by the null each left (see `nulledAt`): null → paths.
 *
 * Once an error has nulled a position, whether the errors of other fields under it are
 * still reported depends on execution order, which the specification leaves open:
 * graphql-js stops at the first, an engine that executes siblings anyway reports them
 * too. So the groups must be the same, and each of the reference's errors must be among
 * wic-gql's in its group; only a group of one error on both sides needs nothing more.
 */
function errorGroups(data, errors) {
  const groups = new Map();
  for (const e of errors ?? []) {
    const path = Array.isArray(e?.path) ? e.path : [];
    const key = nulledAt(data, path);
    if (!groups.has(key)) groups.set(key, []);
    groups.get(key).push(JSON.stringify(path));
  }
  return groups;
}

function errorsDiffer(data, want, got) {
  const w = errorGroups(data, want);
  const g = errorGroups(data, got);
  const keys = (m) => [...m.keys()].sort().join(' ');
  if (keys(w) !== keys(g)) return true;
  for (const [key, paths] of w) if (!paths.every((p) => g.get(key).includes(p))) return true;
  return false;
}

/** Why `got` (wic-gql) differs from `want` (the reference): a list of reasons, empty if not. */
function differences(want, got) {
  const reasons = [];
  if (got.duplicate != null) reasons.push(`the key ${JSON.stringify(got.duplicate)} twice in one object`);
  if (want.status !== got.status) reasons.push(`status ${got.status}, expected ${want.status}`);
  const wantData = 'data' in want.body;
  const gotData = 'data' in got.body;
  if (wantData !== gotData) {
    reasons.push(gotData ? '`data` present, expected none' : '`data` missing');
  } else if (wantData && JSON.stringify(want.body.data) !== JSON.stringify(got.body.data)) {
    reasons.push('`data` differs');
  }
  const gotErrors = got.body.errors;
  if (gotErrors !== undefined && (!Array.isArray(gotErrors) || gotErrors.length === 0)) {
    reasons.push('`errors` present but not a non-empty list');
  }
  const wantCount = want.body.errors?.length ?? 0;
  const gotCount = Array.isArray(gotErrors) ? gotErrors.length : 0;
  if (want.status === 400) {
    if (gotCount === 0) reasons.push('no errors, expected a request error');
  } else if (wantCount === 0 || gotCount === 0) {
    if (wantCount !== gotCount) reasons.push(`${gotCount} error(s), expected ${wantCount}`);
  } else if (reasons.length === 0 && errorsDiffer(want.body.data, want.body.errors, gotErrors)) {
    reasons.push(`error paths ${pathsOf(gotErrors).join(' ')}, expected ${pathsOf(want.body.errors).join(' ')}`);
  }
  if (Array.isArray(gotErrors) && gotErrors.some((e) => typeof e?.extensions?.code !== 'string')) {
    reasons.push('an error without `extensions.code`');
  }
  return reasons;
}

const clip = (text) => (text.length > show ? `${text.slice(0, show)}… (${text.length} chars)` : text);

/** An answer in one line: the status, then the body with error messages cut short. */
function showAnswer({ status, body }) {
  const brief = { ...body };
  if (Array.isArray(body.errors)) {
    brief.errors = body.errors.map((e) => {
      const out = { message: String(e?.message ?? '').slice(0, 120) };
      if (e?.path) out.path = e.path;
      if (e?.extensions?.code !== undefined) out.code = e.extensions.code;
      return out;
    });
  }
  return `${status} ${clip(JSON.stringify(brief))}`;
}

// ---------------------------------------------------------------------------------------
// The run

const concurrency = Math.max(1, Number(opts.concurrency) || 1);
const outcomes = new Array(docs.length);
let next = 0;
async function worker() {
  while (next < docs.length) {
    const i = next++;
    const doc = await resolveCursors(docs[i]);
    const want = await reference.answer(doc);
    let got;
    try {
      got = await ask(doc);
    } catch (error) {
      got = { status: 0, body: { unreachable: String(error.cause ?? error) } };
    }
    outcomes[i] = { doc, want, got, reasons: differences(want, got) };
  }
}
await Promise.all(Array.from({ length: concurrency }, worker));

const lines = [];
const say = (line) => lines.push(line);
let passed = 0;
let failed = 0;
let documented = 0;
for (const { doc, want, got, reasons } of outcomes) {
  const deviation = deviations.get(doc.name);
  if (reasons.length === 0 && deviation === undefined) {
    passed++;
  } else if (reasons.length > 0 && deviation !== undefined) {
    passed++;
    documented++;
  } else if (reasons.length === 0) {
    failed++;
    say(`STALE DEVIATION ${doc.name}: agrees with the reference now; remove it from deviations.json`);
  } else {
    failed++;
    say(`DISAGREE ${doc.name}: ${reasons.join('; ')}`);
    say(`  document:  ${clip(doc.query.replace(/\s+/g, ' ').trim())}`);
    if (doc.variables !== undefined) say(`  variables: ${clip(JSON.stringify(doc.variables))}`);
    if (doc.operationName !== undefined) say(`  operation: ${doc.operationName}`);
    say(`  expected:  ${showAnswer(want)}`);
    say(`  wic-gql:   ${showAnswer(got)}`);
  }
}
const corpusCount = (c) => docs.filter((d) => d.corpus === c).length;
say(
  `\n${corpusCount('a')} hand-written and ${corpusCount('b')} generated documents (seed ${seed}); ` +
    `${documented} documented deviation(s) counted as passed`,
);
say(`${passed} passed, ${failed} failed`);
// Written at once, and the exit waits for it: a pipe takes at most 64 KiB at a time, and
// `process.exit` drops whatever is still queued.
process.stdout.write(`${lines.join('\n')}\n`, () => process.exit(failed === 0 ? 0 : 1));
