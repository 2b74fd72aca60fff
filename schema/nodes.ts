/** Every item kind's node type: its own fields and its relations, from the kinds table. */
import { ITEM_KINDS, KINDS, type ItemKind } from '../src/contract/kinds.js';
import { specFields } from './item-fields.js';
import { nodeRef } from './node-refs.js';
import { relationFields } from './relation-fields.js';

function implement<K extends ItemKind>(kind: K): void {
  const spec = KINDS[kind];
  nodeRef(kind).implement({
    description: `An Upsales ${kind}, from ${spec.service}.`,
    fields: (t) => ({
      ...specFields(t, spec.fields, 'upsalesId'),
      ...relationFields(t, kind),
    }),
  });
}
ITEM_KINDS.forEach(implement);
