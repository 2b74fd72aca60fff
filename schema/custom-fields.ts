/**
 * Custom field values on every kind: the raw wire value, its definition and
 * a typed reading of it; lookup by field id or alias.
 */
import type { CustomFieldDefinition, CustomFieldValue as WireValue } from '../src/contract/types.js';
import type { GatewayContext } from './context.js';
import { builder } from './builder.js';
import { metaRef } from './metadata-refs.js';
import { nodeRef } from './node-refs.js';
import type { ObjectField, ObjectFields } from './pothos-types.js';
import { wireField } from './wire-field.js';

type Value = WireValue;

const NUMERIC = new Set(['Currency', 'Percent', 'Discount']);
const definitionCost = { cost: { type: 'meta', list: 'getCustomFields' } };

async function definitionOf(ctx: GatewayContext, value: Value): Promise<CustomFieldDefinition | undefined> {
  return (await ctx.loaders.customFields()).find((definition) => definition.id === value.fieldId);
}

/** The value read as `datatypes`, or null when the field is of another datatype. */
function typed<T>(datatypes: (datatype: string) => boolean, read: (raw: string) => T) {
  return async (value: Value, _args: unknown, ctx: GatewayContext): Promise<T | null> => {
    const definition = await definitionOf(ctx, value);
    return definition && datatypes(definition.datatype) ? read(value.value) : null;
  };
}

const CustomFieldValueRef = builder.objectRef<Value>('CustomFieldValue').implement({
  description: 'The value of one custom field. Read it as `raw`, or typed through the field of its datatype (the others are null).',
  fields: (t) => ({
    fieldId: t.int({ nullable: false, resolve: (value) => value.fieldId }),
    raw: t.string({ nullable: false, description: 'As Upsales stores it', resolve: (value) => value.value }),
    definition: t.field({ type: metaRef('customFieldDefinition'), extensions: definitionCost, resolve: (value, _a, ctx) => definitionOf(ctx, value) }),
    alias: t.string({ extensions: definitionCost, resolve: async (value, _a, ctx) => (await definitionOf(ctx, value))?.alias }),
    datatype: t.string({ extensions: definitionCost, resolve: async (value, _a, ctx) => (await definitionOf(ctx, value))?.datatype }),
    string: t.string({ extensions: definitionCost, description: 'String, Text, Email, Link, Phone, Select', resolve: typed((d) => ['String', 'Text', 'Email', 'Link', 'Phone', 'Select'].includes(d), (raw) => raw) }),
    int: t.int({ extensions: definitionCost, description: 'Integer', resolve: typed((d) => d === 'Integer', (raw) => Number.parseInt(raw, 10)) }),
    float: t.float({ extensions: definitionCost, description: 'Integer, Currency, Percent, Discount', resolve: typed((d) => d === 'Integer' || NUMERIC.has(d), Number) }),
    boolean: t.boolean({ extensions: definitionCost, description: 'Boolean', resolve: typed((d) => d === 'Boolean', (raw) => raw === 'true' || raw === '1') }),
    date: t.field({ type: 'Date', extensions: definitionCost, description: 'Date', resolve: typed((d) => d === 'Date', (raw) => raw) }),
    time: t.field({ type: 'Time', extensions: definitionCost, description: 'Time', resolve: typed((d) => d === 'Time', (raw) => raw) }),
    list: t.stringList({ extensions: definitionCost, description: 'MultiSelect: the chosen options', resolve: typed((d) => d === 'MultiSelect', (raw) => raw.split(';').filter(Boolean)) }),
    user: t.field({
      type: nodeRef('user'), extensions: { cost: { type: 'byId', list: false, after: 'getCustomFields' } }, description: 'User: the user it names',
      resolve: async (value, _a, ctx) => ((await definitionOf(ctx, value))?.datatype === 'User' ? Number(value.value) : null),
    }),
  }),
});

/** Custom field ids matching the requested ids or aliases. */
async function selected(ctx: GatewayContext, values: Value[], names: string[] | null | undefined): Promise<Value[]> {
  if (!names?.length) return values;
  const aliases = names.filter((name) => !/^\d+$/.test(name));
  const definitions = aliases.length ? await ctx.loaders.customFields() : [];
  const wanted = new Set(names.map((name) => (/^\d+$/.test(name) ? Number(name) : definitions.find((d) => d.alias === name)?.id)));
  return values.filter((value) => wanted.has(value.fieldId));
}

/** `customFields(fields:)` and `customField(field:)` over the wire field `wire` of an item or row. */
export function customFieldsField(t: ObjectFields<object>, wire: string): ObjectField {
  return t.field({
    type: [CustomFieldValueRef],
    nullable: false,
    description: 'Custom field values (a field without a value has none); `fields` picks some by id or alias',
    args: { fields: t.arg.stringList({ description: 'Custom field ids or aliases' }) },
    resolve: (item, args, ctx) => selected(ctx, wireField<Value[] | null | undefined>(item, wire) ?? [], args.fields),
  });
}

export { CustomFieldValueRef };
