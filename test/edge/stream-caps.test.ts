/**
 * 2,000 event streams from one user, at once, on a gateway process at its
 * default settings: MAX_STREAMS_PER_USER (20) are served, every other one
 * is refused at once with 429 TOO_MANY_STREAMS and Retry-After, and the
 * gateway does not feel it: the streams cost its RSS no more than 2,000
 * plain queries at once do (two such bursts go first: node and yoga take
 * tens of MB for 2,000 requests in flight, whatever they ask), and /healthz
 * (probed by another process) answers as fast as ever while the streams
 * are held and while the job they follow runs; once they end (the job
 * completes) their slots are free again.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { configFromEnv } from '../../src/config/config.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { startReplicaProcess, type ReplicaProcess } from '../helpers/replicas.js';
import { basic, DEMO_USERS } from '../helpers/stack.js';

const STREAMS = 2_000;
const PER_USER = configFromEnv({}).streams.perUser;
/** The most the gateway's RSS may grow, after two bursts of as many plain queries, while it refuses the streams and holds PER_USER of them. */
const RSS_BOUND_MB = 40;
/**
 * /healthz while the streams are held, and while the job they follow runs
 * (the issue measured 360-390 ms before the caps): the 95th percentile, and
 * the slowest answer (the machine is shared: one pause of another process
 * must not fail the test).
 */
const HEALTHZ_P95_MS = 100;
const HEALTHZ_MAX_MS = 1_000;

let sim: RunningSimulator;
let gateway: ReplicaProcess;
beforeAll(async () => {
  sim = await startSimulator({ port: 0, throttleCalls: 1_000_000 });
  // The job the streams follow runs at 20 calls a second (Upsales' own pace is 50 per 15 s): the probe measures the streams, not an import at full tilt.
  gateway = await startReplicaProcess({ UPSALES_URL: sim.url, UPSALES_BUDGET_CALLS: '20', UPSALES_BUDGET_WINDOW_MS: '1000' });
});
afterAll(async () => {
  await gateway?.stop();
  await sim?.close();
});

