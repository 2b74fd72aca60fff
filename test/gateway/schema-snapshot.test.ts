/** schema.graphql is the reviewed snapshot of the public API: it must match the code. */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { printed, SCHEMA_FILE } from '../../schema/print.js';

/** The first line where two texts differ, for a readable failure. */
function firstDifference(actual: string, expected: string): string {
  const a = actual.split('\n');
  const b = expected.split('\n');
  const line = a.findIndex((text, i) => text !== b[i]);
  const at = line === -1 ? b.length : line;
  return `line ${at + 1}: code prints ${JSON.stringify(a[at] ?? '<end>')}, schema.graphql has ${JSON.stringify(b[at] ?? '<end>')}`;
}

describe('schema.graphql', () => {
  it('is the printed schema', () => {
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    const current = printed();
    const stale = current === committed ? '' : `schema.graphql is stale (${firstDifference(current, committed)}): run \`npm run schema:print\` and commit it`;
    expect(stale).toBe('');
    expect(committed).toContain('type Query {');
  });
});
