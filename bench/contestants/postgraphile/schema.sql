-- The wic-gql knowledge graph as a plain relational model, for PostGraphile 4.
--
-- One table of records (every kind in one table: the columns a kind does not use are
-- NULL) and one table of typed, directed edges between them. The export's `details`
-- object is kept verbatim in `details`; the fields the benchmark's queries read are
-- also typed columns. The smart comments (`COMMENT ON ... '@...'`) only rename or hide
-- what PostGraphile generates; everything else it derives from the tables, the
-- foreign keys and the functions below.

BEGIN;

-- The seven kinds of record, in wic-gql's seed order (so `ORDER BY kind, position`
-- is wic-gql's default list order). PostGraphile exposes it as `enum RecordKind`.
CREATE TYPE record_kind AS ENUM (
  'document', 'event', 'trend', 'actor', 'place', 'topic', 'statistic'
);
COMMENT ON TYPE record_kind IS 'The seven kinds of record.';

-- The relation types (`enum RelationType` in GraphQL: NAMES, ACTS_IN, PROJECTS, ...).
CREATE TYPE relation_type AS ENUM (
  'held_in', 'projects', 'discusses', 'builds_on', 'reports_on', 'participates_in',
  'organizes', 'establishes', 'acts_in', 'names', 'describes', 'references',
  'part_of', 'initiated', 'headquartered_in', 'exemplifies', 'underlies',
  'will_shape_platform_for', 'developed', 'triggered', 'pushed_forward', 'due_to',
  'in_terms_of', 'narrower_than', 'acts_on', 'edition_of', 'appended_to'
);
COMMENT ON TYPE relation_type IS 'The type of a relation between two records.';

CREATE TABLE record (
  slug        text PRIMARY KEY,
  kind        record_kind NOT NULL,
  position    integer NOT NULL,                -- seed order within the kind
  name        text NOT NULL,
  aliases     text[] NOT NULL DEFAULT '{}',
  citations   jsonb NOT NULL DEFAULT '[]',     -- [{section, paragraph, quote}]
  details     jsonb NOT NULL DEFAULT '{}',     -- the export's details of the kind, verbatim
  -- Typed columns for the kind-specific fields.
  category    text,                            -- the kind's own kind: conference, company, technology, report, ...
  start_date  date,                            -- event
  end_date    date,                            -- event
  theme       text,                            -- event
  founded     date,                            -- actor
  numeral     text,                            -- trend: I..V
  ordinal     integer,                         -- trend: 1..5
  statement   text,                            -- trend
  paragraphs  text[],                          -- trend
  year        integer,                         -- document
  text        text,                            -- statistic: the figure in the source's words
  value       double precision,                -- statistic
  unit        text,                            -- statistic
  qualifier   text,                            -- statistic
  UNIQUE (kind, position)
);
COMMENT ON TABLE record IS 'A record of the knowledge graph: an event, trend, actor, place, document, topic or statistic.';
COMMENT ON COLUMN record.citations IS 'Where the source states this record: a JSON array of {section, paragraph, quote}.';
COMMENT ON COLUMN record.details IS 'The kind-specific fields as exported by wic-gql (JSON).';

CREATE TABLE edge (
  from_slug   text NOT NULL REFERENCES record (slug),
  relation    relation_type NOT NULL,
  to_slug     text NOT NULL REFERENCES record (slug),
  role        text,
  citations   jsonb NOT NULL DEFAULT '[]',     -- [{section, paragraph, quote}]
  position    integer NOT NULL UNIQUE,         -- seed order
  PRIMARY KEY (from_slug, relation, to_slug)
);
COMMENT ON TABLE edge IS 'A typed relation from one record to another, with the role the source gives and its citations.';
CREATE INDEX edge_from_relation_position ON edge (from_slug, relation, position);
CREATE INDEX edge_to_relation_position ON edge (to_slug, relation, position);

-- Name the foreign-key fields as a user would: `Edge.from`, `Edge.to`,
-- `Record.outgoingEdges`, `Record.incomingEdges`.
COMMENT ON CONSTRAINT edge_from_slug_fkey ON edge IS E'@fieldName from\n@foreignFieldName outgoingEdges';
COMMENT ON CONSTRAINT edge_to_slug_fkey ON edge IS E'@fieldName to\n@foreignFieldName incomingEdges';

