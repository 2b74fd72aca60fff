/**
 * Walks a response along its query, field by field, with each field's call
 * cost (`extensions.cost`): what the naive count and the lower bound of the
 * benchmark are computed from.
 */
import {
  getNamedType, isAbstractType, isObjectType, Kind,
  type DocumentNode, type FragmentDefinitionNode, type GraphQLField, type GraphQLNamedType, type GraphQLObjectType,
  type GraphQLSchema, type SelectionSetNode,
} from 'graphql';
import type { FieldCost } from '../cost/estimate.js';

type Json = Record<string, unknown>;

/** One field of one parent object in the response. */
export interface VisitedField {
  field: GraphQLField<unknown, unknown>;
  cost: FieldCost | undefined;
  /** The field's value in the response (a list, an object, a scalar or null). */
  value: unknown;
}

export function walkResponse(schema: GraphQLSchema, document: DocumentNode, data: Json, visit: (visited: VisitedField) => void): void {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const operation = document.definitions.find((def) => def.kind === Kind.OPERATION_DEFINITION);
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) return;

  const objectTypeOf = (type: GraphQLNamedType, value: Json): GraphQLObjectType | undefined => {
    if (isObjectType(type)) return type;
    if (isAbstractType(type) && typeof value.__typename === 'string') return schema.getType(value.__typename) as GraphQLObjectType;
    return undefined;
  };

  const walk = (selectionSet: SelectionSetNode, type: GraphQLNamedType, value: unknown): void => {
    if (Array.isArray(value)) {
      for (const element of value) walk(selectionSet, type, element);
      return;
    }
    if (!value || typeof value !== 'object') return;
    const object = objectTypeOf(type, value as Json);
    if (!object) return;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (!selection.typeCondition || selection.typeCondition.name.value === object.name) walk(selection.selectionSet, object, value);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (fragment && fragment.typeCondition.name.value === object.name) walk(fragment.selectionSet, object, value);
        continue;
      }
      const field = object.getFields()[selection.name.value];
      if (!field) continue;
      const result = (value as Json)[selection.alias?.value ?? selection.name.value];
      visit({ field, cost: (field.extensions as { cost?: FieldCost }).cost, value: result });
      if (selection.selectionSet) walk(selection.selectionSet, getNamedType(field.type), result);
    }
  };
  walk(operation.selectionSet, schema.getQueryType()!, data);
}

/**
 * The SOAP calls a naive gateway would make for a response: one call per
 * resolver run that touches Upsales (each root list, each nested list per
 * parent, each reference per parent, each metadata lookup).
 */
export function naiveCalls(schema: GraphQLSchema, document: DocumentNode, data: Json): number {
  let calls = 0;
  walkResponse(schema, document, data, ({ cost, value }) => {
    if (!cost || cost.type === 'embeddedList' || value === null || value === undefined) return;
    // One call for the field itself; a list of references by id costs one call per element.
    calls += cost.type === 'byId' && Array.isArray(value) ? value.length : 1;
  });
  return calls;
}

/**
 * The fewest calls any gateway could answer the response with: each kind of
 * read it needs sent once (every item of a kind, by foreign key or by id, in
 * one call; each metadata list once), as if every level fitted one page.
 */
export function lowerBound(schema: GraphQLSchema, document: DocumentNode, data: Json): number {
  const reads = new Set<string>();
  walkResponse(schema, document, data, ({ field, cost, value }) => {
    if (!cost || cost.type === 'embeddedList' || value === null || value === undefined) return;
    if (Array.isArray(value) && value.length === 0 && cost.type === 'byId') return;
    reads.add(cost.type === 'meta' ? cost.list : getNamedType(field.type).name.replace(/Connection$/, ''));
  });
  return reads.size;
}
