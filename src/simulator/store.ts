/**
 * The in-memory store: one map of records per upstream entity (orders and
 * opportunities share one), the metadata lists and the users' passwords.
 *
 * A record holds the writable fields of its kind with references stored as
 * ids (`client: 12`, `users: [3, 4]`, `orderRow: [{product: 7, ...}]`,
 * `stage: {id: 2}`); names are resolved when an item is written out.
 */
import type { ItemKind, MetaKind } from '../contract/kinds.js';
import { KINDS } from '../contract/kinds.js';
import type { CustomFieldDefinition, CustomFieldValue, Metadata, OrderStage } from '../contract/types.js';

export type Rec = { id: number; customfield?: CustomFieldValue[] } & Record<string, unknown>;

export type { Metadata };

const META_LISTS: Record<Exclude<MetaKind, 'currency' | 'customFieldDefinition'>, keyof Metadata> = {
  orderStage: 'orderStages', activityType: 'activityTypes', appointmentType: 'appointmentTypes',
  productCategory: 'productCategories', clientCategory: 'clientCategories', role: 'roles',
};

export class Store {
  readonly entities = new Map<string, Map<number, Rec>>();
  private readonly nextIds = new Map<string, number>();
  /** Login name (lower-cased email) to password; demo data only. */
  readonly passwords = new Map<string, string>();
  customFieldsById = new Map<number, CustomFieldDefinition>();

  constructor(readonly meta: Metadata) {
    for (const kind of Object.values(KINDS)) if (!this.entities.has(kind.entity)) this.entities.set(kind.entity, new Map());
    this.indexCustomFields();
  }

  indexCustomFields(): void {
    this.customFieldsById = new Map(this.meta.customFields.map((d) => [d.id, d]));
  }

  entity(kind: ItemKind): Map<number, Rec> {
    return this.entities.get(KINDS[kind].entity)!;
  }

  private lastStampMs = 0;

  /**
   * The `regDate`/`modDate` of a write now: never earlier than the one
   * before it (a clock stepping back does not reorder changes), equal
   * within a millisecond, as Upsales' own can be equal within its
   * resolution. A change feed reading `modDate` later than the last seen
   * relies on this.
   */
  stamp(): string {
    this.lastStampMs = Math.max(Date.now(), this.lastStampMs);
    return new Date(this.lastStampMs).toISOString();
  }

  /** Next id of a sequence (an entity, or `orderRow`). */
  nextId(sequence: string): number {
    const id = this.nextIds.get(sequence) ?? 1;
    this.nextIds.set(sequence, id + 1);
    return id;
  }

  /** Whether a record of the kind is in that kind's view (orders vs opportunities by probability). */
  inView(kind: ItemKind, rec: Rec): boolean {
    const range = (KINDS[kind] as { probability?: { min: number; max: number } }).probability;
    if (!range) return true;
    const p = (rec.probability as number | null) ?? 0;
    return p >= range.min && p <= range.max;
  }

  /** The record of a kind with that id, if it exists and is in the kind's view. */
  find(kind: ItemKind, id: number): Rec | undefined {
    const rec = this.entity(kind).get(id);
    return rec && this.inView(kind, rec) ? rec : undefined;
  }

  /**
   * Whether a reference target exists. Item references check the entity, not
   * the kind's view: an activity may keep pointing at an opportunity since won.
   */
  exists(target: ItemKind | MetaKind, id: number): boolean {
    if (target in KINDS) return this.entity(target as ItemKind).has(id);
    const list = this.meta[META_LISTS[target as keyof typeof META_LISTS]] as { id: number }[] | undefined;
    return !!list?.some((entry) => entry.id === id);
  }

  /** Display name of a reference target, or null when it no longer exists. */
  refName(target: ItemKind | MetaKind, id: number): string | null {
    if (target in KINDS) {
      const rec = this.entity(target as ItemKind).get(id);
      return rec ? ((rec.name ?? rec.description ?? null) as string | null) : null;
    }
    const list = this.meta[META_LISTS[target as keyof typeof META_LISTS]] as { id: number; name: string }[] | undefined;
    return list?.find((entry) => entry.id === id)?.name ?? null;
  }

  stage(id: number): OrderStage | undefined {
    return this.meta.orderStages.find((s) => s.id === id);
  }

  customFieldsOf(customFieldKind: string): CustomFieldDefinition[] {
    return this.meta.customFields.filter((d) => d.kind === customFieldKind);
  }
}
