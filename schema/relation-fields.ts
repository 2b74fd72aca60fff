/** The to-many relation connections of a parent type, from the derived relation table. */
import type { ItemKind, MetaKind } from '../src/contract/kinds.js';
import { pageSelection } from '../resolvers/page-selection.js';
import { relationsOf } from '../resolvers/relations.js';
import { connectionArgs, connectionRef, relationConnection } from './connections.js';
import type { ObjectField, ObjectFields } from './pothos-types.js';
import { wireField } from './wire-field.js';
import { NESTED_PAGE } from '../resolvers/paging.js';

export function relationFields(t: ObjectFields<object>, parent: ItemKind | MetaKind): Record<string, ObjectField> {
  return Object.fromEntries(relationsOf(parent).map((relation) => [relation.name, t.field({
    type: connectionRef(relation.kind),
    nullable: false,
    description: relation.doc,
    args: connectionArgs(t.arg, relation.kind, NESTED_PAGE),
    extensions: { cost: { type: 'relation' } },
    resolve: (parentItem, args, ctx, info) => relationConnection(ctx, relation, wireField<number>(parentItem, 'id'), args, pageSelection(info)),
  })]));
}
