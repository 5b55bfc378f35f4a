// The wic-gql graph for graphql-js: the resolvers of `schema.graphql` over the JSON of
// `wic-gql export`, porting wic-gql's semantics (src/api/*.rs, src/graph/mod.rs,
// src/graph/search.rs): edge order (relation tag, then seed position), Relay paging with
// keyset cursors byte for byte (src/api/cursor.rs: they name the list and the export's
// `dataHash`) and a default page of 100, the global ids, and full-text search with the
// same tokenizer, stopwords, field weights, scoring and snippets.
//
// Shared by the Apollo Server contestant (server.mjs) and the conformance suite
// (tools/conformance/). It imports nothing from `graphql`, so each user's own copy of
// graphql-js runs it:
//
//   const graph = createGraph(JSON.parse(exportJson));
//   new ApolloServer({ typeDefs: sdl, resolvers: graph.resolvers });   // graphql-tools style
//   bindResolvers(buildSchema(sdl), graph.resolvers);                  // plain graphql-js
//
// Resolvers throw `ResolverError`s, whose `extensions.code` graphql-js copies into the
// error it reports.

import { createHash } from 'node:crypto';

/** A resolver's refusal, with the `extensions.code` wic-gql gives the same refusal. */
export class ResolverError extends Error {
  constructor(message, code) {
    super(message);
    this.extensions = { code };
  }
}

/**
 * Puts a resolver map (`{Type: {field: fn}, Interface: {__resolveType}, Scalar: {serialize,
 * parseValue, parseLiteral}}`) on a schema built by graphql-js's `buildSchema`, as
 * graphql-tools' `makeExecutableSchema` does. Returns the schema.
 */
export function bindResolvers(schema, resolvers) {
  for (const [typeName, fields] of Object.entries(resolvers)) {
    const type = schema.getType(typeName);
    if (!type) throw new Error(`resolvers for ${typeName}, which the schema does not have`);
    if (typeof type.getFields !== 'function') {
      // A scalar or an abstract type: its functions are properties of the type.
      for (const [key, fn] of Object.entries(fields)) {
        type[key.startsWith('__') ? key.slice(2) : key] = fn;
      }
      continue;
    }
    const typeFields = type.getFields();
    for (const [key, fn] of Object.entries(fields)) {
      if (key.startsWith('__')) {
        type[key.slice(2)] = fn;
      } else {
        if (!typeFields[key]) throw new Error(`a resolver for ${typeName}.${key}, which the schema does not have`);
        typeFields[key].resolve = fn;
      }
    }
  }
  return schema;
}

/**
 * The natural logarithm as Rust's `f64::ln` (glibc's `log`) computes it. V8's `Math.log`
 * differs from it in the last bit for some integers (3 among them); search scores sum
 * `ln(frequency)`, so those are taken from glibc (printed by Python's `math.log`).
 */
const GLIBC_LN = new Map([
  [3, 1.0986122886681098], [48, 3.871201010907891], [74, 4.30406509320417],
  [185, 5.220355825078324], [196, 5.278114659230517], [299, 5.700443573390687],
  [308, 5.730099782973574], [334, 5.811140992976701], [343, 5.8377304471659395],
  [346, 5.846438775057725], [362, 5.8916442118257715],
]);
function ln(n) {
  return GLIBC_LN.get(n) ?? Math.log(n);
}

/**
 * The graph of `exported` (the parsed JSON of `wic-gql export`) in memory, with the
 * resolvers of `schema.graphql` over it. `maxPageSize` is wic-gql's `--max-page-size`.
 * Besides `resolvers`, the records are exposed (`records` in list order, `bySlug`) for
 * tools that build queries from the data.
 */
