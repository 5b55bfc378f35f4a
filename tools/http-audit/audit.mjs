// Runs the graphql-http server audits (the GraphQL-over-HTTP specification's checks)
// against a running wic-gql and exits non-zero unless every one passes.
//
//   node audit.mjs http://127.0.0.1:8080/graphql
import { serverAudits } from 'graphql-http';

const url = process.argv[2] ?? 'http://127.0.0.1:8080/graphql';
const audits = serverAudits({ url });
const counts = { MUST: [0, 0], SHOULD: [0, 0], MAY: [0, 0] };
let failed = 0;
for (const audit of audits) {
  const result = await audit.fn();
  const level = audit.name.split(' ')[0];
  const bucket = counts[level] ?? (counts[level] = [0, 0]);
  bucket[1] += 1;
  if (result.status === 'ok') {
    bucket[0] += 1;
    console.log(`ok    ${audit.id} ${audit.name}`);
  } else {
    failed += 1;
    const detail = result.reason + (result.response ? ` (status ${result.response.status})` : '');
    console.log(`FAIL  ${audit.id} ${audit.name}: ${detail}`);
  }
}
const summary = Object.entries(counts).map(([level, [ok, all]]) => `${level} ${ok}/${all}`).join(', ');
console.log(`\n${audits.length - failed}/${audits.length} audits pass (${summary})`);
process.exit(failed === 0 ? 0 : 1);
