/**
 * Bounded streams, on every transport at once: a subscription (over SSE,
 * multipart or a WebSocket), a live query (`@live`) and a query or
 * mutation with @defer or @stream (an incremental answer) each take a stream slot of its caller before it
 * starts (src/request/stream-slots.ts: MAX_STREAMS_PER_USER, MAX_STREAMS);
 * past a bound it is refused with TOO_MANY_STREAMS (429) or UNAVAILABLE
 * (503) and Retry-After, before its resolvers run. The slot is given back
 * when the stream ends, however it ends: its last payload, the client
 * leaving (the iterator's `return`), an error, or no stream at all (the
 * operation failed first). A stream that sends nothing for
 * STREAM_IDLE_TIMEOUT_MS gets a last payload with the code STREAM_IDLE and
 * is closed. When Upsales refuses its user's credentials (revoked: here,
 * or told by another replica), every stream of that user gets a last
 * payload with the code UNAUTHENTICATED and is closed at once, whatever
 * transport carries it. This is an Envelop plugin: it runs wherever the gateway's
 * `execute` and `subscribe` run, HTTP and WebSocket alike.
 */
import { BREAK, visit, type DocumentNode, type ExecutionResult, type GraphQLError } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import { StreamIdleError, StreamRefusedError, UnauthenticatedError } from '../../src/request/errors.js';
import type { RequestState } from '../../src/request/request-state.js';
import { isSlotRefusal, type SlotRelease } from '../../src/request/held-slots.js';
import type { StreamSlots } from '../../src/request/stream-slots.js';
import { usernameTag, type VerifiedAccounts } from '../../src/request/verified-accounts.js';
import { isLiveQuery } from './use-live-queries.js';

/** Whether a document asks for an incremental answer (@defer or @stream anywhere in it). */
export function isIncremental(document: DocumentNode): boolean {
  let found = false;
  visit(document, {
    Directive(node) {
      if (node.name.value !== 'defer' && node.name.value !== 'stream') return undefined;
      found = true;
      return BREAK;
    },
  });
  return found;
}

type Payload = ExecutionResult & { hasNext?: boolean };

/** The last payload of a stream whose user Upsales has refused since it opened. */
const revokedError = () => new UnauthenticatedError('Upsales refused the credentials of this stream\'s user since it opened: it is closed; send the user\'s current password to open it again');

/**
 * `source`, ended with one payload of STREAM_IDLE errors when it yields
 * nothing for `idleMs`, or of UNAUTHENTICATED errors once `revoked` is
 * aborted; `release` is called once when it ends, whatever ends it. The
 * timer runs only while a payload is awaited: a client that reads slowly
 * holds its own stream, not the gateway's timer.
 */
export function closingWhenIdle(
  source: AsyncIterable<Payload>, idleMs: number, incremental: boolean, release: SlotRelease, revoked?: AbortSignal,
): AsyncIterableIterator<Payload> {
  const iterator = source[Symbol.asyncIterator]();
  let ended = false;
  const end = () => {
    if (ended) return false;
    ended = true;
    release();
    return true;
  };
  const stop = () => {
    void Promise.resolve(iterator.return?.()).catch(() => undefined);
  };
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      if (ended) return { done: true, value: undefined };
      const last = (error: GraphQLError): IteratorResult<Payload> => {
        if (!end()) return { done: true, value: undefined };
        stop();
        return { done: false, value: { errors: [error], ...(incremental ? { hasNext: false } : {}) } };
      };
      if (revoked?.aborted) return last(revokedError());
      let timer: NodeJS.Timeout | undefined;
      let onRevoked: (() => void) | undefined;
      const idle = new Promise<'idle' | 'revoked'>((resolve) => {
        timer = setTimeout(() => resolve('idle'), idleMs);
        onRevoked = () => resolve('revoked');
        revoked?.addEventListener('abort', onRevoked);
      });
      try {
        const step = await Promise.race([iterator.next(), idle]);
        if (step === 'idle') return last(new StreamIdleError(idleMs));
        if (step === 'revoked') return last(revokedError());
        if (step.done) end();
        return step;
      } catch (error) {
        end();
        throw error;
      } finally {
        clearTimeout(timer);
        if (onRevoked) revoked?.removeEventListener('abort', onRevoked);
      }
    },
    async return(value?: unknown) {
      if (end()) stop();
      return { done: true, value: value as Payload };
    },
    async throw(error?: unknown) {
      if (end()) stop();
      throw error;
    },
  };
}

export function useStreamCaps(slots: StreamSlots, idleMs: number, accounts?: Pick<VerifiedAccounts, 'onForgotten'>): Plugin {
  /** The open streams of each username (by its tag): ended when the username is revoked. */
  const open = new Map<string, Set<AbortController>>();
  accounts?.onForgotten((tag) => {
    for (const stream of open.get(tag) ?? []) stream.abort();
  });
  /** Takes a slot for the operation of `contextValue`; the refusal, if none is left. */
  const claim = (contextValue: unknown): SlotRelease | ExecutionResult => {
    const slot = slots.take((contextValue as RequestState).caller.username);
    return isSlotRefusal(slot) ? { errors: [new StreamRefusedError(slot)] } : slot;
  };
  /** What the operation answered: a stream holds the slot until it ends; anything else gives it back now. */
  const settle = (release: SlotRelease, incremental: boolean, contextValue: unknown) => ({ result, setResult }: { result: unknown; setResult(result: never): void }) => {
    if (!isAsyncIterable(result)) return release();
    const tag = usernameTag((contextValue as RequestState).caller);
    const revoked = new AbortController();
    const streams = open.get(tag) ?? new Set();
    open.set(tag, streams.add(revoked));
    const ended = () => {
      streams.delete(revoked);
      if (!streams.size && open.get(tag) === streams) open.delete(tag);
      release();
    };
    setResult(closingWhenIdle(result as AsyncIterable<Payload>, idleMs, incremental, ended, revoked.signal) as never);
  };
  return {
    onSubscribe({ args, setResultAndStopExecution }) {
      const slot = claim(args.contextValue);
      if (typeof slot !== 'function') return setResultAndStopExecution(slot);
      return { onSubscribeResult: settle(slot, false, args.contextValue), onSubscribeError: () => slot() };
    },
    onExecute({ args, setResultAndStopExecution }) {
      const incremental = isIncremental(args.document);
      if (!incremental && !isLiveQuery(args.document, args.operationName, args.variableValues)) return;
      const slot = claim(args.contextValue);
      if (typeof slot !== 'function') return setResultAndStopExecution(slot);
      return { onExecuteDone: settle(slot, incremental, args.contextValue) };
    },
  };
}
