/**
 * `npm run import -- --kind contact --file contacts.csv [--match-by email] [--mapping "Company=client.orgNo,..."]`
 *
 * When a gateway answers at GATEWAY_URL (or --gateway; http://localhost:4000),
 * the file is streamed to it and the job runs there, on the account's one
 * call budget shared with GraphQL traffic; this process only shows progress
 * and downloads the results. Otherwise (or with --in-process) the job runs
 * in this process (the same UPSALES_BUDGET_* settings as the gateway), on
 * the account's call budget shared through Redis with REDIS_URL, else on
 * its own: then do not run it at the same time as a gateway or another
 * import on the same Upsales account. In-process jobs live in
 * DATA_DIR; running the same command again (same file, unchanged) resumes an
 * unfinished job, reconciling a batch that was in flight when it stopped.
 */
import { mkdirSync, createWriteStream } from 'node:fs';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { parseArgs } from 'node:util';
import { configFromEnv, wholeMs } from '../../src/config/config.js';
import { ITEM_KINDS, type ItemKind } from '../../src/contract/kinds.js';
import { dataDirFromEnv } from '../../src/import/store/data-dir.js';
import { fileInfo, readFile, restageFromFile, sameFile } from '../../src/import/readers/file-source.js';
import { ImportInputError, ImportService } from '../../src/import/jobs/import-service.js';
import type { JobStore } from '../../src/import/store/job-store.js';
import { openJobStore } from '../../src/import/store/engine/open-job-store.js';
import { sameOwner } from '../../src/import/store/owner.js';
import { formatOf } from '../../src/import/readers/read-records.js';
import { resultLines } from '../../src/import/store/results.js';
import { FINAL_STATES, type ImportFormat, type ImportOptions, type SourceInfo } from '../../src/import/store/types.js';
import { createSharedState, redisLabel, sharedStateOptions } from '../../src/shared-state/index.js';
import { createUpstream, type Credentials } from '../../src/upstream/index.js';
import { DEFAULT_GATEWAY_URL, GatewayClient, gatewayAnswers, gatewayBase } from './gateway-client.js';
import { isActive, showProgress } from './progress-line.js';

const USAGE = `Usage: npm run import -- --kind <kind> --file <path> [options]
  --kind <kind>          ${ITEM_KINDS.join(', ')}
  --file <path>          CSV with a header row, or JSONL (one object per line)
  --format <csv|jsonl>   when the file name does not say
  --match-by <field>     update the item whose <field> equals the row's, create the others (e.g. email)
  --mapping <col=path>   column to field path, comma-separated or repeated: "Company=client.orgNo,Segment=custom.segment,Notes=-"
  --batch-size <n>       items per call (at most UPSALES_BATCH_SIZE)
  --resume <job id>      resume (or follow) that job (in process, an unfinished job of the same file resumes by itself)
  --cancel <job id>      cancel that job
  --list                 list your jobs
  --gateway <url>        the gateway to hand the job to (GATEWAY_URL; default ${DEFAULT_GATEWAY_URL})
  --in-process           run the job in this process even when a gateway answers
Environment: GATEWAY_URL, UPSALES_URL, UPSALES_USERNAME, UPSALES_PASSWORD, DATA_DIR (./data), UPSALES_BUDGET_CALLS,
UPSALES_BUDGET_WINDOW_MS, UPSALES_CONCURRENCY, UPSALES_BATCH_SIZE, REDIS_URL or REDIS_CLUSTER_NODES (share the budget with gateways),
IMPORT_PROGRESS_MS (non-TTY progress lines, 5000).`;

/** The embedded demo administrator of `npm start`, used only against that embedded service. */
const EMBEDDED_ADMIN = { username: 'admin@demo.test', password: 'demo-admin' };

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function parseMapping(values: string[]): Record<string, string> | undefined {
  const pairs = values.flatMap((v) => v.split(',')).map((p) => p.trim()).filter(Boolean);
  if (pairs.length === 0) return undefined;
  return Object.fromEntries(pairs.map((pair) => {
    const at = pair.lastIndexOf('=');
    if (at <= 0) fail(`--mapping: "${pair}" is not column=field`);
    return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
  }));
}

async function writeResults(store: JobStore, dataDir: string, id: string): Promise<string> {
  const dir = join(dataDir, 'results');
  mkdirSync(dir, { recursive: true });
  const path = resolve(dir, `${id}.csv`);
  const out = createWriteStream(path);
  for await (const line of resultLines(store.outcomes(id), 'csv')) if (!out.write(line)) await once(out, 'drain');
  out.end();
  await once(out, 'finish');
  return path;
}

