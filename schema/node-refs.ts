/**
 * A loadable Relay node ref per item kind: loading by id is batched into one
 * `getByCriteria(id in [...])` per kind per tick. Fields are attached in
 * nodes.ts; refs live apart so every schema file can point at them.
 */
import { KINDS, type ItemKind } from '../src/contract/kinds.js';
import type { Item } from '../src/contract/types.js';
import { BadUserInputError } from '../src/errors.js';
import { ID_BATCH, loadByIds } from '../resolvers/loaders.js';
import { builder } from './builder.js';

function parseId(typeName: string) {
  return (id: string): number => {
    if (!/^\d+$/.test(id)) throw new BadUserInputError(`"${id}" is not the id of a ${typeName}`);
    return Number(id);
  };
}

function defineRef(kind: ItemKind) {
  const { typeName } = KINDS[kind];
  return builder.loadableNodeRef(typeName, {
    id: { resolve: (item: Item) => item.id!, parse: parseId(typeName) },
    loaderOptions: { maxBatchSize: ID_BATCH },
    load: (ids: number[], ctx) => loadByIds(ctx.upstream, kind, ids),
  });
}

const NODES = Object.fromEntries((Object.keys(KINDS) as ItemKind[]).map((kind) => [kind, defineRef(kind)])) as {
  [K in ItemKind]: ReturnType<typeof defineRef>;
};

export const nodeRef = (kind: ItemKind) => NODES[kind];
