/**
 * `npm run persisted -- <folder> <out.json>`: the trusted documents file
 * for PERSISTED_OPERATIONS, from the operations in a folder's `.graphql`
 * files (fragments may live in other files of the folder). GraphQL Codegen's
 * client preset makes it, checking every document against schema.graphql
 * and the directives the gateway serves, so that its keys are the hashes a
 * frontend built with the client preset sends: `sha256:<hex>` to the
 * normalised document.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { generate } from '@graphql-codegen/cli';
import { servedDirectivesSdl } from '../../schema/served-directives.js';

/** `sha256:<hex>` to document, for each operation in `folder`'s .graphql files. */
export async function persistedDocuments(folder: string, schema = 'schema.graphql'): Promise<Record<string, string>> {
  const outputs = await generate({
    schema: [schema, servedDirectivesSdl()],
    documents: [join(folder, '**/*.graphql')],
    silent: true,
    generates: { 'persisted/': { preset: 'client', presetConfig: { persistedDocuments: true, fragmentMasking: false } } },
  }, false);
  const file = (outputs as { filename: string; content: string }[]).find((output) => output.filename.endsWith('persisted-documents.json'));
  if (!file) throw new Error(`No operations in ${folder}/**/*.graphql`);
  return JSON.parse(file.content) as Record<string, string>;
}

async function main(): Promise<void> {
  const [folder, out] = process.argv.slice(2);
  if (!folder || !out) throw new Error('Usage: npm run persisted -- <folder of .graphql files> <out.json>');
  const documents = await persistedDocuments(folder);
  writeFileSync(out, `${JSON.stringify(documents, null, 2)}\n`);
  console.log(`${Object.keys(documents).length} documents written to ${out}; run the gateway with PERSISTED_OPERATIONS=${out}`);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  main().catch((error: unknown) => {
    console.error(error instanceof Error ? error.message : String(error));
    process.exit(1);
  });
}
