// The reference: what a GraphQL-over-HTTP server built on graphql-js answers, under
// `Accept: application/graphql-response+json`, over the schema of `schema.graphql` and the
// resolvers of bench/contestants/apollo/graph.mjs (wic-gql's semantics over the data of
// `wic-gql export`).
//
// A request error — a document that does not parse, fails validation, names no single
// operation, or whose variables do not coerce — is status 400 with `{errors}` and no `data`
// (GraphQL over HTTP, §6.4.2). Anything else is 200 with `{data, errors?}` from graphql-js's
// `execute`: a field error nulls the field, or its nearest nullable parent.

import {
  GraphQLError,
  MaxIntrospectionDepthRule,
  buildSchema,
  execute,
  parse,
  specifiedRules,
  validate,
} from 'graphql';

import { bindResolvers, createGraph } from '../../bench/contestants/apollo/graph.mjs';

/**
 * The specification's rule "Operation Type Existence" (§5.2.1, September 2025 edition),
 * which graphql-js 16 does not have: `mutation { __typename }` against a schema without a
 * mutation type is invalid, not a field error at execution.
 */
function OperationTypeExistenceRule(context) {
  return {
    OperationDefinition(node) {
      if (!context.getSchema().getRootType(node.operation)) {
        context.reportError(
          new GraphQLError(`The schema has no ${node.operation} root type.`, { nodes: node }),
        );
      }
    },
  };
}

/**
 * The validation rules of the specification: graphql-js's, without its
 * MaxIntrospectionDepthRule (a protection of its own, not a rule of the specification),
 * with Operation Type Existence.
 */
export const rules = [
  ...specifiedRules.filter((rule) => rule !== MaxIntrospectionDepthRule),
  OperationTypeExistenceRule,
];

/**
 * The reference over `sdl` (the text of `schema.graphql`) and `exported` (the parsed JSON
 * of `wic-gql export`).
 */
export function createReference(sdl, exported) {
  const graph = createGraph(exported);
  const schema = bindResolvers(buildSchema(sdl), graph.resolvers);

  /** The HTTP answer to `{query, variables, operationName}`: `{status, body}`. */
  async function answer({ query, variables, operationName }) {
    let document;
    try {
      document = parse(query);
    } catch (error) {
      return requestError([error]);
    }
    const invalid = validate(schema, document, rules);
    if (invalid.length > 0) return requestError(invalid);
    const result = await execute({
      schema,
      document,
      variableValues: variables ?? undefined,
      operationName: operationName ?? undefined,
    });
    // graphql-js answers without `data` when it could not start executing: no operation
    // or several without a name, an unknown operation name, variables that do not coerce.
    if (!('data' in result)) return requestError(result.errors);
    const body = { data: result.data };
    if (result.errors?.length) body.errors = result.errors.map((e) => e.toJSON());
    return { status: 200, body: JSON.parse(JSON.stringify(body)) };
  }

  return { schema, graph, answer };
}

function requestError(errors) {
  return { status: 400, body: { errors: errors.map((e) => e.toJSON()) } };
}
