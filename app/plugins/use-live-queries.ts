/**
 * Live queries, an Envelop plugin: `query @live { ... }` (the
 * @n1ru4l/graphql-live-query convention; the directive is in the schema)
 * answers at once, then again each time an item or a list it read changes:
 * a change the change feed finds in Upsales, or a write through the
 * gateway, as the caller's own watch of the feed tells it (`ctx.changes`:
 * only items the caller may see, never another account's or user's).
 *
 * Why not @n1ru4l/in-memory-live-query-store: it runs the query again with
 * the first run's context (its issue #981), so our per-request loaders
 * would answer from the first run and its closed call ceiling would refuse
 * every call; its invalidation keys (`Client:<id>`, `Query.clients`) are
 * one namespace for every caller of the process, so a change one user may
 * see would run another user's queries (and with NODE_ENV=development it
 * sends those keys to clients); and it copies the schema (mapSchema: 200
 * to 500 ms for ours). Here each live query has its own watch, scoped to
 * its caller by construction, and each run its own state (`ctx.nextRun()`).
 *
 * - Which kinds it watches: those whose types the document selects (an
 *   item, its connection or edge), at most MAX_WATCHED_KINDS (each kind
 *   watched costs the account's feed a poll); a live query
 *   that reads no items, or too many kinds, is refused before any call.
 * - When it runs again: a change of an item its last run was handed, or of
 *   a kind it read a list (or a count) of (src/request/read-trail.ts).
 *   One run at a time; changes heard during a run make one more run. A
 *   result the client has not read yet is replaced by a newer one: a slow
 *   reader holds one result at most.
 * - Each run is a request of its own: the estimate against MAX_QUERY_CALLS
 *   (refused: that payload is the refusal, and the query stays live), its
 *   own call ceiling, loaders and `extensions.upsales`; reads kept in the
 *   gateway's read cache serve it, so a run costs calls only for what the
 *   change dropped.
 * - `@live(throttle: ms)` (the convention's argument): runs again at most
 *   once that many ms after its last result (results are at least that
 *   far apart), changes heard meanwhile making one run at its end; 0 to {@link MAX_LIVE_THROTTLE_MS},
 *   another value refused before any call. Without it, runs follow the
 *   feed's polls.
 * - It is a stream (use-stream-caps.ts): MAX_STREAMS_PER_USER, MAX_STREAMS
 *   and STREAM_IDLE_TIMEOUT_MS apply; the client leaving ends its watch.
 *   Over HTTP it needs `Accept: text/event-stream` or `multipart/mixed`
 *   (406 NOT_ACCEPTABLE otherwise, before any call: yoga would run it and
 *   then answer 406 with nothing).
 */
import { getNamedType, getOperationAST, TypeInfo, visit, visitWithTypeInfo, type DocumentNode, type ExecutionArgs, type ExecutionResult, type GraphQLError, type GraphQLSchema } from 'graphql';
import { getLiveDirectiveArgumentValues, getLiveDirectiveNode, NoLiveMixedWithDeferStreamRule } from '@n1ru4l/graphql-live-query';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { GatewayContext } from '../../schema/context.js';
import { MAX_WATCHED_KINDS } from '../../src/changes/index.js';
import { ITEM_KINDS, KINDS, type ItemKind } from '../../src/contract/kinds.js';
import { BadUserInputError, GatewayError, toGraphQLError } from '../../src/request/errors.js';
import type { ItemChange, ReadTrail } from '../../src/request/read-trail.js';
import type { RequestState } from '../../src/request/request-state.js';
import { admitRun, runFigures, tellsItsRuns, type AccountingLimits, type OperationObserver } from './use-upstream-accounting.js';

/** The longest `@live(throttle:)` taken, in ms. */
export const MAX_LIVE_THROTTLE_MS = 60_000;

/** `@live` of the operation `operationName` of `document`: whether it is live (its `if` not false), and its `throttle`. */
function liveArguments(document: DocumentNode, operationName?: string | null, variables?: unknown) {
  const operation = getOperationAST(document, operationName);
  const directive = operation && getLiveDirectiveNode(operation);
  return directive ? getLiveDirectiveArgumentValues(directive, (variables ?? {}) as Record<string, unknown>) : undefined;
}

