/**
 * Write payloads, Shopify-style, per kind from the kinds table:
 * - `<Type>Payload` (single create/update): the node as stored, `status`,
 *   `userErrors`;
 * - `<Type>BatchPayload` (batch create/update): `results` (one per input, in
 *   input order: `index`, `status`, `success`, the node, its `userErrors`),
 *   the written nodes, every error (each with its `index`) and `writtenCount`;
 * - `<Type>DeletePayload` / `<Type>BatchDeletePayload`: the same for deletes,
 *   with `DeleteResult`s (products are deactivated: their payloads also
 *   carry the product, read again).
 * Errors carry `field`: the input path from the argument down
 * (`["inputs", "3", "customFields", "0", "value"]`).
 */
import { encodeGlobalID } from '@pothos/plugin-relay';
import { ITEM_KINDS, KINDS, type ItemKind } from '../src/contract/kinds.js';
import type { WriteOutcome } from '../resolvers/write-batch.js';
import { USER_ERROR_CODES, type UserError } from '../src/write/user-errors.js';
import { builder } from './builder.js';
import { nodeRef } from './node-refs.js';
import type { ObjectField, ObjectFields } from './pothos-types.js';

const CODE_DOCS: Record<(typeof USER_ERROR_CODES)[number], string> = {
  BAD_USER_INPUT: 'A value was rejected (by the gateway before sending, or by Upsales): not written',
  FORBIDDEN: 'The caller\'s role may not write this item: not written',
  NOT_FOUND: 'The item (or order row) does not exist or is not visible to the caller',
  THROTTLED: 'The account\'s call budget refused the call: not written, retry later',
  UPSTREAM_ERROR: 'Upsales failed: not written',
  UPSTREAM_UNCERTAIN: 'Upsales did not answer in time: the item may have been written; look before writing it again',
};

const UserErrorCode = builder.enumType('UserErrorCode', {
  values: Object.fromEntries(USER_ERROR_CODES.map((code) => [code, { description: CODE_DOCS[code] }])),
});

const WriteStatus = builder.enumType('WriteStatus', {
  values: {
    WRITTEN: { description: 'Upsales stored it' },
    CONFIRMED_AFTER_TIMEOUT: { description: 'The call timed out; a lookup found it stored (a create found by its natural key, an update or delete read again)' },
    FAILED: { description: 'Not written: see userErrors' },
    UNCERTAIN: { description: 'The call timed out and it could not be told whether it was written (code UPSTREAM_UNCERTAIN)' },
  },
});

const UserErrorRef = builder.objectRef<UserError>('UserError').implement({
  description: 'Why one item was not written.',
  fields: (t) => ({
    index: t.int({ description: 'The item\'s position in the batch input; null for single-item mutations', resolve: (e) => e.index }),
    field: t.stringList({ description: 'Path of the input field at fault, from the argument down; null when no one field is', resolve: (e) => e.field }),
    message: t.string({ nullable: false, resolve: (e) => e.message }),
    code: t.field({ type: UserErrorCode, nullable: false, resolve: (e) => e.code }),
  }),
});

const lowerFirst = (name: string) => name.charAt(0).toLowerCase() + name.slice(1);
const isWritten = (o: WriteOutcome) => o.status === 'WRITTEN' || o.status === 'CONFIRMED_AFTER_TIMEOUT';
const allErrors = (outcomes: WriteOutcome[]) => outcomes.flatMap((o) => o.errors);

/** Fields every result and payload has. */
const outcomeFields = (t: ObjectFields<WriteOutcome>) => ({
  status: t.field({ type: WriteStatus, nullable: false, resolve: (o) => o.status }),
  userErrors: t.field({ type: [UserErrorRef], nullable: false, resolve: (o) => o.errors }),
});
const batchFields = (t: ObjectFields<WriteOutcome[]>) => ({
  userErrors: t.field({ type: [UserErrorRef], nullable: false, description: 'Every item\'s errors, each with its index', resolve: allErrors }),
  writtenCount: t.int({ nullable: false, description: 'Items written (or confirmed written after a timeout)', resolve: (os) => os.filter(isWritten).length }),
});

interface DeleteRow { outcome: WriteOutcome; kind: ItemKind }

const DeleteResultRef = builder.objectRef<DeleteRow>('DeleteResult').implement({
  description: 'The result of one id of a batch delete (for products: deactivation), in input order.',
  fields: (t) => ({
    index: t.int({ nullable: false, resolve: (r) => r.outcome.index }),
    id: t.id({ description: 'Global id of the item, when the id could be read', resolve: (r) => globalId(r.kind, r.outcome) }),
    upsalesId: t.int({ resolve: (r) => r.outcome.upsalesId }),
    success: t.boolean({ nullable: false, resolve: (r) => isWritten(r.outcome) }),
    status: t.field({ type: WriteStatus, nullable: false, resolve: (r) => r.outcome.status }),
    userErrors: t.field({ type: [UserErrorRef], nullable: false, resolve: (r) => r.outcome.errors }),
  }),
});

