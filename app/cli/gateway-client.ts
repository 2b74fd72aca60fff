/**
 * The CLI's side of a hand-over: the gateway at GATEWAY_URL runs the job on
 * the account's one call budget. The file is streamed to POST /imports,
 * progress follows the `importProgress` subscription (SSE; polling
 * `importJob` when that fails or the stream is refused or closed), and the
 * results come from the results route. Every GraphQL operation is one of the
 * gateway's own trusted documents, sent by its hash alone
 * (app/plugins/tool-documents.ts): it runs where only trusted documents do.
 */
import { createReadStream, createWriteStream } from 'node:fs';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import type { ItemKind } from '../../src/contract/kinds.js';
import type { ImportFormat, ImportOptions } from '../../src/import/store/types.js';
import { isActive, type JobProgress } from './progress-line.js';
import { toolOperation, type ToolDocument } from '../plugins/tool-documents.js';

/** GATEWAY_URL (or --gateway) when unset. */
export const DEFAULT_GATEWAY_URL = 'http://localhost:4000';

export type GatewayJob = JobProgress & { kind: string; resultsUrl: string };

/** The gateway's origin (and base path), from a URL given with or without `/graphql`. */
export const gatewayBase = (url: string): string => url.replace(/\/+$/, '').replace(/\/graphql$/, '');

/** Whether a gateway answers GET /healthz at `base` within `timeoutMs`. */
export async function gatewayAnswers(base: string, timeoutMs = 1000): Promise<boolean> {
  try {
    const response = await fetch(`${base}/healthz`, { signal: AbortSignal.timeout(timeoutMs) });
    return response.ok && ((await response.json()) as { status?: string }).status === 'ok';
  } catch {
    return false;
  }
}

export class GatewayError extends Error {
  /** The GraphQL error's code, when the gateway gave one. */
  constructor(message: string, readonly code?: string) {
    super(message);
  }
}

type GraphQLAnswer<T> = { data?: T; errors?: { message: string; extensions?: { code?: string } }[] };

/** The data of an answer, or its first error as a GatewayError. */
function dataOf<T>(result: GraphQLAnswer<T>): T {
  const error = result.errors?.[0];
  if (error) throw new GatewayError(error.message, error.extensions?.code);
  return result.data!;
}

/** Codes after which following a job goes on by polling: the stream was refused, or closed for being idle. */
const POLL_INSTEAD = new Set(['TOO_MANY_STREAMS', 'UNAVAILABLE', 'STREAM_IDLE']);

export class GatewayClient {
  private readonly headers: Record<string, string>;

  /** Without credentials, the gateway acts as its configured account (e.g. the embedded demo admin under `npm start`). */
  constructor(readonly base: string, credentials?: { username: string; password: string }) {
    this.headers = credentials ? { authorization: `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}` } : {};
  }

  private async refused(response: Response, what: string): Promise<never> {
    const body = await response.text();
    let message = body.trim();
    try {
      message = (JSON.parse(body) as { error?: { message?: string } }).error?.message ?? message;
    } catch {
      // a text answer
    }
    if (response.status === 401) message += ' (set UPSALES_USERNAME and UPSALES_PASSWORD)';
    throw new GatewayError(`${what}: ${response.status} ${message}`);
  }

  /** Streams the file to POST /imports; resolves when the gateway has staged every row. */
  async upload(path: string, kind: ItemKind, format: ImportFormat, options: ImportOptions, signal?: AbortSignal): Promise<GatewayJob> {
    const params = new URLSearchParams({ kind, format: format.toLowerCase() });
    if (options.matchBy) params.set('matchBy', options.matchBy);
    if (options.mapping) params.set('mapping', Object.entries(options.mapping).map(([c, f]) => `${c}=${f}`).join(','));
    if (options.batchSize !== undefined) params.set('batchSize', String(options.batchSize));
    const response = await fetch(`${this.base}/imports?${params}`, {
      method: 'POST',
      headers: { ...this.headers, 'content-type': format === 'CSV' ? 'text/csv' : 'application/x-ndjson' },
      body: Readable.toWeb(createReadStream(path, { highWaterMark: 64 * 1024 })) as ReadableStream<Uint8Array>,
      duplex: 'half',
      signal,
    } as RequestInit);
    if (response.status !== 201) return this.refused(response, 'The gateway refused the import');
    return (await response.json()) as GatewayJob;
  }

