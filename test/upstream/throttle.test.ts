import { afterEach, describe, expect, it } from 'vitest';
import { PASSWORD_TEXT, WSSE_NS, serviceNamespace } from '../../src/contract/wire.js';
import { createUpstream, UpstreamError } from '../../src/upstream/index.js';
import { ADMIN, SALES, newStats, startTestSimulator, type TestSimulator } from './sim-helpers.js';

let sim: TestSimulator | undefined;
afterEach(async () => {
  await sim?.close();
  sim = undefined;
});

/** One SOAP call made by hand, outside the adapter and its budget. */
async function rawCall(baseUrl: string): Promise<string> {
  const envelope = '<soap:Envelope xmlns:soap="http://schemas.xmlsoap.org/soap/envelope/"'
    + ` xmlns:tns="${serviceNamespace('ClientService')}"><soap:Header><wsse:Security xmlns:wsse="${WSSE_NS}"><wsse:UsernameToken>`
    + `<wsse:Username>${ADMIN.username}</wsse:Username><wsse:Password Type="${PASSWORD_TEXT}">${ADMIN.password}</wsse:Password>`
    + '</wsse:UsernameToken></wsse:Security></soap:Header><soap:Body><tns:getByCriteria><limit>1</limit></tns:getByCriteria></soap:Body></soap:Envelope>';
  const response = await fetch(`${baseUrl}/ClientService`, { method: 'POST', headers: { 'Content-Type': 'text/xml; charset=utf-8', SOAPAction: '""' }, body: envelope });
  return response.text();
}

describe('the account budget against the real throttle', () => {
  it('keeps a burst under the throttle: zero THROTTLED faults', async () => {
    sim = await startTestSimulator({ throttleCalls: 10, throttleWindowMs: 500, throttleBlockMs: 5000 });
    const upstream = createUpstream({ baseUrl: sim.url, timeoutMs: 5000, budget: { calls: 9, windowMs: 500, concurrency: 4 } });
    const stats = newStats();
    const admin = upstream.forCredentials(ADMIN, stats);
    const sales = upstream.forCredentials(SALES, newStats());
    const started = Date.now();
    const results = await Promise.all([
      ...Array.from({ length: 30 }, (_, i) => admin.getByCriteria('client', { limit: 1, offset: i })),
      ...Array.from({ length: 10 }, () => sales.getByCriteria('product', { limit: 1 })),
    ]);
    const elapsed = Date.now() - started;
    expect(results.slice(0, 30).map((r) => r.items[0].id)).toEqual(Array.from({ length: 30 }, (_, i) => i + 1));
    expect(await sim.stats()).toEqual({
      calls: { total: 40, byUser: { 'admin@demo.test': 30, 'sales@demo.test': 10 }, byOperation: { 'ClientService.getByCriteria': 30, 'ProductService.getByCriteria': 10 } },
      throttled: { faults: 0, blocks: 0 },
    });
    expect(stats.calls).toBe(30);
    // the 28th call cannot leave before three windows have passed
    expect(elapsed).toBeGreaterThanOrEqual(1500);
    expect(stats.queuedMs).toBeGreaterThan(0);
    expect(upstream.budgetForAccount(ADMIN.username).snapshot()).toMatchObject({ limit: 9, windowMs: 500, queued: 0, inFlight: 0, blockedUntil: null });
  });

  it('waits out a block set by another program, with no probing calls', async () => {
    sim = await startTestSimulator({ throttleCalls: 5, throttleWindowMs: 2000, throttleBlockMs: 800 });
    const answers = [];
    for (let i = 0; i < 6; i++) answers.push(await rawCall(sim.url));
    expect(answers.filter((a) => a.includes('<code>THROTTLED</code>'))).toHaveLength(1);
    await sim.resetStats();

    const upstream = createUpstream({ baseUrl: sim.url, timeoutMs: 5000, budget: { calls: 100, windowMs: 1000, concurrency: 1, blockMarginMs: 100 } });
    const stats = newStats();
    const admin = upstream.forCredentials(ADMIN, stats);
    const started = Date.now();
    const pending = Promise.all([0, 1, 2].map((offset) => admin.getByCriteria('client', { limit: 1, offset })));
    await new Promise((resolve) => setTimeout(resolve, 300));
    const during = upstream.budgetForAccount(ADMIN.username).snapshot();
    expect(during.blockedUntil).toBeInstanceOf(Date);
    expect(during.queued).toBe(3);
    expect((await sim.stats()).calls.total).toBe(1);
    const results = await pending;
    const elapsed = Date.now() - started;

    expect(results.map((r) => r.items[0].id)).toEqual([1, 2, 3]);
    // the first call met the block (and restarted it); nothing else went out until 800 + 100 ms later
    expect(await sim.stats()).toEqual({
      calls: { total: 4, byUser: { 'admin@demo.test': 4 }, byOperation: { 'ClientService.getByCriteria': 4 } },
      throttled: { faults: 1, blocks: 0 },
    });
    expect(stats.calls).toBe(4);
    expect(stats.log).toEqual(Array(4).fill('ClientService.getByCriteria'));
    expect(elapsed).toBeGreaterThanOrEqual(900);
    expect(stats.queuedMs).toBeGreaterThanOrEqual(3 * 850);
  });

  it('lets a caller with a wait limit see THROTTLED instead of waiting', async () => {
    sim = await startTestSimulator({ throttleCalls: 2, throttleWindowMs: 2000, throttleBlockMs: 3000 });
    for (let i = 0; i < 3; i++) await rawCall(sim.url);
    await sim.resetStats();
    const upstream = createUpstream({ baseUrl: sim.url, timeoutMs: 5000, maxWaitMs: 500, budget: { blockMarginMs: 0 } });
    const error = await upstream.forCredentials(ADMIN, newStats()).get('client', 1).then(() => null, (e: unknown) => e);
    expect(error).toBeInstanceOf(UpstreamError);
    expect(error).toMatchObject({ kind: 'THROTTLED', message: 'The Upsales account is blocked by its throttle; try again later' });
    expect((error as UpstreamError).retryAfterMs).toBeGreaterThan(2500);
    expect((await sim.stats()).calls.total).toBe(1);
  });
});
