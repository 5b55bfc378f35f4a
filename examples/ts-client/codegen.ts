// graphql-codegen (`npm run generate`): TypeScript types checked against the published
// contract ../../schema.graphql.
//
// - src/generated/schema.ts (plugin `typescript`): every type of the schema.
// - src/generated/graphql.ts (plugin `typescript-operations`): the variables and the exact
//   response shape of each operation in ../operations/, importing the schema's enums from
//   schema.ts. (Since v6, typescript-operations emits the enums it uses itself unless told
//   where to import them from, so the two plugins no longer share one output file.)
import type { CodegenConfig } from "@graphql-codegen/cli";

const scalars = {
  // The custom scalar `Date` is an ISO 8601 `YYYY-MM-DD` string on the wire.
  scalars: { Date: "string" },
  // Fail generation on any other custom scalar instead of typing it `any`.
  strictScalars: true,
  useTypeImports: true,
};

const config: CodegenConfig = {
  overwrite: true,
  schema: "../../schema.graphql",
  documents: "../operations/*.graphql",
  generates: {
    "src/generated/schema.ts": {
      documents: [],
      plugins: ["typescript"],
      config: {
        ...scalars,
        // GraphQL enums as string-literal unions: no runtime code, exact wire values.
        enumsAsTypes: true,
        // Adding an enum value is not a breaking change to the schema (.ci/schema-diff lets
        // it through), so the unions also admit values newer than this client.
        futureProofEnums: true,
      },
    },
    "src/generated/graphql.ts": {
      plugins: ["typescript-operations"],
      config: {
        ...scalars,
        importSchemaTypesFrom: "./src/generated/schema.ts",
        // Node's ESM resolution (tsconfig `module: NodeNext`) wants the `.js` extension.
        importExtension: ".js",
      },
    },
  },
};

export default config;
