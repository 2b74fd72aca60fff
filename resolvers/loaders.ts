/**
 * Per-request batching. Lookups by id of one kind become one `getByCriteria`
 * with `id in [...]` per wave; to-many relations become one criteria call by
 * foreign key for all parents of the wave, grouped back; metadata lists are
 * fetched at most once per request. When a wave is sent is the caller's
 * choice (`schedule`: the level scheduler sends a level's loads together). Nothing
 * here outlives the request.
 */
import DataLoader from 'dataloader';
import type { CallCeiling } from '../src/request/call-ceiling.js';
import type { ItemKind } from '../src/contract/kinds.js';
import type { CustomFieldDefinition, Item, Metadata } from '../src/contract/types.js';
import { BadUserInputError, toGraphQLError } from '../src/request/errors.js';
import { loadByIds } from '../src/upstream/paged-reads.js';
import type { UpstreamClient } from '../src/upstream/types.js';
import { fetchGroups, type GroupsDeps, type RelationQuery } from './relation-groups.js';
import { RelationLoader } from './relation-loader.js';
import type { Relation } from './relations.js';

/** When a batch is sent: DataLoader's `batchScheduleFn`. */
export type BatchSchedule = NonNullable<DataLoader.Options<number, unknown>['batchScheduleFn']>;

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

const UNLIMITED: CallCeiling = { left: () => Infinity, reserve: (_calls, step) => step(), bound: 'nothing' };

/** The loaders and memos of one request, bound to the caller's upstream client. */
export class RequestLoaders {
  private readonly relationLoaders = new Map<string, RelationLoader>();
  private readonly idLoaders = new Map<ItemKind, DataLoader<number, Item>>();
  private readonly metaMemo = new Map<string, Promise<unknown>>();

  /**
   * `ceiling`: the SOAP calls this request may still make (none by default).
   * `schedule`: when a batch is sent (DataLoader's default: at the end of its
   * tick).
   */
  constructor(
    private readonly upstream: UpstreamClient,
    private readonly ceiling: CallCeiling = UNLIMITED,
    private readonly schedule?: BatchSchedule,
  ) {}

  /**
   * Items of `kind` by id, gathered per wave into `id in [...]` calls of
   * {@link ID_BATCH}. It keeps nothing: the node loaders in front of it do.
   */
  byId(kind: ItemKind): DataLoader<number, Item> {
    let loader = this.idLoaders.get(kind);
    if (!loader) {
      loader = new DataLoader<number, Item>(async (ids) => (await loadByIds(this.upstream, kind, ids)).map((slot) => (slot instanceof Error ? toGraphQLError(slot) as Error : slot)), {
        cache: false, batchScheduleFn: this.schedule,
      });
      this.idLoaders.set(kind, loader);
    }
    return loader;
  }

  /**
   * Children of many parents through one relation, with the same filter and
   * order, whatever page each load asks for: one fetch per wave serves them all.
   */
  relation(relation: Relation, query: RelationQuery): RelationLoader {
    const key = `${relation.parent}.${relation.name}:${JSON.stringify([query.criteria, query.sort])}`;
    let loader = this.relationLoaders.get(key);
    if (!loader) {
      const deps: GroupsDeps = { upstream: this.upstream, afford: (calls, total, step) => this.afford(relation, calls, total, step) };
      loader = new RelationLoader((parentIds, wants) => fetchGroups(deps, relation, query, parentIds, wants), this.schedule);
      this.relationLoaders.set(key, loader);
    }
    return loader;
  }

  /**
   * Runs `step` on `calls` set aside for it under the request's call ceiling;
   * refuses it, before any of its calls, when the request has fewer left
   * (`total`: the related items of `relation` that need them).
   */
  private afford<T>(relation: Relation, calls: number, total: number, step: () => Promise<T>): Promise<T> {
    const left = this.ceiling.left();
    if (calls > left) {
      throw new BadUserInputError(
        `${relation.name}: these parents have ${total} related items, which need ${calls} more SOAP calls; this query has ${left} left of ${this.ceiling.bound}. Narrow it with filter or ask for fewer parents`,
      );
    }
    return this.ceiling.reserve(calls, step);
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
