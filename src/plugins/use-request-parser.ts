/**
 * How a GraphQL request is read, and what it may be. A body over its limit
 * is refused with 413 before it is read (declared length) or as soon as it
 * passes the limit (chunked). JSON bodies, and the JSON `variables` and
 * `extensions` of a GET or form request, are parsed here, so that invalid
 * JSON is a 400 that names what is wrong and echoes nothing (yoga's own
 * parsers echo a JSON body's error, and a GET's bad `variables` is a 500),
 * and JSON nested deeper than {@link MAX_BODY_DEPTH} never reaches a
 * recursive walk.
 */
import { createGraphQLError, type Plugin } from 'graphql-yoga';
import type { RequestLimits } from '../config.js';
import { MAX_JSON_DEPTH } from '../input-text.js';

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

async function parseJsonBody(request: Request): Promise<Record<string, unknown>> {
  const body = parseJson(await request.text(), 'The request body');
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('The request body must be a JSON object with "query" (and "variables", "operationName", "extensions")');
  }
  return body as Record<string, unknown>;
}

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
      const body = await readAtMost(request.body, limit);
      if (!body) return endResponse(tooLarge(fetchAPI.Response, limit, variable));
      setRequest(new fetchAPI.Request(request.url, { method: request.method, headers: request.headers, body }));
    },
    onRequestParse({ request, url, setRequestParser }) {
      if (request.method === 'GET') setRequestParser(() => searchParameters(url.searchParams));
      else if (request.method === 'POST' && isJson(request)) setRequestParser(parseJsonBody);
      else if (request.method === 'POST' && isForm(request)) setRequestParser(async () => searchParameters(new URLSearchParams(await request.text())));
    },
  };
}