/** Whether the operation `operationName` of `document` is a live query (`@live`, its `if` not false). */
export function isLiveQuery(document: DocumentNode, operationName?: string | null, variables?: unknown): boolean {
  return liveArguments(document, operationName, variables)?.isLive === true;
}

/** A GraphQL type name -> the item kind it shows: the item's type, its connection and its edge. */
const KIND_OF_TYPE = new Map<string, ItemKind>(ITEM_KINDS.flatMap((kind) => {
  const { typeName } = KINDS[kind];
  return [typeName, `${typeName}Connection`, `${typeName}Edge`].map((name) => [name, kind] as const);
}));

/** The item kinds whose types `document` selects (fields, fragments' type conditions), in the kinds table's order. */
export function kindsSelected(schema: GraphQLSchema, document: DocumentNode): ItemKind[] {
  const found = new Set<ItemKind>();
  const typeInfo = new TypeInfo(schema);
  const note = () => {
    const type = typeInfo.getType();
    const kind = type && KIND_OF_TYPE.get(getNamedType(type).name);
    if (kind) found.add(kind);
  };
  visit(document, visitWithTypeInfo(typeInfo, { Field: note, InlineFragment: note, FragmentDefinition: note }));
  return ITEM_KINDS.filter((kind) => found.has(kind));
}

type Execute = (args: ExecutionArgs) => unknown;

/**
 * The answers of one live query: its first run's, then one per run a
 * touching change caused, until the client leaves (`return`), the watch
 * ends, or it fails.
 */
function liveAnswers(
  changes: AsyncIterable<readonly ItemChange[]>, abort: AbortController,
  run: (first: boolean) => { trail: ReadTrail; answer: Promise<ExecutionResult> }, throttleMs: number,
): AsyncIterableIterator<ExecutionResult> {
  const ready: ExecutionResult[] = [];
  let wake: (() => void) | undefined;
  let ended = false;
  let running = false;
  let dirty = false;
  let trail: ReadTrail | undefined;
  // A result not read yet is replaced by a newer one: a client that reads slowly gets the latest, and holds one at most.
  const deliver = (answer: ExecutionResult) => {
    ready.splice(0, ready.length, answer);
    wake?.();
  };
  const end = () => {
    if (ended) return;
    ended = true;
    abort.abort();
    wake?.();
  };
  let deliveredAt = 0;
  /** Until `throttleMs` after the last result, or the end. */
  const throttled = () => new Promise<void>((resolve) => {
    const wait = deliveredAt + throttleMs - Date.now();
    if (wait <= 0) return resolve();
    const stop = () => {
      clearTimeout(timer);
      abort.signal.removeEventListener('abort', stop);
      resolve();
    };
    const timer = setTimeout(stop, wait);
    abort.signal.addEventListener('abort', stop);
  });
  const runs = async (first: boolean) => {
    running = true;
    try {
      do {
        if (!first) await throttled();
        if (ended) return;
        dirty = false;
        const started = run(first);
        first = false;
        trail = started.trail;
        const answer = await started.answer;
        if (ended) return;
        deliver(answer);
        deliveredAt = Date.now();
      } while (dirty && !ended);
    } catch (error) {
      deliver({ errors: [toGraphQLError(error) as GraphQLError] });
      end();
    } finally {
      running = false;
    }
  };
  void (async () => {
    try {
      for await (const batch of changes) {
        if (ended) break;
        // The trail of the run in progress too: what it read already may be older than this change.
        if (!trail || !batch.some((change) => trail!.touches(change))) continue;
        dirty = true;
        if (!running) void runs(false);
      }
    } catch (error) {
      if (!ended) deliver({ errors: [toGraphQLError(error) as GraphQLError] });
    }
    end();
  })();
  void runs(true);
  return {
    [Symbol.asyncIterator]() {
      return this;
    },
    async next() {
      while (!ready.length && !ended) await new Promise<void>((resolve) => { wake = resolve; });
      const value = ready.shift();
      return value ? { done: false, value } : { done: true, value: undefined };
    },
    async return() {
      end();
      return { done: true, value: undefined };
    },
  };
}

