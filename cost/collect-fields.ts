/**
 * GraphQL's field collection (CollectFields in the spec), for the estimate:
 * the fields of one or more selection sets on an object type, merged by
 * response key. A field reached through several fragments, or written twice,
 * is one field, as execution runs it once; `@skip`/`@include` leave fields out
 * as execution does. Deferred fragments are collected apart, as the executor
 * runs them apart (`@graphql-tools/executor`'s `collectFields`).
 */
import {
  getDirectiveValues, GraphQLIncludeDirective, GraphQLSkipDirective, isAbstractType, Kind, valueFromASTUntyped,
  type FieldNode, type FragmentDefinitionNode, type FragmentSpreadNode, type GraphQLObjectType, type GraphQLSchema,
  type InlineFragmentNode, type SelectionSetNode,
} from 'graphql';

export interface CollectedFields {
  /** Per response key, the field nodes that make up that one field. */
  fields: Map<string, FieldNode[]>;
  /** The selection sets of deferred fragments that apply, each run on its own. */
  deferred: SelectionSetNode[];
}

type Variables = Record<string, unknown>;

function included(node: FieldNode | FragmentSpreadNode | InlineFragmentNode, variables: Variables): boolean {
  if (getDirectiveValues(GraphQLSkipDirective, node, variables)?.if === true) return false;
  return getDirectiveValues(GraphQLIncludeDirective, node, variables)?.if !== false;
}

function deferred(node: FragmentSpreadNode | InlineFragmentNode, variables: Variables): boolean {
  const defer = node.directives?.find((directive) => directive.name.value === 'defer');
  const condition = defer?.arguments?.find((arg) => arg.name.value === 'if');
  return !!defer && (!condition || valueFromASTUntyped(condition.value, variables) !== false);
}

/** The fields `selectionSets` select on `object`, merged by response key. */
export function collectFields(
  schema: GraphQLSchema, fragments: ReadonlyMap<string, FragmentDefinitionNode>, variables: Variables,
  object: GraphQLObjectType, selectionSets: readonly SelectionSetNode[],
): CollectedFields {
  const collected: CollectedFields = { fields: new Map(), deferred: [] };
  const visited = new Set<string>();
  const applies = (condition: string | undefined): boolean => {
    if (!condition || condition === object.name) return true;
    const type = schema.getType(condition);
    return !!type && isAbstractType(type) && schema.isSubType(type, object);
  };
  const collect = (selectionSet: SelectionSetNode): void => {
    for (const selection of selectionSet.selections) {
      if (!included(selection, variables)) continue;
      if (selection.kind === Kind.FIELD) {
        const key = selection.alias?.value ?? selection.name.value;
        const same = collected.fields.get(key);
        if (same) same.push(selection);
        else collected.fields.set(key, [selection]);
        continue;
      }
      const isDeferred = deferred(selection, variables);
      let target: SelectionSetNode;
      if (selection.kind === Kind.INLINE_FRAGMENT) {
        if (!applies(selection.typeCondition?.name.value)) continue;
        target = selection.selectionSet;
      } else {
        const name = selection.name.value;
        if (visited.has(name) && !isDeferred) continue;
        const fragment = fragments.get(name);
        if (!fragment || !applies(fragment.typeCondition.name.value)) continue;
        if (!isDeferred) visited.add(name);
        target = fragment.selectionSet;
      }
      if (isDeferred) collected.deferred.push(target);
      else collect(target);
    }
  };
  for (const selectionSet of selectionSets) collect(selectionSet);
  return collected;
}
