/**
 * The README as the tests read it: README.md, or the file README_PATH names
 * (to check a proposed README before it replaces the real one).
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';

export const README_FILE = resolve(process.env.README_PATH ?? new URL('../../README.md', import.meta.url).pathname);
export const README = readFileSync(README_FILE, 'utf8');

/** The fenced blocks of a language, in order. */
export const fencedBlocks = (language: string): string[] =>
  [...README.matchAll(new RegExp('```' + language + '\\n([\\s\\S]*?)```', 'g'))].map((match) => match[1]);

/** The text of a `## heading` section. */
export function section(heading: string): string {
  const start = README.indexOf(`\n## ${heading}\n`);
  if (start < 0) throw new Error(`${README_FILE} has no section "## ${heading}"`);
  const end = README.indexOf('\n## ', start + 1);
  return README.slice(start, end < 0 ? undefined : end);
}
