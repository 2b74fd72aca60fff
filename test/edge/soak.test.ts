/**
 * Memory under ordinary load (issue 16): 30 users of three accounts keep a
 * gateway process busy for 70 s on the short throttle clock (list, detail,
 * nested and fresh reads, an update in every ten requests). Its RSS stays
 * under 300 MB after the first minute and under 400 MB at its peak, no
 * request fails and Upsales answers no THROTTLED fault. `npm run bench`
 * (bench/soak.ts) runs the same load longer and prints the figures.
 */
import { expect, it } from 'vitest';
import { soak } from '../helpers/soak.js';

it('keeps the gateway under 300 MB after its first minute and under 400 MB at its peak', async () => {
  const result = await soak(70_000, 30);
  expect(result.requests).toBeGreaterThan(1_000);
  expect(result.failed).toBe(0);
  expect(result.throttledFaults).toBe(0);
  expect(result.rss.afterFirstMinute).toBeLessThan(300);
  expect(result.rss.peak).toBeLessThan(400);
}, 120_000);
