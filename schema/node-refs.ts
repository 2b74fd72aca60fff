/**
 * A loadable Relay node ref per item kind: Pothos' loader keeps the request's
 * nodes and hands what it lacks to the request's id loader, which sends one
 * `getByCriteria(id in [...])` per kind per wave. Fields are attached in
 * nodes.ts; refs live apart so every schema file can point at them.
 */
import { KINDS, type ItemKind } from '../src/contract/kinds.js';
import type { Item } from '../src/contract/types.js';
import { BadUserInputError } from '../src/request/errors.js';
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
    load: (ids: number[], ctx) => ctx.loaders.byId(kind).loadMany(ids),
  });
}

const NODES = Object.fromEntries((Object.keys(KINDS) as ItemKind[]).map((kind) => [kind, defineRef(kind)])) as {
  [K in ItemKind]: ReturnType<typeof defineRef>;
};

export const nodeRef = (kind: ItemKind) => NODES[kind];
