/**
 * The soak: a gateway process under ordinary load for minutes, on the short
 * throttle clock (Upsales' 50 calls per second, the gateway's 45), and
 * what it keeps in memory meanwhile. 30 users of three accounts (the demo
 * admin, sales and reader) each send one request after another: a list
 * page, a detail page, a nested list, a fresh read (no-cache), and every
 * tenth an update (the reader, who may not write, reads fresh instead).
 * Reports requests, latency p50/p99, SOAP calls, THROTTLED (faults Upsales
 * answered, and errors the clients saw), and the gateway's RSS at start, at
 * its peak, at its highest after the first minute, and at the end.
 *
 * The test (test/edge/soak.test.ts) runs it for 70 s; `npm run bench`
 * (bench/soak.ts) longer.
 */
import { readFileSync } from 'node:fs';
import { startSimulator } from '../../src/simulator/index.js';
import { startReplicaProcess } from './replicas.js';
import { basic, DEMO_USERS, type DemoUser } from './stack.js';

/** The short throttle clock: Upsales' 50 calls, the gateway's 45, per second. */
export const SOAK_WINDOW_MS = 1_000;
const WINDOW_MS = SOAK_WINDOW_MS;

const rssMb = (pid: number): number => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))![1]) / 1024;
const percentile = (values: number[], p: number) => [...values].sort((a, b) => a - b)[Math.min(values.length - 1, Math.floor(values.length * p))];

const LIST = '{ clients(first: 20, orderBy: [{ field: name }]) { totalCount nodes { name phone } } }';
const DETAIL = (id: number) => `{ client(upsalesId: ${id}) { name phone contacts(first: 10) { nodes { name email } } orders(first: 5) { nodes { description value } } } }`;
const NESTED = '{ clients(first: 10) { nodes { name contacts(first: 5) { nodes { name orders(first: 3) { nodes { value rows { quantity product { name } } } } } } } } }';
const UPDATE = (id: number, phone: string) => `mutation { updateClient(id: "${id}", input: { phone: "${phone}" }) { status } }`;

interface Outcome { ms: number; throttled: boolean; failed: boolean }

export interface SoakResult {
  requests: number;
  p50: number;
  p99: number;
  soapCalls: number;
  throttledFaults: number;
  throttledAnswers: number;
  failed: number;
  rss: { start: number; peak: number; afterFirstMinute: number; end: number };
}

export async function soak(durationMs: number, users = 30, onGateway?: (pid: number) => void): Promise<SoakResult> {
  const sim = await startSimulator({ port: 0, throttleCalls: 50, throttleWindowMs: WINDOW_MS, throttleBlockMs: 8 * WINDOW_MS });
  const gateway = await startReplicaProcess({
    UPSALES_URL: sim.url, UPSALES_BUDGET_WINDOW_MS: String(WINDOW_MS), UPSALES_BLOCK_MS: String(8 * WINDOW_MS), LOG_LEVEL: 'info',
    ...(process.env.BENCH_SOAK_NODE_OPTIONS ? { NODE_OPTIONS: process.env.BENCH_SOAK_NODE_OPTIONS } : {}),
  });
  const simOrigin = new URL(sim.url).origin;
  const pid = gateway.child.pid!;
  onGateway?.(pid);
  const outcomes: Outcome[] = [];
  const rss: { at: number; mb: number }[] = [];
  const started = Date.now();
  const sampler = setInterval(() => rss.push({ at: Date.now() - started, mb: rssMb(pid) }), 250);
  const accounts: DemoUser[] = ['admin', 'sales', 'reader'];
  try {
    await fetch(`${simOrigin}/__sim/reset-stats`, { method: 'POST' });
    rss.push({ at: 0, mb: rssMb(pid) });
    const user = async (n: number) => {
      const as = accounts[n % accounts.length];
      const authorization = basic(DEMO_USERS[as].username, DEMO_USERS[as].password);
      for (let i = 0; Date.now() - started < durationMs; i++) {
        const id = ((n * 37 + i * 11) % 400) + 1;
        const writes = as !== 'reader' && i % 10 === 9;
        const kind = i % 4;
        const query = writes ? UPDATE(id, `+46 ${n} ${i}`) : [LIST, DETAIL(id), NESTED, LIST][kind];
        const fresh = !writes && kind === 3;
        const sent = performance.now();
        const response = await fetch(`${gateway.base}/graphql`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization, ...(fresh ? { 'cache-control': 'no-cache' } : {}) },
          body: JSON.stringify({ query }),
        });
        const body = await response.json() as { errors?: { extensions?: { code?: string } }[] };
        const codes = (body.errors ?? []).map((error) => error.extensions?.code);
        outcomes.push({
          ms: performance.now() - sent,
          throttled: codes.includes('THROTTLED'),
          // A client a user may not see (NOT_FOUND) or change (FORBIDDEN) is what Upsales says of roles, not a failure.
          failed: response.status >= 500 || codes.some((code) => !['THROTTLED', 'FORBIDDEN', 'NOT_FOUND'].includes(String(code))),
        });
      }
    };
    await Promise.all(Array.from({ length: users }, (_, n) => user(n)));
    const stats = await (await fetch(`${simOrigin}/__sim/stats`)).json() as { calls: { total: number }; throttled: { faults: number } };
    rss.push({ at: Date.now() - started, mb: rssMb(pid) });
    const latencies = outcomes.map((outcome) => outcome.ms);
    const afterFirstMinute = rss.filter((sample) => sample.at >= 60_000).map((sample) => sample.mb);
    return {
      requests: outcomes.length,
      p50: Math.round(percentile(latencies, 0.5)),
      p99: Math.round(percentile(latencies, 0.99)),
      soapCalls: stats.calls.total,
      throttledFaults: stats.throttled.faults,
      throttledAnswers: outcomes.filter((outcome) => outcome.throttled).length,
      failed: outcomes.filter((outcome) => outcome.failed).length,
      rss: {
        start: Math.round(rss[0].mb),
        peak: Math.round(Math.max(...rss.map((sample) => sample.mb))),
        afterFirstMinute: afterFirstMinute.length ? Math.round(Math.max(...afterFirstMinute)) : NaN,
        end: Math.round(rss.at(-1)!.mb),
      },
    };
  } finally {
    clearInterval(sampler);
    await gateway.stop();
    await sim.close();
  }
}
