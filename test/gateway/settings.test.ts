/** Millisecond settings are read alike: unset or empty is the default, 0 is allowed, anything but a whole number stops the start naming the variable. */
import { expect, it } from 'vitest';
import { configFromEnv } from '../../src/config/config.js';

it('UPSALES_CACHE_TTL_MS: 30000 when unset or empty, 0 turns keeping off', () => {
  expect(configFromEnv({}).cacheTtlMs).toBe(30_000);
  expect(configFromEnv({ UPSALES_CACHE_TTL_MS: '' }).cacheTtlMs).toBe(30_000);
  expect(configFromEnv({ UPSALES_CACHE_TTL_MS: '0' }).cacheTtlMs).toBe(0);
  expect(configFromEnv({ UPSALES_CACHE_TTL_MS: '500' }).cacheTtlMs).toBe(500);
});

it.each(['abc', '-1', '1.5', '30s', 'Infinity', '1e3', ' 5'])('UPSALES_CACHE_TTL_MS refuses %j, naming the variable', (ttl) => {
  expect(() => configFromEnv({ UPSALES_CACHE_TTL_MS: ttl })).toThrow(`UPSALES_CACHE_TTL_MS must be a whole number of milliseconds (0 or more), got "${ttl}"`);
});
