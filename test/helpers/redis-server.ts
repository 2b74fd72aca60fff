/**
 * A real `redis-server` of a test's own, on a free loopback port, keeping
 * nothing on disk: the test may kill it and start it again (empty) on the
 * same port, as an operator's restart would.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createServer, Socket } from 'node:net';
import { Redis } from 'ioredis';

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

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
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

export async function startTestRedis(): Promise<TestRedis> {
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

/** A redis-server of the test's own and an ioredis client on it, ready; `close` stops both. */
export async function startTestRedisClient(): Promise<{ server: TestRedis; redis: Redis; close(): Promise<void> }> {
  const server = await startTestRedis();
  const redis = new Redis(server.url, { maxRetriesPerRequest: 1 });
  await new Promise((resolve) => redis.once('ready', resolve));
  return {
    server, redis,
    async close() {
      redis.disconnect();
      await server.close();
    },
  };
}
