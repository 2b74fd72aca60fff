/** IMPORT_RECONCILE_GRACE_MS is read as every setting is: a bad value stops the start with a line naming it. */
import { expect, it } from 'vitest';
import { settleMsFromEnv } from '../../src/import/jobs/settle.js';

const env = (grace?: string): NodeJS.ProcessEnv => ({ UPSALES_TIMEOUT_MS: '2000', ...(grace === undefined ? {} : { IMPORT_RECONCILE_GRACE_MS: grace }) });

it('adds the grace to UPSALES_TIMEOUT_MS: 30000 when unset or empty, 0 allowed', () => {
  expect(settleMsFromEnv(env())).toBe(32_000);
  expect(settleMsFromEnv(env(''))).toBe(32_000);
  expect(settleMsFromEnv(env('0'))).toBe(2_000);
  expect(settleMsFromEnv(env('300'))).toBe(2_300);
});

it.each(['abc', '-1', '1.5', '30s', 'Infinity'])('refuses %j, naming the variable', (grace) => {
  expect(() => settleMsFromEnv(env(grace))).toThrow(`IMPORT_RECONCILE_GRACE_MS must be a whole number of milliseconds (0 or more), got "${grace}"`);
});