export function createGraph(exported, { maxPageSize = 500 } = {}) {
  // ---------------------------------------------------------------------------------------
  // The graph in memory

  /** Record kinds in tag order (src/graph/model.rs): lists sort by (kind tag, position). */
  const KINDS = ['Document', 'Event', 'Trend', 'Actor', 'Place', 'Topic', 'Statistic'];
  const KIND_TAG = new Map(KINDS.map((k, i) => [k, i]));
  /** Relations in tag order (src/graph/relation.rs): a record's edges sort by (tag, position). */
  const RELATIONS = [
    'held_in', 'part_of', 'headquartered_in', 'builds_on', 'projects', 'discusses', 'acts_in',
    'participates_in', 'organizes', 'establishes', 'initiated', 'names', 'describes',
    'exemplifies', 'underlies', 'references', 'reports_on', 'will_shape_platform_for',
    'developed', 'triggered', 'pushed_forward', 'due_to', 'in_terms_of', 'narrower_than',
    'acts_on', 'edition_of', 'appended_to',
  ];
  const RELATION_TAG = new Map(RELATIONS.map((r, i) => [r, i]));
  /** The largest `first`/`last` (wic-gql's `--max-page-size` default). */
  const MAX_PAGE_SIZE = maxPageSize;
  /** The page size when neither `first` nor `last` is given. */
  const DEFAULT_PAGE_SIZE = 100;
  /** The most hits one search returns. */
  const MAX_SEARCH_HITS = 100;

  /** The global id of a record: base64url (no padding) of `Type:slug`. */
  function globalId(typename, slug) {
    return Buffer.from(`${typename}:${slug}`, 'utf8').toString('base64url');
  }

  /** `international_organization` → `INTERNATIONAL_ORGANIZATION`. */
  const enumValue = (stored) => (stored == null ? null : stored.toUpperCase());

  /** slug → record object. Record objects carry their GraphQL scalar fields as properties. */
  const bySlug = new Map();
  /** Records in (kind tag, position) order: the default order of every list. */
  const allRecords = [];

  for (const raw of exported.records) {
    const [typename] = Object.keys(raw.details);
    const d = raw.details[typename];
    const record = {
      __typename: typename,
      kindTag: KIND_TAG.get(typename),
      position: raw.position,
      id: globalId(typename, raw.slug),
      slug: raw.slug,
      name: raw.name,
      aliases: raw.aliases,
      citations: raw.citations,
      out: [],
      in: [],
      dateSpan: null,
      details: null,
      fieldTexts: null,
    };
    switch (typename) {
      case 'Document':
        record.kind = enumValue(d.kind);
        record.kindBasis = enumValue(d.kind_basis);
        record.nameIsDescriptive = d.descriptive_name ?? false;
        record.year = d.year ?? null;
        record.isSource = d.source != null;
        record.text = d.source?.text ?? null;
        record.sections = d.source?.sections ?? [];
        if (d.year != null) record.dateSpan = [yearStart(d.year), yearEnd(d.year)];
        break;
      case 'Event':
        record.kind = enumValue(d.kind);
        record.kindBasis = enumValue(d.kind_basis);
        record.nameIsDescriptive = d.descriptive_name ?? false;
        record.startDate = d.start;
        record.endDate = d.end ?? null;
        record.year = Number(d.start.slice(0, d.start.length - 6));
        record.theme = d.theme ?? null;
        record.dateSpan = [d.start, d.end ?? d.start];
        break;
      case 'Trend':
        record.numeral = d.numeral;
        record.ordinal = d.ordinal;
        record.statement = d.statement;
        record.paragraphs = d.paragraphs;
        break;
      case 'Actor':
        record.kind = enumValue(d.kind);
        record.kindBasis = enumValue(d.kind_basis);
        record.founded = d.founded ?? null;
        if (d.founded != null) record.dateSpan = [d.founded, d.founded];
        break;
      case 'Place':
      case 'Topic':
        record.kind = enumValue(d.kind);
        record.kindBasis = enumValue(d.kind_basis);
        break;
      case 'Statistic':
        record.nameIsDescriptive = d.descriptive_name ?? false;
        record.text = d.text;
        record.value = d.value ?? null;
        record.unit = d.unit ?? null;
        record.qualifier = enumValue(d.qualifier);
        break;
      default:
        throw new Error(`unknown record kind ${typename} of ${raw.slug}`);
    }
    record.details = d;
    bySlug.set(record.slug, record);
    allRecords.push(record);
  }
  allRecords.sort((a, b) => a.kindTag - b.kindTag || a.position - b.position);

  for (const raw of exported.edges) {
    const edge = {
      from: raw.from,
      to: raw.to,
      tag: RELATION_TAG.get(raw.relation),
      relation: enumValue(raw.relation),
      role: raw.role ?? null,
      citations: raw.citations,
      position: raw.position,
    };
    bySlug.get(edge.from)?.out.push(edge);
    bySlug.get(edge.to)?.in.push(edge);
  }
  const edgeOrder = (a, b) => a.tag - b.tag || a.position - b.position;
  for (const record of allRecords) {
    record.out.sort(edgeOrder);
    record.in.sort(edgeOrder);
  }

  function yearStart(y) {
    return `${String(y).padStart(4, '0')}-01-01`;
  }
  function yearEnd(y) {
    return `${String(y).padStart(4, '0')}-12-31`;
  }

  // ---------------------------------------------------------------------------------------
  // Full-text search: a port of src/graph/search.rs and Graph::search / Graph::postings.

  const STOPWORDS = new Set([
    'a', 'an', 'and', 'are', 'as', 'at', 'be', 'by', 'for', 'from', 'has', 'have', 'in', 'is',
    'it', 'its', 'of', 'on', 'or', 'that', 'the', 'their', 'to', 'was', 'will', 'with',
  ]);
  /** Rust's `char::is_alphanumeric`: the Alphabetic property or a numeric general category. */
  const NOT_ALNUM = /[^\p{Alphabetic}\p{N}]/u;
  const ALNUM = /[\p{Alphabetic}\p{N}]/u;
  const RUST_TRIM = /^\p{White_Space}+|\p{White_Space}+$/gu;

  // Field tags, names and weights (SearchField).
  const NAME = 0;
  const ALIAS = 1;
  const STATEMENT = 2;
  const PARAGRAPH = 3;
  const QUOTE = 4;
  const FIELD_NAMES = ['name', 'alias', 'statement', 'paragraph', 'quote'];
  const FIELD_WEIGHTS = [8.0, 6.0, 4.0, 1.0, 2.0];

  /** Lowercased alphanumeric words, without stopwords, in text order (duplicates kept). */
  function tokenize(text) {
    const out = [];
    for (const w of text.split(NOT_ALNUM)) {
      if (w === '') continue;
      const lower = w.toLowerCase();
      if (!STOPWORDS.has(lower)) out.push(lower);
    }
    return out;
  }

  /** Every searchable text of a record, with its field tag, in wic-gql's order. */
  function fieldTexts(record, d) {
    const texts = [[NAME, record.name]];
    for (const a of record.aliases) texts.push([ALIAS, a]);
    switch (record.__typename) {
      case 'Trend':
        texts.push([STATEMENT, d.statement]);
        for (const p of d.paragraphs) texts.push([PARAGRAPH, p]);
        break;
      case 'Event':
        if (d.theme != null) texts.push([STATEMENT, d.theme]);
        break;
      case 'Statistic':
        texts.push([STATEMENT, d.text]);
        break;
      case 'Document':
        if (d.source != null) {
          for (const s of d.source.sections) for (const p of s.paragraphs) texts.push([PARAGRAPH, p]);
        }
        break;
      default:
        break;
    }
    for (const c of record.citations) texts.push([QUOTE, c.quote]);
    return texts.map(([field, text]) => ({ field, text, tokens: tokenize(text) }));
  }

  /** Compares strings by code point, which is how sled orders their UTF-8 bytes. */
  function compareCodePoints(a, b) {
    if (a === b) return 0;
    const n = Math.min(a.length, b.length);
    for (let i = 0; i < n; i++) {
      const x = a.codePointAt(i);
      const y = b.codePointAt(i);
      if (x !== y) return x - y;
      if (x > 0xffff) i++;
    }
    return a.length - b.length;
  }

  // The index: token → postings [{slug, field, frequency}] in (slug, field) key order, and
  // the tokens in key order, for prefix scans.
  const postingsByToken = new Map();
  for (const record of allRecords) {
    record.fieldTexts = fieldTexts(record, record.details);
    const frequencies = new Map();
    for (const { field, tokens } of record.fieldTexts) {
      for (const token of tokens) {
        const key = `${token}\u0000${field}`;
        frequencies.set(key, (frequencies.get(key) ?? 0) + 1);
      }
    }
    for (const [key, frequency] of frequencies) {
      const [token, field] = key.split('\u0000');
      let list = postingsByToken.get(token);
      if (!list) postingsByToken.set(token, (list = []));
      list.push({ slug: record.slug, field: Number(field), frequency });
    }
  }
  for (const list of postingsByToken.values()) {
    list.sort((a, b) => compareCodePoints(a.slug, b.slug) || a.field - b.field);
  }
  const sortedTokens = [...postingsByToken.keys()].sort(compareCodePoints);

  /** The tokens that start with `prefix`, in key order. */
  function tokensWithPrefix(prefix) {
    let lo = 0;
    let hi = sortedTokens.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (compareCodePoints(sortedTokens[mid], prefix) < 0) lo = mid + 1;
      else hi = mid;
    }
    const out = [];
    for (let i = lo; i < sortedTokens.length && sortedTokens[i].startsWith(prefix); i++) {
      out.push(sortedTokens[i]);
    }
    return out;
  }

  function dedup(terms) {
    return [...new Set(terms)];
  }

  /** slug → {score, terms, bestField, bestWeight}, scanning as Graph::postings does. */
  function postings(terms) {
    const found = new Map();
    terms.forEach((term, i) => {
      const prefix = i + 1 === terms.length && [...term].length >= 3;
      const tokens = prefix ? tokensWithPrefix(term) : postingsByToken.has(term) ? [term] : [];
      for (const token of tokens) {
        const exactness = token === term ? 1.0 : 0.5;
        for (const { slug, field, frequency } of postingsByToken.get(token)) {
          const weight = FIELD_WEIGHTS[field] * exactness * (1.0 + ln(frequency));
          let entry = found.get(slug);
          if (!entry) {
            entry = { score: 0.0, terms: new Set(), bestField: field, bestWeight: 0.0 };
            found.set(slug, entry);
          }
          entry.score += weight;
          entry.terms.add(i);
          if (weight > entry.bestWeight) {
            entry.bestWeight = weight;
            entry.bestField = field;
          }
        }
      }
    });
    return found;
  }

  /** Records matching the words of `query`, best first (Graph::search). */
  function search(query, kinds, limit) {
    const terms = dedup(tokenize(query));
    if (terms.length === 0 || limit === 0) return [];
    const hits = [];
    for (const [slug, found] of postings(terms)) {
      const record = bySlug.get(slug);
      if (!record || (kinds && !kinds.includes(record.__typename))) continue;
      const source = record.fieldTexts.find(
        ({ field, tokens }) =>
          field === found.bestField && tokens.some((w) => terms.some((t) => w.startsWith(t))),
      );
      hits.push({
        node: record,
        score: found.score,
        matchedTerms: found.terms.size,
        field: FIELD_NAMES[found.bestField],
        snippet: source ? snippet(source.text, terms) : '',
      });
    }
    hits.sort(
      (a, b) =>
        b.matchedTerms - a.matchedTerms ||
        (b.score > a.score ? 1 : b.score < a.score ? -1 : 0) ||
        compareCodePoints(a.node.slug, b.node.slug),
    );
    return hits.slice(0, limit);
  }

  /** The slugs of the records that contain every word of `text` (the `text` filter). */
  function matchingSlugs(text) {
    const terms = dedup(tokenize(text));
    const out = new Set();
    for (const [slug, p] of postings(terms)) if (p.terms.size === terms.length) out.add(slug);
    return out;
  }

  function utf8Length(codePoint) {
    return codePoint < 0x80 ? 1 : codePoint < 0x800 ? 2 : codePoint < 0x10000 ? 3 : 4;
  }

  /**
   * A short excerpt of `text` around the first word that starts with one of `terms`
   * (search::snippet). Offsets are UTF-8 byte offsets, as in Rust.
   */
  function snippet(text, terms) {
    const BEFORE = 60;
    const AFTER = 100;
    const bytes = Buffer.from(text, 'utf8');
    const len = bytes.length;
    const matches = (word) => {
      const lower = word.toLowerCase();
      return terms.some((t) => lower.startsWith(t));
    };
    let hit = 0;
    let byte = 0;
    let index = 0;
    let wordByte = -1;
    let wordIndex = -1;
    let found = false;
    for (const ch of text) {
      const alnum = ALNUM.test(ch);
      if (alnum && wordByte < 0) {
        wordByte = byte;
        wordIndex = index;
      } else if (!alnum && wordByte >= 0) {
        if (matches(text.slice(wordIndex, index))) {
          hit = wordByte;
          found = true;
          break;
        }
        wordByte = -1;
      }
      byte += utf8Length(ch.codePointAt(0));
      index += ch.length;
    }
    if (!found && wordByte >= 0 && matches(text.slice(wordIndex))) hit = wordByte;

    const floorBoundary = (i) => {
      while (i < len && (bytes[i] & 0xc0) === 0x80) i--;
      return i;
    };
    let start = floorBoundary(Math.max(0, hit - BEFORE));
    if (start !== 0) {
      const space = bytes.indexOf(0x20, start);
      if (space >= 0) start = space + 1;
    }
    let end = floorBoundary(Math.min(hit + AFTER, len));
    if (end !== len && end > 0) {
      const space = bytes.lastIndexOf(0x20, end - 1);
      if (space >= 0 && space > hit) end = space;
    }
    let out = start > 0 ? '…' : '';
    out += start < end ? bytes.toString('utf8', start, end).replace(RUST_TRIM, '') : '';
    if (end < len) out += '…';
    return out;
  }

  // ---------------------------------------------------------------------------------------
  // Connections (src/api/connection.rs)

  function badInput(message) {
    return new ResolverError(message, 'BAD_USER_INPUT');
  }

  // Keyset cursors (src/api/cursor.rs): base64url, without padding, of the version (1), the
  // list's id (8 bytes of SHA-256 of the list's name, a JSON array), the data (8 bytes of
  // the data hash), the position (u32, big-endian) and the slug of the item there.
  const CURSOR_VERSION = 1;
  const CURSOR_HEAD = 21;
  /** The generation's first 8 bytes: zeros for an export that does not carry its hash. */
  const dataKey = Buffer.alloc(8);
  Buffer.from(String(exported.dataHash ?? '').slice(0, 16), 'hex').copy(dataKey);

  /** The id of the list named `name` (a JSON array, see `listName`). */
  const listId = (name) => createHash('sha256').update(JSON.stringify(name), 'utf8').digest().subarray(0, 8);

  /** The cursor of the item `slug` at `position` of the list whose id is `id`. */
  function encodeCursor(id, position, slug) {
    const head = Buffer.alloc(CURSOR_HEAD);
    head[0] = CURSOR_VERSION;
    id.copy(head, 1);
    dataKey.copy(head, 9);
    head.writeUInt32BE(Math.min(position, 0xffffffff), 17);
    return Buffer.concat([head, Buffer.from(slug, 'utf8')]).toString('base64url');
  }

  /**
   * The position and slug a cursor names, checked as `ListKey::decode` checks them, in
   * order: canonical base64url without padding of more than the head, a slug after it,
   * the version, the data, the list (`id()`, computed only if needed).
   */
  function decodeCursor(name, cursor, id) {
    const fault = (why) => new ResolverError(`\`${name}\` ${why}`, 'INVALID_CURSOR');
    const malformed = () =>
      fault('is not a cursor of this connection: pass a `cursor` or `pageInfo` cursor returned by this API');
    if (!/^[A-Za-z0-9_-]*$/.test(cursor) || cursor.length % 4 === 1) throw malformed();
    const bytes = Buffer.from(cursor, 'base64url');
    if (bytes.toString('base64url') !== cursor || bytes.length <= CURSOR_HEAD) throw malformed();
    let slug;
    try {
      slug = strictUtf8.decode(bytes.subarray(CURSOR_HEAD));
    } catch {
      throw malformed();
    }
    if (!isSlug(slug)) throw malformed();
    if (bytes[0] !== CURSOR_VERSION) {
      throw fault(`is a cursor of format version ${bytes[0]}, this server reads version ${CURSOR_VERSION}: fetch the first page again`);
    }
    if (!bytes.subarray(9, 17).equals(dataKey)) {
      throw fault('is a cursor from another version of the data (it changed since the cursor was issued): fetch the first page again');
    }
    if (!bytes.subarray(1, 9).equals(id())) {
      throw fault('is a cursor of another list or ordering: pass a cursor of this connection, with the same arguments');
    }
    return { name, position: bytes.readUInt32BE(17), slug };
  }

  /**
   * Slices `items` ([record, edge | null]) to the page `args` asks for; the connection object
   * graphql-js then reads with its default resolvers. `name` names the list in its cursors
   * (see `topLevelName` and `nestedName`).
   */
  function paginate(items, { after, before, first, last }, name) {
    for (const [name, value] of [['first', first], ['last', last]]) {
      if (value != null && value > MAX_PAGE_SIZE) {
        throw badInput(
          `\`${name}\` is ${value}, more than the ${MAX_PAGE_SIZE} records a page may hold`,
        );
      }
    }
    if (first != null && first < 0) {
      throw badInput('`first` is negative; expected 0 or more');
    }
    if (last != null && last < 0) {
      throw badInput('`last` is negative; expected 0 or more');
    }
    let id = null;
    const lazyId = () => (id ??= listId(name));
    const seeks = [];
    if (after != null) seeks.push(decodeCursor('after', after, lazyId));
    if (before != null) seeks.push(decodeCursor('before', before, lazyId));
    for (const seek of seeks) {
      if (items[seek.position]?.[0].slug !== seek.slug) {
        throw new ResolverError(
          `\`${seek.name}\` names \`${seek.slug}\` at position ${seek.position}, which this list does not hold there`,
          'INVALID_CURSOR',
        );
      }
    }
    const afterIndex = after != null ? seeks[0].position : null;
    const beforeIndex = before != null ? seeks[seeks.length - 1].position : null;
    const total = items.length;
    // The window the cursors leave (ApplyCursorsToEdges), then `first` and `last` on it.
    const windowEnd = beforeIndex == null ? total : Math.min(beforeIndex, total);
    const windowStart = afterIndex == null ? 0 : Math.min(afterIndex + 1, windowEnd);
    const windowSize = windowEnd - windowStart;
    // Without `first` and `last`, the page is the default page, as if `first` were its size.
    if (first == null && last == null) first = DEFAULT_PAGE_SIZE;
    let start = windowStart;
    let end = windowEnd;
    if (first != null) end = Math.min(end, start + first);
    if (last != null) start = Math.max(start, Math.max(0, end - last));
    // The Relay connection spec's PageInfo algorithm: with `last`, whether the window holds
    // more than `last` items; without, whether items precede `after` (the spec's MAY, which
    // wic-gql takes). Likewise `first`, and `before`, for the next page.
    const hasPreviousPage = last != null ? windowSize > last : windowStart > 0;
    const hasNextPage = first != null ? windowSize > first : windowEnd < total;
    const edges = [];
    const nodes = [];
    for (let i = start; i < end; i++) {
      const [node, edge] = items[i];
      nodes.push(node);
      edges.push({
        node,
        relation: edge ? edge.relation : null,
        role: edge ? edge.role : null,
        citations: edge ? edge.citations : [],
        cursor: encodeCursor(lazyId(), i, node.slug),
      });
    }
    return {
      edges,
      nodes,
      totalCount: total,
      pageInfo: {
        hasPreviousPage,
        hasNextPage,
        startCursor: edges.length ? edges[0].cursor : null,
        endCursor: edges.length ? edges[edges.length - 1].cursor : null,
      },
    };
  }

  /**
   * The records at the far end of `record`'s edges in `direction` (`out`/`in`), limited to
   * `tags` (all when null) and to records of `typename` (any when null), with their edges.
   */
  function related(record, direction, tags, typename) {
    const items = [];
    for (const edge of record[direction]) {
      if (tags !== null && !tags.includes(edge.tag)) continue;
      const far = bySlug.get(direction === 'out' ? edge.to : edge.from);
      if (!far || (typename !== null && far.__typename !== typename)) continue;
      items.push([far, edge]);
    }
    return items;
  }

  /** A resolver for a connection field that follows relations. */
  function connection(direction, relations, typename) {
    const tags = relations.map((r) => RELATION_TAG.get(r));
    return (record, args, _context, info) =>
      paginate(related(record, direction, tags, typename), args, [record.slug, info.fieldName]);
  }

  /** Enum names, sorted and distinct, as a list's name holds them. */
  const sortedNames = (names) => [...new Set(names)].sort();

  /** The name of a top-level list in its cursors (`connection::top_level_name`). */
  function topLevelName(field, kinds, kind, filter, order) {
    return [
      field,
      kinds,
      kind ?? null,
      filter?.text ?? null,
      filter?.year ?? null,
      filter?.from ?? null,
      filter?.to ?? null,
      order?.field ?? 'POSITION',
      order?.direction ?? 'ASC',
    ];
  }

  /** A resolver for a relation that holds at most once. */
  function one(direction, relation, typename) {
    const tags = [RELATION_TAG.get(relation)];
    return (record) => related(record, direction, tags, typename)[0]?.[0] ?? null;
  }

  /** `relations(direction:, types:)`, on every record type. */
  function relations(record, { direction, types, ...page }) {
    const tags = types == null ? null : types.map((t) => RELATION_TAG.get(t.toLowerCase()));
    const dir = direction === 'INCOMING' ? 'in' : 'out';
    const name = [record.slug, 'relations', direction ?? 'OUTGOING', types?.length ? sortedNames(types) : null];
    return paginate(related(record, dir, tags && tags.length ? tags : null, null), page, name);
  }

  // ---------------------------------------------------------------------------------------
  // Top-level lists: filter and order (list_records)

  const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;

  function parseDate(value) {
    const m = typeof value === 'string' ? DATE_RE.exec(value) : null;
    if (m) {
      const [y, mo, d] = [Number(m[1]), Number(m[2]), Number(m[3])];
      const date = new Date(Date.UTC(2000, mo - 1, d));
      date.setUTCFullYear(y);
      if (date.getUTCFullYear() === y && date.getUTCMonth() === mo - 1 && date.getUTCDate() === d) {
        return value;
      }
    }
    throw new ResolverError(`malformed date ${JSON.stringify(value)}: expected YYYY-MM-DD`, 'BAD_USER_INPUT');
  }

  /** The `Date` scalar's functions, as a resolver map gives them for a custom scalar. */
  const DateScalar = {
    serialize: (value) => value,
    parseValue: parseDate,
    parseLiteral(ast) {
      if (ast.kind !== 'StringValue') throw new ResolverError('expected a Date string', 'BAD_USER_INPUT');
      return parseDate(ast.value);
    },
  };

  const yearOf = (date) => Number(date.slice(0, date.length - 6));

  function dateMatches(record, filter) {
    if (filter.year == null && filter.from == null && filter.to == null) return true;
    const span = record.dateSpan;
    if (!span) return false;
    const [start, end] = span;
    return (
      (filter.year == null || (yearOf(start) <= filter.year && filter.year <= yearOf(end))) &&
      (filter.from == null || end >= filter.from) &&
      (filter.to == null || start <= filter.to)
    );
  }

  const byKindThenPosition = (a, b) => a.kindTag - b.kindTag || a.position - b.position;

  function listRecords(kinds, filter, order, keep) {
    filter = filter ?? {};
    const field = order?.field ?? 'POSITION';
    const direction = order?.direction ?? 'ASC';
    if (filter.from != null && filter.to != null && filter.from > filter.to) {
      throw badInput(`\`from\` ${filter.from} is after \`to\` ${filter.to}`);
    }
    const matching = filter.text != null ? matchingSlugs(filter.text) : null;
    const records = [];
    for (const kind of kinds) {
      for (const r of allRecords) {
        if (r.__typename !== kind) continue;
        if (keep && !keep(r)) continue;
        if (matching && !matching.has(r.slug)) continue;
        if (!dateMatches(r, filter)) continue;
        records.push(r);
      }
    }
    if (field === 'POSITION') {
      records.sort(byKindThenPosition);
    } else if (field === 'NAME') {
      records.sort(
        (a, b) =>
          compareCodePoints(a.name.toLowerCase(), b.name.toLowerCase()) ||
          compareCodePoints(a.slug, b.slug),
      );
    } else {
      records.sort((a, b) => {
        const x = a.dateSpan?.[0];
        const y = b.dateSpan?.[0];
        if (x != null && y != null) return (x < y ? -1 : x > y ? 1 : 0) || byKindThenPosition(a, b);
        if (x != null) return -1;
        if (y != null) return 1;
        return byKindThenPosition(a, b);
      });
    }
    if (direction === 'DESC') {
      const reversible =
        field === 'DATE' ? records.filter((r) => r.dateSpan != null).length : records.length;
      const head = records.slice(0, reversible).reverse();
      records.splice(0, reversible, ...head);
    }
    return records;
  }

  /** A resolver for a top-level list of `typename` records, optionally of one `kind`. */
  function list(typename) {
    return (_root, { kind, filter, orderBy, ...page }, _context, info) => {
      const keep = kind == null ? null : (r) => r.kind === kind;
      const records = listRecords([typename], filter, orderBy, keep);
      const name = topLevelName(info.fieldName, null, kind, filter, orderBy);
      return paginate(records.map((r) => [r, null]), page, name);
    };
  }

  // ---------------------------------------------------------------------------------------
  // Lookups and global ids

  const lookup = (typename) => (_root, { slug }) => {
    const r = bySlug.get(slug);
    return r && (typename === null || r.__typename === typename) ? r : null;
  };

  const isSlug = (s) => s !== '' && s.split('-').every((part) => /^[a-z0-9]+$/.test(part));
  const strictUtf8 = new TextDecoder('utf-8', { fatal: true });

  /** The kind and slug in a global id (base64url of `Type:slug`). */
  function parseGlobalId(id) {
    const invalid = () =>
      new ResolverError(
        `invalid id ${JSON.stringify(id)}: expected an opaque id returned by this API in an \`id\` field`,
        'INVALID_ID',
      );
    if (!/^[A-Za-z0-9_-]*$/.test(id) || id.length % 4 === 1) throw invalid();
    const bytes = Buffer.from(id, 'base64url');
    if (bytes.toString('base64url') !== id) throw invalid();
    let text;
    try {
      text = strictUtf8.decode(bytes);
    } catch {
      throw invalid();
    }
    const colon = text.indexOf(':');
    if (colon < 0) throw invalid();
    const typename = text.slice(0, colon);
    const slug = text.slice(colon + 1);
    if (!KIND_TAG.has(typename) || !isSlug(slug)) throw invalid();
    return [typename, slug];
  }

  function nodeById(typename, slug) {
    const r = bySlug.get(slug);
    return r && r.__typename === typename ? r : null;
  }

  const sourceSha256 = createHash('sha256')
    .update(allRecords.filter((r) => r.isSource).map((r) => r.text).join(''), 'utf8')
    .digest('hex');

  const KIND_NAMES = ['document', 'event', 'trend', 'actor', 'place', 'topic', 'statistic'];
  /** `RecordKind` enum value → typename. */
  const recordKindType = (k) => k.charAt(0) + k.slice(1).toLowerCase();

  // ---------------------------------------------------------------------------------------
  // Resolvers

  const shared = { relations };

  const resolvers = {
    Date: DateScalar,
    Node: { __resolveType: (record) => record.__typename },
    Query: {
      node: (_root, { id }) => nodeById(...parseGlobalId(id)),
      nodes(_root, { ids }) {
        if (ids.length > MAX_PAGE_SIZE) {
          throw badInput(`${ids.length} ids asked for, at most ${MAX_PAGE_SIZE} allowed`);
        }
        // A malformed id is an error at its own item, which graphql-js nulls: an Error
        // returned as a list item is reported at that item's path.
        return ids.map((id) => {
          try {
            return nodeById(...parseGlobalId(id));
          } catch (error) {
            return error;
          }
        });
      },
      record: lookup(null),
      event: lookup('Event'),
      trend: lookup('Trend'),
      actor: lookup('Actor'),
      place: lookup('Place'),
      document: lookup('Document'),
      topic: lookup('Topic'),
      statistic: lookup('Statistic'),
      source: () => allRecords.find((r) => r.__typename === 'Document' && r.isSource) ?? null,
      records(_root, { kinds, filter, orderBy, ...page }) {
        const typenames = kinds == null ? KINDS : kinds.map(recordKindType);
        const kindNames = sortedNames(kinds ?? KINDS.map((k) => k.toUpperCase()));
        const name = topLevelName('records', kindNames, null, filter, orderBy);
        return paginate(listRecords(typenames, filter, orderBy, null).map((r) => [r, null]), page, name);
      },
      events: list('Event'),
      trends: list('Trend'),
      actors: list('Actor'),
      places: list('Place'),
      documents: list('Document'),
      topics: list('Topic'),
      statistics: list('Statistic'),
      search(_root, { query, first, kinds }) {
        if (!(first >= 0 && first <= MAX_SEARCH_HITS)) {
          throw badInput(`\`first\` is ${first}; expected 0 to ${MAX_SEARCH_HITS}`);
        }
        return search(query, kinds == null ? null : kinds.map(recordKindType), first);
      },
      // The seed summary is not part of the export: recomputed (the seed hashes its source
      // text, which the source document carries verbatim).
      stats: () => ({
        records: KINDS.map((k, i) => ({
          kind: KIND_NAMES[i],
          count: allRecords.filter((r) => r.__typename === k).length,
        })),
        edges: exported.edges.length,
        sourceSha256: sourceSha256,
      }),
    },
    Event: {
      ...shared,
      place: one('out', 'held_in', 'Place'),
      trends: connection('out', ['projects'], 'Trend'),
      topics: connection('out', ['discusses'], 'Topic'),
      buildsOn: connection('out', ['builds_on'], 'Document'),
      participants: connection('in', ['participates_in'], 'Actor'),
      organizers: connection('in', ['organizes'], 'Actor'),
      establishes: connection('out', ['establishes'], 'Actor'),
      statistics: connection('in', ['describes'], 'Statistic'),
      reportedIn: connection('in', ['reports_on'], 'Document'),
      editionOf: connection('out', ['edition_of'], 'Actor'),
    },
    Trend: {
      ...shared,
      events: connection('in', ['projects'], 'Event'),
      projectedBy: connection('in', ['projects'], 'Actor'),
      actors: connection('in', ['acts_in'], 'Actor'),
      topics: connection('out', ['names'], 'Topic'),
      statistics: connection('in', ['describes'], 'Statistic'),
      references: connection('out', ['references'], 'Document'),
      projectedIn: connection('in', ['projects'], 'Document'),
    },
    Actor: {
      ...shared,
      headquarters: one('out', 'headquartered_in', 'Place'),
      trends: connection('out', ['acts_in'], 'Trend'),
      projects: connection('out', ['projects'], 'Trend'),
      buildsOn: connection('out', ['builds_on'], 'Document'),
      events: connection('out', ['participates_in', 'organizes'], 'Event'),
      founders: connection('in', ['initiated'], 'Actor'),
      organizationsFounded: connection('out', ['initiated'], 'Actor'),
      establishedBy: connection('in', ['establishes'], 'Event'),
      partOf: connection('out', ['part_of'], 'Actor'),
      subgroups: connection('in', ['part_of'], 'Actor'),
      statistics: connection('in', ['describes'], 'Statistic'),
      topics: connection('out', ['acts_on'], 'Topic'),
      documentsDeveloped: connection('out', ['developed'], 'Document'),
      editions: connection('in', ['edition_of'], 'Event'),
    },
    Place: {
      ...shared,
      parent: one('out', 'part_of', 'Place'),
      children: connection('in', ['part_of'], 'Place'),
      events: connection('in', ['held_in'], 'Event'),
      headquarteredActors: connection('in', ['headquartered_in'], 'Actor'),
    },
    Document: {
      ...shared,
      buildsOn: connection('out', ['builds_on'], 'Document'),
      builtOnBy: connection('in', ['builds_on'], null),
      referencedBy: connection('in', ['references'], null),
      reportsOn: connection('out', ['reports_on'], 'Event'),
      statistics: connection('in', ['describes'], 'Statistic'),
      trends: connection('out', ['projects'], 'Trend'),
      developedBy: connection('in', ['developed'], 'Actor'),
      appendedTo: connection('out', ['appended_to'], 'Document'),
      appendices: connection('in', ['appended_to'], 'Document'),
    },
    Topic: {
      ...shared,
      trends: connection('in', ['names'], 'Trend'),
      events: connection('in', ['discusses'], 'Event'),
      exemplifies: connection('out', ['exemplifies'], 'Topic'),
      examples: connection('in', ['exemplifies'], 'Topic'),
      underlies: connection('out', ['underlies'], 'Topic'),
      underlying: connection('in', ['underlies'], 'Topic'),
      statistics: connection('in', ['describes'], 'Statistic'),
      willShapePlatformFor: connection('out', ['will_shape_platform_for'], 'Topic'),
      platformShapedBy: connection('in', ['will_shape_platform_for'], 'Topic'),
      triggered: connection('out', ['triggered'], 'Topic'),
      triggeredBy: connection('in', ['triggered'], 'Topic'),
      pushedForward: connection('out', ['pushed_forward'], 'Topic'),
      pushedForwardBy: connection('in', ['pushed_forward'], 'Topic'),
      dueTo: connection('out', ['due_to'], 'Topic'),
      causes: connection('in', ['due_to'], 'Topic'),
      inTermsOf: connection('out', ['in_terms_of'], 'Topic'),
      defines: connection('in', ['in_terms_of'], 'Topic'),
      broader: connection('out', ['narrower_than'], 'Topic'),
      narrower: connection('in', ['narrower_than'], 'Topic'),
      actors: connection('in', ['acts_on'], 'Actor'),
    },
    Statistic: {
      ...shared,
      subjects: connection('out', ['describes'], null),
    },
  };

  /**
   * The cursor of the item at `position` of the connection `field` of `parent` (a record of
   * `typename`, or null on `Query`) with `args` (its arguments but the paging ones); null
   * past the end, or where the arguments are refused. For the conformance suite's generator.
   */
  function cursorAt(typename, field, parent, args, position) {
    try {
      const conn = resolvers[typename][field](parent, { ...args, first: MAX_PAGE_SIZE }, null, { fieldName: field });
      return conn.edges[position]?.cursor ?? null;
    } catch {
      return null;
    }
  }

  return { resolvers, records: allRecords, bySlug, globalId, cursorAt };
}