const auth = basic(DEMO_USERS.admin.username, DEMO_USERS.admin.password);
const rssMb = () => Number(/VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${gateway.child.pid}/status`, 'utf8'))![1]) / 1024;
const graphql = async (query: string, variables: Record<string, unknown> = {}) => (await fetch(`${gateway.base}/graphql`, {
  method: 'POST', headers: { 'content-type': 'application/json', authorization: auth }, body: JSON.stringify({ query, variables }),
})).json() as Promise<{ data?: Record<string, { state: string }> }>;

/** One importProgress event stream, as graphql-sse and the import CLI open it. */
const openStream = (id: string, signal: AbortSignal) => fetch(`${gateway.base}/graphql`, {
  method: 'POST',
  headers: { 'content-type': 'application/json', accept: 'text/event-stream', authorization: auth },
  body: JSON.stringify({ query: 'subscription ($id: ID!) { importProgress(id: $id) { state done } }', variables: { id } }),
  signal,
});

/**
 * /healthz probed from a process of its own (this one is busy sending the
 * streams) every 20 ms until stopped: each answer's latency in ms, and how
 * many answers were not `{"status":"ok"}`.
 */
function probeHealthz(base: string): { stop(): Promise<{ latencies: number[]; bad: number }> } {
  const script = `
    const latencies = []; let bad = 0, running = true;
    process.on('SIGTERM', () => { running = false; });
    (async () => {
      while (running) {
        const started = performance.now();
        try { if ((await (await fetch('${base}/healthz')).text()) !== '{"status":"ok"}') bad++; } catch { bad++; }
        latencies.push(performance.now() - started);
        await new Promise((resolve) => setTimeout(resolve, 20));
      }
      process.stdout.write(JSON.stringify({ latencies, bad }));
    })();`;
  const child = spawn(process.execPath, ['-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  let output = '';
  child.stdout!.on('data', (chunk) => (output += chunk));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    async stop() {
      child.kill('SIGTERM');
      await exited;
      return JSON.parse(output) as { latencies: number[]; bad: number };
    },
  };
}

/** A stream's text until it ends. */
async function readAll(response: Response): Promise<string> {
  let text = '';
  const decoder = new TextDecoder();
  for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) text += decoder.decode(chunk, { stream: true });
  return text;
}

const max = (values: number[]) => Math.max(...values);
const percentile = (values: number[], p: number) => [...values].sort((x, y) => x - y)[Math.min(values.length - 1, Math.floor(values.length * p))];

it(`${STREAMS} streams from one user: ${PER_USER} served, the rest refused at once, RSS and /healthz unaffected`, async () => {
  const csv = `name\n${Array.from({ length: 400 }, (_, i) => `Streams ${i}`).join('\n')}\n`;
  const { id } = await (await fetch(`${gateway.base}/imports?kind=client&format=csv&batchSize=5`, {
    method: 'POST', headers: { 'content-type': 'text/csv', authorization: auth }, body: csv,
  })).json() as { id: string };
  expect((await graphql('mutation ($id: ID!) { pauseImport(id: $id) { state } }', { id })).data?.pauseImport.state).toBe('PAUSED');
  // Warm up the paths a stream takes, and what any STREAMS requests at once cost; then measure.
  const warm = new AbortController();
  await openStream(id, warm.signal).then((response) => response.body!.getReader().read());
  warm.abort();
  const rssIdle = rssMb();
  for (let burst = 0; burst < 2; burst++) await Promise.all(Array.from({ length: STREAMS }, async () => (await graphql('{ __typename }')).data));
  await new Promise((resolve) => setTimeout(resolve, 500));
  const rssBefore = rssMb();

  const started = performance.now();
  const answers = await Promise.all(Array.from({ length: STREAMS }, async () => {
    const response = await openStream(id, AbortSignal.timeout(60_000));
    if (response.headers.get('content-type')?.startsWith('text/event-stream')) return { status: response.status, text: readAll(response) };
    return { status: response.status, retryAfter: response.headers.get('retry-after'), body: await response.json() as { errors: { message: string; extensions: { code: string } }[] } };
  }));
  const burstMs = performance.now() - started;
  const served = answers.flatMap((answer) => ('text' in answer ? [answer.text] : []));
  const refused = answers.flatMap((answer) => ('body' in answer ? [answer] : []));
  expect(served).toHaveLength(PER_USER);
  expect(refused).toHaveLength(STREAMS - PER_USER);
  for (const { status, retryAfter, body } of refused) {
    expect(status).toBe(429);
    expect(retryAfter).toBe('5');
    expect(body!.errors[0].extensions.code).toBe('TOO_MANY_STREAMS');
    expect(body!.errors[0].message).toContain(`MAX_STREAMS_PER_USER (${PER_USER})`);
  }

  // With the streams held: /healthz as fast as ever, RSS where it was.
  let probe = probeHealthz(gateway.base);
  await new Promise((resolve) => setTimeout(resolve, 1_000));
  const held = await probe.stop();
  const rssHeld = rssMb();
  // While the job runs and every held stream gets each batch: the same.
  probe = probeHealthz(gateway.base);
  expect((await graphql('mutation ($id: ID!) { resumeImport(id: $id) { state } }', { id })).data?.resumeImport.state).toBe('RUNNING');
  const texts = await Promise.all(served);
  const running = await probe.stop();
  const rssRunning = rssMb();
  console.log(`${STREAMS} streams of one user: ${served.length} served, ${refused.length} refused (429 TOO_MANY_STREAMS), all answered in ${burstMs.toFixed(0)} ms; `
    + `RSS idle ${rssIdle.toFixed(0)} MB, after 2 bursts of ${STREAMS} plain queries ${rssBefore.toFixed(0)} MB, with the streams held ${rssHeld.toFixed(0)} MB, after the job ran ${rssRunning.toFixed(0)} MB; `
    + `/healthz held: ${held.latencies.length} probes, median ${percentile(held.latencies, 0.5).toFixed(1)} ms, p95 ${percentile(held.latencies, 0.95).toFixed(1)} ms, max ${max(held.latencies).toFixed(1)} ms; `
    + `job running: ${running.latencies.length} probes, median ${percentile(running.latencies, 0.5).toFixed(1)} ms, p95 ${percentile(running.latencies, 0.95).toFixed(1)} ms, max ${max(running.latencies).toFixed(1)} ms`);
  for (const text of texts) expect(text).toContain('"state":"COMPLETED"');
  for (const probed of [held, running]) {
    expect(probed.bad).toBe(0);
    expect(probed.latencies.length).toBeGreaterThan(3);
    expect(percentile(probed.latencies, 0.95)).toBeLessThan(HEALTHZ_P95_MS);
    expect(max(probed.latencies)).toBeLessThan(HEALTHZ_MAX_MS);
  }
  expect(rssHeld - rssBefore).toBeLessThan(RSS_BOUND_MB);
  expect(rssRunning - rssBefore).toBeLessThan(RSS_BOUND_MB);

  // The streams ended with the job: their slots are free again.
  const after = await openStream(id, AbortSignal.timeout(10_000));
  expect(after.headers.get('content-type')).toMatch(/^text\/event-stream/);
  expect(await after.text()).toContain('COMPLETED');
});
