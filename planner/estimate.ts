/**
 * The plan of an operation, before it runs: per level, the items it may
 * reach and the SOAP calls they take. Fields that call upstream carry
 * `extensions.cost`; the walk multiplies by the page sizes the query asks for
 * (`first`) and by {@link LIST_SIZE_BOUND} for embedded lists, the way
 * GitHub's and Shopify's query costs do, and, given the account's counts,
 * caps each level by how many items of its kind exist: a level cannot hold
 * more distinct products than the account has.
 *
 * The planner sends a level's loads together, so a relation costs
 * ceil(items / 2000) calls and a lookup by id ceil(distinct ids / 1000),
 * whatever the number of parents. A relation's items are counted as its
 * parents times the page they ask for; when the data is denser, the relation
 * loader spends the extra calls only while the request has them left under
 * MAX_QUERY_CALLS, and otherwise refuses that field before spending them.
 */
import {
  getNamedType, isAbstractType, isObjectType, Kind, valueFromASTUntyped,
  type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLField, type GraphQLNamedType,
  type GraphQLSchema, type SelectionSetNode, type ValueNode,
} from 'graphql';
import { ITEM_KINDS, KINDS, type ItemKind } from '../src/contract/kinds.js';
import { MAX_LIMIT } from '../src/contract/wire.js';
import { ID_BATCH } from '../src/paged-reads.js';
import { decodeCursor, NESTED_PAGE, ROOT_PAGE } from '../resolvers/paging.js';

/** What a field costs. */
export type FieldCost =
  /** A root connection: one call for up to `first` items. */
  | { type: 'rootList' }
  /** One call, whatever the parents (a root lookup, `me`). */
  | { type: 'single' }
  /** A to-many relation: one call per page of its level's items. */
  | { type: 'relation' }
  /** A to-one or to-many reference by id: one call per {@link ID_BATCH} distinct ids of its level. */
  | { type: 'byId'; list: boolean }
  /** A metadata list, fetched at most once per request. */
  | { type: 'meta'; list: string; many?: boolean }
  /** An embedded list (order rows, addresses): no call, but multiplies below it. */
  | { type: 'embeddedList' }
  /**
   * A write of the items in argument `arg` (a list, or one item when absent):
   * one call per {@link EstimateOptions.batchSize} items, plus `extraPerBatch`
   * per {@link ID_BATCH} items (reading current rows), plus `fixed` (custom
   * field definitions).
   */
  | { type: 'write'; arg?: string; fixed: number; extraPerBatch?: number };

/** What the estimate needs to know of the gateway's configuration, and of the account. */
export interface EstimateOptions {
  /** Items per create/update/delete call (UPSALES_BATCH_SIZE). @default 100 */
  batchSize?: number;
  /** How many items of a kind the account has; without it, levels are not capped. */
  counts?: (kind: ItemKind) => number;
}

/** The calls an operation may need, and the kinds whose counts would cap its levels. */
export interface Estimate {
  calls: number;
  kinds: ItemKind[];
}

/** Assumed most elements of an embedded list (order rows, account managers) for the estimate. */
export const LIST_SIZE_BOUND = 10;

const costOf = (field: GraphQLField<unknown, unknown>): FieldCost | undefined =>
  (field.extensions as { cost?: FieldCost } | undefined)?.cost;

const KIND_OF_TYPE = new Map<string, ItemKind>(ITEM_KINDS.map((kind) => [KINDS[kind].typeName, kind]));
/** The item kind a node or connection type holds. */
const kindOf = (type: GraphQLNamedType): ItemKind | undefined => KIND_OF_TYPE.get(type.name.replace(/Connection$/, ''));

function intArg(node: FieldNode, name: string, variables: Record<string, unknown>): number | undefined {
  const arg = node.arguments?.find((a) => a.name.value === name);
  if (!arg) return undefined;
  const value: ValueNode = arg.value;
  if (value.kind === Kind.INT) return Number(value.value);
  if (value.kind === Kind.VARIABLE) {
    const v = variables[value.name.value];
    return typeof v === 'number' ? v : undefined;
  }
  return undefined;
}