-- Full-text search -------------------------------------------------------------------
--
-- The same fields wic-gql indexes, weighted the same way round: name and aliases (A),
-- statement / theme / figure text (B), citation quotes (C), paragraphs (D: a trend's
-- paragraphs, the source document's paragraphs).

CREATE FUNCTION record_search_vector(
  name text, aliases text[], statement text, theme text, figure text,
  citations jsonb, paragraphs text[], details jsonb
) RETURNS tsvector
LANGUAGE sql IMMUTABLE PARALLEL SAFE AS $$
  SELECT setweight(to_tsvector('english', coalesce(name, '') || ' ' || array_to_string(aliases, ' ')), 'A')
      || setweight(to_tsvector('english', concat_ws(' ', statement, theme, figure)), 'B')
      || setweight(to_tsvector('english', coalesce(
           (SELECT string_agg(c ->> 'quote', ' ') FROM jsonb_array_elements(citations) c), '')), 'C')
      || setweight(to_tsvector('english', coalesce(array_to_string(paragraphs, ' '), '') || ' ' || coalesce(
           (SELECT string_agg(p, ' ')
              FROM jsonb_array_elements(details #> '{source,sections}') s,
                   jsonb_array_elements_text(s -> 'paragraphs') p), '')), 'D')
$$;

ALTER TABLE record ADD COLUMN search tsvector GENERATED ALWAYS AS (
  record_search_vector(name, aliases, statement, theme, text, citations, paragraphs, details)
) STORED;
CREATE INDEX record_search ON record USING gin (search);
COMMENT ON COLUMN record.search IS E'@omit';
COMMENT ON FUNCTION record_search_vector(text, text[], text, text, text, jsonb, text[], jsonb) IS E'@omit';

-- `Query.searchRecords(query:)`: the records matching every word of `query` (English
-- stemming, web-search syntax), best first by cover density (`ts_rank_cd`: matches of
-- the words near each other count most). PostGraphile adds `first`/`offset` to the
-- field and applies them to this function's rows in order (`first: 10` is a LIMIT on
-- it), so the function takes no `first` of its own: an argument of that name would
-- collide with PostGraphile's.
CREATE FUNCTION search_records(query text)
RETURNS SETOF public.record
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT r.*
    FROM public.record r, websearch_to_tsquery('english', query) q
   WHERE r.search @@ q
   ORDER BY ts_rank_cd(r.search, q) DESC, r.slug
$$;
COMMENT ON FUNCTION search_records(text) IS
  'Full-text search over names, aliases, statements, quotes and paragraphs, best hits first.';

-- `Record.searchScore(query:)` and `Record.searchSnippet(query:)`: what a hit of
-- `searchRecords` shows besides the record.
CREATE FUNCTION record_search_score(r public.record, query text) RETURNS real
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT ts_rank_cd(r.search, websearch_to_tsquery('english', query))
$$;
COMMENT ON FUNCTION record_search_score(public.record, text) IS 'The full-text rank of this record for `query`.';

CREATE FUNCTION record_search_snippet(r public.record, query text) RETURNS text
LANGUAGE sql STABLE PARALLEL SAFE AS $$
  SELECT ts_headline('english',
           concat_ws(' … ', r.name, nullif(array_to_string(r.aliases, ' '), ''), r.statement, r.theme, r.text,
             (SELECT string_agg(c ->> 'quote', ' … ') FROM jsonb_array_elements(r.citations) c),
             array_to_string(r.paragraphs, ' '),
             (SELECT string_agg(p, ' ')
                FROM jsonb_array_elements(r.details #> '{source,sections}') s,
                     jsonb_array_elements_text(s -> 'paragraphs') p)),
           websearch_to_tsquery('english', query),
           'MaxWords=20, MinWords=8, MaxFragments=1')
$$;
COMMENT ON FUNCTION record_search_snippet(public.record, text) IS 'A short excerpt around the words of `query`.';

COMMIT;
