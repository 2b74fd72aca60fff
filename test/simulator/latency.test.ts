/** SIM_LATENCY_MS delays every SOAP call without blocking the event loop. */
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { call, origin, startTestSimulator } from './soap-client.js';

let sim: RunningSimulator;
beforeAll(async () => { sim = await startTestSimulator({ latencyMs: 300 }); });
afterAll(() => sim.close());

it('adds the latency to each call, concurrently, while other requests are served at once', async () => {
  const started = Date.now();
  const order: string[] = [];
  const calls = Promise.all([1, 2, 3, 4].map((id) => call(sim, 'ProductService', 'get', `<id>${id}</id>`)))
    .then((results) => {
      order.push('soap');
      return results;
    });
  await new Promise((resolve) => setTimeout(resolve, 20));
  const stats = fetch(`${origin(sim)}/__sim/stats`).then((response) => {
    order.push('stats');
    return response;
  });
  expect((await stats).status).toBe(200);
  const results = await calls;
  const elapsed = Date.now() - started;
  expect(results.map((r) => r.status)).toEqual([200, 200, 200, 200]);
  // The stats answer came while the delayed calls were still waiting: the delay blocks nothing.
  expect(order).toEqual(['stats', 'soap']);
  // Each call waited its latency; together they took about one latency, not four (concurrent).
  expect(elapsed).toBeGreaterThanOrEqual(295);
  expect(elapsed).toBeLessThan(4 * 300);
});
