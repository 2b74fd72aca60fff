/**
 * A create call that times out is not lost upstream: Upsales goes on and
 * writes it after the client gave up. The runner must not look its rows up
 * (and send the ones not found again) before the call's timeout plus a
 * grace; every row ends written exactly once. A proxy in front of the
 * embedded service holds the first create call longer than the gateway's
 * timeout and forwards it anyway, as Upsales would process it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, request, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { ImportService } from '../../src/import/jobs/import-service.js';
import { SqliteJobStore } from '../../src/import/store/sqlite/sqlite-job-store.js';
import { startSimulator, type RunningSimulator } from '../../src/simulator/index.js';
import { createUpstream } from '../../src/upstream/index.js';
import { fetchAll } from '../../src/upstream/paged-reads.js';
import { DEMO_USERS, SHORT_CLOCK } from './import-stack.js';

const TIMEOUT_MS = 300;
const HOLD_MS = 800;
let sim: RunningSimulator;
let proxy: Server;
let proxyUrl: string;
const seen = { creates: 0, held: 0, abandoned: 0 };

beforeAll(async () => {
  sim = await startSimulator({ port: 0, ...SHORT_CLOCK.sim });
  const target = new URL(sim.url);
  proxy = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const create = /:create[\s>]/.test(body.toString('utf8')) || /<(\w+:)?create\b/.test(body.toString('utf8'));
      if (create) seen.creates += 1;
      const hold = create && seen.held === 0;
      if (hold) seen.held += 1;
      res.on('close', () => { if (!res.writableFinished) seen.abandoned += 1; });
      setTimeout(() => {
        const upstream = request({ host: target.hostname, port: target.port, path: req.url, method: req.method, headers: req.headers }, (answer) => {
          if (res.destroyed) return void answer.resume();
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        upstream.end(body);
      }, hold ? HOLD_MS : 0);
    });
  });
  await new Promise<void>((resolve) => proxy.listen(0, '127.0.0.1', resolve));
  proxyUrl = `http://127.0.0.1:${(proxy.address() as AddressInfo).port}${target.pathname}`;
});
afterAll(async () => {
  await new Promise((resolve) => { proxy.closeAllConnections(); proxy.close(resolve); });
  await sim.close();
});

it('looks up a timed-out create only after timeout + grace: the late write is found, not sent again', async () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'import-late-'));
  const upstream = createUpstream({ baseUrl: proxyUrl, timeoutMs: TIMEOUT_MS, budget: { calls: 18, windowMs: 1000 } });
  const store = new SqliteJobStore(dataDir);
  const imports = new ImportService({ store, upstream, batchSize: 10, settleMs: TIMEOUT_MS + 700 });
  try {
    const rows = Array.from({ length: 30 }, (_, i) => ({ name: `LATE ${i + 1}`, phone: `+46 ${i + 1}` }));
    const job = await imports.start(DEMO_USERS.admin, { kind: 'client', format: 'JSONL', rows });
    const end = await imports.settled(job.id);
    expect(end).toMatchObject({ state: 'COMPLETED', total: 30, created: 30, updated: 0, failed: 0 });
    expect(seen).toEqual({ creates: 3, held: 1, abandoned: 1 });
    const client = upstream.forCredentials(DEMO_USERS.admin, { calls: 0, queuedMs: 0, log: [] });
    const stored = await fetchAll(client, 'client', [{ field: 'name', operator: 'startsWith', values: ['LATE '] }], [{ field: 'id' }]);
    expect(stored).toHaveLength(30);
    expect(new Set(stored.map((c) => c.name)).size).toBe(30);
    const ids: number[] = [];
    for await (const o of store.outcomes(job.id)) ids.push(o.upsalesId!);
    ids.sort((a, b) => a - b);
    expect(ids).toEqual(stored.map((c) => c.id!).sort((a, b) => a - b));
  } finally {
    await imports.close();
    await store.close();
    rmSync(dataDir, { recursive: true, force: true });
  }
});
