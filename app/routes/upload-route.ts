/**
 * POST /imports?kind=contact&format=csv&matchBy=email&mapping=Company=client.orgNo,...&batchSize=N
 *
 * Starts an import of the request body, streamed into the job store as it
 * arrives (memory stays flat whatever its size), and answers 201 with the
 * job once every row is staged; the job then runs in this gateway, on the
 * account's one call budget. Bad parameters are 400 with the parameter named;
 * a user whose role may not write the kind is 403 FORBIDDEN, before the body
 * is read.
 */
import { ITEM_KINDS, KINDS, type ItemKind } from '../../src/contract/kinds.js';
import { preview } from '../../src/request/input-text.js';
import { ImportInputError, ImportStoppingError, storeRefusal } from '../../src/import/jobs/import-service.js';
import { SourceAbortedError } from '../../src/import/readers/read-records.js';
import { acceptedCaller, importRefusal, isCallerRefusal } from '../../src/request/credentials.js';
import { isUploadRefusal } from '../../src/request/upload-slots.js';
import { BEFORE_THE_BODY, errorAnswer as error, json, refusalAnswer, uploadRefusalAnswer } from './route-answers.js';
import type { ImportRouteDeps } from './route-auth.js';
import type { ImportFormat, ImportOptions, JobView } from '../../src/import/store/types.js';

export const UPLOAD_ROUTE = '/imports';

class BadParameter extends Error {
  constructor(readonly parameter: string, message: string) {
    super(`${parameter}: ${message}`);
  }
}


function kindOf(value: string | null): ItemKind {
  if (!value) throw new BadParameter('kind', `say what to import: one of ${ITEM_KINDS.join(', ')}`);
  const kind = ITEM_KINDS.find((k) => k.toLowerCase() === value.toLowerCase() || KINDS[k].typeName.toLowerCase() === value.toLowerCase());
  if (!kind) throw new BadParameter('kind', `${preview(value)} is not a kind: one of ${ITEM_KINDS.join(', ')}`);
  return kind;
}

function formatOf(value: string | null, contentType: string | null): ImportFormat {
  const given = value ?? (/csv/i.test(contentType ?? '') ? 'csv' : /ndjson|jsonl/i.test(contentType ?? '') ? 'jsonl' : null);
  if (!given) throw new BadParameter('format', 'say csv or jsonl');
  if (!/^(csv|jsonl)$/i.test(given)) throw new BadParameter('format', `${preview(given)} is not csv or jsonl`);
  return given.toUpperCase() as ImportFormat;
}

function mappingOf(values: string[]): Record<string, string> | undefined {
  const pairs = values.flatMap((v) => v.split(',')).map((p) => p.trim()).filter(Boolean);
  if (pairs.length === 0) return undefined;
  return Object.fromEntries(pairs.map((pair) => {
    const at = pair.lastIndexOf('=');
    if (at <= 0 || at === pair.length - 1) throw new BadParameter('mapping', `${preview(pair)} is not column=field`);
    return [pair.slice(0, at).trim(), pair.slice(at + 1).trim()];
  }));
}

function optionsOf(params: URLSearchParams): ImportOptions {
  const known = new Set(['kind', 'format', 'matchBy', 'mapping', 'batchSize']);
  const unknown = [...params.keys()].find((key) => !known.has(key));
  if (unknown) throw new BadParameter(/^[\w.-]{1,40}$/.test(unknown) ? unknown : preview(unknown), `unknown parameter; use ${[...known].join(', ')}`);
  const matchBy = params.get('matchBy');
  const mapping = mappingOf(params.getAll('mapping'));
  const batchSize = params.get('batchSize');
  if (batchSize !== null && !/^\d+$/.test(batchSize)) throw new BadParameter('batchSize', `${preview(batchSize)} is not a whole number`);
  return {
    ...(matchBy ? { matchBy } : {}),
    ...(mapping ? { mapping } : {}),
    ...(batchSize !== null ? { batchSize: Number(batchSize) } : {}),
  };
}

