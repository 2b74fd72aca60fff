/**
 * Custom field values of a write, named by field id or alias and checked
 * against the definition's datatype before any upstream call. Values travel
 * as strings (see CustomFieldValue in src/contract/types.ts); `null` clears.
 */
import type { CustomFieldDefinition } from '../contract/types.js';
import { isLongerThan, MAX_LENGTH, preview, textProblem } from '../request/input-text.js';
import { InputProblem } from './user-errors.js';

export interface CustomFieldInput {
  /** The custom field's id or alias. */
  field: string;
  /** The value as text; null clears the field. */
  value?: string | null;
}

/** A custom value ready for the wire; `value: null` clears the field. */
export interface WireCustomValue { fieldId: number; value: string | null }

const MAX_STRING = MAX_LENGTH.string;
const MAX_TEXT = MAX_LENGTH.text;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const INTEGER = /^[+-]?\d+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

function isDate(text: string): boolean {
  const m = DATE.exec(text);
  if (!m) return false;
  const d = new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  return d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3];
}

/** Why `text` is not a valid value of `def`, or null when it is. */
export function customValueProblem(def: CustomFieldDefinition, text: string): string | null {
  const t = text.trim();
  const options = def.options ?? [];
  switch (def.datatype) {
    case 'String': return isLongerThan(text, MAX_STRING) ? `is longer than ${MAX_STRING} characters` : null;
    case 'Text': return isLongerThan(text, MAX_TEXT) ? `is longer than ${MAX_TEXT} characters` : null;
    case 'Integer': return INTEGER.test(t) && Math.abs(Number(t)) <= 2147483647 ? null : `${preview(text)} is not an integer`;
    case 'Currency': case 'Discount': return NUMBER.test(t) ? null : `${preview(text)} is not a number`;
    case 'Percent': return NUMBER.test(t) && Number(t) >= 0 && Number(t) <= 100 ? null : `${preview(text)} is not a percentage between 0 and 100`;
    case 'Boolean': return t === 'true' || t === 'false' ? null : `${preview(text)} is not a boolean (true or false)`;
    case 'Date': return isDate(t) ? null : `${preview(text)} is not a date (YYYY-MM-DD)`;
    case 'Time': return /^([01]\d|2[0-3]):[0-5]\d$/.test(t) ? null : `${preview(text)} is not a time (HH:MM)`;
    case 'Select': return options.includes(text) ? null : `${preview(text)} is not one of the options: ${options.join(', ')}`;
    case 'MultiSelect': {
      const bad = text.split(';').filter((o) => o !== '').find((o) => !options.includes(o));
      return bad === undefined ? null : `${preview(bad)} is not one of the options: ${options.join(', ')}`;
    }
    case 'Email': return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(t) && t.length <= MAX_STRING ? null : `${preview(text)} is not an email address`;
    case 'Link': return /^https?:\/\/\S+$/.test(t) && t.length <= MAX_STRING ? null : `${preview(text)} is not an http(s) link`;
    case 'Phone': return /^\+?[\d\s\-()]{3,40}$/.test(t) ? null : `${preview(text)} is not a phone number`;
    case 'User': return /^[1-9]\d{0,9}$/.test(t) ? null : `${preview(text)} is not a user id`;
  }
}

/**
 * Custom field inputs as wire values for the definition set `setName`
 * (`client`, `order`, `orderRow`...). Throws the first problem found.
 */
export function customFieldsToWire(
  inputs: CustomFieldInput[], definitions: CustomFieldDefinition[], setName: string, path: string[],
): WireCustomValue[] {
  const seen = new Set<number>();
  return inputs.map((input, i) => {
    const at = [...path, String(i)];
    const def = definitions.find((d) => d.kind === setName && (/^\d+$/.test(input.field) ? d.id === Number(input.field) : d.alias === input.field));
    if (!def) throw new InputProblem([...at, 'field'], `There is no ${setName} custom field ${preview(input.field)}`);
    if (!def.editable) throw new InputProblem([...at, 'field'], `The custom field ${def.alias} cannot be changed`);
    if (seen.has(def.id)) throw new InputProblem([...at, 'field'], `The custom field ${def.alias} is given more than once`);
    seen.add(def.id);
    if (input.value === null || input.value === undefined || input.value === '') return { fieldId: def.id, value: null };
    const problem = textProblem(input.value) ?? customValueProblem(def, input.value);
    if (problem) throw new InputProblem([...at, 'value'], `${def.alias} (${def.datatype}): ${problem}`);
    return { fieldId: def.id, value: input.value };
  });
}

/** Current custom values with changes applied; a null value removes the field. */
export function mergeCustomValues(current: { fieldId: number; value: string }[], changes: WireCustomValue[]): { fieldId: number; value: string }[] {
  const byId = new Map(current.map((c) => [c.fieldId, c.value]));
  for (const { fieldId, value } of changes) {
    if (value === null) byId.delete(fieldId);
    else byId.set(fieldId, value);
  }
  return [...byId].map(([fieldId, value]) => ({ fieldId, value }));
}
