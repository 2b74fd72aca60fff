/**
 * A loadable Relay node ref per item kind: Pothos' loader keeps the request's
 * nodes and hands what it lacks to the request's id loader, which sends one
 * `getByCriteria(id in [...])` per kind per wave. Fields are attached in
 * nodes.ts; refs live apart so every schema file can point at them.
 */
import { ITEM_KINDS, KINDS, type ItemKind } from '../src/contract/kinds.js';
import type { ItemShape } from '../src/contract/item-shapes.js';
import type { Item } from '../src/contract/types.js';
import { BadUserInputError } from '../src/request/errors.js';
import type { ImplementableLoadableNodeRef } from '@pothos/plugin-dataloader';
import { builder } from './builder.js';
import type { Types } from './pothos-types.js';

function parseId(typeName: string) {
  return (id: string): number => {
    if (!/^\d+$/.test(id)) throw new BadUserInputError(`"${id}" is not the id of a ${typeName}`);
    return Number(id);
  };
}

function defineRef<K extends ItemKind>(kind: K): NodeRef<K> {
  const { typeName } = KINDS[kind];
  return builder.loadableNodeRef<Item | Error, number, number, number, ItemShape<K>>(typeName, {
    id: { resolve: (item) => item.id!, parse: parseId(typeName) },
    load: (ids, ctx) => ctx.loaders.byId(kind).loadMany(ids),
  });
}

/** The node ref of kind `K`: loaded by Upsales id, its shape the kind's wire item. */
export type NodeRef<K extends ItemKind> = ImplementableLoadableNodeRef<Types, number | ItemShape<K>, ItemShape<K>, number, number, number>;
type NodeRefs = { [K in ItemKind]: NodeRef<K> };

const NODES = Object.fromEntries(ITEM_KINDS.map((kind) => [kind, defineRef(kind)])) as NodeRefs;

export const nodeRef = <K extends ItemKind>(kind: K): NodeRefs[K] => NODES[kind];
