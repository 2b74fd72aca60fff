/**
 * How a GraphQL request is read, and what it may be. A body over its limit
 * is refused with 413 before it is read (declared length) or as soon as it
 * passes the limit (chunked). JSON bodies, and the JSON `variables` and
 * `extensions` of a GET or form request, are parsed here, so that invalid
 * JSON is a 400 that names what is wrong and echoes nothing (yoga's own
 * parsers echo a JSON body's error, and a GET's bad `variables` is a 500),
 * and JSON nested deeper than {@link MAX_BODY_DEPTH} never reaches a
 * recursive walk. Multipart requests (the GraphQL multipart request spec:
 * `operations`, `map`, files) are read here too, for the same reasons, with
 * their JSON fields held to `MAX_BODY_BYTES` and each file to
 * `MAX_UPLOAD_BYTES`.
 */
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { RequestLimits } from '../../src/config/config.js';
import { MAX_JSON_DEPTH, preview } from '../../src/request/input-text.js';

/** How deep a JSON body may nest: a JSON value's own depth, plus the envelope (variables, argument, list). */
export const MAX_BODY_DEPTH = 2 * MAX_JSON_DEPTH;

type BodyLimits = Pick<RequestLimits, 'bodyBytes' | 'uploadBytes'>;

const badRequest = (message: string) =>
  createGraphQLError(message, { extensions: { code: 'BAD_REQUEST', http: { status: 400 } } });

function tooLarge(R: typeof Response, limit: number, variable: string): Response {
  const body = { errors: [{ message: `The request body is larger than ${variable} (${limit} bytes)`, extensions: { code: 'PAYLOAD_TOO_LARGE', limit: variable } }] };
  // Node discards the unread rest of the body as it arrives, so the client can finish sending and read this answer.
  return new R(JSON.stringify(body), { status: 413, headers: { 'content-type': 'application/json; charset=utf-8' } });
}

/** The whole body, or null once it passes `limit` bytes (the rest is not read). */
async function readAtMost(body: ReadableStream<Uint8Array>, limit: number): Promise<Uint8Array<ArrayBuffer> | null> {
  const chunks: Uint8Array[] = [];
  let size = 0;
  const reader = body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel().catch(() => undefined);
      return null;
    }
    chunks.push(value);
  }
  const whole = new Uint8Array(size);
  let at = 0;
  for (const chunk of chunks) {
    whole.set(chunk, at);
    at += chunk.byteLength;
  }
  return whole;
}

/** Whether a parsed JSON value nests deeper than `max` (iterative: the depth is the attacker's). */
function nestsDeeper(value: unknown, max: number): boolean {
  const stack: [unknown, number][] = [[value, 1]];
  while (stack.length) {
    const [node, depth] = stack.pop()!;
    if (node === null || typeof node !== 'object') continue;
    if (depth > max) return true;
    for (const child of Array.isArray(node) ? node : Object.values(node)) stack.push([child, depth + 1]);
  }
  return false;
}

/** `text` as JSON no deeper than {@link MAX_BODY_DEPTH}; `what` names it in the error. */
function parseJson(text: string, what: string): unknown {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw badRequest(`${what} is not valid JSON`);
  }
  if (nestsDeeper(value, MAX_BODY_DEPTH)) throw badRequest(`${what} nests deeper than ${MAX_BODY_DEPTH} levels`);
  return value;
}

const isPlainObject = (value: unknown): value is Record<string, unknown> => value !== null && typeof value === 'object' && !Array.isArray(value);

/** `text` (a JSON body, a multipart `operations` field: `what`) as GraphQL parameters. */
function parseParameters(text: string, what: string): Record<string, unknown> {
  const parameters = parseJson(text, what);
  if (!isPlainObject(parameters)) throw badRequest(`${what} must be a JSON object with "query" (and "variables", "operationName", "extensions")`);
  return parameters;
}

/**
 * The client went away before its body was read to the end: nobody reads an
 * answer, and nothing went wrong here. Status 499 (nginx's "client closed
 * request"), logged as one info line; never a 500.
 */
const clientGone = () => createGraphQLError('The client closed the connection before its request was read', {
  extensions: { code: 'CLIENT_CLOSED_REQUEST', http: { status: 499 } },
});

/** Whether reading a body failed because the client's connection closed (node's `aborted`, a reset). */
const isAborted = (error: unknown): boolean => {
  const { code, message, name } = (error ?? {}) as { code?: unknown; message?: unknown; name?: unknown };
  return code === 'ECONNRESET' || message === 'aborted' || name === 'AbortError';
};

/** The body as text; a client that went away meanwhile is {@link clientGone}. */
async function bodyText(request: Request): Promise<string> {
  try {
    return await request.text();
  } catch (error) {
    if (isAborted(error)) throw clientGone();
    throw error;
  }
}

const parseJsonBody = async (request: Request) => parseParameters(await bodyText(request), 'The request body');

/** GraphQL parameters of a GET's query string or a form body. */
function searchParameters(params: URLSearchParams): Record<string, unknown> {
  const json = (name: string) => {
    const text = params.get(name);
    return text ? parseJson(text, `The "${name}" parameter`) : undefined;
  };
  return {
    query: params.get('query') || undefined,
    operationName: params.get('operationName') || undefined,
    variables: json('variables'),
    extensions: json('extensions'),
  };
}

/** Files of one multipart request (each an import file; a few allowed). */
export const MAX_UPLOAD_FILES = 4;

type FormDataWithLimits = (options: { formDataLimits: Record<string, number> }) => Promise<FormData>;

