/** Writes schema.graphql, the reviewed snapshot of the public API. */
import { writeFileSync } from 'node:fs';
import { printSchema } from 'graphql';
import { schema } from './index.js';

export const SCHEMA_FILE = new URL('../schema.graphql', import.meta.url);
export const printed = (): string => `${printSchema(schema)}\n`;

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].split('/').pop()!)) {
  writeFileSync(SCHEMA_FILE, printed());
  console.log('wrote schema.graphql');
}
