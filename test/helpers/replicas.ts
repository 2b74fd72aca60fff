/**
 * Gateway replicas in the test process, each built as its own process
 * would build it: its own shared state (with REDIS_URL its own Redis
 * connections, windows and job bus), SOAP adapter, DATA_DIR and HTTP port.
 * Nothing of one is in memory another uses. Also: the import CLI as a real
 * child process, and a burst of concurrent queries spread over replicas.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { EventEmitter, once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { configFromEnv, type GatewayConfig, type RedisNode } from '../../src/config/config.js';
import { ImportService, jobBounds } from '../../src/import/jobs/import-service.js';
import { SqliteJobStore } from '../../src/import/store/sqlite/sqlite-job-store.js';
import { startGateway } from '../../app/server.js';
import { createSharedState, sharedStateOptions, type SharedState } from '../../src/shared-state/index.js';
import { createUpstream } from '../../src/upstream/index.js';
import { basic, DEMO_USERS, TEST_ENV, type DemoUser, type GraphQLResponse } from './stack.js';

/** POSTs a GraphQL operation to the gateway at `base`, as a demo user. */
const graphqlAt = (base: string) => async <T>(query: string, variables?: Record<string, unknown>, as: DemoUser = 'admin'): Promise<GraphQLResponse<T>> => {
  const response = await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', accept: 'application/json', authorization: basic(DEMO_USERS[as].username, DEMO_USERS[as].password) },
    body: JSON.stringify({ query, variables }),
  });
  return { status: response.status, ...(await response.json()) };
};

export interface Replica {
  shared: SharedState;
  imports: ImportService;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** What the replica logged (losing and finding Redis). */
  logs: string[];
  query<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, as?: DemoUser): Promise<GraphQLResponse<T>>;
  fetch(path: string, init?: RequestInit): Promise<Response>;
  close(): Promise<void>;
}

export interface ReplicaOptions {
  upstreamUrl: string;
  /** Shares budgets and jobs through this Redis; without it (or a cluster), each replica has its own. */
  redisUrl?: string;
  /** Shares them through this Redis Cluster instead (REDIS_CLUSTER_NODES). */
  redisClusterNodes?: RedisNode[];
  config?: Partial<GatewayConfig>;
  /** Its DATA_DIR, kept when it closes (a replica that comes back); by default a new one, removed when it closes. */
  dataDir?: string;
  /** Keeps read answers for `config.cacheTtlMs`, where its shared state lives (Redis with `redisUrl`); off by default, so calls are counted. */
  cache?: boolean;
}

