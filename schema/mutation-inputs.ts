/**
 * Write inputs, generated from the kinds table: per kind `<Type>CreateInput`
 * (required fields non-null), `<Type>UpdateInput` (all optional: only the
 * fields given change, null clears) and `<Type>BatchUpdateInput` (the same
 * with the item's id). Read-only fields are left out.
 */
import { ITEM_KINDS, KINDS, STRUCTS, type ItemKind, type ScalarType } from '../src/contract/kinds.js';
import { isItemKind } from '../resolvers/relations.js';
import type { CustomFieldInput } from '../src/write/custom-fields.js';
import { writableFields, type WriteField } from '../src/write/fields.js';
import type { WriteMode } from '../src/write/inputs.js';
import { builder } from './builder.js';
import type { InputField, InputFields } from './pothos-types.js';

const SCALARS = {
  string: 'String', text: 'String', int: 'Int', float: 'Float', boolean: 'Boolean', date: 'Date', datetime: 'DateTime', id: 'Int',
} as const satisfies Record<ScalarType, string>;

const CustomFieldValueInput = builder.inputRef<CustomFieldInput>('CustomFieldValueInput').implement({
  description: 'A custom field value: the field by id or alias, the value as text (numbers, `true`/`false`, `YYYY-MM-DD`, `HH:MM`, MultiSelect options joined by `;`, a user id). Checked against the field\'s datatype before anything is sent.',
  fields: (t) => ({
    field: t.string({ required: true, description: 'The custom field id or alias' }),
    value: t.string({ description: 'null (or empty) clears the field' }),
  }),
});

const AddressInput = builder.inputType('AddressInput', {
  fields: (t) => fieldsOf(t, writableFields(STRUCTS.Address), 'update'),
});
const OrderRowInput = builder.inputType('OrderRowInput', {
  description: 'A new order row.',
  fields: (t) => fieldsOf(t, writableFields(STRUCTS.OrderRow), 'create'),
});
const OrderRowUpdateInput = builder.inputType('OrderRowUpdateInput', {
  description: 'A change to an existing order row: only the fields given change.',
  fields: (t) => ({
    id: t.int({ required: true, description: 'The row\'s id' }),
    ...fieldsOf(t, writableFields(STRUCTS.OrderRow), 'update'),
  }),
});
const OrderRowsUpdateInput = builder.inputType('OrderRowsUpdateInput', {
  description: 'Changes to the rows of an order, opportunity or agreement; rows not named stay as they are.',
  fields: (t) => ({
    create: t.field({ type: [OrderRowInput], required: { list: false, items: true }, description: 'Rows to add' }),
    update: t.field({ type: [OrderRowUpdateInput], required: { list: false, items: true }, description: 'Rows to change, by id' }),
    delete: t.field({ type: ['Int'], required: { list: false, items: true }, description: 'Ids of rows to remove' }),
  }),
});

const LIST = { list: false, items: true };

function inputField(t: InputFields, { spec }: WriteField, mode: WriteMode): InputField {
  const required = mode === 'create' && Boolean(spec.required);
  const doc = (extra?: string) => [spec.doc, extra].filter(Boolean).join('. ') || undefined;
  switch (spec.type) {
    case 'ref':
      return isItemKind(spec.target)
        ? t.field({ type: 'ID', required, description: doc(`The ${KINDS[spec.target].typeName}'s global id or Upsales id`) })
        : t.field({ type: 'Int', required, description: doc(`The ${spec.target} id`) });
    case 'refs':
      return isItemKind(spec.target)
        ? t.field({ type: ['ID'], required: required || LIST, description: doc(`${KINDS[spec.target].typeName} global ids or Upsales ids`) })
        : t.field({ type: ['Int'], required: required || LIST, description: doc(`${spec.target} ids`) });
    case 'customfields':
      return t.field({ type: [CustomFieldValueInput], required: LIST, description: 'Custom field values to set (null value: clear); others stay' });
    case 'struct':
      if (spec.struct === 'Stage') return t.field({ type: 'Int', required, description: doc('The order stage id') });
      if (spec.struct === 'OrderRow') {
        return mode === 'create'
          ? t.field({ type: [OrderRowInput], required: LIST, description: 'Order rows' })
          : t.field({ type: OrderRowsUpdateInput, description: 'Rows to add, change and remove' });
      }
      return t.field({ type: [AddressInput], required: required || LIST, description: doc('Replaces the whole list') });
    default:
      return t.field({ type: SCALARS[spec.type], required, description: spec.doc });
  }
}

function fieldsOf(t: InputFields, fields: WriteField[], mode: WriteMode): Record<string, InputField> {
  return Object.fromEntries(fields.map((field) => [field.name, inputField(t, field, mode)]));
}

function defineInputs(kind: ItemKind) {
  const { typeName } = KINDS[kind];
  const fields = writableFields(KINDS[kind].fields);
  return {
    create: builder.inputType(`${typeName}CreateInput`, {
      description: `A new ${kind}.`,
      fields: (t) => fieldsOf(t, fields, 'create'),
    }),
    update: builder.inputType(`${typeName}UpdateInput`, {
      description: `Changes to ${/^[aeiou]/.test(kind) ? 'an' : 'a'} ${kind}: only the fields given change; null clears a field.`,
      fields: (t) => fieldsOf(t, fields, 'update'),
    }),
    batchUpdate: builder.inputType(`${typeName}BatchUpdateInput`, {
      description: `Changes to one ${kind} of a batch: its id, and the fields to change (null clears).`,
      fields: (t) => ({
        id: t.id({ required: true, description: 'Global id or Upsales id' }),
        ...fieldsOf(t, fields, 'update'),
      }),
    }),
  };
}

const INPUTS = Object.fromEntries(ITEM_KINDS.map((kind) => [kind, defineInputs(kind)])) as
  Record<ItemKind, ReturnType<typeof defineInputs>>;

export const writeInputs = (kind: ItemKind) => INPUTS[kind];
