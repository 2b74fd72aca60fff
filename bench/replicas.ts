/**
 * Replicas benchmark (called from bench/run.ts): a burst of concurrent
 * `client(upsalesId:)` queries (one SOAP call each) spread over 1, 2 and 3
 * gateway replicas of one account, each replica with its own budget of 9
 * calls per window, against Upsales' 10: without REDIS_URL every replica
 * spends its 9 alone; with it, they share one window through Redis. Elapsed
 * against the theoretical minimum at the budget, THROTTLED faults, blocks
 * and calls. Needs `redis-server` on PATH (a server of its own, on a free
 * port). Replicas run in this process, each with its own shared state
 * (Redis connections, budgets), SOAP adapter and port.
 *
 * BENCH_REPLICA_QUERIES (100) queries per burst; BENCH_REPLICA_WINDOW_MS
 * (1000) the throttle's window; blocks last 3 windows.
 */
import { startSimulator } from '../src/simulator/index.js';
import { startTestRedis } from '../test/helpers/redis-server.js';
import { clientBurst, startReplica, theoreticalMinimumMs } from '../test/helpers/replicas.js';
import type { SimStats } from '../test/helpers/stack.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const QUERIES = env('BENCH_REPLICA_QUERIES', 100);
const WINDOW = env('BENCH_REPLICA_WINDOW_MS', 1000);
const UPSALES_CALLS = 10;
const BUDGET_CALLS = 9;

type Table = (headers: string[], rows: (string | number)[][]) => string;

async function burst(replicaCount: number, redisUrl: string | undefined): Promise<(string | number)[]> {
  const sim = await startSimulator({ port: 0, throttleCalls: UPSALES_CALLS, throttleWindowMs: WINDOW, throttleBlockMs: 3 * WINDOW });
  const config = { budgetCalls: BUDGET_CALLS, budgetWindowMs: WINDOW, blockMs: 3 * WINDOW, interactiveReserve: 1, fallbackCalls: 2 };
  const replicas = await Promise.all(Array.from({ length: replicaCount }, () => startReplica({ upstreamUrl: sim.url, redisUrl, config })));
  const origin = new URL(sim.url).origin;
  try {
    // WSDLs loaded, then a window for the throttle to forget those calls
    for (const replica of replicas) await replica.query('{ client(upsalesId: 1) { upsalesId } }');
    await new Promise((resolve) => setTimeout(resolve, WINDOW + 100));
    await fetch(`${origin}/__sim/reset-stats`, { method: 'POST' });
    const started = performance.now();
    const { responses } = await clientBurst(replicas, QUERIES);
    const elapsed = performance.now() - started;
    const stats = (await (await fetch(`${origin}/__sim/stats`)).json()) as SimStats;
    const minimum = theoreticalMinimumMs(stats.calls.total, BUDGET_CALLS, WINDOW);
    return [
      replicaCount, redisUrl ? 'yes' : 'no', QUERIES, stats.calls.total, Math.round(elapsed), minimum, (elapsed / minimum).toFixed(2),
      stats.throttled.faults, stats.throttled.blocks, responses.filter((response) => response.errors).length,
    ];
  } finally {
    await Promise.all(replicas.map((replica) => replica.close()));
    await sim.close();
  }
}

export async function replicasBench(table: Table): Promise<void> {
  const redis = await startTestRedis();
  const rows: (string | number)[][] = [];
  try {
    for (const shared of [false, true]) {
      for (const count of [1, 2, 3]) rows.push(await burst(count, shared ? redis.url : undefined));
    }
  } finally {
    await redis.close();
  }
  console.log(`\nBurst of ${QUERIES} concurrent client(upsalesId:) queries over replicas of one account (throttle ${UPSALES_CALLS} calls / ${WINDOW} ms, `
    + `block ${3 * WINDOW} ms; each replica's budget ${BUDGET_CALLS} / ${WINDOW} ms), each replica alone or sharing through Redis (REDIS_URL)\n`);
  console.log(table(
    ['replicas', 'REDIS_URL', 'queries', 'SOAP calls', 'elapsed ms', 'min at budget ms', 'elapsed / min', 'THROTTLED faults', 'blocks', 'failed queries'],
    rows,
  ));
}
