/**
 * Relations in both directions, derived from the kinds table: every ref or
 * refs field of a kind pointing at another kind (or at a metadata list) is a
 * to-many connection on the target, batched by foreign key.
 */
import { KINDS, META_KINDS, type FieldSpec, type ItemKind, type MetaKind } from '../src/contract/kinds.js';

export interface Relation {
  /** Field name on the parent type. */
  name: string;
  /** The parent: an item kind or a metadata kind. */
  parent: ItemKind | MetaKind;
  /** The kind of the related items. */
  kind: ItemKind;
  /** Upstream criteria field holding the parent's id (`client.id`, `users.id`). */
  foreignKey: string;
  /** Each related item has at most one parent through it (`client.id`), not several (`users.id`, a product on many rows). */
  single: boolean;
  doc: string;
}

/** Relation names that differ from the related kind's plural. */
const RENAMED: Record<string, string> = {
  'client.parent': 'subsidiaries',
};

function derive(): Relation[] {
  const relations: Relation[] = [];
  for (const kind of Object.keys(KINDS) as ItemKind[]) {
    for (const [wire, spec] of Object.entries(KINDS[kind].fields as Record<string, FieldSpec>)) {
      if (spec.type !== 'ref' && spec.type !== 'refs') continue;
      const parent = spec.target;
      relations.push({
        name: RENAMED[`${kind}.${wire}`] ?? KINDS[kind].plural,
        parent,
        kind,
        foreignKey: `${wire}.id`,
        single: spec.type === 'ref',
        doc: `${KINDS[kind].typeName} items whose ${spec.gql ?? wire} ${spec.type === 'refs' ? 'include' : 'is'} this one`,
      });
    }
    // The order stage and order rows are structures that refer to metadata and products.
    if ('stage' in KINDS[kind].fields) {
      relations.push({ name: KINDS[kind].plural, parent: 'orderStage', kind, foreignKey: 'stage.id', single: true, doc: `${KINDS[kind].typeName} items in this stage` });
    }
    if ('orderRow' in KINDS[kind].fields) {
      relations.push({
        name: KINDS[kind].plural, parent: 'product', kind, foreignKey: 'orderRow.product.id', single: false, doc: `${KINDS[kind].typeName} items with a row of this product`,
      });
    }
  }
  return relations;
}

export const RELATIONS: Relation[] = derive();

export const relationsOf = (parent: ItemKind | MetaKind): Relation[] => RELATIONS.filter((relation) => relation.parent === parent);
export const isItemKind = (target: string): target is ItemKind => target in KINDS;
export const isMetaKind = (target: string): target is MetaKind => target in META_KINDS;

/** The ids an item holds at a foreign-key path (`client.id`, `users.id`, `orderRow.product.id`). */
export function idsAt(item: Record<string, unknown>, path: string): number[] {
  const steps = path.split('.');
  let values: unknown[] = [item];
  for (const step of steps) {
    values = values.flatMap((value) => {
      if (value === null || value === undefined) return [];
      const next = (value as Record<string, unknown>)[step];
      return Array.isArray(next) ? next : [next];
    });
  }
  return values.filter((value): value is number => typeof value === 'number');
}
