/**
 * The object refs of the structures nested in items (addresses, order rows).
 * Their fields are attached in structs.ts; refs live apart so item-fields.ts
 * can point at them.
 */
import type { StructName } from '../src/contract/kinds.js';
import { builder } from './builder.js';
import { metaRef } from './metadata-refs.js';

type Shape = Record<string, unknown>;

export const STRUCT_REFS = {
  Address: builder.objectRef<Shape>('Address'),
  OrderRow: builder.objectRef<Shape>('OrderRow'),
};

/** The object type of a structure; an order's stage is the OrderStage metadata type. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export const structRef = (name: StructName): any => (name === 'Stage' ? metaRef('orderStage') : STRUCT_REFS[name]);
