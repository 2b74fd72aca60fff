/**
 * `npm run persisted -- <folder> <out.json>`: the trusted documents file
 * for PERSISTED_OPERATIONS, from the operations in a folder's `.graphql`
 * files (fragments may live in other files of the folder). Each operation is
 * listed under the hash each kind of frontend sends for it, each key the
 * SHA-256 of the document that frontend's client sends, with `__typename`
 * where that client adds it (its cache needs it in the answer):
 *
 * - `sha256:<hex>`: GraphQL Codegen's client preset with
 *   `addTypenameSelectionDocumentTransform` (its `persisted-documents.json`,
 *   checked against schema.graphql and the directives the gateway serves):
 *   what a client sends when it reads the generated document's
 *   `__meta__.hash`;
 * - Apollo Client's: the document as Apollo Client hands it to its links
 *   (an Apollo Client 4 with the @defer handler runs each operation against
 *   a link that only records it), printed with its definitions sorted, as
 *   `@apollo/generate-persisted-query-manifest` makes its ids (it cannot
 *   run @defer documents with Apollo Client 4 itself):
 *   `generatePersistedQueryIdsFromManifest`, `...AtRuntime` and the plain
 *   `PersistedQueryLink({ sha256 })` all send it for a document written
 *   operation first, fragments after in name order;
 * - urql's: what `persistedExchange()` hashes by default (urql's own
 *   printing of the document its cache exchanges send) for that document:
 *   with `__typename` (graphcache; urql's document cache for queries and
 *   mutations) and, for a subscription, also without (urql's document
 *   cache leaves subscriptions as they are).
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { addTypenameSelectionDocumentTransform } from '@graphql-codegen/client-preset';
import { ApolloClient, ApolloLink, InMemoryCache } from '@apollo/client';
import { Defer20220824Handler } from '@apollo/client/incremental';
import { sortTopLevelDefinitions } from '@apollo/persisted-query-lists';
import { formatDocument, stringifyDocument } from '@urql/core';
import {
  Kind, parse, print, visit, type DefinitionNode, type DocumentNode, type FragmentDefinitionNode, type OperationDefinitionNode,
} from 'graphql';
import { Observable } from 'rxjs';
import { servedDirectivesSdl } from '../../schema/served-directives.js';
import { sha256Hex } from '../plugins/trusted-documents.js';

const GRAPHQL_FILE = /\.graphql$/;

/** Codegen's `sha256:<hex>` to document, for each operation in `folder`'s .graphql files. */
async function codegenDocuments(folder: string, schema: string): Promise<Record<string, string>> {
  const outputs = await generate({
    schema: [schema, servedDirectivesSdl()],
    documents: [join(folder, '**/*.graphql')],
    silent: true,
    generates: {
      'persisted/': {
        preset: 'client',
        presetConfig: { persistedDocuments: true, fragmentMasking: false },
        documentTransforms: [addTypenameSelectionDocumentTransform],
      },
    },
  }, false);
  const file = (outputs as { filename: string; content: string }[]).find((output) => output.filename.endsWith('persisted-documents.json'));
  if (!file) throw new Error(`No operations in ${folder}/**/*.graphql`);
  return JSON.parse(file.content) as Record<string, string>;
}

/** Each operation of the folder's files as a document of its own: the operation, then the fragments it uses in name order. */
function operationDocuments(folder: string): DocumentNode[] {
  const definitions: DefinitionNode[] = readdirSync(folder, { recursive: true, encoding: 'utf8' })
    .filter((file) => GRAPHQL_FILE.test(file)).sort()
    .flatMap((file) => parse(readFileSync(join(folder, file), 'utf8'), { noLocation: true }).definitions);
  const fragments = new Map(definitions.flatMap((d) => (d.kind === Kind.FRAGMENT_DEFINITION ? [[d.name.value, d] as const] : [])));
  const used = (node: OperationDefinitionNode | FragmentDefinitionNode, found = new Map<string, FragmentDefinitionNode>()) => {
    visit(node, {
      FragmentSpread(spread) {
        const fragment = fragments.get(spread.name.value);
        if (!fragment || found.has(fragment.name.value)) return;
        found.set(fragment.name.value, fragment);
        used(fragment, found);
      },
    });
    return found;
  };
  return definitions.flatMap((d) => (d.kind !== Kind.OPERATION_DEFINITION ? [] : [{
    kind: Kind.DOCUMENT,
    definitions: [d, ...[...used(d).values()].sort((a, b) => a.name.value.localeCompare(b.name.value))],
  } satisfies DocumentNode]));
}

/** The document Apollo Client sends for `document` (definitions sorted, as its manifest ids are made). */
async function apolloBody(document: DocumentNode): Promise<string> {
  let body = '';
  const client = new ApolloClient({
    cache: new InMemoryCache(),
    incrementalHandler: new Defer20220824Handler(),
    link: new ApolloLink((operation) => {
      body = print(sortTopLevelDefinitions(operation.query));
      return new Observable((observer) => observer.complete());
    }),
  });
  const operation = document.definitions[0] as OperationDefinitionNode;
  const options = { fetchPolicy: 'no-cache', errorPolicy: 'ignore' } as const;
  if (operation.operation === 'query') await client.query({ query: document, ...options }).catch(() => undefined);
  else if (operation.operation === 'mutation') await client.mutate({ mutation: document, ...options }).catch(() => undefined);
  else await new Promise<void>((resolve) => client.subscribe({ query: document, fetchPolicy: 'no-cache' }).subscribe({ complete: resolve, error: () => resolve() }));
  client.stop();
  if (!body) throw new Error(`Apollo Client sent nothing for ${operation.name?.value ?? 'an anonymous operation'}`);
  return body;
}

/** Every hash a frontend may send for the operations in `folder`'s .graphql files, to the document it stands for. */
export async function persistedDocuments(folder: string, schema = 'schema.graphql'): Promise<Record<string, string>> {
  const documents = await codegenDocuments(folder, schema);
  for (const document of operationDocuments(folder)) {
    const urql = [stringifyDocument(formatDocument(document))];
    if ((document.definitions[0] as OperationDefinitionNode).operation === 'subscription') urql.push(stringifyDocument(document));
    for (const body of [await apolloBody(document), ...urql]) documents[sha256Hex(body)] = body;
  }
  return documents;
}

async function main(): Promise<void> {
  const [folder, out] = process.argv.slice(2);
  if (!folder || !out) throw new Error('Usage: npm run persisted -- <folder of .graphql files> <out.json>');
  const documents = await persistedDocuments(folder);
  writeFileSync(out, `${JSON.stringify(documents, null, 2)}\n`);
  console.log(`${Object.keys(documents).length} hashes written to ${out}; run the gateway with PERSISTED_OPERATIONS=${out}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
