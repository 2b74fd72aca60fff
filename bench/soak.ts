/**
 * `npm run bench`'s soak table: a gateway process under ordinary load for
 * BENCH_SOAK_MS (default 180000) with BENCH_SOAK_USERS (30) users of three
 * accounts (test/helpers/soak.ts says what they send).
 */
import { soak, SOAK_WINDOW_MS } from '../test/helpers/soak.js';

const env = (name: string, fallback: number) => Number(process.env[name] ?? fallback);
const DURATION_MS = env('BENCH_SOAK_MS', 180_000);
const USERS = env('BENCH_SOAK_USERS', 30);

export async function soakBench(table: (headers: string[], rows: (string | number)[][]) => string): Promise<void> {
  const result = await soak(DURATION_MS, USERS);
  console.log(`\nSoak: ${USERS} users of 3 accounts for ${Math.round(DURATION_MS / 1000)} s (throttle 50 calls / ${SOAK_WINDOW_MS} ms, budget 45), a gateway process\n`);
  console.log(table(
    ['requests', 'p50 ms', 'p99 ms', 'SOAP calls', 'THROTTLED faults', 'THROTTLED answers', 'failed', 'RSS start MB', 'RSS peak MB', 'RSS max after 1st min MB', 'RSS end MB'],
    [[result.requests, result.p50, result.p99, result.soapCalls, result.throttledFaults, result.throttledAnswers, result.failed,
      result.rss.start, result.rss.peak, result.rss.afterFirstMinute, result.rss.end]],
  ));
}
