/**
 * Per-request batching. Lookups by id of one kind become one `getByCriteria`
 * with `id in [...]` per tick; to-many relations become one criteria call by
 * foreign key for all parents, grouped back; metadata lists are fetched at
 * most once per request. Nothing here outlives the request.
 */
import DataLoader from 'dataloader';
import { KINDS, type ItemKind } from '../src/contract/kinds.js';
import type { Criterion, CustomFieldDefinition, Item, Metadata, SortSpec } from '../src/contract/types.js';
import { DEFAULT_LIMIT, MAX_LIMIT } from '../src/contract/wire.js';
import { NotFoundError, toGraphQLError } from '../src/errors.js';
import type { UpstreamClient } from '../src/upstream/types.js';
import { idsAt, type Relation } from './relations.js';

/** Ids per `id in [...]` lookup: one upstream page. */
export const ID_BATCH = DEFAULT_LIMIT;

/**
 * Items of `kind` by id, in key order; a missing id is its own NOT_FOUND error,
 * a failed call an error in every slot (the DataLoader contract).
 */
export async function loadByIds(upstream: UpstreamClient, kind: ItemKind, ids: readonly number[]): Promise<(Item | Error)[]> {
  try {
    const unique = [...new Set(ids)];
    const { items } = await upstream.getByCriteria(kind, {
      criteria: [{ field: 'id', operator: 'in', values: unique.map(String) }],
      limit: unique.length,
    });
    const byId = new Map(items.map((item) => [item.id, item]));
    return ids.map((id) => byId.get(id) ?? new NotFoundError(`${KINDS[kind].typeName} ${id}`));
  } catch (error) {
    const mapped = toGraphQLError(error);
    return ids.map(() => mapped as Error);
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

export interface RelationQuery {
  criteria: Criterion[];
  sort: SortSpec[];
  /** Items needed per parent (offset + first): sets how many parents share one call. */
  perParent: number;
}

type MetaLists = Omit<Metadata, 'customFields'>;
const META_CALLS: { [K in keyof MetaLists]: (upstream: UpstreamClient) => Promise<MetaLists[K]> } = {
  orderStages: (u) => u.getOrderStages(),
  activityTypes: (u) => u.getActivityTypes(),
  appointmentTypes: (u) => u.getAppointmentTypes(),
  productCategories: (u) => u.getProductCategories(),
  clientCategories: (u) => u.getClientCategories(),
  roles: (u) => u.getRoles(),
  currencies: (u) => u.getCurrencies(),
};

/** The loaders and memos of one request, bound to the caller's upstream client. */
export class RequestLoaders {
  private readonly relationLoaders = new Map<string, DataLoader<number, Item[]>>();
  private readonly metaMemo = new Map<string, Promise<unknown>>();

  constructor(private readonly upstream: UpstreamClient) {}

  /** Children of many parents through one relation, with the same filter and order. */
  relation(relation: Relation, query: RelationQuery): DataLoader<number, Item[]> {
    const key = `${relation.parent}.${relation.name}:${JSON.stringify(query)}`;
    let loader = this.relationLoaders.get(key);
    if (!loader) {
      loader = new DataLoader<number, Item[]>(
        async (parentIds) => {
          const items = await fetchAll(this.upstream, relation.kind, [
            { field: relation.foreignKey, operator: 'in', values: parentIds.map(String) },
            ...query.criteria,
          ], query.sort);
          const groups = new Map<number, Item[]>(parentIds.map((id) => [id, []]));
          for (const item of items) {
            for (const id of new Set(idsAt(item, relation.foreignKey))) groups.get(id)?.push(item);
          }
          return parentIds.map((id) => groups.get(id)!);
        },
        { maxBatchSize: Math.max(1, Math.floor(MAX_LIMIT / Math.max(1, query.perParent))) },
      );
      this.relationLoaders.set(key, loader);
    }
    return loader;
  }

  /** A metadata list, fetched at most once in this request. */
  meta<K extends keyof MetaLists>(list: K): Promise<MetaLists[K]> {
    return this.memo(list, () => META_CALLS[list](this.upstream));
  }

  /**
   * Forgets every relation group fetched so far: after a write, a relation
   * read later in the request is fetched again. Metadata lists stay: item
   * writes do not change them.
   */
  invalidate(): void {
    this.relationLoaders.clear();
  }

  /** Every custom field definition (all kinds), fetched at most once in this request. */
  customFields(): Promise<CustomFieldDefinition[]> {
    return this.memo('customFields', () => this.upstream.getCustomFields());
  }

  private memo<T>(key: string, load: () => Promise<T>): Promise<T> {
    let promise = this.metaMemo.get(key) as Promise<T> | undefined;
    if (!promise) {
      promise = load().catch((error) => {
        throw toGraphQLError(error);
      });
      this.metaMemo.set(key, promise);
    }
    return promise;
  }
}
