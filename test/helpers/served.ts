/**
 * A gateway served on a real HTTP port (loopback, any free port) over the
 * embedded Upsales service, for tests of the HTTP edge: what crosses the
 * wire, headers, statuses and raw bodies.
 */
import { configFromEnv, type GatewayConfig } from '../../src/config.js';
import { startGateway, type RunningGateway } from '../../src/server.js';
import { startSimulator, type RunningSimulator, type SimulatorOptions } from '../../src/simulator/index.js';
import { createUpstream } from '../../src/upstream/index.js';
import type { SimStats } from './stack.js';

export interface ServedStack {
  sim: RunningSimulator;
  gateway: RunningGateway;
  config: GatewayConfig;
  /** `http://127.0.0.1:<port>`: the gateway's origin. */
  base: string;
  /** `fetch` of a path on the gateway. */
  fetch(path: string, init?: RequestInit): Promise<Response>;
  stats(): Promise<SimStats>;
  resetStats(): Promise<void>;
  close(): Promise<void>;
}

export async function startServedStack(options: { sim?: SimulatorOptions; config?: Partial<GatewayConfig>; host?: string } = {}): Promise<ServedStack> {
  const sim = await startSimulator({ port: 0, throttleCalls: 1_000_000, ...options.sim });
  const config: GatewayConfig = { ...configFromEnv({}), upstreamUrl: sim.url, budgetCalls: 1_000_000, ...options.config };
  const upstream = createUpstream({
    baseUrl: sim.url,
    timeoutMs: config.timeoutMs,
    budget: { calls: config.budgetCalls, windowMs: config.budgetWindowMs, concurrency: config.concurrency, blockMs: config.blockMs },
  });
  const gateway = await startGateway({ config, upstream }, 0, options.host ?? '127.0.0.1');
  const base = new URL(gateway.url).origin;
  const simOrigin = new URL(sim.url).origin;
  return {
    sim,
    gateway,
    config,
    base,
    fetch: (path, init) => fetch(`${base}${path}`, init),
    stats: async () => (await fetch(`${simOrigin}/__sim/stats`)).json() as Promise<SimStats>,
    resetStats: async () => void (await fetch(`${simOrigin}/__sim/reset-stats`, { method: 'POST' })),
    close: async () => {
      await gateway.close();
      await sim.close();
    },
  };
}
