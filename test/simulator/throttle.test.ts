/** The throttle on a short clock: 5 calls per 500 ms, blocked for 1000 ms after the last call. */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { Throttle } from '../../src/simulator/throttle.js';
import { ADMIN, READER, SALES, call, origin, startTestSimulator } from './soap-client.js';

describe('Throttle rules (fake clock)', () => {
  const rules = { calls: 5, windowMs: 500, blockMs: 1000 };

  it('the call over the limit in the window blocks; older calls slide out', () => {
    const t = new Throttle(rules);
    for (let i = 0; i < 5; i++) expect(t.hit('u', i * 100).ok).toBe(true);
    expect(t.hit('u', 501).ok).toBe(true); // the call at 0 slid out
    expect(t.hit('u', 550)).toEqual({ ok: false, retryAfterMs: 1000, newBlock: true });
    expect(t.hit('other', 560).ok).toBe(true);
  });

  it('a call while blocked restarts the block; it lifts after blockMs without calls', () => {
    const t = new Throttle(rules);
    for (let i = 0; i < 6; i++) t.hit('u', i);
    expect(t.hit('u', 900)).toEqual({ ok: false, retryAfterMs: 1000, newBlock: false });
    expect(t.hit('u', 1899).ok).toBe(false);
    expect(t.hit('u', 2898).ok).toBe(false);
    expect(t.hit('u', 3897).ok).toBe(false);
    expect(t.hit('u', 4897).ok).toBe(true);
  });
});

describe('THROTTLED over the wire', () => {
  let sim: RunningSimulator;
  beforeAll(async () => { sim = await startTestSimulator({ throttleCalls: 5, throttleWindowMs: 500, throttleBlockMs: 1000 }); });
  afterAll(() => sim.close());
  const get = (auth = SALES) => call(sim, 'ProductService', 'get', '<id>1</id>', auth);
  const stats = async () => (await fetch(`${origin(sim)}/__sim/stats`)).json();

  it('blocks the 6th call, keeps blocking while called, lifts after a quiet block period', async () => {
    await fetch(`${origin(sim)}/__sim/reset-stats`, { method: 'POST' });
    for (let i = 0; i < 5; i++) expect((await get()).status).toBe(200);
    const sixth = await get();
    expect(sixth.status).toBe(500);
    expect(sixth.fault).toMatchObject({ faultcode: 'soap:Client', code: 'THROTTLED', retryAfterMs: 1000 });
    expect((await get(READER)).status).toBe(200);

    await sleep(700);
    expect((await get()).fault?.code).toBe('THROTTLED'); // 700 ms into the block: refused, block restarts
    await sleep(700);
    expect((await get()).fault?.code).toBe('THROTTLED'); // would have lifted at 1000 ms without the call above
    await sleep(1150);
    expect((await get()).status).toBe(200);
    expect(await stats()).toMatchObject({ calls: { total: 10, byUser: { 'sales@demo.test': 9, 'reader@demo.test': 1 } }, throttled: { faults: 3, blocks: 1 } });
  });

  it('reset-throttle lifts every block', async () => {
    for (let i = 0; i < 6; i++) await get(ADMIN);
    expect((await get(ADMIN)).fault?.code).toBe('THROTTLED');
    expect((await fetch(`${origin(sim)}/__sim/reset-throttle`, { method: 'POST' })).status).toBe(200);
    expect((await get(ADMIN)).status).toBe(200);
  });
});
