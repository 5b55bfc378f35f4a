// Corpus (b): random valid queries, built from the schema and from the data.
//
// `generate(schema, graph, {seed, count})` returns `count` documents `{name, query,
// variables?, operationName?}` named `gen-SEED-I`; the same seed gives the same documents.
// They use aliases, named fragments, inline fragments on the `Node` interface, `@skip` and
// `@include` with literals and variables, nested connections with `first`/`after`/`last`/
// `before` (cursors of real positions: of the very list where the generator knows the
// record it hangs from, or the list itself is top-level; else now and then one of the same
// field of some record, which the others refuse), search with words from the data, and lookups by
// real slugs and ids (now and then a slug of another type, or one that names nothing, and
// now and then a field error: a malformed id, a cursor never issued, a negative size).
//
// Every document is valid by construction — in particular, two fields that share a
// response key are the same leaf field with the same return type, so field merging never
// conflicts — and stays within wic-gql's default limits (depth 16, cost 50 000, 30
// aliases, 20 root fields, 50 directives); run.mjs validates each one with graphql-js.

import { getNamedType, isAbstractType, isLeafType, isObjectType } from 'graphql';

/** mulberry32: a small, fast, seedable PRNG. */
function prng(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** The most an estimated cost may reach (wic-gql refuses over 50 000). */
const MAX_COST = 20_000;
/** How deep a selection may nest (wic-gql refuses over 16). */
const MAX_DEPTH = 11;
const MAX_ALIASES = 24;
const MAX_DIRECTIVES = 30;

/** How many items a connection without `first`/`last` is costed at (limits.rs). */
const UNBOUNDED_LIST_ESTIMATE = 10;

export function generate(schema, graph, { seed = 1, count = 1000 } = {}) {
  const docs = [];
  for (let i = 0; i < count; i++) {
    // One stream per document: document I is the same whatever `count` is.
    docs.push(new DocumentBuilder(schema, graph, prng(seed * 1_000_003 + i)).build(`gen-${seed}-${i}`));
  }
  return docs;
}

class DocumentBuilder {
  constructor(schema, graph, random) {
    this.schema = schema;
    this.graph = graph;
    this.random = random;
    this.variables = {};
    this.declarations = [];
    this.fragments = [];
    this.aliases = 0;
    this.directives = 0;
    this.counter = 0;
    /** The record the selection being written is on, when one record is known. */
    this.parent = null;
  }

  /** `make()` with `this.parent` set to `parent` meanwhile. */
  within(parent, make) {
    const outer = this.parent;
    this.parent = parent;
    try {
      return make();
    } finally {
      this.parent = outer;
    }
  }

  // -------------------------------------------------------------------------------------
  // Randomness

  chance(p) {
    return this.random() < p;
  }
  int(lo, hi) {
    return lo + Math.floor(this.random() * (hi - lo + 1));
  }
  pick(list) {
    return list[Math.floor(this.random() * list.length)];
  }
  pickSome(list, n) {
    const copy = [...list];
    const out = [];
    while (out.length < n && copy.length) out.push(copy.splice(Math.floor(this.random() * copy.length), 1)[0]);
    return out;
  }
  fresh(prefix) {
    this.counter += 1;
    return `${prefix}${this.counter}`;
  }

  // -------------------------------------------------------------------------------------
  // Values: literals or variables

  /** `value` (a JS value of GraphQL type `type`, as a string like `Int`) as a literal or a variable. */
  value(type, jsValue, { literal } = {}) {
    if (this.chance(0.3)) {
      const name = this.fresh('v');
      // A nullable variable type for a non-null argument would be invalid; the variable
      // type is the argument's type, or its non-null form for a nullable argument.
      const varType = !type.endsWith('!') && this.chance(0.3) ? `${type}!` : type;
      if (!type.endsWith('!') && !varType.endsWith('!') && this.chance(0.3)) {
        this.declarations.push(`$${name}: ${varType} = ${literal ?? toLiteral(jsValue)}`);
      } else {
        this.declarations.push(`$${name}: ${varType}`);
        this.variables[name] = jsValue;
      }
      return `$${name}`;
    }
    return literal ?? toLiteral(jsValue);
  }

  /** A directive for a field or fragment (`@skip`/`@include`), or nothing. */
  directive() {
    if (this.directives >= MAX_DIRECTIVES || !this.chance(0.15)) return '';
    this.directives += 1;
    const name = this.chance(0.5) ? 'skip' : 'include';
    const on = this.chance(0.5);
    if (this.chance(0.5)) {
      const v = this.fresh('b');
      this.declarations.push(`$${v}: Boolean!`);
      this.variables[v] = on;
      return ` @${name}(if: $${v})`;
    }
    return ` @${name}(if: ${on})`;
  }

  // -------------------------------------------------------------------------------------
  // The data

  recordsOf(typename) {
    return this.graph.records.filter((r) => typename == null || r.__typename === typename);
  }

  /** A slug for a lookup of `typename`: usually one of that type, sometimes not. */
  slugFor(typename) {
    const roll = this.random();
    if (roll < 0.08) return 'no-such-record';
    if (roll < 0.15) return this.pick(this.graph.records).slug;
    return this.pick(this.recordsOf(typename)).slug;
  }

  /**
   * A cursor for the connection `field` of `typename` (`Query` for the top-level lists)
   * with `args` (JS values, the paging ones aside), at a position up to `max`: of the very
   * list when its record is known (or it is top-level); else, now and then, of the same
   * field of some record of the type, which the other records refuse. Null for none.
   */
  cursor(typename, field, args, max) {
    const position = this.int(0, max);
    if (typename === 'Query') return this.graph.cursorAt('Query', field, null, args, position);
    if (this.parent?.__typename === typename) {
      const cursor = this.graph.cursorAt(typename, field, this.parent, args, position);
      if (cursor !== null) return cursor;
    }
    if (!this.chance(0.2)) return null;
    return this.graph.cursorAt(typename, field, this.pick(this.recordsOf(typename)), args, position);
  }

  /** A search query: one or two words of a record's name, or a prefix of one. */
  searchText() {
    const words = this.pick(this.graph.records)
      .name.split(/[^\p{L}\p{N}]+/u)
      .filter((w) => w.length > 1);
    if (!words.length) return 'internet';
    const start = this.int(0, words.length - 1);
    let text = words.slice(start, start + this.int(1, 2)).join(' ');
    if (this.chance(0.2) && text.length > 4) text = text.slice(0, this.int(3, text.length - 1));
    return this.chance(0.2) ? text.toUpperCase() : text;
  }

  // -------------------------------------------------------------------------------------
  // Selections

  /**
   * A selection set on `type` at `depth` with `budget` cost left: `{text, cost}`.
   * `scope` holds the unaliased response keys already used where these fields merge:
   * key → the field's signature (name and return type); a leaf may repeat its key only
   * with the same signature, anything else gets a fresh alias.
   */
  selectionSet(type, depth, budget, scope = new Map()) {
    const parts = [];
    let cost = 0;
    const n = this.int(1, depth > 6 ? 2 : 4);
    for (let i = 0; i < n; i++) {
      const left = budget - cost;
      const roll = this.random();
      let part;
      if (isAbstractType(type) && roll < 0.45) part = this.typeCondition(type, depth, left, scope);
      else if (roll < 0.08) part = this.typeCondition(type, depth, left, scope);
      else part = this.field(type, depth, left, scope);
      if (part) {
        parts.push(part.text);
        cost += part.cost;
      }
    }
    if (!parts.length) {
      parts.push('__typename');
      cost += 1;
    }
    return { text: `{ ${parts.join(' ')} }`, cost };
  }

  /** An inline fragment or a named fragment spread on a type `type` may be. */
  typeCondition(type, depth, budget, scope) {
    const possible = isAbstractType(type)
      ? [...this.schema.getPossibleTypes(type), type]
      : [type, ...type.getInterfaces()];
    const on = this.pick(possible);
    const inner = this.selectionSet(on, depth, budget, scope);
    const directive = this.directive();
    if (this.chance(0.5)) {
      const name = this.fresh('F');
      this.fragments.push(`fragment ${name} on ${on.name} ${inner.text}`);
      return { text: `...${name}${directive}`, cost: inner.cost };
    }
    // Now and then without a type condition.
    const condition = on === type && this.chance(0.3) ? '' : ` on ${on.name}`;
    return { text: `...${condition}${directive} ${inner.text}`, cost: inner.cost };
  }

  /** A key for a field: its name when `scope` allows it, else a fresh alias (or null). */
  responseKey(field, signature, leaf, scope) {
    const wantAlias = this.chance(0.15);
    const used = scope.get(field.name);
    const nameFree = used === undefined || (leaf && used === signature);
    if (!wantAlias && nameFree) {
      scope.set(field.name, signature);
      return field.name;
    }
    if (this.aliases >= MAX_ALIASES) return null;
    this.aliases += 1;
    // Aliases are unique in the document, so they never meet another field.
    return this.fresh(`${field.name}_`);
  }

  field(type, depth, budget, scope) {
    const fields = Object.values(type.getFields()).filter((f) => {
      const named = getNamedType(f.type);
      if (isLeafType(named)) return true;
      if (depth >= MAX_DEPTH) return false;
      if (isConnection(f)) return depth + 3 < MAX_DEPTH && budget > 200;
      return budget > 20;
    });
    if (this.chance(0.05)) return { text: `__typename${this.directive()}`, cost: 0 };
    const field = this.pick(fields);
    const named = getNamedType(field.type);
    const leaf = isLeafType(named);
    const signature = `${field.name}:${field.type}`;
    const key = this.responseKey(field, signature, leaf && field.args.length === 0, scope);
    if (key === null) return null;
    const prefix = key === field.name ? key : `${key}: ${field.name}`;
    const directive = this.directive();
    if (leaf) return { text: `${prefix}${directive}`, cost: 1 };
    if (isConnection(field)) return this.connection(field, prefix, directive, depth, budget, [], type.name);
    const inner = this.within(null, () => this.selectionSet(named, depth + 1, budget - 1));
    return { text: `${prefix}${directive} ${inner.text}`, cost: 1 + inner.cost };
  }

  /**
   * Paging arguments: `{args, size}` (size: what wic-gql's cost multiplies by). `cursor(max)`
   * gives a cursor at a position up to `max`, or null for none (the size alone then).
   */
  paging(cursor) {
    const paged = (size, cursorArg) => (c) => (c === null ? [size] : [size, `${cursorArg}: ${this.value('String', c)}`]);
    const args = [];
    let size = UNBOUNDED_LIST_ESTIMATE;
    const roll = this.random();
    const n = this.int(0, 4);
    if (this.chance(0.02)) {
      // Now and then a field error: a cursor this API never issued, or a negative size.
      args.push(this.chance(0.5) ? `after: ${this.value('String', 'x')}` : `first: ${this.value('Int', -1)}`);
    } else if (roll < 0.25) {
      // The default page.
    } else if (roll < 0.5) {
      args.push(`first: ${this.value('Int', n)}`);
      size = n;
    } else if (roll < 0.65) {
      args.push(...paged(`first: ${this.value('Int', n)}`, 'after')(cursor(6)));
      size = n;
    } else if (roll < 0.75) {
      args.push(`last: ${this.value('Int', n)}`);
      size = n;
    } else if (roll < 0.85) {
      args.push(...paged(`last: ${this.value('Int', n)}`, 'before')(cursor(8)));
      size = n;
    } else if (roll < 0.92) {
      args.push(...paged(`first: ${this.value('Int', n)}`, 'before')(cursor(8)));
      size = n;
    } else {
      args.push(...paged(`last: ${this.value('Int', n)}`, 'after')(cursor(6)));
      size = n;
    }
    return { args, size: Math.max(1, size) };
  }

  /**
   * A connection field of `typename` (`Query` for the top-level lists, whose other
   * arguments, `extraArgs`, have the JS values `listArgs`) with its arguments and a
   * selection of pageInfo, edges, nodes, totalCount.
   */
  connection(field, prefix, directive, depth, budget, extraArgs = [], typename = 'Query', listArgs = {}) {
    const args = { ...listArgs };
    const head = [];
    const tail = [];
    if (field.args.some((a) => a.name === 'direction') && this.chance(0.5)) {
      const direction = this.pick(['OUTGOING', 'INCOMING']);
      args.direction = direction;
      head.push(`direction: ${this.value('RelationDirection!', direction, { literal: direction })}`);
    }
    if (field.args.some((a) => a.name === 'types') && this.chance(0.3)) {
      const relationType = this.schema.getType('RelationType');
      const types = this.pickSome(relationType.getValues().map((v) => v.name), this.int(0, 3));
      args.types = types;
      tail.push(`types: ${this.value('[RelationType!]', types, { literal: `[${types.join(', ')}]` })}`);
    }
    const paging = this.paging((max) => this.cursor(typename, field.name, args, max));
    const size = paging.size;
    const all = [...head, ...extraArgs, ...paging.args, ...tail];
    const connectionType = getNamedType(field.type);
    const nodeType = getNamedType(connectionType.getFields().nodes.type);
    const perItem = Math.floor((budget - 10) / size);
    const parts = [];
    let itemCost = 0;
    const choices = this.pickSome(['pageInfo', 'edges', 'nodes', 'totalCount'], this.int(1, 3));
    for (const choice of choices) {
      const key = this.chance(0.1) && this.aliases < MAX_ALIASES ? (this.aliases++, this.fresh(`${choice}_`)) : choice;
      const head = key === choice ? choice : `${key}: ${choice}`;
      if (choice === 'totalCount') {
        parts.push(`${head}${this.directive()}`);
        itemCost += 1;
      } else if (choice === 'pageInfo') {
        const sub = this.pickSome(['hasPreviousPage', 'hasNextPage', 'startCursor', 'endCursor'], this.int(1, 4));
        parts.push(`${head} { ${sub.join(' ')} }`);
        itemCost += 1 + sub.length;
      } else if (choice === 'nodes') {
        const inner = this.within(null, () => this.selectionSet(nodeType, depth + 2, perItem - itemCost));
        parts.push(`${head}${this.directive()} ${inner.text}`);
        itemCost += 1 + inner.cost;
      } else {
        const edgeParts = [];
        const edgeFields = this.pickSome(['cursor', 'node', 'relation', 'role', 'citations'], this.int(1, 3));
        for (const f of edgeFields) {
          if (f === 'node') {
            const inner = this.within(null, () => this.selectionSet(nodeType, depth + 3, perItem - itemCost));
            edgeParts.push(`node ${inner.text}`);
            itemCost += 1 + inner.cost;
          } else if (f === 'citations') {
            edgeParts.push(`citations { ${this.pickSome(['section', 'paragraph', 'quote'], this.int(1, 3)).join(' ')} }`);
            itemCost += 4;
          } else {
            edgeParts.push(f);
            itemCost += 1;
          }
        }
        parts.push(`${head} { ${edgeParts.join(' ')} }`);
        itemCost += 1;
      }
    }
    const argText = all.length ? `(${all.join(', ')})` : '';
    return { text: `${prefix}${argText}${directive} { ${parts.join(' ')} }`, cost: size * itemCost };
  }

  // -------------------------------------------------------------------------------------
  // Root fields

  rootField(budget) {
    const query = this.schema.getQueryType();
    const roll = this.random();
    const alias = (name) => {
      if (this.aliases < MAX_ALIASES && this.chance(0.5)) {
        this.aliases += 1;
        return `${this.fresh(`${name}_`)}: ${name}`;
      }
      return null;
    };
    // Root fields are always aliased uniquely when they repeat a name (see `build`).
    const lookups = ['event', 'trend', 'actor', 'place', 'document', 'topic', 'statistic'];
    if (roll < 0.3) {
      const name = this.pick(lookups);
      const typename = name[0].toUpperCase() + name.slice(1);
      const slugValue = this.slugFor(typename);
      const slug = this.value('String!', slugValue);
      const found = this.graph.bySlug.get(slugValue);
      const inner = this.within(found?.__typename === typename ? found : null, () =>
        this.selectionSet(query.getFields()[name].type, 1, budget),
      );
      return { name, alias: alias(name), text: `(slug: ${slug})${this.directive()} ${inner.text}`, cost: 1 + inner.cost };
    }
    if (roll < 0.4) {
      const record = this.pick(this.graph.records);
      const real = this.chance(0.9);
      const id = real ? record.id : 'bm8tc3VjaC1pZA';
      const inner = this.within(real ? record : null, () => this.selectionSet(this.schema.getType('Node'), 1, budget));
      return { name: 'node', alias: alias('node'), text: `(id: ${this.value('ID!', id)}) ${inner.text}`, cost: 1 + inner.cost };
    }
    if (roll < 0.47) {
      const ids = this.pickSome(this.graph.records, this.int(1, 4)).map((r) => r.id);
      const inner = this.selectionSet(this.schema.getType('Node'), 1, Math.floor(budget / ids.length));
      return { name: 'nodes', alias: alias('nodes'), text: `(ids: ${this.value('[ID!]!', ids)}) ${inner.text}`, cost: ids.length * (1 + inner.cost) };
    }
    if (roll < 0.55) {
      const inner = this.selectionSet(this.schema.getType('Node'), 1, budget);
      return { name: 'record', alias: alias('record'), text: `(slug: ${this.value('String!', this.slugFor(null))}) ${inner.text}`, cost: 1 + inner.cost };
    }
    if (roll < 0.67) {
      const args = [`query: ${this.value('String!', this.searchText())}`];
      const first = this.int(0, 6);
      if (this.chance(0.7)) args.push(`first: ${this.value('Int!', first)}`);
      if (this.chance(0.3)) {
        const kinds = this.pickSome(['DOCUMENT', 'EVENT', 'TREND', 'ACTOR', 'PLACE', 'TOPIC', 'STATISTIC'], this.int(1, 3));
        args.push(`kinds: ${this.value('[RecordKind!]', kinds, { literal: `[${kinds.join(', ')}]` })}`);
      }
      const hit = this.schema.getType('SearchHit');
      const inner = this.selectionSet(hit, 1, Math.floor(budget / 10));
      return { name: 'search', alias: alias('search'), text: `(${args.join(', ')}) ${inner.text}`, cost: 10 * (1 + inner.cost) };
    }
    if (roll < 0.93) {
      const lists = ['records', 'events', 'trends', 'actors', 'places', 'documents', 'topics', 'statistics'];
      const name = this.pick(lists);
      const field = query.getFields()[name];
      const extra = [];
      const listArgs = {};
      const kindArg = field.args.find((a) => a.name === 'kind');
      if (kindArg && this.chance(0.3)) {
        const values = getNamedType(kindArg.type).getValues().map((v) => v.name);
        const v = this.pick(values);
        listArgs.kind = v;
        extra.push(`kind: ${this.value(getNamedType(kindArg.type).name, v, { literal: v })}`);
      }
      if (name === 'records' && this.chance(0.4)) {
        const kinds = this.pickSome(['DOCUMENT', 'EVENT', 'TREND', 'ACTOR', 'PLACE', 'TOPIC', 'STATISTIC'], this.int(1, 3));
        listArgs.kinds = kinds;
        extra.push(`kinds: ${this.value('[RecordKind!]', kinds, { literal: `[${kinds.join(', ')}]` })}`);
      }
      if (this.chance(0.3)) {
        const order = { field: this.pick(['POSITION', 'NAME', 'DATE']), direction: this.pick(['ASC', 'DESC']) };
        listArgs.orderBy = order;
        extra.push(`orderBy: ${this.value('RecordOrder', order, { literal: `{ field: ${order.field}, direction: ${order.direction} }` })}`);
      }
      if (this.chance(0.2)) {
        const roll = this.random();
        const filter =
          roll < 0.4
            ? { year: this.pick([2014, 2015, 2016, 2017, 2022]) }
            : roll < 0.7
              ? { text: this.searchText() }
              : { from: this.pick(['2014-11-19', '2016-01-01', '2017-12-03']), to: this.pick(['2017-12-05', '2022-07-12', '2030-01-01']) };
        listArgs.filter = filter;
        extra.push(`filter: ${this.value('RecordFilter', filter)}`);
      }
      const c = this.connection(field, '', '', 1, budget, extra, 'Query', listArgs);
      return { name, alias: alias(name), text: c.text, cost: c.cost };
    }
    if (roll < 0.97) {
      const inner = this.selectionSet(this.schema.getType('Document'), 1, budget);
      return { name: 'source', alias: alias('source'), text: ` ${inner.text}`, cost: 1 + inner.cost };
    }
    return { name: 'stats', alias: alias('stats'), text: ' { records { kind count } edges sourceSha256 }', cost: 6 };
  }

  build(name) {
    const roots = [];
    const used = new Set();
    let budget = MAX_COST;
    const n = this.int(1, 3);
    for (let i = 0; i < n && budget > 50; i++) {
      const root = this.rootField(Math.floor(budget / (n - i)));
      let head = root.alias;
      if (head == null && used.has(root.name)) {
        // At most three roots, so this stays within the server's 30 aliases.
        this.aliases += 1;
        head = `${this.fresh(`${root.name}_`)}: ${root.name}`;
      }
      used.add(root.name);
      roots.push(`${head ?? root.name}${root.text}`);
      budget -= root.cost;
    }
    if (this.chance(0.05)) roots.push('__typename');
    const declarations = this.declarations.length ? `(${this.declarations.join(', ')})` : '';
    const named = declarations !== '' || this.chance(0.3);
    const operation = named ? `query Q${declarations} { ${roots.join(' ')} }` : `{ ${roots.join(' ')} }`;
    const doc = { name, query: [operation, ...this.fragments].join('\n') };
    if (Object.keys(this.variables).length) doc.variables = this.variables;
    // Now and then a second operation, chosen by operationName.
    if (named && this.chance(0.05)) {
      doc.query += '\nquery Other { __typename }';
      doc.operationName = 'Q';
    }
    return doc;
  }
}

function isConnection(field) {
  const named = getNamedType(field.type);
  return isObjectType(named) && named.name.endsWith('Connection');
}

/** A JS value as a GraphQL literal (enum values are passed as literals by the callers). */
function toLiteral(value) {
  if (value === null) return 'null';
  if (Array.isArray(value)) return `[${value.map(toLiteral).join(', ')}]`;
  if (typeof value === 'object') {
    return `{ ${Object.entries(value)
      .map(([k, v]) => `${k}: ${toLiteral(v)}`)
      .join(', ')} }`;
  }
  return JSON.stringify(value);
}
