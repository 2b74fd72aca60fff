/** Test helpers: a real embedded Upsales service, its call statistics, fresh per-request stats. */
import { startSimulator, type SimulatorOptions } from '../../src/simulator/index.js';
import type { CallStats, Credentials } from '../../src/upstream/index.js';

export const ADMIN: Credentials = { username: 'admin@demo.test', password: 'demo-admin' };
export const SALES: Credentials = { username: 'sales@demo.test', password: 'demo-sales' };
export const READER: Credentials = { username: 'reader@demo.test', password: 'demo-reader' };
export const NOAPI: Credentials = { username: 'noapi@demo.test', password: 'demo-noapi' };

export interface SimStats {
  calls: { total: number; byUser: Record<string, number>; byOperation: Record<string, number> };
  throttled: { faults: number; blocks: number };
}

export type TestSimulator = Awaited<ReturnType<typeof startTestSimulator>>;

/** A simulator on a random port; throttle off unless asked for. */
export async function startTestSimulator(options: SimulatorOptions = {}) {
  const sim = await startSimulator({ port: 0, throttleCalls: 1_000_000, ...options });
  const origin = new URL(sim.url).origin;
  return {
    ...sim,
    async stats(): Promise<SimStats> {
      return (await fetch(`${origin}/__sim/stats`)).json() as Promise<SimStats>;
    },
    async resetStats(): Promise<void> {
      await fetch(`${origin}/__sim/reset-stats`, { method: 'POST' });
    },
  };
}

export const newStats = (): CallStats => ({ calls: 0, queuedMs: 0, log: [] });
