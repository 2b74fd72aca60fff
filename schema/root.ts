/** Per kind: a lookup by id and a root connection, from the kinds table. */
import { ITEM_KINDS, KINDS, type ItemKind } from '../src/contract/kinds.js';
import { BadUserInputError } from '../src/request/errors.js';
import { upstreamId } from '../src/request/global-id.js';
import { builder } from './builder.js';
import { connectionArgs, connectionRef, rootConnection } from './connections.js';
import { nodeRef } from './node-refs.js';
import type { QueryField, QueryFields } from './pothos-types.js';
import { ROOT_PAGE } from '../resolvers/paging.js';

const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

function kindFields(t: QueryFields, kind: ItemKind): [string, QueryField][] {
  const { typeName, plural } = KINDS[kind];
  return [
    [lowerFirst(typeName), t.field({
      type: nodeRef(kind),
      description: `One ${kind} by its global id or its Upsales id.`,
      args: { id: t.arg.id(), upsalesId: t.arg.int() },
      extensions: { cost: { type: 'byId', list: false } },
      resolve: (_root, args) => {
        if ((args.id == null) === (args.upsalesId == null)) throw new BadUserInputError(`${lowerFirst(typeName)}: give exactly one of id and upsalesId`);
        return args.upsalesId ?? upstreamId(args.id!, typeName, 'id');
      },
    })],
    [plural, t.field({
      type: connectionRef(kind),
      nullable: false,
      description: `${typeName} items the caller may see, filtered, ordered and paged (one SOAP call per page).`,
      args: connectionArgs(t.arg, kind, ROOT_PAGE),
      extensions: { cost: { type: 'rootList' } },
      resolve: (_root, args, ctx) => rootConnection(ctx, kind, args),
    })],
  ];
}

builder.queryFields((t) => Object.fromEntries(ITEM_KINDS.flatMap((kind) => kindFields(t, kind))));
