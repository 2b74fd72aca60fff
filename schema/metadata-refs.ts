/**
 * The metadata types (order stages, activity and appointment types, product
 * and client categories, roles, currencies, custom field definitions), one
 * object type each from META_KINDS, and their lookup by id within a request.
 */
import { META_KINDS, type MetaKind } from '../src/contract/kinds.js';
import type { MetaEntry, ScalarShapes } from '../src/contract/item-shapes.js';
import type { GatewayContext } from './context.js';
import type { RequestLoaders } from '../resolvers/loaders.js';
import type { ImplementableObjectRef } from '@pothos/core';
import { builder } from './builder.js';
import type { ObjectField, ObjectFields, Types } from './pothos-types.js';
import { relationFields } from './relation-fields.js';
import { wireField } from './wire-field.js';

type MetaScalarType = 'int' | 'string' | 'float' | 'boolean';
const SCALAR = { int: 'Int', string: 'String', float: 'Float', boolean: 'Boolean' } as const satisfies Record<MetaScalarType, string>;

/** The metadata kinds, in table order. */
export const META_KIND_LIST = Object.keys(META_KINDS) as MetaKind[];

/** `getOrderStages` -> `orderStages`: the list a metadata kind is fetched in. */
export const metaListName = (kind: MetaKind): string => {
  const op: string = META_KINDS[kind].operation;
  return op.charAt(3).toLowerCase() + op.slice(4);
};

/** Each metadata list as the request's loaders fetch it: the compiler checks each against its kind's entries. */
const LISTS: { [M in MetaKind]: (loaders: RequestLoaders) => Promise<MetaEntry<M>[]> } = {
  orderStage: (loaders) => loaders.meta('orderStages'),
  activityType: (loaders) => loaders.meta('activityTypes'),
  appointmentType: (loaders) => loaders.meta('appointmentTypes'),
  productCategory: (loaders) => loaders.meta('productCategories'),
  clientCategory: (loaders) => loaders.meta('clientCategories'),
  role: (loaders) => loaders.meta('roles'),
  currency: (loaders) => loaders.meta('currencies'),
  customFieldDefinition: (loaders) => loaders.customFields(),
};

/** Every entry of a metadata kind, fetched at most once per request. */
export const metaList = <M extends MetaKind>(ctx: GatewayContext, kind: M): Promise<MetaEntry<M>[]> => LISTS[kind](ctx.loaders);

/** The entry with this id, or null. */
export async function metaEntry<M extends MetaKind>(ctx: GatewayContext, kind: M, id: number | null | undefined): Promise<MetaEntry<M> | null> {
  if (id === null || id === undefined) return null;
  return (await metaList(ctx, kind)).find((entry) => 'id' in entry && entry.id === id) ?? null;
}

type MetaRefs = { [M in MetaKind]: ImplementableObjectRef<Types, MetaEntry<M>> };
const REFS = Object.fromEntries(META_KIND_LIST.map((kind) => [kind, builder.objectRef(META_KINDS[kind].typeName)])) as MetaRefs;

/** The scalar fields of a metadata kind, from its table. */
function scalarFields(t: ObjectFields<object>, fields: Record<string, MetaScalarType>): Record<string, ObjectField> {
  return Object.fromEntries(Object.entries(fields).map(([name, type]) => [name, t.field({
    type: SCALAR[type],
    nullable: name !== 'id' && name !== 'name' && name !== 'iso',
    resolve: (entry) => wireField<ScalarShapes[MetaScalarType] | null | undefined>(entry, name) ?? null,
  })]));
}

function implement<M extends MetaKind>(kind: M): void {
  REFS[kind].implement({
    fields: (t) => ({ ...scalarFields(t, META_KINDS[kind].fields), ...relationFields(t, kind) }),
  });
}
META_KIND_LIST.forEach(implement);

export const metaRef = <M extends MetaKind>(kind: M): MetaRefs[M] => REFS[kind];
