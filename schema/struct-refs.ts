/**
 * The object refs of the structures nested in items (addresses, order rows).
 * Their fields are attached in structs.ts; refs live apart so item-fields.ts
 * can point at them.
 */
import type { StructName } from '../src/contract/kinds.js';
import type { StructShape } from '../src/contract/item-shapes.js';
import type { OutputShape } from '@pothos/core';
import { builder } from './builder.js';
import { metaRef } from './metadata-refs.js';
import type { Types } from './pothos-types.js';

export const STRUCT_REFS = {
  Address: builder.objectRef<StructShape<'Address'>>('Address'),
  OrderRow: builder.objectRef<StructShape<'OrderRow'>>('OrderRow'),
};

/** The object type of a structure; an order's stage is the OrderStage metadata type. */
export const structRef = (name: StructName) => (name === 'Stage' ? metaRef('orderStage') : STRUCT_REFS[name]);

/** What a structure field holds. */
export type StructObject = OutputShape<Types, ReturnType<typeof structRef>>;
