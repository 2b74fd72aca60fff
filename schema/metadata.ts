/**
 * Root fields of the metadata lists, and what is special about them: the
 * product category and role trees, Select options of custom fields, role
 * rights.
 */
import { CUSTOM_FIELD_KINDS, META_KINDS, type MetaKind } from '../src/contract/kinds.js';
import type { CustomFieldDefinition, Role } from '../src/contract/types.js';
import type { GatewayContext } from './context.js';
import { builder, type AnyFieldBuilder } from './builder.js';
import { metaList, metaListName, metaRef } from './metadata-refs.js';

type Shape = Record<string, unknown>;
const metaCost = (kind: MetaKind) => ({ cost: { type: 'meta', list: META_KINDS[kind].operation, many: true } });

builder.queryFields((t: AnyFieldBuilder) => ({
  ...Object.fromEntries((Object.keys(META_KINDS) as MetaKind[]).filter((kind) => kind !== 'customFieldDefinition').map((kind) => [
    metaListName(kind), t.field({
      type: [metaRef(kind)],
      nullable: false,
      extensions: metaCost(kind),
      resolve: (_root: unknown, _args: unknown, ctx: GatewayContext) => metaList(ctx, kind),
    }),
  ])),
  customFieldDefinitions: t.field({
    type: [metaRef('customFieldDefinition')],
    nullable: false,
    description: `Custom field definitions, of one set (${CUSTOM_FIELD_KINDS.join(', ')}) or all`,
    args: { kind: t.arg.string() },
    extensions: metaCost('customFieldDefinition'),
    resolve: async (_root: unknown, args: { kind?: string | null }, ctx: GatewayContext) =>
      (await ctx.loaders.customFields()).filter((definition) => !args.kind || definition.kind === args.kind),
  }),
}) as never);

/** Parent and children in a tree of metadata entries linked by parentId. */
function treeFields(kind: MetaKind) {
  builder.objectFields(metaRef(kind), (t: AnyFieldBuilder) => ({
    parent: t.field({
      type: metaRef(kind), extensions: metaCost(kind),
      resolve: async (entry: Shape, _a: unknown, ctx: GatewayContext) => (await metaList(ctx, kind)).find((other) => other.id === entry.parentId) ?? null,
    }),
    children: t.field({
      type: [metaRef(kind)], nullable: false, extensions: metaCost(kind),
      resolve: async (entry: Shape, _a: unknown, ctx: GatewayContext) => (await metaList(ctx, kind)).filter((other) => other.parentId === entry.id),
    }),
  }) as never);
}
treeFields('productCategory');
treeFields('role');

const RoleRights = builder.objectRef<Role['rights'][number]>('RoleRights').implement({
  description: 'What users of a role may do with one kind: none, own, role (their role and the roles below it) or all.',
  fields: (t) => ({
    kind: t.exposeString('kind', { nullable: false }),
    access: t.exposeString('access', { nullable: false }),
    change: t.exposeString('change', { nullable: false }),
    delete: t.exposeString('delete', { nullable: false }),
  }),
});

builder.objectFields(metaRef('role'), (t: AnyFieldBuilder) => ({
  rights: t.field({ type: [RoleRights], nullable: false, resolve: (role: Shape) => (role as unknown as Role).rights ?? [] }),
}) as never);

builder.objectFields(metaRef('customFieldDefinition'), (t: AnyFieldBuilder) => ({
  options: t.stringList({ nullable: false, description: 'The choices of a Select or MultiSelect field', resolve: (definition: Shape) => (definition as unknown as CustomFieldDefinition).options ?? [] }),
}) as never);
