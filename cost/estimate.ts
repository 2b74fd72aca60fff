/**
 * The plan of an operation, before it runs: per level, the items it may
 * reach and the SOAP calls they take. Fields that call upstream carry
 * `extensions.cost`; the walk multiplies by the page sizes the query asks for
 * (`first`) and by {@link LIST_SIZE_BOUND} for embedded lists, the way
 * GitHub's and Shopify's query costs do, and, given the account's counts,
 * caps each level by how many items of its kind exist: a level cannot hold
 * more distinct products than the account has.
 *
 * It counts the way the level scheduler (resolvers/level-scheduler.ts) sends. Fields are merged by response key as
 * execution merges them (collect-fields.ts), so a field spread through
 * several fragments is one field. A level's loads go out together: lookups
 * by id of one kind share ceil(distinct ids / 1000) calls, and a relation's
 * loads with the same arguments ceil(items / 2000), whatever the number of
 * parents and of fields asking. A relation's items are counted as its
 * parents times the page they ask for; when the data is denser, the relation
 * loader spends the extra calls only while the request has them left under
 * MAX_QUERY_CALLS, and otherwise refuses that field before spending them.
 */
import {
  getNamedType, isAbstractType, isObjectType, Kind,
  type DocumentNode, type FieldNode, type FragmentDefinitionNode, type GraphQLField, type GraphQLNamedType,
  type GraphQLObjectType, type GraphQLSchema, type SelectionSetNode,
} from 'graphql';
import { ITEM_KINDS, KINDS, type ItemKind } from '../src/contract/kinds.js';
import { MAX_LIMIT } from '../src/contract/wire.js';
import { ID_BATCH } from '../src/upstream/paged-reads.js';
import { NESTED_PAGE, ROOT_PAGE } from '../resolvers/paging.js';
import { collectFields } from './collect-fields.js';
import { argumentsKey, filtersByAlias, intArg, listArgLength, listArgValues, offsetArg } from './field-args.js';

/** What a field costs. */
export type FieldCost =
  /** A root connection: one call for up to `first` items. */
  | { type: 'rootList' }
  /** One call of its own (`me`, `rateLimit`). */
  | { type: 'single' }
  /** Lookups of the global ids in argument `arg` (`node`, `nodes`), sent with the other lookups of their kinds at their level. */
  | { type: 'lookup'; arg: string }
  /** A to-many relation: one call per page of its level's items. */
  | { type: 'relation' }
  /**
   * A to-one or to-many reference by id: one call per {@link ID_BATCH}
   * distinct ids of its kind at its level. `after`: a metadata list its
   * resolver reads first, so that its load waits for it.
   */
  | { type: 'byId'; list: boolean; after?: string }
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
/** The item kind a global id names, if any. */
const kindOfId = (id: unknown): ItemKind | undefined =>
  (typeof id === 'string' ? KIND_OF_TYPE.get(Buffer.from(id, 'base64').toString('utf8').split(':')[0]) : undefined);

/** Loads sent in the same calls: one loader's keys at one level, or the calls of one field of its own. */
interface Batch {
  /** The kind whose count caps `items`. */
  kind?: ItemKind;
  /** Items one call takes. */
  per: number;
  /** One call as soon as anything asks, even for no items (a relation's call by foreign key). */
  once: boolean;
  /** Parents or ids asking: no call without any. */
  asks: number;
  items: number;
}

/** The loads of part of an operation, keyed by the calls they share, and the metadata lists it reads (each fetched once per request). */
interface PartCost {
  batches: Map<string, Batch>;
  lists: Set<string>;
}

const emptyPart = (): PartCost => ({ batches: new Map(), lists: new Set() });
const FREE: PartCost = emptyPart();

/** `part`'s loads added to `total`'s: what both parts ask. */
function addInto(total: PartCost, part: PartCost): PartCost {
  for (const [key, batch] of part.batches) {
    const same = total.batches.get(key);
    if (same) {
      same.asks += batch.asks;
      same.items += batch.items;
    } else {
      total.batches.set(key, { ...batch });
    }
  }
  for (const list of part.lists) total.lists.add(list);
  return total;
}

