/**
 * A staged record as a write input (GraphQL field names, typed values), the
 * shape src/write/inputs.ts converts and checks. Text from CSV becomes
 * numbers, booleans and dates by the field's type; a value of the wrong type
 * fails the row. References given by a key stay {@link RefPlaceholder}s until
 * the batch's lookups fill them in. Empty cells are left out (on an update:
 * unchanged). Every value obeys the text rules of src/request/input-text.ts (no
 * refused character anywhere, text within its field's length), so a bad cell
 * fails its row before any lookup.
 */
import { STRUCTS, type FieldSpec, type ItemKind } from '../../contract/kinds.js';
import { formatPath, MAX_LENGTH, preview, textProblem, valueProblem } from '../../request/input-text.js';
import { ColumnPlan, findField, type ColumnTarget } from './columns.js';
import { INVALID } from '../readers/read-records.js';

export interface RefKey {
  target: ItemKind;
  /** Wire name of the key field on the target (`orgNo`). */
  key: string;
  value: string;
}

export class RefPlaceholder {
  constructor(readonly ref: RefKey, readonly column: string) {}
}

export interface RowDraft {
  rowNo: number;
  input: Record<string, unknown>;
  refs: RefKey[];
  /** Why the row cannot be written; empty when it may be. */
  problems: string[];
  hasCustom: boolean;
}

class Problem extends Error {}

const INT = /^[+-]?\d+$/;
const NUMBER = /^[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?$/;
const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

const isBlank = (value: unknown) => value === null || value === undefined || (typeof value === 'string' && value.trim() === '');

function coerceScalar(type: string, value: unknown, maxLength?: number): unknown {
  const text = typeof value === 'string' ? value.trim() : value;
  switch (type) {
    case 'string': case 'text': {
      if (typeof value === 'number' || typeof value === 'boolean') return String(value);
      if (typeof value !== 'string') throw new Problem(`${preview(value)} is not text`);
      const problem = textProblem(value, maxLength ?? MAX_LENGTH[type]);
      if (problem) throw new Problem(problem);
      return value;
    }
    case 'int': {
      const n = typeof text === 'string' && INT.test(text) ? Number(text) : text;
      if (typeof n === 'number' && Number.isInteger(n) && Math.abs(n) <= 2147483647) return n;
      throw new Problem(`${preview(value)} is not an integer`);
    }
    case 'float': {
      const n = typeof text === 'string' && NUMBER.test(text) ? Number(text) : text;
      if (typeof n === 'number' && Number.isFinite(n)) return n;
      throw new Problem(`${preview(value)} is not a number`);
    }
    case 'boolean': {
      if (typeof value === 'boolean') return value;
      const t = String(text).toLowerCase();
      if (['true', '1', 'yes'].includes(t)) return true;
      if (['false', '0', 'no'].includes(t)) return false;
      throw new Problem(`${preview(value)} is not a boolean (true or false)`);
    }
    case 'date': {
      const m = typeof text === 'string' ? DATE.exec(text) : null;
      const d = m && new Date(Date.UTC(+m[1], +m[2] - 1, +m[3]));
      if (m && d && d.getUTCMonth() === +m[2] - 1 && d.getUTCDate() === +m[3]) return text;
      throw new Problem(`${preview(value)} is not a date (YYYY-MM-DD)`);
    }
    case 'datetime': {
      const ms = typeof text === 'string' && /^\d{4}-\d{2}-\d{2}T/.test(text) ? Date.parse(text) : NaN;
      if (Number.isFinite(ms)) return new Date(ms).toISOString();
      throw new Problem(`${preview(value)} is not a date-time (ISO 8601)`);
    }
    default:
      return value;
  }
}

function refValue(value: unknown): string {
  if (typeof value === 'number' && Number.isInteger(value)) return String(value);
  if (typeof value === 'string') return value.trim();
  if (value && typeof value === 'object' && 'id' in value) return refValue((value as { id: unknown }).id);
  throw new Problem(`${preview(value)} is not an id`);
}

const listOf = (value: unknown): unknown[] => {
  if (Array.isArray(value)) return value;
  if (typeof value === 'string') {
    const t = value.trim();
    if (t.startsWith('[')) return parseJson(t) as unknown[];
    return t.split(/[;|]/).map((v) => v.trim()).filter((v) => v !== '');
  }
  return [value];
};

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    throw new Problem('is not valid JSON');
  }
}