/** Where `after` starts a page (0 without it, or when it is no cursor: execution will refuse it). */
function offsetArg(node: FieldNode, variables: Record<string, unknown>): number {
  const arg = node.arguments?.find((a) => a.name.value === 'after');
  const cursor = !arg ? undefined
    : arg.value.kind === Kind.STRING ? arg.value.value
      : arg.value.kind === Kind.VARIABLE ? variables[arg.value.name.value] : undefined;
  if (typeof cursor !== 'string') return 0;
  try {
    return decodeCursor(cursor) + 1;
  } catch {
    return 0;
  }
}

function listArgLength(node: FieldNode, name: string, variables: Record<string, unknown>): number {
  const arg = node.arguments?.find((a) => a.name.value === name);
  if (!arg) return 1;
  if (arg.value.kind === Kind.LIST) return arg.value.values.length;
  if (arg.value.kind === Kind.VARIABLE) {
    const v = variables[arg.value.name.value];
    return Array.isArray(v) ? v.length : 1;
  }
  return 1;
}

/** The values of a list argument (a literal list or a variable), or undefined without one. */
function listArgValues(node: FieldNode, name: string, variables: Record<string, unknown>): unknown[] | undefined {
  const arg = node.arguments?.find((a) => a.name.value === name);
  if (!arg) return undefined;
  const value = valueFromASTUntyped(arg.value, variables);
  return Array.isArray(value) ? value : [value];
}

/** Lookups of global ids: one per kind among them (the type name inside each id), ID_BATCH ids a call. */
function lookupsOf(ids: unknown[]): number {
  const perType = new Map<string, number>();
  for (const id of ids) {
    const type = typeof id === 'string' ? Buffer.from(id, 'base64').toString('utf8').split(':')[0] : '';
    perType.set(type, (perType.get(type) ?? 0) + 1);
  }
  return [...perType.values()].reduce((calls, count) => calls + Math.ceil(count / ID_BATCH), 0);
}

/** Whether a connection's `filter` names a custom field by alias (the definitions are fetched to resolve it). */
function filtersByAlias(node: FieldNode, variables: Record<string, unknown>): boolean {
  const arg = node.arguments?.find((a) => a.name.value === 'filter');
  const filter = arg ? valueFromASTUntyped(arg.value, variables) as { customFields?: { field?: unknown }[] } | null : null;
  return (filter?.customFields ?? []).some((custom) => typeof custom?.field === 'string' && !/^\d+$/.test(custom.field));
}

/** Calls of part of an operation: its own, and the metadata lists it reads (each fetched once per request). */
interface PartCost {
  calls: number;
  lists: ReadonlySet<string>;
}

const FREE: PartCost = { calls: 0, lists: new Set() };

function plus(a: PartCost, b: PartCost): PartCost {
  if (b.lists.size === 0 || [...b.lists].every((list) => a.lists.has(list))) return { calls: a.calls + b.calls, lists: a.lists };
  return { calls: a.calls + b.calls, lists: new Set([...a.lists, ...b.lists]) };
}

const withCalls = (calls: number, part: PartCost = FREE): PartCost => ({ calls: calls + part.calls, lists: part.lists });
const withList = (list: string, part: PartCost): PartCost => plus({ calls: 0, lists: new Set([list]) }, part);

/** The worst-case number of SOAP calls the chosen operation makes: {@link estimate}'s calls. */
export const estimateCalls = (
  schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> = {}, operationName?: string | null, options: EstimateOptions = {},
): number => estimate(schema, document, variables, operationName, options).calls;

/**
 * The worst-case number of SOAP calls the chosen operation makes, and the
 * kinds whose counts cap it. Takes time linear in the document: a fragment
 * is costed once for each number of parents it is reached with, however
 * often it is spread.
 */
