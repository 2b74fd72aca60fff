/**
 * Per kind: the connection type (with totalCount), the filter input, the
 * orderBy input, and the resolvers of root and nested connections. All from
 * the kinds table.
 */
import { KINDS, type ItemKind } from '../src/contract/kinds.js';
import type { Criterion, Item } from '../src/contract/types.js';
import { CRITERIA_OPERATORS } from '../src/contract/wire.js';
import type { GatewayContext } from './context.js';
import { BadUserInputError } from '../src/request/errors.js';
import { preview } from '../src/request/input-text.js';
import {
  filterableFields, filterToCriteria, OPERATORS_OF, orderToSort,
  type FilterInput, type FilterValueType, type OrderByInput,
} from '../resolvers/criteria.js';
import type { PageSelection } from '../resolvers/page-selection.js';
import { NESTED_PAGE, pageWindow, ROOT_PAGE, toPage, type Page, type PageArgs } from '../resolvers/paging.js';
import type { Relation } from '../resolvers/relations.js';
import { builder, type AnyFieldBuilder } from './builder.js';
import { nodeRef } from './node-refs.js';

const VALUE_TYPES = Object.keys(OPERATORS_OF) as FilterValueType[];

/** `StringFilter`, `IntFilter`, ...: the operators a value type accepts. */
const OPERATOR_INPUTS = Object.fromEntries(VALUE_TYPES.map((valueType) => [valueType, builder.inputType(`${valueType}Filter`, {
  description: `Conditions on a ${valueType} field, joined by AND.`,
  fields: (t: AnyFieldBuilder) => Object.fromEntries(OPERATORS_OF[valueType].map((op) => [op,
    op === 'isNull' ? t.boolean({ description: 'true: only items without a value; false: only items with one' })
      : op === 'in' ? t.field({ type: [valueType], required: { list: false, items: true } })
        : t.field({ type: valueType }),
  ])),
})])) as Record<FilterValueType, ReturnType<typeof builder.inputType>>;

const CustomFieldFilter = builder.inputType('CustomFieldFilter', {
  description: 'Conditions on one custom field, named by its id or alias; values as text (dates YYYY-MM-DD, booleans true/false).',
  fields: (t: AnyFieldBuilder) => ({
    field: t.string({ required: true, description: 'The custom field id or alias' }),
    ...Object.fromEntries(CRITERIA_OPERATORS.map((op) => [op,
      op === 'isNull' ? t.boolean() : op === 'in' ? t.stringList() : t.string(),
    ])),
  }),
});

const OrderDirection = builder.enumType('OrderDirection', { values: ['ASC', 'DESC'] as const });

function defineKindInputs(kind: ItemKind) {
  const { typeName } = KINDS[kind];
  const fields = filterableFields(kind);
  const filter = builder.inputType(`${typeName}Filter`, {
    description: `Conditions on ${KINDS[kind].plural}, joined by AND. Related items are named by their global id (or Upsales id).`,
    fields: (t: AnyFieldBuilder) => ({
      ...Object.fromEntries(fields.map((field) => [field.name, t.field({ type: OPERATOR_INPUTS[field.valueType] })])),
      customFields: t.field({ type: [CustomFieldFilter], description: 'Conditions on custom fields' }),
    }),
  });
  const orderField = builder.enumType(`${typeName}OrderField`, {
    values: fields.filter((field) => field.sortable).map((field) => field.name),
  });
  const orderBy = builder.inputType(`${typeName}OrderBy`, {
    fields: (t: AnyFieldBuilder) => ({
      field: t.field({ type: orderField, required: true }),
      direction: t.field({ type: OrderDirection, defaultValue: 'ASC' }),
    }),
  });
  const connection = builder.connectionObject({
    type: nodeRef(kind),
    name: `${typeName}Connection`,
    fields: (t: AnyFieldBuilder) => ({
      totalCount: t.int({
        nullable: false,
        description: 'Items matching the filter (that the caller may see)',
        resolve: (page: Page<unknown>) => {
          if (page.totalCount === undefined) throw new Error('totalCount was read though the selection seemed not to ask for it');
          return page.totalCount;
        },
      }),
    }),
  }, { name: `${typeName}Edge` });
  return { filter, orderBy, connection };
}

