/**
 * `npm start` as a real process (`node --import tsx app/main.ts`, free
 * ports, a temporary DATA_DIR): a taken PORT or SIM_PORT ends it with one
 * line and no process left; SIGTERM answers the query in flight, records the
 * import batch in flight and stops the embedded service; the embedded
 * service does not outlive the gateway, nor the gateway its service.
 * Processes are found by a marker in their environment, which every process
 * started here inherits.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, beforeAll, expect, it } from 'vitest';

let dir: string;
const started: ChildProcess[] = [];
const servers: net.Server[] = [];

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'start-stop-'));
});
afterEach(async () => {
  for (const child of started.splice(0)) child.kill('SIGKILL');
  await Promise.all(servers.splice(0).map((server) => new Promise((resolve) => server.close(resolve))));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** Live processes (zombies have no environment) whose environment holds the marker. */
function marked(marker: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'latin1').includes(marker)) pids.push(Number(name));
    } catch {
      // gone, or not ours
    }
  }
  return pids;
}

/** The embedded service's pid: the marked process running the simulator. */
function servicePid(marker: string): number | undefined {
  return marked(marker).find((pid) => {
    try {
      return readFileSync(`/proc/${pid}/cmdline`, 'utf8').includes('simulator/main.ts');
    } catch {
      return false;
    }
  });
}

interface Gateway {
  child: ChildProcess;
  marker: string;
  dataDir: string;
  out: { stdout: string; stderr: string };
  /** The process's end, and how long after spawn. */
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  /** The gateway's URL, once it serves. */
  ready(): Promise<string>;
}

function startGateway(env: Record<string, string>): Gateway {
  const marker = `START_STOP_TEST_${randomUUID()}`;
  const dataDir = mkdtempSync(join(dir, 'data-'));
  const spawnedAt = Date.now();
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
    env: { ...process.env, PORT: '0', SIM_PORT: '0', DATA_DIR: dataDir, UPSALES_URL: '', [marker]: '1', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  started.push(child);
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk) => { out.stdout += chunk; });
  child.stderr!.on('data', (chunk) => { out.stderr += chunk; });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) => {
    child.once('exit', (code, signal) => resolve({ code, signal, at: Date.now() - spawnedAt }));
  });
  const ready = async () => {
    while (!/GraphQL gateway: (\S+)/.test(out.stdout)) {
      if (child.exitCode !== null) throw new Error(`npm start ended: ${out.stderr}`);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
    return /GraphQL gateway: (\S+)/.exec(out.stdout)![1];
  };
  return { child, marker, dataDir, out, exit, ready };
}

async function listening(server: net.Server, host: string): Promise<number> {
  servers.push(server);
  server.listen(0, host);
  await once(server, 'listening');
  return (server.address() as net.AddressInfo).port;
}

/** The gateway's log lines (JSON: stdout is no terminal here) at `level` or above. */
const logged = (gateway: Gateway, level: 'error' | 'fatal') => gateway.out.stdout.split('\n').filter((line) => line.trim() !== '')
  .map((line) => JSON.parse(line) as { level: number; msg: string })
  .filter((line) => line.level >= (level === 'fatal' ? 60 : 50)).map((line) => line.msg);

it('PORT in use: one log line naming it, a non-zero exit within 10 s, no process left', async () => {
  const port = await listening(net.createServer(), '0.0.0.0');
  const gateway = startGateway({ PORT: String(port) });
  const { code, at } = await gateway.exit;
  expect(logged(gateway, 'error')).toEqual([`PORT ${port} is in use: set PORT to a free port`]);
  expect(gateway.out.stderr).toBe('');
  expect(code).not.toBe(0);
  expect(at).toBeLessThan(10_000);
  // The port is taken first thing: the embedded service never started.
  expect(gateway.out.stdout).not.toMatch(/Embedded Upsales service/);
  expect(marked(gateway.marker)).toEqual([]);
});

