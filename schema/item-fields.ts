/**
 * The GraphQL fields of an item or structure, generated from its FieldSpecs:
 * scalars as typed scalars, references as the node (batched by id) or the
 * metadata entry they point at, structures as their object types.
 */
import { META_KINDS, type FieldSpec, type MetaKind } from '../src/contract/kinds.js';
import type { Ref } from '../src/contract/types.js';
import type { GatewayContext } from './context.js';
import type { FieldCost } from '../cost/estimate.js';
import { isItemKind } from '../resolvers/relations.js';
import type { AnyFieldBuilder } from './builder.js';
import { customFieldsField } from './custom-fields.js';
import { metaEntry, metaRef } from './metadata-refs.js';
import { nodeRef } from './node-refs.js';
import { structRef } from './struct-refs.js';

type Shape = Record<string, unknown>;

const SCALARS: Record<string, string> = {
  string: 'String', text: 'String', int: 'Int', float: 'Float', boolean: 'Boolean', date: 'Date', datetime: 'DateTime', id: 'Int',
};

const refId = (value: unknown): number | null => (value && typeof value === 'object' ? (value as Ref).id ?? null : null);
const refIds = (value: unknown): number[] => (Array.isArray(value) ? value.map(refId).filter((id): id is number => id !== null) : []);
const cost = (c: FieldCost) => ({ cost: c });

/** One generated field. */
export function specField(t: AnyFieldBuilder, wire: string, spec: FieldSpec): unknown {
  const description = spec.doc;
  switch (spec.type) {
    case 'ref':
      if (isItemKind(spec.target)) {
        return t.field({ type: nodeRef(spec.target), description, extensions: cost({ type: 'byId', list: false }), resolve: (item: Shape) => refId(item[wire]) });
      }
      return t.field({
        type: metaRef(spec.target as MetaKind), description, extensions: cost({ type: 'meta', list: META_KINDS[spec.target as MetaKind].operation }),
        resolve: (item: Shape, _args: unknown, ctx: GatewayContext) => metaEntry(ctx, spec.target as MetaKind, refId(item[wire])),
      });
    case 'refs':
      if (isItemKind(spec.target)) {
        return t.field({ type: [nodeRef(spec.target)], description, extensions: cost({ type: 'byId', list: true }), resolve: (item: Shape) => refIds(item[wire]) });
      }
      return t.field({
        type: [metaRef(spec.target as MetaKind)], description, extensions: cost({ type: 'meta', list: META_KINDS[spec.target as MetaKind].operation, many: true }),
        resolve: async (item: Shape, _args: unknown, ctx: GatewayContext) =>
          (await Promise.all(refIds(item[wire]).map((id) => metaEntry(ctx, spec.target as MetaKind, id)))).filter(Boolean),
      });
    case 'struct':
      if (spec.list) {
        return t.field({ type: [structRef(spec.struct)], description, extensions: cost({ type: 'embeddedList' }), resolve: (item: Shape) => item[wire] ?? [] });
      }
      return t.field({ type: structRef(spec.struct), description, resolve: (item: Shape) => item[wire] ?? null });
    case 'customfields':
      return customFieldsField(t, wire);
    default:
      return t.field({ type: SCALARS[spec.type], description, resolve: (item: Shape) => item[wire] ?? null });
  }
}

/**
 * All fields of a spec table, under their GraphQL names. On nodes, whose `id`
 * is the global id, the Upsales id is `upsalesId`.
 */
export function specFields(t: AnyFieldBuilder, fields: Record<string, FieldSpec>, idName = 'id'): Record<string, unknown> {
  return Object.fromEntries(
    Object.entries(fields).map(([wire, spec]) => [spec.type === 'id' ? idName : spec.gql ?? wire, specField(t, wire, spec)]),
  );
}
