/**
 * `npm ci` prints no engine warning on any Node version that package.json's
 * `engines` admits: every locked package's own `engines.node` holds the
 * whole of the project's range (the overrides keep it so).
 */
import { readFileSync } from 'node:fs';
import semver from 'semver';
import { expect, it } from 'vitest';

const read = (file: string) => JSON.parse(readFileSync(new URL(`../../${file}`, import.meta.url), 'utf8'));
const range: string = read('package.json').engines.node;
const locked = Object.entries(read('package-lock.json').packages as Record<string, { version?: string; engines?: unknown }>);

it('admits the Node version the tests run on', () => {
  expect(semver.satisfies(process.version, range)).toBe(true);
});

it('locks no package that wants less of Node than engines admits', () => {
  expect(locked.length).toBeGreaterThan(300);
  const narrower = locked.flatMap(([path, meta]) => {
    const wants = (meta.engines as { node?: string } | undefined)?.node;
    return path && typeof wants === 'string' && !semver.subset(range, wants) ? [`${path.replace(/^.*node_modules\//, '')}@${meta.version}: ${wants}`] : [];
  });
  expect(narrower).toEqual([]);
});
