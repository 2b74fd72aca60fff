/** Every item kind's node type: its own fields and its relations, from the kinds table. */
import { KINDS, type FieldSpec, type ItemKind } from '../src/contract/kinds.js';
import type { AnyFieldBuilder } from './builder.js';
import { specFields } from './item-fields.js';
import { nodeRef } from './node-refs.js';
import { relationFields } from './relation-fields.js';

for (const kind of Object.keys(KINDS) as ItemKind[]) {
  const spec = KINDS[kind];
  nodeRef(kind).implement({
    description: `An Upsales ${kind}, from ${spec.service}.`,
    fields: (t: AnyFieldBuilder) => ({
      ...specFields(t, spec.fields as Record<string, FieldSpec>, 'upsalesId'),
      ...relationFields(t, kind),
    }) as never,
  });
}
