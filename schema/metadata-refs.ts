/**
 * The metadata types (order stages, activity and appointment types, product
 * and client categories, roles, currencies, custom field definitions), one
 * object type each from META_KINDS, and their lookup by id within a request.
 */
import { META_KINDS, type MetaKind } from '../src/contract/kinds.js';
import type { GatewayContext } from './context.js';
import type { RequestLoaders } from '../resolvers/loaders.js';
import { builder, type AnyFieldBuilder } from './builder.js';
import { relationFields } from './relation-fields.js';

type Shape = Record<string, unknown>;
type MetaList = Parameters<RequestLoaders['meta']>[0];

const SCALAR: Record<string, string> = { int: 'Int', string: 'String', float: 'Float', boolean: 'Boolean' };

/** `getOrderStages` -> `orderStages`: the list a metadata kind is fetched in. */
export const metaListName = (kind: MetaKind): string => {
  const op: string = META_KINDS[kind].operation;
  return op.charAt(3).toLowerCase() + op.slice(4);
};

/** Every entry of a metadata kind, fetched at most once per request. */
export function metaList(ctx: GatewayContext, kind: MetaKind): Promise<Shape[]> {
  if (kind === 'customFieldDefinition') return ctx.loaders.customFields() as unknown as Promise<Shape[]>;
  return ctx.loaders.meta(metaListName(kind) as MetaList) as unknown as Promise<Shape[]>;
}

/** The entry with this id, or null. */
export async function metaEntry(ctx: GatewayContext, kind: MetaKind, id: number | null | undefined): Promise<Shape | null> {
  if (id === null || id === undefined) return null;
  return (await metaList(ctx, kind)).find((entry) => entry.id === id) ?? null;
}

const REFS = Object.fromEntries(
  (Object.keys(META_KINDS) as MetaKind[]).map((kind) => [kind, builder.objectRef<Shape>(META_KINDS[kind].typeName)]),
) as Record<MetaKind, ReturnType<typeof builder.objectRef<Shape>>>;

for (const kind of Object.keys(META_KINDS) as MetaKind[]) {
  REFS[kind].implement({
    fields: (t: AnyFieldBuilder) => ({
      ...Object.fromEntries(Object.entries(META_KINDS[kind].fields).map(([name, type]) => [
        name, t.field({ type: SCALAR[type], nullable: name !== 'id' && name !== 'name' && name !== 'iso', resolve: (entry: Shape) => entry[name] ?? null }),
      ])),
      ...relationFields(t, kind),
    }),
  });
}

export const metaRef = (kind: MetaKind) => REFS[kind];