/** A multipart reader's refusal (busboy's words) as a clear error naming the limit. */
function multipartError(error: unknown, limits: BodyLimits): Error {
  if (isAborted(error)) return clientGone();
  const message = error instanceof Error ? error.message : '';
  const over = (what: string, variable: string, limit: number) =>
    createGraphQLError(`${what} is larger than ${variable} (${limit} bytes)`, { extensions: { code: 'PAYLOAD_TOO_LARGE', limit: variable, http: { status: 413 } } });
  if (message.startsWith('Field value size')) return over('A multipart field', 'MAX_BODY_BYTES', limits.bodyBytes);
  if (message.startsWith('File size')) return over('A file', 'MAX_UPLOAD_BYTES', limits.uploadBytes);
  if (/^(Fields|Files|Parts) limit/.test(message)) {
    return badRequest(`A multipart request holds the fields "operations" and "map" and at most ${MAX_UPLOAD_FILES} files`);
  }
  return badRequest('The multipart body could not be read');
}

/** Puts a file where `map` says: a path under `variables` (`variables.file`), no prototype keys. */
function placeFile(operation: Record<string, unknown>, path: string, file: unknown): void {
  const keys = path.split('.');
  if (keys[0] !== 'variables' || keys.length < 2 || keys.some((key) => !key || key === '__proto__' || key === 'constructor' || key === 'prototype')) {
    throw badRequest(`The "map" field puts a file at ${preview(path)}: give a path under "variables" (variables.file)`);
  }
  let at: Record<string, unknown> = operation;
  for (const key of keys.slice(0, -1)) {
    const next = Object.hasOwn(at, key) ? at[key] : undefined;
    if (next === null || typeof next !== 'object') at[key] = {};
    at = at[key] as Record<string, unknown>;
  }
  at[keys[keys.length - 1]] = file;
}

/** A multipart request (the GraphQL multipart request spec) as GraphQL parameters, with its files in place. */
async function parseMultipart(request: Request, limits: BodyLimits): Promise<Record<string, unknown>> {
  let form: FormData;
  try {
    form = await (request.formData as unknown as FormDataWithLimits).call(request, {
      formDataLimits: { fieldSize: limits.bodyBytes, fileSize: limits.uploadBytes, fields: 2, files: MAX_UPLOAD_FILES, parts: 2 + MAX_UPLOAD_FILES },
    });
  } catch (error) {
    throw multipartError(error, limits);
  }
  const operations = form.get('operations');
  if (typeof operations !== 'string') throw badRequest('A multipart request needs the field "operations": the request as JSON');
  const operation = parseParameters(operations, 'The "operations" field');
  const mapText = form.get('map');
  if (mapText === null) return operation;
  if (typeof mapText !== 'string') throw badRequest('The "map" field must be JSON');
  const map = parseJson(mapText, 'The "map" field');
  if (!isPlainObject(map)) throw badRequest('The "map" field must be a JSON object of file fields to lists of paths');
  for (const [name, paths] of Object.entries(map)) {
    const file = form.get(name);
    if (file === null || typeof file === 'string') throw badRequest(`The "map" field names the file ${preview(name)}, which the request does not hold`);
    if (!Array.isArray(paths) || paths.some((path) => typeof path !== 'string')) throw badRequest(`The "map" field's entry for ${preview(name)} must be a list of paths`);
    for (const path of paths as string[]) placeFile(operation, path, file);
  }
  return operation;
}

const isForm = (request: Request) => /^application\/x-www-form-urlencoded\b/i.test(request.headers.get('content-type') ?? '');
const isJson = (request: Request) => /^application\/(json|graphql\+json)\b/i.test(request.headers.get('content-type') ?? '');
const isMultipart = (request: Request) => /^multipart\/form-data/i.test(request.headers.get('content-type') ?? '');

/** Body limits and parsers for requests to `endpoint` (other routes stream their bodies and have limits of their own). */
export function useRequestParser(endpoint: string, limits: BodyLimits): Plugin {
  return {
    async onRequest({ request, url, setRequest, endResponse, fetchAPI }) {
      if (request.method !== 'POST' || url.pathname !== endpoint || !request.body) return;
      const [limit, variable] = isMultipart(request) ? [limits.uploadBytes, 'MAX_UPLOAD_BYTES'] : [limits.bodyBytes, 'MAX_BODY_BYTES'];
      const declared = request.headers.get('content-length');
      if (declared !== null) {
        if (Number(declared) > limit) endResponse(tooLarge(fetchAPI.Response, limit, variable));
        return;
      }
      let body: Uint8Array<ArrayBuffer> | null;
      try {
        body = await readAtMost(request.body, limit);
      } catch (error) {
        if (!isAborted(error)) throw error;
        throw clientGone();
      }
      if (!body) return endResponse(tooLarge(fetchAPI.Response, limit, variable));
      setRequest(new fetchAPI.Request(request.url, { method: request.method, headers: request.headers, body }));
    },
    onRequestParse({ request, url, setRequestParser }) {
      if (request.method === 'GET') setRequestParser(() => searchParameters(url.searchParams));
      else if (request.method === 'POST' && isJson(request)) setRequestParser(parseJsonBody);
      else if (request.method === 'POST' && isForm(request)) setRequestParser(async () => searchParameters(new URLSearchParams(await bodyText(request))));
      else if (request.method === 'POST' && isMultipart(request)) setRequestParser(() => parseMultipart(request, limits));
    },
  };
}
