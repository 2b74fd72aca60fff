/**
 * The SOAP calls a naive gateway would make for a response: one call per
 * resolver run that touches Upsales (each root list, each nested list per
 * parent, each reference per parent, each metadata lookup), counted by
 * walking the response along the query.
 */
import {
  getNamedType, isAbstractType, isObjectType, Kind,
  type DocumentNode, type FragmentDefinitionNode, type GraphQLNamedType, type GraphQLObjectType, type GraphQLSchema,
  type SelectionSetNode,
} from 'graphql';

type Json = Record<string, unknown>;

export function naiveCalls(schema: GraphQLSchema, document: DocumentNode, data: Json): number {
  const fragments = new Map<string, FragmentDefinitionNode>();
  for (const def of document.definitions) if (def.kind === Kind.FRAGMENT_DEFINITION) fragments.set(def.name.value, def);
  const operation = document.definitions.find((def) => def.kind === Kind.OPERATION_DEFINITION);
  if (!operation || operation.kind !== Kind.OPERATION_DEFINITION) return 0;

  const objectTypeOf = (type: GraphQLNamedType, value: Json): GraphQLObjectType | undefined => {
    if (isObjectType(type)) return type;
    if (isAbstractType(type) && typeof value.__typename === 'string') return schema.getType(value.__typename) as GraphQLObjectType;
    return undefined;
  };

  const walk = (selectionSet: SelectionSetNode, type: GraphQLNamedType, value: unknown): number => {
    if (Array.isArray(value)) return value.reduce((sum: number, element) => sum + walk(selectionSet, type, element), 0);
    if (!value || typeof value !== 'object') return 0;
    const object = objectTypeOf(type, value as Json);
    if (!object) return 0;
    let calls = 0;
    for (const selection of selectionSet.selections) {
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (!selection.typeCondition || selection.typeCondition.name.value === object.name) calls += walk(selection.selectionSet, object, value);
        continue;
      }
      if (selection.kind === Kind.FRAGMENT_SPREAD) {
        const fragment = fragments.get(selection.name.value);
        if (fragment && fragment.typeCondition.name.value === object.name) calls += walk(fragment.selectionSet, object, value);
        continue;
      }
      const field = object.getFields()[selection.name.value];
      if (!field) continue;
      const result = (value as Json)[selection.alias?.value ?? selection.name.value];
      const cost = (field.extensions as { cost?: { type: string } }).cost;
      if (cost && cost.type !== 'embeddedList' && result !== null && result !== undefined) {
        // One call for the field itself; a list of references by id costs one call per element.
        calls += cost.type === 'byId' && Array.isArray(result) ? result.length : 1;
      }
      if (selection.selectionSet) calls += walk(selection.selectionSet, getNamedType(field.type), result);
    }
    return calls;
  };
  return walk(operation.selectionSet, schema.getQueryType()!, data);
}
