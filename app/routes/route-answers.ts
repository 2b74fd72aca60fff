/**
 * How the import HTTP routes answer: JSON, `{ error: { code, message,
 * parameter? } }` for every refusal, never the request's body; messages are
 * cut as GraphQL's are (src/request/input-text.ts).
 */
import { shortMessage } from '../../src/request/input-text.js';
import type { CallerRefusal } from '../../src/request/credentials.js';
import { AUTHENTICATE_CHALLENGE } from '../../src/request/errors.js';
import type { UploadRefusal } from '../../src/request/upload-slots.js';

export const json = (R: typeof Response, status: number, body: unknown, headers: Record<string, string> = {}) =>
  new R(`${JSON.stringify(body)}\n`, { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });

export const errorAnswer = (R: typeof Response, status: number, code: string, message: string, parameter?: string, headers?: Record<string, string>) =>
  json(R, status, { error: { code, message: shortMessage(message), ...(parameter ? { parameter } : {}) } }, headers);

/** A caller refused by the password check: 401 with a challenge, 403, 429 with Retry-After (failed logins), or 502. */
export const refusalAnswer = (R: typeof Response, refusal: CallerRefusal, headers: Record<string, string> = {}) =>
  errorAnswer(R, refusal.status, refusal.code, refusal.message, undefined, {
    ...(refusal.status === 401 ? { 'www-authenticate': AUTHENTICATE_CHALLENGE }
      : refusal.retryAfterMs ? { 'retry-after': String(Math.ceil(refusal.retryAfterMs / 1000)) } : {}),
    ...headers,
  });

/**
 * An upload refused before its body is read closes the connection: the
 * client stops sending, and nothing of the body is held meanwhile.
 */
export const BEFORE_THE_BODY = { connection: 'close' };

/** An upload refused for the uploads already in flight: 429 (the user's) or 503 (the gateway's), with Retry-After. */
export const uploadRefusalAnswer = (R: typeof Response, refusal: UploadRefusal) =>
  errorAnswer(R, refusal.status, refusal.code, refusal.message, undefined,
    { 'retry-after': String(refusal.retryAfterSeconds), ...BEFORE_THE_BODY });
