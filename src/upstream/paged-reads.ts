/**
 * Reads that page through the upstream's limits, outside any request's
 * batching: items by id (one `id in [...]` call per page of ids) and every
 * item matching some criteria. The per-request loaders, the write path's
 * recovery and the import's lookups all read through these.
 */
import { KINDS, type ItemKind } from '../contract/kinds.js';
import type { Criterion, Item, SortSpec } from '../contract/types.js';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../contract/wire.js';
import { ItemMissingError } from './errors.js';
import type { UpstreamClient } from './types.js';

/** Ids per `id in [...]` lookup: one upstream page. */
export const ID_BATCH = DEFAULT_LIMIT;

/**
 * Items of `kind` by id, in key order; a missing id is its own
 * {@link ItemMissingError}, a failed call its error in every slot (the
 * DataLoader contract). Errors stay the adapter's: callers that answer
 * GraphQL map them (src/request/errors.ts).
 */
export async function loadByIds(upstream: UpstreamClient, kind: ItemKind, ids: readonly number[]): Promise<(Item | Error)[]> {
  try {
    const unique = [...new Set(ids)];
    const chunks = Array.from({ length: Math.ceil(unique.length / ID_BATCH) }, (_, i) => unique.slice(i * ID_BATCH, (i + 1) * ID_BATCH));
    const pages = await Promise.all(chunks.map((chunk) => upstream.getByCriteria(kind, {
      criteria: [{ field: 'id', operator: 'in', values: chunk.map(String) }],
      limit: chunk.length,
    })));
    const byId = new Map<number | undefined, Item>(pages.flatMap((page) => page.items.map((item) => [item.id, item] as const)));
    return ids.map((id) => byId.get(id) ?? new ItemMissingError(`${KINDS[kind].typeName} ${id}`));
  } catch (error) {
    const failed = error instanceof Error ? error : new Error(String(error));
    return ids.map(() => failed);
  }
}

/** Every item matching `criteria`, paging through the upstream's limit. */
export async function fetchAll(upstream: UpstreamClient, kind: ItemKind, criteria: Criterion[], sort: SortSpec[]): Promise<Item[]> {
  const items: Item[] = [];
  for (;;) {
    const page = await upstream.getByCriteria(kind, { criteria, sort, limit: MAX_LIMIT, offset: items.length });
    items.push(...page.items);
    if (page.items.length === 0 || items.length >= page.total) return items;
  }
}
