/**
 * Credentials before bytes for GraphQL uploads (multipart requests, which
 * graphql-yoga reads whole into memory): before a byte of the body is
 * read, the caller must be one Upsales accepts (one check, or none when
 * known lately; the configured account applies without credentials), and
 * within the uploads in flight allowed per user and in all
 * (src/request/upload-slots.ts), and one Upsales lets write some kind
 * (who may import: src/request/write-rights.ts; startImport checks the
 * kind it is given before anything is staged). Refusals are answered at once, in
 * GraphQL's shape: 401, 403, 429 or 503, with Retry-After where waiting
 * helps. POST /imports applies the same rules in its route, after its
 * parameters are checked.
 */
import type { Plugin } from 'graphql-yoga';
import { acceptedCaller, importRefusal, isCallerRefusal } from '../../src/request/credentials.js';
import { AUTHENTICATE_CHALLENGE } from '../../src/request/errors.js';
import { isUploadRefusal, type UploadRelease, type UploadSlots } from '../../src/request/upload-slots.js';
import { noteRefusal } from './use-request-log.js';

const isMultipart = (request: Request) => /^multipart\/form-data/i.test(request.headers.get('content-type') ?? '');

const RELEASE = Symbol('upload slot');
type Holder = { [RELEASE]?: UploadRelease; res?: { once(event: 'close', listener: () => void): unknown } };

/** `maxBytes`: MAX_UPLOAD_BYTES; a body declared larger is the body limits' to refuse, before anything else. */
export function useUploadGate(endpoint: string, slots: UploadSlots, maxBytes: number): Plugin {
  return {
    async onRequest({ request, url, serverContext, fetchAPI, endResponse }) {
      if (request.method !== 'POST' || url.pathname !== endpoint || !isMultipart(request)) return;
      if (Number(request.headers.get('content-length') ?? 0) > maxBytes) return;
      const answer = (status: number, code: string, message: string, headers: Record<string, string> = {}) => {
        noteRefusal(serverContext, code);
        endResponse(new fetchAPI.Response(`${JSON.stringify({ errors: [{ message, extensions: { code } }] })}\n`, {
          status, headers: { 'content-type': 'application/json; charset=utf-8', connection: 'close', ...headers },
        }));
      };
      const caller = await acceptedCaller(serverContext);
      if (isCallerRefusal(caller)) {
        const headers: Record<string, string> = caller.status === 401 ? { 'www-authenticate': AUTHENTICATE_CHALLENGE }
          : caller.retryAfterMs ? { 'retry-after': String(Math.ceil(caller.retryAfterMs / 1000)) } : {};
        return answer(caller.status, caller.code, caller.message, headers);
      }
      const slot = slots.take(caller.username);
      if (isUploadRefusal(slot)) {
        return answer(slot.status, slot.code, slot.message, { 'retry-after': String(slot.retryAfterSeconds) });
      }
      // Which kind is in the body, unread; a user who may write no kind may import none (startImport checks the kind itself).
      const forbidden = await importRefusal(caller).catch((error: unknown) => {
        slot();
        throw error;
      });
      if (forbidden) {
        slot();
        return answer(forbidden.status, forbidden.code, forbidden.message,
          forbidden.retryAfterMs ? { 'retry-after': String(Math.ceil(forbidden.retryAfterMs / 1000)) } : {});
      }
      const holder = serverContext as Holder;
      holder[RELEASE] = slot;
      // The connection's end gives it back too: a client that leaves mid-body never reaches a response.
      holder.res?.once('close', slot);
    },
    onResponse({ serverContext }) {
      (serverContext as Holder)[RELEASE]?.();
    },
  };
}
