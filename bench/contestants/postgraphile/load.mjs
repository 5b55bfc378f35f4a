// Loads `wic-gql export` output into the tables of schema.sql, in one transaction.
//
//   node load.mjs DATA_JSON DATABASE_URL
//
// DATA_JSON is `{"records": [...], "edges": [...]}`; every record's `details` holds one
// key, its kind (`{"Event": {...}}`), whose fields fill the typed columns.
import { readFileSync } from "node:fs";
import pg from "pg";

const [dataPath, databaseUrl] = process.argv.slice(2);
if (!dataPath || !databaseUrl) {
  console.error("usage: node load.mjs DATA_JSON DATABASE_URL");
  process.exit(2);
}

const data = JSON.parse(readFileSync(dataPath, "utf8"));

const RECORD_COLUMNS = [
  "slug", "kind", "position", "name", "aliases", "citations", "details", "category",
  "start_date", "end_date", "theme", "founded", "numeral", "ordinal", "statement",
  "paragraphs", "year", "text", "value", "unit", "qualifier",
];
const EDGE_COLUMNS = ["from_slug", "relation", "to_slug", "role", "citations", "position"];

function recordRow(r) {
  const entries = Object.entries(r.details ?? {});
  if (entries.length !== 1) throw new Error(`record ${r.slug}: expected one kind in details`);
  const [kindName, d] = entries[0];
  const kind = kindName.toLowerCase();
  const row = {
    slug: r.slug,
    kind,
    position: r.position,
    name: r.name,
    aliases: r.aliases ?? [],
    citations: JSON.stringify(r.citations ?? []),
    details: JSON.stringify(d ?? {}),
    category: typeof d?.kind === "string" ? d.kind : null,
  };
  switch (kind) {
    case "event":
      Object.assign(row, { start_date: d.start ?? null, end_date: d.end ?? null, theme: d.theme ?? null });
      break;
    case "actor":
      row.founded = d.founded ?? null;
      break;
    case "trend":
      Object.assign(row, {
        numeral: d.numeral, ordinal: d.ordinal, statement: d.statement, paragraphs: d.paragraphs ?? [],
      });
      break;
    case "document":
      row.year = d.year ?? null;
      break;
    case "statistic":
      Object.assign(row, {
        text: d.text, value: d.value ?? null, unit: d.unit ?? null, qualifier: d.qualifier ?? null,
      });
      break;
    case "place":
    case "topic":
      break;
    default:
      throw new Error(`record ${r.slug}: unknown kind ${kindName}`);
  }
  return RECORD_COLUMNS.map((c) => row[c] ?? null);
}

function edgeRow(e) {
  return [e.from, e.relation, e.to, e.role ?? null, JSON.stringify(e.citations ?? []), e.position];
}

// One multi-row INSERT per table, in batches small enough for the parameter limit.
async function insertAll(client, table, columns, rows) {
  const batch = Math.floor(60000 / columns.length);
  for (let i = 0; i < rows.length; i += batch) {
    const chunk = rows.slice(i, i + batch);
    const params = [];
    const tuples = chunk.map((row) => {
      const placeholders = row.map((value) => {
        params.push(value);
        return `$${params.length}`;
      });
      return `(${placeholders.join(", ")})`;
    });
    await client.query(
      `INSERT INTO ${table} (${columns.join(", ")}) VALUES ${tuples.join(", ")}`,
      params,
    );
  }
}

const client = new pg.Client({ connectionString: databaseUrl });
await client.connect();
try {
  await client.query("BEGIN");
  await client.query("TRUNCATE edge, record");
  await insertAll(client, "record", RECORD_COLUMNS, data.records.map(recordRow));
  await insertAll(client, "edge", EDGE_COLUMNS, data.edges.map(edgeRow));
  await client.query("COMMIT");
  await client.query("ANALYZE record; ANALYZE edge");
  const { rows } = await client.query(
    "SELECT (SELECT count(*) FROM record)::int AS records, (SELECT count(*) FROM edge)::int AS edges",
  );
  console.error(`loaded ${rows[0].records} records and ${rows[0].edges} edges`);
} catch (error) {
  await client.query("ROLLBACK").catch(() => {});
  throw error;
} finally {
  await client.end();
}
