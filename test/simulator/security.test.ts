/** WS-Security: PasswordText, PasswordDigest with freshness and replay checks, API access. */
import { randomBytes } from 'node:crypto';
import * as soap from 'soap';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningSimulator } from '../../src/simulator/index.js';
import { ADMIN, NOAPI, SALES, call, envelope, origin, postRaw, readResponse, startTestSimulator } from './soap-client.js';

let sim: RunningSimulator;
beforeAll(async () => { sim = await startTestSimulator(); });
afterAll(() => sim.close());

const GET = ['ProductService', 'get', '<id>1</id>'] as const;

describe('PasswordText', () => {
  it('accepts the right password', async () => {
    const res = await call(sim, ...GET, ADMIN);
    expect(res.status).toBe(200);
    expect(res.fault).toBeUndefined();
  });

  it.each([
    ['a wrong password', { username: 'admin@demo.test', password: 'wrong' }],
    ['an unknown user', { username: 'nobody@demo.test', password: 'demo-admin' }],
    ['an empty password', { username: 'admin@demo.test', password: '' }],
  ])('refuses %s with AUTHENTICATION_FAILED', async (_name, auth) => {
    const res = await call(sim, ...GET, auth);
    expect(res.status).toBe(500);
    expect(res.fault).toMatchObject({ faultcode: 'soap:Client', code: 'AUTHENTICATION_FAILED' });
    expect(res.text).not.toContain(auth.password || 'demo-admin');
  });

  it('refuses a call without a Security header', async () => {
    const res = await call(sim, ...GET, null);
    expect(res.fault).toMatchObject({ faultcode: 'soap:Client', code: 'AUTHENTICATION_FAILED' });
  });

  it('refuses a user without API access with API_ACCESS_DENIED', async () => {
    const res = await call(sim, ...GET, NOAPI);
    expect(res.fault).toMatchObject({ faultcode: 'soap:Client', code: 'API_ACCESS_DENIED' });
  });
});

describe('PasswordDigest', () => {
  it('accepts a fresh digest', async () => {
    const res = await call(sim, ...GET, { ...SALES, digest: true });
    expect(res.status).toBe(200);
  });

  it('refuses a replayed nonce', async () => {
    const auth = { ...SALES, digest: true, nonce: randomBytes(16).toString('base64'), created: new Date().toISOString() };
    const body = envelope(...GET, auth);
    expect(readResponse(...Object.values(await postRaw(sim, 'ProductService', body)) as [number, string]).fault).toBeUndefined();
    const replay = readResponse(...Object.values(await postRaw(sim, 'ProductService', body)) as [number, string]);
    expect(replay.fault).toMatchObject({ code: 'AUTHENTICATION_FAILED' });
    expect(replay.fault!.message).toContain('nonce');
  });

  it('refuses a Created older than 5 minutes, or in the future', async () => {
    const stale = await call(sim, ...GET, { ...SALES, digest: true, created: new Date(Date.now() - 5 * 60_000 - 5_000).toISOString() });
    expect(stale.fault).toMatchObject({ code: 'AUTHENTICATION_FAILED' });
    expect(stale.fault!.message).toContain('stale');
    const future = await call(sim, ...GET, { ...SALES, digest: true, created: new Date(Date.now() + 10 * 60_000).toISOString() });
    expect(future.fault).toMatchObject({ code: 'AUTHENTICATION_FAILED' });
    const fourMinutes = await call(sim, ...GET, { ...SALES, digest: true, created: new Date(Date.now() - 4 * 60_000).toISOString() });
    expect(fourMinutes.fault).toBeUndefined();
  });

  it('refuses a digest of the wrong password', async () => {
    const res = await call(sim, ...GET, { ...SALES, digest: true, digestPassword: 'demo-admin' });
    expect(res.fault).toMatchObject({ code: 'AUTHENTICATION_FAILED' });
  });

  it('works with node-soap\'s own WSSecurity, text and digest', async () => {
    for (const passwordType of ['PasswordText', 'PasswordDigest'] as const) {
      const client = await soap.createClientAsync(`${sim.url}/ProductService?wsdl`);
      client.setSecurity(new soap.WSSecurity(ADMIN.username, ADMIN.password, { passwordType }));
      const [result] = await client.getAsync({ id: 1 });
      expect(result.item.id).toBe(1);
    }
  });
});

describe('stats count every call', () => {
  it('counts failed authentication in the total but not per user', async () => {
    await fetch(`${origin(sim)}/__sim/reset-stats`, { method: 'POST' });
    await call(sim, ...GET, { username: 'admin@demo.test', password: 'nope' });
    await call(sim, ...GET, ADMIN);
    await call(sim, 'ClientService', 'getByCriteria', '<limit>1</limit>', SALES);
    await postRaw(sim, 'ClientService', '<not-xml');
    const stats = await (await fetch(`${origin(sim)}/__sim/stats`)).json();
    expect(stats).toEqual({
      calls: { total: 3, byUser: { 'admin@demo.test': 1, 'sales@demo.test': 1 }, byOperation: { 'ProductService.get': 2, 'ClientService.getByCriteria': 1 } },
      throttled: { faults: 0, blocks: 0 },
    });
    const reset = await (await fetch(`${origin(sim)}/__sim/reset-stats`, { method: 'POST' })).json();
    expect(reset).toEqual({ calls: { total: 0, byUser: {}, byOperation: {} }, throttled: { faults: 0, blocks: 0 } });
  });
});