it('SIM_PORT in use: one line naming it, and the service answering there is never used', async () => {
  let requests = 0;
  const other = http.createServer((_req, res) => {
    requests++;
    res.end('an Upsales service, says another program');
  });
  const port = await listening(other, '127.0.0.1');
  const gateway = startGateway({ SIM_PORT: String(port) });
  const { code, at } = await gateway.exit;
  expect(logged(gateway, 'error')).toEqual([`SIM_PORT ${port} is in use: set SIM_PORT to a free port`]);
  expect(gateway.out.stderr).toBe('');
  expect(code).not.toBe(0);
  expect(at).toBeLessThan(10_000);
  expect(requests).toBe(0);
  expect(gateway.out.stdout).not.toMatch(/GraphQL gateway/);
  expect(marked(gateway.marker)).toEqual([]);
});

it('SIGTERM: answers the query in flight, records the import batch in flight, stops the embedded service, exits 0', async () => {
  const gateway = startGateway({ SIM_LATENCY_MS: '1000', UPSALES_BATCH_SIZE: '10' });
  const url = await gateway.ready();
  const origin = new URL(url).origin;
  expect(servicePid(gateway.marker)).toBeGreaterThan(0);

  const csv = ['name', ...Array.from({ length: 200 }, (_, i) => `TERM ${i + 1}`)].join('\n');
  const upload = await fetch(`${origin}/imports?kind=client&format=csv`, { method: 'POST', headers: { 'content-type': 'text/csv' }, body: csv });
  expect(upload.status).toBe(201);
  const db = new Database(join(gateway.dataDir, 'imports.sqlite'), { readonly: true });
  const inflight = () => (db.prepare(`SELECT COUNT(*) AS n FROM rows WHERE status = 'inflight'`).get() as { n: number }).n;
  while (inflight() === 0) await new Promise((resolve) => setTimeout(resolve, 20));

  // An idle keep-alive connection must not hold the stop up.
  const agent = new http.Agent({ keepAlive: true });
  await new Promise((resolve) => http.get(`${origin}/healthz`, { agent }, (res) => res.resume().on('end', resolve)));
  // A read nothing has made before (the upload's password check already read the user, so `me` answers from the
  // cache at once): one SOAP call of SIM_LATENCY_MS, in flight when the signal comes.
  let answeredAt = 0;
  const query = fetch(url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ query: '{ products(first: 1) { edges { node { name } } } }' }) })
    .then((answer) => { answeredAt = Date.now(); return answer; });
  await new Promise((resolve) => setTimeout(resolve, 300));
  const signalledAt = Date.now();
  gateway.child.kill('SIGTERM');

  const answer = await query;
  expect(answeredAt).toBeGreaterThan(signalledAt);
  expect(answer.status).toBe(200);
  expect(answer.headers.get('connection')).toBe('close');
  expect(await answer.json()).toMatchObject({ data: { products: { edges: [{ node: { name: expect.any(String) } }] } } });
  await expect(fetch(`${origin}/healthz`)).rejects.toThrow();
  const { code } = await gateway.exit;
  expect(code).toBe(0);
  expect(Date.now() - signalledAt).toBeLessThan(10_000);
  expect(logged(gateway, 'error')).toEqual([]);
  expect(gateway.out.stderr).toBe('');
  expect(marked(gateway.marker)).toEqual([]);
  agent.destroy();

  expect(inflight()).toBe(0);
  const job = db.prepare('SELECT state, created FROM jobs').get() as { state: string; created: number };
  db.close();
  expect(job.state).toBe('RUNNING');
  expect(job.created).toBeGreaterThan(0);
});

it('the embedded service does not outlive a gateway killed with SIGKILL', async () => {
  const gateway = startGateway({});
  await gateway.ready();
  expect(servicePid(gateway.marker)).toBeGreaterThan(0);
  gateway.child.kill('SIGKILL');
  await gateway.exit;
  const deadline = Date.now() + 5_000;
  while (marked(gateway.marker).length > 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
  expect(marked(gateway.marker)).toEqual([]);
});

it('the gateway stops, saying so in one line, when its embedded service dies', async () => {
  const gateway = startGateway({});
  await gateway.ready();
  process.kill(servicePid(gateway.marker)!, 'SIGKILL');
  const { code } = await gateway.exit;
  expect(code).toBe(1);
  expect(logged(gateway, 'error')).toEqual(['The embedded Upsales service stopped (signal SIGKILL): the gateway stops too']);
  expect(marked(gateway.marker)).toEqual([]);
});
