/**
 * What a GraphQL request body may be. A body over its limit is refused with
 * 413 before it is read (declared length) or as soon as it passes the limit
 * (chunked); a JSON body is parsed here, so that an invalid one is a 400
 * that names what is wrong and echoes nothing of the body, and one nested
 * deeper than {@link MAX_BODY_DEPTH} never reaches a recursive walk.
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

async function parseJsonBody(request: Request): Promise<Record<string, unknown>> {
  let body: unknown;
  try {
    body = JSON.parse(await request.text());
  } catch {
    throw badRequest('The request body is not valid JSON');
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    throw badRequest('The request body must be a JSON object with "query" (and "variables", "operationName", "extensions")');
  }
  if (nestsDeeper(body, MAX_BODY_DEPTH)) throw badRequest(`The request body nests deeper than ${MAX_BODY_DEPTH} levels`);
  return body as Record<string, unknown>;
}

const isJson = (request: Request) => /^application\/(json|graphql\+json)\b/i.test(request.headers.get('content-type') ?? '');
const isMultipart = (request: Request) => /^multipart\/form-data/i.test(request.headers.get('content-type') ?? '');

/** Body limits for POSTs to `endpoint` (other routes stream their bodies and have limits of their own). */
export function useBodyLimit(endpoint: string, limits: BodyLimits): Plugin {
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
    onRequestParse({ request, setRequestParser }) {
      if (request.method === 'POST' && isJson(request)) setRequestParser(parseJsonBody);
    },
  };
}
