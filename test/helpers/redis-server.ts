/**
 * A real `redis-server` of a test's own, on a free loopback port, keeping
 * nothing on disk: the test may kill it and start it again (empty) on the
 * same port, as an operator's restart would. Or a real 3-node Redis Cluster
 * of the test's own (three `redis-server --cluster-enabled yes`, joined by
 * `redis-cli --cluster create`), killed and restarted as a whole; tests of
 * shared state run over both ({@link REDIS_TOPOLOGIES}).
 */
import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { Cluster, Redis, type RedisOptions } from 'ioredis';
import type { RedisNode } from '../../src/config/config.js';
import type { RedisClient, RedisTarget } from '../../src/shared-state/redis/connection.js';
import { freePort } from './free-port.js';

export interface TestRedis {
  port: number;
  /** `redis://127.0.0.1:<port>/0` */
  url: string;
  /** Kills the server (SIGKILL: nothing is saved). */
  kill(): Promise<void>;
  /** Starts it again on the same port, empty. */
  restart(): Promise<void>;
  close(): Promise<void>;
}

async function waitForPing(port: number, child: ChildProcess): Promise<void> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`redis-server exited (code ${child.exitCode})`);
    const answered = await new Promise<boolean>((resolve) => {
      const socket = new Socket();
      socket.once('error', () => resolve(false));
      socket.connect(port, '127.0.0.1', () => socket.write('PING\r\n'));
      socket.once('data', (data: Buffer) => {
        socket.destroy();
        resolve(data.toString().startsWith('+PONG'));
      });
    });
    if (answered) return;
    if (Date.now() > deadline) throw new Error('redis-server did not answer within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * Starts servers on ports probed free, again on new ports when one exits at
 * once: between the probe and its bind another test file's process (two run
 * at a time) may have taken a port.
 */
async function onFreePorts<T>(start: () => Promise<T>): Promise<T> {
  for (let attempt = 1; ; attempt += 1) {
    try {
      return await start();
    } catch (error) {
      if (attempt >= 3 || !String((error as Error).message).startsWith('redis-server exited')) throw error;
    }
  }
}

export const startTestRedis = (): Promise<TestRedis> => onFreePorts(startTestRedisOnce);

async function startTestRedisOnce(): Promise<TestRedis> {
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning'], { stdio: 'ignore' });
    await waitForPing(port, child);
  };
  const kill = async () => {
    const running = child;
    child = undefined;
    if (!running || running.exitCode !== null) return;
    await new Promise<void>((resolve) => {
      running.once('exit', () => resolve());
      running.kill('SIGKILL');
    });
  };
  await start();
  return { port, url: `redis://127.0.0.1:${port}/0`, kill, restart: start, close: kill };
}

/** What a shared-state test runs over: one Redis node, or a Redis Cluster of three. */
export const REDIS_TOPOLOGIES = ['single node', '3-node cluster'] as const;
export type RedisTopology = (typeof REDIS_TOPOLOGIES)[number];

/** A Redis of the test's own, either topology, as a gateway and a test see it. */
export interface TestRedisTarget {
  topology: RedisTopology;
  /** What connectRedis takes: REDIS_URL or REDIS_CLUSTER_NODES' nodes. */
  target: RedisTarget;
  /** A gateway's configuration for it: `{ redisUrl }` or `{ redisClusterNodes }`. */
  config: { redisUrl?: string; redisClusterNodes?: RedisNode[] };
  /** A gateway process's environment for it: REDIS_URL or REDIS_CLUSTER_NODES. */
  env: Record<string, string>;
  /** Every key on every node matching `pattern`. */
  keys(pattern?: string): Promise<string[]>;
  /** Empties every node. */
  flush(): Promise<void>;
  /** Hears every command any node runs (MONITOR on each), as its words joined by spaces; resolves with how to stop. */
  monitor(listener: (command: string) => void): Promise<() => void>;
  /** Closes every client connection on every node (but the test's monitors), as a network cut would. */
  killClients(): Promise<void>;
  /** Kills every node (SIGKILL: nothing is saved). */
  kill(): Promise<void>;
  /** Starts every node again on its port, empty (a cluster's nodes keep their slots). */
  restart(): Promise<void>;
  close(): Promise<void>;
}