/** The larger of each load: what either of two types may ask, for parents of either. */
function maxInto(total: PartCost, part: PartCost): void {
  for (const [key, batch] of part.batches) {
    const same = total.batches.get(key);
    if (same) {
      same.asks = Math.max(same.asks, batch.asks);
      same.items = Math.max(same.items, batch.items);
    } else {
      total.batches.set(key, { ...batch });
    }
  }
  for (const list of part.lists) total.lists.add(list);
}

/**
 * Where a selection runs: on how many parent objects, in which wave of the
 * level scheduler its loads go out, and after what besides the level above
 * (`scope`: a metadata list, a mutation field before it, a lookup that may
 * answer from what the request has read). Loads of different scopes are
 * never counted in one call: their waves may differ.
 */
interface At {
  parents: number;
  level: number;
  scope: string;
  atRoot: boolean;
}

/** The worst-case number of SOAP calls the chosen operation makes: {@link estimate}'s calls. */
export const estimateCalls = (
  schema: GraphQLSchema, document: DocumentNode, variables: Record<string, unknown> = {}, operationName?: string | null, options: EstimateOptions = {},
): number => estimate(schema, document, variables, operationName, options).calls;

/**
 * The worst-case number of SOAP calls the chosen operation makes, and the
 * kinds whose counts cap it. Takes time linear in the document: the fields
 * of a set of selection sets are collected and costed once for each number
 * of parents they are reached with, however often they are spread.
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
  const capped = new Set<ItemKind>();
  /** At most as many items of `kind` as the account has. */
  const cap = (kind: ItemKind | undefined, items: number): number => {
    if (!kind) return items;
    capped.add(kind);
    return counts ? Math.min(items, counts(kind)) : items;
  };
  const nodeIds = new Map<object, number>();
  const idOf = (node: object): number => {
    let id = nodeIds.get(node);
    if (id === undefined) {
      id = nodeIds.size;
      nodeIds.set(node, id);
    }
    return id;
  };
  const memo = new Map<string, PartCost>();

  const selections = (selectionSets: readonly SelectionSetNode[], type: GraphQLNamedType, at: At): PartCost => {
    const key = `${selectionSets.map(idOf).join(',')} ${type.name} ${at.parents} ${at.level} ${at.scope} ${at.atRoot}`;
    let cost = memo.get(key);
    if (cost) return cost;
    cost = emptyPart();
    // On an abstract type, each load counts as much as the concrete type that asks the most of it.
    const objects = isAbstractType(type) ? schema.getPossibleTypes(type) : isObjectType(type) ? [type] : [];
    for (const object of objects) {
      const { fields, deferred } = collectFields(schema, fragments, variables, object, selectionSets);
      const part = emptyPart();
      for (const [responseKey, nodes] of fields) {
        const field = object.getFields()[nodes[0].name.value];
        // Mutation fields run one after the other: the loads of one never go out with another's.
        const fieldAt = at.atRoot && operation.operation === 'mutation' ? { ...at, scope: `${responseKey}/` } : at;
        if (field) addInto(part, fieldCost(nodes, field, object, fieldAt));
      }
      for (const selectionSet of deferred) addInto(part, selections([selectionSet], object, at));
      maxInto(cost, part);
    }
    memo.set(key, cost);
    return cost;
  };

  const fieldCost = (nodes: FieldNode[], field: GraphQLField<unknown, unknown>, parent: GraphQLObjectType, at: At): PartCost => {
    const cost = costOf(field);
    const named = getNamedType(field.type);
    const subSelections = nodes.flatMap((node) => (node.selectionSet ? [node.selectionSet] : []));
    const below = (parents: number, level = at.level + 1, scope = at.scope): PartCost =>
      (subSelections.length ? selections(subSelections, named, { parents, level, scope, atRoot: false }) : FREE);
    if (!cost) return below(at.parents, at.level);
    const node = nodes[0];
    const kind = kindOf(named);
    /** Loads that wait for the metadata list `list` (fetched in this wave, or before). */
    const after = (list: string): string => `${at.scope}${list}@${at.level}/`;
    const part = emptyPart();
    const send = (key: string, batch: Batch) => addInto(part, { batches: new Map([[key, batch]]), lists: FREE.lists });
    /** Calls of this field's own, not shared with any other field. */
    const own = (calls: number) => send(`own ${idOf(node)}`, { per: 1, once: false, asks: calls, items: calls });
    const times = at.atRoot ? 1 : at.parents;
    switch (cost.type) {
      case 'rootList': {
        const first = Math.min(intArg(node, 'first', variables) ?? ROOT_PAGE.defaultSize, ROOT_PAGE.maxSize);
        const aliases = filtersByAlias(node, variables);
        if (aliases) part.lists.add('getCustomFields');
        own(times * Math.max(1, Math.ceil(first / MAX_LIMIT)));
        return addInto(part, below(cap(kind, at.parents * first), at.level + 1, aliases ? after('getCustomFields') : at.scope));
      }
      case 'single':
        own(times);
        return addInto(part, below(times));
      case 'lookup': {
        const ids = listArgValues(node, cost.arg, variables) ?? [];
        let unknown = 0;
        for (const id of ids) {
          const of = kindOfId(id);
          if (of) send(`${at.scope}${at.level} id ${of}`, { kind: of, per: ID_BATCH, once: false, asks: times, items: times });
          else unknown += 1;
        }
        if (unknown) own(times * Math.ceil(unknown / ID_BATCH));
        return addInto(part, below(times * ids.length, at.level + 1, `${at.scope}node@${at.level}/`));
      }
      case 'relation': {
        const first = Math.min(intArg(node, 'first', variables) ?? NESTED_PAGE.defaultSize, NESTED_PAGE.maxSize);
        const aliases = filtersByAlias(node, variables);
        if (aliases) part.lists.add('getCustomFields');
        const scope = aliases ? after('getCustomFields') : at.scope;
        // All parents of the level in one call by foreign key, a page of 2000 children per call, with every field that asks the same.
        send(`${scope}${at.level} ${parent.name}.${field.name}${argumentsKey(node, variables)}`, {
          kind, per: MAX_LIMIT, once: true, asks: at.parents, items: at.parents * (offsetArg(node, variables) + first),
        });
        return addInto(part, below(cap(kind, at.parents * first), at.level + 1, scope));
      }
      case 'byId': {
        const scope = cost.after ? after(cost.after) : at.scope;
        if (cost.after) part.lists.add(cost.after);
        const ids = at.parents * (cost.list ? LIST_SIZE_BOUND : 1);
        send(`${scope}${at.level} id ${kind ?? named.name}`, { kind, per: ID_BATCH, once: false, asks: ids, items: ids });
        // Items already read in this request answer at once, so what is below them may go out a wave early.
        return addInto(part, below(cap(kind, ids), at.level + 1, `${scope}${kind ?? named.name}@${at.level}/`));
      }
      case 'meta':
        part.lists.add(cost.list);
        return addInto(part, below(at.parents * (cost.many ? LIST_SIZE_BOUND : 1), at.level + 1, after(cost.list)));
      case 'embeddedList':
        return below(at.parents * LIST_SIZE_BOUND, at.level);
      case 'write': {
        const n = cost.arg ? listArgLength(node, cost.arg, variables) : 1;
        const extra = cost.extraPerBatch ? cost.extraPerBatch * Math.ceil(n / ID_BATCH) : 0;
        own(Math.ceil(n / batchSize) + extra + cost.fixed);
        return addInto(part, below(n));
      }
    }
  };

  const { batches, lists } = selections([operation.selectionSet], root, { parents: 1, level: 0, scope: '', atRoot: true });
  let calls = lists.size;
  for (const { kind, per, once, asks, items } of batches.values()) {
    if (asks > 0) calls += Math.max(once ? 1 : 0, Math.ceil(cap(kind, items) / per));
  }
  return { calls, kinds: [...capped] };
}
