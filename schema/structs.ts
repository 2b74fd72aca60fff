/** Structures nested in items (addresses, order rows), from the STRUCTS table. */
import { STRUCTS, type FieldSpec, type StructName } from '../src/contract/kinds.js';
import { builder } from './builder.js';
import { specFields, type AnyFieldBuilder } from './item-fields.js';
import { metaRef } from './metadata-refs.js';

type Shape = Record<string, unknown>;

const DOCS: Partial<Record<StructName, string>> = {
  Address: 'A postal or visiting address of a client.',
  OrderRow: 'One row of an order, opportunity or agreement: a product, a quantity and a price.',
};

const REFS = {
  Address: builder.objectRef<Shape>('Address'),
  OrderRow: builder.objectRef<Shape>('OrderRow'),
};

for (const name of Object.keys(REFS) as (keyof typeof REFS)[]) {
  REFS[name].implement({
    description: DOCS[name],
    fields: (t: AnyFieldBuilder) => specFields(t, STRUCTS[name] as Record<string, FieldSpec>) as never,
  });
}

/** The object type of a structure; an order's stage is the OrderStage metadata type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const structRef = (name: StructName): any => (name === 'Stage' ? metaRef('orderStage') : REFS[name]);