const objectsOf = (value: unknown): Record<string, unknown>[] => {
  const list = typeof value === 'string' ? parseJson(value) : value;
  const array = Array.isArray(list) ? list : [list];
  if (!array.every((v) => v && typeof v === 'object' && !Array.isArray(v))) throw new Problem('must be a list of objects (JSON)');
  return array as Record<string, unknown>[];
};

/** Builds drafts of one job: its kind's columns, and order rows' keys. */
export class RowDrafter {
  private readonly rowPlan = new ColumnPlan(STRUCTS.OrderRow as Record<string, FieldSpec>);

  constructor(readonly plan: ColumnPlan) {}

  draft(rowNo: number, data: string): RowDraft {
    const draft: RowDraft = { rowNo, input: {}, refs: [], problems: [], hasCustom: false };
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(data) as Record<string, unknown>;
    } catch {
      record = { [INVALID]: 'could not be read' };
    }
    if (typeof record[INVALID] === 'string') {
      draft.problems.push(`The row ${record[INVALID]}`);
      return draft;
    }
    this.fill(this.plan, record, draft.input, draft, '');
    return draft;
  }

  /** Writes the columns of `record` into `input` by `plan`, recording problems per column. */
  private fill(plan: ColumnPlan, record: Record<string, unknown>, input: Record<string, unknown>, draft: RowDraft, prefix: string): void {
    for (const [column, value] of Object.entries(record)) {
      const name = `${prefix}${column}`;
      let target: ColumnTarget | undefined;
      try {
        target = plan.target(column);
      } catch (error) {
        draft.problems.push((error as Error).message);
        continue;
      }
      if (!target) {
        draft.problems.push(`${name}: no such field to import into (map it to a field, or to "-" to ignore it)`);
        continue;
      }
      if (target.type === 'ignore' || isBlank(value)) continue;
      const bad = valueProblem(value);
      if (bad) {
        draft.problems.push(`${formatPath([name, ...bad.path])}: ${bad.problem}`);
        continue;
      }
      try {
        this.apply(target, value, input, draft, name);
      } catch (error) {
        if (!(error instanceof Problem)) throw error;
        draft.problems.push(`${name}: ${error.message}`);
      }
    }
  }

  private apply(target: Exclude<ColumnTarget, { type: 'ignore' }>, value: unknown, input: Record<string, unknown>, draft: RowDraft, column: string): void {
    if (target.type === 'custom') {
      draft.hasCustom = true;
      const list = (input.customFields ??= []) as { field: string; value: string }[];
      list.push({ field: target.ref, value: typeof value === 'string' ? value : Array.isArray(value) ? value.join(';') : String(value) });
      return;
    }
    const { field } = target;
    if (target.type === 'refKey') {
      const placeholder = (v: unknown) => {
        const ref: RefKey = { target: target.target, key: target.key, value: String(coerceScalar('string', v)).trim() };
        draft.refs.push(ref);
        return new RefPlaceholder(ref, column);
      };
      if (field.spec.type === 'refs') {
        const list = (input[field.name] ??= []) as unknown[];
        list.push(...listOf(value).map(placeholder));
      } else {
        input[field.name] = placeholder(value);
      }
      return;
    }
    input[field.name] = this.value(field.spec, value, draft, column);
  }

  private value(spec: FieldSpec, value: unknown, draft: RowDraft, column: string): unknown {
    switch (spec.type) {
      case 'ref': return refValue(value);
      case 'refs': return listOf(value).map(refValue);
      case 'customfields': {
        draft.hasCustom = true;
        return objectsOf(value).map((entry) => ({ field: String(entry.field ?? entry.fieldId ?? entry.alias ?? ''), value: entry.value == null ? null : String(entry.value) }));
      }
      case 'struct': {
        if (spec.struct === 'Stage') return Number(coerceScalar('int', typeof value === 'object' && value ? (value as { id: unknown }).id : value));
        const fields = STRUCTS[spec.struct] as Record<string, FieldSpec>;
        return objectsOf(value).map((element, i) => {
          const out: Record<string, unknown> = {};
          if (spec.struct === 'OrderRow') {
            this.fill(this.rowPlan, element, out, draft, `${column}[${i}].`);
            return out;
          }
          for (const [key, v] of Object.entries(element)) {
            const sub = findField(fields, key);
            if (!sub) throw new Problem(`[${i}].${key} is not a field`);
            if (!isBlank(v)) out[sub.name] = coerceScalar(sub.spec.type, v, sub.spec.maxLength);
          }
          return out;
        });
      }
      default: return coerceScalar(spec.type, value, spec.maxLength);
    }
  }
}
