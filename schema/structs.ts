/** Fields of the structures nested in items (addresses, order rows), from the STRUCTS table. */
import { STRUCTS, type FieldSpec, type StructName } from '../src/contract/kinds.js';
import type { AnyFieldBuilder } from './builder.js';
import { specFields } from './item-fields.js';
import { STRUCT_REFS } from './struct-refs.js';

const DOCS: Partial<Record<StructName, string>> = {
  Address: 'A postal or visiting address of a client.',
  OrderRow: 'One row of an order, opportunity or agreement: a product, a quantity and a price.',
};

for (const name of Object.keys(STRUCT_REFS) as (keyof typeof STRUCT_REFS)[]) {
  STRUCT_REFS[name].implement({
    description: DOCS[name],
    fields: (t: AnyFieldBuilder) => specFields(t, STRUCTS[name] as Record<string, FieldSpec>) as never,
  });
}
