/**
 * Per kind: the connection type (with totalCount), the filter input, the
 * orderBy input, and the resolvers of root and nested connections. All from
 * the kinds table.
 */
import { ITEM_KINDS, KINDS, type ItemKind } from '../src/contract/kinds.js';
import type { Criterion, Item } from '../src/contract/types.js';
import { CRITERIA_OPERATORS } from '../src/contract/wire.js';
import type { GatewayContext } from './context.js';
import { BadUserInputError } from '../src/request/errors.js';
import { preview } from '../src/request/input-text.js';
import {
  filterableFields, filterToCriteria, OPERATORS_OF, orderToSort,
  type CustomFieldFilterInput, type FilterInput, type FilterValueType, type OperatorInput, type OrderByInput,
} from '../resolvers/criteria.js';
import type { PageSelection } from '../resolvers/page-selection.js';
import { NESTED_PAGE, pageWindow, ROOT_PAGE, toPage, type PageArgs } from '../resolvers/paging.js';
import type { Relation } from '../resolvers/relations.js';
import { builder } from './builder.js';
import { nodeRef } from './node-refs.js';
import type { Args } from './pothos-types.js';

const VALUE_TYPES = Object.keys(OPERATORS_OF) as FilterValueType[];

/** `StringFilter`, `IntFilter`, ...: the operators a value type accepts. */
function operatorInput(valueType: FilterValueType) {
  return builder.inputRef<OperatorInput>(`${valueType}Filter`).implement({
    description: `Conditions on a ${valueType} field, joined by AND.`,
    fields: (t) => Object.fromEntries(OPERATORS_OF[valueType].map((op) => [op,
      op === 'isNull' ? t.boolean({ description: 'true: only items without a value; false: only items with one' })
        : op === 'in' ? t.field({ type: [valueType], required: { list: false, items: true } })
          : t.field({ type: valueType }),
    ])),
  });
}
const OPERATOR_INPUTS = Object.fromEntries(VALUE_TYPES.map((valueType) => [valueType, operatorInput(valueType)])) as
  Record<FilterValueType, ReturnType<typeof operatorInput>>;

const CustomFieldFilter = builder.inputRef<CustomFieldFilterInput>('CustomFieldFilter').implement({
  description: 'Conditions on one custom field, named by its id or alias; values as text (dates YYYY-MM-DD, booleans true/false).',
  fields: (t) => ({
    field: t.string({ required: true, description: 'The custom field id or alias' }),
    ...Object.fromEntries(CRITERIA_OPERATORS.map((op) => [op,
      op === 'isNull' ? t.boolean() : op === 'in' ? t.stringList() : t.string(),
    ])),
  }),
});

const OrderDirection = builder.enumType('OrderDirection', { values: ['ASC', 'DESC'] as const });

function defineKindInputs<K extends ItemKind>(kind: K) {
  const { typeName } = KINDS[kind];
  const fields = filterableFields(kind);
  const filter = builder.inputRef<FilterInput>(`${typeName}Filter`).implement({
    description: `Conditions on ${KINDS[kind].plural}, joined by AND. Related items are named by their global id (or Upsales id).`,
    fields: (t) => ({
      ...Object.fromEntries(fields.map((field) => [field.name, t.field({ type: OPERATOR_INPUTS[field.valueType] })])),
      customFields: t.field({ type: [CustomFieldFilter], description: 'Conditions on custom fields' }),
    }),
  });
  const orderField = builder.enumType(`${typeName}OrderField`, {
    values: fields.filter((field) => field.sortable).map((field) => field.name),
  });
  const orderBy = builder.inputRef<OrderByInput>(`${typeName}OrderBy`).implement({
    fields: (t) => ({
      field: t.field({ type: orderField, required: true }),
      direction: t.field({ type: OrderDirection, defaultValue: 'ASC' }),
    }),
  });
  const connection = builder.connectionObject({
    type: nodeRef(kind),
    name: `${typeName}Connection`,
    fields: (t) => ({
      totalCount: t.int({
        nullable: false,
        description: 'Items matching the filter (that the caller may see)',
        resolve: (page) => {
          if (page.totalCount === undefined) throw new Error('totalCount was read though the selection seemed not to ask for it');
          return page.totalCount;
        },
      }),
    }),
  }, { name: `${typeName}Edge` });
  return { filter, orderBy, connection };
}

type KindInputs = { [K in ItemKind]: ReturnType<typeof defineKindInputs<K>> };
const INPUTS = Object.fromEntries(ITEM_KINDS.map((kind) => [kind, defineKindInputs(kind)])) as KindInputs;

export const connectionRef = <K extends ItemKind>(kind: K): KindInputs[K]['connection'] => INPUTS[kind].connection;

/** The arguments of a connection over `kind`. */
export function connectionArgs(arg: Args, kind: ItemKind, sizes: { defaultSize: number; maxSize: number }) {
  return {
    first: arg.int({ description: `Items to return (default ${sizes.defaultSize}, at most ${sizes.maxSize})` }),
    after: arg.string({ description: 'Return items after this cursor' }),
    filter: arg({ type: INPUTS[kind].filter }),
    orderBy: arg({ type: [INPUTS[kind].orderBy], required: false, description: 'Sort keys, in order; id last' }),
  };
}

export interface ConnectionArgs extends PageArgs {
  filter?: FilterInput | null;
  orderBy?: OrderByInput[] | null;
}

/** The filter as criteria; custom field aliases are looked up in the definitions (one metadata call). */
export async function criteriaFor(ctx: GatewayContext, kind: ItemKind, filter: FilterInput | null | undefined): Promise<Criterion[]> {
  const customs = Array.isArray(filter?.customFields) ? filter.customFields : [];
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

