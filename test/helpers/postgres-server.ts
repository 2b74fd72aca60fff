/**
 * A real PostgreSQL server of a test's own: `initdb` on a temporary
 * directory and `pg_ctl` on a free loopback port (the programs found by
 * postgres-bin.ts), its socket in that
 * directory too, so the machine's own cluster (its data, its port) is never
 * touched. The test may stop it, restart it, and close it (the directory
 * goes). PostgreSQL refuses to run as root: as root, the server runs as the
 * `postgres` user of the machine's PostgreSQL packages.
 */
import { execFileSync, spawn } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { postgresBin } from './postgres-bin.js';
import { freePort } from './free-port.js';

export interface TestPostgres {
  port: number;
  /** `postgres://test@127.0.0.1:<port>/postgres` (trust on loopback: no password) */
  url: string;
  /** pg_ctl stop -m fast: connections are cut, as a restart cuts them. */
  stop(): Promise<void>;
  /** pg_ctl start, on the same port and data. */
  start(): Promise<void>;
  /** Stops it and starts it again, `downMs` after. */
  restart(downMs?: number): Promise<void>;
  close(): Promise<void>;
}

/** Who runs the server: this process, or `postgres` when this process is root. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim());
  const gid = Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim());
  return { uid, gid };
}

function run(bin: string, args: string[], user: { uid: number; gid: number } | undefined): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(bin, args, { stdio: ['ignore', 'pipe', 'pipe'], ...(user ?? {}), env: { ...process.env, LC_ALL: 'C' } });
    let output = '';
    child.stdout!.on('data', (chunk) => { output += chunk; });
    child.stderr!.on('data', (chunk) => { output += chunk; });
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`${bin} ${args.join(' ')} exited ${code}: ${output}`))));
  });
}

export async function startTestPostgres(): Promise<TestPostgres> {
  const user = runAs();
  const dir = mkdtempSync(join(tmpdir(), 'test-postgres-'));
  if (user) chownSync(dir, user.uid, user.gid);
  const data = join(dir, 'data');
  const port = await freePort();
  await run(postgresBin('initdb'), ['-D', data, '-U', 'test', '--auth=trust', '-E', 'UTF8', '--no-sync', '--no-instructions'], user);
  const options = `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=100`;
  const start = () => run(postgresBin('pg_ctl'), ['-D', data, '-o', options, '-l', join(dir, 'log'), '-w', '-t', '30', 'start'], user);
  const stop = () => run(postgresBin('pg_ctl'), ['-D', data, '-m', 'fast', '-w', 'stop'], user);
  await start();
  let closed = false;
  return {
    port,
    url: `postgres://test@127.0.0.1:${port}/postgres`,
    stop,
    start,
    async restart(downMs = 0) {
      await stop();
      await new Promise((resolve) => setTimeout(resolve, downMs));
      await start();
    },
    async close() {
      if (closed) return;
      closed = true;
      await stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
