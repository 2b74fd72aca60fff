/**
 * The estimate of one request, bounded by what the account has. The plain
 * estimate comes first; the account's counts (one cheap call per kind, kept
 * per account for 10 minutes and dropped by writes) are fetched only when
 * they can change the answer: when the plain estimate is over the limit, or
 * over one call per level and kind (what it would be if every kind had one
 * item). A query that asks for no more than a page of each kind at each
 * level costs no count call, and is estimated at that one call per level
 * and kind; a wider one is capped by the counts. (Skipping the counts up to
 * twice one call per level was not tight enough: a query makes fewer calls
 * than that when a level is empty or already read, and 500 opportunities
 * with their references were estimated at 16 for 7.) A query over the limit
 * even if every kind it reaches were empty is refused without any call.
 */
import type { DocumentNode, GraphQLSchema } from 'graphql';
import type { ItemKind } from '../src/contract/kinds.js';
import { estimate } from './estimate.js';

export interface AccountEstimateOptions {
  /** MAX_QUERY_CALLS. */
  maxCalls: number;
  /** UPSALES_BATCH_SIZE. */
  batchSize: number;
  /** How many items of a kind the caller may see (RequestState.countItems). */
  countItems(kind: ItemKind): Promise<number>;
}

/** The calls the operation may need, capped by the account's counts when they matter. */
export async function estimateForAccount(
  schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown>, operationName: string | null | undefined,
  { maxCalls, batchSize, countItems }: AccountEstimateOptions,
): Promise<number> {
  const plain = estimate(schema, document, variables, operationName, { batchSize });
  if (plain.kinds.length === 0) return plain.calls;
  const atLeast = (count: number) => estimate(schema, document, variables, operationName, { batchSize, counts: () => count }).calls;
  if (atLeast(0) > maxCalls) return plain.calls;
  if (plain.calls <= maxCalls && plain.calls <= atLeast(1)) return plain.calls;
  const counted = new Map(await Promise.all(plain.kinds.map(async (kind) => [kind, await countItems(kind)] as const)));
  return estimate(schema, document, variables, operationName, { batchSize, counts: (kind) => counted.get(kind) ?? Infinity }).calls;
}
