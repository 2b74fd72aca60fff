/**
 * Per kind, from the kinds table: `create<Type>`, `update<Type>`,
 * `delete<Type>` (products: deactivate) and the batch forms
 * `create<Plural>`, `update<Plural>`, `delete<Plural>`. All run through one
 * write engine (resolvers/write-batch.ts): inputs checked before any call,
 * chunks of UPSALES_BATCH_SIZE, one result per item, no blind retries.
 */
import { ITEM_KINDS, KINDS, type ItemKind } from '../src/contract/kinds.js';
import type { Item } from '../src/contract/types.js';
import type { GatewayContext } from './context.js';
import { CHECKED_PER_ITEM } from '../src/request/input-text.js';
import { createItems, deleteItems, updateItems, type NodeCache, type UpdateEntry, type WriteTarget } from '../resolvers/write-batch.js';
import { builder } from './builder.js';
import { writeInputs } from './mutation-inputs.js';
import { writePayloads } from './mutation-payloads.js';
import { nodeRef } from './node-refs.js';
import type { MutationField, MutationFields } from './pothos-types.js';

builder.mutationType({
  description: 'Writes to Upsales CRM. Each costs SOAP calls from your account\'s shared budget: one per UPSALES_BATCH_SIZE items, plus one for custom field definitions when a custom field is named.',
});

/** The request's node loaders, kept in step with what was written. */
const nodeCache = (ctx: GatewayContext): NodeCache => ({
  prime: (kind: ItemKind, item: Item) => void nodeRef(kind).getDataloader(ctx).clear(item.id!).prime(item.id!, item),
  forget: (kind: ItemKind, id: number) => void nodeRef(kind).getDataloader(ctx).clear(id),
  forgetAll: () => ITEM_KINDS.forEach((kind) => nodeRef(kind).getDataloader(ctx).clearAll()),
});

/** `a client`, `an order`. */
const an = (noun: string) => `${/^[aeiou]/.test(noun) ? 'an' : 'a'} ${noun}`;
const capitalize = (name: string) => name.charAt(0).toUpperCase() + name.slice(1);
const target = (ctx: GatewayContext, kind: ItemKind, batch: boolean): WriteTarget => ({ ctx, kind, cache: nodeCache(ctx), batch });

function kindMutations(t: MutationFields, kind: ItemKind): [string, MutationField][] {
  const { typeName, plural } = KINDS[kind];
  const Plural = capitalize(plural);
  const inputs = writeInputs(kind);
  const payloads = writePayloads(kind);
  const hasRows = 'orderRow' in KINDS[kind].fields;
  const deactivates = KINDS[kind].deleteMeans === 'deactivate';
  const del = deactivates ? 'Deactivates' : 'Deletes';
  const write = (arg: string | undefined, fixed: number, extraPerBatch = 0) => ({ cost: { type: 'write', arg, fixed, extraPerBatch } });
  return [
    [`create${typeName}`, t.field({
      type: payloads.single,
      description: `Creates ${an(kind)}.`,
      args: { input: t.arg({ type: inputs.create, required: true, extensions: CHECKED_PER_ITEM }) },
      extensions: write(undefined, 1),
      resolve: async (_r, args, ctx) => (await createItems(target(ctx, kind, false), [args.input]))[0],
    })],
    [`update${typeName}`, t.field({
      type: payloads.single,
      description: `Changes ${an(kind)}: only the fields given change; null clears a field.`,
      args: {
        id: t.arg.id({ required: true, description: 'Global id or Upsales id', extensions: CHECKED_PER_ITEM }),
        input: t.arg({ type: inputs.update, required: true, extensions: CHECKED_PER_ITEM }),
      },
      extensions: write(undefined, 1, hasRows ? 1 : 0),
      resolve: async (_r, args, ctx) =>
        (await updateItems(target(ctx, kind, false), [{ id: args.id, input: args.input }]))[0],
    })],
    [`delete${typeName}`, t.field({
      type: payloads.delete,
      description: `${del} ${an(kind)}.`,
      args: { id: t.arg.id({ required: true, description: 'Global id or Upsales id', extensions: CHECKED_PER_ITEM }) },
      extensions: write(undefined, 0),
      resolve: async (_r, args, ctx) => (await deleteItems(target(ctx, kind, false), [args.id]))[0],
    })],
    [`create${Plural}`, t.field({
      type: payloads.batch,
      description: `Creates ${plural}: one result per input, in input order; bad items never stop the good ones.`,
      args: { inputs: t.arg({ type: [inputs.create], required: true, extensions: CHECKED_PER_ITEM }) },
      extensions: write('inputs', 1),
      resolve: (_r, args, ctx) => createItems(target(ctx, kind, true), args.inputs),
    })],
    [`update${Plural}`, t.field({
      type: payloads.batch,
      description: `Changes ${plural} (each: its id and the fields to change): one result per input, in input order.`,
      args: { inputs: t.arg({ type: [inputs.batchUpdate], required: true, extensions: CHECKED_PER_ITEM }) },
      extensions: write('inputs', 1, hasRows ? 1 : 0),
      resolve: (_r, args, ctx) =>
        updateItems(target(ctx, kind, true), args.inputs.map(({ id, ...input }): UpdateEntry => ({ id, input }))),
    })],
    [`delete${Plural}`, t.field({
      type: payloads.batchDelete,
      description: `${del} ${plural}: one result per id, in input order.`,
      args: { ids: t.arg.idList({ required: true, description: 'Global ids or Upsales ids', extensions: CHECKED_PER_ITEM }) },
      extensions: write('ids', 0),
      resolve: (_r, args, ctx) => deleteItems(target(ctx, kind, true), args.ids),
    })],
  ];
}

builder.mutationFields((t) => Object.fromEntries(ITEM_KINDS.flatMap((kind) => kindMutations(t, kind))));
