/**
 * What a connection field's selection reads of its page beyond the items:
 * the total, and whether more items follow. A nested connection asked for
 * neither is served from the first items of its parent, without counting
 * them all.
 */
import { Kind, type FieldNode, type FragmentDefinitionNode, type GraphQLResolveInfo, type SelectionSetNode } from 'graphql';

export interface PageSelection {
  /** `totalCount` is read. */
  totalCount: boolean;
  /** `pageInfo { hasNextPage }` is read. */
  hasNextPage: boolean;
}

/** The fields named in `selectionSet` (through fragments; `@skip`/`@include` are taken as read), with their sub-selections. */
function* fieldsOf(selectionSet: SelectionSetNode | undefined, fragments: Record<string, FragmentDefinitionNode>): Generator<[string, SelectionSetNode | undefined]> {
  for (const selection of selectionSet?.selections ?? []) {
    if (selection.kind === Kind.FIELD) yield [selection.name.value, selection.selectionSet];
    else if (selection.kind === Kind.INLINE_FRAGMENT) yield* fieldsOf(selection.selectionSet, fragments);
    else yield* fieldsOf(fragments[selection.name.value]?.selectionSet, fragments);
  }
}

/** Per field (graphql-js shares a field's nodes among all its parents' resolves), what it reads. */
const known = new WeakMap<readonly FieldNode[], PageSelection>();

/** What the connection field being resolved reads of its page (worked out once per field, not per parent). */
export function pageSelection(info: Pick<GraphQLResolveInfo, 'fieldNodes' | 'fragments'>): PageSelection {
  const found = known.get(info.fieldNodes);
  if (found) return found;
  const read: PageSelection = { totalCount: false, hasNextPage: false };
  for (const node of info.fieldNodes) {
    for (const [name, below] of fieldsOf(node.selectionSet, info.fragments)) {
      if (name === 'totalCount') read.totalCount = true;
      if (name === 'pageInfo') {
        for (const [field] of fieldsOf(below, info.fragments)) if (field === 'hasNextPage') read.hasNextPage = true;
      }
    }
  }
  known.set(info.fieldNodes, read);
  return read;
}