/** Runs `send` on a plain connection to each of `ports`. */
async function onEachNode<T>(ports: number[], send: (redis: Redis) => Promise<T>): Promise<T[]> {
  return Promise.all(ports.map(async (port) => {
    const redis = new Redis(port, '127.0.0.1', { maxRetriesPerRequest: 1, lazyConnect: true });
    try {
      await redis.connect();
      return await send(redis);
    } finally {
      redis.disconnect();
    }
  }));
}

/** MONITOR on each of `ports`; resolves with how to stop. */
async function monitorNodes(ports: number[], listener: (command: string) => void): Promise<() => void> {
  const monitors = await Promise.all(ports.map(async (port) => {
    // monitor() opens a connection of its own: the one it was asked on is not needed
    const asked = new Redis(port, '127.0.0.1');
    try {
      return await asked.monitor();
    } finally {
      asked.disconnect();
    }
  }));
  for (const monitor of monitors) {
    // a node killed by the test: the monitor reconnects when it is back
    monitor.on('error', () => undefined).on('monitor', (_time: string, args: string[]) => listener(args.join(' ')));
  }
  return () => monitors.forEach((monitor) => monitor.disconnect());
}

/** Closes the connections of every client on `ports` but monitors (the test's own eyes) and the connection doing it. */
const killClientsOn = async (ports: number[]) => {
  await onEachNode(ports, async (redis) => {
    const self = await redis.client('ID');
    const clients = (await redis.client('LIST') as string).split('\n').filter(Boolean)
      .map((line) => ({ id: /(?:^| )id=(\d+)/.exec(line)![1], flags: /(?:^| )flags=(\S*)/.exec(line)![1] }))
      .filter(({ id, flags }) => Number(id) !== self && !flags.includes('O'));
    for (const { id } of clients) await redis.client('KILL', 'ID', id).catch(() => undefined);
  });
};

