/** Per kind: a lookup by id and a root connection, from the kinds table. */
import { KINDS, type ItemKind } from '../src/contract/kinds.js';
import type { GatewayContext } from './context.js';
import { BadUserInputError } from '../src/request/errors.js';
import { upstreamId } from '../src/request/global-id.js';
import { builder } from './builder.js';
import { connectionArgs, connectionRef, rootConnection, type ConnectionArgs } from './connections.js';
import type { AnyFieldBuilder } from './builder.js';
import { nodeRef } from './node-refs.js';
import { ROOT_PAGE } from '../resolvers/paging.js';

const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);

builder.queryFields((t: AnyFieldBuilder) => Object.fromEntries((Object.keys(KINDS) as ItemKind[]).flatMap((kind) => {
  const { typeName, plural } = KINDS[kind];
  return [
    [lowerFirst(typeName), t.field({
      type: nodeRef(kind),
      description: `One ${kind} by its global id or its Upsales id.`,
      args: { id: t.arg.id(), upsalesId: t.arg.int() },
      extensions: { cost: { type: 'byId', list: false } },
      resolve: (_root: unknown, args: { id?: string | null; upsalesId?: number | null }) => {
        if ((args.id == null) === (args.upsalesId == null)) throw new BadUserInputError(`${lowerFirst(typeName)}: give exactly one of id and upsalesId`);
        return args.upsalesId ?? upstreamId(args.id!, typeName, 'id');
      },
    })],
    [plural, t.field({
      type: connectionRef(kind),
      nullable: false,
      description: `${typeName} items the caller may see, filtered, ordered and paged (one SOAP call per page).`,
      args: connectionArgs(t, kind, ROOT_PAGE),
      extensions: { cost: { type: 'rootList' } },
      resolve: (_root: unknown, args: ConnectionArgs, ctx: GatewayContext) => rootConnection(ctx, kind, args),
    })],
  ];
})) as never);
