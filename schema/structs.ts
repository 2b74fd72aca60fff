/** Fields of the structures nested in items (addresses, order rows), from the STRUCTS table. */
import { STRUCTS, type StructName } from '../src/contract/kinds.js';
import type { ImplementableObjectRef } from '@pothos/core';
import { specFields } from './item-fields.js';
import type { Types } from './pothos-types.js';
import { STRUCT_REFS } from './struct-refs.js';

const DOCS: Partial<Record<StructName, string>> = {
  Address: 'A postal or visiting address of a client.',
  OrderRow: 'One row of an order, opportunity or agreement: a product, a quantity and a price.',
};

for (const name of Object.keys(STRUCT_REFS) as (keyof typeof STRUCT_REFS)[]) {
  const ref: ImplementableObjectRef<Types, object> = STRUCT_REFS[name];
  ref.implement({ description: DOCS[name], fields: (t) => specFields(t, STRUCTS[name]) });
}