/** Waits until every node says `cluster_state:ok` and knows all slots. */
async function clusterOk(ports: number[]): Promise<void> {
  const deadline = Date.now() + 20_000;
  for (;;) {
    const infos = await onEachNode(ports, (redis) => redis.cluster('INFO') as Promise<string>).catch(() => []);
    if (infos.length === ports.length && infos.every((info) => /cluster_state:ok/.test(info) && /cluster_slots_ok:16384/.test(info))) return;
    if (Date.now() > deadline) throw new Error(`the Redis Cluster on ${ports.join(', ')} did not reach cluster_state:ok within 20 s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

/**
 * Three `redis-server --cluster-enabled yes` on free ports (their cluster bus
 * on free ports too), joined with `redis-cli --cluster create` (no
 * replicas), ready once every node says cluster_state:ok. Their cluster
 * files live in a temporary directory, removed by `close`.
 */
export const startTestRedisCluster = (): Promise<TestRedisTarget> => onFreePorts(startTestRedisClusterOnce);

async function startTestRedisClusterOnce(): Promise<TestRedisTarget> {
  const dir = mkdtempSync(join(tmpdir(), 'redis-cluster-'));
  const ports: number[] = [];
  const busPorts: number[] = [];
  // distinct ports: a port just freed by one probe may be handed out again by the next
  while (ports.length < 3) {
    const [port, bus] = [await freePort(), await freePort()];
    if (port === bus || ports.includes(port) || ports.includes(bus) || busPorts.includes(port) || busPorts.includes(bus)) continue;
    ports.push(port);
    busPorts.push(bus);
  }
  let children: ChildProcess[] = [];
  const start = async () => {
    children = ports.map((port, i) => spawn('redis-server', [
      '--port', String(port), '--bind', '127.0.0.1', '--cluster-enabled', 'yes', '--cluster-port', String(busPorts[i]),
      '--cluster-config-file', join(dir, `nodes-${port}.conf`), '--dir', dir,
      '--save', '', '--appendonly', 'no', '--daemonize', 'no', '--loglevel', 'warning',
    ], { stdio: 'ignore' }));
    await Promise.all(ports.map((port, i) => waitForPing(port, children[i])));
  };
  const kill = async () => {
    const running = children.filter((child) => child.exitCode === null && child.signalCode === null);
    children = [];
    await Promise.all(running.map((child) => new Promise<void>((resolve) => {
      child.once('exit', () => resolve());
      child.kill('SIGKILL');
    })));
  };
  try {
    await start();
    await promisify(execFile)('redis-cli', [
      '--cluster', 'create', ...ports.map((port) => `127.0.0.1:${port}`), '--cluster-replicas', '0', '--cluster-yes',
    ], { timeout: 30_000 });
    await clusterOk(ports);
  } catch (error) {
    await kill();
    rmSync(dir, { recursive: true, force: true });
    throw error;
  }
  const nodes = ports.map((port) => ({ host: '127.0.0.1', port }));
  return {
    topology: '3-node cluster',
    target: nodes,
    config: { redisClusterNodes: nodes },
    env: { REDIS_CLUSTER_NODES: ports.map((port) => `127.0.0.1:${port}`).join(',') },
    keys: async (pattern = '*') => (await onEachNode(ports, (redis) => redis.keys(pattern))).flat(),
    flush: async () => {
      await onEachNode(ports, (redis) => redis.flushall());
    },
    monitor: (listener) => monitorNodes(ports, listener),
    killClients: () => killClientsOn(ports),
    kill,
    async restart() {
      await start();
      await clusterOk(ports);
    },
    async close() {
      await kill();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** One Redis node of the test's own, as a {@link TestRedisTarget}. */
async function startTestRedisNode(): Promise<TestRedisTarget> {
  const server = await startTestRedis();
  return {
    topology: 'single node',
    target: server.url,
    config: { redisUrl: server.url },
    env: { REDIS_URL: server.url },
    keys: async (pattern = '*') => (await onEachNode([server.port], (redis) => redis.keys(pattern))).flat(),
    flush: async () => {
      await onEachNode([server.port], (redis) => redis.flushall());
    },
    monitor: (listener) => monitorNodes([server.port], listener),
    killClients: () => killClientsOn([server.port]),
    kill: server.kill,
    restart: server.restart,
    close: server.close,
  };
}

/** A Redis of the test's own in the given topology. */
export const startTestRedisOf = (topology: RedisTopology): Promise<TestRedisTarget> =>
  (topology === 'single node' ? startTestRedisNode() : startTestRedisCluster());

/** A plain ioredis client (no connection of the gateway's) on a test's Redis of either topology; `options` for each node. */
export function testRedisClient(target: RedisTarget, options: RedisOptions = { maxRetriesPerRequest: 1 }): RedisClient {
  return typeof target === 'string'
    ? new Redis(target, options)
    : new Cluster(target, { redisOptions: options, ...(options.retryStrategy ? { clusterRetryStrategy: options.retryStrategy } : {}) });
}

/** A Redis of the test's own in the given topology and an ioredis client on it, ready; `close` stops both. */
export async function startTestRedisClientOf(topology: RedisTopology): Promise<{ server: TestRedisTarget; redis: RedisClient; close(): Promise<void> }> {
  const server = await startTestRedisOf(topology);
  const redis = testRedisClient(server.target);
  await new Promise((resolve) => redis.once('ready', resolve));
  return {
    server, redis,
    async close() {
      redis.disconnect();
      await server.close();
    },
  };
}
