/**
 * The HTTP server's own bounds, over real sockets: MAX_CONNECTIONS open at
 * once (one more is dropped as it comes, and served again once one
 * closes), HTTP_HEADERS_TIMEOUT_MS for a client that trickles its headers
 * (408, closed), HTTP_REQUEST_TIMEOUT_MS for one that trickles its body,
 * and HTTP_KEEP_ALIVE_TIMEOUT_MS for an idle kept-alive connection.
 */
import { connect, type Socket } from 'node:net';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { configFromEnv } from '../../src/config/config.js';
import { startServedStack, type ServedStack } from '../helpers/served.js';

const MAX_CONNECTIONS = 6;

let served: ServedStack;
beforeAll(async () => {
  served = await startServedStack({
    config: { http: { maxConnections: MAX_CONNECTIONS, headersTimeoutMs: 1_000, requestTimeoutMs: 2_000, keepAliveTimeoutMs: 500 } },
  });
});
afterAll(() => served?.close());

/** A raw connection: what it received, and when it was closed by the server. */
function open(): Promise<{ socket: Socket; received: () => string; closed: Promise<number> }> {
  const { port } = new URL(served.base);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), '127.0.0.1');
    let received = '';
    const opened = performance.now();
    socket.on('data', (chunk) => (received += chunk));
    socket.on('error', () => undefined);
    const closed = new Promise<number>((done) => socket.on('close', () => done(performance.now() - opened)));
    socket.once('connect', () => resolve({ socket, received: () => received, closed }));
    socket.once('error', reject);
  });
}

const healthz = (socket: Socket) => socket.write(`GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n`);

/** Resolves once the server has let go of the connections a test closed (a new one is served). */
async function settled(): Promise<void> {
  await expect.poll(async () => {
    const probe = await open();
    healthz(probe.socket);
    await Promise.race([probe.closed, new Promise((resolve) => setTimeout(resolve, 200))]);
    probe.socket.destroy();
    return probe.received().includes('{"status":"ok"}');
  }, { timeout: 5_000 }).toBe(true);
}

it('defaults: 4096 connections, 10 s for headers, 300 s for a request, 5 s of keep-alive', () => {
  expect(configFromEnv({}).http).toEqual({ maxConnections: 4096, headersTimeoutMs: 10_000, requestTimeoutMs: 300_000, keepAliveTimeoutMs: 5_000 });
  expect(() => configFromEnv({ HTTP_HEADERS_TIMEOUT_MS: '9', HTTP_REQUEST_TIMEOUT_MS: '8' })).toThrow('HTTP_HEADERS_TIMEOUT_MS (9) must not exceed HTTP_REQUEST_TIMEOUT_MS (8)');
  expect(() => configFromEnv({ MAX_CONNECTIONS: '0' })).toThrow('MAX_CONNECTIONS must be a positive integer');
});

it('MAX_CONNECTIONS: one more is dropped at once, with nothing read; once one closes, the next is served', async () => {
  const held = await Promise.all(Array.from({ length: MAX_CONNECTIONS }, open));
  const extra = await open();
  expect(await extra.closed).toBeLessThan(1_000);
  expect(extra.received()).toBe('');
  held[0].socket.destroy();
  await held[0].closed;
  const next = await open();
  healthz(next.socket);
  await expect.poll(() => next.received()).toContain('{"status":"ok"}');
  for (const { socket } of [...held, next]) socket.destroy();
  await settled();
});

it.each([
  ['HTTP_HEADERS_TIMEOUT_MS', 'headers', 'GET /healthz HTTP/1.1\r\nHost: gateway\r\n', 'X-Slow: 1\r\n', 1_000],
  ['HTTP_REQUEST_TIMEOUT_MS', 'a body', 'POST /graphql HTTP/1.1\r\nHost: gateway\r\ncontent-type: application/json\r\ncontent-length: 1000\r\n\r\n{"query": "', ' ', 2_000],
])('%s: %s trickled past it get 408 and the connection closes', async (_setting, _what, start, more, timeoutMs) => {
  const slow = await open();
  slow.socket.write(start);
  const trickle = setInterval(() => slow.socket.write(more), 200);
  const after = await slow.closed;
  clearInterval(trickle);
  // node checks these timeouts once a second.
  expect(after).toBeGreaterThanOrEqual(timeoutMs - 100);
  expect(after).toBeLessThan(timeoutMs + 3_000);
  expect(slow.received()).toMatch(/^HTTP\/1\.1 408/);
});

it('HTTP_KEEP_ALIVE_TIMEOUT_MS: an idle kept-alive connection is closed after it', async () => {
  const kept = await open();
  healthz(kept.socket);
  await expect.poll(() => kept.received()).toContain('{"status":"ok"}');
  const after = await kept.closed;
  expect(after).toBeLessThan(3_000);
});
