// The second printer of the drift test (tests/api/schema_file.rs): graphql-js's
// `printSchema` of the live server's introspection, beside its `printSchema` of
// `schema.graphql`. The two must be equal: the file says what the server serves.
//
//   node print-live.mjs URL SCHEMA_FILE
//
// Prints both, separated by a line `----`, and exits with 1 when they differ.
import { readFileSync } from 'node:fs';
import {
  buildClientSchema,
  buildSchema,
  getIntrospectionQuery,
  lexicographicSortSchema,
  printSchema,
} from 'graphql';

const [url, file] = process.argv.slice(2);
if (!url || !file) {
  console.error('usage: node print-live.mjs URL SCHEMA_FILE');
  process.exit(2);
}
const query = getIntrospectionQuery({
  descriptions: true,
  specifiedByUrl: true,
  directiveIsRepeatable: true,
  schemaDescription: true,
  inputValueDeprecation: true,
});
const response = await fetch(url, {
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'application/graphql-response+json' },
  body: JSON.stringify({ query }),
});
const body = await response.json();
if (!body.data) {
  console.error(`introspection failed (${response.status}): ${JSON.stringify(body)}`);
  process.exit(2);
}
const print = (schema) => printSchema(lexicographicSortSchema(schema));
const live = print(buildClientSchema(body.data));
const committed = print(buildSchema(readFileSync(file, 'utf8')));
console.log(live);
console.log('----');
console.log(committed);
process.exit(live === committed ? 0 : 1);