export function useLiveQueries(schema: GraphQLSchema, limits: AccountingLimits, observe?: OperationObserver): Plugin {
  return {
    onValidate({ addValidationRule }) {
      addValidationRule(NoLiveMixedWithDeferStreamRule);
    },
    onExecute({ args, executeFn, setExecuteFn, setResultAndStopExecution }) {
      const live = liveArguments(args.document, args.operationName, args.variableValues);
      if (!live?.isLive) return;
      const ctx = args.contextValue as unknown as GatewayContext;
      const refuse = (error: GraphQLError) => setResultAndStopExecution({ errors: [error] });
      const throttleMs = live.throttleValue ?? 0;
      if (!Number.isInteger(throttleMs) || throttleMs < 0 || throttleMs > MAX_LIVE_THROTTLE_MS) {
        return refuse(new BadUserInputError(
          `@live(throttle: ${String(throttleMs)}): the throttle is the least time between two results, 0 to ${MAX_LIVE_THROTTLE_MS} ms`,
          { throttle: throttleMs, maxThrottle: MAX_LIVE_THROTTLE_MS },
        ));
      }
      const kinds = kindsSelected(schema, args.document);
      if (!kinds.length) {
        return refuse(new BadUserInputError('This live query reads no Upsales items (clients, contacts, orders, ...): nothing would make it change; drop @live'));
      }
      if (kinds.length > MAX_WATCHED_KINDS) {
        return refuse(new BadUserInputError(
          `This live query reads ${kinds.length} kinds of items (${kinds.join(', ')}); a live query may watch at most ${MAX_WATCHED_KINDS}: split it`,
          { kinds: kinds.length, maxKinds: MAX_WATCHED_KINDS },
        ));
      }
      // Over HTTP, only a stream can carry its results: refused before any call when the request cannot take one.
      const accept = (ctx as { request?: Request }).request?.headers.get('accept');
      if (accept !== undefined && !/text\/event-stream|multipart\/mixed/i.test(accept ?? '')) {
        return refuse(new GatewayError('NOT_ACCEPTABLE', 'A live query answers as a stream: send Accept: text/event-stream (SSE) or multipart/mixed, or use a WebSocket', {
          http: { status: 406 },
        }));
      }
      const { changes } = ctx;
      if (!changes) return refuse(new GatewayError('UNAVAILABLE', 'Live queries need the change feed, which this gateway does not run'));
      const firstRun = tellsItsRuns(ctx as unknown as RequestState);
      const execute = executeFn as Execute;
      setExecuteFn(((executeArgs: ExecutionArgs) => {
        const abort = new AbortController();
        const once = async (runCtx: GatewayContext, first: boolean): Promise<ExecutionResult> => {
          let estimate: number | undefined;
          try {
            // The first run was admitted as any query is (use-upstream-accounting.ts), and its figures are added there.
            if (!first) {
              const admitted = await admitRun(schema, limits, runCtx, executeArgs);
              if ('refused' in admitted) return admitted.refused;
              estimate = admitted.estimate;
            }
            const result = await execute({ ...executeArgs, contextValue: runCtx });
            if (isAsyncIterable(result)) throw new Error('A live query run answered with a stream');
            const answer = result as ExecutionResult;
            // Each run is told as it finishes (metrics), the first with the estimate it was admitted with.
            observe?.('query', (first ? firstRun.estimate() : estimate) ?? 0, runCtx.stats.calls);
            return first ? answer : { ...answer, extensions: { ...answer.extensions, ...runFigures(runCtx, estimate) } };
          } finally {
            runCtx.endCalls();
          }
        };
        return liveAnswers(changes.watch(kinds, abort.signal), abort, (first) => {
          const runCtx: GatewayContext = first ? ctx : { ...ctx, ...ctx.nextRun() };
          return { trail: runCtx.readTrail, answer: once(runCtx, first) };
        }, throttleMs);
      }) as typeof executeFn);
    },
  };
}