const INPUTS = Object.fromEntries((Object.keys(KINDS) as ItemKind[]).map((kind) => [kind, defineKindInputs(kind)])) as
  Record<ItemKind, ReturnType<typeof defineKindInputs>>;

export const connectionRef = (kind: ItemKind) => INPUTS[kind].connection;

/** The arguments of a connection over `kind`. */
export function connectionArgs(t: AnyFieldBuilder, kind: ItemKind, sizes: { defaultSize: number; maxSize: number }) {
  return {
    first: t.arg.int({ description: `Items to return (default ${sizes.defaultSize}, at most ${sizes.maxSize})` }),
    after: t.arg.string({ description: 'Return items after this cursor' }),
    filter: t.arg({ type: INPUTS[kind].filter }),
    orderBy: t.arg({ type: [INPUTS[kind].orderBy], required: false, description: 'Sort keys, in order; id last' }),
  };
}

export interface ConnectionArgs extends PageArgs {
  filter?: FilterInput | null;
  orderBy?: OrderByInput[] | null;
}

/** The filter as criteria; custom field aliases are looked up in the definitions (one metadata call). */
export async function criteriaFor(ctx: GatewayContext, kind: ItemKind, filter: FilterInput | null | undefined): Promise<Criterion[]> {
  const customs = (filter?.customFields ?? []) as { field: string }[];
  const needsDefinitions = customs.some((custom) => !/^\d+$/.test(custom.field));
  const definitions = needsDefinitions ? await ctx.loaders.customFields() : [];
  const setName = KINDS[kind].customFieldKind;
  return filterToCriteria(kind, filter, (nameOrId) => {
    if (/^\d+$/.test(nameOrId)) return Number(nameOrId);
    const definition = definitions.find((def) => def.kind === setName && def.alias === nameOrId);
    if (!definition) throw new BadUserInputError(`filter.customFields: ${KINDS[kind].typeName} has no custom field ${preview(nameOrId)}`);
    return definition.id;
  });
}

/** Remember items already fetched, so references to them within the request cost nothing. */
export function primeNodes(ctx: GatewayContext, kind: ItemKind, items: Item[]): void {
  const loader = nodeRef(kind).getDataloader(ctx);
  for (const item of items) if (item.id !== undefined) loader.prime(item.id, item);
}

/** A root connection: one `getByCriteria` with the page's limit and offset. */
export async function rootConnection(ctx: GatewayContext, kind: ItemKind, args: ConnectionArgs) {
  const { offset, limit } = pageWindow(args, ROOT_PAGE);
  const criteria = await criteriaFor(ctx, kind, args.filter);
  const sort = orderToSort(kind, args.orderBy);
  const result = await ctx.upstream.getByCriteria(kind, { criteria, sort, limit: Math.max(limit, 1), offset });
  const items = result.items.slice(0, limit);
  primeNodes(ctx, kind, items);
  return toPage(items, offset, result.total);
}

/**
 * A nested connection: the parent's group from one batched call for all
 * parents. Its total is counted only when the selection reads it; for
 * `hasNextPage` alone, one item past the page tells.
 */
export async function relationConnection(ctx: GatewayContext, relation: Relation, parentId: number, args: ConnectionArgs, selection: PageSelection) {
  const { offset, limit } = pageWindow(args, NESTED_PAGE);
  const criteria = await criteriaFor(ctx, relation.kind, args.filter);
  const sort = orderToSort(relation.kind, args.orderBy);
  const oneMore = selection.hasNextPage && !selection.totalCount ? 1 : 0;
  const group = await ctx.loaders.relation(relation, { criteria, sort }).load(parentId, { items: offset + limit + oneMore, total: selection.totalCount });
  const items = group.items.slice(offset, offset + limit);
  primeNodes(ctx, relation.kind, items);
  return toPage(items, offset, group.total, group.total === undefined ? group.items.length > offset + limit : undefined);
}