const globalId = (kind: ItemKind, o: WriteOutcome) => (o.upsalesId === undefined ? null : encodeGlobalID(KINDS[kind].typeName, String(o.upsalesId)));

function definePayloads(kind: ItemKind) {
  const { typeName, plural } = KINDS[kind];
  const node = lowerFirst(typeName);
  const deactivates = KINDS[kind].deleteMeans === 'deactivate';
  /** The items read again after deactivation (one batched call). */
  const rereadAll = (t: ObjectFields<WriteOutcome[]>): ObjectField => t.field({
    type: [nodeRef(kind)],
    nullable: false,
    description: `The deactivated ${plural}, read again`,
    extensions: { cost: { type: 'byId', list: true } },
    resolve: (os) => os.filter(isWritten).map((o) => o.upsalesId!),
  });
  /** The item read again after deactivation. */
  const reread = (t: ObjectFields<WriteOutcome>): ObjectField => t.field({
    type: nodeRef(kind),
    nullable: true,
    description: `The deactivated ${kind}, read again`,
    extensions: { cost: { type: 'byId', list: false } },
    resolve: (o) => (isWritten(o) ? o.upsalesId : null),
  });

  const result = builder.objectRef<WriteOutcome>(`${typeName}WriteResult`).implement({
    description: `The result of one input of a batch ${kind} write, in input order.`,
    fields: (t) => ({
      index: t.int({ nullable: false, resolve: (o) => o.index }),
      success: t.boolean({ nullable: false, resolve: isWritten }),
      [node]: t.field({ type: nodeRef(kind), description: 'As stored', resolve: (o) => (isWritten(o) ? o.item : null) }),
      ...outcomeFields(t),
    }),
  });
  return {
    single: builder.objectRef<WriteOutcome>(`${typeName}Payload`).implement({
      description: `The ${kind} written, as stored, or why not.`,
      fields: (t) => ({
        [node]: t.field({ type: nodeRef(kind), description: 'As stored; null when not written', resolve: (o) => (isWritten(o) ? o.item : null) }),
        ...outcomeFields(t),
      }),
    }),
    batch: builder.objectRef<WriteOutcome[]>(`${typeName}BatchPayload`).implement({
      description: `One result per input, in input order; the ${plural} written; every error.`,
      fields: (t) => ({
        results: t.field({ type: [result], nullable: false, resolve: (os) => os }),
        [plural]: t.field({
          type: [nodeRef(kind)], nullable: false, description: `The ${plural} written, as stored, in input order`,
          resolve: (os) => os.filter(isWritten).map((o) => o.item!),
        }),
        ...batchFields(t),
      }),
    }),
    delete: builder.objectRef<WriteOutcome>(`${typeName}DeletePayload`).implement({
      description: deactivates ? `The ${kind} deactivated (${plural} are never deleted), or why not.` : `The ${kind} deleted, or why not.`,
      fields: (t) => ({
        deletedId: t.id({ description: 'Global id of the item deleted; null when not', resolve: (o) => (isWritten(o) ? globalId(kind, o) : null) }),
        deletedUpsalesId: t.int({ resolve: (o) => (isWritten(o) ? o.upsalesId : null) }),
        ...(deactivates ? { [node]: reread(t) } : {}),
        ...outcomeFields(t),
      }),
    }),
    batchDelete: builder.objectRef<WriteOutcome[]>(`${typeName}BatchDeletePayload`).implement({
      description: `One result per id, in input order; the ids ${deactivates ? 'deactivated' : 'deleted'}; every error.`,
      fields: (t) => ({
        results: t.field({ type: [DeleteResultRef], nullable: false, resolve: (os) => os.map((outcome) => ({ outcome, kind })) }),
        deletedIds: t.idList({ nullable: false, resolve: (os) => os.filter(isWritten).map((o) => globalId(kind, o)!) }),
        ...(deactivates ? { [plural]: rereadAll(t) } : {}),
        ...batchFields(t),
      }),
    }),
  };
}

const PAYLOADS = Object.fromEntries(ITEM_KINDS.map((kind) => [kind, definePayloads(kind)])) as
  Record<ItemKind, ReturnType<typeof definePayloads>>;

export const writePayloads = (kind: ItemKind) => PAYLOADS[kind];
