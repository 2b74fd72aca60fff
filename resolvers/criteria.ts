/**
 * GraphQL filters and orderings as upstream criteria and sort, derived from
 * the kinds table: every scalar field, every related id and every custom
 * field can be filtered.
 */
import { KINDS, type FieldSpec, type ItemKind } from '../src/contract/kinds.js';
import type { Criterion, SortSpec } from '../src/contract/types.js';
import type { CriteriaOperator } from '../src/contract/wire.js';
import { BadUserInputError } from '../src/request/errors.js';
import { upstreamId } from '../src/request/global-id.js';
import { preview } from '../src/request/input-text.js';
import { ID_BATCH } from '../src/upstream/paged-reads.js';

/** How a filterable field's values are typed in GraphQL. */
export type FilterValueType = 'ID' | 'String' | 'Int' | 'Float' | 'Boolean' | 'Date' | 'DateTime';

export interface FilterableField {
  /** Name in the GraphQL filter input. */
  name: string;
  /** Upstream criteria field (`name`, `client.id`, `stage.id`). */
  wire: string;
  valueType: FilterValueType;
  /** For ID filters: the node type whose global ids are accepted. */
  target?: string;
  sortable: boolean;
}

const SCALAR_VALUE: Record<string, FilterValueType> = {
  id: 'ID', string: 'String', text: 'String', int: 'Int', float: 'Float', boolean: 'Boolean', date: 'Date', datetime: 'DateTime',
};

/** Operators each value type accepts. */
export const OPERATORS_OF: Record<FilterValueType, CriteriaOperator[]> = {
  ID: ['eq', 'ne', 'in', 'isNull'],
  String: ['eq', 'ne', 'in', 'lt', 'lte', 'gt', 'gte', 'contains', 'startsWith', 'isNull'],
  Int: ['eq', 'ne', 'in', 'lt', 'lte', 'gt', 'gte', 'isNull'],
  Float: ['eq', 'ne', 'in', 'lt', 'lte', 'gt', 'gte', 'isNull'],
  Boolean: ['eq', 'ne', 'isNull'],
  Date: ['eq', 'ne', 'in', 'lt', 'lte', 'gt', 'gte', 'isNull'],
  DateTime: ['eq', 'ne', 'in', 'lt', 'lte', 'gt', 'gte', 'isNull'],
};

function fieldFilter(kind: ItemKind, wire: string, spec: FieldSpec): FilterableField | null {
  const name = spec.gql ?? wire;
  switch (spec.type) {
    case 'ref':
    case 'refs':
      if (spec.target in KINDS) {
        return { name, wire: `${wire}.id`, valueType: 'ID', target: KINDS[spec.target as ItemKind].typeName, sortable: false };
      }
      return { name, wire: `${wire}.id`, valueType: 'Int', sortable: false };
    case 'struct':
      if (spec.struct === 'Stage') return { name, wire: `${wire}.id`, valueType: 'Int', sortable: false };
      return null;
    case 'customfields':
      return null;
    default:
      return {
        name, wire, valueType: SCALAR_VALUE[spec.type],
        target: spec.type === 'id' ? KINDS[kind].typeName : undefined,
        sortable: spec.type !== 'text',
      };
  }
}

const cache = new Map<ItemKind, FilterableField[]>();
/** The filterable fields of a kind, in table order. */
export function filterableFields(kind: ItemKind): FilterableField[] {
  let fields = cache.get(kind);
  if (!fields) {
    fields = Object.entries(KINDS[kind].fields as Record<string, FieldSpec>)
      .map(([wire, spec]) => fieldFilter(kind, wire, spec))
      .filter((field): field is FilterableField => field !== null);
    // Order rows are filterable by product.
    if ('orderRow' in KINDS[kind].fields) {
      fields.push({ name: 'product', wire: 'orderRow.product.id', valueType: 'ID', target: 'Product', sortable: false });
    }
    cache.set(kind, fields);
  }
  return fields;
}

function wireValue(field: FilterableField, value: unknown, what: string): string {
  if (field.valueType === 'ID') return String(upstreamId(String(value), field.target!, what));
  return String(value);
}

export type OperatorInput = Partial<Record<CriteriaOperator, unknown>>;
export interface CustomFieldFilterInput extends OperatorInput { field: string }
export type FilterInput = Record<string, OperatorInput | CustomFieldFilterInput[] | null | undefined>;

/** Values of one `in` filter: at least one (Upsales refuses an empty list), at most one id lookup's worth. */
export const MAX_IN_VALUES = ID_BATCH;

/** Operator inputs as criteria on one upstream field; `what` names the filter in errors. */
function operatorCriteria(wire: string, ops: OperatorInput, what: string, encode: (value: unknown, op: string) => string): Criterion[] {
  const criteria: Criterion[] = [];
  for (const [operator, value] of Object.entries(ops) as [CriteriaOperator, unknown][]) {
    if (value === undefined || value === null) continue;
    if (operator === 'isNull') criteria.push({ field: wire, operator, values: [String(Boolean(value))] });
    else if (operator === 'in') {
      const values = value as unknown[];
      if (values.length === 0 || values.length > MAX_IN_VALUES) {
        throw new BadUserInputError(`${what}.in has ${values.length} values: give 1 to ${MAX_IN_VALUES}`);
      }
      criteria.push({ field: wire, operator, values: values.map((v) => encode(v, operator)) });
    }
    else criteria.push({ field: wire, operator, values: [encode(value, operator)] });
  }
  return criteria;
}

/**
 * A kind's filter input as upstream criteria (AND). Custom fields are named
 * by id or alias; `resolveCustomField` turns an alias into an id.
 */
export function filterToCriteria(
  kind: ItemKind,
  filter: FilterInput | null | undefined,
  resolveCustomField: (nameOrId: string) => number,
): Criterion[] {
  if (!filter) return [];
  const criteria: Criterion[] = [];
  for (const field of filterableFields(kind)) {
    const ops = filter[field.name] as OperatorInput | null | undefined;
    if (ops) criteria.push(...operatorCriteria(field.wire, ops, `filter.${field.name}`, (value) => wireValue(field, value, `filter.${field.name}`)));
  }
  for (const custom of (filter.customFields as CustomFieldFilterInput[] | null | undefined) ?? []) {
    const { field, ...ops } = custom;
    criteria.push(...operatorCriteria(`custom.${resolveCustomField(field)}`, ops, `filter.customFields(${preview(field)})`, (value) => String(value)));
  }
  return criteria;
}

export interface OrderByInput { field: string; direction?: 'ASC' | 'DESC' | null }

/** Orderings as upstream sort, with `id` last so paging is stable. */
export function orderToSort(kind: ItemKind, orderBy: OrderByInput[] | null | undefined): SortSpec[] {
  const byName = new Map(filterableFields(kind).map((field) => [field.name, field]));
  const sort = (orderBy ?? []).map((order) => {
    const field = byName.get(order.field);
    if (!field?.sortable) throw new BadUserInputError(`orderBy: ${order.field} cannot be sorted on`);
    return { field: field.wire, descending: order.direction === 'DESC' };
  });
  if (!sort.some((spec) => spec.field === 'id')) sort.push({ field: 'id', descending: false });
  return sort;
}
