/** Millisecond settings are read alike: unset or empty is the default, 0 is allowed, anything but a whole number stops the start naming the variable. */
import { expect, it } from 'vitest';
import { configFromEnv } from '../../src/config/config.js';

it('UPSALES_CACHE_TTL_MS: 600000 (10 minutes: kept reads hear changes) when unset or empty, 0 turns keeping off', () => {
  expect(configFromEnv({}).cacheTtlMs).toBe(600_000);
  expect(configFromEnv({ UPSALES_CACHE_TTL_MS: '' }).cacheTtlMs).toBe(600_000);
  expect(configFromEnv({ UPSALES_CACHE_TTL_MS: '0' }).cacheTtlMs).toBe(0);
  expect(configFromEnv({ UPSALES_CACHE_TTL_MS: '500' }).cacheTtlMs).toBe(500);
});

it.each(['abc', '-1', '1.5', '30s', 'Infinity', '1e3', ' 5'])('UPSALES_CACHE_TTL_MS refuses %j, naming the variable', (ttl) => {
  expect(() => configFromEnv({ UPSALES_CACHE_TTL_MS: ttl })).toThrow(`UPSALES_CACHE_TTL_MS must be a whole number of milliseconds (0 or more), got "${ttl}"`);
});

it('the change feed: CHANGES_POLL_MS 5000, CHANGES_BUDGET_SHARE 0.2, CHANGES_LEASE_MS 15000, CHANGES_WATCH_KEPT_READS true by default', () => {
  expect(configFromEnv({}).changes).toEqual({ pollMs: 5_000, budgetShare: 0.2, leaseMs: 15_000, watchKeptReads: true });
  expect(configFromEnv({ CHANGES_POLL_MS: '250', CHANGES_BUDGET_SHARE: '0.5', CHANGES_LEASE_MS: '3000', CHANGES_WATCH_KEPT_READS: 'false' }).changes)
    .toEqual({ pollMs: 250, budgetShare: 0.5, leaseMs: 3_000, watchKeptReads: false });
  expect(configFromEnv({ CHANGES_BUDGET_SHARE: '1' }).changes.budgetShare).toBe(1);
});

it.each(['0', '1.5', '-0.2', 'half', '20%', '.'])('CHANGES_BUDGET_SHARE refuses %j, naming the variable', (share) => {
  expect(() => configFromEnv({ CHANGES_BUDGET_SHARE: share })).toThrow(`CHANGES_BUDGET_SHARE must be a fraction above 0 and at most 1 (such as 0.2), got "${share}"`);
});

it.each(['0', '-1', '5s'])('CHANGES_POLL_MS refuses %j, naming the variable', (ms) => {
  expect(() => configFromEnv({ CHANGES_POLL_MS: ms })).toThrow('CHANGES_POLL_MS must be a positive integer');
});