const ARGS = {
  kind: { type: 'string' }, file: { type: 'string' }, format: { type: 'string' }, 'match-by': { type: 'string' },
  mapping: { type: 'string', multiple: true }, 'batch-size': { type: 'string' }, resume: { type: 'string' }, cancel: { type: 'string' },
  list: { type: 'boolean' }, gateway: { type: 'string' }, 'in-process': { type: 'boolean' }, help: { type: 'boolean' },
} as const;
type Args = ReturnType<typeof parseArgs<{ options: typeof ARGS }>>['values'];

/** The import the arguments ask for, checked as far as the CLI can. */
function importRequest(values: Args): { kind: ItemKind; format: ImportFormat; options: ImportOptions; info: SourceInfo } {
  if (!values.kind || !values.file) fail(USAGE);
  const kind = values.kind as ItemKind;
  const format = (values.format?.toUpperCase() as ImportFormat | undefined) ?? formatOf(values.file);
  if (!format || !['CSV', 'JSONL'].includes(format)) fail('--format: csv or jsonl (the file name does not say)');
  const options: ImportOptions = {
    ...(values['match-by'] ? { matchBy: values['match-by'] } : {}),
    ...(values.mapping ? { mapping: parseMapping(values.mapping) } : {}),
    ...(values['batch-size'] ? { batchSize: Number(values['batch-size']) } : {}),
  };
  try {
    return { kind, format, options, info: fileInfo(values.file) };
  } catch {
    fail(`Cannot read ${values.file}`);
  }
}

/** The job runs in the gateway at `base`; this process streams the file, shows progress and fetches the results. */
async function handOver(base: string, values: Args, progressMs: number): Promise<void> {
  const client = new GatewayClient(base, configFromEnv().defaultCredentials);
  if (values.list) {
    for (const job of await client.jobs()) console.log(`${job.id}  ${job.kind.toLowerCase().padEnd(11)} ${job.state.padEnd(9)} ${job.done}/${job.total}`);
    return;
  }
  if (values.cancel) return console.log(`Import job ${values.cancel}: ${(await client.cancel(values.cancel)).state}`);
  const controller = new AbortController();
  let id = values.resume;
  process.once('SIGINT', () => {
    controller.abort();
    if (!id) console.log('\nUpload stopped: no job was started.');
    else {
      const at = base === gatewayBase(DEFAULT_GATEWAY_URL) ? '' : ` --gateway ${base}`;
      console.log(`\nImport job ${id} goes on in the gateway at ${base}. Follow it: npm run import --${at} --resume ${id}   Cancel it: npm run import --${at} --cancel ${id}`);
    }
    process.exit(130);
  });
  if (!id) {
    const { kind, format, options, info } = importRequest(values);
    console.log(`Handing the import to the gateway at ${base}: it runs there, on the account's call budget shared with GraphQL`);
    const job = await client.upload(info.path, kind, format, options, controller.signal);
    console.log(`Import job ${job.id}: ${job.total} ${kind} rows read from ${info.path}`);
    id = job.id;
  } else {
    const found = await client.job(id);
    const job = FINAL_STATES.includes(found.state) ? found : await client.resume(id);
    console.log(`Following import job ${id} in the gateway: ${job.done} of ${job.total} rows done`);
  }
  const last = await showProgress(client.follow(id, controller.signal), progressMs);
  const job = last && !isActive(last) ? last : await client.job(id);
  console.log(`${job.state}: ${job.created} created, ${job.updated} updated, ${job.failed} failed of ${job.total} rows${job.reason ? ` (${job.reason})` : ''}`);
  const dir = join(dataDirFromEnv(), 'results');
  const path = resolve(dir, `${id}.csv`);
  try {
    mkdirSync(dir, { recursive: true });
    await client.download(job.resultsUrl, path);
    console.log(`Results (row, outcome, upsalesId, reason): ${path}`);
  } catch (error) {
    console.log(`Results (row, outcome, upsalesId, reason): ${base}${job.resultsUrl} (${(error as Error).message})`);
  }
  process.exitCode = job.state === 'COMPLETED' ? 0 : job.state === 'PAUSED' ? 2 : 1;
}

