/**
 * The embedded Upsales service as the gateway's child process. The gateway
 * learns the service's URL only from the child itself, over the IPC channel
 * opened at spawn, once the child listens: it never takes whatever answers
 * on a port for its service. The child lives as long as that channel.
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { fileURLToPath } from 'node:url';
import type { EmbeddedMessage } from '../src/contract/embedded-ipc.js';
import { logLines, type Logger } from '../src/log/logger.js';

/** How long the child may take to start (demo data at a large SIM_SCALE takes seconds). */
const START_TIMEOUT_MS = 60_000;
/** How long the child may take to stop once told to, before it is killed. */
const STOP_TIMEOUT_MS = 1_500;

export interface EmbeddedService {
  /** Base of the services, as the child reports it. */
  url: string;
  /** Settles when the child has exited, with how it ended (`exit code 1`, `signal SIGKILL`). */
  exited: Promise<string>;
  /** Tells the child to stop (closes the channel), kills it if it takes too long, and waits until it is gone. */
  stop(): Promise<void>;
}

function waitFor<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<undefined>((resolve) => {
    timer = setTimeout(() => resolve(undefined), ms);
  });
  return Promise.race([promise, late]).finally(() => clearTimeout(timer));
}

/** Starts the service (configured by `env`'s SIM_* variables); rejects with one line saying why it did not start, the child then gone. */
export async function startEmbeddedService(log: Logger, env: NodeJS.ProcessEnv = process.env): Promise<EmbeddedService> {
  const main = fileURLToPath(new URL('../src/simulator/main.ts', import.meta.url));
  // tsx as this package has it, so the child starts whatever the working directory.
  const child = spawn(process.execPath, ['--import', import.meta.resolve('tsx'), main], { stdio: ['ignore', 'pipe', 'pipe', 'ipc'], env });
  // Its lines are the gateway's log lines too.
  const childLog = log.child({ component: 'upsales-simulator' });
  logLines(child.stdout!, childLog);
  logLines(child.stderr!, childLog, 'warn');
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(signal ? `signal ${signal}` : `exit code ${code}`));
  });
  const stop = async (): Promise<void> => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    if (child.connected) child.disconnect();
    if (await waitFor(exited, STOP_TIMEOUT_MS) === undefined) {
      child.kill('SIGKILL');
      await exited;
    }
  };

  let timer: NodeJS.Timeout | undefined;
  try {
    const ready = await new Promise<Extract<EmbeddedMessage, { type: 'ready' }>>((resolve, reject) => {
      timer = setTimeout(() => reject(new Error(`The embedded Upsales service did not start within ${START_TIMEOUT_MS / 1000} s`)), START_TIMEOUT_MS);
      child.on('message', (message: EmbeddedMessage) => (message.type === 'ready' ? resolve(message) : reject(new Error(message.message))));
      child.once('error', (error) => reject(new Error(`The embedded Upsales service could not be started: ${error.message}`)));
      void exited.then(async (how) => {
        // What the child sent before it ended (why it failed) is read before its channel closes.
        if (child.connected) await waitFor(once(child, 'disconnect'), STOP_TIMEOUT_MS);
        reject(new Error(`The embedded Upsales service stopped before it was ready (${how})`));
      });
    });
    return { url: ready.url, exited, stop };
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(timer);
  }
}
