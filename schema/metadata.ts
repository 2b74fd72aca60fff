/**
 * Root fields of the metadata lists, and what is special about them: the
 * product category and role trees, Select options of custom fields, role
 * rights.
 */
import { CUSTOM_FIELD_KINDS, META_KINDS, type MetaKind } from '../src/contract/kinds.js';
import type { Role } from '../src/contract/types.js';
import { builder } from './builder.js';
import { META_KIND_LIST, metaList, metaListName, metaRef } from './metadata-refs.js';
import type { QueryField, QueryFields } from './pothos-types.js';

const metaCost = (kind: MetaKind) => ({ cost: { type: 'meta', list: META_KINDS[kind].operation, many: true } });

/** `orderStages`, `roles`, ...: a metadata list, whole. */
const listField = (t: QueryFields, kind: MetaKind): QueryField => t.field({
  type: [metaRef(kind)],
  nullable: false,
  extensions: metaCost(kind),
  resolve: (_root, _args, ctx) => metaList(ctx, kind),
});

builder.queryFields((t) => ({
  ...Object.fromEntries(META_KIND_LIST.filter((kind) => kind !== 'customFieldDefinition').map((kind) => [
    metaListName(kind), listField(t, kind),
  ])),
  customFieldDefinitions: t.field({
    type: [metaRef('customFieldDefinition')],
    nullable: false,
    description: `Custom field definitions, of one set (${CUSTOM_FIELD_KINDS.join(', ')}) or all`,
    args: { kind: t.arg.string() },
    extensions: metaCost('customFieldDefinition'),
    resolve: async (_root, args, ctx) =>
      (await ctx.loaders.customFields()).filter((definition) => !args.kind || definition.kind === args.kind),
  }),
}));

/** Parent and children in a tree of metadata entries linked by parentId. */
function treeFields(kind: 'productCategory' | 'role') {
  builder.objectFields(metaRef(kind), (t) => ({
    parent: t.field({
      type: metaRef(kind), extensions: metaCost(kind),
      resolve: async (entry, _a, ctx) => (await metaList(ctx, kind)).find((other) => other.id === entry.parentId) ?? null,
    }),
    children: t.field({
      type: [metaRef(kind)], nullable: false, extensions: metaCost(kind),
      resolve: async (entry, _a, ctx) => (await metaList(ctx, kind)).filter((other) => other.parentId === entry.id),
    }),
  }));
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

builder.objectFields(metaRef('role'), (t) => ({
  rights: t.field({ type: [RoleRights], nullable: false, resolve: (role) => role.rights ?? [] }),
}));

builder.objectFields(metaRef('customFieldDefinition'), (t) => ({
  options: t.stringList({ nullable: false, description: 'The choices of a Select or MultiSelect field', resolve: (definition) => definition.options ?? [] }),
}));