export async function startReplica({ upstreamUrl, redisUrl, redisClusterNodes, config: overrides, dataDir: given, cache }: ReplicaOptions): Promise<Replica> {
  const config: GatewayConfig = { ...configFromEnv(TEST_ENV), upstreamUrl, redisUrl, redisClusterNodes, ...overrides };
  const logs: string[] = [];
  const shared = await createSharedState(sharedStateOptions(config, (line) => logs.push(line)));
  const upstream = createUpstream({
    baseUrl: upstreamUrl, timeoutMs: config.timeoutMs, budgets: shared.budgets, ...(cache ? { cache: shared.readCache(config.cacheTtlMs) } : {}),
  });
  const dataDir = given ?? mkdtempSync(join(tmpdir(), 'replica-'));
  const store = new SqliteJobStore(dataDir);
  const imports = new ImportService({
    store, upstream, batchSize: config.batchSize, settleMs: config.timeoutMs, bus: shared.jobs, account: config.defaultCredentials,
    readLimits: { bytes: config.limits.importBytes, rows: config.limits.importRows }, ...jobBounds(config.jobs),
  });
  const gateway = await startGateway({ config, upstream, imports, revocations: shared.revocations, apq: shared.apq, changeLinks: shared.changeLinks }, 0, '127.0.0.1');
  // as run-gateway.ts: the configured account's jobs go on
  await imports.resumeOpenJobs();
  const base = new URL(gateway.url).origin;
  return {
    shared, imports, base, logs,
    fetch: (path, init) => fetch(`${base}${path}`, init),
    query: graphqlAt(base),
    async close() {
      await imports.close();
      await gateway.close();
      await store.close();
      await shared.close();
      if (!given) rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

export interface CliRun {
  child: ChildProcess;
  /** Resolves once the CLI has printed a line matching `pattern`. */
  printed(pattern: RegExp): Promise<void>;
  /** Resolves when the CLI has exited, with its exit code and everything it printed. */
  done: Promise<{ code: number | null; output: string }>;
}

/** `npm run import -- --in-process ...` as a child process, with `env` added to this process's environment. */
export function runImportCli(args: string[], env: NodeJS.ProcessEnv): CliRun {
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/cli/import.ts', '--in-process', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const heard = new EventEmitter();
  const hear = (chunk: Buffer) => {
    output += chunk;
    heard.emit('output');
  };
  child.stdout!.on('data', hear);
  child.stderr!.on('data', hear);
  const done = new Promise<{ code: number | null; output: string }>((resolve) => child.on('exit', (code) => resolve({ code, output })));
  const printed = async (pattern: RegExp) => {
    while (!pattern.test(output)) {
      const exited = await Promise.race([once(heard, 'output').then(() => false), done.then(() => true)]);
      if (exited && !pattern.test(output)) throw new Error(`The import CLI exited without printing ${pattern}: ${output}`);
    }
  };
  return { child, printed, done };
}

export const CLIENT_BY_ID = 'query($id: Int!) { client(upsalesId: $id) { upsalesId } }';

/** `count` concurrent `client(upsalesId:)` queries (one SOAP call each), spread round-robin over `replicas`. */
export async function clientBurst(replicas: Pick<Replica, 'query'>[], count: number): Promise<{ responses: GraphQLResponse<{ client: { upsalesId: number } | null }>[] }> {
  const responses = await Promise.all(Array.from({ length: count }, (_, i) =>
    replicas[i % replicas.length].query<{ client: { upsalesId: number } | null }>(CLIENT_BY_ID, { id: (i % 500) + 1 })));
  return { responses };
}

/** Upsales lets `calls` through at once, then `calls` per window: the least time `total` calls can take. */
export const theoreticalMinimumMs = (total: number, calls: number, windowMs: number): number => Math.max(0, Math.ceil(total / calls) - 1) * windowMs;

export interface ReplicaProcess {
  child: ChildProcess;
  /** Its DATA_DIR (removed when it stops). */
  dataDir: string;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** Everything it printed so far. */
  output(): string;
  query<T = Record<string, unknown>>(query: string, variables?: Record<string, unknown>, as?: DemoUser): Promise<GraphQLResponse<T>>;
  /** SIGTERM, and waits for its exit. */
  stop(): Promise<void>;
}

/**
 * A gateway replica as its own process (`npm start` with UPSALES_URL set, so no embedded service), on a free loopback port,
 * with the tests' settings (TEST_ENV: kept reads do not start the change feed, so a test's SOAP calls are its requests') unless `env` says otherwise.
 */
export async function startReplicaProcess(env: NodeJS.ProcessEnv): Promise<ReplicaProcess> {
  const dataDir = mkdtempSync(join(tmpdir(), 'replica-'));
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
    env: { ...process.env, ...TEST_ENV, PORT: '0', HOST: '127.0.0.1', DATA_DIR: dataDir, ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const base = await new Promise<string>((resolve, reject) => {
    // Its start-up line names its URL (LOG_LEVEL must let info lines through); a gateway that never prints it is killed.
    const late = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`The gateway did not print its URL within 30 s: ${output}`));
    }, 30_000);
    const hear = (chunk: Buffer) => {
      output += chunk;
      const url = /GraphQL gateway: (http:\/\/[^/\s]+)\/graphql/.exec(output);
      if (url) {
        clearTimeout(late);
        resolve(url[1]);
      }
    };
    child.stdout!.on('data', hear);
    child.stderr!.on('data', hear);
    void exited.then(() => {
      clearTimeout(late);
      reject(new Error(`The gateway exited before it listened: ${output}`));
    });
  });
  return {
    child, base, dataDir, output: () => output,
    query: graphqlAt(base),
    async stop() {
      child.kill('SIGTERM');
      await exited;
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}
