/**
 * Turns node-soap's output into the contract's typed shapes, and typed inputs
 * into what node-soap serializes, walking a {@link Shape}:
 * - reading: repeated elements always arrays (absent: `[]`), numbers and
 *   booleans typed, dates `YYYY-MM-DD`, date-times ISO 8601 UTC, absent
 *   `undefined`, xsi:nil `null`;
 * - writing: absent (`undefined`) omitted, `null` sent as xsi:nil, read-only
 *   fields never sent, text escaped here (node-soap's own escaping is off:
 *   it lets `<![CDATA[...]]>` strings through raw).
 */
import { UpstreamError } from './errors.js';
import type { RecordShape, ScalarShape, Shape } from './wire-shapes.js';
import { escapeXmlText } from './xml-text.js';

const protocolError = (path: string): UpstreamError =>
  new UpstreamError('PROTOCOL', `Upsales sent a value for ${path || 'the response'} that does not fit the contract`);

const isRecordShape = (shape: Shape): shape is RecordShape => 'fields' in shape;

/** node-soap gives elements with attributes as `{ attributes, $value }`. */
function textOf(raw: unknown): unknown {
  if (raw !== null && typeof raw === 'object' && !(raw instanceof Date) && '$value' in raw) return (raw as { $value: unknown }).$value;
  return raw;
}

export function decode(shape: Shape, raw: unknown, path = ''): unknown {
  if (shape.list) {
    if (raw === undefined || raw === null) return [];
    return (Array.isArray(raw) ? raw : [raw]).map((element, i) => decodeOne(shape, element, `${path}[${i}]`));
  }
  if (Array.isArray(raw)) throw protocolError(path);
  return decodeOne(shape, raw, path);
}

function decodeOne(shape: Shape, raw: unknown, path: string): unknown {
  if (raw === undefined || raw === null) return raw;
  if (!isRecordShape(shape)) return decodeScalar(shape, textOf(raw), path);
  if (typeof raw !== 'object' || raw instanceof Date) throw protocolError(path);
  const source = raw as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(shape.fields)) {
    const value = decode(field, source[name], path ? `${path}.${name}` : name);
    if (value !== undefined) out[name] = value;
  }
  return out;
}

function decodeScalar({ scalar }: ScalarShape, raw: unknown, path: string): unknown {
  switch (scalar) {
    case 'id':
    case 'int': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && /^\s*[-+]?\d+\s*$/.test(raw) ? Number(raw) : NaN;
      if (!Number.isSafeInteger(n)) throw protocolError(path);
      return n;
    }
    case 'float': {
      const n = typeof raw === 'number' ? raw : typeof raw === 'string' && raw.trim() !== '' ? Number(raw) : NaN;
      if (Number.isNaN(n)) throw protocolError(path);
      return n;
    }
    case 'boolean':
      if (raw === true || raw === 'true' || raw === '1') return true;
      if (raw === false || raw === 'false' || raw === '0') return false;
      throw protocolError(path);
    case 'date': {
      const text = raw instanceof Date ? raw.toISOString() : String(raw);
      const match = /^\s*(\d{4}-\d{2}-\d{2})/.exec(text);
      if (!match) throw protocolError(path);
      return match[1];
    }
    case 'datetime': {
      const date = raw instanceof Date ? raw : new Date(String(raw).trim());
      if (Number.isNaN(date.getTime())) throw protocolError(path);
      return date.toISOString();
    }
    default:
      if (typeof raw === 'object') throw protocolError(path);
      return String(raw);
  }
}

/** What node-soap should serialize for `value`; `undefined` for "leave the element out". */
export function encode(shape: Shape, value: unknown): unknown {
  if (value === undefined) return undefined;
  if (value === null) return null;
  if (shape.list) {
    const list = Array.isArray(value) ? value : [value];
    if (list.length) return list.map((element) => encodeOne(shape, element));
    // an empty list would vanish from the wire, i.e. "unchanged": send it as xsi:nil, "clear"
    return shape.omitEmpty ? undefined : null;
  }
  return encodeOne(shape, value);
}

function encodeOne(shape: Shape, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  if (!isRecordShape(shape)) return encodeScalar(shape, value);
  // a reference may be given as its bare id
  const source = (typeof value === 'object' ? value : { id: value }) as Record<string, unknown>;
  const out: Record<string, unknown> = {};
  for (const [name, field] of Object.entries(shape.fields)) {
    const sendable = !field.readOnly || (!isRecordShape(field) && field.scalar === 'id');
    if (!sendable) continue;
    const encoded = encode(field, source[name]);
    if (encoded !== undefined) out[name] = encoded;
  }
  return out;
}

function encodeScalar({ scalar }: ScalarShape, value: unknown): string {
  if (value instanceof Date) return scalar === 'date' ? value.toISOString().slice(0, 10) : value.toISOString();
  if (typeof value === 'boolean') return value ? 'true' : 'false';
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new UpstreamError('VALIDATION_ERROR', 'Numbers sent to Upsales must be finite');
    return String(value);
  }
  return escapeXmlText(String(value));
}
