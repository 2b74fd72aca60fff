/**
 * How the import HTTP routes answer: JSON, `{ error: { code, message,
 * parameter? } }` for every refusal, never the request's body; messages are
 * cut as GraphQL's are (src/request/input-text.ts).
 */
import { shortMessage } from '../../src/request/input-text.js';
import { CHALLENGE, type Refusal } from './route-auth.js';

export const json = (R: typeof Response, status: number, body: unknown, headers: Record<string, string> = {}) =>
  new R(`${JSON.stringify(body)}\n`, { status, headers: { 'content-type': 'application/json; charset=utf-8', ...headers } });

export const errorAnswer = (R: typeof Response, status: number, code: string, message: string, parameter?: string, headers?: Record<string, string>) =>
  json(R, status, { error: { code, message: shortMessage(message), ...(parameter ? { parameter } : {}) } }, headers);

/** A caller refused by the password check: 401 with a challenge, 403, or 502. */
export const refusalAnswer = (R: typeof Response, refusal: Refusal) =>
  errorAnswer(R, refusal.status, { 401: 'UNAUTHENTICATED', 403: 'FORBIDDEN', 502: 'UPSTREAM_ERROR' }[refusal.status], refusal.message, undefined,
    refusal.status === 401 ? CHALLENGE : {});
