/**
 * `npm start` (app/main.ts as a real process, with its embedded Upsales
 * service) writes nothing but JSON lines when stdout is not a terminal: its
 * own messages, the embedded service's, yoga's and one per request; a start
 * that fails says why in one JSON line and exits 1.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, expect, it } from 'vitest';
import { freePort } from '../helpers/free-port.js';

const dir = mkdtempSync(join(tmpdir(), 'npm-start-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface Run { lines: string[]; stderr: string; exited: Promise<number | null>; stop(): void; waitFor(pattern: RegExp): Promise<void> }

function start(env: Record<string, string>): Run {
  const child = spawn(process.execPath, ['--import', 'tsx', 'app/main.ts'], {
    env: { PATH: process.env.PATH, HOME: process.env.HOME, DATA_DIR: join(dir, 'data'), ...env }, stdio: ['ignore', 'pipe', 'pipe'],
  });
  const run: Run = {
    lines: [],
    stderr: '',
    exited: new Promise((resolve) => child.once('exit', resolve)),
    stop: () => child.kill('SIGTERM'),
    waitFor: (pattern) => new Promise((resolve, reject) => {
      const check = () => (run.lines.some((line) => pattern.test(line)) ? resolve() : undefined);
      child.stdout.on('data', check);
      void run.exited.then(() => reject(new Error(`exited before ${pattern}: ${run.lines.join('')}${run.stderr}`)));
      check();
    }),
  };
  let rest = '';
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
    const parts = (rest + chunk).split('\n');
    rest = parts.pop()!;
    run.lines.push(...parts.filter(Boolean));
  });
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => { run.stderr += chunk; });
  return run;
}

it('every line of a running gateway is JSON, the embedded service\'s and the requests\' included', async () => {
  const [port, simPort] = [await freePort(), await freePort()];
  const run = start({ PORT: String(port), SIM_PORT: String(simPort) });
  try {
    await run.waitFor(/GraphQL gateway: /);
    const response = await fetch(`http://127.0.0.1:${port}/graphql`, {
      method: 'POST', headers: { 'content-type': 'application/json', 'x-request-id': 'npm-start-1' }, body: JSON.stringify({ query: 'query Who { me { email } }' }),
    });
    expect((await response.json()).data.me.email).toBe('admin@demo.test');
    await run.waitFor(/"requestId":"npm-start-1"/);
  } finally {
    run.stop();
  }
  expect(await run.exited).toBe(0);
  const lines = run.lines.map((line) => JSON.parse(line) as Record<string, unknown>);
  expect(lines.find((line) => line.component === 'upsales-simulator')?.msg).toMatch(/^Embedded Upsales SOAP service at /);
  expect(lines.find((line) => line.requestId === 'npm-start-1')).toMatchObject({ msg: 'request', operation: 'Who', status: 200, outcome: 'OK', soapCalls: 1 });
  expect(lines.some((line) => String(line.msg).startsWith('Requests without Basic credentials act as admin@demo.test'))).toBe(true);
  expect(run.stderr).toBe('');
});

it.each([
  ['a malformed PERSISTED_OPERATIONS file', () => ({ PERSISTED_OPERATIONS: (writeFileSync(join(dir, 'bad.json'), '{"nope": "{ me { name } }"}'), join(dir, 'bad.json')) }), /^PERSISTED_OPERATIONS file .*bad\.json: entry "nope": the key is not a SHA-256 hash/],
  ['an unknown LOG_LEVEL', () => ({ LOG_LEVEL: 'verbose' }), /^LOG_LEVEL must be one of fatal, error, warn, info, debug, trace, silent; got "verbose"$/],
])('%s: one JSON line that says why, exit 1, nothing started', async (_name, env, why) => {
  const run = start({ PORT: String(await freePort()), SIM_PORT: String(await freePort()), ...env() });
  expect(await run.exited).toBe(1);
  expect(run.lines).toHaveLength(1);
  expect(JSON.parse(run.lines[0])).toMatchObject({ level: 60, msg: expect.stringMatching(why) });
});
