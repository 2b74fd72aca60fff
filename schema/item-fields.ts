/**
 * The GraphQL fields of an item or structure, generated from its FieldSpecs:
 * scalars as typed scalars, references as the node (batched by id) or the
 * metadata entry they point at, structures as their object types.
 */
import { META_KINDS, type FieldSpec, type ScalarType } from '../src/contract/kinds.js';
import type { ScalarShapes } from '../src/contract/item-shapes.js';
import type { Ref } from '../src/contract/types.js';
import type { FieldCost } from '../cost/estimate.js';
import { isItemKind } from '../resolvers/relations.js';
import { customFieldsField } from './custom-fields.js';
import { metaEntry, metaRef } from './metadata-refs.js';
import { nodeRef } from './node-refs.js';
import type { ObjectField, ObjectFields } from './pothos-types.js';
import { structRef, type StructObject } from './struct-refs.js';
import { wireField } from './wire-field.js';

const SCALARS = {
  string: 'String', text: 'String', int: 'Int', float: 'Float', boolean: 'Boolean', date: 'Date', datetime: 'DateTime', id: 'Int',
} as const satisfies Record<ScalarType, string>;

type Scalar = ScalarShapes[ScalarType];
type RefValue = Ref | null | undefined;
const refId = (ref: RefValue): number | null => ref?.id ?? null;
const refIds = (refs: RefValue[] | null | undefined): number[] => (Array.isArray(refs) ? refs.map(refId).filter((id): id is number => id !== null) : []);
const cost = (c: FieldCost) => ({ cost: c });

/** One generated field. */
export function specField(t: ObjectFields<object>, wire: string, spec: FieldSpec): ObjectField {
  const description = spec.doc;
  const value = <T>(item: object): T => wireField<T>(item, wire);
  switch (spec.type) {
    case 'ref': {
      const { target } = spec;
      if (isItemKind(target)) {
        return t.field({ type: nodeRef(target), description, extensions: cost({ type: 'byId', list: false }), resolve: (item) => refId(value(item)) });
      }
      return t.field({
        type: metaRef(target), description, extensions: cost({ type: 'meta', list: META_KINDS[target].operation }),
        resolve: (item, _args, ctx) => metaEntry(ctx, target, refId(value(item))),
      });
    }
    case 'refs': {
      const { target } = spec;
      if (isItemKind(target)) {
        return t.field({ type: [nodeRef(target)], description, extensions: cost({ type: 'byId', list: true }), resolve: (item) => refIds(value(item)) });
      }
      return t.field({
        type: [metaRef(target)], description, extensions: cost({ type: 'meta', list: META_KINDS[target].operation, many: true }),
        resolve: async (item, _args, ctx) => (await Promise.all(refIds(value(item)).map((id) => metaEntry(ctx, target, id)))).filter((entry) => entry !== null),
      });
    }
    case 'struct':
      if (spec.list) {
        return t.field({ type: [structRef(spec.struct)], description, extensions: cost({ type: 'embeddedList' }), resolve: (item) => value<StructObject[] | null>(item) ?? [] });
      }
      return t.field({ type: structRef(spec.struct), description, resolve: (item) => value<StructObject | null>(item) ?? null });
    case 'customfields':
      return customFieldsField(t, wire);
    default:
      return t.field({ type: SCALARS[spec.type], description, resolve: (item) => value<Scalar | null>(item) ?? null });
  }
}

/**
 * All fields of a spec table, under their GraphQL names. On nodes, whose `id`
 * is the global id, the Upsales id is `upsalesId`.
 */
export function specFields(t: ObjectFields<object>, fields: Record<string, FieldSpec>, idName = 'id'): Record<string, ObjectField> {
  return Object.fromEntries(
    Object.entries(fields).map(([wire, spec]) => [spec.type === 'id' ? idName : spec.gql ?? wire, specField(t, wire, spec)]),
  );
}