/** The job as the 201 answer shows it: what GraphQL's ImportJob shows, with its URLs. */
export const uploadAnswer = (job: JobView) => ({
  id: job.id, kind: job.kind, state: job.state, reason: job.reason, format: job.format, matchBy: job.options.matchBy ?? null,
  total: job.total, done: job.done, created: job.created, updated: job.updated, failed: job.failed, etaSeconds: job.etaSeconds,
  resultsUrl: `/imports/${job.id}/results.csv`,
  resultsJsonlUrl: `/imports/${job.id}/results.jsonl`,
});

/**
 * The body's chunks. When the reader stops early (a file refused as a
 * whole), the rest is still read and dropped: cancelling the request's
 * stream closes the connection, and the client would never see the answer.
 * When the client goes away (`signal`), the chunks end in
 * {@link SourceAbortedError}, never as if the file had ended there.
 */
async function* readToTheEnd(body: ReadableStream<Uint8Array>, signal: AbortSignal): AsyncGenerator<Uint8Array> {
  const reader = body.getReader();
  let done = false;
  const gone = new Promise<never>((_, reject) => {
    const abort = () => reject(new SourceAbortedError());
    if (signal.aborted) abort();
    else signal.addEventListener('abort', abort, { once: true });
  });
  gone.catch(() => undefined);
  try {
    for (;;) {
      const next = await Promise.race([reader.read(), gone]);
      if (next.done) {
        done = true;
        return;
      }
      yield next.value;
    }
  } finally {
    if (!done) void (async () => { while (!(await reader.read()).done); })().catch(() => undefined);
  }
}

export async function uploadResponse(deps: ImportRouteDeps, request: Request, serverContext: object, url: URL, R: typeof Response): Promise<Response> {
  // What is wrong with the request itself is told before any call (the password check is one).
  const { bytes } = deps.imports.readLimits;
  if (Number(request.headers.get('content-length') ?? 0) > bytes) {
    return error(R, 413, 'PAYLOAD_TOO_LARGE', `body: the file is larger than MAX_IMPORT_BYTES (${bytes} bytes)`, 'body');
  }
  let kind: ItemKind;
  let format: ImportFormat;
  let options: ImportOptions;
  try {
    kind = kindOf(url.searchParams.get('kind'));
    format = formatOf(url.searchParams.get('format'), request.headers.get('content-type'));
    options = optionsOf(url.searchParams);
  } catch (e) {
    if (e instanceof BadParameter) return error(R, 400, 'BAD_PARAMETER', e.message, e.parameter);
    throw e;
  }
  if (!request.body) return error(R, 400, 'BAD_PARAMETER', 'body: send the file as the request body', 'body');
  // Credentials before bytes: the body is read only for a caller Upsales accepted, within the uploads allowed in flight.
  const caller = await acceptedCaller(serverContext);
  if (isCallerRefusal(caller)) return refusalAnswer(R, caller, BEFORE_THE_BODY);
  const slot = deps.uploads.take(caller.username);
  if (isUploadRefusal(slot)) return uploadRefusalAnswer(R, slot);
  try {
    // Who may import: only a user Upsales lets write the kind, told before a byte is read or staged.
    const forbidden = await importRefusal(caller, kind);
    if (forbidden) return refusalAnswer(R, forbidden, BEFORE_THE_BODY);
    const job = await deps.imports.start(caller.credentials, { kind, format, options, source: readToTheEnd(request.body, request.signal) });
    return json(R, 201, uploadAnswer(job), { location: `/imports/${job.id}` });
  } catch (e) {
    // Nobody reads this answer; the job failed with that reason. One info line, no 500.
    if (request.signal.aborted) return error(R, 499, 'CLIENT_CLOSED_REQUEST', 'The client closed the connection before the whole file was read');
    const refused = storeRefusal(e);
    if (refused) return error(R, refused.status, refused.code, refused.message, undefined, { 'retry-after': String(refused.retryAfterSeconds) });
    if (!(e instanceof ImportInputError)) throw e;
    if (e instanceof ImportStoppingError) return error(R, 503, 'UNAVAILABLE', e.message, undefined, { 'retry-after': '10' });
    const parameter = e.parameter === 'file' ? 'body' : e.parameter;
    const message = parameter && !e.message.startsWith(`${parameter}`) ? `${parameter}: ${e.message}` : e.message;
    return e.tooLarge ? error(R, 413, 'PAYLOAD_TOO_LARGE', message, parameter) : error(R, 400, 'BAD_PARAMETER', message, parameter);
  } finally {
    slot();
  }
}
