/** The to-many relation connections of a parent type, from the derived relation table. */
import type { GraphQLResolveInfo } from 'graphql';
import type { ItemKind, MetaKind } from '../src/contract/kinds.js';
import type { GatewayContext } from './context.js';
import { pageSelection } from '../resolvers/page-selection.js';
import { relationsOf } from '../resolvers/relations.js';
import { connectionArgs, connectionRef, relationConnection, type ConnectionArgs } from './connections.js';
import type { AnyFieldBuilder } from './builder.js';
import { NESTED_PAGE } from '../resolvers/paging.js';

export function relationFields(t: AnyFieldBuilder, parent: ItemKind | MetaKind): Record<string, unknown> {
  return Object.fromEntries(relationsOf(parent).map((relation) => [relation.name, t.field({
    type: connectionRef(relation.kind),
    nullable: false,
    description: relation.doc,
    args: connectionArgs(t, relation.kind, NESTED_PAGE),
    extensions: { cost: { type: 'relation' } },
    resolve: (parentItem: { id: number }, args: ConnectionArgs, ctx: GatewayContext, info: GraphQLResolveInfo) =>
      relationConnection(ctx, relation, parentItem.id, args, pageSelection(info)),
  })]));
}
