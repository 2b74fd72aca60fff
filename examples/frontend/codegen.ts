/**
 * GraphQL Codegen for the example pages: typed documents from
 * operations/*.graphql against the gateway's printed schema (and the
 * @defer and @stream directives it serves), each carrying the SHA-256 it is
 * persisted under, and generated/persisted-documents.json for
 * PERSISTED_OPERATIONS. Every selection asks for `__typename`, as Apollo
 * Client's and urql's caches need (they add it to documents they send, but
 * a trusted document is the one the gateway holds). `npm run
 * codegen:examples` rewrites generated/; a test fails when it is stale.
 */
import type { CodegenConfig } from '@graphql-codegen/cli';
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset';
import { servedDirectivesSdl } from '../../schema/served-directives.js';

const config: CodegenConfig = {
  schema: ['schema.graphql', servedDirectivesSdl()],
  documents: ['examples/frontend/operations/**/*.graphql'],
  ignoreNoDocuments: false,
  generates: {
    'examples/frontend/generated/': {
      preset: 'client',
      presetConfig: { persistedDocuments: true, fragmentMasking: false },
      documentTransforms: [addTypenameSelectionDocumentTransform],
      config: {
        useTypeImports: true,
        enumsAsTypes: true,
        importExtension: '.js',
        scalars: { Date: 'string', DateTime: 'string', Time: 'string', JSON: 'unknown', File: 'File' },
      },
    },
  },
};

export default config;