/** The job runs here, on the account's call budget: this process's own, or shared through Redis (REDIS_URL, REDIS_CLUSTER_NODES). */
async function inProcess(values: Args, progressMs: number): Promise<void> {
  const config = configFromEnv();
  const upstreamUrl = config.upstreamUrl ?? `http://127.0.0.1:${process.env.SIM_PORT ?? 4010}/wsapi`;
  const credentials = config.defaultCredentials ?? (config.upstreamUrl ? undefined : EMBEDDED_ADMIN);
  if (!credentials) fail('Set UPSALES_USERNAME and UPSALES_PASSWORD for the Upsales account to import with');
  const say = (message: string) => console.log(process.stdout.isTTY ? `\r${message}\x1b[K` : message);
  const shared = await createSharedState(sharedStateOptions(config, say));
  // Keeps nothing, but with REDIS_URL its writes drop the gateways' kept reads of what they change.
  const upstream = createUpstream({ baseUrl: upstreamUrl, timeoutMs: config.timeoutMs, budgets: shared.budgets, cache: shared.readCache(0) });
  const store = await openJobStore(config.jobs, dataDirFromEnv());
  const service = new ImportService({ store, upstream, batchSize: config.batchSize, account: credentials, log: say, bus: shared.jobs });
  try {
    await runHere(values, service, credentials, progressMs);
  } finally {
    // Redis' connections would keep the process alive.
    await shared.close();
  }
}

async function runHere(values: Args, service: ImportService, credentials: Credentials, progressMs: number): Promise<void> {
  const { store } = service;
  const dataDir = dataDirFromEnv();
  if (values.cancel) {
    try {
      console.log(`Import job ${values.cancel}: ${(await service.cancel(credentials.username, values.cancel)).state}`);
    } catch (error) {
      fail((error as Error).message);
    }
    return;
  }
  if (values.list) {
    for (const job of await service.list(credentials.username)) console.log(`${job.id}  ${job.kind.padEnd(11)} ${job.state.padEnd(9)} ${job.done}/${job.total}  ${job.source?.path ?? ''}`);
    return;
  }

  let id = values.resume;
  let startedHere = false;
  if (!id) {
    const { kind, format, options, info } = importRequest(values);
    const unfinished = (await store.openJobs()).find((job) => sameOwner(job.owner, credentials.username) && job.kind === kind
      && sameFile(job.source, info) && JSON.stringify(job.options) === JSON.stringify(options));
    if (unfinished) id = unfinished.id;
    else {
      try {
        const job = await service.start(credentials, { kind, format, options, source: readFile(info.path), sourceInfo: info });
        console.log(`Import job ${job.id}: ${job.total} ${kind} rows read from ${info.path}`);
        id = job.id;
        startedHere = true;
      } catch (error) {
        fail(error instanceof ImportInputError ? error.message : String(error));
      }
    }
  }
  const existing = await store.job(id!);
  if (!existing) fail(`No import job ${id} in ${resolve(dataDir)}`);
  if (!startedHere && !FINAL_STATES.includes(existing.state)) {
    if (!existing.staged) {
      const source = restageFromFile(existing);
      if (!source) fail(`The file of job ${id} changed or is gone; start the import again`);
      await service.restage(id, source);
    }
    const before = await service.get(credentials.username, id);
    console.log(`Resuming import job ${id}: ${before.done} of ${before.total} rows done`);
    try {
      await service.resume(credentials, id);
    } catch (error) {
      fail(error instanceof ImportInputError ? error.message : String(error));
    }
  }

  const stop = () => {
    console.log('\nPausing after the batches in flight...');
    void service.pause(credentials.username, id!).catch(() => undefined);
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  await showProgress(service.watch(credentials.username, id), progressMs);
  const job = await service.settled(id);
  const results = await writeResults(store, dataDir, id);
  console.log(`${job.state}: ${job.created} created, ${job.updated} updated, ${job.failed} failed of ${job.total} rows${job.reason ? ` (${job.reason})` : ''}`);
  console.log(`Results (row, outcome, upsalesId, reason): ${results}`);
  await store.close();
  process.exitCode = job.state === 'COMPLETED' ? 0 : job.state === 'PAUSED' ? 2 : 1;
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: ARGS });
  if (values.help) return console.log(USAGE);
  const progressMs = wholeMs(process.env, 'IMPORT_PROGRESS_MS', 5000);
  const base = gatewayBase(values.gateway ?? process.env.GATEWAY_URL ?? DEFAULT_GATEWAY_URL);
  if (!values['in-process'] && await gatewayAnswers(base)) return handOver(base, values, progressMs);
  const why = values['in-process'] ? 'With --in-process' : `No gateway answers at ${base}`;
  const { redisUrl, redisClusterNodes } = configFromEnv();
  const redis = redisClusterNodes ?? redisUrl;
  console.log(redis
    ? `${why}: the import runs in this process, on the account's call budget shared through Redis at ${redisLabel(redis)}.`
    : `${why}: the import runs in this process, on its own call budget; do not run it alongside a gateway on the same Upsales account.`);
  return inProcess(values, progressMs);
}

main().catch((error: unknown) => fail(error instanceof Error ? error.message : String(error)));
