/** Parsing and checking of wire scalars (request text is kept verbatim). */
import type { ScalarType } from '../../contract/kinds.js';
import type { CustomFieldDefinition } from '../../contract/types.js';

/** Thrown by decoders; the item service turns it into a VALIDATION_ERROR for that field. */
export class FieldError extends Error {
  constructor(readonly field: string, message: string) {
    super(message);
  }
}

const INT = /^[+-]?\d+$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$/;
export const DEFAULT_MAX_LENGTH = 255;
const MAX_TEXT = 100_000;

export function parseInt32(text: string, field: string): number {
  const t = text.trim();
  const n = Number(t);
  if (!INT.test(t) || n > 2147483647 || n < -2147483648) throw new FieldError(field, `${field}: "${text}" is not an integer`);
  return n;
}

export function parseNumber(text: string, field: string): number {
  const t = text.trim();
  const n = Number(t);
  if (t === '' || !Number.isFinite(n)) throw new FieldError(field, `${field}: "${text}" is not a number`);
  return n;
}

export function parseBoolean(text: string, field: string): boolean {
  const t = text.trim();
  if (t === 'true' || t === '1') return true;
  if (t === 'false' || t === '0') return false;
  throw new FieldError(field, `${field}: "${text}" is not a boolean (true or false)`);
}

export function parseDate(text: string, field: string): string {
  const t = text.trim();
  const m = DATE.exec(t);
  const d = m && new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
  if (!m || !d || d.getUTCMonth() !== +m[2] - 1 || d.getUTCDate() !== +m[3]) throw new FieldError(field, `${field}: "${text}" is not a date (YYYY-MM-DD)`);
  return t;
}

export function parseDateTime(text: string, field: string): string {
  const t = text.trim();
  const ms = Date.parse(t);
  if (!DATETIME.test(t) || Number.isNaN(ms)) throw new FieldError(field, `${field}: "${text}" is not a date-time (ISO 8601)`);
  return new Date(ms).toISOString();
}

export function parseString(text: string, field: string, maxLength: number): string {
  if ([...text].length > maxLength) throw new FieldError(field, `${field}: longer than ${maxLength} characters`);
  return text;
}

export function parseScalar(type: ScalarType, text: string, field: string, maxLength?: number): unknown {
  switch (type) {
    case 'id': case 'int': return parseInt32(text, field);
    case 'float': return parseNumber(text, field);
    case 'boolean': return parseBoolean(text, field);
    case 'date': return parseDate(text, field);
    case 'datetime': return parseDateTime(text, field);
    case 'string': return parseString(text, field, maxLength ?? DEFAULT_MAX_LENGTH);
    case 'text': return parseString(text, field, maxLength ?? MAX_TEXT);
  }
}

/**
 * Checks a custom field value against its definition and returns it in its
 * canonical string form. `userExists` checks User values.
 */
export function checkCustomValue(def: CustomFieldDefinition, text: string, field: string, userExists: (id: number) => boolean): string {
  const t = text.trim();
  switch (def.datatype) {
    case 'String': return parseString(text, field, DEFAULT_MAX_LENGTH);
    case 'Text': return parseString(text, field, MAX_TEXT);
    case 'Integer': return String(parseInt32(t, field));
    case 'Currency': case 'Discount': return String(parseNumber(t, field));
    case 'Percent': {
      const n = parseNumber(t, field);
      if (n < 0 || n > 100) throw new FieldError(field, `${field}: a percentage must be between 0 and 100`);
      return String(n);
    }
    case 'Boolean': return String(parseBoolean(t, field));
    case 'Date': return parseDate(t, field);
    case 'Time':
      if (!/^([01]\d|2[0-3]):[0-5]\d$/.test(t)) throw new FieldError(field, `${field}: "${text}" is not a time (HH:MM)`);
      return t;
    case 'Select':
      if (!def.options?.includes(text)) throw new FieldError(field, `${field}: "${text}" is not one of the options of ${def.name}`);
      return text;
    case 'MultiSelect': {
      const chosen = text.split(';').filter((o) => o !== '');
      const bad = chosen.find((o) => !def.options?.includes(o));
      if (bad !== undefined) throw new FieldError(field, `${field}: "${bad}" is not one of the options of ${def.name}`);
      return chosen.join(';');
    }
    case 'Email':
      if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(t) || t.length > DEFAULT_MAX_LENGTH) throw new FieldError(field, `${field}: "${text}" is not an email address`);
      return t;
    case 'Link':
      if (!/^https?:\/\/\S+$/.test(t) || t.length > DEFAULT_MAX_LENGTH) throw new FieldError(field, `${field}: "${text}" is not a http(s) link`);
      return t;
    case 'Phone':
      if (!/^\+?[\d\s\-()]{3,40}$/.test(t)) throw new FieldError(field, `${field}: "${text}" is not a phone number`);
      return t;
    case 'User': {
      const id = parseInt32(t, field);
      if (!userExists(id)) throw new FieldError(field, `${field}: user ${id} does not exist`);
      return String(id);
    }
  }
}
