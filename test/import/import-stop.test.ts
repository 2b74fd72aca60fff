/**
 * `npm start` stopped (SIGTERM) while a file is being uploaded to
 * POST /imports: the upload is answered, its job waits, QUEUED and fully
 * staged, for the next start, no runner starts behind the stop, and the job
 * store is closed only after that (the process exits 0, logging no error).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, expect, it } from 'vitest';

const dataDir = mkdtempSync(join(tmpdir(), 'import-stop-'));
afterAll(() => rmSync(dataDir, { recursive: true, force: true }));
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

it('SIGTERM during an upload: the upload is answered, its job waits for the next start, exit 0', async () => {
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
    env: { ...process.env, PORT: '0', SIM_PORT: '0', DATA_DIR: dataDir, UPSALES_URL: '', UPSALES_BATCH_SIZE: '50', LOG_LEVEL: 'info' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const out = { stdout: '', stderr: '' };
  child.stdout!.on('data', (chunk) => { out.stdout += chunk; });
  child.stderr!.on('data', (chunk) => { out.stderr += chunk; });
  const exited = once(child, 'exit') as Promise<[number | null]>;
  try {
    while (!/GraphQL gateway: (\S+)/.test(out.stdout)) {
      if (child.exitCode !== null) throw new Error(`npm start ended: ${out.stderr}`);
      await sleep(20);
    }
    const { port } = new URL(/GraphQL gateway: (\S+)/.exec(out.stdout)![1]);

    const lines = Array.from({ length: 2000 }, (_, i) => `STOP ${i + 1}`);
    const upload = http.request({ host: '127.0.0.1', port, method: 'POST', path: '/imports?kind=client&format=csv', headers: { 'content-type': 'text/csv' } });
    const answered = once(upload, 'response') as Promise<[http.IncomingMessage]>;
    upload.write(`name\n${lines.slice(0, 1500).join('\n')}\n`);
    const db = new Database(join(dataDir, 'imports.sqlite'), { readonly: true, fileMustExist: false });
    db.pragma('busy_timeout = 1000');
    const staged = () => {
      try {
        return (db.prepare('SELECT COUNT(*) AS n FROM rows').get() as { n: number }).n;
      } catch {
        return 0;
      }
    };
    while (staged() === 0) await sleep(20);

    child.kill('SIGTERM');
    await sleep(500);
    upload.end(`${lines.slice(1500).join('\n')}\n`);
    const [response] = await answered;
    response.resume();
    expect(response.statusCode).toBe(201);
    const [code] = await exited;

    const job = db.prepare('SELECT state, staged, total, created, lease FROM jobs').get();
    const statuses = db.prepare('SELECT status, COUNT(*) AS n FROM rows GROUP BY status').all();
    db.close();
    expect({ code, stderr: out.stderr }).toEqual({ code: 0, stderr: '' });
    const problems = out.stdout.split('\n').filter((line) => line.trim()).map((line) => JSON.parse(line) as { level: number; msg: string })
      .filter((line) => line.level >= 50).map((line) => line.msg);
    expect(problems).toEqual([]);
    expect(job).toEqual({ state: 'QUEUED', staged: 1, total: 2000, created: 0, lease: null });
    expect(statuses).toEqual([{ status: 'pending', n: 2000 }]);
  } finally {
    child.kill('SIGKILL');
  }
});