export function estimate(
  schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> = {}, operationName?: string | null,
  { batchSize = 100, counts }: EstimateOptions = {},
): Estimate {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const operation = document.definitions.find((def) =>
    def.kind === Kind.OPERATION_DEFINITION && (!operationName || def.name?.value === operationName));
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) return { calls: 0, kinds: [] };
  const root = operation.operation === 'mutation' ? schema.getMutationType() : schema.getQueryType();
  if (!root) return { calls: 0, kinds: [] };
  const fragmentCosts = new Map<string, PartCost>();
  const capped = new Set<ItemKind>();
  /** At most as many items of `kind` as the account has. */
  const cap = (kind: ItemKind | undefined, items: number): number => {
    if (!kind) return items;
    capped.add(kind);
    return counts ? Math.min(items, counts(kind)) : items;
  };

  const spread = (name: string, parents: number, atRoot: boolean): PartCost => {
    const fragment = fragments.get(name);
    const on = fragment && schema.getType(fragment.typeCondition.name.value);
    if (!fragment || !on) return FREE;
    const key = `${name} ${parents} ${atRoot}`;
    let cost = fragmentCosts.get(key);
    if (!cost) {
      cost = walk(fragment.selectionSet, on, parents, atRoot);
      fragmentCosts.set(key, cost);
    }
    return cost;
  };

  const walk = (selectionSet: SelectionSetNode, type: GraphQLNamedType, parents: number, atRoot: boolean): PartCost => {
    const types = isAbstractType(type) ? schema.getPossibleTypes(type) : isObjectType(type) ? [type] : [];
    let total = FREE;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        const on = selection.typeCondition ? schema.getType(selection.typeCondition.name.value) : type;
        if (on) total = plus(total, walk(selection.selectionSet, on, parents, atRoot));
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        total = plus(total, spread(selection.name.value, parents, atRoot));
        continue;
      }
      // On an abstract type, the most expensive concrete type counts.
      let worst = FREE;
      for (const object of types) {
        const field = object.getFields()[selection.name.value];
        if (!field) continue;
        const cost = fieldCost(selection, field, parents, atRoot);
        if (cost.calls > worst.calls) worst = { calls: cost.calls, lists: new Set([...worst.lists, ...cost.lists]) };
        else worst = plus(worst, { calls: 0, lists: cost.lists });
      }
      total = plus(total, worst);
    }
    return total;
  };

  const fieldCost = (node: FieldNode, field: GraphQLField<unknown, unknown>, parents: number, atRoot: boolean): PartCost => {
    const cost = costOf(field);
    const named = getNamedType(field.type);
    const below = (count: number) => (node.selectionSet ? walk(node.selectionSet, named, count, false) : FREE);
    if (!cost) return below(parents);
    const own = ownCost(node, cost, kindOf(named), parents, atRoot, below);
    // Custom field aliases in a filter are looked up in the definitions (one list per request).
    return (cost.type === 'rootList' || cost.type === 'relation') && filtersByAlias(node, variables) ? withList('getCustomFields', own) : own;
  };

  const ownCost = (
    node: FieldNode, cost: FieldCost, kind: ItemKind | undefined, parents: number, atRoot: boolean, below: (count: number) => PartCost,
  ): PartCost => {
    switch (cost.type) {
      case 'rootList': {
        const first = Math.min(intArg(node, 'first', variables) ?? ROOT_PAGE.defaultSize, ROOT_PAGE.maxSize);
        return withCalls((atRoot ? 1 : parents) * Math.max(1, Math.ceil(first / MAX_LIMIT)), below(cap(kind, parents * first)));
      }
      case 'single': {
        const ids = listArgValues(node, 'ids', variables);
        const times = atRoot ? 1 : parents;
        // nodes(ids:): one lookup per kind among them, ID_BATCH ids a call.
        return ids ? withCalls(times * lookupsOf(ids), below(times * ids.length)) : withCalls(times, below(times));
      }
      case 'relation': {
        const first = Math.min(intArg(node, 'first', variables) ?? NESTED_PAGE.defaultSize, NESTED_PAGE.maxSize);
        // All parents of the level in one call by foreign key, a page of 2000 children per call.
        const items = cap(kind, parents * (offsetArg(node, variables) + first));
        return withCalls(parents > 0 ? Math.max(1, Math.ceil(items / MAX_LIMIT)) : 0, below(cap(kind, parents * first)));
      }
      case 'byId': {
        const distinct = cap(kind, parents * (cost.list ? LIST_SIZE_BOUND : 1));
        return withCalls(Math.ceil(distinct / ID_BATCH), below(distinct));
      }
      case 'meta':
        return withList(cost.list, below(parents * (cost.many ? LIST_SIZE_BOUND : 1)));
      case 'embeddedList':
        return below(parents * LIST_SIZE_BOUND);
      case 'write': {
        const n = cost.arg ? listArgLength(node, cost.arg, variables) : 1;
        const extra = cost.extraPerBatch ? cost.extraPerBatch * Math.ceil(n / ID_BATCH) : 0;
        return withCalls(Math.ceil(n / batchSize) + extra + cost.fixed, below(n));
      }
    }
  };

  const { calls, lists } = walk(operation.selectionSet, root, 1, true);
  return { calls: calls + lists.size, kinds: [...capped] };
}
