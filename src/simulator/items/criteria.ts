/**
 * Criteria and sort over stored records. A field path is a field name, a
 * related id (`client.id`, `users.id`, `stage.id`, `orderRow.product.id`, or
 * `product.id` on order-like kinds), a struct field (`addresses.city`) or a
 * custom field (`custom.<fieldId>`). Paths through lists yield many values; a
 * criterion matches when any value does (`ne`: when none equals), `isNull
 * true` when there is no value. `eq`/`ne`/`in` compare exactly;
 * `contains`/`startsWith` ignore case.
 */
import { KINDS, STRUCTS, type FieldSpec, type ItemKind } from '../../contract/kinds.js';
import type { Criterion, SortSpec } from '../../contract/types.js';
import { CRITERIA_OPERATORS } from '../../contract/wire.js';
import type { Rec, Store } from '../store.js';
import { validationError } from '../soap/sim-fault.js';

type ValueType = 'number' | 'string' | 'boolean';
interface FieldPath {
  type: ValueType;
  values: (rec: Rec) => unknown[];
}

const VALUE_TYPE: Record<string, ValueType> = {
  id: 'number', int: 'number', float: 'number', boolean: 'boolean', string: 'string', text: 'string', date: 'string', datetime: 'string',
};
const CUSTOM_TYPE: Record<string, ValueType> = {
  Integer: 'number', Currency: 'number', Percent: 'number', Discount: 'number', User: 'number', Boolean: 'boolean',
};

const flat = (values: unknown[]): unknown[] => values.flatMap((v) => (Array.isArray(v) ? v : [v])).filter((v) => v !== null && v !== undefined);

function resolvePath(store: Store, kind: ItemKind, path: string): FieldPath | null {
  if (path.startsWith('custom.')) {
    const def = store.customFieldsById.get(Number(path.slice(7)));
    if (!def || def.kind !== KINDS[kind].customFieldKind) return null;
    const multi = def.datatype === 'MultiSelect';
    const type = CUSTOM_TYPE[def.datatype] ?? 'string';
    return {
      type,
      values: (rec) => {
        const value = rec.customfield?.find((c) => c.fieldId === def.id)?.value;
        if (value === undefined) return [];
        if (multi) return value.split(';');
        return [type === 'number' ? Number(value) : type === 'boolean' ? value === 'true' : value];
      },
    };
  }
  const fields = KINDS[kind].fields as Record<string, FieldSpec>;
  const parts = path === 'product.id' && 'orderRow' in fields ? ['orderRow', 'product', 'id'] : path.split('.');
  let specs: Record<string, FieldSpec> = fields;
  const steps: string[] = [];
  for (let i = 0; i < parts.length; i++) {
    const spec = specs[parts[i]];
    if (!spec || spec.type === 'customfields') return null;
    steps.push(parts[i]);
    if (spec.type === 'ref' || spec.type === 'refs') {
      if (parts[i + 1] !== 'id' || i + 2 !== parts.length) return null;
      return { type: 'number', values: walker(steps) };
    }
    if (spec.type === 'struct') {
      specs = STRUCTS[spec.struct];
      continue;
    }
    if (i + 1 !== parts.length) return null;
    return { type: VALUE_TYPE[spec.type], values: walker(steps) };
  }
  return null;
}

function walker(steps: string[]): (rec: Rec) => unknown[] {
  if (steps.length === 1) {
    const [step] = steps;
    return (rec) => {
      const value = rec[step];
      return value === null || value === undefined ? [] : Array.isArray(value) ? value : [value];
    };
  }
  return (rec) => {
    let values: unknown[] = [rec];
    for (const step of steps) values = flat(values.map((v) => (v as Record<string, unknown>)[step]));
    return values;
  };
}

function parseValue(type: ValueType, text: string, field: string): unknown {
  if (type === 'number') {
    const n = Number(text.trim());
    if (text.trim() === '' || !Number.isFinite(n)) throw validationError(`criterion on ${field}: "${text}" is not a number`, field);
    return n;
  }
  if (type === 'boolean') {
    if (!['true', 'false', '1', '0'].includes(text.trim())) throw validationError(`criterion on ${field}: "${text}" is not a boolean`, field);
    return text.trim() === 'true' || text.trim() === '1';
  }
  return text;
}

