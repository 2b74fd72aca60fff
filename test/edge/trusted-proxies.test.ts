/**
 * TRUSTED_PROXIES: behind a proxy the gateway trusts, a request is counted
 * by the client address the proxy names in X-Forwarded-For (failed logins
 * per address, the loopback-only /metrics); without it, by the connection's
 * own address, whatever the header says (a client cannot dodge the
 * per-address limit by writing one).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { configFromEnv } from '../../src/config/config.js';
import { createMetrics } from '../../src/metrics/metrics.js';
import { startServedStack, type ServedStack } from '../helpers/served.js';
import { basic } from '../helpers/stack.js';

/** A wrong password for a username made up for it, as if from `client` (X-Forwarded-For): its status (a refusal Upsales gave is 200 with `me: null` or 401) and code. */
async function wrongLogin(served: ServedStack, n: number, client?: string): Promise<{ status: number; code: string }> {
  const response = await served.fetch('/graphql', {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: basic(`proxied-${n}@nowhere.test`, 'wrong'), ...(client ? { 'x-forwarded-for': client } : {}) },
    body: JSON.stringify({ query: '{ me { name } }' }),
  });
  const body = await response.json() as { errors: { extensions: { code: string } }[] };
  return { status: response.status, code: body.errors[0].extensions.code };
}

/**
 * Failed logins from `client` until the gateway holds that address back
 * (429): how many were checked with Upsales first. 10 fail freely per
 * address; the 11th may wait out the first delay (1 s) and be checked.
 */
async function untilHeldBack(served: ServedStack, from: number, client?: string): Promise<number> {
  for (let n = 0; n < 30; n++) {
    const answer = await wrongLogin(served, from + n, client);
    if (answer.status === 429) {
      expect(answer.code).toBe('THROTTLED');
      return n;
    }
    expect(answer.code).toBe('UNAUTHENTICATED');
  }
  throw new Error('never held back');
}

describe('behind a trusted proxy (TRUSTED_PROXIES=loopback)', () => {
  let served: ServedStack;
  beforeAll(async () => {
    served = await startServedStack({ metrics: createMetrics(), config: configFromEnv({ TRUSTED_PROXIES: 'loopback' }) });
  });
  afterAll(() => served?.close());

  it('failed logins count against the client the proxy names: one client held back, another checked at once', async () => {
    expect(await untilHeldBack(served, 0, '203.0.113.7')).toBeOneOf([10, 11]);
    const other = await wrongLogin(served, 100, '203.0.113.8');
    expect(other.code).toBe('UNAUTHENTICATED');
    expect(other.status).not.toBe(429);
    expect((await wrongLogin(served, 101, '203.0.113.7')).status).toBe(429);
    // a client's own header before the proxy's entry changes nothing: the proxy's last hop is the client
    expect((await wrongLogin(served, 102, '198.51.100.1, 203.0.113.7')).status).toBe(429);
  });

  it('/metrics without METRICS_TOKEN answers a scraper on this host, not a client the proxy forwards', async () => {
    expect((await served.fetch('/metrics')).status).toBe(200);
    const forwarded = await served.fetch('/metrics', { headers: { 'x-forwarded-for': '203.0.113.9' } });
    expect(forwarded.status).toBe(403);
    expect(await forwarded.text()).not.toContain('upsales_');
  });
});

describe('without TRUSTED_PROXIES', () => {
  let served: ServedStack;
  beforeAll(async () => {
    served = await startServedStack({ config: configFromEnv({}) });
  });
  afterAll(() => served?.close());

  it('X-Forwarded-For is not believed: every request is counted by its connection, whatever address it writes', async () => {
    let n = 0;
    const held = await (async () => {
      for (; n < 30; n++) {
        const answer = await wrongLogin(served, n, `192.0.2.${n + 1}`);
        if (answer.status === 429) return n;
      }
      return -1;
    })();
    expect(held).toBeOneOf([10, 11]);
    expect((await wrongLogin(served, 200, '192.0.2.250')).status).toBe(429);
  });
});

it('TRUSTED_PROXIES that is no address, range or preset stops the start, naming the setting', () => {
  expect(() => configFromEnv({ TRUSTED_PROXIES: 'proxy.example.com' })).toThrow(/^TRUSTED_PROXIES: .*proxy\.example\.com/);
  expect(configFromEnv({ TRUSTED_PROXIES: '10.0.0.0/8, loopback' }).trustedProxies).toEqual(['10.0.0.0/8', 'loopback']);
});