  /** Runs one of the tools' trusted documents, by its hash. */
  async graphql<T>(document: ToolDocument, variables: Record<string, unknown> = {}): Promise<T> {
    const response = await fetch(`${this.base}/graphql`, {
      method: 'POST',
      headers: { ...this.headers, 'content-type': 'application/json', accept: 'application/json' },
      body: JSON.stringify({ ...toolOperation(document), variables }),
    });
    if (response.status === 401) return this.refused(response, 'The gateway refused the credentials');
    return dataOf((await response.json()) as GraphQLAnswer<T>);
  }

  job = async (id: string) => (await this.graphql<{ importJob: GatewayJob }>('importJob', { id })).importJob;
  jobs = async () => (await this.graphql<{ importJobs: GatewayJob[] }>('importJobs')).importJobs;
  resume = async (id: string) => (await this.graphql<{ resumeImport: GatewayJob }>('resumeImport', { id })).resumeImport;
  cancel = async (id: string) => (await this.graphql<{ cancelImport: GatewayJob }>('cancelImport', { id })).cancelImport;

  /** The job over SSE until it stops running. */
  private async *subscribe(id: string, signal: AbortSignal): AsyncGenerator<GatewayJob> {
    const response = await fetch(`${this.base}/graphql`, {
      method: 'POST',
      headers: { ...this.headers, 'content-type': 'application/json', accept: 'text/event-stream' },
      body: JSON.stringify({ ...toolOperation('importProgress'), variables: { id } }),
      signal,
    });
    if (!response.headers.get('content-type')?.startsWith('text/event-stream')) throw new GatewayError(`SSE answered ${response.status}`);
    const decoder = new TextDecoder();
    let buffer = '';
    for await (const chunk of response.body as unknown as AsyncIterable<Uint8Array>) {
      buffer += decoder.decode(chunk, { stream: true });
      let at: number;
      while ((at = buffer.indexOf('\n\n')) >= 0) {
        const block = buffer.slice(0, at);
        buffer = buffer.slice(at + 2);
        const data = block.split('\n').find((line) => line.startsWith('data:'));
        if (!block.startsWith('event: next') || !data) continue;
        yield dataOf(JSON.parse(data.slice(5)) as GraphQLAnswer<{ importProgress: GatewayJob }>).importProgress;
      }
    }
  }

  /** The job at each change until it stops running: over SSE, else (or once SSE breaks) by polling. */
  async *follow(id: string, signal: AbortSignal, pollMs = 500): AsyncGenerator<GatewayJob> {
    let last: GatewayJob | undefined;
    try {
      for await (const job of this.subscribe(id, signal)) {
        last = job;
        yield job;
        if (!isActive(job)) return;
      }
    } catch (error) {
      const pollInstead = error instanceof GatewayError && (/^SSE/.test(error.message) || POLL_INSTEAD.has(error.code ?? ''));
      if (signal.aborted || !pollInstead) throw error;
    }
    while (!signal.aborted) {
      last = await this.job(id);
      yield last;
      if (!isActive(last)) return;
      await new Promise((resolve) => setTimeout(resolve, pollMs));
    }
  }

  /** Downloads the job's results (CSV) to `path`. */
  async download(resultsUrl: string, path: string): Promise<void> {
    const response = await fetch(`${this.base}${resultsUrl}`, { headers: this.headers });
    if (!response.ok || !response.body) return this.refused(response, 'The results could not be downloaded');
    await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), createWriteStream(path));
  }
}
