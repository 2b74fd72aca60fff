import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createUpstream, UpstreamError } from '../../src/upstream/index.js';
import { ADMIN, newStats, startTestSimulator, type TestSimulator } from './sim-helpers.js';

const failure = async (promise: Promise<unknown>): Promise<UpstreamError> => {
  const error = await promise.then(() => null, (e: unknown) => e);
  expect(error).toBeInstanceOf(UpstreamError);
  return error as UpstreamError;
};

async function listen(handler: http.RequestListener) {
  const server = http.createServer(handler);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { server, port: (server.address() as AddressInfo).port };
}

describe('timeouts and transport failures', () => {
  let slow: TestSimulator;
  beforeAll(async () => {
    slow = await startTestSimulator({ latencyMs: 700 });
  });
  afterAll(async () => {
    await slow.close();
  });

  it('gives up on a call slower than timeoutMs with TIMEOUT', async () => {
    const upstream = createUpstream({ baseUrl: slow.url, timeoutMs: 250 });
    const stats = newStats();
    const started = Date.now();
    const error = await failure(upstream.forCredentials(ADMIN, stats).get('client', 1));
    const elapsed = Date.now() - started;
    expect(error).toMatchObject({ kind: 'TIMEOUT', message: 'Upsales did not answer within 250 ms' });
    expect(elapsed).toBeGreaterThanOrEqual(240);
    expect(elapsed).toBeLessThan(690);
    expect(stats.calls).toBe(1);
    // the same upstream answers when given the time
    const patient = createUpstream({ baseUrl: slow.url, timeoutMs: 3000 });
    expect(await patient.forCredentials(ADMIN, newStats()).get('client', 1)).toMatchObject({ id: 1 });
  });

  it('reports a closed port as UNREACHABLE, without the address', async () => {
    const { server, port } = await listen(() => undefined);
    await new Promise((resolve) => server.close(resolve));
    const error = await failure(createUpstream({ baseUrl: `http://127.0.0.1:${port}/wsapi`, timeoutMs: 2000 }).forCredentials(ADMIN, newStats()).get('client', 1));
    expect(error.kind).toBe('UNREACHABLE');
    expect(error.message).toBe('The Upsales service could not be reached (ECONNREFUSED)');
  });

  it('reports a non-SOAP answer as PROTOCOL', async () => {
    const wsdl = await (await fetch(`${slow.url}/ClientService?wsdl`)).text();
    const { server, port } = await listen((req, res) => {
      if (req.method === 'GET') return res.end(wsdl);
      res.writeHead(502, { 'Content-Type': 'text/html' });
      res.end('<html><body>Bad gateway at secret-host.internal</body></html>');
    });
    try {
      const error = await failure(createUpstream({ baseUrl: `http://127.0.0.1:${port}/wsapi`, timeoutMs: 2000 }).forCredentials(ADMIN, newStats()).get('client', 1));
      expect(error.kind).toBe('PROTOCOL');
      expect(error.message).toBe('Upsales sent a response that is not a valid SOAP answer (HTTP 502)');
    } finally {
      server.closeAllConnections();
      await new Promise((resolve) => server.close(resolve));
    }
  });
});
