/**
 * What a nested connection's selection reads of its page: a total is counted
 * only when read, wherever the selection names it (fragments included).
 */
import { Kind, parse, type FieldNode, type FragmentDefinitionNode, type OperationDefinitionNode } from 'graphql';
import { describe, expect, it } from 'vitest';
import { pageSelection } from '../../resolvers/page-selection.js';

/** The selection of every `activities` field of the document, as its resolver's info would hold it. */
function selectionOf(document: string) {
  const parsed = parse(document);
  const fragments = Object.fromEntries(parsed.definitions
    .filter((def): def is FragmentDefinitionNode => def.kind === Kind.FRAGMENT_DEFINITION)
    .map((def) => [def.name.value, def]));
  const operation = parsed.definitions.find((def): def is OperationDefinitionNode => def.kind === Kind.OPERATION_DEFINITION)!;
  const fieldNodes: FieldNode[] = [];
  const visit = (node: { selectionSet?: { selections: readonly unknown[] } }) => {
    for (const selection of (node.selectionSet?.selections ?? []) as FieldNode[]) {
      if (selection.kind === Kind.FIELD && selection.name.value === 'activities') fieldNodes.push(selection);
      else visit(selection);
    }
  };
  visit(operation);
  return pageSelection({ fieldNodes, fragments });
}

describe('pageSelection', () => {
  it('reads neither for items alone, in nodes or edges', () => {
    expect(selectionOf('{ me { activities { nodes { id } edges { cursor node { id } } pageInfo { endCursor } } } }'))
      .toEqual({ totalCount: false, hasNextPage: false });
  });

  it('finds totalCount and hasNextPage in inline fragments and named ones', () => {
    expect(selectionOf('{ me { activities { ... on ActivityConnection { totalCount } } } }')).toEqual({ totalCount: true, hasNextPage: false });
    expect(selectionOf('{ me { activities { ...Page } } } fragment Page on ActivityConnection { pageInfo { ...Next } } fragment Next on PageInfo { hasNextPage }'))
      .toEqual({ totalCount: false, hasNextPage: true });
  });

  it('takes a field under @skip or @include as read', () => {
    expect(selectionOf('query($s: Boolean!) { me { activities { totalCount @skip(if: $s) } } }')).toEqual({ totalCount: true, hasNextPage: false });
  });

  it('merges the nodes of one response key', () => {
    expect(selectionOf('{ me { activities { nodes { id } } activities { totalCount } } }')).toEqual({ totalCount: true, hasNextPage: false });
  });
});
