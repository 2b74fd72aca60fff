/**
 * The estimate's gate, an Envelop plugin: before an operation runs, its
 * estimate (bounded by the account's counts) against MAX_QUERY_CALLS, which
 * refuses it before any call of its own; after, what the request cost in
 * `extensions.upsales` (of every payload of an incremental answer). Once a
 * query is answered, it sends no more calls. A mutation reads what Upsales
 * holds now (current order rows, recovery lookups), never kept answers.
 */
import { getOperationAST, getVariableValues, type DocumentNode, type ExecutionResult, type GraphQLError, type GraphQLSchema } from 'graphql';
import { isAsyncIterable, type Plugin } from 'graphql-yoga';
import type { RequestState } from '../../src/request/request-state.js';
import { BadUserInputError, toGraphQLError } from '../../src/request/errors.js';
import { estimateForAccount } from '../../cost/account-estimate.js';

/** Where finished operations are told (metrics): their type, estimate and calls sent. */
export type OperationObserver = (type: string, estimatedCalls: number, soapCalls: number) => void;

/** Requests whose runs another plugin tells the observer one by one (a live query's), with the estimate admitted here for the first. */
const runsToldElsewhere = new WeakMap<object, { estimate?: number }>();

/** The runs of this request are told by the caller (use-live-queries.ts), not here; `estimate()`: what the first run was admitted with. */
export function tellsItsRuns(ctx: RequestState): { estimate(): number | undefined } {
  const admitted: { estimate?: number } = {};
  runsToldElsewhere.set(ctx, admitted);
  return { estimate: () => admitted.estimate };
}

/**
 * The variables as the operation will see them: defaults filled in (a
 * `$first: Int = 1000` left out must be costed at 1000, not at the page's
 * default). Variables that do not fit were refused before (the input guard).
 */
function coercedVariables(schema: GraphQLSchema, document: DocumentNode, operationName: string | null | undefined, raw: unknown): Record<string, unknown> {
  const given = (raw ?? {}) as Record<string, unknown>;
  const definitions = getOperationAST(document, operationName)?.variableDefinitions ?? [];
  const coerced = getVariableValues(schema, definitions, given, { maxErrors: 1 });
  return coerced.coerced ?? given;
}

export interface AccountingLimits {
  /** MAX_QUERY_CALLS */
  maxQueryCalls: number;
  /** UPSALES_BATCH_SIZE */
  batchSize: number;
  /**
   * MAX_CALLS_OVER_ESTIMATE: what a request acting as the configured
   * account (sending no credentials, as every such request does) may send
   * beyond its estimate. The estimate is no worst case where the totals of
   * dense relations are read; on an account many anonymous requests share,
   * one such query must not spend the window the others wait on.
   */
  maxCallsOverEstimate: number;
}

/** What a run of an operation cost, as `extensions.upsales` shows it. */
export const runFigures = (ctx: RequestState, estimate: number | undefined) => ({
  upsales: { soapCalls: ctx.stats.calls, cachedCalls: ctx.stats.cached ?? 0, queuedMs: Math.round(ctx.stats.queuedMs), estimatedCalls: estimate },
});

/** The operation as a run sees it: the document, its name and its raw variables. */
export interface RunOperation {
  document: DocumentNode;
  operationName?: string | null;
  variableValues?: unknown;
}

/**
 * Whether a run of `operation` in `ctx` may start: its estimate (bounded by
 * the account's counts) within MAX_QUERY_CALLS, and for a request acting as
 * the configured account its ceiling lowered to the estimate and
 * MAX_CALLS_OVER_ESTIMATE; else the answer that refuses it, before any call
 * of its own. Every run: a query's, and each run of a live query.
 */
export async function admitRun(
  schema: GraphQLSchema, { maxQueryCalls, batchSize, maxCallsOverEstimate }: AccountingLimits, ctx: RequestState, operation: RunOperation,
): Promise<{ estimate: number } | { refused: ExecutionResult }> {
  let estimate: number;
  try {
    estimate = await estimateForAccount(schema, operation.document, coercedVariables(schema, operation.document, operation.operationName, operation.variableValues), operation.operationName, {
      maxCalls: maxQueryCalls, batchSize, countItems: ctx.countItems,
    });
  } catch (error) {
    return { refused: { errors: [toGraphQLError(error) as GraphQLError], extensions: runFigures(ctx, undefined) } };
  }
  if (estimate > maxQueryCalls) {
    return {
      refused: {
        errors: [new BadUserInputError(
          `This query may need ${estimate} SOAP calls, more than MAX_QUERY_CALLS (${maxQueryCalls}); ask for fewer items (first) or split it`,
          { estimatedCalls: estimate, maxQueryCalls },
        )],
        extensions: runFigures(ctx, estimate),
      },
    };
  }
  if (ctx.caller.anonymous) ctx.capCalls(estimate + maxCallsOverEstimate);
  return { estimate };
}

export function useUpstreamAccounting(schema: GraphQLSchema, limits: AccountingLimits, observe?: OperationObserver): Plugin<RequestState> {
  return {
    async onExecute({ args, setResultAndStopExecution }) {
      const ctx = args.contextValue as RequestState;
      const type = getOperationAST(args.document, args.operationName)?.operation ?? 'unknown';
      if (type === 'mutation') ctx.reads.fresh = true;
      const admitted = await admitRun(schema, limits, ctx, args);
      if ('refused' in admitted) {
        setResultAndStopExecution(admitted.refused);
        return;
      }
      const { estimate } = admitted;
      const elsewhere = runsToldElsewhere.get(ctx);
      if (elsewhere) elsewhere.estimate = estimate;
      const done = () => {
        // A query's fields still loading once it is answered are read for nobody. A mutation's writes are left to finish.
        if (type === 'query') ctx.endCalls();
        if (!elsewhere) observe?.(type, estimate, ctx.stats.calls);
      };
      return {
        onExecuteDone({ result, setResult }) {
          // An incremental (@defer/@stream) answer: every payload carries the figures so far, the last one the totals.
          // A live query's runs each carry their own (use-live-queries.ts): those are kept.
          if (isAsyncIterable(result)) {
            return {
              onNext: ({ result: part, setResult: setPart }) => setPart({ ...part, extensions: { ...runFigures(ctx, estimate), ...part.extensions } }),
              onEnd: done,
            };
          }
          setResult({ ...result, extensions: { ...result.extensions, ...runFigures(ctx, estimate) } });
          done();
        },
      };
    },
  };
}
