/**
 * A gateway as a frontend team meets it, for the client suite: `npm start`
 * as its own process on the Upsales at UPSALES_URL (the embedded service,
 * run here), with no default account (every request sends credentials),
 * and the trusted documents the frontend's tools made: `npm run persisted`
 * of the example frontend's operations, Apollo's persisted query manifest
 * (`generate-persisted-query-manifest`, as a frontend runs it), and a few
 * documents the tests use to steer import jobs. Also: an import job to
 * follow, started and paused, so that a subscription sees it now and after
 * each batch once resumed.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { parse, type DocumentNode } from 'graphql';
import { persistedDocuments } from '../../app/cli/persisted.js';
import { sha256Hex } from '../../app/plugins/trusted-documents.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { startReplicaProcess, type ReplicaProcess } from './replicas.js';
import { basic, DEMO_USERS, type DemoUser } from './stack.js';

export const EXAMPLE_OPERATIONS = 'examples/frontend/operations';

/** A client's global id. */
export const globalId = (upsalesId: number) => Buffer.from(`Client:${upsalesId}`).toString('base64');

/** An example operation's document as its .graphql file holds it (what a frontend without codegen sends). */
export const exampleDocument = (file: string): DocumentNode => parse(readFileSync(`${EXAMPLE_OPERATIONS}/${file}`, 'utf8'));

/** Documents the tests send by hash to steer jobs. */
export const STEERING = {
  pause: 'mutation PauseJob($id: ID!) { pauseImport(id: $id) { state } }',
  resume: 'mutation ResumeJob($id: ID!) { resumeImport(id: $id) { state } }',
} as const;

/** Apollo's manifest of the example operations, made as a frontend makes it (its tool cannot run @defer documents with Apollo Client 4: the client detail page is left out). */
async function apolloManifest(dir: string): Promise<string> {
  const output = join(dir, 'persisted-query-manifest.json');
  const config = join(dir, 'persisted-query-manifest.config.json');
  writeFileSync(config, JSON.stringify({ documents: [`${EXAMPLE_OPERATIONS}/**/*.graphql`, `!${EXAMPLE_OPERATIONS}/client-detail.graphql`], output }));
  await promisify(execFile)('node_modules/.bin/generate-persisted-query-manifest', ['--config', config]);
  return output;
}

/** A request line of the gateway's log. */
export interface RequestLine { method: string; status: number; operation?: string; outcome: string }

export interface ClientGateway {
  sim: RunningSimulator;
  process: ReplicaProcess;
  /** `http://127.0.0.1:<port>` */
  base: string;
  /** `http://127.0.0.1:<port>/graphql` */
  url: string;
  /** The trusted documents files it was given. */
  files: { persisted: string; manifest: string; steering: string };
  /** `Basic ...` of a demo user. */
  auth(user?: DemoUser): string;
  /** Sends one of {@link STEERING} by its hash, as `user`. */
  steer(name: keyof typeof STEERING, variables: Record<string, unknown>, user?: DemoUser): Promise<{ data?: Record<string, { state: string }>; errors?: unknown[] }>;
  /** SOAP calls the embedded service has answered so far. */
  soapCalls(): Promise<number>;
  /** Where its log is now, to read the requests logged after. */
  mark(): number;
  /** The requests it logged since `mark`. */
  requests(mark: number): RequestLine[];
  /** A paused import job of `rows` new clients (named after `prefix`) in batches of `batchSize`, as `user` (its owner). */
  pausedJob(prefix: string, rows?: number, batchSize?: number, user?: DemoUser): Promise<string>;
  close(): Promise<void>;
}

/** `sim`: an embedded service another gateway uses too (replicas); by default one of its own, stopped with it. */
export async function startClientGateway(env: NodeJS.ProcessEnv = {}, shared: { sim?: RunningSimulator } = {}): Promise<ClientGateway> {
  const dir = mkdtempSync(join(tmpdir(), 'client-gateway-'));
  const persisted = join(dir, 'persisted.json');
  const steering = join(dir, 'steering.json');
  const [documents, manifest, sim] = await Promise.all([
    persistedDocuments(EXAMPLE_OPERATIONS), apolloManifest(dir), shared.sim ?? startSimulator({ port: 0, throttleCalls: 1_000_000 }),
  ]);
  writeFileSync(persisted, JSON.stringify(documents));
  writeFileSync(steering, JSON.stringify(Object.fromEntries(Object.values(STEERING).map((document) => [sha256Hex(document), document]))));
  const process = await startReplicaProcess({
    UPSALES_URL: sim.url, UPSALES_BUDGET_CALLS: '1000000', PERSISTED_OPERATIONS: [persisted, manifest, steering].join(','), ...env,
  });
  const base = process.base;
  const auth = (user: DemoUser = 'admin') => basic(DEMO_USERS[user].username, DEMO_USERS[user].password);
  const steer = async (name: keyof typeof STEERING, variables: Record<string, unknown>, user: DemoUser = 'admin') => (await fetch(`${base}/graphql`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: auth(user) },
    body: JSON.stringify({ variables, extensions: { persistedQuery: { version: 1, sha256Hash: sha256Hex(STEERING[name]) } } }),
  })).json() as Promise<{ data?: Record<string, { state: string }>; errors?: unknown[] }>;
  return {
    sim, process, base, url: `${base}/graphql`, auth, steer,
    files: { persisted, manifest, steering },
    soapCalls: async () => ((await (await fetch(`${new URL(sim.url).origin}/__sim/stats`)).json()) as { calls: { total: number } }).calls.total,
    mark: () => process.output().length,
    requests: (mark) => process.output().slice(mark).split('\n').filter((line) => line.includes('"msg":"request"')).map((line) => JSON.parse(line) as RequestLine),
    async pausedJob(prefix, rows = 200, batchSize = 10, user = 'admin') {
      const csv = `name\n${Array.from({ length: rows }, (_, i) => `${prefix} ${i}`).join('\n')}\n`;
      const started = await fetch(`${base}/imports?kind=client&format=csv&batchSize=${batchSize}`, {
        method: 'POST', headers: { 'content-type': 'text/csv', authorization: auth(user) }, body: csv,
      });
      const { id } = await started.json() as { id: string };
      const paused = await steer('pause', { id }, user);
      if (paused.data?.pauseImport.state !== 'PAUSED') throw new Error(`The job did not pause: ${JSON.stringify(paused)}`);
      return id;
    },
    async close() {
      await process.stop();
      if (!shared.sim) await sim.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The Apollo manifest a gateway was given, as the frontend loads it. */
export const readManifest = (gateway: ClientGateway) => JSON.parse(readFileSync(gateway.files.manifest, 'utf8'));