const compare = (a: unknown, b: unknown): number => (a === b ? 0 : (a as number) < (b as number) ? -1 : 1);

/** Compiles criteria (joined by AND) into one predicate; throws VALIDATION_ERROR on a bad criterion. */
export function compileCriteria(store: Store, kind: ItemKind, criteria: Criterion[]): (rec: Rec) => boolean {
  const tests = criteria.map(({ field, operator, values: raw }) => {
    if (!(CRITERIA_OPERATORS as readonly string[]).includes(operator)) throw validationError(`unknown criteria operator "${operator}"`, field);
    const path = resolvePath(store, kind, field);
    if (!path) throw validationError(`${KINDS[kind].typeName} has no field "${field}" to filter on`, field);
    if (operator === 'in' ? raw.length === 0 : raw.length !== 1) {
      throw validationError(`operator ${operator} on ${field} takes ${operator === 'in' ? 'one or more values' : 'exactly one value'}`, field);
    }
    if (operator === 'isNull') {
      const want = parseValue('boolean', raw[0], field) as boolean;
      return (rec: Rec) => (path.values(rec).length === 0) === want;
    }
    if ((operator === 'contains' || operator === 'startsWith') && path.type !== 'string') {
      throw validationError(`operator ${operator} needs a text field, ${field} is not`, field);
    }
    if (['lt', 'lte', 'gt', 'gte'].includes(operator) && path.type === 'boolean') throw validationError(`operator ${operator} does not apply to ${field}`, field);
    const values = raw.map((v) => parseValue(path.type, v, field));
    const v0 = values[0];
    const needle = String(v0).toLowerCase();
    const test: (x: unknown) => boolean = {
      eq: (x: unknown) => x === v0,
      ne: (x: unknown) => x === v0,
      in: (x: unknown) => values.includes(x),
      lt: (x: unknown) => compare(x, v0) < 0,
      lte: (x: unknown) => compare(x, v0) <= 0,
      gt: (x: unknown) => compare(x, v0) > 0,
      gte: (x: unknown) => compare(x, v0) >= 0,
      contains: (x: unknown) => String(x).toLowerCase().includes(needle),
      startsWith: (x: unknown) => String(x).toLowerCase().startsWith(needle),
    }[operator as Exclude<Criterion['operator'], 'isNull'>];
    if (operator === 'ne') return (rec: Rec) => !path.values(rec).some(test);
    return (rec: Rec) => path.values(rec).some(test);
  });
  return (rec) => tests.every((t) => t(rec));
}

const collator = new Intl.Collator('sv');

/** Sorts records by several keys (unset values first, ties by id); returns the sorted array. */
export function compileSort(store: Store, kind: ItemKind, sort: SortSpec[]): (recs: Rec[]) => Rec[] {
  const keys = sort.map(({ field, descending }) => {
    const path = resolvePath(store, kind, field);
    if (!path) throw validationError(`${KINDS[kind].typeName} has no field "${field}" to sort on`, field);
    const cmp = path.type === 'string'
      ? (a: unknown, b: unknown) => collator.compare(String(a), String(b))
      : (a: unknown, b: unknown) => compare(a, b);
    return { path, sign: descending ? -1 : 1, cmp };
  });
  return (recs) => {
    if (keys.length === 0) return recs.sort((a, b) => a.id - b.id);
    const decorated = recs.map((rec) => ({ rec, values: keys.map((k) => k.path.values(rec)[0] ?? null) }));
    decorated.sort((a, b) => {
      for (let i = 0; i < keys.length; i++) {
        const x = a.values[i];
        const y = b.values[i];
        const c = x === null || y === null ? (x === y ? 0 : x === null ? -1 : 1) : keys[i].cmp(x, y);
        if (c !== 0) return c * keys[i].sign;
      }
      return a.rec.id - b.rec.id;
    });
    return decorated.map((d) => d.rec);
  };
}
